//! The stock's vectors in this process's memory, compressed, held by the stock index
//! ([`crate::stock::index`]) beside each vehicle's filter columns. A ranking by meaning then
//! scores every vehicle the filters leave here and asks PostgreSQL for the exact distances of
//! a hundred or two candidates only: walking the HNSW index under a filter cost PostgreSQL 5 to
//! 200 ms of CPU per search (it visits thousands of filtered-out neighbours), so 32 searches
//! at once queued for seconds.
//!
//! Each vector is kept twice, centred on the stock's mean vector (so each dimension's values
//! split the stock about evenly):
//! - its *signs*, one bit a dimension (48 bytes for 384 dimensions), which every search scores
//!   in full: the query, at full precision, summed with each dimension's sign. The sums are
//!   read one code byte at a time from a table of integers built once per query (integer sums
//!   do not wait on each other as floating-point ones do: four times faster);
//! - its *levels*, four bits a dimension, which re-score the best few thousand by signs. Signs
//!   alone cannot tell apart vectors that differ by small amounts in many dimensions (texts of
//!   one model that differ in a few words); the levels can (docs/BENCHMARKS.md has the recall).

use uuid::Uuid;

/// Vehicles whose vector is not stored yet have no slot.
const NO_SLOT: u32 = u32::MAX;
/// The levels of a dimension span this many standard deviations either side of its mean
/// (about 99% of values); values beyond take the end level.
const LEVEL_SPAN: f32 = 2.6;

/// The compressed vectors of one model, for the rows of the stock index.
pub struct Codes {
    /// The model whose vectors these are.
    model: String,
    /// What is taken away from each vector (its dimension's mean).
    mean: Vec<f32>,
    /// How many vectors `mean` was measured on.
    mean_from: i64,
    /// Per dimension: the value of level 0 and the step between levels (centred).
    level_low: Vec<f32>,
    level_step: Vec<f32>,
    /// Each row's slot in the arrays below ([`NO_SLOT`]: no vector yet). Only stored vectors
    /// take memory.
    slots: Vec<u32>,
    signs: Vec<u8>,
    levels: Vec<u8>,
    /// Each slot's text (`passage_key`): its exact vector's key in PostgreSQL.
    keys: Vec<Uuid>,
}

impl Codes {
    /// Codes for `model`'s vectors, their mean and spread measured on `sample` (when empty,
    /// the codes are centred on zero until made again).
    pub fn new(model: String, dimensions: usize, sample: &[Vec<f32>], rows: usize) -> Self {
        let count = sample.len().max(1) as f32;
        let mut mean = vec![0f32; dimensions];
        let mut variance = vec![0f32; dimensions];
        for vector in sample.iter().filter(|v| v.len() == dimensions) {
            mean.iter_mut().zip(vector).for_each(|(m, v)| *m += v / count);
        }
        for vector in sample.iter().filter(|v| v.len() == dimensions) {
            variance.iter_mut().zip(vector).zip(&mean).for_each(|((s, v), m)| *s += (v - m).powi(2) / count);
        }
        // Unit vectors of 384 dimensions: about 0.05 a dimension when nothing was measured.
        let spread: Vec<f32> = variance
            .iter()
            .map(|v| if *v > 0.0 { v.sqrt() * LEVEL_SPAN } else { LEVEL_SPAN / (dimensions.max(1) as f32).sqrt() })
            .collect();
        Codes {
            model,
            mean,
            mean_from: sample.len() as i64,
            level_low: spread.iter().map(|s| -s).collect(),
            level_step: spread.iter().map(|s| 2.0 * s / 15.0).collect(),
            slots: Vec::with_capacity(rows),
            signs: Vec::new(),
            levels: Vec::new(),
            keys: Vec::new(),
        }
    }

    pub fn model(&self) -> &str {
        &self.model
    }

    pub fn dimensions(&self) -> usize {
        self.mean.len()
    }

    pub fn mean_from(&self) -> i64 {
        self.mean_from
    }

    /// Adds the next row: its text and, once stored, its vector.
    pub fn push(&mut self, key: Uuid, vector: Option<&[f32]>) {
        self.slots.push(NO_SLOT);
        if let Some(vector) = vector {
            self.set(self.slots.len() - 1, key, vector);
        }
    }

