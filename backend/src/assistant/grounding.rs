//! Checks that the figures and VINs an answer quotes came from somewhere: a tool's result or
//! the question. What did not is listed, and the UI flags the answer.

use std::collections::HashSet;

use serde_json::Value;

/// Numbers up to this are ordinals and small talk ("los 3 más caros", "top 5"), not figures.
const SMALL: f64 = 12.0;

/// The quoted figures and VINs that neither a tool result nor the question holds.
pub fn unverified(answer: &str, question: &str, results: &[&Value]) -> Vec<String> {
    let mut known = Known::default();
    for result in results {
        known.add_json(result);
    }
    known.add_text(question);
    let mut missing = Vec::new();
    for token in tokens(answer) {
        let verified = match &token {
            Token::Vin(vin) => known.texts.contains(vin),
            Token::Number { candidates, .. } => {
                candidates.iter().all(|n| n.abs() <= SMALL) || candidates.iter().any(|n| known.has(*n))
            }
        };
        let text = token.text();
        if !verified && !missing.contains(&text) {
            missing.push(text);
        }
    }
    missing
}

#[derive(Default)]
struct Known {
    numbers: Vec<f64>,
    texts: HashSet<String>,
}

impl Known {
    fn add_json(&mut self, value: &Value) {
        match value {
            Value::Number(n) => self.numbers.extend(n.as_f64()),
            Value::String(s) => self.add_text(s),
            Value::Array(items) => items.iter().for_each(|v| self.add_json(v)),
            Value::Object(fields) => fields.values().for_each(|v| self.add_json(v)),
            _ => {}
        }
    }

    fn add_text(&mut self, text: &str) {
        for token in tokens(text) {
            match token {
                Token::Vin(vin) => {
                    self.texts.insert(vin);
                }
                Token::Number { candidates, .. } => self.numbers.extend(candidates),
            }
        }
        self.texts.insert(text.to_owned());
    }

    /// A quoted figure matches a known one as written or rounded (to a unit, a tenth, or a
    /// thousand for "15k"/"15 mil"), or as a percentage of a ratio.
    fn has(&self, quoted: f64) -> bool {
        self.numbers.iter().any(|&known| {
            let close = |a: f64, b: f64, step: f64| (a - b).abs() <= step / 2.0 + 1e-9;
            close(known, quoted, 0.01)
                || close(known, quoted, 1.0)
                || close(known.round(), quoted, 0.1)
                || close((known * 10.0).round() / 10.0, quoted, 0.01)
                || close(known * 100.0, quoted, 0.1)
                || (quoted >= 1000.0 && close(known, quoted, 1000.0) && quoted % 1000.0 == 0.0)
        })
    }
}

#[derive(Debug, PartialEq)]
enum Token {
    Vin(String),
    /// A number as written, with every value its separators allow (Spanish and English).
    Number {
        text: String,
        candidates: Vec<f64>,
    },
}

impl Token {
    fn text(&self) -> String {
        match self {
            Token::Vin(vin) => vin.clone(),
            Token::Number { text, .. } => text.clone(),
        }
    }
}

fn is_vin(word: &str) -> bool {
    shared::stock::is_valid_vin(word)
        && word.bytes().any(|b| b.is_ascii_digit())
        && word.bytes().any(|b| b.is_ascii_uppercase())
}

/// VINs and numbers in a text (dates like 2026-11-30 count as their three parts).
fn tokens(text: &str) -> Vec<Token> {
    let mut found = Vec::new();
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == ',')) {
        let word = word.trim_matches(|c| c == '.' || c == ',');
        if word.is_empty() {
            continue;
        }
        if is_vin(word) {
            found.push(Token::Vin(word.to_owned()));
            continue;
        }
        if !word.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b',') {
            // Words holding digits ("A3", "2008" as a model, "15k") are names, not figures.
            continue;
        }
        let candidates = number_values(word);
        if !candidates.is_empty() {
            found.push(Token::Number { text: word.to_owned(), candidates });
        }
    }
    found
}

/// `1.203` is 1203 in Spanish and 1.203 in English; `37,5` is 37.5; `15.990,50` is 15990.5.
fn number_values(word: &str) -> Vec<f64> {
    let mut values = Vec::new();
    for (thousands, decimal) in [('.', ','), (',', '.')] {
        let (whole, fraction) = match word.rsplit_once(decimal) {
            Some((whole, fraction)) if !fraction.contains(thousands) => (whole, Some(fraction)),
            _ => (word, None),
        };
        let groups: Vec<&str> = whole.split(thousands).collect();
        if groups.len() > 1 && groups[1..].iter().any(|g| g.len() != 3) {
            continue;
        }
        if whole.contains(decimal) {
            continue;
        }
        let text = match fraction {
            Some(fraction) => format!("{}.{fraction}", groups.concat()),
            None => groups.concat(),
        };
        if let Ok(value) = text.parse::<f64>()
            && !values.contains(&value)
        {
            values.push(value);
        }
    }
    values
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn figures_from_the_results_pass_in_either_notation() {
        let result = json!({"total": 1203, "average_price": "15990.50", "average_days": 37.46});
        let answer = "Hay **1.203** vehículos, precio medio 15.990,50 € (15.991 €), 37,5 días de media. \
                      In English: 1,203 vehicles at €15,990.50.";
        assert_eq!(unverified(answer, "¿cuántos?", &[&result]), Vec::<String>::new());
    }

    #[test]
    fn a_figure_no_tool_returned_is_flagged() {
        let result = json!({"total": 1203});
        let answer = "Hay 1.203 vehículos y un margen medio de 2.450 €.";
        assert_eq!(unverified(answer, "", &[&result]), ["2.450"]);
    }

    #[test]
    fn vins_must_come_from_a_result() {
        let result = json!({"vehicles": [{"vin": "VSSZZZ6JZ9R123456"}]});
        let answer = "El VSSZZZ6JZ9R123456 y el WVWZZZ1KZ8W000001.";
        assert_eq!(unverified(answer, "", &[&result]), ["WVWZZZ1KZ8W000001"]);
    }

    #[test]
    fn the_questions_figures_small_numbers_and_model_names_are_not_flagged() {
        let answer = "Los 3 SEAT Ibiza de menos de 15.000 € con más de 90 días; un Peugeot 2008 y un Audi A3.";
        let question = "SEAT de menos de 15.000 € con más de 90 días";
        let result = json!({"models": ["Ibiza", "2008", "A3"]});
        assert_eq!(unverified(answer, question, &[&result]), Vec::<String>::new());
        assert_eq!(unverified(answer, question, &[]), ["2008"]);
    }
}
