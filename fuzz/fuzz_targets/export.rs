//! Arbitrary bytes into the engine and out through every other format (XLSX, CSV, JSON):
//! each must return (an error is fine), never panic, and stay within the output allowance
//! the XML has.

#![no_main]

use libfuzzer_sys::fuzz_target;

/// `Limits::default().output`: 15 bytes per input byte plus 15 MiB.
fn output_bound(input_len: usize) -> usize {
    input_len.saturating_mul(15).saturating_add(15 << 20)
}

fuzz_target!(|data: &[u8]| {
    let mut options = converter::Options::default();
    let Ok(read) = converter::read_project(data, &mut options) else {
        return;
    };
    let export = converter::ExportOptions::default();
    for format in [
        converter::Format::Xlsx,
        converter::Format::Csv,
        converter::Format::Json,
    ] {
        if let Ok(bytes) = read.export(format, &export) {
            assert!(!bytes.is_empty(), "{format:?}: empty output");
            assert!(
                bytes.len() <= output_bound(data.len()),
                "{format:?}: {} bytes from {} bytes of input",
                bytes.len(),
                data.len()
            );
        }
    }
});
