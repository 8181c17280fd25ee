//! Who is calling: user agent and IP address, for sessions and throttling.

use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::http::header;

use super::sessions::ClientInfo;

pub fn client_info(req: &HttpRequest) -> ClientInfo {
    ClientInfo {
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(512).collect()),
        ip: client_ip(req).map(|ip| ip.to_string()),
    }
}

/// The caller's address. `X-Forwarded-For` is believed only when the direct peer is on a
/// private network (our frontend proxy, EasyPanel's Traefik); then the right-most public
/// address in it is the client. Anyone else could forge the header to dodge throttling.
pub fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    if !is_internal(peer) {
        return Some(peer);
    }
    let forwarded = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let from_proxies = forwarded.split(',').rev().filter_map(|part| part.trim().parse::<IpAddr>().ok());
    let mut last = None;
    for ip in from_proxies {
        last = Some(ip);
        if !is_internal(ip) {
            return Some(ip);
        }
    }
    Some(last.unwrap_or(peer))
}

fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_private() || v4.is_link_local(),
        IpAddr::V6(v6) => v6.is_loopback() || v6.is_unique_local() || v6.is_unicast_link_local(),
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn request(peer: &str, forwarded: Option<&str>) -> HttpRequest {
        let mut req = TestRequest::default().peer_addr(format!("{peer}:40000").parse().unwrap());
        if let Some(f) = forwarded {
            req = req.insert_header(("x-forwarded-for", f));
        }
        req.to_http_request()
    }

    #[test]
    fn forwarded_addresses_are_believed_only_from_internal_proxies() {
        let ip = |peer, fwd| client_ip(&request(peer, fwd)).unwrap().to_string();
        assert_eq!(ip("203.0.113.9", Some("1.2.3.4")), "203.0.113.9", "a public peer cannot forge");
        assert_eq!(ip("10.0.0.5", Some("1.2.3.4, 198.51.100.7")), "198.51.100.7", "right-most public hop");
        assert_eq!(ip("127.0.0.1", Some("198.51.100.7, 10.0.0.2")), "198.51.100.7");
        assert_eq!(ip("127.0.0.1", None), "127.0.0.1");
    }
}
