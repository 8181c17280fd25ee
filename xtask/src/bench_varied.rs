//! The varied-input part of `cargo xtask bench`: every request a different URL, as when real
//! users change filters, sorts, pages and searches, so the backend's answer cache rarely
//! helps. The URLs are drawn with a fixed seed from what the bench database holds (its brands,
//! models, colours, dealers and provinces) and the list's sort keys, thousands per kind:
//!
//! - `list`: a brand, sometimes a fuel and a price ceiling, any sort key either way, pages 1-40;
//! - `search`: `q` a model name, or a brand or colour beside a model's first word, pages 1-10;
//! - `facets`: a brand and/or a price ceiling;
//! - `drill-down`: the dashboard of one dealer or one province, sometimes one stock type (the
//!   database holds few of them, so these URLs repeat: mostly cache hits).
//!
//! wrk walks a file of paths (each thread from its own offset, each request the next path), 32
//! connections, then one connection for `list`. Then the same answers are computed by plain SQL
//! driven straight at PostgreSQL with pgbench (the limit to compare with), from the very same
//! parameters: they go into tables of a `bench` schema in the bench database, and each pgbench
//! transaction picks one row (`\set n random(1, N)`, then `SELECT … \gset`), then sends the
//! answer's queries in one pipeline, as the backend does. A list's `ORDER BY` cannot be a
//! parameter, so the list has one script per sort key and direction, weighted (`-f file@weight`)
//! by how many of the list's URLs use it. Absent filters travel as empty strings and are
//! written `NULLIF(:x, '') IS NULL OR …`: pgbench's extended protocol plans each query for its
//! values (an unnamed statement), so PostgreSQL folds those tests away and plans as for literals.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::bench::{self, Prepared, WrkReport};
use crate::{postgres, target_dir};

const SEED: u64 = 0x5eed_2026;
/// The list's sort keys (`shared::stock::SortField`) with the SQL each orders by (as
/// `backend/src/stock/filters.rs` does); `days_in_stock` is the reception date reversed.
const SORTS: &[(&str, &str)] = &[
    ("vin", "v.vin"),
    ("plate", "v.plate"),
    ("brand", "v.brand"),
    ("model", "v.model"),
    ("registration_year", "v.registration_year"),
    ("reception_date", "v.reception_date"),
    ("days_in_stock", "v.reception_date"),
    ("mileage_km", "v.mileage_km"),
    ("power_cv", "v.power_cv"),
    ("sale_price", "v.sale_price"),
    ("estimated_margin", "(v.sale_price - coalesce(v.total_cost, v.purchase_price))"),
    ("price_difference", "(v.sale_price - v.previous_price)"),
    ("updated_at", "v.updated_at"),
];
/// `shared::stock::Fuel`'s wire values.
const FUELS: &[&str] = &["petrol", "diesel", "hybrid", "plugin_hybrid", "electric", "lpg", "cng", "other"];
/// `shared::stock::StockType`'s wire values.
const STOCK_TYPES: &[&str] = &["VO", "VN", "KM0", "DEMO"];
const PAGE_SIZE: u32 = 25;
/// The columns a listed vehicle shows (`VehicleRow`), then its dealer's and province's names.
const COLUMNS: &str = "v.vin, v.legacy_vin, v.plate, v.brand, v.model, v.version, v.registration_year, \
    v.registration_date, v.reception_date, v.mileage_km, v.colour, v.fuel, v.transmission, v.power_cv, \
    v.vehicle_type, v.stock_type, v.status, v.reserved, v.reserved_at, v.published, v.listing_url, \
    v.dealer_id, v.province_id, v.location, v.purchase_price, v.total_cost, v.sale_price, v.previous_price, \
    v.description, v.online_visits, v.online_calls, v.online_leads, v.extra, v.created_at, v.updated_at, \
    d.name, p.code, p.name";
const NAMES_JOIN: &str =
    "FROM vehicles v LEFT JOIN dealers d ON d.id = v.dealer_id LEFT JOIN provinces p ON p.id = v.province_id";
const PRICE_FILTER: &str = "(NULLIF(:price_max, '') IS NULL OR v.sale_price <= NULLIF(:price_max, '')::bigint)";

/// The targets of the varied runs at 32 connections.
const TARGET_P99_MS: f64 = 50.0;
const TARGET_RATE: f64 = 1_000.0;

