//! Builds the worker's warm-up file: the smallest Project 2010 file the engine reads (a
//! compound file with `\1CompObj`, the root properties and the project's properties, no
//! tasks), written to `OUT_DIR` and embedded in the worker.
//!
//! The browser compiles a wasm function only when it is first called, with a quick compiler,
//! and optimises it once it has run a while; a user's first file used to pay for compiling
//! the container, property and writer paths (a small project took 4x the native time where
//! later files took 1-2x). Reading this file when the worker starts moves that cost to a
//! moment nobody waits on. It is made here, with the `cfb` crate, rather than shipped as a
//! binary file, so anyone can see what it holds.

use std::io::Write;

/// Project `Props` key of the currency symbol (UTF-16).
const CURRENCY_SYMBOL: u32 = 0x0240_0010;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo::rerun-if-changed=build.rs");
    let out = std::env::var_os("OUT_DIR").ok_or("cargo sets OUT_DIR for build scripts")?;
    let path = std::path::Path::new(&out).join("warm-up.mpp");
    std::fs::write(path, warm_up_file()?)?;
    Ok(())
}

fn warm_up_file() -> std::io::Result<Vec<u8>> {
    let mut file = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new()))?;
    file.create_storage("/   114")?;
    let streams = [
        (
            "/\u{1}CompObj",
            comp_obj("Microsoft.Project 14.0", "MSProject.MPP14"),
        ),
        ("/Props14", props(&[])),
        ("/   114/Props", props(&[(CURRENCY_SYMBOL, utf16("$"))])),
    ];
    for (path, data) in streams {
        let mut stream = file.create_stream(path)?;
        stream.write_all(&data)?;
        stream.flush()?;
    }
    file.flush()?;
    Ok(file.into_inner().into_inner())
}

/// `\1CompObj`: a 28-byte header, then the user type (the saving application), the
/// clipboard format and the program id as length-prefixed ANSI strings.
fn comp_obj(application: &str, format: &str) -> Vec<u8> {
    let mut out = vec![0u8; 28];
    for text in [application, format, "MSProject.Project.9"] {
        out.extend_from_slice(&len32(text.len() + 1).to_le_bytes());
        out.extend_from_slice(text.as_bytes());
        out.push(0);
    }
    out
}

/// A `Props` stream: a 16-byte header with the item count, then (size, key, 0, value) items
/// padded to even lengths.
fn props(items: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let mut out = vec![0u8; 16];
    let count = u16::try_from(items.len()).unwrap_or(u16::MAX);
    out.splice(12..14, count.to_le_bytes());
    for (key, value) in items {
        out.extend_from_slice(&len32(value.len()).to_le_bytes());
        out.extend_from_slice(&key.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(value);
        if value.len() % 2 == 1 {
            out.push(0);
        }
    }
    out
}

fn utf16(text: &str) -> Vec<u8> {
    text.encode_utf16()
        .chain([0])
        .flat_map(u16::to_le_bytes)
        .collect()
}

fn len32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}
