//! `cargo xtask bench`: seeds a stock and its daily snapshots in its own database on the
//! development cluster, runs the release backend and drives it over loopback with `wrk` (32
//! connections): first with varied URLs, each request a different one, beside the same answers
//! computed by plain SQL with pgbench ([`crate::bench_varied`]); then one fixed URL per run
//! (after its first request, cache hits). Then it times dashboards with an empty cache, a full
//! CSV/XLSX export and a full import (all unchanged, then all new), and shows PostgreSQL's plan
//! for the list's filters and sorts. Results go in docs/BENCHMARKS.md.
//!
//! `BENCH_BACKEND_BIN=/path/to/dealaai` benchmarks that binary instead of building the release
//! one (before/after comparisons); `BENCH_SECONDS` (default 20) sets the length of each run.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::postgres::Cluster;
use crate::process::{self, command, output, run};
use crate::{target_dir, tools};

const DATABASE: &str = "dealaai_bench";
pub const USER: &str = "bench";
pub const PASSWORD: &str = "carga-de-prueba-2026";
const CONNECTIONS: &str = "32";

/// How long each measured run lasts: `BENCH_SECONDS`, 20 by default.
pub fn seconds() -> u64 {
    std::env::var("BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).filter(|s| *s > 0).unwrap_or(20)
}

/// The requests measured: (name, path).
const REQUESTS: &[(&str, &str)] = &[
    ("list: 2 filters + sort", "/api/stock?brand=SEAT&fuel=diesel&sort=-sale_price&page_size=25"),
    ("list: default page", "/api/stock?page_size=25"),
    ("list: text search", "/api/stock?q=toyota%20corolla&page_size=25"),
    ("facets: one brand", "/api/stock/facets?brand=SEAT"),
    ("dashboard", "/api/dashboard"),
    ("dashboard: one dealer", "/api/dashboard?dealer_id=2"),
];

/// Dashboards timed with an empty cache: every figure computed from the database.
const UNCACHED: &[(&str, &str)] = &[
    ("dashboard, uncached", "/api/dashboard"),
    ("dashboard: one dealer, uncached", "/api/dashboard?dealer_id=2"),
    ("dashboard: one province and stock type, uncached", "/api/dashboard?province=28&stock_type=VO"),
];
const UNCACHED_RUNS: usize = 20;
/// Rows of the timed imports.
const IMPORT_ROWS: usize = 100_000;

/// What one wrk run reports.
pub struct WrkReport {
    /// How many requests were answered.
    pub requests: u64,
    pub requests_per_second: String,
    pub p50: String,
    pub p90: String,
    pub p99: String,
    /// Non-2xx answers and socket errors.
    pub errors: u64,
}

/// Runs wrk with `args` (plus `--latency`) and reads its report.
pub fn wrk(args: &[&str]) -> Result<WrkReport> {
    let report = output(command("wrk").args(args).arg("--latency")).context("running wrk")?;
    let field = |label: &str| {
        report.lines().find_map(|l| l.trim().strip_prefix(label).map(|v| v.trim().to_owned())).unwrap_or_default()
    };
    let errors: u64 = field("Non-2xx or 3xx responses:").parse().unwrap_or(0)
        + field("Socket errors:")
            .split(',')
            .filter_map(|part| part.split_whitespace().last()?.parse::<u64>().ok())
            .sum::<u64>();
    let requests = report.lines().find_map(|l| l.trim().split_once(" requests in ")?.0.parse().ok()).unwrap_or(0);
    Ok(WrkReport {
        requests,
        requests_per_second: field("Requests/sec:"),
        p50: field("50%"),
        p90: field("90%"),
        p99: field("99%"),
        errors,
    })
}

/// Creates the bench's manager account unless it exists.
pub fn ensure_user(
    dealaai: &dyn Fn(&[&str]) -> Command,
    psql: &dyn Fn(&str) -> Option<String>,
    user: &str,
    password: &str,
) -> Result<()> {
    if psql(&format!("SELECT 1 FROM users WHERE username = '{user}'")).as_deref() == Some("1") {
        return Ok(());
    }
    let mut create = dealaai(&["users", "create", "--role", "manager", "--username", user]);
    create.args(["--email", &format!("{user}@dealaai.local"), "--password-stdin"]).stdin(Stdio::piped());
    let mut child = create.spawn()?;
    use std::io::Write;
    child.stdin.take().expect("piped").write_all(format!("{password}\n").as_bytes())?;
    if !child.wait()?.success() {
        bail!("could not create the bench user");
    }
    Ok(())
}

/// Waits for the backend at `base`, logs in and returns the `Authorization` header.
pub fn login(base: &str, user: &str, password: &str) -> Result<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while output(command("curl").args(["-sf", &format!("{base}/api/health/")])).is_none() {
        if Instant::now() > deadline {
            bail!("the backend did not start");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let login = output(command("curl").args([
        "-sf",
        "-H",
        "Content-Type: application/json",
        "-d",
        &format!(r#"{{"username":"{user}","password":"{password}"}}"#),
        &format!("{base}/api/auth/login"),
    ]))
    .context("logging in")?;
    let token =
        login.split(r#""access_token":""#).nth(1).and_then(|rest| rest.split('"').next()).context("no token")?;
    Ok(format!("Authorization: Bearer {token}"))
}

/// Seconds to `COPY` the first `rows` vehicles (by VIN) into an empty copy of the table with the
/// same columns, defaults, generated columns, checks and indexes (`LIKE … INCLUDING ALL`), and
/// with its foreign keys too when `foreign_keys`; never its triggers (the change log, the
/// dashboard's counts and the notifications are the import's own work): what loading those
/// rows costs PostgreSQL at least.
fn copy_limit(psql: &dyn Fn(&str) -> Option<String>, rows: usize, foreign_keys: bool) -> Result<f64> {
    let file = "/tmp/dealaai-bench-copy.tsv";
    // The columns one can write: not the generated ones.
    let columns = psql(
        "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute \
         WHERE attrelid = 'vehicles'::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''",
    )
    .context("reading the vehicles' columns")?;
    psql(&format!("COPY (SELECT {columns} FROM vehicles ORDER BY vin LIMIT {rows}) TO '{file}'"))
        .context("writing the COPY file")?;
    psql("DROP TABLE IF EXISTS bench_copy_limit; CREATE TABLE bench_copy_limit (LIKE vehicles INCLUDING ALL)")
        .context("creating the copy of the table")?;
    if foreign_keys {
        let keys = psql(
            "SELECT string_agg(format('ALTER TABLE bench_copy_limit ADD %s', pg_get_constraintdef(oid)), '; ') \
             FROM pg_constraint WHERE conrelid = 'vehicles'::regclass AND contype = 'f'",
        )
        .context("reading the foreign keys")?;
        psql(&keys).context("adding the foreign keys to the copy")?;
    }
    let started = Instant::now();
    psql(&format!("COPY bench_copy_limit ({columns}) FROM '{file}'")).context("COPY FROM")?;
    let seconds = started.elapsed().as_secs_f64();
    psql("DROP TABLE bench_copy_limit");
    let _ = std::fs::remove_file(file);
    Ok(seconds)
}

/// Filter and sort combinations the table offers, checked with EXPLAIN.
const PLANS: &[&str] = &[
    "SELECT * FROM vehicles WHERE brand = 'SEAT' AND fuel = 'diesel' ORDER BY sale_price DESC, vin DESC LIMIT 25",
    "SELECT count(*) FROM vehicles WHERE brand = 'SEAT' AND fuel = 'diesel'",
    "SELECT * FROM vehicles ORDER BY reception_date DESC, vin DESC LIMIT 25",
    "SELECT * FROM vehicles WHERE search_text LIKE '%corolla%' ORDER BY reception_date DESC, vin DESC LIMIT 25",
    "SELECT * FROM vehicles WHERE sale_price BETWEEN 1000000 AND 2000000 ORDER BY mileage_km, vin LIMIT 25",
    "SELECT * FROM vehicles WHERE province_id = 28 AND stock_type = 'VO' ORDER BY registration_year DESC, vin DESC LIMIT 25",
    "SELECT * FROM vehicles WHERE reception_date <= CURRENT_DATE - 180 ORDER BY reception_date, vin LIMIT 25",
    "SELECT * FROM vehicles WHERE dealer_id = 3 ORDER BY (sale_price - coalesce(total_cost, purchase_price)) DESC, vin DESC LIMIT 25",
];

/// The release backend and a seeded database of the development cluster (reseeded only when
/// the size or the history asked for changed: a million vehicles take half an hour).
pub struct Prepared {
    pub cluster: Cluster,
    pub database: String,
    pub url: String,
    pub bin: std::path::PathBuf,
}

impl Prepared {
    pub fn psql(&self, sql: &str) -> Option<String> {
        self.cluster.psql(&self.database, sql)
    }

    pub fn dealaai(&self, args: &[&str]) -> Command {
        let mut cmd = command(&self.bin);
        cmd.args(args).env("DATABASE_URL", &self.url).env("RUST_LOG", "warn");
        cmd
    }

    /// Starts `dealaai serve` on a free port with `env`; returns it and its base URL.
    pub fn serve(&self, env: &[(&str, &str)]) -> Result<(std::process::Child, String)> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut serve = self.dealaai(&["serve"]);
        serve
            .env("BIND", format!("127.0.0.1:{port}"))
            .env("SNAPSHOT_SCHEDULER", "false")
            .env("DATABASE_POOL_SIZE", "32")
            .envs(env.iter().copied());
        Ok((serve.spawn().context("starting the backend")?, format!("http://127.0.0.1:{port}")))
    }
}

/// A `/proc/<pid>/status` memory figure (`VmRSS` now, `VmHWM` the peak) in MB.
pub fn resident_mb(pid: u32, field: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

/// Stops a backend started by [`Prepared::serve`] the way production does (SIGTERM).
pub fn stop(mut server: std::process::Child) {
    let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(server.id() as i32), nix::sys::signal::Signal::SIGTERM);
    let _ = server.wait();
}

pub fn prepare(vehicles: u64, history_days: u32) -> Result<Prepared> {
    prepare_database(DATABASE, vehicles, history_days)
}

/// [`prepare`] in the development cluster's database `name`.
pub fn prepare_database(name: &str, vehicles: u64, history_days: u32) -> Result<Prepared> {
    tools::ensure_load_tools()?;
    let cluster = Cluster::development();
    let url = cluster.ensure_database_named(name)?;
    let bin = match std::env::var_os("BENCH_BACKEND_BIN") {
        Some(bin) => {
            process::step(&format!("benchmarking {} (BENCH_BACKEND_BIN)", bin.to_string_lossy()));
            std::path::PathBuf::from(bin)
        }
        None => {
            process::step("building the release backend");
            run(process::cargo().args(["build", "--release", "--package", "dealaai"]))?;
            target_dir().join("release").join("dealaai")
        }
    };
    let prepared = Prepared { cluster, database: name.to_owned(), url, bin };
    let psql = |sql: &str| prepared.psql(sql);
    run(prepared.dealaai(&["migrate"]).stdout(Stdio::null()))?;
    let existing: u64 = psql("SELECT count(*) FROM vehicles").and_then(|n| n.parse().ok()).unwrap_or(0);
    let days: u32 = psql("SELECT count(*) FROM snapshot_runs").and_then(|n| n.parse().ok()).unwrap_or(0);
    if existing != vehicles || days != history_days {
        process::step(&format!("seeding {vehicles} vehicles and {history_days} days of snapshots"));
        psql(
            "TRUNCATE vehicles, vehicle_changes, vehicle_price_changes, vehicle_states, snapshot_runs, \
             stock_daily, vehicle_removals",
        );
        let started = Instant::now();
        let (count, days) = (vehicles.to_string(), history_days.to_string());
        run(&mut prepared.dealaai(&["seed", "--vehicles", &count, "--seed", "1", "--history-days", &days]))?;
        println!("seeded in {:.1} s", started.elapsed().as_secs_f64());
        psql("VACUUM ANALYZE");
    }
    ensure_user(&|args: &[&str]| prepared.dealaai(args), &psql, USER, PASSWORD)?;
    Ok(prepared)
}

/// What the history costs: its states against the rows a full copy of the stock per
/// snapshot day (the earlier design) would hold.
fn report_history(psql: &dyn Fn(&str) -> Option<String>) {
    let figures = psql(
        "SELECT (SELECT count(*) FROM snapshot_runs) || ' ' || (SELECT count(*) FROM vehicle_states) || ' ' || \
             (SELECT coalesce(sum(vehicles), 0) FROM snapshot_runs) || ' ' || \
             round((pg_total_relation_size('vehicle_states') + pg_total_relation_size('stock_daily')) / 1e6, 1) || ' ' || \
             round(pg_database_size(current_database()) / 1e6)",
    )
    .unwrap_or_default();
    if let [days, states, copies, history_mb, database_mb] = figures.split(' ').collect::<Vec<_>>()[..] {
        println!(
            "\nhistory: {days} snapshot days kept as {states} vehicle states ({history_mb} MB with the daily totals); \
             a copy per day would be {copies} rows; the whole database: {database_mb} MB"
        );
    }
}

pub fn bench(vehicles: u64, history_days: u32) -> Result<()> {
    let prepared = prepare(vehicles, history_days)?;
    // The embedding worker (benchmarked by `--search`) would take a core for the whole run.
    let (server, base) = prepared.serve(&[("EMBEDDINGS_WORKER", "false")])?;
    let result = measure(&prepared, &base, server.id(), vehicles);
    stop(server);
    result
}

fn measure(prepared: &Prepared, base: &str, pid: u32, vehicles: u64) -> Result<()> {
    let psql = |sql: &str| prepared.psql(sql);
    let auth = login(base, USER, PASSWORD)?;
    report_history(&psql);
    crate::bench_varied::run(prepared, base, &auth, pid, vehicles)?;

    let seconds = format!("{}s", seconds());
    println!(
        "\n{vehicles} vehicles, one fixed URL per run: after the first request, cache hits; \
         {CONNECTIONS} connections, {seconds} each (wrk, 2 threads)\n"
    );
    println!("| request (cache hits) | requests/s | p50 | p99 | errors |");
    println!("|---|---:|---:|---:|---:|");
    for (name, path) in REQUESTS {
        let url = format!("{base}{path}");
        // Warm-up: connections, caches, prepared plans.
        let _ = output(command("wrk").args(["-t2", "-c", CONNECTIONS, "-d3s", "-H", &auth, &url]));
        let report = wrk(&["-t2", "-c", CONNECTIONS, "-d", &seconds, "-H", &auth, &url])?;
        println!("| {name} | {} | {} | {} | {} |", report.requests_per_second, report.p50, report.p99, report.errors);
    }
    println!("\nbackend peak memory (resident) during the list runs: {:.1} MB", resident_mb(pid, "VmHWM"));

    println!("\n| request, empty cache ({UNCACHED_RUNS} runs, one at a time) | p50 | max |\n|---|---:|---:|");
    for (name, path) in UNCACHED {
        let mut times: Vec<f64> = Vec::with_capacity(UNCACHED_RUNS);
        for _ in 0..UNCACHED_RUNS {
            psql("DELETE FROM cache_entries");
            // The backend empties its memory when it hears of the deletion, moments later.
            std::thread::sleep(Duration::from_millis(50));
            let started = Instant::now();
            output(command("curl").args(["-sf", "-o", "/dev/null", "-H", &auth, &format!("{base}{path}")]))
                .with_context(|| format!("GET {path}"))?;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        println!("| {name} | {:.1} ms | {:.1} ms |", times[times.len() / 2], times[times.len() - 1]);
    }

    let csv = target_dir().join("bench-export.csv");
    let timed = |args: &[&str]| -> Result<f64> {
        let started = Instant::now();
        let status = Command::new("curl").args(["-sf", "-H", &auth]).args(args).stdout(Stdio::null()).status()?;
        if !status.success() {
            bail!("curl {args:?} failed");
        }
        Ok(started.elapsed().as_secs_f64())
    };
    println!("\n| operation | seconds |\n|---|---:|");
    let seconds = timed(&["-o", csv.to_str().unwrap(), &format!("{base}/api/stock/export?format=csv")])?;
    println!("| export {vehicles} rows as CSV | {seconds:.2} |");
    let seconds = timed(&["-o", "/dev/null", &format!("{base}/api/stock/export?format=xlsx")])?;
    println!("| export {vehicles} rows as XLSX | {seconds:.2} |");
    // The import target is for 100,000 rows whatever the stock: the first 100,000 vehicles
    // by VIN, re-imported unchanged, then deleted and imported as new.
    timed(&["-o", csv.to_str().unwrap(), &format!("{base}/api/stock/export?format=csv&sort=vin")])?;
    let file = target_dir().join("bench-import.csv");
    let rows = IMPORT_ROWS.min(vehicles as usize);
    let text = std::fs::read_to_string(&csv)?;
    let slice: String = text.split_inclusive('\n').take(rows + 1).collect();
    std::fs::write(&file, slice)?;
    let import = format!("{base}/api/stock/import");
    let body = format!("@{}", file.display());
    let upload = ["-H", "Content-Type: text/csv", "--data-binary", &body, &import];
    let seconds = timed(&upload)?;
    println!("| import {rows} rows (all unchanged) | {seconds:.2} |");
    psql(&format!("DELETE FROM vehicles WHERE vin IN (SELECT vin FROM vehicles ORDER BY vin LIMIT {rows})"));
    let seconds = timed(&upload)?;
    println!("| import {rows} rows (all new) | {seconds:.2} |");
    let bare = copy_limit(&psql, rows, false)?;
    println!("| COPY of the same rows into an empty copy of the table: indexes and checks | {bare:.2} |");
    let limit = copy_limit(&psql, rows, true)?;
    println!("| the limit: the same COPY, with the foreign keys too (every constraint) | {limit:.2} |");
    println!("| import (all new) / the limit (target ≤ 1.5) | {:.2} |", seconds / limit);
    println!("| import (all new) / COPY without foreign keys | {:.2} |", seconds / bare);
    psql("VACUUM ANALYZE vehicles");

    println!("\nPlans (EXPLAIN, {vehicles} vehicles):");
    for sql in PLANS {
        let plan = psql(&format!("EXPLAIN (COSTS OFF) {sql}")).unwrap_or_default();
        let nodes: Vec<&str> = plan
            .lines()
            .map(str::trim)
            .filter(|l| l.contains("Scan") || l.contains("Sort") || l.contains("Aggregate"))
            .map(|l| l.trim_start_matches("-> "))
            .collect();
        println!("- `{sql}`\n  {}", nodes.join(" / "));
    }
    Ok(())
}
