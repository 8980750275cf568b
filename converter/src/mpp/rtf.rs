//! RTF to plain text, for notes (Project stores notes as RTF; MSPDI carries plain text).
//!
//! Text is kept only in the document body and in the destinations that hold visible text
//! (`\pntext`, `\fldrslt`); every other destination (font and colour tables, `\info`,
//! pictures, embedded objects, `{\*…}` groups) is dropped. `\par`, `\line` and `\row` become
//! line ends, `\tab` and `\cell` tabs, and one trailing line end of a real RTF document is
//! removed — what MPXJ's `RtfHelper` produces with RTF Parser Kit.

use super::bytes::windows_1252;

/// Control words that open a destination whose text is not shown.
const HIDDEN_DESTINATIONS: &[&str] = &[
    "author",
    "annotation",
    "atnauthor",
    "atnid",
    "bkmkend",
    "bkmkstart",
    "blipuid",
    "buptim",
    "category",
    "colortbl",
    "colorschememapping",
    "comment",
    "company",
    "creatim",
    "datastore",
    "doccomm",
    "falt",
    "field",
    "filetbl",
    "fldinst",
    "fonttbl",
    "footer",
    "footerf",
    "footerl",
    "footerr",
    "footnote",
    "generator",
    "header",
    "headerf",
    "headerl",
    "headerr",
    "info",
    "keywords",
    "latentstyles",
    "listoverridetable",
    "listtable",
    "listtext",
    "manager",
    "mmathPr",
    "nonshppict",
    "objclass",
    "objdata",
    "object",
    "operator",
    "pgdsctbl",
    "pict",
    "pnseclvl",
    "pntxta",
    "pntxtb",
    "printim",
    "private",
    "result",
    "revtbl",
    "revtim",
    "rsidtbl",
    "shp",
    "shpinst",
    "shppict",
    "sn",
    "sp",
    "stylesheet",
    "subject",
    "sv",
    "themedata",
    "title",
    "userprops",
    "xmlnstbl",
];

/// Control words that stand for one character.
fn symbol(word: &str) -> Option<char> {
    Some(match word {
        "emdash" => '\u{2014}',
        "endash" => '\u{2013}',
        "emspace" => '\u{2003}',
        "enspace" => '\u{2002}',
        "qmspace" => '\u{2005}',
        "bullet" => '\u{2022}',
        "lquote" => '\u{2018}',
        "rquote" => '\u{2019}',
        "ldblquote" => '\u{201C}',
        "rdblquote" => '\u{201D}',
        "par" | "line" | "row" => '\n',
        "tab" | "cell" => '\t',
        _ => return None,
    })
}

/// Per-group parser state.
#[derive(Clone, Copy, PartialEq, Eq)]
struct State {
    /// Text in this group is shown.
    visible: bool,
    /// Characters to skip after a `\u` character.
    unicode_skip: usize,
}

/// Most saved group states kept. The stack stores runs of equal states, so a note of
/// nothing but `{` costs one entry; past this many distinct entries (real notes nest a
/// handful of levels) deeper groups share their parent's state.
const MAX_SAVED: usize = 1 << 16;