    /// Sets row `row`'s vector. A vector of another dimension (another model's) is ignored.
    pub fn set(&mut self, row: usize, key: Uuid, vector: &[f32]) {
        if vector.len() != self.dimensions() || row >= self.slots.len() {
            return;
        }
        let slot = match self.slots[row] {
            NO_SLOT => {
                self.keys.push(key);
                self.signs.resize(self.signs.len() + self.dimensions().div_ceil(8), 0);
                self.levels.resize(self.levels.len() + self.dimensions().div_ceil(2), 0);
                self.slots[row] = (self.keys.len() - 1) as u32;
                self.keys.len() - 1
            }
            slot => {
                self.keys[slot as usize] = key;
                slot as usize
            }
        };
        let (sign_bytes, level_bytes) = (self.dimensions().div_ceil(8), self.dimensions().div_ceil(2));
        let signs = &mut self.signs[slot * sign_bytes..][..sign_bytes];
        let levels = &mut self.levels[slot * level_bytes..][..level_bytes];
        signs.fill(0);
        levels.fill(0);
        for (d, value) in vector.iter().enumerate() {
            let centred = value - self.mean[d];
            if centred > 0.0 {
                signs[d / 8] |= 0x80 >> (d % 8);
            }
            let level = ((centred - self.level_low[d]) / self.level_step[d]).round().clamp(0.0, 15.0) as u8;
            levels[d / 2] |= if d % 2 == 0 { level << 4 } else { level };
        }
    }

    /// Row `row`'s text, if its vector is stored.
    pub fn key(&self, row: usize) -> Option<Uuid> {
        let slot = *self.slots.get(row)?;
        (slot != NO_SLOT).then(|| self.keys[slot as usize])
    }

    /// How many rows have no vector yet (their text is waiting for the worker).
    pub fn missing(&self) -> usize {
        self.slots.len() - self.keys.len()
    }

    /// The `count` rows of `rows` (those with a vector) that score best against `query`, best
    /// first: the best few thousand by signs, re-scored by levels.
    pub fn best(&self, query: &QueryTables, rows: &[u32], count: usize) -> Vec<u32> {
        let sign_bytes = self.dimensions().div_ceil(8);
        let mut by_signs: Vec<(i32, u32)> = Vec::with_capacity(rows.len());
        for &row in rows {
            let slot = self.slots[row as usize];
            if slot != NO_SLOT {
                by_signs.push((query.signs.score(&self.signs[slot as usize * sign_bytes..][..sign_bytes]), row));
            }
        }
        keep_best(&mut by_signs, (count * 10).max(2000));
        let level_bytes = self.dimensions().div_ceil(2);
        let mut by_levels: Vec<(i32, u32)> = by_signs
            .into_iter()
            .map(|(_, row)| {
                let slot = self.slots[row as usize] as usize;
                (query.levels.score(&self.levels[slot * level_bytes..][..level_bytes]), row)
            })
            .collect();
        keep_best(&mut by_levels, count);
        by_levels.into_iter().map(|(_, row)| row).collect()
    }
}

/// Keeps the `count` highest scores, best first (ties: the lower row first).
fn keep_best<S: PartialOrd + Copy>(scored: &mut Vec<(S, u32)>, count: usize) {
    let by_score =
        |a: &(S, u32), b: &(S, u32)| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal).then(a.1.cmp(&b.1));
    if scored.len() > count && count > 0 {
        scored.select_nth_unstable_by(count - 1, by_score);
    }
    scored.truncate(count);
    scored.sort_unstable_by(by_score);
}

/// A query's score tables, one per kind of code.
pub struct QueryTables {
    signs: ByteTable,
    levels: ByteTable,
}

/// A score for each value of each code byte, as integers (scaled to the table's largest).
struct ByteTable {
    sums: Vec<[i16; 256]>,
}

impl ByteTable {
    /// The table of `sums`, scaled so the largest is `largest`.
    fn scaled(sums: Vec<[f32; 256]>, largest: f32) -> Self {
        let top = sums.iter().flatten().fold(0f32, |top, sum| top.max(sum.abs()));
        let scale = if top > 0.0 { largest / top } else { 0.0 };
        ByteTable { sums: sums.iter().map(|sums| sums.map(|sum| (sum * scale).round() as i16)).collect() }
    }

    fn score(&self, code: &[u8]) -> i32 {
        code.iter().zip(&self.sums).map(|(byte, sums)| i32::from(sums[*byte as usize])).sum()
    }
}

