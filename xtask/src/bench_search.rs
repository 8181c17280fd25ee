//! `cargo xtask bench --search`: semantic and hybrid search at scale. Seeds a stock in its own
//! database on the development cluster, embeds a sample of its texts with the real model (the
//! worker's throughput), gives each other text a blend of the vectors of two sampled texts of
//! the same brand and model (embedding 100,000 distinct demo texts would take ~50 minutes here),
//! builds the HNSW index, measures its recall and the backend's against exact search, and
//! drives the release backend with varied searches over loopback.

use std::process::Stdio;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::bench::{login, wrk};
use crate::postgres::Cluster;
use crate::process::{self, command, output, run};
use crate::{model, target_dir, tools};

const DATABASE: &str = "dealaai_bench_search";
const USER: &str = "bench";
const PASSWORD: &str = "carga-de-prueba-2026";
const RECALL_QUERIES: u32 = 200;

/// What salespeople type, in Spanish and English.
const QUERIES: &[&str] = &[
    "familiar diésel con maletero grande",
    "SUV automático para ciudad",
    "small petrol car for a new driver",
    "coche eléctrico",
    "furgoneta para el trabajo",
    "monovolumen siete plazas",
    "coche híbrido barato",
    "deportivo potente",
    "berlina cómoda para viajar",
    "todoterreno 4x4",
    "utilitario económico",
    "coche rojo",
    "red SUV",
    "hybrid family car",
    "electric city car",
    "coche de segunda mano fiable",
    "kilómetro cero",
    "coche nuevo",
    "cambio automático gasolina",
    "diesel manual barato",
    "Toyota híbrido",
    "SEAT León",
    "Volkswagen Golf",
    "Dacia barato",
    "premium BMW",
    "Mercedes automático",
    "coche para autónomo",
    "van for deliveries",
    "people carrier",
    "compacto deportivo",
    "coche para conductor novel",
    "SUV grande para familia numerosa",
];
const FILTERS: &[&str] = &["", "&fuel=diesel", "&price_max=20000", "&brand=SEAT", "&stock_type=VO&price_max=15000"];