/// A tiny seeded xorshift64* generator: the same URLs on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A price ceiling in euros, 8,000 to 60,000 in steps of 100.
    fn price(&mut self) -> u32 {
        8_000 + 100 * self.below(521) as u32
    }
}

/// What the bench database holds, to draw URLs from.
struct Catalogue {
    brands: Vec<String>,
    /// (brand, model)
    models: Vec<(String, String)>,
    colours: Vec<String>,
    dealers: Vec<String>,
    provinces: Vec<String>,
}

impl Catalogue {
    fn read(prepared: &Prepared) -> Result<Catalogue> {
        let column = |sql: &str| -> Result<Vec<String>> {
            let text = prepared.psql(sql).with_context(|| format!("reading {sql}"))?;
            Ok(text.lines().filter(|l| !l.is_empty()).map(str::to_owned).collect())
        };
        let models = column("SELECT brand || E'\\t' || model FROM vehicles GROUP BY brand, model ORDER BY 1")?
            .into_iter()
            .filter_map(|line| line.split_once('\t').map(|(b, m)| (b.to_owned(), m.to_owned())))
            .collect();
        let catalogue = Catalogue {
            brands: column("SELECT brand FROM vehicles GROUP BY brand ORDER BY 1")?,
            models,
            colours: column("SELECT colour FROM vehicles WHERE colour IS NOT NULL GROUP BY colour ORDER BY 1")?,
            dealers: column("SELECT dealer_id FROM vehicles WHERE dealer_id IS NOT NULL GROUP BY 1 ORDER BY 1")?,
            provinces: column(
                "SELECT p.code FROM provinces p WHERE EXISTS (SELECT FROM vehicles v WHERE v.province_id = p.id) \
                 ORDER BY 1",
            )?,
        };
        if catalogue.brands.is_empty() || catalogue.dealers.is_empty() || catalogue.provinces.is_empty() {
            bail!("the bench database holds no vehicles with brands, dealers and provinces");
        }
        Ok(catalogue)
    }
}

struct ListCase {
    brand: String,
    fuel: Option<&'static str>,
    price_max: Option<u32>,
    sort: usize,
    descending: bool,
    page: u32,
}

impl ListCase {
    fn draw(rng: &mut Rng, catalogue: &Catalogue) -> ListCase {
        ListCase {
            brand: rng.pick(&catalogue.brands).clone(),
            fuel: rng.chance(50).then(|| *rng.pick(FUELS)),
            price_max: rng.chance(50).then(|| rng.price()),
            sort: rng.below(SORTS.len()),
            descending: rng.chance(50),
            page: 1 + rng.below(40) as u32,
        }
    }

    fn path(&self) -> String {
        let mut path = format!("/api/stock?brand={}", encode(&self.brand));
        if let Some(fuel) = self.fuel {
            write!(path, "&fuel={fuel}").unwrap();
        }
        if let Some(price) = self.price_max {
            write!(path, "&price_max={price}").unwrap();
        }
        let sign = if self.descending { "-" } else { "" };
        write!(path, "&sort={sign}{}&page={}&page_size={PAGE_SIZE}", SORTS[self.sort].0, self.page).unwrap();
        path
    }

    /// The pgbench script that orders as this case does.
    fn script(&self) -> usize {
        self.sort * 2 + usize::from(self.descending)
    }
}

struct SearchCase {
    words: Vec<String>,
    page: u32,
}

impl SearchCase {
    fn draw(rng: &mut Rng, catalogue: &Catalogue) -> SearchCase {
        let (brand, model) = rng.pick(&catalogue.models);
        let first = model.split_whitespace().next().unwrap_or(model);
        let q = match rng.below(3) {
            0 => model.clone(),
            1 => format!("{brand} {first}"),
            _ => format!("{first} {}", rng.pick(&catalogue.colours)),
        };
        SearchCase { words: q.split_whitespace().map(str::to_owned).collect(), page: 1 + rng.below(10) as u32 }
    }

    /// One or two words without LIKE's special characters (the SQL twin does not escape).
    fn usable(&self) -> bool {
        (1..=2).contains(&self.words.len()) && self.words.iter().all(|w| !w.contains(['%', '_', '\\']))
    }

    fn path(&self) -> String {
        format!("/api/stock?q={}&page={}&page_size={PAGE_SIZE}", encode(&self.words.join(" ")), self.page)
    }
}

struct FacetsCase {
    brand: Option<String>,
    price_max: Option<u32>,
}

