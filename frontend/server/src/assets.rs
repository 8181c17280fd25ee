//! The built SPA, held in memory with its gzip and brotli variants, so every response is a
//! memory copy in the encoding the browser prefers. The variants are made at build time
//! (`dealaai-frontend-server precompress DIR`, maximum compression); files without them are
//! compressed at start-up with faster settings.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use actix_web::http::header::{self, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use anyhow::Context;

pub struct Asset {
    content_type: String,
    identity: Bytes,
    gzip: Option<Bytes>,
    brotli: Option<Bytes>,
    /// Trunk puts a content hash in file names: those never change and can be cached forever.
    immutable: bool,
}

pub struct Assets {
    files: HashMap<String, Asset>,
}

impl Assets {
    pub fn load(dist: &Path) -> anyhow::Result<Self> {
        let mut files = HashMap::new();
        load_dir(dist, dist, &mut files)?;
        if !files.contains_key("/index.html") {
            anyhow::bail!("{} has no index.html: build the app first (`cargo xtask dev` does)", dist.display());
        }
        Ok(Assets { files })
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// CSP hash sources (`'sha256-…'`) of index.html's inline scripts: Trunk's module that
    /// starts the wasm app, whose text changes with every build's file hashes.
    pub fn inline_script_hashes(&self) -> Vec<String> {
        inline_script_hashes(&String::from_utf8_lossy(&self.files["/index.html"].identity))
    }
}

fn inline_script_hashes(html: &str) -> Vec<String> {
    use base64::Engine;
    use sha2::Digest;
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        rest = &rest[start..];
        let (Some(tag_end), Some(close)) = (rest.find('>'), rest.find("</script>")) else { break };
        if tag_end < close && !rest[..tag_end].contains("src=") {
            let text = &rest[tag_end + 1..close];
            hashes.push(format!("'sha256-{}'", base64::prelude::BASE64_STANDARD.encode(sha2::Sha256::digest(text))));
        }
        rest = &rest[close + "</script>".len()..];
    }
    hashes
}

fn load_dir(root: &Path, dir: &Path, files: &mut HashMap<String, Asset>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            load_dir(root, &path, files)?;
            continue;
        }
        if is_variant(&path) {
            continue;
        }
        let bytes = std::fs::read(&path)?;
        let relative = path.strip_prefix(root)?.to_string_lossy().replace('\\', "/");
        let content_type = mime_guess::from_path(&path).first_or_octet_stream().essence_str().to_owned();
        let compressible = is_compressible(&content_type, bytes.len());
        let prebuilt = |extension: &str| std::fs::read(variant_path(&path, extension)).ok().map(Bytes::from);
        let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let (gzip, brotli) = match (prebuilt("gz"), prebuilt("br")) {
            (Some(gz), Some(br)) => (Some(gz), Some(br)),
            _ if compressible => (Some(gzip(&bytes, 6)?), Some(brotli(&bytes, 5)?)),
            _ => (None, None),
        };
        files.insert(
            format!("/{relative}"),
            Asset { gzip, brotli, immutable: has_content_hash(file_name), content_type, identity: Bytes::from(bytes) },
        );
    }
    Ok(())
}

fn is_compressible(content_type: &str, size: usize) -> bool {
    size > 512
        && (content_type.starts_with("text/")
            || ["application/javascript", "application/wasm", "application/json", "image/svg+xml"]
                .contains(&content_type))
}

fn is_variant(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("gz" | "br"))
}

fn variant_path(path: &Path, extension: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{extension}"));
    name.into()
}

