//! Numbers, money and dates as each language writes them: `15.990 €`, `123.456 km` and
//! `31/12/2024` in Spanish; `€15,990`, `123,456 km` and `2024-12-31` in English.
//! The space before a unit is a no-break space (U+00A0), so "€" never starts a line alone.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use shared::stock::Money;

use crate::i18n::Lang;

/// Between a number and its unit: `15.990 €`, `12 km`, `45 %`.
const NBSP: char = '\u{a0}';

fn thousands_separator(lang: Lang) -> char {
    match lang {
        Lang::Es => '.',
        Lang::En => ',',
    }
}

fn decimal_mark(lang: Lang) -> char {
    match lang {
        Lang::Es => ',',
        Lang::En => '.',
    }
}

/// A whole number with its digits grouped in threes: `1.234.567` (es), `1,234,567` (en).
pub fn integer(value: i64, lang: Lang) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut text = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if value < 0 {
        text.push('-');
    }
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            text.push(thousands_separator(lang));
        }
        text.push(digit);
    }
    text
}

/// Euros without cents unless there are some: `15.990 €`, `15.990,50 €` (es), `€15,990` (en).
pub fn money(amount: Money, lang: Lang) -> String {
    let sign = if amount.cents() < 0 { "-" } else { "" };
    let cents = amount.cents().unsigned_abs();
    let euros = integer((cents / 100) as i64, lang);
    let number = match cents % 100 {
        0 => euros,
        fraction => format!("{euros}{}{fraction:02}", decimal_mark(lang)),
    };
    match lang {
        Lang::Es => format!("{sign}{number}{NBSP}€"),
        Lang::En => format!("{sign}€{number}"),
    }
}

/// Euros always with their two decimals: `12.345.678,00 €` (es), `€12,345,678.00` (en), for
/// totals and averages where "no cents" and "cents hidden" must not look alike.
pub fn money_exact(amount: Money, lang: Lang) -> String {
    let sign = if amount.cents() < 0 { "-" } else { "" };
    let cents = amount.cents().unsigned_abs();
    let number = format!("{}{}{:02}", integer((cents / 100) as i64, lang), decimal_mark(lang), cents % 100);
    match lang {
        Lang::Es => format!("{sign}{number}{NBSP}€"),
        Lang::En => format!("{sign}€{number}"),
    }
}

/// At most one decimal, none when it would be zero: `45,3` and `42` (es), `45.3` (en).
pub fn decimal(value: f64, lang: Lang) -> String {
    let tenths = (value * 10.0).round() as i64;
    let abs = tenths.unsigned_abs();
    // Signed by the rounded value, so -0.04 reads "0", not "-0".
    let sign = if tenths < 0 { "-" } else { "" };
    let whole = integer((abs / 10) as i64, lang);
    match abs % 10 {
        0 => format!("{sign}{whole}"),
        tenth => format!("{sign}{whole}{}{tenth}", decimal_mark(lang)),
    }
}

/// A change with an explicit `+` when it grew (a fall already carries its `-`).
pub fn signed(text: String, positive: bool) -> String {
    if positive { format!("+{text}") } else { text }
}

pub fn kilometres(km: i32, lang: Lang) -> String {
    format!("{}{NBSP}km", integer(km.into(), lang))
}

/// One decimal: `12,5 %` (es), `12.5%` (en).
pub fn percent(value: f64, lang: Lang) -> String {
    let number = format!("{value:.1}");
    match lang {
        Lang::Es => format!("{}{NBSP}%", number.replace('.', ",")),
        Lang::En => format!("{number}%"),
    }
}

/// A share from 0 to 1 as a whole percentage: `87 %` (es), `87%` (en).
pub fn share_percent(share: f64, lang: Lang) -> String {
    // `as` saturates and reads NaN as 0.
    let number = (share.clamp(0.0, 1.0) * 100.0).round() as i64;
    match lang {
        Lang::Es => format!("{number}{NBSP}%"),
        Lang::En => format!("{number}%"),
    }
}

pub fn date(day: NaiveDate, lang: Lang) -> String {
    match lang {
        Lang::Es => day.format("%d/%m/%Y").to_string(),
        Lang::En => day.format("%Y-%m-%d").to_string(),
    }
}

/// In the browser's time zone (chrono has no time zone database in wasm, the browser does).
pub fn date_time(at: DateTime<Utc>, lang: Lang) -> String {
    let js_date = web_sys::js_sys::Date::new(&(at.timestamp_millis() as f64).into());
    let local = at.naive_utc() - Duration::minutes(js_date.get_timezone_offset() as i64);
    match lang {
        Lang::Es => local.format("%d/%m/%Y %H:%M").to_string(),
        Lang::En => local.format("%Y-%m-%d %H:%M").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_never_wrap_away_from_their_number() {
        assert_eq!(money_exact(Money(123_400), Lang::Es), "1.234,00\u{a0}€");
        assert_eq!(money(Money(1_599_000), Lang::Es), "15.990\u{a0}€");
        assert_eq!(money(Money(-150), Lang::Es), "-1,50\u{a0}€");
        assert_eq!(money(Money(1_599_000), Lang::En), "€15,990");
        assert_eq!(kilometres(123_456, Lang::Es), "123.456\u{a0}km");
        assert_eq!(percent(12.5, Lang::Es), "12,5\u{a0}%");
        assert_eq!(share_percent(0.87, Lang::Es), "87\u{a0}%");
        for text in [money_exact(Money(123_400), Lang::Es), kilometres(12, Lang::En)] {
            assert!(!text.contains(' '), "no breakable space in {text:?}");
        }
    }
}
