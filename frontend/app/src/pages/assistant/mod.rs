//! `/assistant` and `/assistant/:id`: the AI assistant. The conversation list on one side; on
//! the other the chosen conversation, whose answers stream in token by token with the lookups
//! behind them, and the question box.

mod conversations;
mod markdown;
mod tools;

use std::time::Duration;

use gloo_timers::future::sleep;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_params_map};
use shared::ErrorCode;
use shared::assistant::{
    ChatMessage, ChatRole, Conversation, ConversationDetail, MAX_MESSAGE_CHARS, MessageStatus, NewConversation,
    PostMessage, StreamEvent, ToolCall,
};
use web_sys::AbortController;

use self::conversations::ConversationList;
use self::tools::ToolCalls;
use crate::api::{ApiFailure, Method, RawBody};
use crate::events::{self, StreamFailure};
use crate::format;
use crate::i18n::{Msg, problem_message, use_i18n};
use crate::session::{Session, use_session};

/// The API path of a conversation.
pub(crate) fn conversation_path(id: i64) -> String {
    format!("/assistant/conversations/{id}")
}

/// The examples offered while a conversation is empty; a click asks them.
const EXAMPLES: [Msg; 4] = [Msg::ExampleQuestion1, Msg::ExampleQuestion2, Msg::ExampleQuestion3, Msg::ExampleQuestion4];

/// The counter shows from this many characters on.
const COUNTER_FROM: usize = MAX_MESSAGE_CHARS * 4 / 5;

/// What the shown conversation is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Loaded {
    /// No conversation chosen (`/assistant`).
    Nothing,
    Loading,
    Ready,
    Failed(Msg),
}

/// The answer being written.
#[derive(Debug, Clone, Default, PartialEq)]
struct Draft {
    text: String,
    calls: Vec<ToolCall>,
}

/// The shown conversation and its streaming answer. Every asynchronous step carries the
/// generation it began in: after switching conversation, a late answer changes nothing.
#[derive(Clone, Copy)]
struct Chat {
    session: Session,
    loaded: RwSignal<Loaded>,
    messages: RwSignal<Vec<ChatMessage>>,
    /// The question just sent, until the server confirms it as stored.
    pending_question: RwSignal<Option<String>>,
    draft: RwSignal<Option<Draft>>,
    /// The conversation whose answer is streaming.
    streaming: RwSignal<Option<i64>>,
    error: RwSignal<Option<Msg>>,
    input: RwSignal<String>,
    generation: StoredValue<u64>,
    controller: StoredValue<Option<AbortController>, LocalStorage>,
}

impl Chat {
    fn new(session: Session) -> Self {
        Chat {
            session,
            loaded: RwSignal::new(Loaded::Nothing),
            messages: RwSignal::new(Vec::new()),
            pending_question: RwSignal::new(None),
            draft: RwSignal::new(None),
            streaming: RwSignal::new(None),
            error: RwSignal::new(None),
            input: RwSignal::new(String::new()),
            generation: StoredValue::new(0),
            controller: StoredValue::new_local(None),
        }
    }

    fn is_streaming(self) -> bool {
        self.streaming.with(Option::is_some)
    }

    /// Starts over for another conversation (or none): whatever was streaming stops.
    fn switch(self) -> u64 {
        self.stop();
        self.generation.update_value(|g| *g += 1);
        self.streaming.set(None);
        self.pending_question.set(None);
        self.draft.set(None);
        self.error.set(None);
        self.generation.get_value()
    }

    fn show_nothing(self) {
        self.switch();
        self.messages.set(Vec::new());
        self.loaded.set(Loaded::Nothing);
    }

    fn open(self, id: i64) {
        let generation = self.switch();
        self.messages.set(Vec::new());
        self.loaded.set(Loaded::Loading);
        self.reload(id, generation);
    }

    /// Shows the conversation as stored (after a stopped or broken answer too).
    fn reload(self, id: i64, generation: u64) {
        spawn_local(async move {
            let answer = self.session.get::<ConversationDetail>(&conversation_path(id)).await;
            if self.generation.try_get_value() != Some(generation) {
                return;
            }
            match answer {
                Ok(detail) => {
                    self.messages.set(detail.messages);
                    self.loaded.set(Loaded::Ready);
                }
                Err(failure) => self.loaded.set(Loaded::Failed(refusal_message(&failure))),
            }
        });
    }