impl FacetsCase {
    fn draw(rng: &mut Rng, catalogue: &Catalogue) -> FacetsCase {
        match rng.below(3) {
            0 => FacetsCase { brand: Some(rng.pick(&catalogue.brands).clone()), price_max: None },
            1 => FacetsCase { brand: None, price_max: Some(rng.price()) },
            _ => FacetsCase { brand: Some(rng.pick(&catalogue.brands).clone()), price_max: Some(rng.price()) },
        }
    }

    fn path(&self) -> String {
        let mut query = Vec::new();
        if let Some(brand) = &self.brand {
            query.push(format!("brand={}", encode(brand)));
        }
        if let Some(price) = self.price_max {
            query.push(format!("price_max={price}"));
        }
        format!("/api/stock/facets?{}", query.join("&"))
    }
}

fn drill_down(rng: &mut Rng, catalogue: &Catalogue) -> String {
    let mut path = if rng.chance(50) {
        format!("/api/dashboard?dealer_id={}", rng.pick(&catalogue.dealers))
    } else {
        format!("/api/dashboard?province={}", encode(rng.pick(&catalogue.provinces).as_str()))
    };
    if rng.chance(50) {
        write!(path, "&stock_type={}", rng.pick(STOCK_TYPES)).unwrap();
    }
    path
}

/// Up to `count` cases with distinct URLs (fewer when the database offers fewer).
fn distinct<T>(count: usize, mut draw: impl FnMut() -> Option<T>, path: impl Fn(&T) -> String) -> Vec<T> {
    let mut seen = HashSet::new();
    let mut cases = Vec::with_capacity(count);
    for _ in 0..count * 20 {
        if cases.len() == count {
            break;
        }
        if let Some(case) = draw()
            && seen.insert(path(&case))
        {
            cases.push(case);
        }
    }
    cases
}

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A CSV field for `\copy`: quoted text, or unquoted empty for NULL.
fn csv(value: Option<&str>) -> String {
    value.map_or_else(String::new, |v| format!("\"{}\"", v.replace('"', "\"\"")))
}

/// One row of the varied table.
struct Run {
    kind: &'static str,
    connections: u32,
    distinct: usize,
    report: WrkReport,
}

