//! The Content-Security-Policy: strict, and with the hashes of the inline scripts and styles
//! of the page it is sent with.
//!
//! Trunk writes the code that loads the app's wasm as an inline `<script type="module">` in
//! `index.html`; a policy without `'unsafe-inline'` blocks it unless the policy names its
//! SHA-256 hash. The hashes are computed from the page itself when the server loads the app,
//! so no hash is ever written by hand.

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The sources inline elements of an HTML page need: one `'sha256-…'` per inline script and
/// per `<style>` element.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct InlineHashes {
    /// `'sha256-…'` of each inline `<script>` (one without `src`), in page order.
    pub scripts: Vec<String>,
    /// `'sha256-…'` of each `<style>` element, in page order.
    pub styles: Vec<String>,
}

impl InlineHashes {
    /// The hashes of the inline `<script>` and `<style>` elements of `html`.
    ///
    /// This is a small scanner, not an HTML parser: it skips comments, reads each start tag
    /// (quoted attribute values may hold `>`), and takes an element's text up to its end tag,
    /// as the HTML tokenizer does for these raw-text elements. Line breaks are normalised to
    /// `\n` first, as the browser does before it hashes.
    pub fn of(html: &str) -> Self {
        let html = normalise_newlines(html);
        let mut hashes = Self::default();
        let mut rest = html.as_str();
        while let Some(lt) = rest.find('<') {
            rest = rest.get(lt..).unwrap_or_default();
            if let Some(after) = rest.strip_prefix("<!--") {
                rest = after
                    .find("-->")
                    .and_then(|end| after.get(end + 3..))
                    .unwrap_or("");
                continue;
            }
            let element = ["script", "style"]
                .into_iter()
                .find(|name| starts_tag(rest, name));
            let Some(name) = element else {
                rest = rest.get(1..).unwrap_or_default();
                continue;
            };
            let Some(tag_len) = start_tag_len(rest) else {
                break; // an unterminated tag: nothing after it runs
            };
            let (tag, after) = rest.split_at(tag_len);
            let (text, end) = raw_text(after, name);
            let has_src = name == "script" && has_attribute(tag, "src");
            if !has_src {
                let hash = sha256_source(text);
                match name {
                    "script" => hashes.scripts.push(hash),
                    _ => hashes.styles.push(hash),
                }
            }
            rest = end;
        }
        hashes
    }
}

/// The policy for every response; `inline` adds the hashes an HTML page needs.
pub fn policy(inline: &InlineHashes) -> String {
    let with = |base: &str, extra: &[String]| {
        let mut out = base.to_owned();
        for source in extra {
            out.push(' ');
            out.push_str(source);
        }
        out
    };
    [
        "default-src 'self'".to_owned(),
        with("script-src 'self' 'wasm-unsafe-eval'", &inline.scripts),
        "worker-src 'self'".to_owned(),
        with("style-src 'self'", &inline.styles),
        "img-src 'self' blob: data:".to_owned(),
        "connect-src 'self'".to_owned(),
        "object-src 'none'".to_owned(),
        "base-uri 'self'".to_owned(),
        "form-action 'self'".to_owned(),
        "frame-ancestors 'none'".to_owned(),
    ]
    .join("; ")
}

/// `'sha256-<base64>'` of `text`, as a CSP source expression.
fn sha256_source(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// CR LF and lone CR become LF, as the HTML parser does before a script is hashed.
fn normalise_newlines(html: &str) -> String {
    html.replace("\r\n", "\n").replace('\r', "\n")
}

/// Whether `text` (which starts with `<`) opens a `name` element: `<name` followed by
/// whitespace, `/` or `>`, in any letter case.
fn starts_tag(text: &str, name: &str) -> bool {
    let Some(rest) = text.strip_prefix('<') else {
        return false;
    };
    let Some(candidate) = rest.get(..name.len()) else {
        return false;
    };
    candidate.eq_ignore_ascii_case(name)
        && rest
            .get(name.len()..)
            .and_then(|after| after.chars().next())
            .is_some_and(|c| c.is_ascii_whitespace() || c == '/' || c == '>')
}

/// The length of the start tag at the beginning of `text`, `>` included; a `>` inside a
/// quoted attribute value does not end it.
fn start_tag_len(text: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '>') => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// Splits `text` (what follows a start tag) into the element's text and what follows its end
/// tag. Without an end tag the text runs to the end.
fn raw_text<'a>(text: &'a str, name: &str) -> (&'a str, &'a str) {
    let mut from = 0;
    while let Some(found) = text.get(from..).and_then(|t| t.find("</")) {
        let at = from + found;
        let tail = text.get(at + 1..).unwrap_or_default(); // from the '/'
        let closes = tail
            .get(1..1 + name.len())
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
            && tail
                .get(1 + name.len()..)
                .and_then(|after| after.chars().next())
                .is_none_or(|c| c.is_ascii_whitespace() || c == '/' || c == '>');
        if closes {
            let body = text.get(..at).unwrap_or_default();
            let after_end = text.get(at..).unwrap_or_default();
            let end = after_end
                .find('>')
                .and_then(|gt| after_end.get(gt + 1..))
                .unwrap_or("");
            return (body, end);
        }
        from = at + 2;
    }
    (text, "")
}

