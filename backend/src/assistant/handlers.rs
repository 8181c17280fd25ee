use std::sync::Arc;

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::Utc;
use diesel_async::{AsyncConnection, RunQueryDsl};
use shared::assistant::{
    ChatRole, Conversation, ConversationDetail, MAX_MESSAGE_CHARS, MAX_TITLE_CHARS, MessageStatus, NewConversation,
    PostMessage, RenameConversation, StreamEvent,
};
use shared::{ErrorBody, FieldProblem, Permission};
use tokio::sync::mpsc;

use super::chat::{self, Answer};
use super::store::{self, NewMessage};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult};
use crate::json_body::JsonBody;
use crate::state::AppState;

/// The title of a conversation until its first question names it.
const UNTITLED: &str = "Nueva conversación";
/// A conversation named after its first question keeps this much of it.
const TITLE_FROM_QUESTION_CHARS: usize = 60;

/// 403 unless the caller's role may chat and chat is enabled for them.
fn require_chat(caller: &CurrentUser) -> ApiResult<()> {
    caller.require(Permission::UseChat)?;
    if caller.user.chat_enabled { Ok(()) } else { Err(ApiError::Forbidden) }
}

/// Text a person typed: trimmed, not empty, bounded, no NUL (PostgreSQL refuses it).
fn clean_text(field: &str, text: &str, max_chars: usize) -> ApiResult<String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ApiError::field(field, FieldProblem::Required));
    }
    if text.chars().count() > max_chars {
        return Err(ApiError::field(field, FieldProblem::TooLong));
    }
    if text.contains('\0') {
        return Err(ApiError::field(field, FieldProblem::Invalid));
    }
    Ok(text.to_owned())
}

/// The caller's conversations, most recently used first.
#[utoipa::path(
    get, tag = "assistant", security(("bearer" = [])),
    responses((status = 200, body = Vec<Conversation>), (status = 403, body = ErrorBody))
)]
#[get("/conversations")]
pub async fn list_conversations(
    state: web::Data<AppState>,
    caller: CurrentUser,
) -> ApiResult<web::Json<Vec<Conversation>>> {
    require_chat(&caller)?;
    let mut conn = state.pool.get().await?;
    Ok(web::Json(store::list(&mut conn, caller.id()).await?.into_iter().map(Into::into).collect()))
}

/// Starts a conversation; without a title, its first question names it.
#[utoipa::path(
    post, tag = "assistant", security(("bearer" = [])),
    request_body = NewConversation,
    responses((status = 201, body = Conversation), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody))
)]
#[post("/conversations")]
pub async fn create_conversation(
    state: web::Data<AppState>,
    caller: CurrentUser,
    body: JsonBody<NewConversation>,
) -> ApiResult<HttpResponse> {
    require_chat(&caller)?;
    let title = match &body.title {
        Some(title) => clean_text("title", title, MAX_TITLE_CHARS)?,
        None => UNTITLED.to_owned(),
    };
    let mut conn = state.pool.get().await?;
    let row = store::create(&mut conn, caller.id(), &title).await?;
    Ok(HttpResponse::Created().json(Conversation::from(row)))
}

/// One conversation with its messages (only its owner sees it: 404 for anyone else).
#[utoipa::path(
    get, tag = "assistant", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = ConversationDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[get("/conversations/{id}")]
pub async fn get_conversation(
    state: web::Data<AppState>,
    caller: CurrentUser,
    id: web::Path<i64>,
) -> ApiResult<web::Json<ConversationDetail>> {
    require_chat(&caller)?;
    let mut conn = state.pool.get().await?;
    let conversation = store::find(&mut conn, caller.id(), *id).await?;
    let messages = store::messages(&mut conn, conversation.id).await?;
    Ok(web::Json(ConversationDetail {
        conversation: conversation.into(),
        messages: messages.iter().map(store::MessageRow::to_api).collect(),
    }))
}

