//! `cargo xtask bench --assistant`: the embedded planner answering over the bench's stock (the
//! same seeded database as `cargo xtask bench`). Questions vary (brands, fuels, provinces,
//! dealers, prices, days, months) so no two in a row ask PostgreSQL the same thing. Measures,
//! one question at a time, the time to the first tool call, the first token and the whole
//! answer; then 50 conversations streaming at once, with the backend's memory before, at peak
//! and after. Results go in docs/BENCHMARKS.md.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::bench::{self, PASSWORD, USER};

const BRANDS: &[&str] =
    &["SEAT", "Volkswagen", "Toyota", "Renault", "Peugeot", "Kia", "Hyundai", "Ford", "Dacia", "Opel"];
const FUELS: &[&str] = &["diésel", "gasolina", "híbridos", "eléctricos"];
const PROVINCES: &[&str] = &["Madrid", "Barcelona", "Valencia", "Sevilla", "Málaga", "Bizkaia", "Zaragoza"];
const MONTHS: &[&str] = &["septiembre", "octubre", "noviembre"];
/// Streams open at once in the flood.
const CONCURRENT: usize = 50;
const FLOOD: Duration = Duration::from_secs(20);

/// The `n`th question of a varied mix of what the planner answers.
fn question(n: usize) -> String {
    let brand = BRANDS[n % BRANDS.len()];
    let fuel = FUELS[(n / 3) % FUELS.len()];
    let province = PROVINCES[(n / 7) % PROVINCES.len()];
    match n % 8 {
        0 => format!("¿Cuántos {brand} {fuel} tenemos en {province}?"),
        1 => format!("Precio medio de los {brand} {fuel}"),
        2 => format!("Vehículos con más de {} días en stock por concesionario", 30 + (n % 10) * 15),
        3 => format!("¿Cuál es el {brand} más caro?"),
        4 => format!("{brand} por provincia"),
        5 => format!("How many {brand} cars under {}k are in {province}?", 10 + n % 20),
        6 => format!("Compara el stock de {} y {}", MONTHS[n % 2], MONTHS[n % 2 + 1]),
        _ => format!("Resumen del stock en {province}"),
    }
}

/// When each part of one answer arrived, from the request's start.
struct Timing {
    first_event: Duration,
    first_token: Option<Duration>,
    done: Duration,
}

