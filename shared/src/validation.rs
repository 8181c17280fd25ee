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

/// NIST SP 800-63B's floor is 8 characters; 10 still lets people choose passphrases, and the
/// list of common passwords and the login throttle do the rest. At most 128 (NIST: at least 64).
pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 128;

/// A date a person types or imports (registration, reception, birth, joining...): PostgreSQL
/// stores years far outside 1900–2100, but there such a date is a typo, and past PostgreSQL's
/// own range it would be an error.
pub fn is_plausible_date(date: chrono::NaiveDate) -> bool {
    use chrono::Datelike;
    (1900..=2100).contains(&date.year())
}

/// Days in stock a filter may ask about (a century).
pub const MAX_DAYS_IN_STOCK: i32 = 36_500;

/// Letters of one script, ASCII digits and `.`, `_`, `-`, `@`; 3 to 150 characters. One
/// script, because `аdmin` with a Cyrillic `а` would pass for `admin`; and no full-width or
/// mathematical letters (`ａｄｍｉｎ`), which only ever imitate ASCII ones.
pub fn check_username(username: &str) -> Option<FieldProblem> {
    let username = username.trim();
    let allowed = |c: char| {
        (c.is_alphabetic() && script(c) != Some(Script::Imitation))
            || c.is_ascii_digit()
            || matches!(c, '.' | '_' | '-' | '@')
    };
    let mut scripts = username.chars().filter(|c| c.is_alphabetic()).map(script);
    let first_script = scripts.next();
    if username.is_empty() {
        Some(FieldProblem::Required)
    } else if username.chars().count() < 3 {
        Some(FieldProblem::TooShort)
    } else if username.chars().count() > 150 {
        Some(FieldProblem::TooLong)
    } else if !username.chars().all(allowed) || scripts.any(|s| Some(s) != first_script) {
        Some(FieldProblem::Invalid)
    } else {
        None
    }
}

/// The scripts whose letters look alike, by Unicode block; other letters are `None` (a
/// username in any one other script is fine).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Script {
    Latin,
    Greek,
    Cyrillic,
    /// Full-width and mathematical forms of Latin and Greek letters.
    Imitation,
}

