//! Reading an answer as it is written: the `text/event-stream` of
//! `POST /api/assistant/conversations/{id}/messages` (or `/retry`), read chunk by chunk from the
//! response body and handed on one [`StreamEvent`] at a time.

use gloo_net::http::Response;
use shared::assistant::StreamEvent;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::js_sys::Uint8Array;
use web_sys::{AbortController, ReadableStreamDefaultReader, ReadableStreamReadResult, TextDecodeOptions, TextDecoder};

use crate::api::{self, ApiFailure, Method, RawBody};
use crate::session::Session;

/// Why a stream ended without its last event.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamFailure {
    /// Refused before it began (403, 404, 422, 429...) or the server was unreachable.
    Refused(ApiFailure),
    /// The user pressed stop.
    Aborted,
    /// The connection broke off mid-answer.
    Broken,
}

/// Sends the request and calls `on_event` for every event until the stream ends.
/// `controller` aborts the request and the reading alike.
pub async fn stream_answer(
    session: Session,
    path: &str,
    body: Option<RawBody>,
    controller: &AbortController,
    mut on_event: impl FnMut(StreamEvent),
) -> Result<(), StreamFailure> {
    let signal = controller.signal();
    let response = match session.fetch_abortable(Method::Post, path, body, Some(&signal)).await {
        Ok(response) => response,
        Err(_) if signal.aborted() => return Err(StreamFailure::Aborted),
        Err(failure) => return Err(StreamFailure::Refused(failure)),
    };
    if !response.ok() {
        return Err(StreamFailure::Refused(api::failure(response).await));
    }
    read_events(&response, &mut on_event)
        .await
        .map_err(|()| if signal.aborted() { StreamFailure::Aborted } else { StreamFailure::Broken })
}

async fn read_events(response: &Response, on_event: &mut impl FnMut(StreamEvent)) -> Result<(), ()> {
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
        parser.push(&text).into_iter().for_each(&mut *on_event);
    }
    let rest = decoder.decode().map_err(|_| ())?;
    parser.push(&rest).into_iter().chain(parser.finish()).for_each(on_event);
    Ok(())
}

/// Splits the text of an event stream into events: blocks separated by a blank line, whose
/// `data:` lines hold the event as JSON. Other fields (`event:`, `id:`, comments) are ignored,
/// as are events this build cannot read.
#[derive(Default)]
pub struct SseParser {
    buffer: String,
}

impl SseParser {
    pub fn push(&mut self, text: &str) -> Vec<StreamEvent> {
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
    pub fn finish(&mut self) -> Option<StreamEvent> {
        parse_block(&std::mem::take(&mut self.buffer))
    }
}

fn parse_block(block: &str) -> Option<StreamEvent> {
    let data: Vec<&str> = block
        .lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .map(|value| value.strip_prefix(' ').unwrap_or(value))
        .collect();
    if data.is_empty() {
        return None;
    }
    serde_json::from_str(&data.join("\n")).ok()
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
        assert_eq!(events, vec![StreamEvent::Token { text: "Hola".into() }, StreamEvent::Token { text: " ñ".into() }]);
        parser.push("data: {\"type\":\"token\",\"text\":\"!\"}");
        assert_eq!(parser.finish(), Some(StreamEvent::Token { text: "!".into() }));
    }
}
