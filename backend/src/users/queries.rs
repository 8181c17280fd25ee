use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::users::{Role, User};

use crate::db::schema::users;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub role: String,
    pub is_active: bool,
    pub chat_enabled: bool,
    pub job_profile_id: Option<i64>,
    pub boss_id: Option<i64>,
    pub dealer_id: Option<i64>,
    pub province_id: Option<i64>,
    pub mobile: String,
    pub birth_date: Option<NaiveDate>,
    pub joining_date: Option<NaiveDate>,
    pub leaving_date: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

impl UserRow {
    /// The database's CHECK constraint guarantees a known role.
    pub fn role(&self) -> Role {
        self.role.parse().unwrap_or(Role::Viewer)
    }

    pub fn to_api(&self) -> User {
        User {
            id: self.id,
            username: self.username.clone(),
            email: self.email.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            role: self.role(),
            is_active: self.is_active,
            chat_enabled: self.chat_enabled,
            job_profile_id: self.job_profile_id,
            boss_id: self.boss_id,
            dealer_id: self.dealer_id,
            province_id: self.province_id,
            mobile: self.mobile.clone(),
            birth_date: self.birth_date,
            joining_date: self.joining_date,
            leaving_date: self.leaving_date,
            created_at: self.created_at,
        }
    }
}

#[derive(Debug, Default, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub role: &'a str,
    pub is_active: bool,
    pub chat_enabled: bool,
    pub job_profile_id: Option<i64>,
    pub boss_id: Option<i64>,
    pub dealer_id: Option<i64>,
    pub province_id: Option<i64>,
    pub mobile: &'a str,
    pub birth_date: Option<NaiveDate>,
    pub joining_date: Option<NaiveDate>,
    pub leaving_date: Option<NaiveDate>,
}

impl<'a> NewUser<'a> {
    /// An active account with just the essentials (CLI, seeding, tests).
    pub fn basic(username: &'a str, email: &'a str, password_hash: &'a str, role: Role) -> Self {
        NewUser {
            username,
            email,
            password_hash,
            role: role.as_str(),
            is_active: true,
            chat_enabled: true,
            ..Default::default()
        }
    }
}

/// What an update changes; `None` leaves a column alone, `Some(None)` clears it.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub username: Option<String>,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub role: Option<String>,
    pub is_active: Option<bool>,
    pub chat_enabled: Option<bool>,
    pub job_profile_id: Option<Option<i64>>,
    pub boss_id: Option<Option<i64>>,
    pub dealer_id: Option<Option<i64>>,
    pub province_id: Option<Option<i64>>,
    pub mobile: Option<String>,
    pub birth_date: Option<Option<NaiveDate>>,
    pub joining_date: Option<Option<NaiveDate>>,
    pub leaving_date: Option<Option<NaiveDate>>,
    pub password_hash: Option<String>,
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

pub async fn find_by_username(conn: &mut AsyncPgConnection, username: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(lower(users::username).eq(username.trim().to_lowercase()))
        .select(UserRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The user signing in as `username`, with their password hash: the hash is read only where a
/// password is verified (a [`UserRow`], carried by every request's caller, has none).
pub async fn credentials_by_username(
    conn: &mut AsyncPgConnection,
    username: &str,
) -> QueryResult<Option<(UserRow, String)>> {
    users::table
        .filter(lower(users::username).eq(username.trim().to_lowercase()))
        .select((UserRow::as_select(), users::password_hash))
        .first(conn)
        .await
        .optional()
}

/// The password hash of user `id`, to verify their current password.
pub async fn password_hash(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Option<String>> {
    users::table.find(id).select(users::password_hash).first(conn).await.optional()
}

pub async fn find_by_email(conn: &mut AsyncPgConnection, email: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(lower(users::email).eq(email.trim().to_lowercase()))
        .select(UserRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn find_by_id(conn: &AsyncPgConnection, id: i64) -> QueryResult<Option<UserRow>> {
    users::table.find(id).select(UserRow::as_select()).first(&mut &*conn).await.optional()
}

pub async fn count(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    users::table.count().get_result(conn).await
}

pub async fn insert(conn: &mut AsyncPgConnection, user: &NewUser<'_>) -> anyhow::Result<UserRow> {
    try_insert(conn, user).await.with_context(|| format!("creating user `{}`", user.username))
}

pub async fn try_insert(conn: &mut AsyncPgConnection, user: &NewUser<'_>) -> QueryResult<UserRow> {
    diesel::insert_into(users::table).values(user).returning(UserRow::as_returning()).get_result(conn).await
}

/// Applies `changes`; with nothing to change, returns the row as it is.
pub async fn update(conn: &mut AsyncPgConnection, id: i64, changes: &UserChanges) -> QueryResult<UserRow> {
    match diesel::update(users::table.find(id)).set(changes).returning(UserRow::as_returning()).get_result(conn).await {
        Err(error) if crate::db::is_empty_changeset(&error) => {
            users::table.find(id).select(UserRow::as_select()).first(conn).await
        }
        other => other,
    }
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Everyone under `boss_id` (recursive), or only the direct reports.
pub async fn subordinate_ids(conn: &mut AsyncPgConnection, boss_id: i64, recursive: bool) -> QueryResult<Vec<i64>> {
    let sql = if recursive {
        // Cycles are refused on write; the depth bound is a guard against bad old data.
        "WITH RECURSIVE tree AS ( \
             SELECT id, 1 AS depth FROM users WHERE boss_id = $1 \
             UNION ALL \
             SELECT u.id, t.depth + 1 FROM users u JOIN tree t ON u.boss_id = t.id WHERE t.depth < 64 \
         ) SELECT DISTINCT id FROM tree"
    } else {
        "SELECT id FROM users WHERE boss_id = $1"
    };
    let ids: Vec<Id> = diesel::sql_query(sql).bind::<BigInt, _>(boss_id).load(conn).await?;
    Ok(ids.into_iter().map(|row| row.id).collect())
}

pub async fn is_in_team_of(conn: &mut AsyncPgConnection, boss_id: i64, user_id: i64) -> QueryResult<bool> {
    Ok(subordinate_ids(conn, boss_id, true).await?.contains(&user_id))
}
