//! The app's files (`dist/`), held in memory and served with every header computed once.
//!
//! Serving from disk cost a blocking-pool read, an HTML scan and a hash, and a fresh brotli or
//! gzip stream on every request; at a thousand connections that made the page the slowest
//! route by far. The app is small (about a megabyte) and only changes with a new release, so
//! it is read once at start: each file keeps its bytes, type, ETag, `Cache-Control`, CSP (for
//! a page, with the hashes of its inline scripts) and, computed on first use, its brotli and
//! gzip forms. A rebuilt `dist/` is picked up by restarting the server.
//!
//! What is answered mirrors what `tower_http::services::ServeDir` answered before, so the
//! browser sees the same thing: the same types (`mime_guess`), `/` and `…/` as their
//! `index.html`, a folder without its slash redirected to it (307), `..` refused (404), other
//! methods than GET and HEAD refused (405 with `Allow`), and `If-None-Match`,
//! `If-Modified-Since`, `If-Match` and `If-Unmodified-Since` honoured. Byte ranges are not
//! offered (the app is loaded whole), so `Range` is ignored and the whole file is sent.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{
    ACCEPT_ENCODING, ALLOW, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH,
    CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_MATCH, IF_MODIFIED_SINCE, IF_NONE_MATCH,
    IF_UNMODIFIED_SINCE, LAST_MODIFIED, LOCATION, VARY,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use base64::Engine as _;
use bytes::Bytes;
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

use crate::csp::{InlineHashes, policy};
use crate::headers::{IMMUTABLE, NO_CACHE, is_hashed};

/// The most bytes the app may hold: it is kept in memory, and the server aims at 200 MB in
/// all. The real app is about a megabyte; a folder past this is not an app build.
pub const MAX_TOTAL_BYTES: u64 = 256 << 20;
/// The most files the app may hold, for the same reason (Trunk writes about a dozen).
pub const MAX_FILES: usize = 10_000;
/// Files smaller than this are sent as they are: compressing them saves next to nothing.
const MIN_COMPRESS_BYTES: usize = 256;
/// Brotli quality of the stored variants: the best, since it is paid once per file.
const BROTLI_QUALITY: i32 = 11;
/// Brotli window (log2 bytes): 4 MiB, the format's usual maximum, larger than any app file.
const BROTLI_WINDOW: i32 = 22;

/// Why the app's files could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum StaticError {
    /// The folder, or something in it, could not be read.
    #[error("cannot read the app at {}: {source}", path.display())]
    Read {
        /// What could not be read.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The folder is not a folder.
    #[error("{} is not a folder: give the folder `cargo xtask dist` builds", .0.display())]
    NotAFolder(PathBuf),
    /// The folder holds more than the server keeps in memory.
    #[error(
        "{} holds more than {} files or {} MiB: it does not look like the app's build \
         (`cargo xtask dist`)",
        .0.display(), MAX_FILES, MAX_TOTAL_BYTES >> 20
    )]
    TooLarge(PathBuf),
}

/// A content coding the server can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// `br`.
    Brotli,
    /// `gzip`.
    Gzip,
    /// The bytes as they are.
    Identity,
}

impl Encoding {
    /// In order of preference when the client likes several equally.
    const PREFERENCE: [Self; 3] = [Self::Brotli, Self::Gzip, Self::Identity];

    fn token(self) -> &'static str {
        match self {
            Self::Brotli => "br",
            Self::Gzip => "gzip",
            Self::Identity => "identity",
        }
    }

    /// The suffix that makes the ETag of this form differ from the others': each form is its
    /// own representation, and a strong ETag names exactly one.
    fn etag_suffix(self) -> &'static str {
        match self {
            Self::Brotli => "-br",
            Self::Gzip => "-gz",
            Self::Identity => "",
        }
    }
}

/// The codings `Accept-Encoding` allows, best first: by the client's `q`, then brotli, gzip,
/// identity. A coding with `q=0` is left out; identity is acceptable unless refused by name or
/// by `*;q=0`. Without the header, only identity.
pub fn negotiate(headers: &HeaderMap) -> Vec<Encoding> {
    let mut weights: [Option<u16>; 3] = [None; 3];
    let mut any: Option<u16> = None;
    let mut seen = false;
    for value in headers.get_all(ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or_default().trim();
            if coding.is_empty() {
                continue;
            }
            seen = true;
            let Some(weight) = parts.find_map(|p| {
                let (name, value) = p.split_once('=')?;
                name.trim().eq_ignore_ascii_case("q").then(|| qvalue(value))
            }) else {
                assign(&mut weights, &mut any, coding, 1000);
                continue;
            };
            // A malformed q makes the whole item unreadable: ignore it.
            if let Some(weight) = weight {
                assign(&mut weights, &mut any, coding, weight);
            }
        }
    }
    let weight_of = |i: usize, encoding: Encoding| {
        let explicit = weights.get(i).copied().flatten();
        match encoding {
            Encoding::Identity if !seen => 1000,
            Encoding::Identity => explicit.or(any.filter(|w| *w == 0)).unwrap_or(1),
            _ => explicit.or(any).unwrap_or(0),
        }
    };
    let mut accepted: Vec<(u16, usize, Encoding)> = Encoding::PREFERENCE
        .iter()
        .enumerate()
        .map(|(i, e)| (weight_of(i, *e), i, *e))
        .filter(|(w, _, _)| *w > 0)
        .collect();
    accepted.sort_by_key(|(w, i, _)| (std::cmp::Reverse(*w), *i));
    accepted.into_iter().map(|(_, _, e)| e).collect()
}

