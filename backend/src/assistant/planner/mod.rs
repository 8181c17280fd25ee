//! The embedded planner: answers questions about the stock, in Spanish or English, when no
//! language model is configured, through the same typed tools a model would call.
//!
//! Understanding (`understand`) is a reading, not a grammar. The question is folded (lower case,
//! no accents) and split into words. The business's own names (dealers, models, brands,
//! provinces and body types, loaded from the database into a [`Vocabulary`]) and a fixed
//! lexicon (`lexicon`: fuels, gearboxes, stock types, superlatives, "por marca", "más de 90
//! días", "15k", "entre 10.000 y 20.000"...) each claim the words they recognise, so a word is
//! understood once: "Madrid" in "Autos Sol Madrid" is the dealer, not also the province. What
//! was read decides the intent, in this order: a VIN lookup, the monthly snapshots (months,
//! "evolución"), the dashboard (KPIs, margin, sold this month), a breakdown ("por
//! concesionario"), an extreme ("el más caro"), a count or average, a described need (semantic
//! search), else a plain list. A follow-up ("¿y de esos...?") starts from the previous answer's
//! filters. A question with nothing about the stock in it, or one that counts something the
//! tools cannot see ("¿cuántos empleados...?"), is not understood rather than guessed at.
//!
//! Answering (`answer`) writes Markdown from the results alone: every figure is copied from a
//! result (or, for a bound the question set, from the question), never computed, so the check
//! for unverified figures has nothing to flag.

mod answer;
mod lexicon;
mod numbers;
mod text;
mod understand;

#[cfg(test)]
mod tests;

use chrono::NaiveDate;

use crate::assistant::tools::args::{ToolOutput, ToolRequest};

/// The names the planner recognises in questions, loaded from the database by the caller.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    /// "SEAT", "Volkswagen", "Mercedes-Benz"...
    pub brands: Vec<String>,
    /// (brand, model): ("SEAT", "Ibiza").
    pub models: Vec<(String, String)>,
    /// "SUV", "Turismo", "Familiar", "Monovolumen"...
    pub vehicle_types: Vec<String>,
    /// (id, name): (3, "Autos Sol Madrid").
    pub dealers: Vec<(i64, String)>,
    /// (INE code, name): ("28", "Madrid").
    pub provinces: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Es,
    En,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Run these tools (one round), then call `answer` with their results.
    Calls { language: Language, calls: Vec<ToolRequest> },
    /// Not understood: `not_understood(language)` is the reply.
    NotUnderstood { language: Language },
}

/// `previous`: the tool calls behind the previous answer in this conversation (for follow-ups such
/// as "¿y de esos, cuántos son automáticos?": the first of them with filters is the starting
/// point). `today`: the business's date (for months and ages).
pub fn plan(question: &str, previous: &[ToolRequest], vocabulary: &Vocabulary, today: NaiveDate) -> Plan {
    understand::plan(question, previous, vocabulary, today)
}

/// The answer in Markdown, written only from the results (each call with its output, or the error
/// text when it failed).
pub fn answer(language: Language, question: &str, results: &[(ToolRequest, Result<ToolOutput, String>)]) -> String {
    answer::answer(language, question, results)
}

/// An honest reply saying it did not understand, with example questions it can answer.
pub fn not_understood(language: Language) -> String {
    answer::not_understood(language)
}

/// Spanish unless the question reads as English: the business is Spanish, so a tie (a bare
/// "KPIs") is Spanish.
pub fn detect_language(question: &str) -> Language {
    const SPANISH: &[&str] = &[
        "cuantos",
        "cuantas",
        "cuanto",
        "cual",
        "cuales",
        "que",
        "de",
        "del",
        "los",
        "las",
        "el",
        "la",
        "hay",
        "tenemos",
        "tiene",
        "coches",
        "coche",
        "vehiculos",
        "vehiculo",
        "por",
        "con",
        "sin",
        "mas",
        "menos",
        "y",
        "en",
        "compara",
        "precio",
        "medio",
        "media",
        "busco",
        "algo",
        "para",
        "esos",
        "estos",
        "muestrame",
        "resumen",
        "concesionario",
        "dame",
        "entre",
        "son",
        "dias",
        "es",
        "un",
        "una",
        "mes",
        "barato",
        "caro",
        "antiguo",
        "hola",
        "tiempo",
    ];
    const ENGLISH: &[&str] = &[
        "how",
        "many",
        "much",
        "what",
        "which",
        "the",
        "of",
        "cars",
        "car",
        "vehicles",
        "vehicle",
        "do",
        "we",
        "have",
        "is",
        "are",
        "by",
        "with",
        "show",
        "list",
        "compare",
        "average",
        "price",
        "cheapest",
        "most",
        "looking",
        "for",
        "something",
        "those",
        "and",
        "in",
        "oldest",
        "newest",
        "summary",
        "dealer",
        "under",
        "over",
        "between",
        "than",
        "me",
        "our",
        "there",
        "days",
        "month",
        "months",
        "per",
        "from",
        "to",
        "a",
        "an",
        "any",
        "all",
        "users",
        "hello",
        "weather",
        "longest",
        "mileage",
        "fuel",
        "sold",
        "this",
        "last",
    ];
    let accents = question.chars().filter(|c| "¿¡ñÑáéíóúÁÉÍÓÚ".contains(*c)).count();
    let (mut spanish, mut english) = (2 * accents, 0);
    for token in text::tokenize(question) {
        spanish += usize::from(SPANISH.contains(&token.word.as_str()));
        english += usize::from(ENGLISH.contains(&token.word.as_str()));
    }
    if english > spanish { Language::En } else { Language::Es }
}
