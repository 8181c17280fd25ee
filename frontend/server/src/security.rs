//! Security headers on every response of this server: the app's files, `/config.json`,
//! `/health` and the API's answers passing through.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;

use crate::{Settings, proxy};

/// The app's Content-Security-Policy: its own files only; wasm may be compiled; of inline
/// scripts only Trunk's start-up module runs (by hash); nothing may frame the app.
pub struct ContentSecurityPolicy(HeaderValue);

impl ContentSecurityPolicy {
    /// `inline_scripts` are the hash sources of index.html's inline scripts; `api_url` is
    /// what `/config.json` tells the app to call (another origin must be allowed to connect).
    pub fn for_app(inline_scripts: &[String], api_url: &str) -> anyhow::Result<Self> {
        let mut script_src = vec!["'self'", "'wasm-unsafe-eval'"];
        script_src.extend(inline_scripts.iter().map(String::as_str));
        let mut connect_src = vec!["'self'".to_owned()];
        // "/api" is the same origin; "https://api.example.com/api" is not.
        if let Ok(url) = url::Url::parse(api_url) {
            connect_src.push(url.origin().ascii_serialization());
        }
        let policy = format!(
            "default-src 'self'; script-src {}; connect-src {}; object-src 'none'; base-uri 'self'; \
             form-action 'self'; frame-ancestors 'none'",
            script_src.join(" "),
            connect_src.join(" "),
        );
        Ok(ContentSecurityPolicy(HeaderValue::from_str(&policy)?))
    }
}

/// One year, once the request came over HTTPS (as a trusted proxy says): browsers then refuse
/// plain HTTP for this host.
const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

pub async fn add_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let settings = req.app_data::<web::Data<Settings>>().expect("Settings are registered").clone();
    let policy = req.app_data::<web::Data<ContentSecurityPolicy>>().expect("the policy is registered").clone();
    let https = proxy::forwarded_proto(req.request(), &settings.trusted_proxies) == "https";
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    // The backend's own (Swagger UI's policy, the API's) pass through unchanged.
    let mut add = |name: header::HeaderName, value: HeaderValue| {
        if !headers.contains_key(&name) {
            headers.insert(name, value);
        }
    };
    add(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    add(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    add(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    add(header::CONTENT_SECURITY_POLICY, policy.0.clone());
    if https {
        add(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(STRICT_TRANSPORT_SECURITY));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_app_policy_allows_its_inline_start_up_script_and_the_api_origin_only() {
        let same_origin = ContentSecurityPolicy::for_app(&["'sha256-abc='".to_owned()], "/api").unwrap();
        let policy = same_origin.0.to_str().unwrap();
        assert!(policy.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-abc=';"), "{policy}");
        assert!(policy.contains("connect-src 'self';"), "{policy}");
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        for directive in ["frame-ancestors 'none'", "base-uri 'self'", "form-action 'self'", "object-src 'none'"] {
            assert!(policy.contains(directive), "{directive} in {policy}");
        }
        let elsewhere = ContentSecurityPolicy::for_app(&[], "https://api.deala.example/api").unwrap();
        let policy = elsewhere.0.to_str().unwrap();
        assert!(policy.contains("connect-src 'self' https://api.deala.example;"), "{policy}");
    }
}