fn assign(weights: &mut [Option<u16>; 3], any: &mut Option<u16>, coding: &str, weight: u16) {
    let slot = if coding.eq_ignore_ascii_case("br") {
        0
    } else if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
        1
    } else if coding.eq_ignore_ascii_case("identity") {
        2
    } else if coding == "*" {
        *any = Some(weight);
        return;
    } else {
        return;
    };
    if let Some(w) = weights.get_mut(slot) {
        *w = Some(weight);
    }
}

/// A `qvalue` (`0`, `0.5`, `1.000`) in thousandths; `None` when malformed.
fn qvalue(text: &str) -> Option<u16> {
    let text = text.trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = fraction
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0u16, |n, b| n * 10 + u16::from(b - b'0'));
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// Marks a response as one of the app's files, already in its final coding, so the
/// compression layer leaves it alone (see [`not_a_static_file`]).
#[derive(Debug, Clone, Copy)]
pub struct Served;

/// The compression layer's predicate: compress anything but the app's files, which carry
/// their own compressed forms or were left plain on purpose (images, tiny files).
pub fn not_a_static_file(
    _: StatusCode,
    _: axum::http::Version,
    _: &HeaderMap,
    extensions: &axum::http::Extensions,
) -> bool {
    extensions.get::<Served>().is_none()
}

/// One file of the app.
struct StaticFile {
    bytes: Bytes,
    content_type: HeaderValue,
    /// The content hash, the ETag's text before the coding suffix.
    hash: String,
    /// Seconds since the epoch, as `Last-Modified` has it.
    modified: Option<SystemTime>,
    last_modified: Option<HeaderValue>,
    cache_control: HeaderValue,
    csp: HeaderValue,
    compressible: bool,
    brotli: OnceCell<Option<Bytes>>,
    gzip: OnceCell<Option<Bytes>>,
}

impl StaticFile {
    fn new(
        path: &str,
        bytes: Bytes,
        modified: Option<SystemTime>,
        plain_csp: &HeaderValue,
    ) -> Self {
        let content_type = mime_guess::from_path(path)
            .first_raw()
            .map_or(HeaderValue::from_static("application/octet-stream"), |t| {
                HeaderValue::from_static(t)
            });
        let type_text = content_type.to_str().unwrap_or_default();
        let csp = if type_text.starts_with("text/html") {
            let inline = InlineHashes::of(&String::from_utf8_lossy(&bytes));
            HeaderValue::try_from(policy(&inline)).unwrap_or_else(|error| {
                // Hashes are base64 and the rest is fixed text, so this cannot happen; a page
                // without a policy would run unprotected, so it gets one that allows nothing.
                tracing::error!(%path, %error, "the CSP is not a valid header value");
                HeaderValue::from_static("default-src 'none'")
            })
        } else {
            plain_csp.clone()
        };
        let digest = Sha256::digest(&bytes);
        let hash = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(digest.get(..18).unwrap_or_default());
        let modified = modified
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| UNIX_EPOCH + Duration::from_secs(d.as_secs()));
        let last_modified =
            modified.and_then(|t| HeaderValue::try_from(httpdate::fmt_http_date(t)).ok());
        let url = format!("/{path}");
        Self {
            compressible: bytes.len() >= MIN_COMPRESS_BYTES && worth_compressing(type_text),
            cache_control: HeaderValue::from_static(if is_hashed(&url) {
                IMMUTABLE
            } else {
                NO_CACHE
            }),
            bytes,
            content_type,
            hash,
            modified,
            last_modified,
            csp,
            brotli: OnceCell::new(),
            gzip: OnceCell::new(),
        }
    }

    fn etag(&self, encoding: Encoding) -> HeaderValue {
        let text = format!("\"{}{}\"", self.hash, encoding.etag_suffix());
        HeaderValue::try_from(text).unwrap_or(HeaderValue::from_static("\"\""))
    }

    /// The bytes in `encoding`, compressing them on the blocking pool the first time; `None`
    /// when the file is not compressed (see [`compress`]).
    async fn form(&self, encoding: Encoding) -> Option<Bytes> {
        let cell = match encoding {
            Encoding::Identity => return Some(self.bytes.clone()),
            _ if !self.compressible => return None,
            Encoding::Brotli => &self.brotli,
            Encoding::Gzip => &self.gzip,
        };
        cell.get_or_init(|| {
            let bytes = self.bytes.clone();
            async move {
                match tokio::task::spawn_blocking(move || compress(&bytes, encoding)).await {
                    Ok(compressed) => compressed,
                    Err(error) => {
                        tracing::error!(%error, "compressing a file of the app failed");
                        None
                    }
                }
            }
        })
        .await
        .clone()
    }
}

