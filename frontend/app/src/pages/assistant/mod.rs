//! `/assistant` and `/assistant/:id`: the AI assistant. The conversation list on one side; on
//! the other the chosen conversation, whose answers stream in token by token with the lookups
//! behind them, and the question box.
//!
//! The list and the chosen conversation are resources (loading, errors and late answers are
//! the framework's); asking is an action, whose answer streams into signals beside the stored
//! messages until the next load.

mod conversations;
mod markdown;
mod tools;

use std::time::Duration;

use gloo_timers::future::sleep;
use leptos::html;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_params_map};
use shared::ErrorCode;
use shared::assistant::{
    ChatMessage, ChatRole, Conversation, ConversationDetail, MAX_MESSAGE_CHARS, MessageStatus, NewConversation,
    PostMessage, StreamEvent, ToolCall,
};
use web_sys::AbortController;

use self::conversations::{ConversationList, Conversations};
use self::tools::ToolCalls;
use crate::api::{ApiFailure, Method, RawBody};
use crate::components::form::{Feedback, Request, request};
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

/// The chosen conversation as stored: `None` inside on `/assistant` (none chosen).
type Stored = LocalResource<Option<Result<ConversationDetail, ApiFailure>>>;

/// The answer being written.
#[derive(Debug, Clone, Default, PartialEq)]
struct Draft {
    text: String,
    calls: Vec<ToolCall>,
}

/// The shown conversation: as stored, plus what its streaming answer has added since.
#[derive(Clone, Copy)]
struct Chat {
    session: Session,
    stored: Stored,
    /// The conversation shown; a stream for another one (left meanwhile) changes nothing.
    shown: StoredValue<Option<i64>>,
    /// Messages the stream confirmed as stored (the question, the answer). A reload may hold
    /// them too: they are shown once, by id.
    streamed: RwSignal<Vec<ChatMessage>>,
    /// The stored answer a retry replaces, hidden meanwhile.
    replaced: RwSignal<Option<i64>>,
    /// The question just sent, until the server confirms it as stored.
    pending_question: RwSignal<Option<String>>,
    draft: RwSignal<Option<Draft>>,
    error: RwSignal<Option<Msg>>,
    input: RwSignal<String>,
    controller: StoredValue<Option<AbortController>, LocalStorage>,
}

impl Chat {
    fn new(session: Session, current: Memo<Option<i64>>) -> Self {
        let stored = LocalResource::new(move || {
            let id = current.get();
            async move {
                match id {
                    Some(id) => Some(session.get::<ConversationDetail>(&conversation_path(id)).await),
                    None => None,
                }
            }
        });
        Chat {
            session,
            stored,
            shown: StoredValue::new(None),
            streamed: RwSignal::new(Vec::new()),
            replaced: RwSignal::new(None),
            pending_question: RwSignal::new(None),
            draft: RwSignal::new(None),
            error: RwSignal::new(None),
            input: RwSignal::new(String::new()),
            controller: StoredValue::new_local(None),
        }
    }

    /// Shows conversation `id` (or none): whatever was streaming into another one stops.
    fn show(self, id: Option<i64>) {
        if self.shown.get_value() == id {
            return;
        }
        self.stop();
        self.shown.set_value(id);
        self.streamed.set(Vec::new());
        self.replaced.set(None);
        self.pending_question.set(None);
        self.draft.set(None);
        self.error.set(None);
    }

    fn is_shown(self, id: i64) -> bool {
        self.shown.try_get_value() == Some(Some(id))
    }

    /// Every message to show, in order: stored, then streamed (each once), less a replaced one.
    fn messages(self) -> Vec<ChatMessage> {
        let mut messages = self.stored.with(|stored| match stored {
            Some(Some(Ok(detail))) => detail.messages.clone(),
            _ => Vec::new(),
        });
        self.streamed.with(|streamed| {
            for message in streamed {
                if !messages.iter().any(|m| m.id == message.id) {
                    messages.push(message.clone());
                }
            }
        });
        if let Some(replaced) = self.replaced.get() {
            messages.retain(|m| m.id != replaced);
        }
        messages
    }

    /// The stop button: the server keeps what was written as a stopped answer.
    fn stop(self) {
        if let Some(Some(controller)) = self.controller.try_update_value(Option::take) {
            controller.abort();
        }
    }

    /// Whether an answer is streaming.
    fn is_streaming(self) -> bool {
        self.controller.with_value(Option::is_some)
    }

