//! `/api/*` is forwarded to the backend as a stream, both ways, so uploads and exports of
//! any size pass through in constant memory.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::Settings;

/// Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are not forwarded.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

pub fn client() -> awc::Client {
    awc::Client::builder().timeout(Duration::from_secs(300)).disable_redirects().finish()
}

pub async fn forward(
    req: HttpRequest,
    payload: web::Payload,
    client: web::Data<awc::Client>,
    settings: web::Data<Settings>,
) -> HttpResponse {
    let mut url = settings.backend_url.clone();
    url.set_path(req.uri().path());
    url.set_query(req.uri().query());

    let mut upstream = client.request(req.method().clone(), url.as_str()).no_decompress();
    for (name, value) in req.headers() {
        if !HOP_BY_HOP.contains(&name.as_str()) && name != header::HOST {
            upstream = upstream.append_header((name.clone(), value.clone()));
        }
    }
    // The backend checks the public Host name (ALLOWED_HOSTS) and logs the real client.
    let info = req.connection_info().clone();
    upstream = upstream
        .insert_header((header::HOST, info.host()))
        .insert_header(("X-Forwarded-Host", info.host()))
        .insert_header(("X-Forwarded-Proto", info.scheme()));
    if let Some(peer) = req.peer_addr() {
        let chain = match req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
            Some(previous) => format!("{previous}, {}", peer.ip()),
            None => peer.ip().to_string(),
        };
        upstream = upstream.insert_header(("X-Forwarded-For", chain));
    }

    match upstream.send_stream(payload).await {
        Ok(response) => {
            let mut client_response = HttpResponse::build(response.status());
            for (name, value) in response.headers() {
                if !HOP_BY_HOP.contains(&name.as_str()) {
                    client_response.append_header((name.clone(), value.clone()));
                }
            }
            client_response.streaming(response)
        }
        Err(error) => {
            tracing::warn!(%error, "backend unreachable");
            HttpResponse::BadGateway().json(serde_json::json!({
                "error": "service_unavailable",
                "message": "the API is unreachable",
            }))
        }
    }
}
