//! The stock's vectors in this process's memory, one bit a dimension, held by the stock index
//! ([`crate::stock::index`]) beside each vehicle's filter columns. A ranking by meaning then
//! scores every vehicle the filters leave here and asks PostgreSQL for the exact distances of
//! a few hundred candidates only: walking the HNSW index under a filter cost PostgreSQL 5 to
//! 200 ms of CPU per search (it visits thousands of filtered-out neighbours), so 32 searches
//! at once queued for seconds.
//!
//! A bit is the sign of one dimension of the vector minus the stock's mean vector: centred,
//! each dimension's signs split the stock about evenly, so each bit says the most. The query
//! keeps (nearly) its full precision: its score against a code is the sum of its dimensions,
//! each with the code's sign, an estimate of the dot product that is read one code byte at a
//! time from a table built once per query. The table holds integers (the query scaled to
//! ±127 a dimension): integer sums do not wait on each other as floating-point ones do, which
//! made scoring 100,000 codes four times faster.

use uuid::Uuid;

/// The codes of one model's vectors, one per row of the stock index.
pub struct Codes {
    /// The model whose vectors these are.
    model: String,
    /// What is taken away from each vector before its signs are kept.
    mean: Vec<f32>,
    /// How many vectors `mean` is the mean of.
    mean_from: i64,
    /// Bytes per code.
    stride: usize,
    /// Row `i`'s code is `bytes[i * stride..(i + 1) * stride]`, zeros while it has none.
    bytes: Vec<u8>,
    present: Vec<bool>,
    /// Row `i`'s text (`passage_key`): its exact vector's key in PostgreSQL.
    keys: Vec<Uuid>,
}

impl Codes {
    pub fn new(model: String, (mean, mean_from): (Vec<f32>, i64), rows: usize) -> Self {
        let stride = mean.len().div_ceil(8);
        Codes {
            model,
            mean,
            mean_from,
            stride,
            bytes: Vec::with_capacity(rows * stride),
            present: Vec::with_capacity(rows),
            keys: Vec::with_capacity(rows),
        }
    }

    /// Adds the next row's text and code (`None`: the text has no vector yet).
    pub fn push(&mut self, key: Uuid, code: Option<&[u8]>) {
        self.bytes.resize(self.bytes.len() + self.stride, 0);
        self.present.push(false);
        self.keys.push(key);
        if let Some(code) = code {
            self.set(self.present.len() - 1, code);
        }
    }

    pub fn model(&self) -> &str {
        &self.model
    }

    /// The mean vector, for the SQL that quantizes vectors the same way
    /// (`binary_quantize(embedding - mean)`).
    pub fn mean(&self) -> &[f32] {
        &self.mean
    }

    pub fn mean_from(&self) -> i64 {
        self.mean_from
    }

    /// Sets row `row`'s code: the bytes of a `bit` value, first dimension in the high bit.
    /// A code of another length (another model's) is ignored.
    pub fn set(&mut self, row: usize, code: &[u8]) {
        if code.len() == self.stride && row < self.present.len() {
            self.bytes[row * self.stride..(row + 1) * self.stride].copy_from_slice(code);
            self.present[row] = true;
        }
    }

    pub fn key(&self, row: usize) -> Uuid {
        self.keys[row]
    }

    /// How many rows have no code yet (their text is waiting for the worker).
    pub fn missing(&self) -> usize {
        self.present.iter().filter(|present| !**present).count()
    }

    /// The `count` rows of `rows` (those with a code) that score best against `query`, best
    /// first.
    pub fn best(&self, query: &QueryTable, rows: &[u32], count: usize) -> Vec<u32> {
        let mut scored: Vec<(i32, u32)> = Vec::with_capacity(rows.len());
        for &row in rows {
            let at = row as usize;
            if self.present[at] {
                scored.push((query.score(&self.bytes[at * self.stride..][..self.stride]), row));
            }
        }
        let by_score = |a: &(i32, u32), b: &(i32, u32)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
        if scored.len() > count && count > 0 {
            scored.select_nth_unstable_by(count - 1, by_score);
        }
        scored.truncate(count);
        scored.sort_unstable_by(by_score);
        scored.into_iter().map(|(_, row)| row).collect()
    }
}

