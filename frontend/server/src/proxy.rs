//! `/api/*` is forwarded to the backend as a stream, both ways, so uploads and exports of
//! any size pass through in constant memory.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use shared::proxies::TrustedProxies;

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

/// Said by this proxy alone: a client's own are dropped (and `Forwarded`, which nobody reads).
const FORWARDING: [&str; 4] = ["forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto"];

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
        if !HOP_BY_HOP.contains(&name.as_str()) && !FORWARDING.contains(&name.as_str()) && name != header::HOST {
            upstream = upstream.append_header((name.clone(), value.clone()));
        }
    }
    // The backend checks the public host name (ALLOWED_HOSTS) and throttles by the client's
    // address: it hears them from this proxy only.
    let trusted = &settings.trusted_proxies;
    upstream = upstream
        .insert_header((header::HOST, header_value(&req, "host").unwrap_or_default()))
        .insert_header(("X-Forwarded-Host", forwarded_host(&req, trusted)))
        .insert_header(("X-Forwarded-Proto", forwarded_proto(&req, trusted)));
    if let Some(peer) = req.peer_addr().map(|peer| peer.ip()) {
        let chain: Vec<&str> = req.headers().get_all("x-forwarded-for").filter_map(|v| v.to_str().ok()).collect();
        let chain = if trusted.trusts(peer) && !chain.is_empty() {
            format!("{}, {peer}", chain.join(", "))
        } else {
            peer.to_string()
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

fn header_value<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// The host name the client asked for: what a trusted proxy in front says (Traefik), else
/// this request's `Host`.
fn forwarded_host<'a>(req: &'a HttpRequest, trusted: &TrustedProxies) -> &'a str {
    let peer = req.peer_addr().map(|peer| peer.ip());
    trusted.forwarded(peer, header_value(req, "x-forwarded-host")).or(header_value(req, "host")).unwrap_or_default()
}

/// The scheme the client used: what a trusted proxy in front says (Traefik terminates TLS),
/// else this connection's.
pub fn forwarded_proto<'a>(req: &'a HttpRequest, trusted: &TrustedProxies) -> &'a str {
    let peer = req.peer_addr().map(|peer| peer.ip());
    let own = if req.app_config().secure() { "https" } else { "http" };
    trusted.forwarded(peer, header_value(req, "x-forwarded-proto")).unwrap_or(own)
}
