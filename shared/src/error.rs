//! The one error shape every endpoint answers with:
//! `{"error": "snake_case_code", "message": "human text", "fields": {"field": ["problem"]}}`.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Problems per input field, for forms that show them next to each field.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// Machine-readable error codes. The UI translates them; `message` is English for API users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    InvalidHost,
    Unauthenticated,
    InvalidCredentials,
    InvalidToken,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    ValidationFailed,
    PayloadTooLarge,
    Throttled,
    ServiceUnavailable,
    Internal,
    /// A code this build does not know yet (a newer backend); keeps old clients working.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::InvalidHost => "invalid_host",
            Self::Unauthenticated => "unauthenticated",
            Self::InvalidCredentials => "invalid_credentials",
            Self::InvalidToken => "invalid_token",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Conflict => "conflict",
            Self::ValidationFailed => "validation_failed",
            Self::PayloadTooLarge => "payload_too_large",
            Self::Throttled => "throttled",
            Self::ServiceUnavailable => "service_unavailable",
            Self::Internal => "internal",
            Self::Unknown => "unknown",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: FieldErrors,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialise_as_their_snake_case_names() {
        for code in [ErrorCode::InvalidCredentials, ErrorCode::ValidationFailed, ErrorCode::Throttled] {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }

    #[test]
    fn unknown_codes_from_a_newer_server_still_parse() {
        let body: ErrorBody = serde_json::from_str(r#"{"error":"brand_new_code","message":"x"}"#).unwrap();
        assert_eq!(body.error, ErrorCode::Unknown);
        assert!(body.fields.is_empty());
    }
}
