//! Access tokens are HS256 JWTs that live ~15 minutes; refresh tokens are 256 random bits
//! that the database stores only as SHA-256 hashes.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use shared::users::Role;

use crate::error::ApiError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    /// The user id, as a string per RFC 7519.
    pub sub: String,
    /// The login session this token belongs to; revoking the session kills the token.
    pub sid: i64,
    pub role: Role,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

impl Claims {
    pub fn user_id(&self) -> Result<i64, ApiError> {
        self.sub.parse().map_err(|_| ApiError::InvalidToken("malformed token subject"))
    }
}

#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    pub access_ttl: Duration,
}

impl JwtKeys {
    pub fn new(secret: &[u8], access_ttl: Duration) -> Self {
        JwtKeys { encoding: EncodingKey::from_secret(secret), decoding: DecodingKey::from_secret(secret), access_ttl }
    }

    pub fn issue(&self, user_id: i64, session_id: i64, role: Role) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.to_string(),
            sid: session_id,
            role,
            iat: now,
            exp: now + self.access_ttl.as_secs() as i64,
            jti: random_token(),
        };
        Ok(jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?)
    }

    /// Only HS256 with our key is accepted: `alg: none`, other algorithms, other keys,
    /// expired and malformed tokens are all `InvalidToken` (401), never a 500.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "iat", "sub"]);
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation).map(|data| data.claims).map_err(|error| {
            match error.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => ApiError::InvalidToken("access token expired"),
                _ => ApiError::InvalidToken("invalid access token"),
            }
        })
    }
}

/// 256 bits from the OS generator, URL-safe.
pub fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

pub fn hash_refresh_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> JwtKeys {
        JwtKeys::new(b"0123456789abcdef0123456789abcdef", Duration::from_secs(900))
    }

    #[test]
    fn issued_tokens_verify_and_carry_the_claims() {
        let token = keys().issue(42, 7, Role::Manager).unwrap();
        let claims = keys().verify(&token).unwrap();
        assert_eq!((claims.user_id().unwrap(), claims.sid, claims.role), (42, 7, Role::Manager));
        assert_eq!(claims.exp - claims.iat, 900);
        assert!(!claims.jti.is_empty());
    }

    #[test]
    fn foreign_unsigned_and_garbage_tokens_are_rejected() {
        let other = JwtKeys::new(b"another-key-another-key-another-k", Duration::from_secs(900));
        let foreign = other.issue(1, 1, Role::Admin).unwrap();
        assert!(matches!(keys().verify(&foreign), Err(ApiError::InvalidToken(_))));

        // alg: none with the same claims and an empty signature.
        let payload = foreign.split('.').nth(1).unwrap();
        let unsigned = format!("{}.{payload}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#));
        assert!(matches!(keys().verify(&unsigned), Err(ApiError::InvalidToken(_))));

        for garbage in ["", "abc", "a.b.c", "....."] {
            assert!(matches!(keys().verify(garbage), Err(ApiError::InvalidToken(_))));
        }
    }

    #[test]
    fn expired_tokens_are_rejected() {
        let expired = JwtKeys::new(b"0123456789abcdef0123456789abcdef", Duration::ZERO);
        let mut claims = keys().verify(&keys().issue(1, 1, Role::Viewer).unwrap()).unwrap();
        claims.exp = claims.iat - 60;
        let token = jsonwebtoken::encode(&Header::default(), &claims, &expired.encoding).unwrap();
        assert!(matches!(keys().verify(&token), Err(ApiError::InvalidToken("access token expired"))));
    }

    #[test]
    fn refresh_tokens_are_long_and_hashed() {
        let token = random_token();
        assert_eq!(token.len(), 43);
        assert_eq!(hash_refresh_token(&token).len(), 32);
        assert_ne!(random_token(), token);
    }
}