/// Whether the start tag `tag` (`<name …>`) has the attribute `attribute`.
fn has_attribute(tag: &str, attribute: &str) -> bool {
    let inner = tag
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim_end_matches('/');
    // Skip the element name, then read `name[=value]` pairs.
    let mut rest = inner.trim_start_matches(|c: char| !c.is_ascii_whitespace());
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
        if rest.is_empty() {
            return false;
        }
        let name_end = rest
            .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '/')
            .unwrap_or(rest.len());
        let (name, after) = rest.split_at(name_end);
        if name.eq_ignore_ascii_case(attribute) {
            return true;
        }
        rest = after.trim_start_matches(|c: char| c.is_ascii_whitespace());
        if let Some(value) = rest.strip_prefix('=') {
            let value = value.trim_start_matches(|c: char| c.is_ascii_whitespace());
            rest = match value.chars().next() {
                Some(q @ ('"' | '\'')) => value
                    .get(1..)
                    .and_then(|v| v.find(q).and_then(|end| v.get(end + 1..)))
                    .unwrap_or(""),
                _ => value
                    .find(|c: char| c.is_ascii_whitespace())
                    .and_then(|end| value.get(end..))
                    .unwrap_or(""),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(text: &str) -> String {
        sha256_source(text)
    }

    #[test]
    fn the_hash_is_base64_sha256_as_csp_wants_it() {
        // echo -n "alert('Hello, world.');" | openssl sha256 -binary | base64 (CSP3 example)
        assert_eq!(
            hash("alert('Hello, world.');"),
            "'sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng='"
        );
    }

    #[test]
    fn inline_scripts_are_hashed_and_external_ones_are_not() {
        let html = "<!DOCTYPE html><html><head>\
            <script src=\"/a-0123456789abcdef.js\"></script>\
            <link rel=\"modulepreload\" href=\"/x.js\">\
            <script type=\"module\">\nimport init from '/x.js';\nawait init('/x_bg.wasm');\n</script>\
            </head><body><SCRIPT>one()</SCRIPT ><script data-src=\"x\">two()</script></body></html>";
        let hashes = InlineHashes::of(html);
        assert_eq!(
            hashes.scripts,
            vec![
                hash("\nimport init from '/x.js';\nawait init('/x_bg.wasm');\n"),
                hash("one()"),
                hash("two()"),
            ]
        );
        assert!(hashes.styles.is_empty());
    }

    #[test]
    fn styles_comments_and_quoted_brackets_are_handled() {
        let html = "<style media=\"a>b\">p{color:red}</style>\
            <!-- <script>commented()</script> -->\
            <script title='x > y'>if (a </ b) {}</script>";
        let hashes = InlineHashes::of(html);
        assert_eq!(hashes.styles, vec![hash("p{color:red}")]);
        assert_eq!(hashes.scripts, vec![hash("if (a </ b) {}")]);
    }

    #[test]
    fn line_breaks_are_normalised_before_hashing() {
        let hashes = InlineHashes::of("<script>a()\r\nb()\rc()</script>");
        assert_eq!(hashes.scripts, vec![hash("a()\nb()\nc()")]);
    }

    #[test]
    fn tags_that_only_start_like_script_are_ignored() {
        let hashes = InlineHashes::of("<scripts>x</scripts><stylesheet>y</stylesheet>");
        assert_eq!(hashes, InlineHashes::default());
    }

    #[test]
    fn an_unterminated_script_runs_to_the_end() {
        let hashes = InlineHashes::of("<script>tail()");
        assert_eq!(hashes.scripts, vec![hash("tail()")]);
        assert_eq!(InlineHashes::of("<script src=x"), InlineHashes::default());
    }

    #[test]
    fn the_policy_lists_the_directives_and_the_hashes() {
        assert_eq!(
            policy(&InlineHashes::default()),
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; \
             style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; \
             object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
        );
        let inline = InlineHashes {
            scripts: vec!["'sha256-A'".into(), "'sha256-B'".into()],
            styles: vec!["'sha256-C'".into()],
        };
        let with_hashes = policy(&inline);
        assert!(
            with_hashes.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-A' 'sha256-B';")
        );
        assert!(with_hashes.contains("style-src 'self' 'sha256-C';"));
    }

    #[test]
    fn attributes_are_found_by_name_only() {
        assert!(has_attribute("<script src=\"a.js\">", "src"));
        assert!(has_attribute("<script defer SRC=a.js>", "src"));
        assert!(has_attribute("<script type=module src>", "src"));
        assert!(!has_attribute("<script data-src=\"a.js\">", "src"));
        assert!(!has_attribute("<script title=\"src\">", "src"));
        assert!(!has_attribute("<script title='a src b'>", "src"));
        assert!(!has_attribute("<script>", "src"));
    }
}