    /// The stop button: the server keeps what was written as a stopped answer.
    fn stop(self) {
        if let Some(Some(controller)) = self.controller.try_update_value(Option::take) {
            controller.abort();
        }
    }

    /// Streams an answer into conversation `id`: to `question`, or again to the last one.
    async fn answer(self, id: i64, question: Option<String>, done: impl Fn() + 'static) {
        let Ok(controller) = AbortController::new() else { return };
        let generation = self.generation.get_value();
        let (path, body) = match &question {
            Some(content) => {
                let body = RawBody::json(&PostMessage { content: content.clone() }).ok();
                (format!("{}/messages", conversation_path(id)), body)
            }
            None => (format!("{}/retry", conversation_path(id)), None),
        };
        // A retry replaces the last answer: hide it, and bring it back if the retry is refused.
        let replaced = match question {
            Some(_) => None,
            None => {
                let last_is_answer = self.messages.with(|m| m.last().is_some_and(|m| m.role == ChatRole::Assistant));
                if last_is_answer { self.messages.try_update(Vec::pop).flatten() } else { None }
            }
        };
        self.controller.set_value(Some(controller.clone()));
        self.streaming.set(Some(id));
        self.error.set(None);
        self.pending_question.set(question.clone());
        self.draft.set(Some(Draft::default()));

        let current = move || self.generation.try_get_value() == Some(generation);
        let result = events::stream(self.session, &path, body, &controller, |event: StreamEvent| {
            if current() {
                self.apply(event);
            }
        })
        .await;
        if !current() {
            return;
        }
        self.controller.set_value(None);
        self.streaming.set(None);
        // A stream that ended without `done` or `error` broke off.
        let unfinished = self.draft.with(Option::is_some);
        match result {
            Ok(()) if !unfinished => {}
            Ok(()) | Err(StreamFailure::Broken) => {
                self.error.set(Some(Msg::AnswerInterrupted));
                self.settle(id, generation).await;
            }
            Err(StreamFailure::Aborted) => self.settle(id, generation).await,
            Err(StreamFailure::Refused(failure)) => {
                // Nothing was stored: the question goes back into the box.
                if let Some(question) = self.pending_question.get_untracked() {
                    self.input.set(question);
                }
                if let Some(answer) = replaced {
                    self.messages.update(|m| m.push(answer));
                }
                self.draft.set(None);
                self.pending_question.set(None);
                self.error.set(Some(refusal_message(&failure)));
            }
        }
        done();
    }

    /// After a stop or a broken connection: the conversation as stored. The server stores the
    /// unfinished answer once it notices, so the draft stays on screen until that answer can be
    /// read (or a few attempts have passed).
    async fn settle(self, id: i64, generation: u64) {
        const WAITS_MS: [u64; 4] = [250, 500, 1000, 2000];
        for (attempt, wait) in WAITS_MS.into_iter().enumerate() {
            sleep(Duration::from_millis(wait)).await;
            let answer = self.session.get::<ConversationDetail>(&conversation_path(id)).await;
            // Another conversation, or another question already on its way.
            if self.generation.try_get_value() != Some(generation) || self.is_streaming() {
                return;
            }
            let Ok(detail) = answer else { continue };
            let answered = detail.messages.last().is_some_and(|m| m.role == ChatRole::Assistant);
            if answered || attempt + 1 == WAITS_MS.len() {
                self.messages.set(detail.messages);
                break;
            }
        }
        self.draft.set(None);
        self.pending_question.set(None);
    }

    fn apply(self, event: StreamEvent) {
        match event {
            StreamEvent::Question { message } => {
                self.pending_question.set(None);
                self.messages.update(|m| m.push(message));
            }
            StreamEvent::Token { text } => self.draft.update(|d| d.get_or_insert_default().text.push_str(&text)),
            StreamEvent::ToolCall { call } | StreamEvent::ToolResult { call } => self.draft.update(|d| {
                let calls = &mut d.get_or_insert_default().calls;
                match calls.iter_mut().find(|c| c.id == call.id) {
                    Some(slot) => *slot = call,
                    None => calls.push(call),
                }
            }),
            StreamEvent::Done { message } => {
                self.draft.set(None);
                self.messages.update(|m| m.push(message));
            }
            StreamEvent::Error { error, message, .. } => {
                self.draft.set(None);
                if let Some(message) = message {
                    self.messages.update(|m| m.push(message));
                }
                self.error.set(Some(stream_error_message(error)));
            }
        }
    }
}

