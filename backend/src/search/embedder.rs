//! Turning texts into vectors. One trait, three implementations: the embedded multilingual
//! model ([`super::e5`], the default: in-process, no network), an OpenAI-compatible
//! endpoint ([`super::openai`]) and, for unit tests only, hashed character trigrams.

use futures_util::future::BoxFuture;

/// E5-style models embed questions and documents differently ("query: " / "passage: ").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextRole {
    Query,
    Passage,
}

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("the embedding provider failed: {0}")]
    Provider(String),
    #[error("the embedding provider answered {got} vectors of {dims} dimensions, expected {expected}")]
    WrongShape { got: usize, dims: usize, expected: usize },
}

pub trait Embedder: Send + Sync {
    /// Names the model and its version: vectors of different ids are never compared.
    fn model_id(&self) -> &str;
    fn dimensions(&self) -> usize;
    /// One L2-normalised vector per text, in order.
    fn embed<'a>(&'a self, texts: &'a [String], role: TextRole) -> BoxFuture<'a, Result<Vec<Vec<f32>>, EmbedError>>;
}

/// Checks a provider's answer has one vector of the right size per text.
pub fn check_shape(vectors: &[Vec<f32>], texts: usize, expected: usize) -> Result<(), EmbedError> {
    match vectors.iter().find(|v| v.len() != expected) {
        Some(bad) => Err(EmbedError::WrongShape { got: vectors.len(), dims: bad.len(), expected }),
        None if vectors.len() != texts => Err(EmbedError::WrongShape { got: vectors.len(), dims: expected, expected }),
        None => Ok(()),
    }
}

/// Texts reach C and JSON as UTF-8 without NUL bytes.
pub fn clean_text(text: &str) -> String {
    text.replace('\0', " ")
}

/// A deterministic embedder for unit tests: hashed character trigrams of the folded text.
#[cfg(test)]
pub struct HashedTrigrams;

#[cfg(test)]
impl HashedTrigrams {
    pub const DIMENSIONS: usize = 64;
}

#[cfg(test)]
impl Embedder for HashedTrigrams {
    fn model_id(&self) -> &str {
        "hashed-trigrams-64"
    }

    fn dimensions(&self) -> usize {
        Self::DIMENSIONS
    }

    fn embed<'a>(&'a self, texts: &'a [String], _role: TextRole) -> BoxFuture<'a, Result<Vec<Vec<f32>>, EmbedError>> {
        use sha2::{Digest, Sha256};
        let vectors = texts
            .iter()
            .map(|text| {
                let chars: Vec<char> = format!("  {}  ", crate::stock::filters::fold_text(text)).chars().collect();
                let mut vector = vec![0f32; Self::DIMENSIONS];
                for gram in chars.windows(3) {
                    let digest = Sha256::digest(gram.iter().collect::<String>().as_bytes());
                    vector[digest[0] as usize % Self::DIMENSIONS] += 1.0;
                }
                let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt().max(f32::EPSILON);
                vector.iter_mut().for_each(|x| *x /= norm);
                vector
            })
            .collect();
        Box::pin(async move { Ok(vectors) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cosine(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[tokio::test]
    async fn hashed_trigrams_are_deterministic_normalised_and_graded() {
        let texts: Vec<String> =
            ["SEAT León diésel", "seat leon diesel", "Tesla Model 3 eléctrico"].map(str::to_owned).to_vec();
        let vectors = HashedTrigrams.embed(&texts, TextRole::Passage).await.unwrap();
        check_shape(&vectors, 3, HashedTrigrams::DIMENSIONS).unwrap();
        assert!((cosine(&vectors[0], &vectors[0]) - 1.0).abs() < 1e-5);
        // Accents and case fold away; an unrelated car is further.
        assert!((cosine(&vectors[0], &vectors[1]) - 1.0).abs() < 1e-5);
        assert!(cosine(&vectors[0], &vectors[2]) < 0.6);
        assert_eq!(vectors, HashedTrigrams.embed(&texts, TextRole::Passage).await.unwrap());
    }

    #[test]
    fn wrong_shapes_are_refused() {
        assert!(check_shape(&[vec![0.0; 3]], 2, 3).is_err());
        assert!(check_shape(&[vec![0.0; 3], vec![0.0; 2]], 2, 3).is_err());
        assert!(check_shape(&[vec![0.0; 3], vec![0.0; 3]], 2, 3).is_ok());
    }
}
