//! The HTTP error type of every handler. Each variant maps to one status and one code of
//! the shared error shape; a 500 is logged with its cause but never shows it to the client.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError, error::JsonPayloadError};
use shared::{ErrorBody, ErrorCode, FieldErrors};

pub type ApiResult<T> = Result<T, ApiError>;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("this host name is not served here")]
    InvalidHost,
    #[error("authentication required")]
    Unauthenticated,
    #[error("invalid username or password")]
    InvalidCredentials,
    #[error("{0}")]
    InvalidToken(&'static str),
    #[error("you do not have permission to do this")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{message}")]
    Conflict { field: &'static str, message: String },
    #[error("validation failed")]
    Validation(FieldErrors),
    #[error("request body is too large")]
    PayloadTooLarge,
    #[error("too many attempts, retry later")]
    Throttled { retry_after_seconds: u64 },
    #[error("{0} is unavailable")]
    Unavailable(&'static str),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// One field failed validation.
    pub fn field(field: &str, problem: impl Into<String>) -> Self {
        let mut fields = FieldErrors::new();
        fields.entry(field.to_owned()).or_default().push(problem.into());
        ApiError::Validation(fields)
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::BadRequest(_) => ErrorCode::BadRequest,
            ApiError::InvalidHost => ErrorCode::InvalidHost,
            ApiError::Unauthenticated => ErrorCode::Unauthenticated,
            ApiError::InvalidCredentials => ErrorCode::InvalidCredentials,
            ApiError::InvalidToken(_) => ErrorCode::InvalidToken,
            ApiError::Forbidden => ErrorCode::Forbidden,
            ApiError::NotFound(_) => ErrorCode::NotFound,
            ApiError::Conflict { .. } => ErrorCode::Conflict,
            ApiError::Validation(_) => ErrorCode::ValidationFailed,
            ApiError::PayloadTooLarge => ErrorCode::PayloadTooLarge,
            ApiError::Throttled { .. } => ErrorCode::Throttled,
            ApiError::Unavailable(_) => ErrorCode::ServiceUnavailable,
            ApiError::Internal(_) => ErrorCode::Internal,
        }
    }

    fn body(&self) -> ErrorBody {
        let (message, fields) = match self {
            ApiError::Internal(_) => ("internal server error".to_owned(), FieldErrors::new()),
            ApiError::Validation(fields) => {
                let message = match fields.keys().next() {
                    Some(first) if fields.len() == 1 => format!("invalid value for `{first}`"),
                    _ => "some fields are invalid".to_owned(),
                };
                (message, fields.clone())
            }
            ApiError::Conflict { field, message } => {
                (message.clone(), FieldErrors::from([(field.to_string(), vec![message.clone()])]))
            }
            other => (other.to_string(), FieldErrors::new()),
        };
        ErrorBody { error: self.code(), message, fields }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) | ApiError::InvalidHost => StatusCode::BAD_REQUEST,
            ApiError::Unauthenticated | ApiError::InvalidCredentials | ApiError::InvalidToken(_) => {
                StatusCode::UNAUTHORIZED
            }
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            tracing::error!(error = ?cause, "internal error");
        }
        let mut response = HttpResponse::build(self.status_code());
        match self {
            ApiError::Throttled { retry_after_seconds } => {
                response.insert_header((header::RETRY_AFTER, retry_after_seconds.to_string()));
            }
            ApiError::Unauthenticated | ApiError::InvalidToken(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
            }
            _ => {}
        }
        response.json(self.body())
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        ApiError::Internal(error.into())
    }
}

impl From<crate::db::PoolError> for ApiError {
    fn from(error: crate::db::PoolError) -> Self {
        tracing::warn!(%error, "no database connection");
        ApiError::Unavailable("database")
    }
}

/// Turns actix's JSON extractor failures into the shared shape: malformed JSON is a 400,
/// well-formed JSON with missing or mistyped fields is a 422 naming the field.
pub fn json_error(error: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let api_error = match &error {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => ApiError::PayloadTooLarge,
        JsonPayloadError::ContentType => ApiError::BadRequest("expected Content-Type: application/json".into()),
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            let message = e.to_string();
            let field = field_named_in(&message).unwrap_or_else(|| "body".to_owned());
            ApiError::field(&field, strip_position(&message))
        }
        JsonPayloadError::Deserialize(e) => ApiError::BadRequest(format!("malformed JSON: {e}")),
        other => ApiError::BadRequest(other.to_string()),
    };
    api_error.into()
}

/// Query-string and path extractor failures are the client's fault: 400 or 422, never 500.
pub fn query_error(error: actix_web::error::QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let message = error.to_string();
    let field = field_named_in(&message).unwrap_or_else(|| "query".to_owned());
    ApiError::field(&field, message).into()
}

pub fn path_error(error: actix_web::error::PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::BadRequest(error.to_string()).into()
}

/// serde names the culprit in backticks: "missing field `password`".
fn field_named_in(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    let candidate = &message[start..end];
    candidate.chars().all(|c| c.is_ascii_alphanumeric() || c == '_').then(|| candidate.to_owned())
}

fn strip_position(message: &str) -> String {
    message.split(" at line ").next().unwrap_or(message).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_hide_their_cause() {
        let error = ApiError::Internal(anyhow::anyhow!("password=hunter2 in connection string"));
        let body = error.body();
        assert_eq!(body.error, ErrorCode::Internal);
        assert!(!body.message.contains("hunter2"));
    }

    #[test]
    fn serde_messages_name_their_field() {
        assert_eq!(field_named_in("missing field `password` at line 1 column 20").as_deref(), Some("password"));
        assert_eq!(strip_position("missing field `password` at line 1 column 20"), "missing field `password`");
    }
}
