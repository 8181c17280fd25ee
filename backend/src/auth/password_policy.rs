//! The rules for a new password, stated once for the API and the command line: the shared
//! ones (length, not blank, not the username...) and, here only so the wasm app stays small,
//! none of the 20,000 most common passwords (Django's list, BSD licence: see
//! `backend/vendor/common-passwords`), ignoring case and the digits or symbols around one
//! (`Admin123456`, `dragon2026!`: the first variations a cracker tries).

use std::collections::HashSet;
use std::sync::LazyLock;

use shared::FieldProblem;

static COMMON: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| include_str!("../../vendor/common-passwords/common-passwords.txt").lines().collect());

/// Every rule `password` breaks as the password of `username`.
pub fn problems(password: &str, username: &str) -> Vec<FieldProblem> {
    use FieldProblem::{Required, TooCommon, TooShort};
    let mut problems = shared::validation::check_password(password, username);
    // A blank or short password must change anyway; the list has its say once it is long.
    if !problems.iter().any(|p| matches!(p, Required | TooShort | TooCommon)) && is_common(password) {
        problems.push(TooCommon);
    }
    problems
}

fn is_common(password: &str) -> bool {
    let password = password.trim().to_lowercase();
    let core = password.trim_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation() || c.is_whitespace());
    // A short core is mostly decoration, not a common password ("a" + twelve digits).
    COMMON.contains(password.as_str()) || (core.chars().count() >= 4 && COMMON.contains(core))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_list_is_there() {
        assert_eq!(COMMON.len(), 19_729, "Django's 20,000 less their duplicates");
    }

    #[test]
    fn common_passwords_are_refused_ignoring_case_and_decoration() {
        for common in ["password123", "qwertyuiop", "Admin123456", "PASSWORD123", "dragon2026!", "  iloveyou!!  "] {
            assert_eq!(problems(common, "maria"), [FieldProblem::TooCommon], "{common}");
        }
        // Several problems at once, and too_common only once.
        assert_eq!(problems("1111111111", "maria"), [FieldProblem::OnlyDigits, FieldProblem::TooCommon]);
        assert_eq!(problems("admin123", "maria"), [FieldProblem::TooShort], "long enough first");
        assert_eq!(problems(&" ".repeat(10), "maria"), [FieldProblem::Required]);
    }

    #[test]
    fn passphrases_and_short_cores_pass() {
        for fine in ["correct-horse-battery", "una-clave-bien-larga", "vende-coches-2026", "a839205719461"] {
            assert_eq!(problems(fine, "maria"), [], "{fine}");
        }
    }
}
