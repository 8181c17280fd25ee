//! Turning request bodies into valid changes: every problem of a body is reported at once.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::FieldProblem;
use shared::users::{ProfileInput, Role, UserInput};
use shared::validation::{check_email, check_mobile, check_name, check_person_dates, check_username};

use super::queries::{self, UserChanges};
use crate::db::schema::{dealers, job_profiles, provinces, users};
use crate::error::{ApiResult, Problems};

/// A validated `POST /api/users` body (the password still to be hashed).
pub struct ValidNewUser {
    pub username: String,
    pub email: String,
    pub password: String,
    pub first_name: String,
    pub last_name: String,
    pub role: Role,
    pub is_active: bool,
    pub chat_enabled: bool,
    pub job_profile_id: Option<i64>,
    pub boss_id: Option<i64>,
    pub dealer_id: Option<i64>,
    pub province_id: Option<i64>,
    pub mobile: String,
    pub birth_date: Option<chrono::NaiveDate>,
    pub joining_date: Option<chrono::NaiveDate>,
    pub leaving_date: Option<chrono::NaiveDate>,
}

fn text(value: Option<String>) -> String {
    value.map(|v| v.trim().to_owned()).unwrap_or_default()
}

/// The shared checks of a person's names, mobile and dates (the SPA's forms run them too).
fn check_person(
    problems: &mut Problems,
    (first_name, last_name, mobile): (Option<&str>, Option<&str>, Option<&str>),
    (birth, joining, leaving): (Option<chrono::NaiveDate>, Option<chrono::NaiveDate>, Option<chrono::NaiveDate>),
) {
    problems.check("first_name", first_name.and_then(check_name));
    problems.check("last_name", last_name.and_then(check_name));
    problems.check("mobile", mobile.and_then(check_mobile));
    for (field, problem) in check_person_dates(birth, joining, leaving, chrono::Utc::now().date_naive()) {
        problems.add(field, problem);
    }
}

/// Referenced records must exist: a clear 422 rather than a foreign-key failure.
async fn check_references(
    conn: &mut AsyncPgConnection,
    problems: &mut Problems,
    job_profile_id: Option<i64>,
    dealer_id: Option<i64>,
    province_id: Option<i64>,
    boss_id: Option<i64>,
) -> ApiResult<()> {
    use diesel::dsl::exists;
    if let Some(id) = job_profile_id
        && !diesel::select(exists(job_profiles::table.find(id))).get_result::<bool>(conn).await?
    {
        problems.add("job_profile_id", FieldProblem::UnknownReference);
    }
    if let Some(id) = dealer_id
        && !diesel::select(exists(dealers::table.find(id))).get_result::<bool>(conn).await?
    {
        problems.add("dealer_id", FieldProblem::UnknownReference);
    }
    if let Some(id) = province_id
        && !diesel::select(exists(provinces::table.find(id))).get_result::<bool>(conn).await?
    {
        problems.add("province_id", FieldProblem::UnknownReference);
    }
    if let Some(id) = boss_id
        && !diesel::select(exists(users::table.find(id))).get_result::<bool>(conn).await?
    {
        problems.add("boss_id", FieldProblem::UnknownReference);
    }
    Ok(())
}

pub async fn validate_new_user(conn: &mut AsyncPgConnection, input: UserInput) -> ApiResult<ValidNewUser> {
    let mut problems = Problems::default();
    let username = text(input.username);
    let email = text(input.email);
    let password = input.password.unwrap_or_default();
    problems.check("username", check_username(&username));
    problems.check("email", check_email(&email));
    problems.check_new_password("password", &password, &username);
    let leaving_date = input.leaving_date.flatten();
    let (birth_date, joining_date) = (input.birth_date.flatten(), input.joining_date.flatten());
    let contact = (input.first_name.as_deref(), input.last_name.as_deref(), input.mobile.as_deref());
    check_person(&mut problems, contact, (birth_date, joining_date, leaving_date));
    let (job_profile_id, boss_id) = (input.job_profile_id.flatten(), input.boss_id.flatten());
    let (dealer_id, province_id) = (input.dealer_id.flatten(), input.province_id.flatten());
    check_references(conn, &mut problems, job_profile_id, dealer_id, province_id, boss_id).await?;
    // Uniqueness is only worth a query once the value itself is well-formed.
    if check_username(&username).is_none() && queries::find_by_username(conn, &username).await?.is_some() {
        problems.add("username", FieldProblem::AlreadyTaken);
    }
    if check_email(&email).is_none() && queries::find_by_email(conn, &email).await?.is_some() {
        problems.add("email", FieldProblem::AlreadyTaken);
    }
    problems.into_result()?;
    Ok(ValidNewUser {
        username,
        email,
        password,
        first_name: text(input.first_name),
        last_name: text(input.last_name),
        role: input.role.unwrap_or(Role::Viewer),
        // A leaving date means the person has left.
        is_active: input.is_active.unwrap_or(true) && leaving_date.is_none(),
        chat_enabled: input.chat_enabled.unwrap_or(true),
        job_profile_id,
        boss_id,
        dealer_id,
        province_id,
        mobile: text(input.mobile),
        birth_date,
        joining_date,
        leaving_date,
    })
}

