//! The AI assistant: conversations, their messages with the tool calls behind each answer, and
//! the Server-Sent Events an answer streams as.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ErrorCode;
use crate::stock::StockQuery;

/// The longest question accepted, in characters.
pub const MAX_MESSAGE_CHARS: usize = 2000;
/// The longest conversation title, in characters.
pub const MAX_TITLE_CHARS: usize = 120;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conversation {
    pub id: i64,
    pub title: String,
    pub created_at: DateTime<Utc>,
    /// When the last message was written (the list is newest first by it).
    pub updated_at: DateTime<Utc>,
}

/// A conversation with every message, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(from = "ConversationDetailFields")]
pub struct ConversationDetail {
    #[serde(flatten)]
    pub conversation: Conversation,
    pub messages: Vec<ChatMessage>,
}

/// A [`ConversationDetail`] as read: its fields side by side (`flatten` buffers the whole
/// answer, messages included, and builds a second decoder for everything in it; see
/// [`crate::decode`]).
#[derive(Deserialize)]
struct ConversationDetailFields {
    id: i64,
    title: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    messages: Vec<ChatMessage>,
}

impl From<ConversationDetailFields> for ConversationDetail {
    fn from(detail: ConversationDetailFields) -> Self {
        let ConversationDetailFields { id, title, created_at, updated_at, messages } = detail;
        ConversationDetail { conversation: Conversation { id, title, created_at, updated_at }, messages }
    }
}

/// `POST /api/assistant/conversations`: the title is optional (the first question names it).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewConversation {
    #[serde(default)]
    pub title: Option<String>,
}

/// `PATCH /api/assistant/conversations/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RenameConversation {
    pub title: String,
}

/// `POST /api/assistant/conversations/{id}/messages`: a question; the answer streams back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PostMessage {
    pub content: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChatRole {
    User,
    Assistant,
}

/// How an answer ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    Complete,
    /// The stream broke off (the provider failed mid-answer): what arrived is kept.
    Partial,
    /// The user stopped it.
    Stopped,
    /// Nothing usable arrived.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatMessage {
    pub id: i64,
    pub role: ChatRole,
    /// Markdown for answers (tables, bold, lists); plain text for questions.
    pub content: String,
    pub status: MessageStatus,
    /// The tools the answer used, in call order.
    #[serde(default)]
    pub tool_calls: Vec<ToolCall>,
    /// Figures and VINs the answer quotes that no tool returned: shown as a warning.
    #[serde(default)]
    pub unverified: Vec<String>,
    /// Which model wrote it (`embedded-planner`, or the provider's model name).
    pub model: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// One tool call behind an answer, with what it found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ToolCall {
    /// The call's id within the answer (the provider's, or `call_N`).
    pub id: String,
    /// `search_vehicles`, `aggregate_stock`, `semantic_search`, `get_vehicle`,
    /// `dashboard_figures` or `stock_history`.
    pub name: String,
    /// The arguments as the model sent them.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub arguments: serde_json::Value,
    /// The stock list showing the vehicles this call looked at, when there is one.
    pub stock_query: Option<StockQuery>,
    /// How many vehicles matched, when the tool counts them.
    pub vehicles: Option<i64>,
    /// How many rows (vehicles, groups, snapshots) the result holds.
    pub rows: Option<i64>,
    /// Why the call was refused or failed (reported to the model, which may correct itself).
    pub error: Option<String>,
}

/// The events of an answer's stream (`text/event-stream`, the event name is `type`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", try_from = "StreamEventFields")]
pub enum StreamEvent {
    /// The question as stored (sent first).
    Question { message: ChatMessage },
    /// A piece of the answer's text, to append.
    Token { text: String },
    /// A tool is being called (no result yet).
    ToolCall { call: ToolCall },
    /// The call ended: the same call with its counts or error.
    ToolResult { call: ToolCall },
    /// The answer as stored: the last event of a successful answer.
    Done { message: ChatMessage },
    /// The answer failed; `message` is the stored answer (partial or failed) when there is one.
    Error { error: ErrorCode, detail: String, message: Option<ChatMessage> },
}

/// A [`StreamEvent`] as read: its `type` and every field any event has (see
/// [`crate::decode`]).
#[derive(Deserialize)]
struct StreamEventFields {
    #[serde(rename = "type")]
    kind: StreamEventKind,
    message: Option<ChatMessage>,
    text: Option<String>,
    call: Option<ToolCall>,
    error: Option<ErrorCode>,
    detail: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum StreamEventKind {
    Question,
    Token,
    ToolCall,
    ToolResult,
    Done,
    Error,
}

impl TryFrom<StreamEventFields> for StreamEvent {
    type Error = String;

    fn try_from(event: StreamEventFields) -> Result<Self, String> {
        use crate::decode::required as needs;
        Ok(match event.kind {
            StreamEventKind::Question => StreamEvent::Question { message: needs(event.message, "message")? },
            StreamEventKind::Token => StreamEvent::Token { text: needs(event.text, "text")? },
            StreamEventKind::ToolCall => StreamEvent::ToolCall { call: needs(event.call, "call")? },
            StreamEventKind::ToolResult => StreamEvent::ToolResult { call: needs(event.call, "call")? },
            StreamEventKind::Done => StreamEvent::Done { message: needs(event.message, "message")? },
            StreamEventKind::Error => StreamEvent::Error {
                error: needs(event.error, "error")?,
                detail: needs(event.detail, "detail")?,
                message: event.message,
            },
        })
    }
}

impl StreamEvent {
    /// The SSE `event:` name.
    pub fn name(&self) -> &'static str {
        match self {
            StreamEvent::Question { .. } => "question",
            StreamEvent::Token { .. } => "token",
            StreamEvent::ToolCall { .. } => "tool_call",
            StreamEvent::ToolResult { .. } => "tool_result",
            StreamEvent::Done { .. } => "done",
            StreamEvent::Error { .. } => "error",
        }
    }
}
