//! The search words' part of the stock index: which vehicles' search texts hold a word.
//!
//! A query word (split at whitespace, folded) is found inside one whitespace-separated token of
//! a text, never across two, so tokens are indexed instead of whole texts. The tokens several
//! vehicles share (brand, model, version, colour) are kept once, each with the rows that hold it.
//! The tokens of a single vehicle (its VIN, its plate) are kept in a buffer of their own, which
//! is searched only when every byte of the word occurs somewhere in it: "corolla" has an `o`,
//! which no VIN has and Spanish plates do not use, so most searches never scan the vehicles' own
//! tokens, and a search visits a few kilobytes instead of every text.

use super::Strings;

pub(super) struct Words {
    /// Distinct tokens that two vehicles or more hold; token `t`'s rows are
    /// `rows[starts[t]..starts[t + 1]]`, ascending.
    shared: Strings,
    starts: Vec<u32>,
    rows: Vec<u32>,
    /// Tokens only one vehicle holds, and that vehicle's row.
    single: Strings,
    single_rows: Vec<u32>,
    /// Whether each byte value occurs in `single`.
    single_bytes: [bool; 256],
    vehicles: u32,
}

impl Words {
    /// Indexes the texts of rows `0..texts.ends.len()`.
    pub(super) fn new(texts: &Strings) -> Words {
        let text = texts.text.as_str();
        // Every token as (start, end) in `text` and its row, then grouped by token.
        let mut tokens: Vec<(u32, u32, u32)> = Vec::new();
        for row in 0..texts.ends.len() {
            for token in texts.get(row).split_whitespace() {
                let start = token.as_ptr() as usize - text.as_ptr() as usize;
                tokens.push((start as u32, (start + token.len()) as u32, row as u32));
            }
        }
        let token = |&(start, end, _): &(u32, u32, u32)| &text[start as usize..end as usize];
        tokens.sort_unstable_by(|a, b| token(a).cmp(token(b)).then(a.2.cmp(&b.2)));

        let mut words = Words {
            shared: Strings::default(),
            starts: vec![0],
            rows: Vec::new(),
            single: Strings::default(),
            single_rows: Vec::new(),
            single_bytes: [false; 256],
            vehicles: texts.ends.len() as u32,
        };
        let mut holders = Vec::new();
        for group in tokens.chunk_by(|a, b| token(a) == token(b)) {
            holders.clear();
            holders.extend(group.iter().map(|&(_, _, row)| row));
            holders.dedup();
            let value = token(&group[0]);
            if let [row] = holders[..] {
                words.single.push(value);
                words.single_rows.push(row);
                for byte in value.bytes() {
                    words.single_bytes[usize::from(byte)] = true;
                }
            } else {
                words.shared.push(value);
                words.rows.extend_from_slice(&holders);
                words.starts.push(words.rows.len() as u32);
            }
        }
        words.shared.text.shrink_to_fit();
        words.single.text.shrink_to_fit();
        words.rows.shrink_to_fit();
        words
    }

    /// The rows, ascending, whose text holds every one of `words` (all rows when none do).
    pub(super) fn rows_with_all(&self, words: &[String]) -> Vec<u32> {
        let mut found: Option<Vec<u32>> = None;
        // An empty word (all accents, folded away) is in every text, as `LIKE '%%'` is.
        for word in words.iter().filter(|word| !word.is_empty()) {
            let rows = self.rows_with(word);
            let rows = match found {
                None => rows,
                Some(before) => before.into_iter().filter(|row| rows.binary_search(row).is_ok()).collect(),
            };
            if rows.is_empty() {
                return rows;
            }
            found = Some(rows);
        }
        found.unwrap_or_else(|| (0..self.vehicles).collect())
    }

    fn rows_with(&self, word: &String) -> Vec<u32> {
        let word = std::slice::from_ref(word);
        let mut rows: Vec<u32> = Vec::new();
        for token in self.shared.containing_all(word) {
            let token = token as usize;
            rows.extend_from_slice(&self.rows[self.starts[token] as usize..self.starts[token + 1] as usize]);
        }
        if word[0].bytes().all(|byte| self.single_bytes[usize::from(byte)]) {
            rows.extend(self.single.containing_all(word).into_iter().map(|token| self.single_rows[token as usize]));
        }
        rows.sort_unstable();
        rows.dedup();
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_found_in_tokens_shared_or_not() {
        let mut texts = Strings::default();
        let all = [
            "seat ibiza rojo",
            "",
            "seat  leon rojo",
            "cupra leon blanco",
            "ibizaseat",
            "vf1aaa 1234bcd seat",
            "vf1bbb 5678cdf cupra blanco",
        ];
        for text in all {
            texts.push(text);
        }
        let index = Words::new(&texts);
        let find = |words: &[&str]| index.rows_with_all(&words.iter().map(|w| w.to_string()).collect::<Vec<_>>());
        assert_eq!(find(&["seat"]), [0, 2, 4, 5]);
        assert_eq!(find(&["seat", "ibiza"]), [0, 4]);
        assert_eq!(find(&["ibiza", "seat"]), [0, 4]);
        // Never across two tokens, nor two texts.
        assert_eq!(find(&["zarojo"]), [0u32; 0]);
        assert_eq!(find(&["rojocupra"]), [0u32; 0]);
        // Tokens of one vehicle: a plate, a VIN.
        assert_eq!(find(&["34bc"]), [5]);
        assert_eq!(find(&["vf1", "cupra"]), [6]);
        // No single vehicle's token has an `o` or an `l`: only the shared ones are looked at.
        assert_eq!(find(&["o"]), [0, 2, 3, 6]);
        assert_eq!(find(&["bl"]), [3, 6]);
        assert_eq!(find(&[]), [0, 1, 2, 3, 4, 5, 6]);
        assert_eq!(find(&["", "cupra"]), [3, 6]);
        // Every answer is what a scan of the texts gives.
        for word in ["a", "se", "eat", "1", "vf1b", "ojo", "x", "cupra", "b"] {
            let scanned: Vec<u32> = (0..all.len() as u32).filter(|&i| all[i as usize].contains(word)).collect();
            assert_eq!(find(&[word]), scanned, "{word}");
        }
    }
}
