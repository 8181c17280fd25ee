//! PostgreSQL cannot store or compare text holding U+0000, and a NUL that reaches a query
//! is a 500. So every request is checked here, once for every endpoint, before a handler
//! sees it: the path, each query parameter, and a JSON body (where NUL can only arrive as
//! the escape `\u0000`). The answer names the parameter or field, like any validation error.
//! CSV uploads are not JSON: the import checks its own cells (`stock::import`).

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use futures_util::StreamExt;
use serde_json::Value;
use shared::FieldProblem;

use crate::error::{ApiError, Problems};
use crate::json_body::is_json;

pub async fn refuse_nul(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let has_nul = |text: &str| text.contains('\0') || text.to_ascii_lowercase().contains("%00");
    if has_nul(req.uri().path()) {
        return Err(ApiError::BadRequest("the path holds a NUL character".to_owned()).into());
    }
    if has_nul(req.query_string()) {
        let mut problems = Problems::default();
        for (name, value) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
            if name.contains('\0') || value.contains('\0') {
                problems.add(&name.replace('\0', ""), FieldProblem::Invalid);
            }
        }
        problems.into_result()?;
    }
    if !req.method().is_safe() && is_json(req.headers()) {
        let body = read_body(&mut req, crate::json_body::JSON_LIMIT_BYTES).await?;
        fields_holding_nul(&body)?;
        req.set_payload(Payload::from(body));
    }
    next.call(req).await
}

/// The whole body, refused with 413 past `limit` (the JSON extractor's own limit, so the
/// guard never accepts what the handler would refuse, nor the reverse).
async fn read_body(req: &mut ServiceRequest, limit: usize) -> Result<Bytes, ApiError> {
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(ApiError::PayloadTooLarge);
    }
    let mut payload = req.take_payload();
    let mut body = BytesMut::with_capacity(declared.unwrap_or(0));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|error| ApiError::BadRequest(format!("could not read the body: {error}")))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Fails naming each top-level field whose value (or a key inside it) holds U+0000. Only
/// bodies that contain the escape at all are parsed; a body that is not JSON is left for the
/// JSON extractor to refuse with its usual message.
fn fields_holding_nul(body: &[u8]) -> Result<(), ApiError> {
    if !body.windows(6).any(|window| window == b"\\u0000") {
        return Ok(());
    }
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Ok(());
    };
    let mut problems = Problems::default();
    match &value {
        Value::Object(fields) => {
            for (name, value) in fields {
                if name.contains('\0') || holds_nul(value) {
                    problems.add(&name.replace('\0', ""), FieldProblem::Invalid);
                }
            }
        }
        other if holds_nul(other) => problems.add("body", FieldProblem::Invalid),
        _ => {}
    }
    problems.into_result()
}

fn holds_nul(value: &Value) -> bool {
    match value {
        Value::String(text) => text.contains('\0'),
        Value::Array(items) => items.iter().any(holds_nul),
        Value::Object(fields) => fields.iter().any(|(name, value)| name.contains('\0') || holds_nul(value)),
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(body: &str) -> Vec<String> {
        match fields_holding_nul(body.as_bytes()) {
            Ok(()) => Vec::new(),
            Err(ApiError::Validation(fields)) => fields.into_keys().collect(),
            Err(other) => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn names_each_field_holding_nul_at_any_depth() {
        assert_eq!(fields(r#"{"first_name":"a\u0000b","last_name":"ok"}"#), ["first_name"]);
        assert_eq!(fields(r#"{"extra":{"colour":["x","\u0000"]}}"#), ["extra"]);
        assert_eq!(fields(r#"{"a\u0000":1}"#), ["a"]);
        assert_eq!(fields(r#"["\u0000"]"#), ["body"]);
    }

    #[test]
    fn an_escaped_backslash_before_u0000_is_plain_text() {
        // `\\u0000` is a backslash followed by "u0000": six ordinary characters.
        assert!(fields(r#"{"notes":"C:\\u0000"}"#).is_empty());
        assert!(fields(r#"{"notes":"fine"}"#).is_empty());
        assert!(fields("not json \\u0000").is_empty(), "left for the JSON extractor to refuse");
    }
}
