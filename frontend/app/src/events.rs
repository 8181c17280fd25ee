//! Reading an answer as it is written: a `text/event-stream` (an assistant's answer, an
//! import's progress), read chunk by chunk from the response body and handed on one event at a
//! time.

use gloo_net::http::Response;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::js_sys::Uint8Array;
use web_sys::{AbortController, ReadableStreamDefaultReader, ReadableStreamReadResult, TextDecodeOptions, TextDecoder};

use crate::api::{self, ApiFailure, RawBody};
use crate::session::Session;

/// Why a stream ended without its last event.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamFailure {
    /// Refused before it began (403, 404, 422, 429...) or the server was unreachable.
    Refused(ApiFailure),
    /// The user pressed stop.
    Aborted,
    /// The connection broke off mid-stream.
    Broken,
}

/// Posts `body` to `path` asking for an event stream, and calls `on_event` for every event
/// until the stream ends (events this build cannot read are skipped). `controller` aborts the
/// request and the reading alike.
pub async fn stream<E: DeserializeOwned>(
    session: Session,
    path: &str,
    body: Option<RawBody>,
    controller: &AbortController,
    mut on_event: impl FnMut(E),
) -> Result<(), StreamFailure> {
    let mut on_data = |data: &str| {
        if let Ok(event) = serde_json::from_str(data) {
            on_event(event)
        }
    };
    read(session, path, body, controller, &mut on_data).await
}

// Apart from `stream` so that each event type costs only its decoding.
async fn read(
    session: Session,
    path: &str,
    body: Option<RawBody>,
    controller: &AbortController,
    on_data: &mut dyn FnMut(&str),
) -> Result<(), StreamFailure> {
    let signal = controller.signal();
    let response = match session.fetch_events(path, body, &signal).await {
        Ok(response) => response,
        Err(_) if signal.aborted() => return Err(StreamFailure::Aborted),
        Err(failure) => return Err(StreamFailure::Refused(failure)),
    };
    if !response.ok() {
        return Err(StreamFailure::Refused(api::failure(response).await));
    }
    read_events(&response, on_data)
        .await
        .map_err(|()| if signal.aborted() { StreamFailure::Aborted } else { StreamFailure::Broken })
}

async fn read_events(response: &Response, on_data: &mut dyn FnMut(&str)) -> Result<(), ()> {
    let reader: ReadableStreamDefaultReader = response.body().ok_or(())?.get_reader().unchecked_into();
    let decoder = TextDecoder::new_with_label("utf-8").map_err(|_| ())?;
    // Streaming mode: a character split between two chunks waits for its second half.
    let options = TextDecodeOptions::new();
    options.set_stream(true);
    let mut parser = SseParser::default();
    loop {
        let result: ReadableStreamReadResult = JsFuture::from(reader.read()).await.map_err(|_| ())?.unchecked_into();
        if result.get_done().unwrap_or(true) {
            break;
        }
        let chunk: Uint8Array = result.get_value().unchecked_into();
        let text = decoder.decode_with_js_u8_array_and_options(&chunk, &options).map_err(|_| ())?;
        parser.push(&text).iter().for_each(|data| on_data(data));
    }
    let rest = decoder.decode().map_err(|_| ())?;
    parser.push(&rest).iter().chain(&parser.finish()).for_each(|data| on_data(data));
    Ok(())
}

/// Splits the text of an event stream into events: blocks separated by a blank line, whose
/// `data:` lines hold the event (as JSON here). Other fields (`event:`, `id:`, comments) are
/// ignored.
#[derive(Default)]
pub struct SseParser {
    buffer: String,
}

impl SseParser {
    pub fn push(&mut self, text: &str) -> Vec<String> {
        self.buffer.push_str(text);
        if self.buffer.contains('\r') {
            self.buffer = self.buffer.replace("\r\n", "\n").replace('\r', "\n");
        }
        let mut events = Vec::new();
        while let Some(end) = self.buffer.find("\n\n") {
            let block: String = self.buffer.drain(..end + 2).collect();
            events.extend(parse_block(&block));
        }
        events
    }

    /// The last block, if the stream ended without its blank line.
    pub fn finish(&mut self) -> Option<String> {
        parse_block(&std::mem::take(&mut self.buffer))
    }
}

fn parse_block(block: &str) -> Option<String> {
    let data: Vec<&str> = block
        .lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .map(|value| value.strip_prefix(' ').unwrap_or(value))
        .collect();
    if data.is_empty() {
        return None;
    }
    Some(data.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_across_chunks() {
        let mut parser = SseParser::default();
        assert!(parser.push("event: token\ndata: {\"type\":\"token\",\"text\":\"Ho").is_empty());
        let events =
            parser.push("la\"}\n\nevent: token\r\ndata: {\"type\":\"token\",\"text\":\" ñ\"}\r\n\r\n: ping\n\n");
        assert_eq!(events, ["{\"type\":\"token\",\"text\":\"Hola\"}", "{\"type\":\"token\",\"text\":\" ñ\"}"]);
        parser.push("data: {\"type\":\"token\",\"text\":\"!\"}");
        assert_eq!(parser.finish().as_deref(), Some("{\"type\":\"token\",\"text\":\"!\"}"));
    }
}
