//! Developer commands. `cargo xtask dev` runs everything, `cargo xtask test` tests
//! everything; both install what this machine lacks first and skip what it has.

mod bench;
mod bench_assistant;
mod bench_flood;
mod bench_search;
mod bench_varied;
mod fuzz;
mod model;
mod postgres;
mod process;
mod tools;

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "DealaAI developer commands")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Install what is missing, build, migrate, seed, and run backend (:8000) + frontend (:3000).
    Dev,
    /// Run every test: unit, API integration (PostgreSQL), end-to-end (headless Chromium), then
    /// fuzz the API from its OpenAPI document (schemathesis).
    Test {
        /// Extra arguments for `cargo test` (e.g. a test name filter after `--`).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        cargo_args: Vec<String>,
    },
    /// Benchmark the stock API and the dashboard on a seeded database (release build, wrk over loopback).
    ///
    /// Varied URLs first (list, search, facets, dashboard drill-down; each request a different
    /// URL) beside the same answers as plain SQL with pgbench, then one fixed URL per run (cache
    /// hits). BENCH_BACKEND_BIN=/path/to/dealaai benchmarks that binary instead of building the
    /// release one; BENCH_SECONDS (default 20) sets the length of each run.
    Bench {
        /// How many vehicles the benchmark database holds (seeded when it differs).
        #[arg(long, default_value_t = 100_000)]
        vehicles: u64,
        /// How many days of daily snapshots it holds (seeded when it differs).
        #[arg(long, default_value_t = 90)]
        history_days: u32,
        /// Benchmark semantic and hybrid search instead (its own database, no snapshots).
        #[arg(long)]
        search: bool,
        /// With --search: how many texts the real model embeds (the rest get nearby vectors).
        #[arg(long, default_value_t = 3_000)]
        embed: u64,
        /// Benchmark the assistant's embedded planner instead (on the same seeded stock).
        #[arg(long, conflicts_with = "search")]
        assistant: bool,
        /// With --assistant: how many questions are timed one at a time.
        #[arg(long, default_value_t = 200)]
        questions: usize,
        /// A burst of wrong sign-ins instead: the backend's memory and a reader's latency.
        #[arg(long, conflicts_with_all = ["search", "assistant"])]
        login_flood: bool,
    },
    /// The local development database.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
}

#[derive(Subcommand)]
enum DbCommand {
    /// Start the local database if needed and print its URL (usable with psql).
    Url,
    /// Stop the local database clusters.
    Stop,
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Dev => dev(),
        Command::Test { cargo_args } => test(&cargo_args),
        Command::Bench { login_flood: true, .. } => bench_flood::bench_login_flood(),
        Command::Bench { vehicles, search: true, embed, .. } => bench_search::bench_search(vehicles, embed),
        Command::Bench { vehicles, history_days, assistant: true, questions, .. } => {
            bench_assistant::bench_assistant(vehicles, history_days, questions)
        }
        Command::Bench { vehicles, history_days, .. } => bench::bench(vehicles, history_days),
        Command::Db { command: DbCommand::Url } => {
            println!("{}", postgres::Cluster::development().ensure_database()?);
            Ok(())
        }
        Command::Db { command: DbCommand::Stop } => {
            postgres::Cluster::development().stop()?;
            postgres::Cluster::test().stop()
        }
    }
}

/// The checkout this run belongs to. `cargo run` names it at run time; the path compiled in
/// is only a fallback, because checkouts sharing one target directory may share this binary.
pub fn workspace_root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    let xtask = manifest_dir.unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    xtask.parent().expect("xtask lives in the workspace").to_path_buf()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| workspace_root().join("target"))
}

fn dist_dir() -> PathBuf {
    workspace_root().join("frontend/app/dist")
}

/// Builds the wasm SPA with Trunk (offline: the tools come from PATH) and the two servers.
fn build_all() -> Result<()> {
    tools::ensure_libpq()?;
    process::step("building the web app (Trunk, release)");
    process::run(
        process::command("trunk")
            .args(["build", "--release", "--cargo-profile", "wasm-release", "--offline"])
            .current_dir(workspace_root().join("frontend/app")),
    )?;
    process::step("building the backend and the frontend server");
    process::run(process::cargo().args(["build", "-p", "dealaai", "-p", "dealaai-frontend-server"]))?;
    process::step("precompressing the web app (brotli, gzip)");
    process::run(
        process::command(target_dir().join("debug/dealaai-frontend-server")).arg("precompress").arg(dist_dir()),
    )
}