pub fn bench_search(vehicles: u64, sample: u64) -> Result<()> {
    tools::ensure_load_tools()?;
    let weights = model::ensure_embedding_model()?;
    let cluster = Cluster::development();
    let url = cluster.ensure_database_named(DATABASE)?;
    let psql = |sql: &str| cluster.psql(DATABASE, sql);
    let number = |sql: &str| -> f64 { psql(sql).and_then(|v| v.trim().parse().ok()).unwrap_or(0.0) };

    process::step("building the release backend");
    run(process::cargo().args(["build", "--release", "--package", "dealaai"]))?;
    let bin = target_dir().join("release").join("dealaai");
    let dealaai = |args: &[&str]| {
        let mut cmd = command(&bin);
        cmd.args(args).env("DATABASE_URL", &url).env("EMBEDDINGS_MODEL_PATH", &weights).env("RUST_LOG", "warn");
        cmd
    };
    run(dealaai(&["migrate"]).stdout(Stdio::null()))?;
    if number("SELECT count(*) FROM vehicles") as u64 != vehicles {
        process::step(&format!("seeding {vehicles} vehicles"));
        psql("TRUNCATE vehicles, vehicle_changes, vehicle_price_changes, embedding_queue, passage_embeddings");
        psql("DROP TABLE IF EXISTS bench_q");
        run(&mut dealaai(&["seed", "--vehicles", &vehicles.to_string(), "--seed", "1"]))?;
        psql("VACUUM ANALYZE");
    }
    crate::bench::ensure_user(&dealaai, &psql, USER, PASSWORD)?;
    let texts = number("SELECT count(DISTINCT passage_key) FROM vehicles");
    println!("\n{vehicles} vehicles, {texts} distinct texts\n");
    println!("| step | figure |\n|---|---:|");

    // The worker's throughput: the real model on a sample of the texts.
    let embedded = number("SELECT count(*) FROM passage_embeddings") as u64;
    if embedded < sample {
        let missing = (sample - embedded).to_string();
        let started = Instant::now();
        run(dealaai(&["embeddings", "rebuild", "--limit", &missing]).stdout(Stdio::null()))?;
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "| embed {missing} texts with the model (CLI = worker path) | {seconds:.1} s, {:.1} texts/s |",
            (sample - embedded) as f64 / seconds
        );
    }

    // The other texts: a blend of two sampled vectors of the same brand and model, so the index
    // holds as many distinct vectors as the stock has texts, varying between the model's real
    // texts as texts of one model do (version, colour, description). Then, for a brand and
    // model with no sampled text, a sampled vector moved by noise.
    if number("SELECT count(*) FROM passage_embeddings") < texts {
        process::step("giving the other texts vectors between their brand and model's (bench only)");
        let started = Instant::now();
        psql("DROP INDEX IF EXISTS passage_embeddings_hnsw_idx");
        psql(
            "WITH texts AS (SELECT DISTINCT ON (passage_key) passage_key, brand, model FROM vehicles),
             sources AS (
                 SELECT t.brand, t.model, e.embedding::vector::real[] AS embedding,
                        row_number() OVER (PARTITION BY t.brand, t.model ORDER BY e.passage_key) AS n,
                        count(*) OVER (PARTITION BY t.brand, t.model) AS of
                 FROM texts t JOIN passage_embeddings e USING (passage_key)),
             missing AS (
                 SELECT t.*, random() AS weight, random() AS first, random() AS second FROM texts t
                 WHERE NOT EXISTS (SELECT 1 FROM passage_embeddings e WHERE e.passage_key = t.passage_key))
             INSERT INTO passage_embeddings (passage_key, embedding)
             SELECT m.passage_key, l2_normalize((SELECT array_agg(x * m.weight + y * (1 - m.weight))
                                                 FROM unnest(a.embedding, b.embedding) AS pair(x, y))::vector)::halfvec
             FROM missing m
             JOIN sources a ON (a.brand, a.model) = (m.brand, m.model) AND a.n = 1 + floor(m.first * a.of)
             JOIN sources b ON (b.brand, b.model) = (m.brand, m.model) AND b.n = 1 + floor(m.second * b.of)
             ON CONFLICT DO NOTHING",
        );
        psql(
            "WITH sources AS (
                 SELECT DISTINCT ON (v.brand, v.model) v.brand, v.model, e.embedding
                 FROM vehicles v JOIN passage_embeddings e ON e.passage_key = v.passage_key
                 ORDER BY v.brand, v.model, e.passage_key),
             missing AS (
                 SELECT DISTINCT ON (v.passage_key) v.passage_key, v.brand, v.model FROM vehicles v
                 WHERE NOT EXISTS (SELECT 1 FROM passage_embeddings e WHERE e.passage_key = v.passage_key))
             INSERT INTO passage_embeddings (passage_key, embedding)
             SELECT m.passage_key, (SELECT array_agg(x + (random() - 0.5) * 0.03)
                                    FROM unnest(coalesce(s.embedding, any_source.embedding)::vector::real[]) x)::vector::halfvec
             FROM missing m LEFT JOIN sources s USING (brand, model)
             CROSS JOIN (SELECT embedding FROM passage_embeddings LIMIT 1) any_source
             ON CONFLICT DO NOTHING",
        );
        psql("DELETE FROM embedding_queue");
        println!("| vectors for the other texts (bench only) | {:.1} s |", started.elapsed().as_secs_f64());
    }
    if psql("SELECT 1 FROM pg_indexes WHERE indexname = 'passage_embeddings_hnsw_idx'").as_deref() != Some("1") {
        let started = Instant::now();
        psql(
            "SET maintenance_work_mem = '1GB'; CREATE INDEX passage_embeddings_hnsw_idx ON passage_embeddings \
             USING hnsw (embedding halfvec_cosine_ops) WITH (m = 16, ef_construction = 64)",
        )
        .context("building the HNSW index")?;
        println!("| HNSW index build ({texts} vectors) | {:.1} s |", started.elapsed().as_secs_f64());
        psql("VACUUM ANALYZE passage_embeddings");
    }
    println!(
        "| index / table size | {} / {} |",
        psql("SELECT pg_size_pretty(pg_relation_size('passage_embeddings_hnsw_idx'))").unwrap_or_default(),
        psql("SELECT pg_size_pretty(pg_relation_size('passage_embeddings'))").unwrap_or_default()
    );
    for (name, filter) in [("no filter", "TRUE"), ("brand = SEAT", "v.brand = 'SEAT'")] {
        println!("| HNSW recall@10 vs exact, {RECALL_QUERIES} queries, {name} | {} |", recall(&psql, filter)?);
    }
    let exact_similar = exact_similar(&psql)?;

    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = dealaai(&["serve"])
        .env("BIND", format!("127.0.0.1:{port}"))
        .env("SNAPSHOT_SCHEDULER", "false")
        .env("EMBEDDINGS_WORKER", "false")
        .env("DATABASE_POOL_SIZE", "32")
        .spawn()
        .context("starting the backend")?;
    let result = drive(&base, server.id(), &exact_similar);
    let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(server.id() as i32), nix::sys::signal::Signal::SIGTERM);
    let _ = server.wait();
    result
}

