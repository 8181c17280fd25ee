//! Words people read in both languages, for what the backend writes (localized exports) and
//! the SPA shows alike: one copy of each, so a file and the screen never disagree.

use crate::text::fold_text;

/// The languages of the UI and of localized files; Spanish is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Es,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Es, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Es => "es",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|lang| lang.code() == code)
    }
}

/// One text in every language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label {
    pub es: &'static str,
    pub en: &'static str,
}

impl Label {
    pub const fn new(es: &'static str, en: &'static str) -> Label {
        Label { es, en }
    }

    pub fn text(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Es => self.es,
            Lang::En => self.en,
        }
    }

    /// Whether `text` is this label in some language, case and accents aside (how a file
    /// written with these labels is read back).
    pub fn matches(self, text: &str) -> bool {
        let text = fold_text(text.trim());
        Lang::ALL.into_iter().any(|lang| fold_text(self.text(lang)) == text)
    }
}

pub const YES: Label = Label::new("Sí", "Yes");
pub const NO: Label = Label::new("No", "No");

pub fn yes_no(value: bool) -> Label {
    if value { YES } else { NO }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_match_in_either_language_without_accents() {
        assert!(YES.matches("si"));
        assert!(YES.matches(" YES "));
        assert!(!YES.matches("no"));
        assert_eq!(Lang::from_code("en"), Some(Lang::En));
        assert_eq!(Lang::from_code("fr"), None);
    }
}