/// Formatting and clippy, for the native crates and for the wasm app.
fn lint() -> Result<()> {
    process::step("checking formatting and lints");
    process::run(process::cargo().args(["fmt", "--all", "--check"]))?;
    process::run(process::cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--exclude",
        "dealaai-app",
        "--",
        "-D",
        "warnings",
    ]))?;
    process::run(process::cargo().args([
        "clippy",
        "-p",
        "dealaai-app",
        "--target",
        "wasm32-unknown-unknown",
        "--",
        "-D",
        "warnings",
    ]))
}

fn dev() -> Result<()> {
    tools::ensure_build_tools()?;
    let embedding_model = model::ensure_embedding_model()?;
    let external = std::env::var("DATABASE_URL").ok();
    let cluster = postgres::Cluster::development();
    let (database_url, started_cluster) = match external {
        Some(url) => (url, false),
        None => {
            let was_running = cluster.is_running();
            (cluster.ensure_database()?, !was_running)
        }
    };
    build_all()?;

    let bin = target_dir().join("debug");
    process::step("migrating and seeding demo data");
    // A few thousand vehicles and three months of history; existing vehicles are left alone.
    process::run(
        process::command(bin.join("dealaai"))
            .args(["seed", "--vehicles", "3000", "--history-days", "90"])
            .env("DATABASE_URL", &database_url),
    )?;

    let mut backend = process::command(bin.join("dealaai"));
    backend
        .arg("serve")
        .env("DATABASE_URL", &database_url)
        .env("BIND", "127.0.0.1:8000")
        .env("EMBEDDINGS_MODEL_PATH", &embedding_model)
        .env_remove("APP_ENV");
    let mut frontend = process::command(bin.join("dealaai-frontend-server"));
    frontend.env("BIND", "127.0.0.1:3000").env("DIST_DIR", dist_dir()).env("BACKEND_URL", "http://127.0.0.1:8000");
    println!("\n  DealaAI is starting: open http://127.0.0.1:3000  (API docs: http://127.0.0.1:3000/api/docs/)");
    println!("  Log in with admin / admin123 if it was just created. Ctrl-C stops everything.\n");
    let result = process::supervise(vec![("backend", backend), ("frontend", frontend)]);
    if started_cluster {
        cluster.stop()?;
    }
    result
}

/// Where the end-to-end tests leave their screenshots (kept as test artefacts), unless
/// `E2E_SCREENSHOTS` already names a directory.
fn screenshots_dir() -> PathBuf {
    std::env::var_os("E2E_SCREENSHOTS").map(PathBuf::from).unwrap_or_else(|| target_dir().join("e2e-screenshots"))
}

fn test(cargo_args: &[String]) -> Result<()> {
    tools::ensure_build_tools()?;
    tools::ensure_browser()?;
    let embedding_model = model::ensure_embedding_model()?;
    let admin_url = match std::env::var("DATABASE_URL") {
        Ok(url) => url,
        Err(_) => postgres::Cluster::test().ensure_running()?,
    };
    lint()?;
    build_all()?;
    process::step("running every test");
    process::run(
        process::cargo()
            // The web app's unit tests are plain Rust and run natively with the rest.
            .args(["test", "--workspace"])
            .args(cargo_args)
            .env("DATABASE_URL", &admin_url)
            .env("EMBEDDINGS_MODEL_PATH", &embedding_model)
            .env("DEALAAI_BIN_DIR", target_dir().join("debug"))
            .env("DEALAAI_DIST_DIR", dist_dir())
            .env("E2E_SCREENSHOTS", screenshots_dir()),
    )?;
    println!("screenshots of the end-to-end tests: {}", screenshots_dir().display());
    if !cargo_args.is_empty() {
        println!("(tests were selected: the API fuzzing step is skipped)");
        return Ok(());
    }
    fuzz::fuzz_api(&admin_url, &embedding_model)
}