/// Whether a file of this type gains from compression: not images other than SVG, audio,
/// video, fonts that are already compressed, or archives.
fn worth_compressing(content_type: &str) -> bool {
    let compressed_already = (content_type.starts_with("image/")
        && content_type != "image/svg+xml")
        || content_type.starts_with("audio/")
        || content_type.starts_with("video/")
        || matches!(
            content_type,
            "font/woff"
                | "font/woff2"
                | "application/zip"
                | "application/gzip"
                | "application/x-brotli"
                | "application/zstd"
        );
    !compressed_already
}

/// `bytes` in `encoding` at the best level, or `None` if that does not make them smaller.
fn compress(bytes: &[u8], encoding: Encoding) -> Option<Bytes> {
    use std::io::Write as _;
    let compressed = match encoding {
        Encoding::Identity => return None,
        Encoding::Brotli => {
            let params = brotli::enc::BrotliEncoderParams {
                quality: BROTLI_QUALITY,
                lgwin: BROTLI_WINDOW,
                size_hint: bytes.len(),
                ..Default::default()
            };
            let mut out = Vec::with_capacity(bytes.len() / 3);
            brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).ok()?;
            out
        }
        Encoding::Gzip => {
            let mut encoder = flate2::write::GzEncoder::new(
                Vec::with_capacity(bytes.len() / 3),
                flate2::Compression::best(),
            );
            encoder.write_all(bytes).ok()?;
            encoder.finish().ok()?
        }
    };
    (compressed.len() < bytes.len()).then(|| Bytes::from(compressed))
}

/// The app, in memory.
pub struct StaticFiles {
    /// By path relative to the app folder, `/`-separated, without a leading slash.
    files: HashMap<String, StaticFile>,
    /// The folders, the same way (`""` is the app folder itself).
    folders: HashSet<String>,
    total_bytes: u64,
}

impl std::fmt::Debug for StaticFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticFiles")
            .field("files", &self.files.len())
            .field("total_bytes", &self.total_bytes)
            .finish_non_exhaustive()
    }
}