/// Validates a `PATCH /api/users/{id}` body against the current row.
pub async fn validate_changes(
    conn: &mut AsyncPgConnection,
    current: &queries::UserRow,
    input: UserInput,
) -> ApiResult<UserChanges> {
    let mut problems = Problems::default();
    if input.password.is_some() {
        // Passwords change only through the password endpoints, which revoke sessions.
        problems.add("password", FieldProblem::Invalid);
    }
    let username = input.username.map(|u| u.trim().to_owned());
    if let Some(username) = &username {
        problems.check("username", check_username(username));
        if check_username(username).is_none()
            && let Some(other) = queries::find_by_username(conn, username).await?
            && other.id != current.id
        {
            problems.add("username", FieldProblem::AlreadyTaken);
        }
    }
    let email = input.email.map(|e| e.trim().to_owned());
    if let Some(email) = &email {
        problems.check("email", check_email(email));
        if check_email(email).is_none()
            && let Some(other) = queries::find_by_email(conn, email).await?
            && other.id != current.id
        {
            problems.add("email", FieldProblem::AlreadyTaken);
        }
    }
    let birth = input.birth_date.unwrap_or(current.birth_date);
    let joining = input.joining_date.unwrap_or(current.joining_date);
    let leaving = input.leaving_date.unwrap_or(current.leaving_date);
    let contact = (input.first_name.as_deref(), input.last_name.as_deref(), input.mobile.as_deref());
    check_person(&mut problems, contact, (birth, joining, leaving));
    if let Some(Some(boss_id)) = input.boss_id {
        if boss_id == current.id {
            problems.add("boss_id", FieldProblem::SelfReference);
        } else if queries::is_in_team_of(conn, current.id, boss_id).await? {
            problems.add("boss_id", FieldProblem::Cycle);
        }
    }
    check_references(
        conn,
        &mut problems,
        input.job_profile_id.flatten(),
        input.dealer_id.flatten(),
        input.province_id.flatten(),
        input.boss_id.flatten().filter(|&b| b != current.id),
    )
    .await?;
    problems.into_result()?;

    let newly_leaving = matches!(input.leaving_date, Some(Some(_)));
    Ok(UserChanges {
        username,
        email,
        first_name: input.first_name.map(|v| v.trim().to_owned()),
        last_name: input.last_name.map(|v| v.trim().to_owned()),
        role: input.role.map(|r| r.as_str().to_owned()),
        is_active: if newly_leaving { Some(false) } else { input.is_active },
        chat_enabled: input.chat_enabled,
        job_profile_id: input.job_profile_id,
        boss_id: input.boss_id,
        dealer_id: input.dealer_id,
        province_id: input.province_id,
        mobile: input.mobile.map(|v| v.trim().to_owned()),
        birth_date: input.birth_date,
        joining_date: input.joining_date,
        leaving_date: input.leaving_date,
        password_hash: None,
    })
}

/// Validates `PATCH /api/auth/me`: a user's own contact fields.
pub async fn apply_profile(
    conn: &mut AsyncPgConnection,
    current: &queries::UserRow,
    input: ProfileInput,
) -> ApiResult<UserChanges> {
    let as_user_input = UserInput {
        email: input.email,
        first_name: input.first_name,
        last_name: input.last_name,
        mobile: input.mobile,
        ..Default::default()
    };
    validate_changes(conn, current, as_user_input).await
}