/// Why the assistant could not answer, from the error code the stream ended with.
fn stream_error_message(code: ErrorCode) -> Msg {
    match code {
        ErrorCode::Forbidden => Msg::ChatForbidden,
        ErrorCode::NotFound => Msg::ConversationNotFound,
        ErrorCode::Throttled => Msg::ChatThrottled,
        ErrorCode::ServiceUnavailable => Msg::ChatUnavailable,
        ErrorCode::PayloadTooLarge => Msg::QuestionTooLong,
        ErrorCode::Unauthenticated | ErrorCode::InvalidToken => Msg::SessionExpired,
        _ => Msg::ChatFailed,
    }
}

/// Why a request was refused before any answer began.
fn refusal_message(failure: &ApiFailure) -> Msg {
    match failure {
        ApiFailure::Network => Msg::ServerUnreachable,
        ApiFailure::Api { status: 502..=504, .. } => Msg::ChatUnavailable,
        ApiFailure::Api { body, .. } if body.error == ErrorCode::ValidationFailed => {
            match body.fields.get("content").and_then(|problems| problems.first()) {
                Some(problem) if problem == "too_long" => Msg::QuestionTooLong,
                Some(problem) => problem_message(problem),
                // A retry with no question to answer.
                None => Msg::UnexpectedError,
            }
        }
        ApiFailure::Api { body, .. } => stream_error_message(body.error),
    }
}

#[component]
pub fn AssistantPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let navigate = use_navigate();
    let go = Callback::new(move |path: String| navigate(&path, NavigateOptions::default()));
    let params = use_params_map();
    let current = Memo::new(move |_| params.with(|p| p.get("id")).and_then(|id| id.parse::<i64>().ok()));
    let conversations: conversations::Listing = RwSignal::new(None);
    let chat = Chat::new(session);
    let question_box = NodeRef::<html::Textarea>::new();

    let load_list = move || {
        spawn_local(async move {
            let answer = session.get::<Vec<Conversation>>("/assistant/conversations").await;
            if !conversations.is_disposed() {
                conversations.set(Some(answer));
            }
        })
    };
    load_list();
    Effect::new(move |_| match current.get() {
        // The conversation just created for a question already streams into the page.
        Some(id) if chat.streaming.get_untracked() == Some(id) => {}
        Some(id) => chat.open(id),
        None => chat.show_nothing(),
    });
    on_cleanup(move || chat.stop());

    let focus_question = move || {
        if let Some(textarea) = question_box.get_untracked() {
            let _ = textarea.focus();
        }
    };
    let create = move || async move {
        let created = session
            .api::<_, Conversation>(Method::Post, "/assistant/conversations", Some(&NewConversation::default()))
            .await;
        match created {
            Ok(conversation) => {
                conversations.update(|list| match list {
                    Some(Ok(list)) => list.insert(0, conversation.clone()),
                    other => *other = Some(Ok(vec![conversation.clone()])),
                });
                Some(conversation.id)
            }
            Err(failure) => {
                chat.error.set(Some(refusal_message(&failure)));
                None
            }
        }
    };
    let on_new = Callback::new(move |()| {
        spawn_local(async move {
            if let Some(id) = create().await {
                go.run(format!("/assistant/{id}"));
                focus_question();
            }
        })
    });
    let on_deleted = Callback::new(move |id: i64| {
        conversations.update(|list| {
            if let Some(Ok(list)) = list {
                list.retain(|c| c.id != id);
            }
        });
        if current.get_untracked() == Some(id) {
            go.run("/assistant".to_owned());
        }
    });
    let ask = Callback::new(move |text: String| {
        let question = text.trim().to_owned();
        if question.is_empty() || chat.is_streaming() {
            return;
        }
        if question.chars().count() > MAX_MESSAGE_CHARS {
            chat.error.set(Some(Msg::QuestionTooLong));
            return;
        }
        chat.input.set(String::new());
        // Busy from now on, so a second click cannot send it twice (0: not created yet).
        chat.streaming.set(Some(current.get_untracked().unwrap_or(0)));
        spawn_local(async move {
            let id = match current.get_untracked() {
                Some(id) => id,
                None => {
                    // The first question of a new conversation: create it, then show it.
                    let Some(id) = create().await else {
                        chat.streaming.set(None);
                        chat.input.set(question);
                        return;
                    };
                    chat.loaded.set(Loaded::Ready);
                    chat.streaming.set(Some(id));
                    go.run(format!("/assistant/{id}"));
                    id
                }
            };
            chat.answer(id, Some(question), load_list).await;
        });
    });
    let retry = Callback::new(move |()| {
        if let Some(id) = current.get_untracked().filter(|_| !chat.is_streaming()) {
            spawn_local(chat.answer(id, None, load_list));
        }
    });

    view! {
        <section id="assistant" class="page assistant-page">
            <div class="assistant-layout">
                <ConversationList conversations current on_new on_deleted />
                <div class="chat card">
                    <Messages chat ask retry />
                    {move || chat.error.get().map(|msg| view! {
                        <p class="form-error chat-error" role="alert">{move || i18n.t(msg)}</p>
                    })}
                    <Composer chat ask question_box />
                </div>
            </div>
        </section>
    }
    .into_any()
}

