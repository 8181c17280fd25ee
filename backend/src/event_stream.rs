//! Answers sent as they happen, as Server-Sent Events: an assistant's answer token by token,
//! an import's progress. Each event is `event: <name>` and `data: <JSON>`.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use futures_util::StreamExt;
use serde::Serialize;
use tokio::sync::mpsc;

/// An event of a stream: its JSON is the `data`, `name()` the SSE `event`.
pub trait ServerSentEvent: Serialize + 'static {
    fn name(&self) -> &'static str;
}

impl ServerSentEvent for shared::assistant::StreamEvent {
    fn name(&self) -> &'static str {
        self.name()
    }
}

impl ServerSentEvent for shared::stock::ImportEvent {
    fn name(&self) -> &'static str {
        self.name()
    }
}

/// A 200 answer streaming what `events` receives until every sender is gone. A client that
/// disconnects drops the receiver, so the senders see `is_closed()` and can stop.
pub fn response<E: ServerSentEvent>(events: mpsc::UnboundedReceiver<E>) -> HttpResponse {
    let events =
        futures_util::stream::unfold(
            events,
            |mut events| async move { events.recv().await.map(|event| (event, events)) },
        );
    let body = events.map(|event| {
        let data = serde_json::to_string(&event).expect("events serialise");
        Ok::<_, actix_web::Error>(web::Bytes::from(format!("event: {}\ndata: {data}\n\n", event.name())))
    });
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/event-stream"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        // Compression would hold events back until a block fills.
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body)
}

/// Whether the client asked for an event stream (`Accept: text/event-stream`).
pub fn wanted(request: &actix_web::HttpRequest) -> bool {
    request
        .headers()
        .get_all(header::ACCEPT)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|media| {
            media.split(';').next().is_some_and(|media| media.trim().eq_ignore_ascii_case("text/event-stream"))
        })
}
