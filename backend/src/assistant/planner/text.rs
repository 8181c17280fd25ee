//! Questions as folded words, and phrases matched against them as whole words.

use shared::text::fold_text;

#[derive(Debug, Clone)]
pub(super) struct Token {
    /// As typed: VINs are read from this.
    pub raw: String,
    /// Lower case without accents: everything else is matched against this.
    pub word: String,
}

/// Splits text into words and numbers. A `.` or `,` between digits stays inside the number
/// (`15.000`, `37,5`); `€` is a word of its own; any other punctuation separates.
pub(super) fn tokenize(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut current = String::new();
    let flush = |current: &mut String, tokens: &mut Vec<Token>| {
        if !current.is_empty() {
            tokens.push(Token { word: fold_text(current), raw: std::mem::take(current) });
        }
    };
    for (at, &c) in chars.iter().enumerate() {
        let inside_number = matches!(c, '.' | ',')
            && current.ends_with(|p: char| p.is_ascii_digit())
            && chars.get(at + 1).is_some_and(char::is_ascii_digit);
        if c.is_alphanumeric() || inside_number {
            current.push(c);
            continue;
        }
        flush(&mut current, &mut tokens);
        if c == '€' {
            tokens.push(Token { raw: "€".into(), word: "€".into() });
        }
    }
    flush(&mut current, &mut tokens);
    tokens
}

/// A name's folded words: `Mercedes-Benz` is `["mercedes", "benz"]`.
pub(super) fn fold_words(text: &str) -> Vec<String> {
    tokenize(text).into_iter().map(|t| t.word).collect()
}

/// A question's words and which of them a reading has claimed, so that each word is understood
/// once ("Madrid" in "Autos Sol Madrid" is the dealer, not also the province).
pub(super) struct Words {
    tokens: Vec<Token>,
    claimed: Vec<bool>,
}

impl Words {
    pub fn new(text: &str) -> Words {
        let tokens = tokenize(text);
        let claimed = vec![false; tokens.len()];
        Words { tokens, claimed }
    }

    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// The folded word at `at`; empty past either end.
    pub fn word(&self, at: usize) -> &str {
        self.tokens.get(at).map_or("", |t| t.word.as_str())
    }

    pub fn raw(&self, at: usize) -> &str {
        self.tokens.get(at).map_or("", |t| t.raw.as_str())
    }

    pub fn is_claimed(&self, at: usize) -> bool {
        self.claimed.get(at).copied().unwrap_or(false)
    }

    pub fn claim(&mut self, at: usize, len: usize) {
        let end = (at + len).min(self.claimed.len());
        self.claimed[at.min(end)..end].iter_mut().for_each(|c| *c = true);
    }

    /// Whether `phrase` (folded words separated by spaces) starts at `at`.
    pub fn matches_at(&self, at: usize, phrase: &str) -> bool {
        phrase.split(' ').enumerate().all(|(i, part)| self.word(at + i) == part && at + i < self.len())
    }

    fn free_at(&self, at: usize, phrase: &[String]) -> bool {
        at + phrase.len() <= self.len()
            && phrase.iter().enumerate().all(|(i, part)| self.word(at + i) == part && !self.is_claimed(at + i))
    }

    /// Where `phrase` first occurs at or after `from` with none of its words claimed.
    pub fn find_free(&self, phrase: &[String], from: usize) -> Option<usize> {
        if phrase.is_empty() {
            return None;
        }
        (from..self.len()).find(|&at| self.free_at(at, phrase))
    }

    pub fn contains(&self, phrase: &str) -> bool {
        (0..self.len()).any(|at| self.matches_at(at, phrase))
    }

    pub fn contains_any(&self, phrases: &[&str]) -> bool {
        phrases.iter().any(|p| self.contains(p))
    }

    pub fn any_word_starts_with(&self, prefixes: &[&str]) -> bool {
        self.tokens.iter().any(|t| prefixes.iter().any(|p| t.word.starts_with(p)))
    }

    /// Claims the first free occurrence of one of `phrases`, longest phrases first; returns
    /// where it starts, how many words it has and which phrase it was.
    pub fn take_any(&mut self, phrases: &[&str]) -> Option<Found> {
        let mut by_length: Vec<(usize, Vec<String>)> =
            phrases.iter().enumerate().map(|(i, p)| (i, p.split(' ').map(str::to_owned).collect())).collect();
        by_length.sort_by_key(|(_, words)| std::cmp::Reverse(words.len()));
        for (index, phrase) in by_length {
            if let Some(at) = self.find_free(&phrase, 0) {
                self.claim(at, phrase.len());
                return Some(Found { at, len: phrase.len(), index });
            }
        }
        None
    }

    /// The phrase among `phrases` that ends just before `end`, free, longest first.
    pub fn free_phrase_ending_at(&self, end: usize, phrases: &[&str]) -> Option<Found> {
        phrases
            .iter()
            .enumerate()
            .filter_map(|(index, phrase)| {
                let parts: Vec<String> = phrase.split(' ').map(str::to_owned).collect();
                let at = end.checked_sub(parts.len())?;
                self.free_at(at, &parts).then_some(Found { at, len: parts.len(), index })
            })
            .max_by_key(|found| found.len)
    }

    /// The phrase among `phrases` that starts at `at`, free, longest first.
    pub fn free_phrase_at(&self, at: usize, phrases: &[&str]) -> Option<Found> {
        phrases
            .iter()
            .enumerate()
            .filter_map(|(index, phrase)| {
                let parts: Vec<String> = phrase.split(' ').map(str::to_owned).collect();
                self.free_at(at, &parts).then_some(Found { at, len: parts.len(), index })
            })
            .max_by_key(|found| found.len)
    }
}

/// A phrase found in a question.
#[derive(Debug, Clone, Copy)]
pub(super) struct Found {
    pub at: usize,
    pub len: usize,
    /// Its position in the list of phrases searched.
    pub index: usize,
}

impl Found {
    pub fn end(&self) -> usize {
        self.at + self.len
    }
}
