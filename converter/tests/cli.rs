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

/// The format an output gets: `--format` when given, else the extension of `-o`; the bytes
/// are the engine's own for that format (the server and the worker hand out the same).
#[test]
fn the_extension_or_format_chooses_the_output_and_the_bytes_are_the_engines() {
    let Some(input) = convertible_input() else {
        return;
    };
    let bytes = std::fs::read(&input).unwrap();
    let read = converter::read_project(&bytes, &mut converter::Options::default()).unwrap();
    let engine = |f| {
        read.export(f, &converter::ExportOptions::default())
            .unwrap()
    };
    let dir = std::env::temp_dir().join(format!("mpp2xml-cli-formats-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_mpp2xml"))
            .arg(&input)
            .args(args)
            .output()
            .unwrap()
    };
    let cases = [
        ("plan.xlsx", None, converter::Format::Xlsx),
        ("plan.json", None, converter::Format::Json),
        ("plan.zip", None, converter::Format::Csv),
        ("plan.xml", None, converter::Format::Xml),
        ("plan.out", Some("json"), converter::Format::Json),
    ];
    for (name, format, expected) in cases {
        let out = dir.join(name);
        let mut args = vec!["-o", out.to_str().unwrap()];
        if let Some(f) = format {
            args.extend(["--format", f]);
        }
        let output = run(&args);
        assert!(output.status.success(), "{name}: {output:?}");
        assert_eq!(std::fs::read(&out).unwrap(), engine(expected), "{name}");
    }

    // Standard output takes every format.
    let stdout = run(&["--format", "xlsx", "-o", "-"]);
    assert!(stdout.status.success());
    assert_eq!(stdout.stdout, engine(converter::Format::Xlsx));

    // `.csv` is one table, the tasks unless --table says otherwise, with the delimiter asked.
    let csv = dir.join("plan.csv");
    let output = run(&["-o", csv.to_str().unwrap()]);
    assert!(output.status.success(), "{output:?}");
    assert!(
        std::fs::read(&csv)
            .unwrap()
            .starts_with(b"ID,Unique ID,WBS")
    );
    let output = run(&[
        "-o",
        csv.to_str().unwrap(),
        "--table",
        "resources",
        "--delimiter",
        ";",
    ]);
    assert!(output.status.success(), "{output:?}");
    assert!(
        std::fs::read(&csv)
            .unwrap()
            .starts_with(b"ID;Unique ID;Name")
    );

    // --out-dir names each output with its format's extension.
    let out_dir = dir.join("out");
    let output = run(&["--format", "csv", "--out-dir", out_dir.to_str().unwrap()]);
    assert!(output.status.success(), "{output:?}");
    let stem = input.file_stem().unwrap().to_str().unwrap();
    let zipped = std::fs::read(out_dir.join(format!("{stem}.zip"))).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(zipped, engine(converter::Format::Csv));
}

/// A format, table or delimiter the tool does not know is a usage error (exit 2).
#[test]
fn unknown_formats_tables_and_delimiters_are_usage_errors() {
    for args in [
        &["x.mpp", "--format", "pdf"][..],
        &["x.mpp", "--format", "csv", "--table", "calendars"],
        &["x.mpp", "--format", "xml", "--table", "tasks"],
        &["x.mpp", "--delimiter", "ab"],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_mpp2xml"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
}
