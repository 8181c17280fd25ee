//! Field problems are stable codes (the UI translates them); the same checks run in the
//! browser, for instant feedback, and in the backend, which decides.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldProblem {
    Required,
    Invalid,
    TooShort,
    TooLong,
    InvalidEmail,
    AlreadyTaken,
    /// A referenced record (dealer, boss...) does not exist.
    UnknownReference,
    SelfReference,
    Cycle,
    OnlyDigits,
    ContainsUsername,
    TooCommon,
    WrongPassword,
    /// The record is still referenced and cannot be deleted.
    InUse,
    /// The value already appeared earlier in the same input (an imported file).
    Duplicate,
}

impl FieldProblem {
    pub const ALL: [FieldProblem; 15] = [
        Self::Required,
        Self::Invalid,
        Self::TooShort,
        Self::TooLong,
        Self::InvalidEmail,
        Self::AlreadyTaken,
        Self::UnknownReference,
        Self::SelfReference,
        Self::Cycle,
        Self::OnlyDigits,
        Self::ContainsUsername,
        Self::TooCommon,
        Self::WrongPassword,
        Self::InUse,
        Self::Duplicate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::Invalid => "invalid",
            Self::TooShort => "too_short",
            Self::TooLong => "too_long",
            Self::InvalidEmail => "invalid_email",
            Self::AlreadyTaken => "already_taken",
            Self::UnknownReference => "unknown_reference",
            Self::SelfReference => "self_reference",
            Self::Cycle => "cycle",
            Self::OnlyDigits => "only_digits",
            Self::ContainsUsername => "contains_username",
            Self::TooCommon => "too_common",
            Self::WrongPassword => "wrong_password",
            Self::InUse => "in_use",
            Self::Duplicate => "duplicate",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == code)
    }
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Letters, digits and `.`, `_`, `-`, `@`; 3 to 150 characters.
/// A date a person types or imports (registration, reception, birth, joining...): PostgreSQL
/// stores years far outside 1900–2100, but there such a date is a typo, and past PostgreSQL's
/// own range it would be an error.
pub fn is_plausible_date(date: chrono::NaiveDate) -> bool {
    use chrono::Datelike;
    (1900..=2100).contains(&date.year())
}

/// Days in stock a filter may ask about (a century).
pub const MAX_DAYS_IN_STOCK: i32 = 36_500;

pub fn check_username(username: &str) -> Option<FieldProblem> {
    let username = username.trim();
    if username.is_empty() {
        Some(FieldProblem::Required)
    } else if username.chars().count() < 3 {
        Some(FieldProblem::TooShort)
    } else if username.chars().count() > 150 {
        Some(FieldProblem::TooLong)
    } else if !username.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@')) {
        Some(FieldProblem::Invalid)
    } else {
        None
    }
}

/// A pragmatic check: one `@`, a non-empty local part, a dotted domain, no spaces.
pub fn check_email(email: &str) -> Option<FieldProblem> {
    let email = email.trim();
    if email.is_empty() {
        return Some(FieldProblem::Required);
    }
    if email.len() > 254 {
        return Some(FieldProblem::TooLong);
    }
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(char::is_whitespace)
        }
        None => false,
    };
    (!valid).then_some(FieldProblem::InvalidEmail)
}

/// Every rule a new password breaks.
pub fn check_password(password: &str, username: &str) -> Vec<FieldProblem> {
    const COMMON: [&str; 12] = [
        "password",
        "password1",
        "12345678",
        "123456789",
        "1234567890",
        "qwerty123",
        "admin123",
        "admin1234",
        "contraseña",
        "iloveyou",
        "11111111",
        "abc12345",
    ];
    let mut problems = Vec::new();
    let length = password.chars().count();
    if length < MIN_PASSWORD_CHARS {
        problems.push(FieldProblem::TooShort);
    }
    if length > MAX_PASSWORD_CHARS {
        problems.push(FieldProblem::TooLong);
    }
    if !password.is_empty() && password.chars().all(|c| c.is_ascii_digit()) {
        problems.push(FieldProblem::OnlyDigits);
    }
    let username = username.trim().to_lowercase();
    if username.len() >= 3 && password.to_lowercase().contains(&username) {
        problems.push(FieldProblem::ContainsUsername);
    }
    if COMMON.contains(&password.to_lowercase().as_str()) {
        problems.push(FieldProblem::TooCommon);
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(check_username("maria.lopez"), None);
        assert_eq!(check_username(""), Some(FieldProblem::Required));
        assert_eq!(check_username("ab"), Some(FieldProblem::TooShort));
        assert_eq!(check_username("maria lopez"), Some(FieldProblem::Invalid));
    }

    #[test]
    fn emails() {
        assert_eq!(check_email("ana@grupo.es"), None);
        for bad in ["ana", "ana@", "@grupo.es", "ana@grupo", "ana@@grupo.es", "a na@grupo.es", "ana@grupo.es."] {
            assert_eq!(check_email(bad), Some(FieldProblem::InvalidEmail), "{bad}");
        }
    }

    #[test]
    fn passwords() {
        assert!(check_password("s3cure-enough-pass", "maria").is_empty());
        assert_eq!(check_password("1234567", "maria"), vec![FieldProblem::TooShort, FieldProblem::OnlyDigits]);
        assert_eq!(check_password("maria-2026-xyz", "maria"), vec![FieldProblem::ContainsUsername]);
        assert!(check_password("admin123", "x").contains(&FieldProblem::TooCommon));
    }

    #[test]
    fn codes_round_trip() {
        assert_eq!(FieldProblem::parse("already_taken"), Some(FieldProblem::AlreadyTaken));
        assert_eq!(FieldProblem::parse("nope"), None);
        for problem in FieldProblem::ALL {
            assert_eq!(FieldProblem::parse(problem.as_str()), Some(problem));
        }
    }
}