#[utoipa::path(
    patch, tag = "assistant", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = RenameConversation,
    responses(
        (status = 200, body = Conversation), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
#[patch("/conversations/{id}")]
pub async fn rename_conversation(
    state: web::Data<AppState>,
    caller: CurrentUser,
    id: web::Path<i64>,
    body: JsonBody<RenameConversation>,
) -> ApiResult<web::Json<Conversation>> {
    require_chat(&caller)?;
    let title = clean_text("title", &body.title, MAX_TITLE_CHARS)?;
    let mut conn = state.pool.get().await?;
    Ok(web::Json(store::rename(&mut conn, caller.id(), *id, &title).await?.into()))
}

#[utoipa::path(
    delete, tag = "assistant", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[delete("/conversations/{id}")]
pub async fn delete_conversation(
    state: web::Data<AppState>,
    caller: CurrentUser,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    require_chat(&caller)?;
    let mut conn = state.pool.get().await?;
    store::delete(&mut conn, caller.id(), *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Asks a question. The answer streams back as Server-Sent Events, each `event: <type>` with
/// a JSON [`StreamEvent`]: `question` (as stored), then `token`s of text, `tool_call` and
/// `tool_result` for each tool the answer uses, and `done` with the stored answer, or `error`
/// (with the stored partial answer when some text had arrived). Closing the connection stops
/// the answer; what was written is kept as `stopped`.
#[utoipa::path(
    post, tag = "assistant", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = PostMessage,
    responses(
        (status = 200, description = "`text/event-stream` of StreamEvent", body = StreamEvent, content_type = "text/event-stream"),
        (status = 403, description = "No `UseChat` permission or chat disabled for the user", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "An empty or too long question (2,000 characters at most)", body = ErrorBody),
        (status = 429, description = "Too many questions per minute or tokens per day", body = ErrorBody),
    )
)]
#[post("/conversations/{id}/messages")]
pub async fn post_message(
    state: web::Data<AppState>,
    caller: CurrentUser,
    id: web::Path<i64>,
    body: JsonBody<PostMessage>,
) -> ApiResult<HttpResponse> {
    require_chat(&caller)?;
    let question = clean_text("content", &body.content, MAX_MESSAGE_CHARS)?;
    let mut conn = state.pool.get().await?;
    let conversation = store::find(&mut conn, caller.id(), *id).await?;
    let earlier = store::messages(&mut conn, conversation.id).await?;
    let limits = state.config.assistant.clone();
    let user_id = caller.id();
    let day_start = state.config.start_of_day(state.config.today());
    let stored = conn
        .transaction(async |conn| {
            // One question at a time per user, so parallel requests cannot overshoot the limit.
            diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('assistant'), $1::int)")
                .bind::<diesel::sql_types::BigInt, _>(user_id)
                .execute(conn)
                .await?;
            check_limits(conn, user_id, &limits, day_start).await?;
            if earlier.is_empty() && conversation.title == UNTITLED {
                let title: String = question.chars().take(TITLE_FROM_QUESTION_CHARS).collect();
                store::rename(conn, user_id, conversation.id, &title).await?;
            }
            let message = NewMessage {
                conversation_id: conversation.id,
                user_id,
                role: ChatRole::User,
                content: &question,
                status: MessageStatus::Complete,
                tool_calls: &[],
                unverified: &[],
                model: None,
                tokens: super::model::estimate_tokens(&question) as i32,
            };
            Ok::<_, ApiError>(store::add(conn, message).await?)
        })
        .await?;
    drop(conn);
    let messages = chat::history(state.config.today(), &earlier, &question);
    Ok(stream_answer(state.into_inner(), caller, conversation.id, messages, Some(stored.to_api())))
}