impl StaticFiles {
    /// Reads every file under `dir`. A symbolic link is followed only when it stays inside
    /// `dir` (others are skipped with a warning); a folder reached twice is read once.
    pub fn load(dir: &Path) -> Result<Self, StaticError> {
        let read_error = |path: &Path| {
            let path = path.to_owned();
            move |source| StaticError::Read { path, source }
        };
        let root = dir.canonicalize().map_err(read_error(dir))?;
        if !root.is_dir() {
            return Err(StaticError::NotAFolder(dir.to_owned()));
        }
        let plain_csp = HeaderValue::try_from(policy(&InlineHashes::default()))
            .unwrap_or(HeaderValue::from_static("default-src 'none'"));
        let mut loaded = Self {
            files: HashMap::new(),
            folders: HashSet::new(),
            total_bytes: 0,
        };
        let mut visited = HashSet::from([root.clone()]);
        let mut pending = vec![(root.clone(), String::new())];
        while let Some((folder, prefix)) = pending.pop() {
            loaded.folders.insert(prefix.clone());
            let entries = std::fs::read_dir(&folder).map_err(read_error(&folder))?;
            for entry in entries {
                let entry = entry.map_err(read_error(&folder))?;
                let path = entry.path();
                let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                    tracing::warn!(path = %path.display(), "skipping a file whose name is not UTF-8");
                    continue;
                };
                let relative = if prefix.is_empty() {
                    name
                } else {
                    format!("{prefix}/{name}")
                };
                let real = path.canonicalize().map_err(read_error(&path))?;
                if !real.starts_with(&root) {
                    tracing::warn!(path = %path.display(), "skipping a link that leads out of the app folder");
                    continue;
                }
                let metadata = std::fs::metadata(&real).map_err(read_error(&path))?;
                if metadata.is_dir() {
                    if visited.insert(real.clone()) {
                        pending.push((real, relative));
                    }
                    continue;
                }
                if !metadata.is_file() {
                    continue;
                }
                loaded.total_bytes = loaded.total_bytes.saturating_add(metadata.len());
                if loaded.total_bytes > MAX_TOTAL_BYTES || loaded.files.len() >= MAX_FILES {
                    return Err(StaticError::TooLarge(dir.to_owned()));
                }
                let bytes = std::fs::read(&real).map_err(read_error(&path))?;
                // The file may have grown since its size was read.
                let grown = (bytes.len() as u64).saturating_sub(metadata.len());
                loaded.total_bytes = loaded.total_bytes.saturating_add(grown);
                if loaded.total_bytes > MAX_TOTAL_BYTES {
                    return Err(StaticError::TooLarge(dir.to_owned()));
                }
                let file = StaticFile::new(
                    &relative,
                    Bytes::from(bytes),
                    metadata.modified().ok(),
                    &plain_csp,
                );
                loaded.files.insert(relative, file);
            }
        }
        Ok(loaded)
    }

    /// How many files the app has.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether the app has no file at all.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The bytes of all the files, uncompressed.
    pub fn total_bytes(&self) -> u64 {
        self.total_bytes
    }

    /// Compresses every file that gains from it, one after the other, so the first visitors
    /// do not wait for it (brotli at its best level takes a while on the wasm).
    pub async fn warm(&self) {
        // gzip first: it takes milliseconds, so every file has a compressed form early.
        for encoding in [Encoding::Gzip, Encoding::Brotli] {
            for file in self.files.values() {
                file.form(encoding).await;
            }
        }
    }

    /// The answer to `method` on `uri` with the request's `headers`.
    pub async fn respond(&self, method: &Method, uri: &Uri, headers: &HeaderMap) -> Response {
        let head = *method == Method::HEAD;
        if !head && *method != Method::GET {
            let mut response = bare(StatusCode::METHOD_NOT_ALLOWED);
            response
                .headers_mut()
                .insert(ALLOW, HeaderValue::from_static("GET,HEAD"));
            return response;
        }
        let file = match self.find(uri.path()) {
            Found::File(file) => file,
            Found::Folder => return redirect_to_folder(uri),
            Found::Nothing => return bare(StatusCode::NOT_FOUND),
        };
        let mut chosen = (Encoding::Identity, file.bytes.clone());
        for encoding in negotiate(headers) {
            if let Some(bytes) = file.form(encoding).await {
                chosen = (encoding, bytes);
                break;
            }
        }
        let (encoding, bytes) = chosen;
        let etag = file.etag(encoding);
        let mut response = match precondition(headers, &etag, file.modified) {
            Some(status) => bare(status),
            None => {
                let length = HeaderValue::from(bytes.len());
                let mut response = Response::new(if head {
                    Body::empty()
                } else {
                    Body::from(bytes)
                });
                let out = response.headers_mut();
                out.insert(CONTENT_TYPE, file.content_type.clone());
                out.insert(CONTENT_LENGTH, length);
                out.insert(CONTENT_SECURITY_POLICY, file.csp.clone());
                if encoding != Encoding::Identity {
                    out.insert(CONTENT_ENCODING, HeaderValue::from_static(encoding.token()));
                }
                response
            }
        };
        let status = response.status();
        let out = response.headers_mut();
        if status == StatusCode::PRECONDITION_FAILED {
            return response;
        }
        out.insert(ETAG, etag);
        if let Some(modified) = &file.last_modified {
            out.insert(LAST_MODIFIED, modified.clone());
        }
        out.insert(CACHE_CONTROL, file.cache_control.clone());
        if file.compressible {
            out.insert(VARY, HeaderValue::from_static("accept-encoding"));
        }
        response.extensions_mut().insert(Served);
        response
    }

    fn find(&self, raw_path: &str) -> Found<'_> {
        let Ok(decoded) = percent_encoding::percent_decode_str(raw_path).decode_utf8() else {
            return Found::Nothing;
        };
        let mut segments = Vec::new();
        for segment in decoded.split('/') {
            match segment {
                "" | "." => {}
                ".." => return Found::Nothing,
                _ if segment.contains(['\\', '\0']) => return Found::Nothing,
                _ => segments.push(segment),
            }
        }
        let relative = segments.join("/");
        if decoded.ends_with('/') {
            let index = if relative.is_empty() {
                "index.html".to_owned()
            } else {
                format!("{relative}/index.html")
            };
            return self.files.get(&index).map_or(Found::Nothing, Found::File);
        }
        if let Some(file) = self.files.get(&relative) {
            Found::File(file)
        } else if self.folders.contains(&relative) {
            Found::Folder
        } else {
            Found::Nothing
        }
    }
}

enum Found<'a> {
    File(&'a StaticFile),
    Folder,
    Nothing,
}

/// An answer without a body.
fn bare(status: StatusCode) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    response
}

