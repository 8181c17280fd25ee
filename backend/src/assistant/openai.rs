//! Any OpenAI-compatible chat completions API (OpenAI, DeepSeek, OpenRouter, llama.cpp,
//! Ollama): streamed, with tool calls, trying the configured models in order.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use serde::Deserialize;
use serde_json::{Value, json};

use super::model::{ChatModel, Completion, ModelError, ModelMessage, RequestedCall, Tokens, estimate_tokens};
use super::tools::specs::tool_specs;
use crate::config::{OpenAiChat, Secret};

/// Between two chunks of a stream that has started: longer means the stream is cut.
const CHUNK_TIMEOUT: Duration = Duration::from_secs(60);

pub struct OpenAiChatModel {
    client: reqwest::Client,
    url: String,
    api_key: Option<Secret>,
    models: Vec<String>,
    first_token_timeout: Duration,
    tools: Value,
}

impl OpenAiChatModel {
    pub fn new(config: &OpenAiChat) -> Self {
        OpenAiChatModel {
            client: reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(10))
                .build()
                .expect("a TLS backend is compiled in"),
            url: format!("{}/chat/completions", config.base_url),
            api_key: config.api_key.clone(),
            models: config.models.clone(),
            first_token_timeout: config.first_token_timeout,
            tools: tool_specs(),
        }
    }

    fn body(&self, model: &str, messages: &[ModelMessage]) -> Value {
        let messages: Vec<Value> = messages
            .iter()
            .map(|message| match message {
                ModelMessage::System(text) => json!({"role": "system", "content": text}),
                ModelMessage::User(text) => json!({"role": "user", "content": text}),
                ModelMessage::Assistant { content, tool_calls } if tool_calls.is_empty() => {
                    json!({"role": "assistant", "content": content})
                }
                ModelMessage::Assistant { content, tool_calls } => json!({
                    "role": "assistant",
                    "content": if content.is_empty() { Value::Null } else { json!(content) },
                    "tool_calls": tool_calls.iter().map(|call| json!({
                        "id": call.id, "type": "function",
                        "function": {"name": call.name, "arguments": call.arguments},
                    })).collect::<Vec<_>>(),
                }),
                ModelMessage::Tool { call_id, content } => {
                    json!({"role": "tool", "tool_call_id": call_id, "content": content})
                }
            })
            .collect();
        json!({
            "model": model,
            "messages": messages,
            "tools": self.tools,
            "stream": true,
            "stream_options": {"include_usage": true},
            "temperature": 0.2,
        })
    }

    /// One model's attempt. `Err(Ok(reason))`: failed before anything was streamed, so the
    /// next model may try; `Err(Err(cut))`: failed after.
    async fn attempt(
        &self,
        model: &str,
        messages: &[ModelMessage],
        tokens: &Tokens,
    ) -> Result<Completion, Result<String, ModelError>> {
        let mut request = self.client.post(&self.url).json(&self.body(model, messages));
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key.expose());
        }
        let response = match tokio::time::timeout(self.first_token_timeout, request.send()).await {
            Err(_) => return Err(Ok(format!("{model}: no answer within {:?}", self.first_token_timeout))),
            Ok(Err(error)) => return Err(Ok(format!("{model}: {}", without_url(&error)))),
            Ok(Ok(response)) => response,
        };
        let status = response.status();
        if !status.is_success() {
            let detail = response.text().await.unwrap_or_default();
            let detail: String = detail.chars().take(300).collect();
            return Err(Ok(format!("{model}: HTTP {status}: {detail}")));
        }
        let mut stream = Box::pin(response.bytes_stream());
        let mut buffer = Vec::new();
        let mut state = StreamState::default();
        loop {
            let wait = if state.started() { CHUNK_TIMEOUT } else { self.first_token_timeout };
            let chunk = match tokio::time::timeout(wait, stream.next()).await {
                Err(_) => Err("the stream stalled".to_owned()),
                Ok(None) => Err("the stream ended before the answer did".to_owned()),
                Ok(Some(Err(error))) => Err(without_url(&error)),
                Ok(Some(Ok(bytes))) => Ok(bytes),
            };
            let bytes = match chunk {
                Ok(bytes) => bytes,
                Err(reason) if !state.started() => return Err(Ok(format!("{model}: {reason}"))),
                Err(reason) => {
                    return Err(Err(ModelError::Cut { partial: state.text, model: model.to_owned(), reason }));
                }
            };
            buffer.extend_from_slice(&bytes);
            // Events end with a blank line; a chunk may hold several or part of one.
            while let Some(end) = find_event_end(&buffer) {
                let event: Vec<u8> = buffer.drain(..end).collect();
                let event = String::from_utf8_lossy(&event);
                for line in event.lines() {
                    let Some(data) = line.strip_prefix("data:").map(str::trim) else { continue };
                    if data == "[DONE]" {
                        return Ok(state.finish(model));
                    }
                    match serde_json::from_str::<Chunk>(data) {
                        Ok(chunk) => state.add(chunk, tokens),
                        Err(error) => tracing::debug!(%error, "unreadable chunk skipped"),
                    }
                }
            }
            if state.finished && state.usage.is_some() {
                return Ok(state.finish(model));
            }
        }
    }
}