/// Writes the last answer again (after a failure, a stop, or to get another wording).
#[utoipa::path(
    post, tag = "assistant", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses(
        (status = 200, description = "`text/event-stream` of StreamEvent, as for a question", body = StreamEvent, content_type = "text/event-stream"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, description = "The conversation has no question to answer", body = ErrorBody),
        (status = 429, body = ErrorBody),
    )
)]
#[post("/conversations/{id}/retry")]
pub async fn retry_answer(
    state: web::Data<AppState>,
    caller: CurrentUser,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    require_chat(&caller)?;
    let mut conn = state.pool.get().await?;
    let conversation = store::find(&mut conn, caller.id(), *id).await?;
    let day_start = state.config.start_of_day(state.config.today());
    check_limits(&mut conn, caller.id(), &state.config.assistant, day_start).await?;
    store::delete_last_answer(&mut conn, conversation.id).await?;
    let mut earlier = store::messages(&mut conn, conversation.id).await?;
    let Some(question) = earlier.pop().filter(|m| m.is_user()) else {
        return Err(ApiError::field("conversation", FieldProblem::Invalid));
    };
    drop(conn);
    let messages = chat::history(state.config.today(), &earlier, &question.content);
    Ok(stream_answer(state.into_inner(), caller, conversation.id, messages, None))
}

/// 429 when the user asked too many questions in the last minute or spent today's tokens.
async fn check_limits(
    conn: &mut diesel_async::AsyncPgConnection,
    user_id: i64,
    limits: &crate::config::AssistantConfig,
    day_start: chrono::DateTime<Utc>,
) -> ApiResult<()> {
    let minute_ago = Utc::now() - chrono::Duration::seconds(60);
    let (questions, tokens) = store::usage(conn, user_id, minute_ago, day_start).await?;
    if questions >= limits.messages_per_minute {
        return Err(ApiError::LimitReached { what: "questions per minute", retry_after_seconds: 60 });
    }
    if tokens >= limits.tokens_per_day {
        let tomorrow = day_start + chrono::Duration::days(1);
        let wait = (tomorrow - Utc::now()).num_seconds().max(1) as u64;
        return Err(ApiError::LimitReached { what: "tokens per day", retry_after_seconds: wait });
    }
    Ok(())
}

/// Runs the answer in its own task (it finishes and is stored even if the client goes) and
/// streams its events. A client that disconnects stops it.
fn stream_answer(
    state: Arc<AppState>,
    caller: CurrentUser,
    conversation_id: i64,
    messages: Vec<super::model::ModelMessage>,
    question: Option<shared::assistant::ChatMessage>,
) -> HttpResponse {
    let (events, received) = mpsc::unbounded_channel();
    if let Some(message) = question {
        let _ = events.send(StreamEvent::Question { message });
    }
    actix_web::rt::spawn(async move {
        let model = state.assistant.model();
        let answer = chat::answer(&state, &caller.user, &*model, messages, &events).await;
        let event = match save(&state, caller.id(), conversation_id, &answer).await {
            Ok(message) => match answer.error {
                None => StreamEvent::Done { message },
                Some((error, detail)) => StreamEvent::Error { error, detail, message: Some(message) },
            },
            Err(error) => {
                tracing::error!(%error, "the answer could not be stored");
                StreamEvent::Error {
                    error: shared::ErrorCode::ServiceUnavailable,
                    detail: "the answer could not be stored".into(),
                    message: None,
                }
            }
        };
        let _ = events.send(event);
    });
    crate::event_stream::response(received)
}

async fn save(
    state: &AppState,
    user_id: i64,
    conversation_id: i64,
    answer: &Answer,
) -> anyhow::Result<shared::assistant::ChatMessage> {
    let mut conn = state.pool.get().await?;
    let row = store::add(
        &mut conn,
        NewMessage {
            conversation_id,
            user_id,
            role: ChatRole::Assistant,
            content: &answer.content.replace('\0', ""),
            status: answer.status,
            tool_calls: &answer.calls,
            unverified: &answer.unverified,
            model: answer.model.as_deref(),
            tokens: answer.tokens.min(i32::MAX as u32) as i32,
        },
    )
    .await?;
    Ok(row.to_api())
}
