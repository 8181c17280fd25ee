//! The HTTP error type of every handler. Each variant maps to one status and one code of
//! the shared error shape; a 500 is logged with its cause but never shows it to the client.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use shared::{ErrorBody, ErrorCode, FieldErrors, FieldProblem};

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
    /// Production refuses the development demo password even where it is right.
    #[error(
        "this account still has the demo password, which production refuses: an administrator must set a new \
         one with `dealaai users set-password {0}`"
    )]
    DemoPassword(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The path exists, but not with this method; `allowed` is the `Allow` header's value.
    #[error("this method is not allowed here (allowed: {allowed})")]
    MethodNotAllowed { allowed: String },
    #[error("{message}")]
    Conflict { field: &'static str, message: String },
    #[error("the {0} is still in use and cannot be deleted")]
    InUse(&'static str),
    #[error("validation failed")]
    Validation(FieldErrors),
    /// One field is wrong in a way worth explaining (which columns a file lacks...).
    #[error("{message}")]
    Invalid { field: &'static str, problem: FieldProblem, message: String },
    #[error("request body is too large")]
    PayloadTooLarge,
    #[error("too many attempts, retry later")]
    Throttled { retry_after_seconds: u64 },
    /// A per-user allowance is used up (the assistant's messages per minute, tokens per day).
    #[error("the {what} limit is reached; retry in {retry_after_seconds} s")]
    LimitReached { what: &'static str, retry_after_seconds: u64 },
    #[error("{0} is unavailable")]
    Unavailable(&'static str),
    #[error(transparent)]
    Internal(anyhow::Error),
}

/// A cause that went through `anyhow` is still a 503, not a 500, when it is a lost database.
impl From<anyhow::Error> for ApiError {
    fn from(error: anyhow::Error) -> Self {
        let lost =
            error.chain().any(|cause| cause.downcast_ref::<diesel::result::Error>().is_some_and(connection_lost));
        if lost { database_lost(&error) } else { ApiError::Internal(error) }
    }
}

impl ApiError {
    /// One field failed validation.
    pub fn field(field: &str, problem: FieldProblem) -> Self {
        let mut problems = Problems::default();
        problems.add(field, problem);
        ApiError::Validation(problems.0)
    }

    /// A unique value is already used by another record.
    pub fn taken(field: &'static str) -> Self {
        ApiError::Conflict { field, message: format!("this {field} is already in use") }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::BadRequest(_) => ErrorCode::BadRequest,
            ApiError::InvalidHost => ErrorCode::InvalidHost,
            ApiError::Unauthenticated => ErrorCode::Unauthenticated,
            ApiError::InvalidCredentials => ErrorCode::InvalidCredentials,
            ApiError::InvalidToken(_) => ErrorCode::InvalidToken,
            ApiError::Forbidden | ApiError::DemoPassword(_) => ErrorCode::Forbidden,
            ApiError::NotFound(_) => ErrorCode::NotFound,
            ApiError::MethodNotAllowed { .. } => ErrorCode::MethodNotAllowed,
            ApiError::Conflict { .. } | ApiError::InUse(_) => ErrorCode::Conflict,
            ApiError::Validation(_) | ApiError::Invalid { .. } => ErrorCode::ValidationFailed,
            ApiError::PayloadTooLarge => ErrorCode::PayloadTooLarge,
            ApiError::Throttled { .. } | ApiError::LimitReached { .. } => ErrorCode::Throttled,
            ApiError::Unavailable(_) => ErrorCode::ServiceUnavailable,
            ApiError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The error body, logging an internal error's cause (which the body does not reveal).
    pub fn logged_body(&self) -> ErrorBody {
        if let ApiError::Internal(cause) = self {
            tracing::error!(error = ?cause, "internal error");
        }
        self.body()
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
            ApiError::Conflict { field, message } => (
                message.clone(),
                FieldErrors::from([(field.to_string(), vec![FieldProblem::AlreadyTaken.as_str().to_owned()])]),
            ),
            ApiError::Invalid { field, problem, message } => {
                (message.clone(), FieldErrors::from([(field.to_string(), vec![problem.as_str().to_owned()])]))
            }
            ApiError::InUse(_) => (
                self.to_string(),
                FieldErrors::from([("id".to_owned(), vec![FieldProblem::InUse.as_str().to_owned()])]),
            ),
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
            ApiError::Forbidden | ApiError::DemoPassword(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict { .. } | ApiError::InUse(_) => StatusCode::CONFLICT,
            ApiError::Validation(_) | ApiError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Throttled { .. } | ApiError::LimitReached { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        match self {
            ApiError::Throttled { retry_after_seconds } | ApiError::LimitReached { retry_after_seconds, .. } => {
                response.insert_header((header::RETRY_AFTER, retry_after_seconds.to_string()));
            }
            ApiError::Unauthenticated | ApiError::InvalidToken(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
            }
            ApiError::MethodNotAllowed { allowed } => {
                response.insert_header((header::ALLOW, allowed.as_str()));
            }
            _ => {}
        }
        response.json(self.logged_body())
    }
}

/// Collects every field problem of a request, so one answer lists them all.
#[derive(Debug, Default)]
pub struct Problems(FieldErrors);

/// Bad parameters found by a parser in `shared` are a 422 naming each one.
impl From<shared::stock::ParamProblems> for ApiError {
    fn from(problems: shared::stock::ParamProblems) -> Self {
        let mut all = Problems::default();
        all.add_all(problems);
        ApiError::Validation(all.into_fields())
    }
}

impl Problems {
    pub fn add(&mut self, field: &str, problem: FieldProblem) {
        self.0.entry(field.to_owned()).or_default().push(problem.as_str().to_owned());
    }

    /// Problems found by a parser in `shared` ([`shared::stock::ParamProblems`]).
    pub fn add_all(&mut self, problems: impl IntoIterator<Item = (&'static str, FieldProblem)>) {
        for (field, problem) in problems {
            self.add(field, problem);
        }
    }

    pub fn check(&mut self, field: &str, problem: Option<FieldProblem>) {
        if let Some(problem) = problem {
            self.add(field, problem);
        }
    }

    /// A new password: every rule it breaks (blank is `required`).
    pub fn check_new_password(&mut self, field: &str, password: &str, username: &str) {
        for problem in crate::auth::password_policy::problems(password, username) {
            self.add(field, problem);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_fields(self) -> FieldErrors {
        self.0
    }

    pub fn into_result(self) -> ApiResult<()> {
        if self.0.is_empty() { Ok(()) } else { Err(ApiError::Validation(self.0)) }
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match &error {
            // Uniqueness is checked by the database (no race), so its answer becomes a 409
            // naming the field: constraint `<table>_<field>_key`.
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                let field = info.constraint_name().and_then(field_of_constraint).unwrap_or("value");
                ApiError::taken(field)
            }
            // A row still referenced: by a NO ACTION key (23503) or a RESTRICT one (23001).
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation | DatabaseErrorKind::RestrictViolation, _) => {
                ApiError::InUse("record")
            }
            _ if connection_lost(&error) => database_lost(&error),
            _ => ApiError::Internal(error.into()),
        }
    }
}

/// The database went away during the request (restarted, failed over, connection cut).
/// Nothing was committed — a transaction cannot commit without its connection — so the
/// request may simply be retried: 503, like a pool with no connection to give.
fn connection_lost(error: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match error {
        Error::DatabaseError(DatabaseErrorKind::UnableToSendCommand | DatabaseErrorKind::ClosedConnection, _) => true,
        // SQLSTATE 57P01-57P03 (shutdown, crash, starting up): diesel keeps only the message.
        Error::DatabaseError(DatabaseErrorKind::Unknown, info) => {
            let message = info.message();
            message.starts_with("terminating connection") || message.starts_with("the database system is")
        }
        Error::RollbackErrorOnCommit { commit_error, .. } => connection_lost(commit_error),
        Error::BrokenTransactionManager => true,
        _ => false,
    }
}

fn database_lost(error: &dyn std::fmt::Display) -> ApiError {
    tracing::warn!(%error, "database connection lost during the request");
    ApiError::Unavailable("database")
}

fn field_of_constraint(constraint: &str) -> Option<&'static str> {
    const FIELDS: [&str; 4] = ["username", "email", "code", "name"];
    let stem = constraint.strip_suffix("_key")?;
    FIELDS.into_iter().find(|field| stem.ends_with(&format!("_{field}")))
}

impl From<crate::db::PoolError> for ApiError {
    fn from(error: crate::db::PoolError) -> Self {
        tracing::warn!(%error, "no database connection");
        ApiError::Unavailable("database")
    }
}

/// Query-string and path extractor failures are the client's fault: 400 or 422, never 500.
pub fn query_error(error: actix_web::error::QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let message = error.to_string();
    let field = field_named_in(&message).unwrap_or_else(|| "query".to_owned());
    ApiError::field(&field, FieldProblem::Invalid).into()
}

pub fn path_error(error: actix_web::error::PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::BadRequest(error.to_string()).into()
}

/// serde names the culprit in backticks: "missing field `password`".
pub(crate) fn field_named_in(message: &str) -> Option<String> {
    // Only these messages quote a field's name; others quote the value ("invalid value: integer `2147483648`").
    if !["unknown field", "missing field", "duplicate field"].iter().any(|m| message.starts_with(m)) {
        return None;
    }
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    let candidate = &message[start..end];
    candidate.chars().all(|c| c.is_ascii_alphanumeric() || c == '_').then(|| candidate.to_owned())
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
    }

    #[test]
    fn unique_constraints_name_their_field() {
        assert_eq!(field_of_constraint("users_username_key"), Some("username"));
        assert_eq!(field_of_constraint("users_email_key"), Some("email"));
        assert_eq!(field_of_constraint("job_profiles_code_key"), Some("code"));
        assert_eq!(field_of_constraint("users_pkey"), None);
    }
}
