//! Who is calling: user agent, IP address and the host name asked for, for sessions,
//! throttling and the allowed-hosts check. Forwarding headers are believed only from
//! `TRUSTED_PROXIES`, so actix's `connection_info()` (which believes anyone's) is not used.

use std::net::IpAddr;

use actix_web::http::header;
use actix_web::{HttpRequest, web};
use shared::proxies::TrustedProxies;

use super::sessions::ClientInfo;
use crate::state::AppState;

pub fn client_info(req: &HttpRequest) -> ClientInfo {
    let state = req.app_data::<web::Data<AppState>>().expect("AppState is registered");
    ClientInfo {
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(512).collect()),
        ip: client_ip(req, &state.config.trusted_proxies).map(|ip| ip.to_string()),
    }
}

/// The caller's address: the peer's, or what trusted proxies say in `X-Forwarded-For`.
pub fn client_ip(req: &HttpRequest, trusted: &TrustedProxies) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let forwarded_for = req.headers().get_all("x-forwarded-for").filter_map(|v| v.to_str().ok());
    Some(trusted.client_ip(peer, forwarded_for))
}

/// The host name (maybe with a port) the client asked for: a trusted proxy's
/// `X-Forwarded-Host`, else the `Host` header (HTTP/2: the URI's authority).
pub fn requested_host<'a>(req: &'a HttpRequest, trusted: &TrustedProxies) -> &'a str {
    let header = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
    trusted
        .forwarded(req.peer_addr().map(|peer| peer.ip()), header("x-forwarded-host"))
        .or_else(|| header(header::HOST.as_str()))
        .or_else(|| req.uri().authority().map(|authority| authority.as_str()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn request(peer: &str, headers: &[(&str, &str)]) -> HttpRequest {
        let mut req = TestRequest::default().peer_addr(format!("{peer}:40000").parse().unwrap());
        for &(name, value) in headers {
            req = req.append_header((name, value));
        }
        req.to_http_request()
    }

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let trusted = TrustedProxies::parse("127.0.0.1, 10.0.0.0/8").unwrap();
        let ip = |peer, headers| client_ip(&request(peer, headers), &trusted).unwrap().to_string();
        assert_eq!(ip("192.168.1.5", &[("x-forwarded-for", "1.2.3.4")]), "192.168.1.5", "private is not trusted");
        assert_eq!(ip("10.0.0.5", &[("x-forwarded-for", "1.2.3.4, 198.51.100.7")]), "198.51.100.7");
        let two_lines = [("x-forwarded-for", "1.2.3.4"), ("x-forwarded-for", "198.51.100.7, 127.0.0.1")];
        assert_eq!(ip("127.0.0.1", &two_lines), "198.51.100.7", "every line counts, in order");
        assert_eq!(ip("127.0.0.1", &[]), "127.0.0.1");
    }

    #[test]
    fn the_forwarded_host_is_believed_only_from_trusted_proxies() {
        let trusted = TrustedProxies::loopback();
        let headers = [("host", "evil.example"), ("x-forwarded-host", "deala.example")];
        assert_eq!(requested_host(&request("127.0.0.1", &headers), &trusted), "deala.example");
        assert_eq!(requested_host(&request("203.0.113.9", &headers), &trusted), "evil.example");
        let rfc7239 = [("host", "evil.example"), ("forwarded", "host=deala.example")];
        assert_eq!(
            requested_host(&request("127.0.0.1", &rfc7239), &trusted),
            "evil.example",
            "`Forwarded` is not read"
        );
    }
}