/// Strips RTF control words and groups, keeping the text. Works on the bytes (every RTF
/// delimiter is ASCII) so that a note costs no more than its own size.
pub fn to_plain_text(rtf: &str) -> String {
    let formal = rtf.starts_with("{\\rtf");
    let bytes = rtf.as_bytes();
    let mut out = String::with_capacity(rtf.len().min(1 << 16));
    let mut state = State {
        visible: true,
        unicode_skip: 1,
    };
    // Saved states of the open groups, as runs: (state, how many groups saved it).
    let mut stack: Vec<(State, usize)> = Vec::new();
    // Groups opened past MAX_DEPTH and not yet closed.
    let mut too_deep = 0usize;
    // Fallback characters still to skip after a `\u` character.
    let mut pending_skip = 0usize;
    let mut i = 0usize;
    let emit = |out: &mut String, state: &State, pending: &mut usize, c: char| {
        if *pending > 0 {
            *pending -= 1;
        } else if state.visible {
            out.push(c);
        }
    };
    let at = |i: usize| bytes.get(i).copied();
    while let Some(b) = at(i) {
        match b {
            b'{' => {
                i += 1;
                let saved = stack.len();
                match stack.last_mut() {
                    Some((top, runs)) if *top == state => *runs += 1,
                    _ if saved < MAX_SAVED => stack.push((state, 1)),
                    _ => too_deep += 1,
                }
                pending_skip = 0;
                // `{\*\word …}`: a destination a reader may ignore.
                if at(i) == Some(b'\\') && at(i + 1) == Some(b'*') {
                    state.visible = false;
                    i += 2;
                }
            }
            b'}' => {
                i += 1;
                if too_deep > 0 {
                    too_deep -= 1;
                } else if let Some((saved, runs)) = stack.last_mut() {
                    state = *saved;
                    *runs -= 1;
                    if *runs == 0 {
                        stack.pop();
                    }
                }
                pending_skip = 0;
            }
            b'\r' | b'\n' => i += 1,
            b'\\' => {
                i += 1;
                let Some(next) = at(i) else { break };
                if next.is_ascii_alphabetic() {
                    let start = i;
                    while at(i).is_some_and(|b| b.is_ascii_alphabetic()) {
                        i += 1;
                    }
                    let word = rtf.get(start..i).unwrap_or_default();
                    let number_start = i;
                    if at(i) == Some(b'-') {
                        i += 1;
                    }
                    while at(i).is_some_and(|b| b.is_ascii_digit()) {
                        i += 1;
                    }
                    let parameter: Option<i64> =
                        rtf.get(number_start..i).and_then(|d| d.parse().ok());
                    if at(i) == Some(b' ') {
                        i += 1;
                    }
                    match word {
                        "u" => {
                            let code = parameter.unwrap_or(0);
                            let code = if code < 0 { code + 65536 } else { code };
                            let c = u32::try_from(code)
                                .ok()
                                .and_then(char::from_u32)
                                .unwrap_or('\u{FFFD}');
                            pending_skip = 0;
                            emit(&mut out, &state, &mut pending_skip, c);
                            pending_skip = state.unicode_skip;
                        }
                        "uc" => {
                            state.unicode_skip =
                                parameter.and_then(|p| usize::try_from(p).ok()).unwrap_or(1)
                        }
                        "pntext" | "fldrslt" => state.visible = true,
                        "bin" => {
                            // Binary data: skip the bytes it announces.
                            let n = parameter.and_then(|p| usize::try_from(p).ok()).unwrap_or(0);
                            i = i.saturating_add(n);
                        }
                        w if HIDDEN_DESTINATIONS.contains(&w) => state.visible = false,
                        w => {
                            if let Some(c) = symbol(w) {
                                emit(&mut out, &state, &mut pending_skip, c);
                            }
                        }
                    }
                } else if next == b'\'' {
                    let hex = rtf.get(i + 1..i + 3);
                    i += 3;
                    if let Some(byte) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                        emit(&mut out, &state, &mut pending_skip, windows_1252(byte));
                    }
                } else {
                    let Some(next) = rtf.get(i..).and_then(|r| r.chars().next()) else {
                        i += 1;
                        continue;
                    };
                    i += next.len_utf8();
                    let c = match next {
                        '\\' | '{' | '}' => Some(next),
                        '~' => Some('\u{00A0}'),
                        '_' => Some('\u{2011}'),
                        '\r' | '\n' => Some('\n'),
                        _ => None,
                    };
                    if let Some(c) = c {
                        emit(&mut out, &state, &mut pending_skip, c);
                    }
                }
            }
            _ => {
                // Text: one character, which may take several bytes (or land inside one
                // after a `\'` or `\bin` skip, which then drops its bytes).
                match rtf.get(i..).and_then(|r| r.chars().next()) {
                    Some(c) => {
                        i += c.len_utf8();
                        emit(&mut out, &state, &mut pending_skip, c);
                    }
                    None => i += 1,
                }
            }
        }
    }
    if formal && out.ends_with('\n') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_text_of_a_project_note() {
        let rtf = "{\\rtf1\\ansi\\ansicpg1252\\deff0\\deflang2057{\\fonttbl{\\f0\\fswiss\\fprq2\\fcharset0 Arial;}}\r\n{\\*\\generator Riched20 5.50.99.2014;}\\viewkind4\\uc1\\pard\\f0\\fs16 Task 1. Simple Notes.\\par\r\n}";
        assert_eq!(to_plain_text(rtf), "Task 1. Simple Notes.");
    }

    #[test]
    fn paragraphs_tabs_and_escapes() {
        let rtf = "{\\rtf1 a\\par b\\tab c \\{x\\} \\'e9\\u8364?d\\par\\par}";
        assert_eq!(to_plain_text(rtf), "a\nb\tc {x} é€d\n");
    }

    #[test]
    fn drops_embedded_objects_and_info() {
        let rtf = "{\\rtf1{\\info{\\title T}}Two{\\object\\objemb{\\*\\objclass Package}{\\*\\objdata 0102}{\\result{\\pict 89}}} files.}";
        assert_eq!(to_plain_text(rtf), "Two files.");
    }

    #[test]
    fn deep_nesting_costs_no_state_per_brace() {
        let deep = format!("{}x{}y", "{".repeat(100_000), "}".repeat(100_000));
        assert_eq!(to_plain_text(&deep), "xy");
        // Deep groups still restore their parent's state: hidden text stays inside.
        let hidden = format!(
            "{}{{\\info secret}}shown{}",
            "{".repeat(300),
            "}".repeat(300)
        );
        assert_eq!(to_plain_text(&hidden), "shown");
        let alternating = "{\\uc2 {\\uc1 ".repeat(MAX_SAVED) + "x" + &"}".repeat(2 * MAX_SAVED);
        assert_eq!(to_plain_text(&alternating), "x");
    }

    #[test]
    fn multibyte_text_and_cut_escapes() {
        assert_eq!(
            to_plain_text("{\\rtf1 caf\\u233?\\'e9 \u{e9}\u{20ac}}"),
            "caf\u{e9}\u{e9} \u{e9}\u{20ac}"
        );
        // A `\'` followed by a multi-byte character skips into the next one's start.
        assert_eq!(to_plain_text("a\\'\u{e9}\u{e9}b"), "a\u{e9}b");
        assert_eq!(to_plain_text("\\\u{e9}x"), "x");
        // A `\bin` count that lands inside a character drops its bytes.
        assert_eq!(to_plain_text("\\bin1 \u{e9}z"), "z");
    }

    #[test]
    fn plain_text_passes_through() {
        assert_eq!(to_plain_text("just text"), "just text");
        assert_eq!(to_plain_text(""), "");
        assert_eq!(to_plain_text("{\\rtf1 unterminated \\"), "unterminated ");
    }
}
