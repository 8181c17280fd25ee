//! Events sent as Server-Sent Events (an assistant's answer, an import's progress) are
//! internally tagged enums: `{"type": "token", "text": "…"}`. Each is read through a flat
//! struct of its `type` and every field any event has, then checked by a `TryFrom`: serde's own
//! tagged decoding buffers every event and builds a second decoder for each type inside it,
//! which cost the web app's download 10–15 KB per enum.

/// A field the event's `type` requires.
pub(crate) fn required<T>(value: Option<T>, field: &'static str) -> Result<T, String> {
    value.ok_or_else(|| format!("missing field `{field}`"))
}

#[cfg(test)]
mod tests {
    use serde::Serialize;
    use serde::de::DeserializeOwned;

    use crate::assistant::{ChatMessage, ChatRole, MessageStatus, StreamEvent, ToolCall};
    use crate::stock::{ImportEvent, ImportMode, ImportProgress, ImportReport};
    use crate::{ErrorBody, ErrorCode};

    fn round_trip<E: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(event: E) {
        let json = serde_json::to_string(&event).unwrap();
        assert_eq!(serde_json::from_str::<E>(&json).unwrap(), event, "{json}");
    }

    #[test]
    fn every_event_reads_back_as_written() {
        let message = ChatMessage {
            id: 3,
            role: ChatRole::Assistant,
            content: "Hay **12** SEAT.".into(),
            status: MessageStatus::Complete,
            tool_calls: vec![],
            unverified: vec!["12".into()],
            model: Some("embedded-planner".into()),
            created_at: chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
        };
        let call = ToolCall {
            id: "call_1".into(),
            name: "search_vehicles".into(),
            arguments: serde_json::json!({"brand": "SEAT"}),
            stock_query: None,
            vehicles: Some(12),
            rows: Some(12),
            error: None,
        };
        round_trip(StreamEvent::Question { message: ChatMessage { role: ChatRole::User, ..message.clone() } });
        round_trip(StreamEvent::Token { text: "Hay".into() });
        round_trip(StreamEvent::ToolCall { call: call.clone() });
        round_trip(StreamEvent::ToolResult { call });
        round_trip(StreamEvent::Done { message: message.clone() });
        round_trip(StreamEvent::Error { error: ErrorCode::ServiceUnavailable, detail: "x".into(), message: None });
        round_trip(StreamEvent::Error { error: ErrorCode::Internal, detail: "y".into(), message: Some(message) });

        let progress = ImportProgress { bytes_read: 10, rows_read: 2, rows_rejected: 1, rows_applied: 1 };
        round_trip(ImportEvent::Progress { progress });
        let report = ImportReport {
            mode: ImportMode::SkipInvalid,
            rows: 2,
            created: 1,
            updated: 0,
            unchanged: 0,
            rejected: vec![],
            rejected_total: 1,
            rejected_rows: 1,
            committed: true,
        };
        round_trip(ImportEvent::Done { report });
        let error =
            ErrorBody { error: ErrorCode::PayloadTooLarge, message: "too large".into(), fields: Default::default() };
        round_trip(ImportEvent::Failed { status: 413, error });
    }

    #[test]
    fn an_event_without_what_its_type_needs_is_refused() {
        let error = serde_json::from_str::<StreamEvent>(r#"{"type":"token"}"#).unwrap_err();
        assert!(error.to_string().contains("missing field `text`"), "{error}");
        assert!(serde_json::from_str::<StreamEvent>(r#"{"type":"shout","text":"a"}"#).is_err());
        let error = serde_json::from_str::<ImportEvent>(r#"{"type":"failed","status":500}"#).unwrap_err();
        assert!(error.to_string().contains("missing field `error`"), "{error}");
    }
}