/// A query's score for each value of each code byte.
pub struct QueryTable {
    sums: Vec<[i16; 256]>,
}

impl QueryTable {
    /// `None` when the query's dimension is not the codes'.
    pub fn new(query: &[f32], codes: &Codes) -> Option<Self> {
        if query.len() != codes.mean.len() {
            return None;
        }
        let largest = query.iter().fold(0f32, |largest, value| largest.max(value.abs()));
        let scale = if largest > 0.0 { 127.0 / largest } else { 0.0 };
        let scaled: Vec<i16> = query.iter().map(|value| (value * scale).round() as i16).collect();
        // Eight dimensions of at most 127 each: a byte's sum fits an i16 with room to spare.
        let sums = scaled
            .chunks(8)
            .map(|dimensions| {
                let mut sums = [0i16; 256];
                for (byte, sum) in sums.iter_mut().enumerate() {
                    *sum = dimensions
                        .iter()
                        .enumerate()
                        .map(|(bit, value)| if byte & (0x80 >> bit) != 0 { *value } else { -*value })
                        .sum();
                }
                sums
            })
            .collect();
        Some(QueryTable { sums })
    }

    fn score(&self, code: &[u8]) -> i32 {
        code.iter().zip(&self.sums).map(|(byte, sums)| i32::from(sums[*byte as usize])).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bytes `binary_quantize` gives for `vector - mean`.
    fn quantize(vector: &[f32], mean: &[f32]) -> Vec<u8> {
        let mut bytes = vec![0u8; vector.len().div_ceil(8)];
        for (i, (v, m)) in vector.iter().zip(mean).enumerate() {
            if v - m > 0.0 {
                bytes[i / 8] |= 0x80 >> (i % 8);
            }
        }
        bytes
    }

    #[test]
    fn a_score_is_the_query_summed_with_the_codes_signs() {
        let mean = vec![0.0; 10];
        let mut codes = Codes::new("m".into(), (mean.clone(), 1), 2);
        let stored = [1.0, -1.0, 1.0, 1.0, -1.0, -1.0, 1.0, -1.0, 1.0, -1.0];
        codes.push(Uuid::nil(), None);
        codes.push(Uuid::nil(), Some(&quantize(&stored, &mean)));
        // Scaled so the largest is 127: 12.7 a unit.
        let query: Vec<f32> = (1..=10).map(|i| i as f32).collect();
        let table = QueryTable::new(&query, &codes).unwrap();
        let expected: f32 = query.iter().zip(stored).map(|(q, s)| q * s * 12.7).sum();
        assert!((table.score(&codes.bytes[codes.stride..]) as f32 - expected).abs() <= 5.0);
        assert_eq!(codes.missing(), 1);
        assert!(QueryTable::new(&[1.0], &codes).is_none(), "another dimension");
    }

    #[test]
    fn the_best_rows_come_first_and_rows_without_a_code_are_left_out() {
        let mean = vec![0.5, 0.5, 0.5];
        let mut codes = Codes::new("m".into(), (mean.clone(), 1), 4);
        // Row 0 points like the query, row 2 the other way, row 3 has no code (a code of
        // another length is not one).
        codes.push(Uuid::nil(), Some(&quantize(&[1.0, 1.0, 0.0], &mean)));
        codes.push(Uuid::nil(), Some(&quantize(&[1.0, 0.0, 0.0], &mean)));
        codes.push(Uuid::nil(), Some(&quantize(&[0.0, 0.0, 1.0], &mean)));
        codes.push(Uuid::nil(), Some(&[0xff, 0xff]));
        let table = QueryTable::new(&[0.7, 0.7, -0.1], &codes).unwrap();
        assert_eq!(codes.best(&table, &[0, 1, 2, 3], 10), [0, 1, 2]);
        assert_eq!(codes.best(&table, &[0, 1, 2, 3], 2), [0, 1]);
        assert_eq!(codes.best(&table, &[2, 1], 1), [1]);
    }
}