impl QueryTables {
    /// `None` when the query's dimension is not the codes'.
    pub fn new(query: &[f32], codes: &Codes) -> Option<Self> {
        if query.len() != codes.dimensions() {
            return None;
        }
        let signs = query
            .chunks(8)
            .map(|dimensions| {
                let mut sums = [0f32; 256];
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
        // Two dimensions a byte, four bits each (the first in the high half).
        let value = |d: usize, level: usize| codes.level_low[d] + level as f32 * codes.level_step[d];
        let levels = (0..query.len().div_ceil(2))
            .map(|pair| {
                let mut sums = [0f32; 256];
                for (byte, sum) in sums.iter_mut().enumerate() {
                    let (first, second) = (2 * pair, 2 * pair + 1);
                    *sum = query[first] * value(first, byte >> 4)
                        + query.get(second).map_or(0.0, |q| q * value(second, byte & 0x0f));
                }
                sums
            })
            .collect();
        // A byte's sum of at most 127 × 8 leaves room to add 48 of them in an i32, and keeps
        // far more precision than one bit a dimension has.
        Some(QueryTables { signs: ByteTable::scaled(signs, 1016.0), levels: ByteTable::scaled(levels, 16_000.0) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(dimensions: usize) -> Codes {
        // Centred on zero, levels of 0.1 from -0.75.
        let mut codes = Codes::new("m".into(), dimensions, &[], 0);
        codes.level_low = vec![-0.75; dimensions];
        codes.level_step = vec![0.1; dimensions];
        codes
    }

    #[test]
    fn signs_score_the_query_summed_with_each_sign() {
        let mut codes = codes(10);
        let stored = [1.0, -1.0, 1.0, 1.0, -1.0, -1.0, 1.0, -1.0, 1.0, -1.0];
        codes.push(Uuid::nil(), None);
        codes.push(Uuid::from_u128(7), Some(&stored));
        assert_eq!((codes.missing(), codes.key(0), codes.key(1)), (1, None, Some(Uuid::from_u128(7))));
        let query: Vec<f32> = (1..=10).map(|i| i as f32).collect();
        let tables = QueryTables::new(&query, &codes).unwrap();
        // The largest byte sum (every sign right: 1 + ... + 8 = 36) is scaled to 1016.
        let expected: f32 = query.iter().zip(stored).map(|(q, s)| q * s * 1016.0 / 36.0).sum();
        assert!((tables.signs.score(&codes.signs[..2]) as f32 - expected).abs() <= 2.0);
        assert!(QueryTables::new(&[1.0], &codes).is_none(), "another dimension");
    }

    #[test]
    fn levels_score_the_dot_product_with_the_nearest_levels() {
        let mut codes = codes(3);
        let stored = [0.25, -0.35, 0.0];
        codes.push(Uuid::nil(), Some(&stored));
        let query = [1.0, 2.0, -1.0];
        let tables = QueryTables::new(&query, &codes).unwrap();
        // The nearest levels: 0.25, -0.35 and 0.05 (0.0 lies between -0.05 and 0.05), scaled
        // as the largest byte sum (0.75 × 1 + 0.75 × 2 = 2.25) is to 16,000.
        let score = tables.levels.score(&codes.levels[..2]) as f32 * 2.25 / 16_000.0;
        assert!((score - (0.25 - 0.7 - 0.05)).abs() < 0.11, "{score}");
    }

    #[test]
    fn the_best_rows_come_first_and_rows_without_a_vector_are_left_out() {
        let mut codes = codes(3);
        // Row 0 points like the query, row 2 the other way, row 3 has no vector (one of
        // another dimension is not one).
        codes.push(Uuid::nil(), Some(&[0.5, 0.5, -0.1]));
        codes.push(Uuid::nil(), Some(&[0.5, -0.1, -0.1]));
        codes.push(Uuid::nil(), Some(&[-0.5, -0.5, 0.5]));
        codes.push(Uuid::nil(), Some(&[1.0, 1.0]));
        let tables = QueryTables::new(&[0.7, 0.7, -0.1], &codes).unwrap();
        assert_eq!(codes.best(&tables, &[0, 1, 2, 3], 10), [0, 1, 2]);
        assert_eq!(codes.best(&tables, &[0, 1, 2, 3], 2), [0, 1]);
        assert_eq!(codes.best(&tables, &[2, 1], 1), [1]);
        // A vector set again replaces the first.
        codes.set(2, Uuid::nil(), &[0.6, 0.6, -0.2]);
        assert_eq!(codes.best(&tables, &[0, 1, 2, 3], 1), [2]);
        assert_eq!(codes.missing(), 1);
    }
}