    /// Streams an answer into conversation `id`: to `question`, or again to the last one.
    /// True when it was cut short and must be [`Chat::settle`]d.
    async fn answer(self, id: i64, question: Option<String>) -> bool {
        let Ok(controller) = AbortController::new() else { return false };
        let (path, body) = match &question {
            Some(content) => {
                let body = RawBody::json(&PostMessage { content: content.clone() }).ok();
                (format!("{}/messages", conversation_path(id)), body)
            }
            None => (format!("{}/retry", conversation_path(id)), None),
        };
        self.show(Some(id));
        // A retry replaces the last answer: hidden, and back if the retry is refused.
        if question.is_none() {
            let last = untrack(|| self.messages().pop());
            self.replaced.set(last.filter(|m| m.role == ChatRole::Assistant).map(|m| m.id));
        }
        self.controller.set_value(Some(controller.clone()));
        self.error.set(None);
        self.pending_question.set(question);
        self.draft.set(Some(Draft::default()));

        // Stopped by leaving the conversation (`show`), a stream sends nothing more.
        let result = events::stream(self.session, &path, body, &controller, |event| self.apply(event)).await;
        if !self.is_shown(id) {
            return false;
        }
        self.controller.set_value(None);
        // A stream that ended without `done` or `error` broke off.
        let unfinished = self.draft.with(Option::is_some);
        match result {
            Ok(()) if !unfinished => false,
            Ok(()) | Err(StreamFailure::Broken) => {
                self.error.set(Some(Msg::AnswerInterrupted));
                true
            }
            Err(StreamFailure::Aborted) => true,
            Err(StreamFailure::Refused(failure)) => {
                // Nothing was stored: the question goes back into the box.
                if let Some(question) = self.pending_question.get_untracked() {
                    self.input.set(question);
                }
                self.replaced.set(None);
                self.draft.set(None);
                self.pending_question.set(None);
                self.error.set(Some(refusal_message(&failure)));
                false
            }
        }
    }

