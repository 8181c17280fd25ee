//! What the assistant asks a model, and what a model answers: one trait for the embedded
//! planner and for any OpenAI-compatible chat completions API.

use futures_util::future::BoxFuture;
use tokio::sync::mpsc;

/// A message of the conversation as models read it (the OpenAI chat format's roles).
#[derive(Debug, Clone, PartialEq)]
pub enum ModelMessage {
    System(String),
    User(String),
    /// An answer, or a round of tool calls (then `content` is usually empty).
    Assistant {
        content: String,
        tool_calls: Vec<RequestedCall>,
    },
    /// A tool's result, as JSON text: data for the model, never instructions.
    Tool {
        call_id: String,
        content: String,
    },
}

/// A tool call as a model asked for it (arguments still raw JSON text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestedCall {
    pub id: String,
    pub name: String,
    pub arguments: String,
}

/// One model turn: text (already streamed token by token), tool calls, or both.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Completion {
    pub text: String,
    pub tool_calls: Vec<RequestedCall>,
    /// The model that answered (after any fallback).
    pub model: String,
    /// Tokens used, as the provider counted them (estimated when it does not say).
    pub tokens: u32,
}

#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum ModelError {
    /// Nothing was streamed: every configured model refused or failed.
    #[error("the language model is unavailable: {0}")]
    Unavailable(String),
    /// The stream broke after some text was sent; `partial` is what arrived.
    #[error("the answer was cut off: {reason}")]
    Cut { partial: String, model: String, reason: String },
}

/// Where a model sends the answer's text as it arrives.
pub type Tokens = mpsc::UnboundedSender<String>;

pub trait ChatModel: Send + Sync {
    /// Names the provider for the logs and the stored messages.
    fn name(&self) -> &str;
    /// One turn over the conversation so far; text pieces go to `tokens` as they arrive.
    fn complete<'a>(
        &'a self,
        messages: &'a [ModelMessage],
        tokens: &'a Tokens,
    ) -> BoxFuture<'a, Result<Completion, ModelError>>;
}

/// A rough token count (four characters per token) for providers that do not report usage.
pub fn estimate_tokens(text: &str) -> u32 {
    (text.chars().count() as u32).div_ceil(4)
}