/// The conversation: stored messages, the question being sent and the answer being written.
#[component]
fn Messages(chat: Chat, ask: Callback<String>, retry: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let list = NodeRef::<html::Div>::new();
    // New content scrolls into view.
    Effect::new(move |_| {
        chat.messages.track();
        chat.draft.track();
        chat.pending_question.track();
        if let Some(list) = list.get_untracked() {
            list.set_scroll_top(list.scroll_height());
        }
    });
    let empty = move || {
        chat.messages.with(Vec::is_empty)
            && chat.pending_question.with(Option::is_none)
            && chat.draft.with(Option::is_none)
            && matches!(chat.loaded.get(), Loaded::Nothing | Loaded::Ready)
    };
    let stored = move || {
        let messages = chat.messages.get();
        let last = messages.len().saturating_sub(1);
        messages
            .into_iter()
            .enumerate()
            .map(|(at, message)| view! { <MessageView message last=at == last chat retry /> })
            .collect_view()
    };
    view! {
        <div class="chat-messages" node_ref=list aria-live="polite">
            {move || match chat.loaded.get() {
                Loaded::Loading => Some(view! { <p class="muted">{move || i18n.t(Msg::Loading)}</p> }.into_any()),
                Loaded::Failed(msg) => {
                    Some(view! { <p class="form-error" role="alert">{move || i18n.t(msg)}</p> }.into_any())
                }
                _ => None,
            }}
            <Show when=empty>
                <div class="assistant-empty">
                    <h1>{move || i18n.t(Msg::Assistant)}</h1>
                    <p class="muted">{move || i18n.t(Msg::AssistantIntro)}</p>
                    <ul class="example-questions">
                        {EXAMPLES
                            .map(|example| view! {
                                <li>
                                    <button type="button" class="button secondary example-question"
                                        on:click=move |_| ask.run(i18n.t(example).to_owned())>
                                        {move || i18n.t(example)}
                                    </button>
                                </li>
                            })
                            .collect_view()}
                    </ul>
                </div>
            </Show>
            {stored}
            {move || chat.pending_question.get().map(|question| view! {
                <article class="message user pending">
                    <p class="question-text">{question}</p>
                </article>
            })}
            {move || chat.draft.get().map(|draft| {
                let writing = draft.text.is_empty();
                view! {
                    <article class="message assistant draft" class:streaming=move || chat.is_streaming()
                        aria-busy=move || chat.is_streaming().to_string()>
                        <ToolCalls calls=draft.calls running=chat.is_streaming() />
                        <div class="answer">{markdown::render(&draft.text)}</div>
                        {writing.then(|| view! { <p class="muted thinking">{move || i18n.t(Msg::Thinking)}</p> })}
                    </article>
                }
            })}
        </div>
    }
}

