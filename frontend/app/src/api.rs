//! Talking to the REST API. Every failure becomes an [`ApiFailure`] the UI can translate.

use std::sync::OnceLock;

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::{ErrorBody, ErrorCode};
use web_sys::{AbortSignal, RequestCredentials};

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
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, ApiFailure::Api { status: 401, .. })
    }

    /// Problems per field, for forms (codes from `shared::validation::FieldProblem`).
    pub fn fields(&self) -> shared::FieldErrors {
        match self {
            ApiFailure::Api { body, .. } => body.fields.clone(),
            ApiFailure::Network => Default::default(),
        }
    }

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
    Err(failure(response).await)
}

/// What an error answer means: its body is the one error shape, when it can be read.
pub async fn failure(response: Response) -> ApiFailure {
    let text = response.text().await.unwrap_or_default();
    ApiFailure::from_text(response.status(), &response.status_text(), &text)
}

impl ApiFailure {
    /// An error answer whose body the caller has already read as text.
    pub fn from_text(status: u16, status_text: &str, text: &str) -> ApiFailure {
        let body = serde_json::from_str::<ErrorBody>(text).unwrap_or_else(|_| ErrorBody {
            error: if status == 503 { ErrorCode::ServiceUnavailable } else { ErrorCode::Unknown },
            message: status_text.to_owned(),
            fields: Default::default(),
        });
        ApiFailure::Api { status, body }
    }
}

/// Reads a JSON answer. The request code above is not generic, so it exists once in the
/// bundle; only this and [`json`] are compiled for each type.
pub fn decode<R: DeserializeOwned>(text: &str) -> Result<R, ApiFailure> {
    serde_json::from_str(text).map_err(|_| ApiFailure::Api {
        status: 200,
        body: ErrorBody {
            error: ErrorCode::Unknown,
            message: "unreadable response".into(),
            fields: Default::default(),
        },
    })
}

/// A request body as JSON text.
pub fn json<B: Serialize>(body: Option<&B>) -> Result<Option<String>, ApiFailure> {
    body.map(|body| serde_json::to_string(body).map_err(|_| ApiFailure::Network)).transpose()
}

pub async fn post<B: Serialize, R: DeserializeOwned>(
    path: &str,
    body: &B,
    token: Option<&str>,
) -> Result<R, ApiFailure> {
    send(Method::Post, path, Some(body), token).await
}

/// A POST whose answer has no body (204).
pub async fn post_empty(path: &str, token: Option<&str>) -> Result<(), ApiFailure> {
    check(with_auth(Request::post(&url(path)), token).send().await).await.map(|_| ())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Patch,
    Delete,
}

fn builder(method: Method, path: &str) -> RequestBuilder {
    let url = url(path);
    match method {
        Method::Get => Request::get(&url),
        Method::Post => Request::post(&url),
        Method::Patch => Request::patch(&url),
        Method::Delete => Request::delete(&url),
    }
}

async fn raw(method: Method, path: &str, body: Option<String>, token: Option<&str>) -> Result<Response, ApiFailure> {
    let request = with_auth(builder(method, path), token);
    let sent = match body {
        Some(json) => {
            request.header("Content-Type", "application/json").body(json).map_err(|_| ApiFailure::Network)?.send().await
        }
        None => request.send().await,
    };
    check(sent).await
}

/// Any call whose answer is JSON, as text (decoded by the caller with [`decode`]).
pub async fn send_text(
    method: Method,
    path: &str,
    body: Option<String>,
    token: Option<&str>,
) -> Result<String, ApiFailure> {
    raw(method, path, body, token).await?.text().await.map_err(|_| ApiFailure::Network)
}

/// Any call whose answer is JSON.
pub async fn send<B: Serialize, R: DeserializeOwned>(
    method: Method,
    path: &str,
    body: Option<&B>,
    token: Option<&str>,
) -> Result<R, ApiFailure> {
    decode(&send_text(method, path, json(body)?, token).await?)
}

/// Any call whose answer has no body (204), its body already JSON text.
pub async fn send_empty_text(
    method: Method,
    path: &str,
    body: Option<String>,
    token: Option<&str>,
) -> Result<(), ApiFailure> {
    raw(method, path, body, token).await.map(|_| ())
}

/// A request body sent as it is (a file), with its content type.
#[derive(Clone)]
pub struct RawBody {
    pub content_type: &'static str,
    pub data: wasm_bindgen::JsValue,
}

impl RawBody {
    /// A JSON body, for calls whose answer is read as it arrives (a stream).
    pub fn json<B: Serialize>(body: &B) -> Result<RawBody, ApiFailure> {
        let text = serde_json::to_string(body).map_err(|_| ApiFailure::Network)?;
        Ok(RawBody { content_type: "application/json", data: text.into() })
    }
}

/// A call whose answer the caller reads itself, whatever its status (files in and out, event
/// streams). Only an unreachable server is an error here. With `events`, the answer asked for
/// is an event stream, and that signal lets the caller abort it, body included.
pub async fn fetch(
    method: Method,
    path: &str,
    body: Option<RawBody>,
    token: Option<&str>,
    events: Option<&AbortSignal>,
) -> Result<Response, ApiFailure> {
    let mut request = with_auth(builder(method, path), token);
    if let Some(signal) = events {
        request = request.header("Accept", "text/event-stream").abort_signal(Some(signal));
    }
    let sent = match body {
        Some(RawBody { content_type, data }) => {
            request.header("Content-Type", content_type).body(data).map_err(|_| ApiFailure::Network)?.send().await
        }
        None => request.send().await,
    };
    sent.map_err(|_| ApiFailure::Network)
}