/// The share of the exact ten nearest texts (under `filter`) that the index returns, for
/// stored vectors used as queries.
fn recall(psql: &dyn Fn(&str) -> Option<String>, filter: &str) -> Result<String> {
    let nearest = |setting: &str| {
        format!(
            "{setting}; CREATE TABLE IF NOT EXISTS bench_q AS SELECT passage_key, embedding FROM passage_embeddings \
             ORDER BY md5(passage_key::text) LIMIT {RECALL_QUERIES};
             SELECT q.passage_key AS qk, n.passage_key FROM bench_q q CROSS JOIN LATERAL (
                 SELECT e.passage_key FROM passage_embeddings e
                 WHERE e.passage_key IN (SELECT v.passage_key FROM vehicles v WHERE {filter})
                 ORDER BY e.embedding <=> q.embedding LIMIT 10) n"
        )
    };
    let approx =
        psql(&nearest("SET hnsw.ef_search = 160; SET hnsw.iterative_scan = relaxed_order; SET enable_seqscan = off"))
            .context("approximate search")?;
    let exact = psql(&nearest("SET enable_indexscan = off")).context("exact search")?;
    let approx: std::collections::HashSet<&str> = approx.lines().collect();
    let exact: Vec<&str> = exact.lines().collect();
    if exact.is_empty() {
        bail!("no exact neighbours");
    }
    let found = exact.iter().filter(|pair| approx.contains(*pair)).count();
    Ok(format!("{:.4}", found as f64 / exact.len() as f64))
}

/// For vehicles spread over the stock, the ten others still for sale nearest in meaning,
/// computed exactly (every vector compared), in the order of the backend's similar vehicles.
fn exact_similar(psql: &dyn Fn(&str) -> Option<String>) -> Result<Vec<(String, Vec<String>)>> {
    let pairs = psql(&format!(
        "SELECT q.vin, n.vin FROM (SELECT vin, passage_key FROM vehicles ORDER BY md5(vin) LIMIT {RECALL_QUERIES}) q
         CROSS JOIN LATERAL (
             SELECT v.vin FROM vehicles v JOIN passage_embeddings e ON e.passage_key = v.passage_key
             WHERE v.vin <> q.vin AND v.status <> 'sold'
             ORDER BY (e.embedding <=> (SELECT embedding FROM passage_embeddings WHERE passage_key = q.passage_key)) + 0,
                      v.reception_date DESC, v.vin
             LIMIT 10) n"
    ))
    .context("exact neighbours")?;
    let mut nearest: Vec<(String, Vec<String>)> = Vec::new();
    for line in pairs.lines() {
        let (vin, neighbour) = line.split_once('|').context("a pair")?;
        match nearest.last_mut() {
            Some((last, neighbours)) if last == vin => neighbours.push(neighbour.to_owned()),
            _ => nearest.push((vin.to_owned(), vec![neighbour.to_owned()])),
        }
    }
    Ok(nearest)
}

