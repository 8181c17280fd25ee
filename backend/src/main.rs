use clap::Parser;

fn main() -> std::process::ExitCode {
    map_large_allocations();
    let cli = dealaai::cli::Cli::parse();
    let outcome = actix_web::rt::System::new().block_on(dealaai::cli::run(cli));
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Argon2 takes 19 MiB per password check. Once glibc's dynamic mmap threshold has grown
/// past that, it serves those blocks from its heap, and a login flood leaves gigabytes of
/// fragmented heap it never returns. A fixed threshold maps each large block and unmaps it
/// when freed: 1.3 GB → 70 MB peak and 31 MB after the flood of `cargo xtask bench
/// --login-flood`. Two arenas instead of one per thread and core (up to 16 here) keep each
/// thread's freed memory reusable by the others: −7 MB peak under varied traffic.
fn map_large_allocations() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: only sets allocator parameters, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
