//! Conversations and their messages in PostgreSQL. Every read and write names the owner: a
//! conversation of another user is "not found", never shown.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use shared::assistant::{ChatMessage, ChatRole, Conversation, MessageStatus, ToolCall};

use crate::db::schema::{chat_messages, conversations};
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = conversations, check_for_backend(diesel::pg::Pg))]
pub struct ConversationRow {
    pub id: i64,
    pub title: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ConversationRow> for Conversation {
    fn from(row: ConversationRow) -> Self {
        Conversation { id: row.id, title: row.title, created_at: row.created_at, updated_at: row.updated_at }
    }
}

/// A tool call as stored: what the user sees plus the full result the model read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredCall {
    #[serde(flatten)]
    pub call: ToolCall,
    #[serde(default)]
    pub result: serde_json::Value,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = chat_messages, check_for_backend(diesel::pg::Pg))]
pub struct MessageRow {
    pub id: i64,
    pub role: String,
    pub content: String,
    pub status: String,
    pub tool_calls: serde_json::Value,
    pub unverified: Vec<String>,
    pub model: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl MessageRow {
    pub fn stored_calls(&self) -> Vec<StoredCall> {
        serde_json::from_value(self.tool_calls.clone()).unwrap_or_default()
    }

    pub fn is_user(&self) -> bool {
        self.role == "user"
    }

    pub fn to_api(&self) -> ChatMessage {
        ChatMessage {
            id: self.id,
            role: if self.is_user() { ChatRole::User } else { ChatRole::Assistant },
            content: self.content.clone(),
            status: match self.status.as_str() {
                "partial" => MessageStatus::Partial,
                "stopped" => MessageStatus::Stopped,
                "failed" => MessageStatus::Failed,
                _ => MessageStatus::Complete,
            },
            tool_calls: self.stored_calls().into_iter().map(|c| c.call).collect(),
            unverified: self.unverified.clone(),
            model: self.model.clone(),
            created_at: self.created_at,
        }
    }
}

pub fn status_code(status: MessageStatus) -> &'static str {
    match status {
        MessageStatus::Complete => "complete",
        MessageStatus::Partial => "partial",
        MessageStatus::Stopped => "stopped",
        MessageStatus::Failed => "failed",
    }
}

pub async fn list(conn: &mut AsyncPgConnection, user_id: i64) -> QueryResult<Vec<ConversationRow>> {
    conversations::table
        .filter(conversations::user_id.eq(user_id))
        .order((conversations::updated_at.desc(), conversations::id.desc()))
        .select(ConversationRow::as_select())
        .load(conn)
        .await
}

pub async fn create(conn: &mut AsyncPgConnection, user_id: i64, title: &str) -> QueryResult<ConversationRow> {
    diesel::insert_into(conversations::table)
        .values((conversations::user_id.eq(user_id), conversations::title.eq(title)))
        .returning(ConversationRow::as_returning())
        .get_result(conn)
        .await
}

/// The caller's conversation, or 404 (also when it is someone else's).
pub async fn find(conn: &mut AsyncPgConnection, user_id: i64, id: i64) -> ApiResult<ConversationRow> {
    conversations::table
        .filter(conversations::id.eq(id).and(conversations::user_id.eq(user_id)))
        .select(ConversationRow::as_select())
        .first(conn)
        .await
        .optional()?
        .ok_or(ApiError::NotFound("conversation"))
}

pub async fn rename(conn: &mut AsyncPgConnection, user_id: i64, id: i64, title: &str) -> ApiResult<ConversationRow> {
    diesel::update(conversations::table.filter(conversations::id.eq(id).and(conversations::user_id.eq(user_id))))
        .set((conversations::title.eq(title), conversations::updated_at.eq(diesel::dsl::now)))
        .returning(ConversationRow::as_returning())
        .get_result(conn)
        .await
        .optional()?
        .ok_or(ApiError::NotFound("conversation"))
}

