//! The last step of `cargo xtask test`: property-based fuzzing of the whole API from its own
//! OpenAPI document, with schemathesis. The debug backend serves a throwaway database (demo
//! data) of the test cluster; schemathesis sends every operation valid and invalid requests
//! as an admin, plus methods the document does not declare. The step fails on any 5xx, any
//! answer the document does not promise (status, content type, body schema, headers), an
//! operation that ignores a missing token, or an undeclared method not answered 405.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::process::{self, command, run};
use crate::{bench, postgres, target_dir, tools};

/// Cases generated per operation in each phase: the step takes about two minutes on two cores.
const MAX_EXAMPLES: &str = "80";
/// Fixed, so that CI is repeatable and a failure is reproduced by running the step again.
const SEED: &str = "1";
const USER: &str = "fuzzer";
const PASSWORD: &str = "generated-requests-all-day-2026";

/// What must hold whatever the input. Not `positive_data_acceptance` nor
/// `negative_data_rejection`: business rules (an admin cannot deactivate themselves, years
/// up to next year, a page deep enough to scan a million rows) refuse inputs the schema
/// cannot describe, and the API accepts friendlier spellings (`DIESEL`, `sí`) than it
/// publishes.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
                      response_schema_conformance,response_headers_conformance,ignored_auth,unsupported_method";

/// The only operations left out: each can end the fuzzer's own session (schemathesis learns
/// ids from answers, its own among them), after which every request would be a 401.
const EXCLUDED_PATHS: &[&str] =
    &["/api/auth/logout", "/api/auth/logout-all", "/api/auth/sessions/{id}", "/api/users/{id}/password"];

/// Waits for the backend at argv[1], then logs in and prints the access token (Python's
/// standard library: xtask itself speaks no HTTP).
const LOGIN: &str = r#"
import json, sys, time, urllib.request
base, username, password = sys.argv[1:4]
for _ in range(300):
    try:
        urllib.request.urlopen(base + "/api/health/", timeout=2)
        break
    except OSError:
        time.sleep(0.2)
body = json.dumps({"username": username, "password": password}).encode()
login = urllib.request.Request(base + "/api/auth/login", body, {"Content-Type": "application/json"})
print(json.load(urllib.request.urlopen(login, timeout=30))["access_token"])
"#;

/// Fuzzes a backend serving a new database of the server at `admin_url`, then drops it.
pub fn fuzz_api(admin_url: &str, embedding_model: &Path) -> Result<()> {
    process::step("fuzzing the API from its OpenAPI document (schemathesis)");
    let st = tools::ensure_schemathesis()?;
    let database = format!("dealaai_fuzz_{}", std::process::id());
    postgres::run_sql(admin_url, &[&format!("CREATE DATABASE {database}")])?;
    let result = fuzz_database(&st, &database_url(admin_url, &database), embedding_model);
    let dropped = postgres::run_sql(admin_url, &[&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)")]);
    result.and(dropped)
}

fn fuzz_database(st: &Path, url: &str, embedding_model: &Path) -> Result<()> {
    let dealaai = |args: &[&str]| {
        let mut cmd = command(target_dir().join("debug/dealaai"));
        cmd.args(args).env("DATABASE_URL", url).env("RUST_LOG", "error").env_remove("APP_ENV");
        cmd
    };
    run(dealaai(&["seed", "--vehicles", "300", "--history-days", "7"]).stdout(Stdio::null()))?;
    let mut create = dealaai(&["createsuperuser", "--username", USER, "--email", "fuzzer@dealaai.local"]);
    let mut child = create.arg("--password-stdin").stdin(Stdio::piped()).stdout(Stdio::null()).spawn()?;
    child.stdin.take().expect("piped").write_all(format!("{PASSWORD}\n").as_bytes())?;
    if !child.wait()?.success() {
        bail!("could not create the fuzzer's admin account");
    }

    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let base = format!("http://127.0.0.1:{port}");
    // The real embedding model embeds the generated search texts; no background work competes.
    let server = dealaai(&["serve"])
        .env("BIND", format!("127.0.0.1:{port}"))
        .env("SNAPSHOT_SCHEDULER", "false")
        .env("EMBEDDINGS_PROVIDER", "embedded")
        .env("EMBEDDINGS_MODEL_PATH", embedding_model)
        .env("EMBEDDINGS_WORKER", "false")
        // One token for the whole run: logging in again could meet the login throttling
        // that the fuzzing of /api/auth/login itself sets off.
        .env("ACCESS_TOKEN_TTL_SECONDS", "3600")
        .spawn()
        .context("starting the backend")?;
    let result = fuzz_server(st, &base);
    bench::stop(server);
    result
}

fn fuzz_server(st: &Path, base: &str) -> Result<()> {
    let python = st.with_file_name("python");
    let token = String::from_utf8(
        Command::new(&python).args(["-c", LOGIN, base, USER, PASSWORD]).output().context("logging in")?.stdout,
    )?;
    let token = token.trim();
    if token.is_empty() {
        bail!("the fuzzer could not log in");
    }
    let mut fuzz = command(st);
    // Its caches go to its own folder in `.local/`, not into the checkout.
    fuzz.current_dir(st.parent().and_then(Path::parent).expect("st lives in a virtual environment"));
    fuzz.args(["run", &format!("{base}/api/openapi.json")])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(["--checks", CHECKS])
        .args(["--phases", "examples,coverage,fuzzing"])
        .args(["--max-examples", MAX_EXAMPLES, "--seed", SEED, "--workers", "2"])
        .args(["--generation-database", "none", "--no-color"]);
    for path in EXCLUDED_PATHS {
        fuzz.args(["--exclude-path", path]);
    }
    run(&mut fuzz).context("schemathesis found answers the OpenAPI document does not promise (see above)")
}

/// `postgres://u@host:5432/postgres?x=y` with another database name.
fn database_url(admin_url: &str, database: &str) -> String {
    let (server, rest) = admin_url.rsplit_once('/').expect("a database URL");
    let query = rest.split_once('?').map(|(_, query)| format!("?{query}")).unwrap_or_default();
    format!("{server}/{database}{query}")
}