pub fn run(prepared: &Prepared, base: &str, auth: &str, pid: u32, vehicles: u64) -> Result<()> {
    let seconds = bench::seconds();
    let dir = target_dir().join("bench-varied");
    std::fs::create_dir_all(&dir)?;
    let catalogue = Catalogue::read(prepared)?;
    let mut rng = Rng(SEED);
    // Enough distinct URLs for a fast backend not to come round again within a run.
    let many = (seconds as usize * 2_500).max(5_000);
    let single = (seconds as usize * 1_000).max(2_000);
    const WARM_UP: usize = 2_000;

    let mut list = distinct(many + single + WARM_UP, || Some(ListCase::draw(&mut rng, &catalogue)), ListCase::path);
    let list_warm_up = list.split_off(list.len().saturating_sub(WARM_UP));
    let list_single = list.split_off(list.len().saturating_sub(single));
    let search =
        distinct(many, || Some(SearchCase::draw(&mut rng, &catalogue)).filter(SearchCase::usable), SearchCase::path);
    let facets = distinct(many, || Some(FacetsCase::draw(&mut rng, &catalogue)), FacetsCase::path);
    let drill = distinct(many, || Some(drill_down(&mut rng, &catalogue)), String::clone);

    // Answers cached by an earlier bench (same seed, same day) would be hits.
    prepared.psql("DELETE FROM cache_entries");
    std::thread::sleep(std::time::Duration::from_millis(200));

    let paths = |cases: &[ListCase]| cases.iter().map(ListCase::path).collect::<Vec<_>>();
    let walk = |name: &str, paths: &[String], connections: u32| -> Result<(usize, WrkReport)> {
        let threads = connections.min(2);
        let file = dir.join(format!("{name}.paths"));
        std::fs::write(&file, paths.join("\n") + "\n")?;
        let script = dir.join(format!("{name}.lua"));
        std::fs::write(&script, walk_script(&file, threads))?;
        let duration = format!("{seconds}s");
        // Slow answers count in the latencies, not as wrk's timeouts (2 s by default).
        let report = bench::wrk(&[
            &format!("-t{threads}"),
            &format!("-c{connections}"),
            "-d",
            &duration,
            "--timeout",
            "30s",
            "-H",
            auth,
            "-s",
            script.to_str().context("path")?,
            base,
        ])?;
        Ok((paths.len(), report))
    };

    println!(
        "\n{vehicles} vehicles, varied requests: each a different URL (seeded), {seconds} s each \
         (wrk, 2 threads; target at 32 connections: p99 < {TARGET_P99_MS} ms and ≥ {TARGET_RATE} req/s)\n"
    );
    // Warm-up: the pool's connections and PostgreSQL's buffers, with URLs not measured later.
    let warm = dir.join("warm-up.paths");
    std::fs::write(&warm, paths(&list_warm_up).join("\n") + "\n")?;
    let warm_script = dir.join("warm-up.lua");
    std::fs::write(&warm_script, walk_script(&warm, 2))?;
    let _ = bench::wrk(&["-t2", "-c32", "-d2s", "-H", auth, "-s", warm_script.to_str().context("path")?, base]);

    let mut runs: Vec<Run> = Vec::new();
    let mut measure = |kind: &'static str, paths: Vec<String>, connections: u32| -> Result<()> {
        let (distinct, report) = walk(&format!("{kind}-c{connections}"), &paths, connections)?;
        runs.push(Run { kind, connections, distinct, report });
        Ok(())
    };
    measure("list", paths(&list), 32)?;
    measure("list", paths(&list_single), 1)?;
    measure("search", search.iter().map(SearchCase::path).collect(), 32)?;
    measure("facets", facets.iter().map(FacetsCase::path).collect(), 32)?;
    measure("drill-down", drill, 32)?;

    println!("| kind | connections | distinct URLs | requests | requests/s | p50 | p99 | errors | target |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---|");
    for Run { kind, connections, distinct, report } in &runs {
        let target = if *connections == 1 {
            ""
        } else if *kind == "drill-down" {
            // Its target: no request refused (the pool queue's 503s) whatever the latency.
            if report.errors == 0 { "met (no errors)" } else { "missed (errors)" }
        } else if rate(report) >= TARGET_RATE && millis(&report.p99).is_some_and(|p99| p99 < TARGET_P99_MS) {
            "met"
        } else {
            "missed"
        };
        println!(
            "| {kind} | {connections} | {distinct} | {} | {} | {} | {} | {} | {target} |",
            report.requests, report.requests_per_second, report.p50, report.p99, report.errors
        );
    }
    println!(
        "\nbackend memory after the varied runs: peak (VmHWM) {:.1} MB, now (VmRSS) {:.1} MB",
        bench::resident_mb(pid, "VmHWM"),
        bench::resident_mb(pid, "VmRSS")
    );

    let twins = Twins::load(prepared, &dir, &list, &search, &facets)?;
    println!(
        "\nThe same answers as plain SQL straight at PostgreSQL (pgbench -c32 -j2 -M extended, {seconds} s, \
         the same parameters)\n"
    );
    println!("| kind | backend requests/s | pgbench answers/s | pgbench latency average | backend / pgbench |");
    println!("|---|---:|---:|---:|---:|");
    for (kind, scripts) in [("list", &twins.list), ("search", &twins.search), ("facets", &twins.facets)] {
        let answers = pgbench(&prepared.url, scripts, seconds)?;
        let backend = runs.iter().find(|r| r.kind == kind && r.connections == 32).map_or(0.0, |r| rate(&r.report));
        let ratio = if answers.rate > 0.0 { backend / answers.rate } else { 0.0 };
        println!("| {kind} | {backend:.0} | {:.0} | {} | {ratio:.2} |", answers.rate, answers.latency);
    }
    Ok(())
}

