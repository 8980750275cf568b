//! Arbitrary bytes into the whole engine: `convert` must return (an error is fine), never
//! panic, and what it returns must look like XML and respect the output budget.
//!
//! Seeded with the real corpus by `cargo xtask fuzz`, so mutations start from files that get
//! past the container.

#![no_main]

use libfuzzer_sys::fuzz_target;

/// The bound every successful conversion keeps: `Limits::default().output` allows 15 bytes
/// of XML per input byte plus 15 MiB; one more of each leaves room for the closing tags the
/// writer may add after the budget check.
fn output_bound(input_len: usize) -> usize {
    input_len.saturating_mul(16).saturating_add(16 << 20)
}

fuzz_target!(|data: &[u8]| {
    let mut options = converter::Options::default();
    if let Ok(conversion) = converter::convert(data, &mut options) {
        let xml = &conversion.xml;
        assert!(!xml.is_empty(), "an empty document");
        assert!(xml.starts_with(b"<?xml"), "no XML declaration first");
        assert!(
            xml.len() <= output_bound(data.len()),
            "{} bytes of XML from {} bytes of input",
            xml.len(),
            data.len()
        );
    }
});