/// 307 to the folder's path with its slash, as `ServeDir` does, keeping the query.
///
/// The location is built from the path's segments, never copied: `//evil.example` would be a
/// protocol-relative URL (another host), and browsers read `\` as `/` in it.
fn redirect_to_folder(uri: &Uri) -> Response {
    if uri.path().contains('\\') {
        return bare(StatusCode::NOT_FOUND);
    }
    let mut path = String::with_capacity(uri.path().len() + 1);
    for segment in uri.path().split('/').filter(|s| !s.is_empty()) {
        path.push('/');
        path.push_str(segment);
    }
    path.push('/');
    let location = match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path,
    };
    match HeaderValue::try_from(location) {
        Ok(location) => {
            let mut response = bare(StatusCode::TEMPORARY_REDIRECT);
            response.headers_mut().insert(LOCATION, location);
            response
        }
        Err(_) => bare(StatusCode::NOT_FOUND),
    }
}

/// The conditional requests of RFC 9110 §13.2.2 for a GET or HEAD: 412 when `If-Match` or
/// `If-Unmodified-Since` fails, 304 when `If-None-Match` (or, without it,
/// `If-Modified-Since`) says the client's copy is current.
fn precondition(
    headers: &HeaderMap,
    etag: &HeaderValue,
    modified: Option<SystemTime>,
) -> Option<StatusCode> {
    let date = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok())
    };
    let tag = etag.as_bytes();
    if let Some(if_match) = headers.get(IF_MATCH) {
        if !matches_any(if_match, tag, false) {
            return Some(StatusCode::PRECONDITION_FAILED);
        }
    } else if let (Some(since), Some(modified)) = (date(IF_UNMODIFIED_SINCE), modified)
        && modified > since
    {
        return Some(StatusCode::PRECONDITION_FAILED);
    }
    if let Some(if_none_match) = headers.get(IF_NONE_MATCH) {
        return matches_any(if_none_match, tag, true).then_some(StatusCode::NOT_MODIFIED);
    }
    match (date(IF_MODIFIED_SINCE), modified) {
        (Some(since), Some(modified)) if modified <= since => Some(StatusCode::NOT_MODIFIED),
        _ => None,
    }
}

/// Whether the list of entity tags `list` (or `*`) holds `tag`; `weak` compares without the
/// `W/` marks (for `If-None-Match`), otherwise a weak tag never matches (for `If-Match`).
fn matches_any(list: &HeaderValue, tag: &[u8], weak: bool) -> bool {
    let Ok(list) = list.to_str() else {
        return false;
    };
    let list = list.trim();
    if list == "*" {
        return true;
    }
    list.split(',')
        .map(str::trim)
        .any(|candidate| match candidate.strip_prefix("W/") {
            Some(stripped) => weak && stripped.as_bytes() == tag,
            None => candidate.as_bytes() == tag,
        })
}