#[component]
fn MessageView(message: ChatMessage, last: bool, chat: Chat, retry: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    if message.role == ChatRole::User {
        // Questions are plain text; line breaks are kept by the stylesheet.
        return view! {
            <article class="message user" data-id=message.id>
                <p class="question-text">{message.content}</p>
                {last.then(|| view! { <RetryButton chat retry /> })}
            </article>
        }
        .into_any();
    }
    let status = match message.status {
        MessageStatus::Complete => "complete",
        MessageStatus::Partial => "partial",
        MessageStatus::Stopped => "stopped",
        MessageStatus::Failed => "failed",
    };
    let note = match message.status {
        MessageStatus::Complete => None,
        MessageStatus::Partial => Some(Msg::AnswerPartial),
        MessageStatus::Stopped => Some(Msg::AnswerStopped),
        MessageStatus::Failed => Some(Msg::AnswerFailed),
    };
    let unverified = (!message.unverified.is_empty()).then(|| message.unverified.join(", "));
    view! {
        <article class=format!("message assistant {status}") data-id=message.id>
            <ToolCalls calls=message.tool_calls />
            <div class="answer">{markdown::render(&message.content)}</div>
            {unverified.map(|figures| view! {
                <p class="unverified" role="note">{move || i18n.t(Msg::UnverifiedFigures)} " " {figures}</p>
            })}
            {note.map(|note| view! { <p class="answer-status">{move || i18n.t(note)}</p> })}
            {last.then(|| view! { <RetryButton chat retry /> })}
        </article>
    }
    .into_any()
}

/// Asks the last question again (the new answer replaces the last one).
#[component]
fn RetryButton(chat: Chat, retry: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Show when=move || !chat.is_streaming()>
            <button type="button" class="button secondary small retry" on:click=move |_| retry.run(())>
                {move || i18n.t(Msg::Retry)}
            </button>
        </Show>
    }
}

/// The question box: Enter sends, Shift+Enter starts a new line.
#[component]
fn Composer(chat: Chat, ask: Callback<String>, question_box: NodeRef<html::Textarea>) -> impl IntoView {
    let i18n = use_i18n();
    let streaming = move || chat.is_streaming();
    let length = move || chat.input.with(|text| text.chars().count());
    let send = move || ask.run(chat.input.get_untracked());
    // Back to the box once the answer is in (it was disabled meanwhile, which took the focus).
    Effect::new(move |was_streaming: Option<bool>| {
        let now = streaming();
        if was_streaming == Some(true) && !now {
            request_animation_frame(move || {
                if let Some(textarea) = question_box.get_untracked() {
                    let _ = textarea.focus();
                }
            });
        }
        now
    });
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            send();
        }
    };
    view! {
        <form class="composer" on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            send();
        }>
            <label class="visually-hidden" for="question">{move || i18n.t(Msg::QuestionLabel)}</label>
            <textarea id="question" name="question" rows=2 node_ref=question_box bind:value=chat.input
                placeholder=move || i18n.t(Msg::QuestionPlaceholder) disabled=streaming on:keydown=on_key
                aria-invalid=move || { (length() > MAX_MESSAGE_CHARS).to_string() }></textarea>
            <div class="composer-actions">
                <Show when=move || { length() >= COUNTER_FROM }>
                    <span class="char-count" class:over=move || { length() > MAX_MESSAGE_CHARS }>
                        {move || {
                            let lang = i18n.lang();
                            format!(
                                "{} / {} {}",
                                format::integer(length() as i64, lang),
                                format::integer(MAX_MESSAGE_CHARS as i64, lang),
                                i18n.t(Msg::CharactersLeft),
                            )
                        }}
                    </span>
                </Show>
                <Show when=streaming>
                    <button type="button" class="button secondary" id="stop-answer" on:click=move |_| chat.stop()>
                        {move || i18n.t(Msg::Stop)}
                    </button>
                </Show>
                <button type="submit" class="button primary" id="send-question"
                    disabled=move || streaming() || chat.input.with(|text| text.trim().is_empty())>
                    {move || i18n.t(Msg::Send)}
                </button>
            </div>
        </form>
    }
}