    /// After a stop or a broken connection: the conversation as stored. The server stores the
    /// unfinished answer once it notices, so the draft stays on screen until that answer can be
    /// read (or a few attempts have passed).
    async fn settle(self, id: i64) {
        const WAITS_MS: [u64; 4] = [250, 500, 1000, 2000];
        for (attempt, wait) in WAITS_MS.into_iter().enumerate() {
            sleep(Duration::from_millis(wait)).await;
            let answer = self.session.get::<ConversationDetail>(&conversation_path(id)).await;
            // Another conversation, or another question already on its way.
            if !self.is_shown(id) || self.is_streaming() {
                return;
            }
            let Ok(detail) = answer else { continue };
            let answered = detail.messages.last().is_some_and(|m| m.role == ChatRole::Assistant);
            if answered || attempt + 1 == WAITS_MS.len() {
                self.stored.set(Some(Some(Ok(detail))));
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
                self.streamed.update(|m| m.push(message));
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
                self.streamed.update(|m| m.push(message));
            }
            StreamEvent::Error { error, message, .. } => {
                self.draft.set(None);
                if let Some(message) = message {
                    self.streamed.update(|m| m.push(message));
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

async fn create_conversation(session: Session) -> Result<Conversation, ApiFailure> {
    session.api(Method::Post, "/assistant/conversations", Some(&NewConversation::default())).await
}

#[component]
pub fn AssistantPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let navigate = use_navigate();
    let go = Callback::new(move |path: String| navigate(&path, NavigateOptions::default()));
    let params = use_params_map();
    let current = Memo::new(move |_| params.with(|p| p.get("id")).and_then(|id| id.parse::<i64>().ok()));
    let conversations: Conversations =
        LocalResource::new(move || session.get::<Vec<Conversation>>("/assistant/conversations"));
    let chat = Chat::new(session, current);
    let question_box = NodeRef::<html::Textarea>::new();
    Effect::new(move |_| chat.show(current.get()));
    on_cleanup(move || chat.stop());

    let focus_question = move || {
        if let Some(textarea) = question_box.get_untracked() {
            let _ = textarea.focus();
        }
    };
    // A refused creation is the chat's error.
    let create = move || async move {
        let created = create_conversation(session).await;
        if let Err(failure) = &created {
            chat.error.set(Some(refusal_message(failure)));
        }
        created
    };
    let feedback = Feedback::new();
    let new_conversation = request(
        feedback,
        move |_: &()| create(),
        move |conversation: Conversation| {
            conversations.refetch();
            go.run(format!("/assistant/{}", conversation.id));
            focus_question();
        },
    );
    let on_new = Callback::new(move |()| new_conversation.dispatch(()));
    let on_deleted = Callback::new(move |id: i64| {
        conversations.refetch();
        if current.get_untracked() == Some(id) {
            go.run("/assistant".to_owned());
        }
    });
    // An answer cut short is read back as stored, while the user may already ask again.
    let settling = request(
        feedback,
        move |id: &i64| {
            let id = *id;
            async move {
                chat.settle(id).await;
                Ok(())
            }
        },
        |()| {},
    );
    // Asking (`Some(question)`) or asking again (`None`): one at a time.
    let asking: Request<Option<String>> = request(
        feedback,
        move |question: &Option<String>| {
            let question = question.clone();
            async move {
                let id = match current.get_untracked() {
                    Some(id) => id,
                    // The first question of a new conversation: create it, then show it.
                    None => match create().await {
                        Ok(conversation) => {
                            go.run(format!("/assistant/{}", conversation.id));
                            conversation.id
                        }
                        Err(_) => {
                            chat.input.set(question.unwrap_or_default());
                            return Ok(());
                        }
                    },
                };
                if chat.answer(id, question).await {
                    settling.dispatch(id);
                }
                Ok(())
            }
        },
        // The list's order and titles follow the last question.
        move |()| conversations.refetch(),
    );
    let streaming = asking.pending();
    let ask = Callback::new(move |text: String| {
        let question = text.trim().to_owned();
        if question.is_empty() || streaming.get_untracked() {
            return;
        }
        if question.chars().count() > MAX_MESSAGE_CHARS {
            chat.error.set(Some(Msg::QuestionTooLong));
            return;
        }
        chat.input.set(String::new());
        chat.error.set(None);
        asking.dispatch(Some(question));
    });
    let retry = Callback::new(move |()| {
        if current.get_untracked().is_some() && !streaming.get_untracked() {
            asking.dispatch(None);
        }
    });

    view! {
        <section id="assistant" class="page assistant-page">
            <div class="assistant-layout">
                <ConversationList conversations current on_new on_deleted />
                <div class="chat card">
                    <Messages chat streaming ask retry />
                    {move || chat.error.get().map(|msg| view! {
                        <p class="form-error chat-error" role="alert">{move || i18n.t(msg)}</p>
                    })}
                    <Composer chat streaming ask question_box />
                </div>
            </div>
        </section>
    }
    .into_any()
}

/// The conversation: stored messages, the question being sent and the answer being written.
#[component]
fn Messages(chat: Chat, streaming: Memo<bool>, ask: Callback<String>, retry: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let list = NodeRef::<html::Div>::new();
    let messages = Memo::new(move |_| chat.messages());
    // New content scrolls into view.
    Effect::new(move |_| {
        messages.track();
        chat.draft.track();
        chat.pending_question.track();
        if let Some(list) = list.get_untracked() {
            list.set_scroll_top(list.scroll_height());
        }
    });
    let empty = move || {
        messages.with(Vec::is_empty)
            && chat.pending_question.with(Option::is_none)
            && chat.draft.with(Option::is_none)
            && chat.stored.with(|stored| matches!(stored, Some(None | Some(Ok(_)))))
    };
    let stored = move || {
        let messages = messages.get();
        let last = messages.len().saturating_sub(1);
        messages
            .into_iter()
            .enumerate()
            .map(|(at, message)| view! { <MessageView message last=at == last streaming retry /> })
            .collect_view()
    };
    view! {
        <div class="chat-messages" node_ref=list aria-live="polite">
            <Show when=move || chat.stored.with(Option::is_some) fallback=move || view! { <p class="muted">{move || i18n.t(Msg::Loading)}</p> }>
                {move || {
                    let failed = chat.stored.with(|stored| match stored {
                        Some(Some(Err(failure))) => Some(refusal_message(failure)),
                        _ => None,
                    });
                    failed.map(|msg| view! { <p class="form-error" role="alert">{move || i18n.t(msg)}</p> })
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
            </Show>
            {move || chat.pending_question.get().map(|question| view! {
                <article class="message user pending">
                    <p class="question-text">{question}</p>
                </article>
            })}
            {move || chat.draft.get().map(|draft| {
                let writing = draft.text.is_empty();
                view! {
                    <article class="message assistant draft" class:streaming=move || streaming.get()
                        aria-busy=move || streaming.get().to_string()>
                        <ToolCalls calls=draft.calls running=streaming.get() />
                        <div class="answer">{markdown::render(&draft.text)}</div>
                        {writing.then(|| view! { <p class="muted thinking">{move || i18n.t(Msg::Thinking)}</p> })}
                    </article>
                }
            })}
        </div>
    }
}

#[component]
fn MessageView(message: ChatMessage, last: bool, streaming: Memo<bool>, retry: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    if message.role == ChatRole::User {
        // Questions are plain text; line breaks are kept by the stylesheet.
        return view! {
            <article class="message user" data-id=message.id>
                <p class="question-text">{message.content}</p>
                {last.then(|| view! { <RetryButton streaming retry /> })}
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
            {last.then(|| view! { <RetryButton streaming retry /> })}
        </article>
    }
    .into_any()
}

/// Asks the last question again (the new answer replaces the last one).
#[component]
fn RetryButton(streaming: Memo<bool>, retry: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Show when=move || !streaming.get()>
            <button type="button" class="button secondary small retry" on:click=move |_| retry.run(())>
                {move || i18n.t(Msg::Retry)}
            </button>
        </Show>
    }
}

/// The question box: Enter sends, Shift+Enter starts a new line.
#[component]
fn Composer(
    chat: Chat,
    streaming: Memo<bool>,
    ask: Callback<String>,
    question_box: NodeRef<html::Textarea>,
) -> impl IntoView {
    let i18n = use_i18n();
    let streaming = move || streaming.get();
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