/// The router's fallback: the app's files.
pub async fn serve(State(files): State<Arc<StaticFiles>>, request: Request) -> Response {
    files
        .respond(request.method(), request.uri(), request.headers())
        .await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use std::io::Read as _;

    use http_body_util::BodyExt as _;

    use super::*;

    const PAGE: &str = "<!DOCTYPE html><html><head><script>boot()</script></head>\
        <body><p>The app's page, long enough to be worth compressing. The app's page, long \
        enough to be worth compressing. The app's page, long enough to be worth compressing. \
        The app's page, long enough to be worth compressing.</p></body></html>";
    const HASHED_JS: &str = "frontend-0123456789abcdef.js";

    fn script() -> String {
        "console.log('a script long enough to be compressed');\n".repeat(40)
    }

    fn dist() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, bytes: &[u8]| {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        };
        write("index.html", PAGE.as_bytes());
        write(HASHED_JS, script().as_bytes());
        write("app_bg.wasm", &[0u8; 4096]);
        write("tiny.js", b"x()");
        write("icons/icon-192.png", &[0x89; 2048]);
        write("docs/index.html", b"<p>docs</p>");
        write("manifest.webmanifest", br#"{"name":"mpp2xml"}"#);
        write("no-extension", b"?");
        dir
    }

    fn load(dir: &tempfile::TempDir) -> StaticFiles {
        StaticFiles::load(dir.path()).unwrap()
    }

    async fn answer(
        files: &StaticFiles,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
    ) -> (StatusCode, HeaderMap, Vec<u8>) {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(
                axum::http::HeaderName::try_from(*name).unwrap(),
                HeaderValue::try_from(*value).unwrap(),
            );
        }
        let uri: Uri = path.parse().unwrap();
        let response = files.respond(&method, &uri, &map).await;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, headers, body.to_vec())
    }

    async fn get(files: &StaticFiles, path: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
        answer(files, Method::GET, path, &[]).await
    }

    fn ungzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    fn unbrotli(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        brotli::Decompressor::new(bytes, 4096)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    fn codings(accept: &str) -> Vec<Encoding> {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT_ENCODING, HeaderValue::try_from(accept).unwrap());
        negotiate(&headers)
    }

    #[test]
    fn negotiation_prefers_brotli_then_gzip_and_honours_q() {
        use Encoding::{Brotli, Gzip, Identity};
        assert_eq!(negotiate(&HeaderMap::new()), vec![Identity]);
        assert_eq!(codings("gzip, br"), vec![Brotli, Gzip, Identity]);
        assert_eq!(codings("gzip, deflate"), vec![Gzip, Identity]);
        assert_eq!(codings("br;q=0, gzip"), vec![Gzip, Identity]);
        assert_eq!(
            codings("br;q=0.5, gzip;q=1.0"),
            vec![Gzip, Brotli, Identity]
        );
        assert_eq!(codings("GZIP;Q=0.8, x-gzip;q=0.9"), vec![Gzip, Identity]);
        assert_eq!(codings("*"), vec![Brotli, Gzip, Identity]);
        assert_eq!(codings("*;q=0"), Vec::<Encoding>::new());
        assert_eq!(codings("identity;q=0, gzip"), vec![Gzip]);
        assert_eq!(codings("br;q=2, gzip;q=abc"), vec![Identity]);
        assert_eq!(codings(""), vec![Identity]);
        assert_eq!(qvalue("0.125"), Some(125));
        assert_eq!(qvalue("1.001"), None);
    }

    #[tokio::test]
    async fn types_are_those_serve_dir_gave() {
        let dir = dist();
        let files = load(&dir);
        for (path, expected) in [
            ("/", "text/html"),
            (&format!("/{HASHED_JS}"), "text/javascript"),
            ("/app_bg.wasm", "application/wasm"),
            ("/icons/icon-192.png", "image/png"),
            ("/manifest.webmanifest", "application/manifest+json"),
            ("/no-extension", "application/octet-stream"),
        ] {
            let (status, headers, _) = get(&files, path).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert_eq!(headers[CONTENT_TYPE], expected, "{path}");
        }
    }

    #[tokio::test]
    async fn the_index_answers_for_its_folder_and_a_folder_gets_its_slash() {
        let dir = dist();
        let files = load(&dir);
        let (status, _, body) = get(&files, "/").await;
        assert_eq!((status, body.as_slice()), (StatusCode::OK, PAGE.as_bytes()));
        let (status, _, body) = get(&files, "/docs/").await;
        assert_eq!(
            (status, body.as_slice()),
            (StatusCode::OK, &b"<p>docs</p>"[..])
        );
        let (status, headers, _) = get(&files, "/docs?x=1").await;
        assert_eq!(status, StatusCode::TEMPORARY_REDIRECT);
        assert_eq!(headers[LOCATION], "/docs/?x=1");
        // Never a protocol-relative location (another host) from a doubled slash.
        for doubled in ["//docs", "///docs", "/docs//"] {
            let (status, headers, _) = get(&files, doubled).await;
            if status == StatusCode::TEMPORARY_REDIRECT {
                assert_eq!(headers[LOCATION], "/docs/", "{doubled}");
            }
        }
        let (status, _, _) = get(&files, "/icons/").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "a folder without an index");
        let (status, _, _) = get(&files, "/index.html/").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn paths_are_percent_decoded_and_cannot_climb_out() {
        let dir = dist();
        let files = load(&dir);
        for found in [
            "/%69ndex.html",
            "/./index.html",
            "//index.html",
            "/icons%2Ficon-192.png",
        ] {
            assert_eq!(get(&files, found).await.0, StatusCode::OK, "{found}");
        }
        for refused in [
            "/../index.html",
            "/icons/../index.html",
            "/%2e%2e/index.html",
            "/icons/%2E%2E/index.html",
            "/%ff",
            "/missing.js",
            "/index.html%00",
        ] {
            assert_eq!(
                get(&files, refused).await.0,
                StatusCode::NOT_FOUND,
                "{refused}"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn links_out_of_the_folder_are_skipped_and_links_inside_followed() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.txt"), b"secret").unwrap();
        let dir = dist();
        let link = |target: &Path, name: &str| {
            std::os::unix::fs::symlink(target, dir.path().join(name)).unwrap();
        };
        link(&outside.path().join("secret.txt"), "secret.txt");
        link(outside.path(), "outside");
        link(&dir.path().join("index.html"), "home.html");
        link(dir.path(), "loop"); // a folder reached twice is read once
        let files = load(&dir);
        assert!(files.files.contains_key("home.html"));
        assert!(!files.files.contains_key("secret.txt"));
        assert!(!files.files.keys().any(|k| k.starts_with("outside")));
        assert!(!files.files.keys().any(|k| k.starts_with("loop/")));
    }

    #[test]
    fn a_folder_that_is_not_an_app_is_refused_with_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = StaticFiles::load(&dir.path().join("nope")).unwrap_err();
        assert!(matches!(missing, StaticError::Read { .. }), "{missing}");
        std::fs::write(dir.path().join("file"), b"x").unwrap();
        let file = StaticFiles::load(&dir.path().join("file")).unwrap_err();
        assert!(matches!(file, StaticError::NotAFolder(_)), "{file}");
        // Past the limit without writing 256 MiB: a sparse file reports its full length.
        let big = std::fs::File::create(dir.path().join("big.bin")).unwrap();
        big.set_len(MAX_TOTAL_BYTES + 1).unwrap();
        let error = StaticFiles::load(dir.path()).unwrap_err();
        assert!(matches!(error, StaticError::TooLarge(_)), "{error}");
        assert!(error.to_string().contains("256 MiB"), "{error}");
    }

    #[tokio::test]
    async fn compressed_forms_are_negotiated_and_decode_to_the_file() {
        let dir = dist();
        let files = load(&dir);
        let path = format!("/{HASHED_JS}");
        let script = script();
        let (_, plain_headers, plain) = get(&files, &path).await;
        assert_eq!(plain, script.as_bytes());
        assert!(plain_headers.get(CONTENT_ENCODING).is_none());
        assert_eq!(plain_headers[VARY], "accept-encoding");
        let mut etags = vec![plain_headers[ETAG].clone()];
        for (accept, coding) in [
            ("gzip, br", "br"),
            ("gzip", "gzip"),
            ("br;q=0, gzip", "gzip"),
        ] {
            let (status, headers, body) =
                answer(&files, Method::GET, &path, &[("accept-encoding", accept)]).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(headers[CONTENT_ENCODING], coding, "{accept}");
            assert_eq!(headers[CONTENT_LENGTH], body.len().to_string());
            assert_eq!(headers[CACHE_CONTROL], IMMUTABLE);
            let decoded = if coding == "br" {
                unbrotli(&body)
            } else {
                ungzip(&body)
            };
            assert_eq!(decoded, script.as_bytes(), "{accept}");
            assert!(body.len() < plain.len() / 4);
            etags.push(headers[ETAG].clone());
        }
        // Each form has its own strong tag.
        assert_ne!(etags[0], etags[1]);
        assert_ne!(etags[1], etags[2]);
        assert_eq!(etags[2], etags[3]);
        assert!(etags.iter().all(|t| !t.as_bytes().starts_with(b"W/")));
    }

    #[tokio::test]
    async fn images_and_tiny_files_are_sent_as_they_are() {
        let dir = dist();
        let files = load(&dir);
        for path in ["/icons/icon-192.png", "/tiny.js"] {
            let (_, headers, _) = answer(
                &files,
                Method::GET,
                path,
                &[("accept-encoding", "br, gzip")],
            )
            .await;
            assert!(headers.get(CONTENT_ENCODING).is_none(), "{path}");
            assert!(headers.get(VARY).is_none(), "{path}");
        }
        // The wasm gains (here, zeros a lot), so it is compressed.
        let (_, headers, _) = answer(
            &files,
            Method::GET,
            "/app_bg.wasm",
            &[("accept-encoding", "br")],
        )
        .await;
        assert_eq!(headers[CONTENT_ENCODING], "br");
    }

    #[tokio::test]
    async fn a_matching_etag_or_date_is_304_without_body_or_policy() {
        let dir = dist();
        let files = load(&dir);
        let br = [("accept-encoding", "br")];
        let (_, first, _) = answer(&files, Method::GET, "/", &br).await;
        assert!(
            first[CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap()
                .contains("'sha256-")
        );
        let etag = first[ETAG].to_str().unwrap().to_owned();
        let modified = first[LAST_MODIFIED].to_str().unwrap().to_owned();
        for conditions in [
            vec![("if-none-match", etag.as_str())],
            vec![("if-none-match", &format!("\"other\", W/{etag}"))],
            vec![("if-none-match", "*")],
            vec![("if-modified-since", modified.as_str())],
        ] {
            let headers: Vec<_> = br.iter().copied().chain(conditions.clone()).collect();
            let (status, answer_headers, body) = answer(&files, Method::GET, "/", &headers).await;
            assert_eq!(status, StatusCode::NOT_MODIFIED, "{conditions:?}");
            assert!(body.is_empty());
            assert_eq!(answer_headers[ETAG], etag.as_str());
            assert_eq!(answer_headers[CACHE_CONTROL], NO_CACHE);
            assert!(answer_headers.get(CONTENT_SECURITY_POLICY).is_none());
        }
        // The tag of another form, or a stale date, gets the file.
        for conditions in [
            [("if-none-match", "\"other\"")],
            [("if-modified-since", "Thu, 01 Jan 1970 00:00:00 GMT")],
        ] {
            let (status, _, body) = answer(&files, Method::GET, "/", &conditions).await;
            assert_eq!(status, StatusCode::OK, "{conditions:?}");
            assert_eq!(body, PAGE.as_bytes());
        }
        // If-None-Match wins over If-Modified-Since.
        let (status, _, _) = answer(
            &files,
            Method::GET,
            "/",
            &[
                ("if-none-match", "\"other\""),
                ("if-modified-since", &modified),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }

    #[tokio::test]
    async fn if_match_and_if_unmodified_since_guard_the_file() {
        let dir = dist();
        let files = load(&dir);
        let (_, first, _) = get(&files, "/").await;
        let etag = first[ETAG].to_str().unwrap().to_owned();
        let weak = format!("W/{etag}");
        for (conditions, expected) in [
            (vec![("if-match", etag.as_str())], StatusCode::OK),
            (vec![("if-match", "*")], StatusCode::OK),
            (
                vec![("if-match", "\"other\"")],
                StatusCode::PRECONDITION_FAILED,
            ),
            (
                vec![("if-match", weak.as_str())],
                StatusCode::PRECONDITION_FAILED,
            ),
            (
                vec![("if-unmodified-since", "Thu, 01 Jan 1970 00:00:00 GMT")],
                StatusCode::PRECONDITION_FAILED,
            ),
        ] {
            let (status, _, _) = answer(&files, Method::GET, "/", &conditions).await;
            assert_eq!(status, expected, "{conditions:?}");
        }
    }

    #[tokio::test]
    async fn head_has_the_headers_of_get_and_no_body() {
        let dir = dist();
        let files = load(&dir);
        for accept in ["", "gzip"] {
            let headers = [("accept-encoding", accept)];
            let (_, got, body) = answer(&files, Method::GET, "/", &headers).await;
            let (status, head, head_body) = answer(&files, Method::HEAD, "/", &headers).await;
            assert_eq!(status, StatusCode::OK);
            assert!(head_body.is_empty());
            assert_eq!(head[CONTENT_LENGTH], body.len().to_string());
            for name in [
                CONTENT_TYPE,
                CONTENT_SECURITY_POLICY,
                ETAG,
                CACHE_CONTROL,
                VARY,
            ] {
                assert_eq!(head.get(&name), got.get(&name), "{name}");
            }
        }
    }

    #[tokio::test]
    async fn other_methods_are_405_with_allow() {
        let dir = dist();
        let files = load(&dir);
        for method in [Method::POST, Method::PUT, Method::DELETE, Method::OPTIONS] {
            let (status, headers, body) = answer(&files, method.clone(), "/", &[]).await;
            assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
            assert_eq!(headers[ALLOW], "GET,HEAD");
            assert!(body.is_empty() && headers.get(CONTENT_TYPE).is_none());
        }
    }

    #[tokio::test]
    async fn the_page_policy_is_computed_once_from_the_page_as_loaded() {
        let dir = dist();
        let files = load(&dir);
        let expected = policy(&InlineHashes::of(PAGE));
        assert!(expected.contains("'sha256-"));
        // Changing the page on disk changes nothing until the next load.
        std::fs::write(dir.path().join("index.html"), "<script>other()</script>").unwrap();
        for path in ["/", "/index.html"] {
            let (_, headers, body) = get(&files, path).await;
            assert_eq!(headers[CONTENT_SECURITY_POLICY], expected.as_str());
            assert_eq!(body, PAGE.as_bytes());
        }
        let (_, headers, _) = get(&files, &format!("/{HASHED_JS}")).await;
        assert_eq!(
            headers[CONTENT_SECURITY_POLICY],
            policy(&InlineHashes::default()).as_str()
        );
        let reloaded = load(&dir);
        let (_, headers, _) = get(&reloaded, "/").await;
        assert_eq!(
            headers[CONTENT_SECURITY_POLICY],
            policy(&InlineHashes::of("<script>other()</script>")).as_str()
        );
    }

    #[tokio::test]
    async fn served_files_are_marked_for_the_compression_layer() {
        let dir = dist();
        let files = load(&dir);
        let response = files
            .respond(&Method::GET, &"/".parse().unwrap(), &HeaderMap::new())
            .await;
        assert!(!not_a_static_file(
            response.status(),
            response.version(),
            response.headers(),
            response.extensions()
        ));
        let missing = files
            .respond(&Method::GET, &"/nope".parse().unwrap(), &HeaderMap::new())
            .await;
        assert!(missing.extensions().get::<Served>().is_none());
    }

    #[tokio::test]
    async fn warming_fills_every_form_once() {
        let dir = dist();
        let files = load(&dir);
        files.warm().await;
        let script = &files.files[HASHED_JS];
        assert!(script.brotli.get().unwrap().is_some());
        assert!(script.gzip.get().unwrap().is_some());
        let tiny = &files.files["tiny.js"];
        assert!(tiny.brotli.get().is_none(), "never compressed");
    }
}