/// Asks one question over a raw HTTP/1.1 connection, timing the stream's events as they arrive.
fn ask(address: &str, auth: &str, conversation: i64, question: &str) -> Result<Timing> {
    let body = format!("{{\"content\":{}}}", json_string(question));
    let started = Instant::now();
    let mut stream = TcpStream::connect(address)?;
    write!(
        stream,
        "POST /api/assistant/conversations/{conversation}/messages HTTP/1.1\r\nHost: {address}\r\n{auth}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let (mut received, mut chunk) = (Vec::new(), [0u8; 16 * 1024]);
    let (mut first_event, mut first_token) = (None, None);
    loop {
        let read = stream.read(&mut chunk)?;
        if read == 0 {
            break;
        }
        received.extend_from_slice(&chunk[..read]);
        let text = String::from_utf8_lossy(&received);
        if first_event.is_none() && (text.contains("event: tool_call") || text.contains("event: token")) {
            first_event = Some(started.elapsed());
        }
        if first_token.is_none() && text.contains("event: token") {
            first_token = Some(started.elapsed());
        }
        if text.contains("event: done") || text.contains("event: error") {
            break;
        }
    }
    let text = String::from_utf8_lossy(&received);
    if !text.starts_with("HTTP/1.1 200") || !text.contains("event: done") {
        bail!("`{question}` did not complete: {}", text.chars().take(400).collect::<String>());
    }
    let done = started.elapsed();
    Ok(Timing { first_event: first_event.unwrap_or(done), first_token, done })
}

fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn new_conversation(base: &str, auth: &str) -> Result<i64> {
    let answer = crate::process::output(crate::process::command("curl").args([
        "-sf",
        "-H",
        auth,
        "-H",
        "Content-Type: application/json",
        "-d",
        "{}",
        &format!("{base}/api/assistant/conversations"),
    ]))
    .context("creating a conversation")?;
    answer.split("\"id\":").nth(1).and_then(|rest| rest.split([',', '}']).next()?.trim().parse().ok()).context("no id")
}

fn percentile(sorted: &[Duration], p: f64) -> String {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    format!("{:.0} ms", sorted[at].as_secs_f64() * 1000.0)
}

pub fn bench_assistant(vehicles: u64, history_days: u32, questions: usize) -> Result<()> {
    let prepared = bench::prepare(vehicles, history_days)?;
    // Limits out of the way: the bench user asks thousands of questions.
    let (server, base) = prepared.serve(&[
        ("ASSISTANT_MESSAGES_PER_MINUTE", "100000000"),
        ("ASSISTANT_TOKENS_PER_DAY", "100000000000"),
        ("EMBEDDINGS_WORKER", "false"),
    ])?;
    let result = measure(&base, server.id(), vehicles, questions);
    prepared.psql("DELETE FROM conversations");
    bench::stop(server);
    result
}

fn measure(base: &str, pid: u32, vehicles: u64, questions: usize) -> Result<()> {
    let auth = bench::login(base, USER, PASSWORD)?;
    let address = base.trim_start_matches("http://").to_owned();
    let conversation = new_conversation(base, &auth)?;
    // Warm-up: the planner's vocabulary, connections, PostgreSQL's buffers.
    for n in 0..8 {
        ask(&address, &auth, conversation, &question(1000 + n))?;
    }

    let mut timings = Vec::with_capacity(questions);
    let mut by_kind: Vec<Vec<Duration>> = vec![Vec::new(); 8];
    for n in 0..questions {
        // A new conversation every few questions, as people start them (histories stay short).
        let conversation = if n % 5 == 0 { new_conversation(base, &auth)? } else { conversation };
        let timing = ask(&address, &auth, conversation, &question(n))?;
        by_kind[n % 8].push(timing.done);
        timings.push(timing);
    }
    let mut first_event: Vec<Duration> = timings.iter().map(|t| t.first_event).collect();
    let mut first_token: Vec<Duration> = timings.iter().filter_map(|t| t.first_token).collect();
    let mut done: Vec<Duration> = timings.iter().map(|t| t.done).collect();
    for list in [&mut first_event, &mut first_token, &mut done] {
        list.sort();
    }
    println!("\n{vehicles} vehicles, embedded planner, {questions} varied questions one at a time\n");
    println!("| measure | p50 | p95 | p99 | max |\n|---|---:|---:|---:|---:|");
    for (name, list) in [("first tool call", &first_event), ("first token", &first_token), ("whole answer", &done)] {
        println!(
            "| {name} | {} | {} | {} | {} |",
            percentile(list, 0.5),
            percentile(list, 0.95),
            percentile(list, 0.99),
            percentile(list, 1.0)
        );
    }
    println!("\n| question kind (whole answer) | p50 | max |\n|---|---:|---:|");
    for (kind, list) in by_kind.iter_mut().enumerate() {
        list.sort();
        let example = question(kind).replace('|', "/");
        println!("| {example} | {} | {} |", percentile(list, 0.5), percentile(list, 1.0));
    }

    // The flood: 50 conversations streaming at once for 20 s.
    let idle = bench::resident_mb(pid, "VmRSS");
    let conversations: Vec<i64> = (0..CONCURRENT).map(|_| new_conversation(base, &auth)).collect::<Result<_>>()?;
    let stop = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(Mutex::new(idle));
    let sampler = {
        let (stop, peak) = (stop.clone(), peak.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let now = bench::resident_mb(pid, "VmRSS");
                let mut peak = peak.lock().expect("not poisoned");
                *peak = peak.max(now);
                drop(peak);
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let started = Instant::now();
    let workers: Vec<_> = conversations
        .into_iter()
        .enumerate()
        .map(|(i, conversation)| {
            let (address, auth) = (address.clone(), auth.clone());
            std::thread::spawn(move || -> Result<Vec<Duration>> {
                let mut times = Vec::new();
                let mut n = i * 97;
                while started.elapsed() < FLOOD {
                    times.push(ask(&address, &auth, conversation, &question(n))?.done);
                    n += 1;
                }
                Ok(times)
            })
        })
        .collect();
    let mut flood: Vec<Duration> = Vec::new();
    for worker in workers {
        flood.extend(worker.join().expect("worker ran")?);
    }
    let elapsed = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    sampler.join().expect("sampler ran");
    std::thread::sleep(Duration::from_secs(5));
    let after = bench::resident_mb(pid, "VmRSS");
    flood.sort();
    println!(
        "\n{CONCURRENT} conversations at once for {:.0} s: {} answers ({:.1}/s), whole answer p50 {}, p99 {}",
        elapsed,
        flood.len(),
        flood.len() as f64 / elapsed,
        percentile(&flood, 0.5),
        percentile(&flood, 0.99)
    );
    println!(
        "backend resident memory: {idle:.0} MB before, {:.0} MB at peak, {after:.0} MB 5 s after",
        *peak.lock().expect("not poisoned")
    );
    Ok(())
}
