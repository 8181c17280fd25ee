//! Argon2id password hashing (OWASP parameters: 19 MiB, 2 passes, 1 lane). Hashing takes
//! tens of milliseconds of CPU, so it always runs on the blocking pool, never on an async
//! worker, and at most one hash per core at a time: a login flood then queues instead of
//! allocating 19 MiB for each of hundreds of blocking threads.

use std::sync::OnceLock;

use anyhow::anyhow;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

fn argon2() -> Argon2<'static> {
    let params = Params::new(Params::DEFAULT_M_COST, Params::DEFAULT_T_COST, Params::DEFAULT_P_COST, None)
        .expect("OWASP argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let hash = argon2().hash_password(password.as_bytes()).map_err(|e| anyhow!("hashing password: {e}"))?;
    Ok(hash.to_string())
}

pub fn verify_blocking(password: &str, phc_hash: &str) -> bool {
    argon2().verify_password(password.as_bytes(), phc_hash).is_ok()
}

/// The demo administrator `dealaai seed` creates in development (`cargo xtask dev` prints
/// it). Production refuses this password at login and `dealaai check` reports accounts that
/// still have it.
pub const DEMO_ADMIN_USERNAME: &str = "admin";
pub const DEMO_ADMIN_PASSWORD: &str = "admin123";

/// A turn to hash: one per core.
async fn turn() -> tokio::sync::SemaphorePermit<'static> {
    static TURNS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    let turns = TURNS.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get))
    });
    turns.acquire().await.expect("never closed")
}

pub async fn hash(password: String) -> anyhow::Result<String> {
    let _turn = turn().await;
    tokio::task::spawn_blocking(move || hash_blocking(&password)).await?
}

/// Verifies `password` against `stored`, or against a dummy hash when the user does not
/// exist, so that unknown usernames take as long as known ones (no user enumeration).
pub async fn verify(password: String, stored: Option<String>) -> anyhow::Result<bool> {
    let _turn = turn().await;
    tokio::task::spawn_blocking(move || match stored {
        Some(hash) => verify_blocking(&password, &hash),
        None => {
            verify_blocking(&password, dummy_hash());
            false
        }
    })
    .await
    .map_err(Into::into)
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking("dummy password for timing equality").expect("hashing a constant works"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let hash = hash_blocking("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_blocking("correct horse battery", &hash));
        assert!(!verify_blocking("wrong", &hash));
        assert!(!verify_blocking("anything", "not a phc string"));
    }
}
