//! The build and test tools, pinned. Each is checked by version and installed only when
//! missing, so a second run costs nothing.

use std::path::{Path, PathBuf};
use std::sync::Once;

use anyhow::{Result, bail};

use crate::process::{self, command, output, run};

/// Must equal the `wasm-bindgen` crate pinned in frontend/app/Cargo.toml.
pub const WASM_BINDGEN_VERSION: &str = "0.2.130";
/// Trunk 0.22 needs rustc 1.96.1; stay on 0.21 while the toolchain is 1.95.
pub const TRUNK_VERSION: &str = "0.21.14";

pub fn ensure_build_tools() -> Result<()> {
    ensure_wasm_target()?;
    ensure_cargo_tool("trunk", "trunk", TRUNK_VERSION)?;
    ensure_cargo_tool("wasm-bindgen", "wasm-bindgen-cli", WASM_BINDGEN_VERSION)?;
    ensure_libpq()
}

pub fn ensure_browser() -> Result<()> {
    let have = |name: &str| output(command(name).arg("--version")).is_some();
    if !have("chromium") || !have("chromedriver") {
        apt_install(&["chromium", "chromium-driver"])?;
    }
    Ok(())
}

/// The load generator and curl, for the benchmarks.
pub fn ensure_load_tools() -> Result<()> {
    ensure_libpq()?;
    for (tool, package) in [("wrk", "wrk"), ("curl", "curl")] {
        if output(command("sh").args(["-c", &format!("command -v {tool}")])).is_none() {
            apt_install(&[package])?;
        }
    }
    Ok(())
}

/// Fuzzes the API from its OpenAPI document (the last step of `cargo xtask test`).
pub const SCHEMATHESIS_VERSION: &str = "4.32.5";

/// The Python that installs the PyPI tools (pip's downloads, virtual environments).
pub fn python() -> Result<&'static str> {
    let python = ["python3", "python"].into_iter().find(|p| output(command(p).arg("--version")).is_some());
    python.ok_or_else(|| anyhow::anyhow!("python3 with pip is needed (https://www.python.org/downloads/)"))
}

/// schemathesis in its own virtual environment in `.local/`; returns its `st` command.
pub fn ensure_schemathesis() -> Result<PathBuf> {
    let venv = crate::workspace_root().join(format!(".local/schemathesis-{SCHEMATHESIS_VERSION}"));
    let st = venv.join("bin/st");
    if output(command(&st).arg("--version")).is_some_and(|v| v.ends_with(SCHEMATHESIS_VERSION)) {
        return Ok(st);
    }
    process::step(&format!("installing schemathesis {SCHEMATHESIS_VERSION} from PyPI (once)"));
    let create = || run(command(python()?).args(["-m", "venv", "--clear"]).arg(&venv));
    // Debian's Python keeps `venv` in a package of its own.
    create().or_else(|_| apt_install(&["python3-venv"]).and_then(|()| create()))?;
    run(command(venv.join("bin/python"))
        .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
        .arg(format!("schemathesis=={SCHEMATHESIS_VERSION}")))?;
    Ok(st)
}

/// diesel links libpq (pgvector's diesel feature enables diesel's `postgres`).
pub fn ensure_libpq() -> Result<()> {
    let found = ["/usr/lib/x86_64-linux-gnu/libpq.so", "/usr/lib/aarch64-linux-gnu/libpq.so", "/usr/lib/libpq.so"]
        .iter()
        .any(|p| Path::new(p).exists());
    if !found {
        apt_install(&["libpq-dev"])?;
    }
    Ok(())
}

fn ensure_wasm_target() -> Result<()> {
    let installed = output(command("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if !installed.lines().any(|t| t == "wasm32-unknown-unknown") {
        process::step("installing the wasm32-unknown-unknown target");
        run(command("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    Ok(())
}

/// `cargo install` with a pinned version; the crates.io mirror can lack a lock entry, so a
/// failed `--locked` install is retried without it (the crate version stays pinned).
fn ensure_cargo_tool(binary: &str, krate: &str, version: &str) -> Result<()> {
    let current = output(command(binary).arg("--version")).unwrap_or_default();
    if current.split_whitespace().any(|word| word == version) {
        return Ok(());
    }
    process::step(&format!("installing {krate} {version} (takes a few minutes, once)"));
    let install = |locked: bool| {
        let mut cmd = command("cargo");
        cmd.args(["install", krate, "--version", version]);
        if locked {
            cmd.arg("--locked");
        }
        run(&mut cmd)
    };
    install(true).or_else(|_| install(false))
}

pub fn apt_install(packages: &[&str]) -> Result<()> {
    if !nix::unistd::Uid::effective().is_root() {
        bail!("missing system packages; install them with: sudo apt-get install {}", packages.join(" "));
    }
    static UPDATE: Once = Once::new();
    UPDATE.call_once(|| {
        process::step("apt-get update");
        let _ = run(command("apt-get").args(["update", "-qq"]));
    });
    process::step(&format!("installing {}", packages.join(" ")));
    run(command("apt-get")
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}
