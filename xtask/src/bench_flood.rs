//! `cargo xtask bench --login-flood`: a burst of sign-ins with wrong passwords for unknown
//! users, each from a different client address (so the throttle does not answer for the
//! hashing), 64 at a time for 5 s, against the release backend on a small database of its
//! own. Reports the backend's resident memory idle, at its peak and 5 s after the burst, and
//! how a signed-in user's stock list fared during it. Results go in docs/BENCHMARKS.md.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::bench::{self, PASSWORD, USER};
use crate::process::{command, output};
use crate::target_dir;

const DATABASE: &str = "dealaai_flood";
const CONNECTIONS: &str = "64";
const SECONDS: &str = "5s";

/// Each request a new unknown username from a new documentation-range address (198.18/15),
/// sent as the loopback proxy's `X-Forwarded-For`, as EasyPanel's proxy would.
const FLOOD_SCRIPT: &str = r#"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n = 0
request = function()
  n = n + 1
  wrk.headers["X-Forwarded-For"] = string.format("198.18.%d.%d", math.floor(n / 250) % 250, n % 250 + 1)
  return wrk.format(nil, "/api/auth/login", nil,
    string.format('{"username":"nadie-%d","password":"contrasena-equivocada"}', n))
end
"#;

pub fn bench_login_flood() -> Result<()> {
    let prepared = bench::prepare_database(DATABASE, 0, 0)?;
    let (server, base) = prepared.serve(&[])?;
    let result = flood(&base, server.id());
    bench::stop(server);
    result
}

fn flood(base: &str, pid: u32) -> Result<()> {
    let auth = bench::login(base, USER, PASSWORD)?;
    let idle = bench::resident_mb(pid, "VmRSS");
    let script = target_dir().join("bench-login-flood.lua");
    std::fs::write(&script, FLOOD_SCRIPT)?;

    // Meanwhile a signed-in user keeps reading the stock list, one request at a time.
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let (done, url) = (done.clone(), format!("{base}/api/stock?page_size=25"));
        std::thread::spawn(move || {
            let mut answers: Vec<(String, Duration)> = Vec::new();
            while !done.load(Ordering::Relaxed) {
                let started = Instant::now();
                let status =
                    output(command("curl").args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", &auth, &url]))
                        .unwrap_or_else(|| "failed".to_owned());
                answers.push((status, started.elapsed()));
                std::thread::sleep(Duration::from_millis(50));
            }
            answers
        })
    };
    let report = bench::wrk(&["-t2", "-c", CONNECTIONS, "-d", SECONDS, "-s", script.to_str().context("path")?, base])?;
    done.store(true, Ordering::Relaxed);
    let answers = reader.join().expect("reader ran");
    let peak = bench::resident_mb(pid, "VmHWM");
    std::thread::sleep(Duration::from_secs(5));
    let after = bench::resident_mb(pid, "VmRSS");

    let mut times: Vec<Duration> = answers.iter().map(|(_, time)| *time).collect();
    times.sort();
    let refused = answers.iter().filter(|(status, _)| status != "200").count();
    println!(
        "\nLogin flood: wrong passwords for unknown users, {CONNECTIONS} connections, {SECONDS} (wrk, 2 threads)\n"
    );
    println!("| measure | value |\n|---|---:|");
    println!("| sign-ins answered per second | {} |", report.requests_per_second);
    println!("| sign-in p50 / p99 | {} / {} |", report.p50, report.p99);
    println!("| backend resident memory, idle before | {idle:.1} MB |");
    println!("| backend resident memory, peak (VmHWM) | {peak:.1} MB |");
    println!("| backend resident memory, 5 s after | {after:.1} MB |");
    println!(
        "| stock list meanwhile: requests / not 200 / p50 / max | {} / {refused} / {:.0} ms / {:.0} ms |",
        times.len(),
        times.get(times.len() / 2).map_or(0.0, |t| t.as_secs_f64() * 1000.0),
        times.last().map_or(0.0, |t| t.as_secs_f64() * 1000.0),
    );
    Ok(())
}
