//! The JSON request body extractor of every handler: like `web::Json`, but a value of the
//! wrong type or out of range is a 422 naming the field it was sent in (`mileage_km`,
//! `sale_price`), found by following the deserializer's path, not by guessing from serde's
//! message (which quotes the value: "integer `2147483648`").

use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde_path_to_error::Segment;
use shared::FieldProblem;

use crate::error::{ApiError, field_named_in};

/// Largest JSON body accepted; bigger ones get 413.
pub(crate) const JSON_LIMIT_BYTES: usize = 256 * 1024;

/// A request body of type `T`, sent as `application/json` (at most [`JSON_LIMIT_BYTES`]).
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T> JsonBody<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for JsonBody<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = is_json(req.headers());
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::BadRequest("expected Content-Type: application/json".into()).into());
            }
            let body = body.await.map_err(|error| match error.as_response_error().status_code().as_u16() {
                413 => ApiError::PayloadTooLarge,
                _ => ApiError::BadRequest(format!("could not read the body: {error}")),
            })?;
            parse(&body).map(JsonBody).map_err(Into::into)
        })
    }
}

/// `application/json`, or a `+json` type, whatever its parameters.
pub(crate) fn is_json(headers: &header::HeaderMap) -> bool {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|mime| {
        let essence = mime.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        essence == "application/json" || essence.ends_with("+json")
    })
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    // Every body of the API is an object, but serde also reads a struct from an array (its
    // fields by position), which would take `[null, null]` for an empty change.
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Err(ApiError::field("body", FieldProblem::Invalid));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let field = match error.path().iter().next() {
            Some(Segment::Map { key }) => Some(key.clone()),
            _ => None,
        };
        let inner = error.into_inner();
        if !inner.is_data() {
            return ApiError::BadRequest(format!("malformed JSON: {inner}"));
        }
        let message = inner.to_string();
        // Unknown, missing and duplicate fields are reported at the object holding them.
        let field = field.or_else(|| field_named_in(&message)).unwrap_or_else(|| "body".to_owned());
        let problem = if message.starts_with("missing field") { FieldProblem::Required } else { FieldProblem::Invalid };
        ApiError::field(&field, problem)
    })?;
    deserializer.end().map_err(|error| ApiError::BadRequest(format!("malformed JSON: {error}")))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use shared::stock::Money;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Input {
        mileage_km: Option<i32>,
        sale_price: Option<Money>,
        name: String,
        #[serde(default)]
        tags: Vec<String>,
    }

    fn fields(body: &str) -> Vec<(String, Vec<String>)> {
        match parse::<Input>(body.as_bytes()) {
            Err(ApiError::Validation(fields)) => fields.into_iter().collect(),
            other => panic!("{body}: {other:?}"),
        }
    }

    #[test]
    fn a_wrong_value_is_refused_by_its_field_name_never_by_the_value() {
        assert_eq!(fields(r#"{"name":"a","mileage_km":2147483648}"#), [("mileage_km".into(), vec!["invalid".into()])]);
        assert_eq!(fields(r#"{"name":"a","sale_price":"0.001"}"#), [("sale_price".into(), vec!["invalid".into()])]);
        assert_eq!(fields(r#"{"name":"a","tags":["x",3]}"#), [("tags".into(), vec!["invalid".into()])]);
        assert_eq!(fields(r#"{"mileage_km":1}"#), [("name".into(), vec!["required".into()])]);
        assert_eq!(fields(r#"{"name":"a","colour":"red"}"#), [("colour".into(), vec!["invalid".into()])]);
    }

    #[test]
    fn an_array_is_not_taken_for_an_object() {
        assert_eq!(fields(r#"[null, null, "a"]"#), [("body".into(), vec!["invalid".into()])]);
        assert_eq!(fields(r#" [] "#), [("body".into(), vec!["invalid".into()])]);
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        assert!(matches!(parse::<Input>(br#"{"name":"#), Err(ApiError::BadRequest(_))));
        assert!(matches!(parse::<Input>(br#"{"name":"a"} trailing"#), Err(ApiError::BadRequest(_))));
    }
}
