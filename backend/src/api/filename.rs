//! The download's file name: the uploaded file's, with `.xml` for `.mpp`/`.mpt`, written so
//! that every browser saves it under that name and no header can be forged through it.

use axum::http::HeaderValue;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// The stem when the client gave no usable name.
const DEFAULT_STEM: &str = "project";

/// The longest stem kept, in characters: file systems allow about 255 bytes.
const MAX_STEM_CHARS: usize = 120;

/// RFC 8187 `attr-char` minus the alphanumerics: everything else is percent-encoded.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// The stem of `name`: its last path segment (browsers and tools may send a whole path),
/// without a `.mpp`/`.mpt` extension and control characters; `project` when nothing is left.
pub fn stem(name: Option<&str>) -> String {
    let name = name.unwrap_or_default();
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let lower = last.to_ascii_lowercase();
    let without = if lower.ends_with(".mpp") || lower.ends_with(".mpt") {
        last.get(..last.len() - 4).unwrap_or(last)
    } else {
        last
    };
    let cleaned: String = without
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_STEM_CHARS)
        .collect();
    let trimmed = cleaned.trim().trim_matches('.');
    if trimmed.is_empty() {
        DEFAULT_STEM.to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// `attachment; filename="<ascii stem>.xml"; filename*=UTF-8''<encoded stem>.xml`: the
/// plain name for old clients (anything outside printable ASCII, `"` and `\` become `_`),
/// the exact one for the rest.
pub fn content_disposition(stem: &str) -> HeaderValue {
    let ascii: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = utf8_percent_encode(stem, ATTR_CHAR);
    let value = format!("attachment; filename=\"{ascii}.xml\"; filename*=UTF-8''{encoded}.xml");
    HeaderValue::from_str(&value)
        .unwrap_or_else(|_| HeaderValue::from_static("attachment; filename=\"project.xml\""))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_stem_drops_folders_and_the_project_extension() {
        assert_eq!(stem(Some("Plan.mpp")), "Plan");
        assert_eq!(stem(Some("TEMPLATE.MPT")), "TEMPLATE");
        assert_eq!(stem(Some("C:\\Users\\a\\Big plan.mpp")), "Big plan");
        assert_eq!(stem(Some("/tmp/x/plan.v2.mpp")), "plan.v2");
        assert_eq!(stem(Some("notes.txt")), "notes.txt");
        assert_eq!(stem(Some("Cronograma técnico.mpp")), "Cronograma técnico");
    }

    #[test]
    fn nothing_usable_gives_project() {
        for name in [
            None,
            Some(""),
            Some(".mpp"),
            Some("dir/"),
            Some(" \u{7}\r\n "),
        ] {
            assert_eq!(stem(name), "project", "{name:?}");
        }
        assert_eq!(stem(Some(&"x".repeat(500))).len(), MAX_STEM_CHARS);
    }

    #[test]
    fn the_header_has_a_plain_and_an_exact_name() {
        assert_eq!(
            content_disposition("Plan"),
            "attachment; filename=\"Plan.xml\"; filename*=UTF-8''Plan.xml"
        );
        assert_eq!(
            content_disposition("Cronograma técnico \"v2\"; x"),
            "attachment; filename=\"Cronograma t_cnico _v2_; x.xml\"; \
             filename*=UTF-8''Cronograma%20t%C3%A9cnico%20%22v2%22%3B%20x.xml"
        );
    }
}
