//! Concatenates the migration SQL into OUT_DIR so the test template database is rebuilt
//! whenever a migration changes (its name is a hash of this text).

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
}