/// A wrk script that sends the paths of `file` in turn, each thread from its own offset.
fn walk_script(file: &Path, threads: u32) -> String {
    format!(
        r#"
local paths = {{}}
for line in io.lines("{file}") do paths[#paths + 1] = line end
local started = 0
function setup(thread)
  thread:set("offset", started)
  started = started + 1
end
local i = 0
function init(args)
  i = math.floor((offset or 0) * #paths / {threads})
end
function request()
  i = i % #paths + 1
  return wrk.format(nil, paths[i])
end
"#,
        file = file.display()
    )
}

fn rate(report: &WrkReport) -> f64 {
    report.requests_per_second.parse().unwrap_or(0.0)
}

/// A wrk duration (`850.00us`, `12.34ms`, `1.02s`) in milliseconds.
fn millis(text: &str) -> Option<f64> {
    let number = |suffix: &str| text.strip_suffix(suffix)?.parse::<f64>().ok();
    number("us").map(|us| us / 1000.0).or_else(|| number("ms")).or_else(|| number("s").map(|s| s * 1000.0))
}

/// The pgbench scripts (file, weight) of each kind, their parameters loaded.
struct Twins {
    list: Vec<(PathBuf, usize)>,
    search: Vec<(PathBuf, usize)>,
    facets: Vec<(PathBuf, usize)>,
}

impl Twins {
    fn load(
        prepared: &Prepared,
        dir: &Path,
        list: &[ListCase],
        search: &[SearchCase],
        facets: &[FacetsCase],
    ) -> Result<Twins> {
        let sql = |statement: &str| prepared.psql(statement).with_context(|| format!("running {statement}"));
        sql("CREATE SCHEMA IF NOT EXISTS bench; \
             DROP TABLE IF EXISTS bench.list, bench.search, bench.facets; \
             CREATE TABLE bench.list (script int, n int, brand text NOT NULL, fuel text, price_max bigint, \
                                      offs int NOT NULL, PRIMARY KEY (script, n)); \
             CREATE TABLE bench.search (n int PRIMARY KEY, w1 text NOT NULL, w2 text, offs int NOT NULL); \
             CREATE TABLE bench.facets (n int PRIMARY KEY, brand text, price_max bigint)")?;
        let copy = |table: &str, rows: String| -> Result<()> {
            let file = dir.join(format!("{table}.csv"));
            std::fs::write(&file, rows)?;
            sql(&format!("\\copy bench.{table} FROM '{}' WITH (FORMAT csv)", file.display()))?;
            Ok(())
        };

        let mut counts = vec![0usize; SORTS.len() * 2];
        let mut rows = String::new();
        for case in list {
            let script = case.script();
            counts[script] += 1;
            let price = case.price_max.map(|euros| (euros as u64 * 100).to_string());
            writeln!(
                rows,
                "{script},{},{},{},{},{}",
                counts[script],
                csv(Some(&case.brand)),
                csv(case.fuel),
                price.unwrap_or_default(),
                (case.page - 1) * PAGE_SIZE
            )?;
        }
        copy("list", rows)?;
        let mut rows = String::new();
        for (n, case) in search.iter().enumerate() {
            let (w1, w2) = (case.words[0].as_str(), case.words.get(1).map(String::as_str));
            writeln!(rows, "{},{},{},{}", n + 1, csv(Some(w1)), csv(w2), (case.page - 1) * PAGE_SIZE)?;
        }
        copy("search", rows)?;
        let mut rows = String::new();
        for (n, case) in facets.iter().enumerate() {
            let price = case.price_max.map(|euros| (euros as u64 * 100).to_string());
            writeln!(rows, "{},{},{}", n + 1, csv(case.brand.as_deref()), price.unwrap_or_default())?;
        }
        copy("facets", rows)?;
        // The API folds the words of `q` (accents, case) before matching them.
        sql("UPDATE bench.search SET w1 = fold_text(w1), w2 = fold_text(w2); \
             ANALYZE bench.list, bench.search, bench.facets")?;

        let write = |name: String, text: String| -> Result<PathBuf> {
            let file = dir.join(name);
            std::fs::write(&file, text)?;
            Ok(file)
        };
        let mut list_scripts = Vec::new();
        for (script, count) in counts.iter().enumerate().filter(|(_, count)| **count > 0) {
            let (name, key) = SORTS[script / 2];
            let descending = script % 2 == 1;
            // More days in stock is an earlier reception; the VIN breaks ties the same way.
            let reversed = (name == "days_in_stock") != descending;
            let direction = if reversed { "DESC" } else { "ASC" };
            let filter = format!(
                "v.brand = :brand AND (NULLIF(:fuel, '') IS NULL OR v.fuel = NULLIF(:fuel, '')) AND {PRICE_FILTER}"
            );
            let text = format!(
                "\\set n random(1, {count})\n\
                 SELECT brand, fuel, price_max, offs FROM bench.list WHERE script = {script} AND n = :n \\gset\n\
                 \\startpipeline\n\
                 SELECT count(*) FROM vehicles v WHERE {filter};\n\
                 SELECT {COLUMNS} {NAMES_JOIN} WHERE {filter} \
                 ORDER BY {key} {direction}, v.vin {direction} LIMIT {PAGE_SIZE} OFFSET :offs;\n\
                 \\endpipeline\n"
            );
            let asked = if descending { "desc" } else { "asc" };
            list_scripts.push((write(format!("list-{name}-{asked}.sql"), text)?, *count));
        }

        let filter = "v.search_text LIKE '%' || :w1 || '%' \
                      AND (NULLIF(:w2, '') IS NULL OR v.search_text LIKE '%' || NULLIF(:w2, '') || '%')";
        let text = format!(
            "\\set n random(1, {count})\n\
             SELECT w1, w2, offs FROM bench.search WHERE n = :n \\gset\n\
             \\startpipeline\n\
             SELECT count(*) FROM vehicles v WHERE {filter};\n\
             SELECT {COLUMNS} {NAMES_JOIN} WHERE {filter} \
             ORDER BY v.reception_date DESC, v.vin DESC LIMIT {PAGE_SIZE} OFFSET :offs;\n\
             \\endpipeline\n",
            count = search.len()
        );
        let search_script = write("search.sql".into(), text)?;

        // Each facet counts under the other filters, not its own (as the API's facets do).
        let brand = "(NULLIF(:brand, '') IS NULL OR v.brand = NULLIF(:brand, ''))";
        let text = format!(
            "\\set n random(1, {count})\n\
             SELECT brand, price_max FROM bench.facets WHERE n = :n \\gset\n\
             \\startpipeline\n\
             SELECT v.brand, count(*) FROM vehicles v WHERE {PRICE_FILTER} GROUP BY 1 ORDER BY 1;\n\
             SELECT v.fuel, count(*) FROM vehicles v WHERE {brand} AND {PRICE_FILTER} AND v.fuel IS NOT NULL \
             GROUP BY 1 ORDER BY 1;\n\
             SELECT v.stock_type, count(*) FROM vehicles v WHERE {brand} AND {PRICE_FILTER} GROUP BY 1 ORDER BY 1;\n\
             SELECT p.code, p.name, count(*) FROM vehicles v JOIN provinces p ON p.id = v.province_id \
             WHERE {brand} AND {PRICE_FILTER} GROUP BY p.id ORDER BY fold_text(p.name);\n\
             SELECT d.id, d.name, count(*) FROM vehicles v JOIN dealers d ON d.id = v.dealer_id \
             WHERE {brand} AND {PRICE_FILTER} GROUP BY d.id ORDER BY fold_text(d.name);\n\
             SELECT v.model, count(*) FROM vehicles v WHERE v.brand = NULLIF(:brand, '') AND {PRICE_FILTER} \
             GROUP BY 1 ORDER BY 1;\n\
             \\endpipeline\n",
            count = facets.len()
        );
        let facets_script = write("facets.sql".into(), text)?;
        Ok(Twins {
            list: list_scripts,
            search: vec![(search_script, search.len())],
            facets: vec![(facets_script, facets.len())],
        })
    }
}

struct PgbenchReport {
    /// Transactions (answers) per second.
    rate: f64,
    latency: String,
}

/// Runs the weighted scripts with 32 clients; fails if any client failed.
fn pgbench(url: &str, scripts: &[(PathBuf, usize)], seconds: u64) -> Result<PgbenchReport> {
    let mut cmd = Command::new(postgres::program("pgbench")?);
    cmd.args(["-n", "-M", "extended", "-c", "32", "-j", "2", "-T", &seconds.to_string()]);
    for (file, weight) in scripts {
        cmd.arg("-f").arg(format!("{}@{weight}", file.display()));
    }
    let out = cmd.arg(url).output().context("running pgbench")?;
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let field = |label: &str| stdout.lines().find_map(|l| l.trim().strip_prefix(label).map(str::trim));
    let failed: u64 =
        field("number of failed transactions:").and_then(|v| v.split_whitespace().next()?.parse().ok()).unwrap_or(0);
    if !out.status.success() || failed > 0 || stderr.contains("aborted") {
        bail!("pgbench failed ({}):\n{stdout}\n{stderr}", out.status);
    }
    Ok(PgbenchReport {
        rate: field("tps =").and_then(|v| v.split_whitespace().next()?.parse().ok()).unwrap_or(0.0),
        latency: field("latency average =").unwrap_or("?").to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrk_durations_read_as_milliseconds() {
        assert_eq!(millis("850.00us"), Some(0.85));
        assert_eq!(millis("12.50ms"), Some(12.5));
        assert_eq!(millis("1.50s"), Some(1500.0));
        assert_eq!(millis(""), None);
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(encode("Citroën C3"), "Citro%C3%ABn%20C3");
        assert_eq!(encode("Mercedes-Benz"), "Mercedes-Benz");
    }
}
