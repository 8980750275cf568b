//! The command-line tool as a user runs it: where its XML goes and what it leaves behind.

// Tests fail by panicking, and their inputs are their own.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::io::Read;
use std::os::unix::fs::FileTypeExt;
use std::path::PathBuf;
use std::process::Command;

/// A corpus file the engine converts, or `None` (said on standard error) without a corpus.
fn convertible_input() -> Option<PathBuf> {
    let files = match support::corpus_files() {
        Ok(files) => files,
        Err(dir) => {
            eprintln!("skipped: no corpus at {} (set MPP_CORPUS)", dir.display());
            return None;
        }
    };
    files.into_iter().find(|path| {
        std::fs::read(path).is_ok_and(|bytes| {
            converter::convert(&bytes, &mut converter::Options::default()).is_ok()
        })
    })
}

/// `-o` naming a pipe writes into the pipe: the temporary-file-and-rename that protects
/// regular files must not replace a pipe or a device (`-o /dev/null`) with a file.
#[test]
fn output_to_a_pipe_goes_into_the_pipe_and_leaves_it_a_pipe() {
    let Some(input) = convertible_input() else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("mpp2xml-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("out.xml");
    let _ = std::fs::remove_file(&fifo);
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo is not available");
        return;
    }
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut xml = Vec::new();
            std::fs::File::open(&fifo)
                .and_then(|mut f| f.read_to_end(&mut xml))
                .map(|_| xml)
        })
    };
    let status = Command::new(env!("CARGO_BIN_EXE_mpp2xml"))
        .arg(&input)
        .arg("-o")
        .arg(&fifo)
        .status()
        .unwrap();
    let still_a_pipe = std::fs::symlink_metadata(&fifo)
        .map(|m| m.file_type().is_fifo())
        .unwrap_or(false);
    // (Checked before joining: a reader left on a replaced pipe would wait forever.)
    assert!(still_a_pipe, "the pipe was replaced by a file");
    let xml = reader.join().unwrap().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(status.success(), "{status}");
    assert!(xml.starts_with(b"<?xml"), "the XML went into the pipe");
}

/// A regular output file appears whole under its name, with no temporary file left beside it.
#[test]
fn output_files_appear_whole_and_leave_no_temporary() {
    let Some(input) = convertible_input() else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("mpp2xml-cli-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("plan.xml");
    let status = Command::new(env!("CARGO_BIN_EXE_mpp2xml"))
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .status()
        .unwrap();
    let xml = std::fs::read(&out).unwrap_or_default();
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(status.success(), "{status}");
    assert!(xml.ends_with(b"</Project>"), "a whole document");
    assert_eq!(names, vec![std::ffi::OsString::from("plan.xml")]);
}

/// `mpp2xml --help | head -1`: a reader that closed the pipe before the text is written is
/// not a crash. The pipe's read end is closed before the tool starts, so every write fails.
#[test]
fn help_into_a_closed_pipe_is_not_a_panic() {
    for flag in ["--help", "--version"] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let output = Command::new(env!("CARGO_BIN_EXE_mpp2xml"))
            .arg(flag)
            .stdout(writer)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "{flag}: {:?} {stderr}",
            output.status
        );
        assert!(!stderr.contains("panicked"), "{flag}: {stderr}");
    }
}
