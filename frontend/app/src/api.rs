//! Talking to the REST API. Every failure becomes an [`ApiFailure`] the UI can translate.

use std::sync::OnceLock;

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::{ErrorBody, ErrorCode};
use web_sys::RequestCredentials;

use crate::i18n::{Msg, error_message};

static API_BASE: OnceLock<String> = OnceLock::new();

/// Reads `/config.json` (served by the frontend server from its environment) once.
pub async fn load_config() {
    #[derive(serde::Deserialize)]
    struct RuntimeConfig {
        api_url: String,
    }
    let base = match Request::get("/config.json").send().await {
        Ok(response) if response.ok() => response.json::<RuntimeConfig>().await.ok().map(|c| c.api_url),
        _ => None,
    };
    let _ = API_BASE.set(base.unwrap_or_else(|| "/api".to_owned()).trim_end_matches('/').to_owned());
}

fn url(path: &str) -> String {
    format!("{}{path}", API_BASE.get().map(String::as_str).unwrap_or("/api"))
}

#[derive(Debug, Clone, PartialEq)]
pub enum ApiFailure {
    /// The server could not be reached at all.
    Network,
    /// The server answered with an error status.
    Api { status: u16, body: ErrorBody },
}

impl ApiFailure {
    pub fn message(&self) -> Msg {
        match self {
            ApiFailure::Network => Msg::ServerUnreachable,
            ApiFailure::Api { status: 502..=504, .. } => Msg::ServiceUnavailable,
            ApiFailure::Api { body, .. } => error_message(body.error),
        }
    }
}

fn with_auth(builder: RequestBuilder, token: Option<&str>) -> RequestBuilder {
    let builder = builder.credentials(RequestCredentials::Include);
    match token {
        Some(token) => builder.header("Authorization", &format!("Bearer {token}")),
        None => builder,
    }
}

async fn check(response: Result<Response, gloo_net::Error>) -> Result<Response, ApiFailure> {
    let response = response.map_err(|_| ApiFailure::Network)?;
    if response.ok() {
        return Ok(response);
    }
    let status = response.status();
    let body = response.json::<ErrorBody>().await.unwrap_or_else(|_| ErrorBody {
        error: if status == 503 { ErrorCode::ServiceUnavailable } else { ErrorCode::Unknown },
        message: response.status_text(),
        fields: Default::default(),
    });
    Err(ApiFailure::Api { status, body })
}

async fn decode<R: DeserializeOwned>(response: Response) -> Result<R, ApiFailure> {
    response.json::<R>().await.map_err(|_| ApiFailure::Api {
        status: response.status(),
        body: ErrorBody {
            error: ErrorCode::Unknown,
            message: "unreadable response".into(),
            fields: Default::default(),
        },
    })
}

pub async fn post<B: Serialize, R: DeserializeOwned>(
    path: &str,
    body: &B,
    token: Option<&str>,
) -> Result<R, ApiFailure> {
    let request = with_auth(Request::post(&url(path)), token).json(body).map_err(|_| ApiFailure::Network)?;
    decode(check(request.send().await).await?).await
}

/// A POST whose answer has no body (204).
pub async fn post_empty(path: &str, token: Option<&str>) -> Result<(), ApiFailure> {
    check(with_auth(Request::post(&url(path)), token).send().await).await.map(|_| ())
}