/// The share of the exact ten nearest vehicles that the backend's similar vehicles (its
/// ranking by meaning, as searches use it) return.
fn backend_recall(base: &str, auth: &str, exact: &[(String, Vec<String>)]) -> Result<String> {
    let (mut found, mut wanted) = (0, 0);
    for (vin, neighbours) in exact {
        let answer =
            output(command("curl").args(["-sf", "-H", auth, &format!("{base}/api/stock/{vin}/similar?limit=10")]))
                .context("similar vehicles")?;
        let returned: Vec<&str> =
            answer.split(r#""vin":""#).skip(1).filter_map(|rest| rest.split('"').next()).collect();
        found += neighbours.iter().filter(|n| returned.contains(&n.as_str())).count();
        wanted += neighbours.len();
    }
    if wanted == 0 {
        bail!("no exact neighbours");
    }
    Ok(format!("{:.4}", found as f64 / wanted as f64))
}

/// Waits until the backend answers lists from its in-memory index (loaded in the background).
fn until_indexed(base: &str, auth: &str) -> Result<()> {
    let deadline = Instant::now() + std::time::Duration::from_secs(600);
    for page in 1.. {
        let url = format!("{base}/api/stock?page_size=1&page={page}");
        let headers = output(command("curl").args(["-sf", "-D", "-", "-o", "/dev/null", "-H", auth, &url]));
        if headers.is_some_and(|h| h.to_lowercase().contains("server-timing: stock-index")) {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the stock index was not loaded");
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    Ok(())
}

/// wrk scripts: every request a different search (text × filters × mode × page); `unique`
/// appends a number to each text, so every query must be embedded.
fn script(unique: bool, auth: &str) -> Result<std::path::PathBuf> {
    let mut paths = Vec::new();
    for (i, q) in QUERIES.iter().enumerate() {
        for (j, filter) in FILTERS.iter().enumerate() {
            for mode in ["hybrid", "semantic"] {
                for page in [1, 2] {
                    let q: String = url_encode(q);
                    // A fixed shuffle: neighbours in the list differ in text, filter and mode.
                    let key = (i * 7 + j * 13 + page * 3 + mode.len()) % 97;
                    paths.push((key, format!("/api/stock/search?mode={mode}{filter}&page={page}&page_size=25&q={q}")));
                }
            }
        }
    }
    paths.sort();
    let list: Vec<String> = paths.into_iter().map(|(_, p)| format!("{p:?}")).collect();
    let suffix = if unique { "'%20' .. i" } else { "''" };
    let lua = format!(
        "local paths = {{{}}}\nlocal i = 0\nrequest = function()\n  i = i + 1\n  \
         return wrk.format('GET', paths[(i % #paths) + 1] .. {suffix}, {{['Authorization'] = {auth:?}}})\nend\n",
        list.join(",\n")
    );
    let file = target_dir().join(if unique { "bench-search-unique.lua" } else { "bench-search.lua" });
    std::fs::write(&file, lua)?;
    Ok(file)
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn drive(base: &str, pid: u32, exact_similar: &[(String, Vec<String>)]) -> Result<()> {
    let auth = login(base, USER, PASSWORD)?;
    until_indexed(base, &auth)?;
    println!(
        "| the backend's ranking (codes in memory, exact distances of the best): recall@10 vs exact, \
         {} vehicles' similar vehicles | {} |",
        exact_similar.len(),
        backend_recall(base, &auth, exact_similar)?
    );
    let bearer = auth.trim_start_matches("Authorization: ");
    let repeated = script(false, bearer)?;
    let unique = script(true, bearer)?;
    println!(
        "\n| searches (varied, wrk -t2) | connections | req/s | p50 | p90 | p99 | errors |\n|---|---:|---:|---:|---:|---:|---:|"
    );
    let runs: [(&str, &str, &std::path::Path); 3] = [
        ("each text new: embedded per request (cache misses)", "4", &unique),
        ("first pass: the 32 texts embedded once, then reused", "2", &repeated),
        ("texts seen before (vectors cached)", "32", &repeated),
    ];
    for (name, connections, file) in runs {
        let file = file.to_str().context("path")?;
        let report = wrk(&["-t2", "-c", connections, "-d20s", "-s", file, base])?;
        println!(
            "| {name} | {connections} | {} | {} | {} | {} | {} |",
            report.requests_per_second, report.p50, report.p90, report.p99, report.errors
        );
    }
    println!("\nbackend peak memory (resident): {:.1} MB", crate::bench::resident_mb(pid, "VmHWM"));
    Ok(())
}
