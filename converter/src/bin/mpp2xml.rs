//! `mpp2xml`: converts Microsoft Project files to MSPDI XML from the command line.

use converter::{Conversion, ConvertError, Options, convert};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
Usage: mpp2xml [OPTIONS] INPUT...

Converts Microsoft Project files (.mpp, .mpt) to MSPDI XML.

Arguments:
  INPUT            a file to convert; '-' reads standard input

Options:
  -o, --output OUT     write the XML to OUT ('-' = standard output); one input only
  -d, --out-dir DIR    write each INPUT's XML to DIR/<name>.xml
  -s, --summary        print what was read (version, application, counts) instead of XML
                       (with -o or -d the XML is written as well)
  -q, --quiet          do not print warnings
  -h, --help           show this help
  -V, --version        show the version

Without -o or -d, one input is written to standard output and several inputs are
written next to themselves as <name>.xml.
Exit status: 0 when every file converted, 1 when any failed, 2 on a usage error.";

struct Args {
    inputs: Vec<String>,
    output: Option<String>,
    out_dir: Option<PathBuf>,
    summary: bool,
    quiet: bool,
}

fn parse_args() -> Result<Option<Args>, String> {
    let mut args = Args {
        inputs: Vec::new(),
        output: None,
        out_dir: None,
        summary: false,
        quiet: false,
    };
    let mut it = std::env::args().skip(1);
    let mut only_inputs = false;
    while let Some(arg) = it.next() {
        if only_inputs {
            args.inputs.push(arg);
            continue;
        }
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(None);
            }
            "-V" | "--version" => {
                println!("mpp2xml {}", env!("CARGO_PKG_VERSION"));
                return Ok(None);
            }
            "-o" | "--output" => args.output = Some(it.next().ok_or("-o needs a file name")?),
            "-d" | "--out-dir" => {
                args.out_dir = Some(PathBuf::from(it.next().ok_or("--out-dir needs a folder")?))
            }
            "-s" | "--summary" => args.summary = true,
            "-q" | "--quiet" => args.quiet = true,
            "--" => only_inputs = true,
            s if s.starts_with("--output=") => {
                args.output = Some(s["--output=".len()..].to_owned())
            }
            s if s.starts_with("--out-dir=") => {
                args.out_dir = Some(PathBuf::from(&s["--out-dir=".len()..]))
            }
            s if s.starts_with('-') && s != "-" => return Err(format!("unknown option {s}")),
            _ => args.inputs.push(arg),
        }
    }
    if args.inputs.is_empty() {
        return Err("no input file given".to_owned());
    }
    if args.output.is_some() && args.out_dir.is_some() {
        return Err("use either -o or --out-dir, not both".to_owned());
    }
    if args.output.is_some() && args.inputs.len() > 1 {
        return Err("-o takes one input; use --out-dir for several".to_owned());
    }
    if args.inputs.iter().filter(|i| *i == "-").count() > 1 {
        return Err("standard input can be read only once".to_owned());
    }
    Ok(Some(args))
}

/// Where one input's XML goes.
enum Target {
    Stdout,
    File(PathBuf),
    Nowhere,
}

fn target_for(args: &Args, input: &str) -> Target {
    if let Some(out) = &args.output {
        return if out == "-" {
            Target::Stdout
        } else {
            Target::File(PathBuf::from(out))
        };
    }
    let name = if input == "-" {
        "stdin.xml".into()
    } else {
        Path::new(input)
            .with_extension("xml")
            .file_name()
            .map(PathBuf::from)
            .unwrap_or_default()
    };
    if let Some(dir) = &args.out_dir {
        return Target::File(dir.join(name));
    }
    if args.summary {
        Target::Nowhere
    } else if args.inputs.len() == 1 {
        Target::Stdout
    } else {
        Target::File(Path::new(input).with_extension("xml"))
    }
}

#[derive(Debug)]
enum Failure {
    Read(std::io::Error),
    Convert(ConvertError),
    Write(PathBuf, std::io::Error),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Read(e) => write!(f, "cannot read the file: {e}"),
            Self::Convert(e) => write!(f, "{e}"),
            Self::Write(p, e) => write!(f, "cannot write {}: {e}", p.display()),
        }
    }
}

fn convert_one(args: &Args, input: &str) -> Result<Conversion, Failure> {
    let bytes = if input == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(Failure::Read)?;
        buf
    } else {
        std::fs::read(input).map_err(Failure::Read)?
    };
    let conversion = convert(&bytes, &mut Options::default()).map_err(Failure::Convert)?;
    match target_for(args, input) {
        Target::Stdout => {
            let mut out = std::io::stdout().lock();
            out.write_all(&conversion.xml)
                .and_then(|()| out.flush())
                .map_err(|e| Failure::Write("standard output".into(), e))?;
        }
        Target::File(path) => {
            std::fs::write(&path, &conversion.xml).map_err(|e| Failure::Write(path.clone(), e))?
        }
        Target::Nowhere => {}
    }
    Ok(conversion)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(Some(args)) => args,
        Ok(None) => return ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("mpp2xml: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if let Some(dir) = &args.out_dir
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        eprintln!("mpp2xml: cannot create {}: {e}", dir.display());
        return ExitCode::from(2);
    }
    let mut failed = 0usize;
    for input in &args.inputs {
        let shown = if input == "-" {
            "<stdin>"
        } else {
            input.as_str()
        };
        match convert_one(&args, input) {
            Ok(conversion) => {
                if !args.quiet {
                    for warning in &conversion.warnings {
                        eprintln!("{shown}: warning: {warning}");
                    }
                }
                if args.summary {
                    let s = &conversion.summary;
                    let line = format!(
                        "{shown}: MPP{}{} saved by {}; {} tasks, {} resources, {} assignments, {} calendars",
                        s.format.number(),
                        if s.template { " template" } else { "" },
                        s.application,
                        s.tasks,
                        s.resources,
                        s.assignments,
                        s.calendars
                    );
                    // Summaries go to stderr when the XML itself goes to stdout.
                    if matches!(target_for(&args, input), Target::Stdout) {
                        eprintln!("{line}");
                    } else {
                        println!("{line}");
                    }
                }
            }
            Err(failure) => {
                failed += 1;
                eprintln!("{shown}: error: {failure}");
            }
        }
    }
    if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