/// reqwest's errors name the URL; keep it (and anything in it) out of messages and logs.
fn without_url(error: &reqwest::Error) -> String {
    let what = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else if error.is_body() || error.is_decode() {
        "the connection broke"
    } else {
        "request failed"
    };
    what.to_owned()
}

fn find_event_end(buffer: &[u8]) -> Option<usize> {
    let lf = buffer.windows(2).position(|w| w == b"\n\n").map(|at| at + 2);
    let crlf = buffer.windows(4).position(|w| w == b"\r\n\r\n").map(|at| at + 4);
    match (lf, crlf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Vec<Choice>,
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    delta: Delta,
    finish_reason: Option<String>,
}

#[derive(Deserialize, Default)]
struct Delta {
    content: Option<String>,
    // DeepSeek and others also send `reasoning_content`: thinking aloud, never shown.
    #[serde(default)]
    tool_calls: Vec<ToolCallDelta>,
}

#[derive(Deserialize)]
struct ToolCallDelta {
    #[serde(default)]
    index: usize,
    id: Option<String>,
    function: Option<FunctionDelta>,
}

#[derive(Deserialize)]
struct FunctionDelta {
    name: Option<String>,
    arguments: Option<String>,
}

#[derive(Deserialize, Clone, Copy)]
struct Usage {
    total_tokens: u32,
}

/// An answer being assembled from its chunks: tool calls arrive as pieces keyed by index.
#[derive(Default)]
struct StreamState {
    text: String,
    calls: BTreeMap<usize, RequestedCall>,
    finished: bool,
    usage: Option<Usage>,
}

impl StreamState {
    fn started(&self) -> bool {
        !self.text.is_empty() || !self.calls.is_empty()
    }

    fn add(&mut self, chunk: Chunk, tokens: &Tokens) {
        if chunk.usage.is_some() {
            self.usage = chunk.usage;
        }
        for choice in chunk.choices {
            if let Some(text) = choice.delta.content.filter(|t| !t.is_empty()) {
                self.text.push_str(&text);
                let _ = tokens.send(text);
            }
            for delta in choice.delta.tool_calls {
                let call = self.calls.entry(delta.index).or_insert_with(|| RequestedCall {
                    id: String::new(),
                    name: String::new(),
                    arguments: String::new(),
                });
                if let Some(id) = delta.id {
                    call.id = id;
                }
                if let Some(function) = delta.function {
                    call.name.push_str(function.name.as_deref().unwrap_or_default());
                    call.arguments.push_str(function.arguments.as_deref().unwrap_or_default());
                }
            }
            if choice.finish_reason.is_some() {
                self.finished = true;
            }
        }
    }

    fn finish(self, model: &str) -> Completion {
        let tokens = self.usage.map(|u| u.total_tokens).unwrap_or_else(|| estimate_tokens(&self.text) + 500);
        let tool_calls = self
            .calls
            .into_iter()
            .map(|(index, mut call)| {
                if call.id.is_empty() {
                    call.id = format!("call_{index}");
                }
                call
            })
            .collect();
        Completion { text: self.text, tool_calls, model: model.to_owned(), tokens }
    }
}

impl ChatModel for OpenAiChatModel {
    fn name(&self) -> &str {
        self.models.first().map(String::as_str).unwrap_or("openai")
    }

    fn complete<'a>(
        &'a self,
        messages: &'a [ModelMessage],
        tokens: &'a Tokens,
    ) -> BoxFuture<'a, Result<Completion, ModelError>> {
        Box::pin(async move {
            let mut failures = Vec::new();
            for model in &self.models {
                match self.attempt(model, messages, tokens).await {
                    Ok(completion) => return Ok(completion),
                    Err(Ok(reason)) => {
                        tracing::warn!(%reason, "chat model failed before answering; trying the next");
                        failures.push(reason);
                    }
                    Err(Err(cut)) => return Err(cut),
                }
            }
            Err(ModelError::Unavailable(failures.join("; ")))
        })
    }
}