fn script(c: char) -> Option<Script> {
    match c {
        // With the ordinal indicators of `1º` and `Mª`.
        'a'..='z' | 'A'..='Z' | 'ª' | 'º' | '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}' => Some(Script::Latin),
        '\u{0370}'..='\u{03FF}' | '\u{1F00}'..='\u{1FFF}' => Some(Script::Greek),
        '\u{0400}'..='\u{052F}' | '\u{1C80}'..='\u{1C8F}' | '\u{A640}'..='\u{A69F}' => Some(Script::Cyrillic),
        '\u{FF00}'..='\u{FFEF}' | '\u{1D400}'..='\u{1D7FF}' => Some(Script::Imitation),
        _ => None,
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

/// Every rule a new password breaks, after NIST SP 800-63B: a length in characters (any
/// printable ones, spaces included, but not only spaces), and nothing guessable: only
/// digits, one character repeated, or the username either way round. The backend also
/// refuses the 20,000 most common passwords, a list too big for the browser.
pub fn check_password(password: &str, username: &str) -> Vec<FieldProblem> {
    if password.trim().is_empty() {
        return vec![FieldProblem::Required];
    }
    let mut problems = Vec::new();
    let length = password.chars().count();
    if length < MIN_PASSWORD_CHARS {
        problems.push(FieldProblem::TooShort);
    }
    if length > MAX_PASSWORD_CHARS {
        problems.push(FieldProblem::TooLong);
    }
    if password.chars().all(|c| c.is_ascii_digit()) {
        problems.push(FieldProblem::OnlyDigits);
    }
    let password = password.to_lowercase();
    let username = username.trim().to_lowercase();
    let reversed: String = username.chars().rev().collect();
    if username.chars().count() >= 3 && (password.contains(&username) || password.contains(&reversed)) {
        problems.push(FieldProblem::ContainsUsername);
    }
    let mut chars = password.chars();
    let first = chars.next();
    // NIST counts repetitive characters among the values to refuse as too common.
    if chars.all(|c| Some(c) == first) {
        problems.push(FieldProblem::TooCommon);
    }
    problems
}

/// A person's first or last name: at most 150 characters.
pub fn check_name(name: &str) -> Option<FieldProblem> {
    (name.trim().chars().count() > 150).then_some(FieldProblem::TooLong)
}

/// A phone number as people write it: digits, spaces, `+`, `-` and parentheses, 30 at most.
pub fn check_mobile(mobile: &str) -> Option<FieldProblem> {
    let ok = mobile.trim().chars().all(|c| c.is_ascii_digit() || " +-()".contains(c)) && mobile.len() <= 30;
    (!ok).then_some(FieldProblem::Invalid)
}

/// A person's dates: born before today, plausible dates, and not leaving before joining.
pub fn check_person_dates(
    birth: Option<chrono::NaiveDate>,
    joining: Option<chrono::NaiveDate>,
    leaving: Option<chrono::NaiveDate>,
    today: chrono::NaiveDate,
) -> Vec<(&'static str, FieldProblem)> {
    let mut problems = Vec::new();
    if birth.is_some_and(|b| b >= today || !is_plausible_date(b)) {
        problems.push(("birth_date", FieldProblem::Invalid));
    }
    for (field, date) in [("joining_date", joining), ("leaving_date", leaving)] {
        if date.is_some_and(|d| !is_plausible_date(d)) {
            problems.push((field, FieldProblem::Invalid));
        }
    }
    if let (Some(joining), Some(leaving)) = (joining, leaving)
        && leaving < joining
        && !problems.contains(&("leaving_date", FieldProblem::Invalid))
    {
        problems.push(("leaving_date", FieldProblem::Invalid));
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
    fn usernames_keep_to_one_script() {
        for spanish in ["íñigo.núñez", "MªJosé", "pedro_2026@grupo.es", "ÁLVARO-ÜBEDA"] {
            assert_eq!(check_username(spanish), None, "{spanish}");
        }
        for other_script in ["админ", "ελένη", "王小明"] {
            assert_eq!(check_username(other_script), None, "{other_script}");
        }
        // A Cyrillic а, a Greek ο, a Cyrillic і among Latin letters; full-width and bold letters.
        for look_alike in ["\u{0430}dmin", "r\u{03BF}ot", "maria.\u{0456}glesias", "ａｄｍｉｎ", "\u{1D41A}dmin"] {
            assert_eq!(check_username(look_alike), Some(FieldProblem::Invalid), "{look_alike}");
        }
        // Only ASCII digits: superscripts and circled numbers imitate them.
        assert_eq!(check_username("maria²"), Some(FieldProblem::Invalid));
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
    }

    #[test]
    fn password_length_counts_characters_and_allows_any_printable_ones() {
        assert_eq!(MIN_PASSWORD_CHARS, 10);
        // Ten characters, twenty bytes: long enough.
        assert!(check_password("ñandúñandú", "maria").is_empty());
        assert_eq!(check_password("ñandú", "maria"), vec![FieldProblem::TooShort]);
        assert!(check_password("mi coche rojo & azul", "maria").is_empty(), "spaces and symbols are fine");
        assert!(check_password(&"x1".repeat(64), "maria").is_empty(), "128 characters are allowed");
        assert_eq!(check_password(&"x1".repeat(65), "maria"), vec![FieldProblem::TooLong]);
    }

    #[test]
    fn blank_repeated_or_username_passwords_are_refused() {
        assert_eq!(check_password(&" ".repeat(10), "maria"), vec![FieldProblem::Required]);
        assert_eq!(check_password("\t \u{00A0}    \n    ", "maria"), vec![FieldProblem::Required]);
        assert_eq!(check_password("aaaaaaaaaaaa", "maria"), vec![FieldProblem::TooCommon]);
        assert_eq!(check_password("ZzzzZzzzZzzz", "maria"), vec![FieldProblem::TooCommon], "case aside");
        assert_eq!(check_password("Maria.Lopez.26", "MARIA"), vec![FieldProblem::ContainsUsername]);
        assert_eq!(check_password("zepol.airam", "maria.lopez"), vec![FieldProblem::ContainsUsername]);
        assert_eq!(check_password("2026-airam-xx", "maria"), vec![FieldProblem::ContainsUsername]);
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