/// Writes `file.gz` and `file.br` beside every compressible file of `dist`, at maximum
/// compression: done once per build so the server starts instantly.
pub fn precompress(dir: &Path) -> anyhow::Result<usize> {
    let mut written = 0;
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            written += precompress(&path)?;
            continue;
        }
        if is_variant(&path) {
            continue;
        }
        let bytes = std::fs::read(&path)?;
        let content_type = mime_guess::from_path(&path).first_or_octet_stream();
        if is_compressible(content_type.essence_str(), bytes.len()) {
            std::fs::write(variant_path(&path, "gz"), gzip(&bytes, 9)?)?;
            std::fs::write(variant_path(&path, "br"), brotli(&bytes, 11)?)?;
            written += 1;
        }
    }
    Ok(written)
}

fn gzip(bytes: &[u8], level: u32) -> std::io::Result<Bytes> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
    encoder.write_all(bytes)?;
    encoder.finish().map(Bytes::from)
}

fn brotli(bytes: &[u8], quality: i32) -> std::io::Result<Bytes> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams { quality, ..Default::default() };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)?;
    Ok(Bytes::from(out))
}

/// `app-3f2a9c1b0d4e5f67_bg.wasm`, `style-8e1f0a2b3c4d5e6f.css`: a dash then 16 hex digits.
fn has_content_hash(file_name: &str) -> bool {
    let stem = file_name.split('.').next().unwrap_or_default();
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(_, hash)| hash.len() >= 16 && hash.chars().all(|c| c.is_ascii_hexdigit()))
}

pub async fn serve(req: HttpRequest, assets: web::Data<Assets>) -> HttpResponse {
    let path = req.path();
    // Client-side routes (/login, /stock/123) get the app shell; missing files with an
    // extension are real 404s, so a broken asset link is not masked by HTML.
    let asset = match assets.files.get(path) {
        Some(asset) if path != "/" => asset,
        _ if path.rsplit('/').next().is_some_and(|last| last.contains('.')) => {
            return HttpResponse::NotFound().body("not found");
        }
        _ => &assets.files["/index.html"],
    };
    let shell = std::ptr::eq(asset, &assets.files["/index.html"]);
    let accepts = |encoding: &str| {
        req.headers()
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|e| e.trim().split(';').next() == Some(encoding)))
    };
    let mut response = HttpResponse::Ok();
    response.insert_header((header::CONTENT_TYPE, asset.content_type.as_str()));
    response.insert_header((header::VARY, "Accept-Encoding"));
    // The shell is never stored, so Back after a logout cannot bring a logged-in page back
    // from the back/forward cache; hashed assets stay cached for good.
    response.insert_header((
        header::CACHE_CONTROL,
        if shell {
            "no-store"
        } else if asset.immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        },
    ));
    let body = match (&asset.brotli, &asset.gzip) {
        (Some(br), _) if accepts("br") => {
            response.insert_header((header::CONTENT_ENCODING, HeaderValue::from_static("br")));
            br
        }
        (_, Some(gz)) if accepts("gzip") => {
            response.insert_header((header::CONTENT_ENCODING, HeaderValue::from_static("gzip")));
            gz
        }
        _ => &asset.identity,
    };
    response.body(body.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_hashed_and_external_ones_are_not() {
        let html = "<head><script type=\"module\" src=\"/a.js\"></script></head>\
                    <body><script type=\"module\">\nimport init from '/app.js';\n</script></body>";
        // printf "\nimport init from '/app.js';\n" | openssl dgst -sha256 -binary | base64
        assert_eq!(inline_script_hashes(html), ["'sha256-DMGlWxzfNmII634DO34waQ0zG9JnfoNpCGqxdUPiZlU='"]);
        assert!(inline_script_hashes("<p>no scripts</p>").is_empty());
    }

    #[test]
    fn trunk_hashed_names_are_recognised() {
        assert!(has_content_hash("dealaai-app-3f2a9c1b0d4e5f67_bg.wasm"));
        assert!(has_content_hash("dealaai-app-3f2a9c1b0d4e5f67.js"));
        assert!(has_content_hash("main-8e1f0a2b3c4d5e6f.css"));
        assert!(!has_content_hash("index.html"));
        assert!(!has_content_hash("favicon.svg"));
    }
}
