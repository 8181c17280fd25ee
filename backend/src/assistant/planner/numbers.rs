//! Numbers as people type them, and as each language writes them.

use shared::stock::Money;

use super::Language;

/// A number typed in a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Number {
    /// Hundredths, so `37,5` and `15.000` are both exact.
    pub hundredths: i64,
    /// Digits only (`2020`, `90`): what a year or a count looks like.
    pub plain: bool,
}

impl Number {
    pub fn whole(self) -> i64 {
        self.hundredths / 100
    }
}

/// `15.000`, `15,000`, `15000`, `37,5`, `15k`.
pub(super) fn parse_number(word: &str) -> Option<Number> {
    if !word.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    if let Some(thousands) = word.strip_suffix('k') {
        let number = Money::parse(thousands)?;
        return Some(Number { hundredths: number.cents().checked_mul(1000)?, plain: false });
    }
    let number = Money::parse(word)?;
    Some(Number { hundredths: number.cents(), plain: word.bytes().all(|b| b.is_ascii_digit()) })
}

/// Small numbers written as words, for "los cinco más caros" or "last three months".
pub(super) fn word_number(word: &str) -> Option<i64> {
    const WORDS: [(&str, &str, i64); 11] = [
        ("dos", "two", 2),
        ("tres", "three", 3),
        ("cuatro", "four", 4),
        ("cinco", "five", 5),
        ("seis", "six", 6),
        ("siete", "seven", 7),
        ("ocho", "eight", 8),
        ("nueve", "nine", 9),
        ("diez", "ten", 10),
        ("once", "eleven", 11),
        ("doce", "twelve", 12),
    ];
    WORDS.iter().find(|(es, en, _)| word == *es || word == *en).map(|(_, _, n)| *n)
}

/// A small count typed as digits or as a word.
pub(super) fn count_word(word: &str) -> Option<i64> {
    match parse_number(word) {
        Some(n) if n.plain => Some(n.whole()),
        Some(_) => None,
        None => word_number(word),
    }
}

fn group_thousands(digits: &str, separator: char) -> String {
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(separator);
        }
        grouped.push(digit);
    }
    grouped
}

fn separators(language: Language) -> (char, char) {
    match language {
        Language::Es => ('.', ','),
        Language::En => (',', '.'),
    }
}

/// `1.203` (Spanish) or `1,203` (English).
pub(super) fn format_int(language: Language, n: i64) -> String {
    let sign = if n < 0 { "-" } else { "" };
    format!("{sign}{}", group_thousands(&n.unsigned_abs().to_string(), separators(language).0))
}

/// `15.990 €` / `€15,990`, with cents only when there are some.
pub(super) fn format_money(language: Language, money: Money) -> String {
    let (thousands, decimal) = separators(language);
    let cents = money.cents().unsigned_abs();
    let sign = if money.cents() < 0 { "-" } else { "" };
    let mut amount = group_thousands(&(cents / 100).to_string(), thousands);
    if !cents.is_multiple_of(100) {
        amount = format!("{amount}{decimal}{:02}", cents % 100);
    }
    match language {
        Language::Es => format!("{sign}{amount} €"),
        Language::En => format!("{sign}€{amount}"),
    }
}

/// One decimal: `37,5` / `37.5`.
pub(super) fn format_decimal(language: Language, value: f64) -> String {
    let text = format!("{value:.1}");
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, "0"));
    let (sign, digits) = whole.strip_prefix('-').map_or(("", whole), |d| ("-", d));
    let (thousands, decimal) = separators(language);
    format!("{sign}{}{decimal}{fraction}", group_thousands(digits, thousands))
}

/// `37,5 %` / `37.5%`.
pub(super) fn format_percent(language: Language, value: f64) -> String {
    match language {
        Language::Es => format!("{} %", format_decimal(language, value)),
        Language::En => format!("{}%", format_decimal(language, value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_ways_numbers_are_typed() {
        let euros = |word| parse_number(word).map(Number::whole);
        assert_eq!(euros("15.000"), Some(15000));
        assert_eq!(euros("15,000"), Some(15000));
        assert_eq!(euros("15k"), Some(15000));
        assert_eq!(euros("2020"), Some(2020));
        assert_eq!(parse_number("37,5").map(|n| n.hundredths), Some(3750));
        assert!(parse_number("2020").unwrap().plain);
        assert!(!parse_number("15.000").unwrap().plain);
        assert_eq!(parse_number("km0"), None);
        assert_eq!(parse_number("4x4"), None);
        assert_eq!(count_word("cinco"), Some(5));
        assert_eq!(count_word("3"), Some(3));
    }

    #[test]
    fn writes_numbers_per_language() {
        assert_eq!(format_int(Language::Es, 1203), "1.203");
        assert_eq!(format_int(Language::En, 1203), "1,203");
        assert_eq!(format_int(Language::Es, 999), "999");
        assert_eq!(format_int(Language::Es, 1_234_567), "1.234.567");
        assert_eq!(format_money(Language::Es, Money(1_599_000)), "15.990 €");
        assert_eq!(format_money(Language::En, Money(1_599_000)), "€15,990");
        assert_eq!(format_money(Language::Es, Money(1_599_050)), "15.990,50 €");
        assert_eq!(format_money(Language::En, Money(-150_000)), "-€1,500");
        assert_eq!(format_decimal(Language::Es, 37.5), "37,5");
        assert_eq!(format_decimal(Language::En, 1234.56), "1,234.6");
        assert_eq!(format_percent(Language::Es, 37.5), "37,5 %");
        assert_eq!(format_percent(Language::En, 12.0), "12.0%");
    }
}
