use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What a user may do is decided by their role alone (see the backend's permission map).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Manager,
    Sales,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Manager, Role::Sales, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Sales => "sales",
            Role::Viewer => "viewer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|role| role.as_str() == s).ok_or_else(|| format!("unknown role `{s}`"))
    }
}

/// A user as the API shows it (never the password hash).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: i64,
    pub username: String,
    pub email: String,
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
    pub birth_date: Option<NaiveDate>,
    pub joining_date: Option<NaiveDate>,
    pub leaving_date: Option<NaiveDate>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl User {
    /// "First Last", or the username when no name was given.
    pub fn display_name(&self) -> String {
        let full = format!("{} {}", self.first_name.trim(), self.last_name.trim());
        let full = full.trim();
        if full.is_empty() { self.username.clone() } else { full.to_owned() }
    }
}

/// `POST /api/users` (all of it) and `PATCH /api/users/{id}` (only what is present; `null`
/// clears a nullable field). Every field is optional on the wire so that one answer can
/// list every missing or invalid field at once.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Only when creating; use the password endpoints afterwards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
    #[serde(default, deserialize_with = "crate::patch::double_option", skip_serializing_if = "Option::is_none")]
    pub job_profile_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "crate::patch::double_option", skip_serializing_if = "Option::is_none")]
    pub boss_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "crate::patch::double_option", skip_serializing_if = "Option::is_none")]
    pub dealer_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "crate::patch::double_option", skip_serializing_if = "Option::is_none")]
    pub province_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "crate::patch::double_option", skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::patch::double_option", skip_serializing_if = "Option::is_none")]
    pub joining_date: Option<Option<NaiveDate>>,
    /// Setting a leaving date deactivates the user.
    #[serde(default, deserialize_with = "crate::patch::double_option", skip_serializing_if = "Option::is_none")]
    pub leaving_date: Option<Option<NaiveDate>>,
}

/// `PATCH /api/auth/me`: the contact fields a user may change about themselves.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProfileInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
}

/// `POST /api/auth/password`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub new_password: String,
}

/// `POST /api/users/{id}/password` (admins).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetPasswordRequest {
    #[serde(default)]
    pub new_password: String,
}

/// One of the caller's login sessions (`GET /api/auth/sessions`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    pub id: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_used_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    /// The session this request was made with.
    pub current: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!("root".parse::<Role>().is_err());
    }
}