pub async fn delete(conn: &mut AsyncPgConnection, user_id: i64, id: i64) -> ApiResult<()> {
    let deleted =
        diesel::delete(conversations::table.filter(conversations::id.eq(id).and(conversations::user_id.eq(user_id))))
            .execute(conn)
            .await?;
    if deleted == 0 { Err(ApiError::NotFound("conversation")) } else { Ok(()) }
}

pub async fn messages(conn: &mut AsyncPgConnection, conversation_id: i64) -> QueryResult<Vec<MessageRow>> {
    chat_messages::table
        .filter(chat_messages::conversation_id.eq(conversation_id))
        .order(chat_messages::id)
        .select(MessageRow::as_select())
        .load(conn)
        .await
}

/// A message to store.
pub struct NewMessage<'a> {
    pub conversation_id: i64,
    pub user_id: i64,
    pub role: ChatRole,
    pub content: &'a str,
    pub status: MessageStatus,
    pub tool_calls: &'a [StoredCall],
    pub unverified: &'a [String],
    pub model: Option<&'a str>,
    pub tokens: i32,
}

/// Stores a message and marks its conversation as just used.
pub async fn add(conn: &mut AsyncPgConnection, message: NewMessage<'_>) -> QueryResult<MessageRow> {
    let role = match message.role {
        ChatRole::User => "user",
        ChatRole::Assistant => "assistant",
    };
    let tool_calls = serde_json::to_value(message.tool_calls).expect("tool calls serialise");
    let (row, _) = futures_util::try_join!(
        diesel::insert_into(chat_messages::table)
            .values((
                chat_messages::conversation_id.eq(message.conversation_id),
                chat_messages::user_id.eq(message.user_id),
                chat_messages::role.eq(role),
                chat_messages::content.eq(message.content),
                chat_messages::status.eq(status_code(message.status)),
                chat_messages::tool_calls.eq(tool_calls),
                chat_messages::unverified.eq(message.unverified),
                chat_messages::model.eq(message.model),
                chat_messages::tokens.eq(message.tokens),
            ))
            .returning(MessageRow::as_returning())
            .get_result(&mut &*conn),
        diesel::update(conversations::table.find(message.conversation_id))
            .set(conversations::updated_at.eq(diesel::dsl::now))
            .execute(&mut &*conn),
    )?;
    Ok(row)
}

/// Removes the last answer of a conversation (to write it again); its question stays.
pub async fn delete_last_answer(conn: &mut AsyncPgConnection, conversation_id: i64) -> QueryResult<usize> {
    let last: Option<(i64, String)> = chat_messages::table
        .filter(chat_messages::conversation_id.eq(conversation_id))
        .order(chat_messages::id.desc())
        .select((chat_messages::id, chat_messages::role))
        .first(conn)
        .await
        .optional()?;
    match last {
        Some((id, role)) if role == "assistant" => diesel::delete(chat_messages::table.find(id)).execute(conn).await,
        _ => Ok(0),
    }
}

/// Questions asked since `since`, and tokens spent since `day_start`, by one user.
pub async fn usage(
    conn: &mut AsyncPgConnection,
    user_id: i64,
    since: DateTime<Utc>,
    day_start: DateTime<Utc>,
) -> QueryResult<(i64, i64)> {
    let questions = chat_messages::table
        .filter(chat_messages::user_id.eq(user_id))
        .filter(chat_messages::role.eq("user"))
        .filter(chat_messages::created_at.gt(since))
        .count();
    let tokens = chat_messages::table
        .filter(chat_messages::user_id.eq(user_id))
        .filter(chat_messages::created_at.ge(day_start))
        .select(diesel::dsl::sum(chat_messages::tokens));
    let (questions, tokens): (i64, Option<i64>) =
        futures_util::try_join!(questions.get_result(&mut &*conn), tokens.get_result(&mut &*conn))?;
    Ok((questions, tokens.unwrap_or(0)))
}
