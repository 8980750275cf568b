//! `mpp2xml`: converts Microsoft Project files to MSPDI XML from the command line.

use converter::export::csv::Table;
use converter::{
    ConvertError, ExportOptions, Format, Limits, Options, Summary, Usage, read_project,
};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
Usage: mpp2xml [OPTIONS] INPUT...

Converts Microsoft Project files (.mpp, .mpt) to MSPDI XML, XLSX, CSV or JSON.

Arguments:
  INPUT            a file to convert; '-' reads standard input

Options:
  -o, --output OUT     write the output to OUT ('-' = standard output); one input only
  -d, --out-dir DIR    write each INPUT's output to DIR/<name>.<extension of the format>
  -f, --format FMT     xml (default), xlsx, csv (a ZIP of tasks, resources, assignments
                       and links tables) or json; without it, the extension of -o
                       chooses: .xlsx, .json, .zip (CSV tables), .csv (one CSV table),
                       anything else XML
      --table NAME     write only this CSV table: tasks (the default for -o NAME.csv),
                       resources, assignments or links
      --delimiter C    CSV field delimiter: ',' (default), ';' or 'tab'
  -s, --summary        print what was read (version, application, counts) instead of XML
                       (with -o or -d the XML is written as well)
  -q, --quiet          do not print warnings
  -u, --usage          print what each conversion spent of its budgets (model memory,
                       work units, output bytes) to standard error
  -h, --help           show this help
  -V, --version        show the version

Without -o or -d, one input is written to standard output and several inputs are
written next to themselves as <name>.<extension>.
Exit status: 0 when every file converted, 1 when any failed, 2 on a usage error.";

struct Args {
    inputs: Vec<String>,
    output: Option<String>,
    out_dir: Option<PathBuf>,
    summary: bool,
    quiet: bool,
    usage: bool,
    format: Option<Format>,
    table: Option<Table>,
    delimiter: u8,
}

/// What one input is turned into.
#[derive(Clone, Copy)]
enum Output {
    /// MSPDI, streamed.
    Xml,
    /// A whole document of another format, built in memory.
    Other(Format),
    /// One CSV table.
    CsvTable(Table),
}

impl Output {
    fn extension(self) -> &'static str {
        match self {
            Self::Xml => "xml",
            Self::Other(f) => f.extension(),
            Self::CsvTable(_) => "csv",
        }
    }
}

/// The output an invocation asks for: `--format` when given, otherwise the extension of
/// `-o`; `--table` narrows CSV to one table.
fn output_of(args: &Args) -> Output {
    let by_extension = || {
        let out = args.output.as_deref().filter(|o| *o != "-")?;
        let ext = Path::new(out).extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "xlsx" => Some((Format::Xlsx, false)),
            "json" => Some((Format::Json, false)),
            "zip" => Some((Format::Csv, false)),
            "csv" => Some((Format::Csv, true)),
            _ => None,
        }
    };
    let (format, single) = match args.format {
        Some(f) => (f, false),
        None => by_extension().unwrap_or((Format::Xml, false)),
    };
    let single_file = single
        || (format == Format::Csv
            && args.output.as_deref().is_some_and(|o| {
                Path::new(o)
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
            }));
    match format {
        Format::Xml => Output::Xml,
        Format::Csv => match args.table {
            Some(t) => Output::CsvTable(t),
            None if single_file => Output::CsvTable(Table::Tasks),
            None => Output::Other(Format::Csv),
        },
        other => Output::Other(other),
    }
}

fn parse_args() -> Result<Option<Args>, String> {
    let mut args = Args {
        inputs: Vec::new(),
        output: None,
        out_dir: None,
        summary: false,
        quiet: false,
        usage: false,
        format: None,
        table: None,
        delimiter: b',',
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
                say(USAGE);
                return Ok(None);
            }
            "-V" | "--version" => {
                say(&format!("mpp2xml {}", env!("CARGO_PKG_VERSION")));
                return Ok(None);
            }
            "-o" | "--output" => args.output = Some(it.next().ok_or("-o needs a file name")?),
            "-d" | "--out-dir" => {
                args.out_dir = Some(PathBuf::from(it.next().ok_or("--out-dir needs a folder")?))
            }
            "-f" | "--format" => {
                let name = it.next().ok_or("--format needs xml, xlsx, csv or json")?;
                args.format = Some(parse_format(&name)?);
            }
            "--table" => {
                let name = it.next().ok_or("--table needs a table name")?;
                args.table = Some(parse_table(&name)?);
            }
            "--delimiter" => {
                let text = it.next().ok_or("--delimiter needs a character")?;
                args.delimiter = parse_delimiter(&text)?;
            }
            s if s.starts_with("--format=") => {
                args.format = Some(parse_format(&s["--format=".len()..])?)
            }
            s if s.starts_with("--table=") => {
                args.table = Some(parse_table(&s["--table=".len()..])?)
            }
            s if s.starts_with("--delimiter=") => {
                args.delimiter = parse_delimiter(&s["--delimiter=".len()..])?
            }
            "-s" | "--summary" => args.summary = true,
            "-q" | "--quiet" => args.quiet = true,
            "-u" | "--usage" => args.usage = true,
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
    if args.table.is_some() && args.format.is_some_and(|f| f != Format::Csv) {
        return Err("--table applies to CSV output only".to_owned());
    }
    if args.inputs.iter().filter(|i| *i == "-").count() > 1 {
        return Err("standard input can be read only once".to_owned());
    }
    Ok(Some(args))
}

fn parse_format(name: &str) -> Result<Format, String> {
    Format::parse(name).ok_or_else(|| format!("unknown format {name}; use xml, xlsx, csv or json"))
}

fn parse_table(name: &str) -> Result<Table, String> {
    Table::parse(name)
        .ok_or_else(|| format!("unknown table {name}; use tasks, resources, assignments or links"))
}

fn parse_delimiter(text: &str) -> Result<u8, String> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        t if t.len() == 1 && t.is_ascii() && t != "\"" && t != "\n" && t != "\r" => {
            Ok(t.as_bytes().first().copied().unwrap_or(b','))
        }
        _ => Err(format!(
            "the delimiter must be one character or 'tab', not {text}"
        )),
    }
}

/// Writes one input's output to a destination; the number of bytes written.
type Emit<'a> = dyn Fn(&mut dyn Write) -> Result<u64, ConvertError> + 'a;

/// Where one input's output goes.
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
    let ext = output_of(args).extension();
    let name = if input == "-" {
        PathBuf::from(format!("stdin.{ext}"))
    } else {
        Path::new(input)
            .with_extension(ext)
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
        Target::File(Path::new(input).with_extension(ext))
    }
}

#[derive(Debug)]
enum Failure {
    Read(std::io::Error),
    TooLarge(u64, usize),
    Convert(ConvertError),
    Write(PathBuf, std::io::Error),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Read(e) => write!(f, "cannot read the file: {e}"),
            Self::TooLarge(size, limit) => write!(
                f,
                "{}",
                ConvertError::TooLarge {
                    size: usize::try_from(*size).unwrap_or(usize::MAX),
                    limit: *limit
                }
            ),
            Self::Convert(e) => write!(f, "{e}"),
            Self::Write(p, e) => write!(f, "cannot write {}: {e}", p.display()),
        }
    }
}

/// What one successful conversion reports.
struct Converted {
    summary: Summary,
    warnings: Vec<String>,
    usage: Usage,
}

/// Reads an input whole, refusing one larger than the engine's input limit before holding
/// it in memory (standard input is read at most one byte past the limit).
fn read_input(input: &str, limit: usize) -> Result<Vec<u8>, Failure> {
    let cap = u64::try_from(limit).unwrap_or(u64::MAX);
    let mut buf = Vec::new();
    if input == "-" {
        std::io::stdin()
            .lock()
            .take(cap.saturating_add(1))
            .read_to_end(&mut buf)
            .map_err(Failure::Read)?;
    } else {
        let file = std::fs::File::open(input).map_err(Failure::Read)?;
        let size = file.metadata().map_err(Failure::Read)?.len();
        if size > cap {
            return Err(Failure::TooLarge(size, limit));
        }
        // `take` hides the file's size from `read_to_end`: reserve it, or the buffer grows
        // by doubling and copies the input over and over.
        buf.reserve_exact(usize::try_from(size).unwrap_or(0).saturating_add(1));
        file.take(cap.saturating_add(1))
            .read_to_end(&mut buf)
            .map_err(Failure::Read)?;
    }
    let size = u64::try_from(buf.len()).unwrap_or(u64::MAX);
    if size > cap {
        return Err(Failure::TooLarge(size, limit));
    }
    Ok(buf)
}

/// Writes the XML into `path` through a temporary file beside it, renamed into place once
/// whole: a failed conversion never leaves a partial document under the final name. A path
/// that is not a regular file (`/dev/null`, a pipe, a terminal) is written as it is: a rename
/// would replace the device with a file.
fn write_file(emit: &Emit<'_>, path: &Path) -> Result<u64, Failure> {
    let special = std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir());
    if special {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| Failure::Write(path.to_owned(), e))?;
        return emit(&mut file).map_err(Failure::Convert);
    }
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let written = (|| {
        // The writer hands the file 64 KiB chunks: no second buffer needed.
        let mut file =
            std::fs::File::create(&partial).map_err(|e| Failure::Write(partial.clone(), e))?;
        let written = emit(&mut file).map_err(Failure::Convert)?;
        drop(file);
        std::fs::rename(&partial, path).map_err(|e| Failure::Write(path.to_owned(), e))?;
        Ok(written)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written
}

/// Prints `line` on standard output. A reader that went away (`mpp2xml --help | head -1`) is
/// no error of ours: the line is dropped instead of panicking as `println!` does.
fn say(line: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

/// Writes the XML to standard output. The document is written twice: once into a counter,
/// which fails on a budget before a byte is printed, then for real, so a reader of the pipe
/// never gets half a document followed by an error.
fn write_stdout(emit: &Emit<'_>) -> Result<u64, Failure> {
    emit(&mut std::io::sink()).map_err(Failure::Convert)?;
    let mut out = std::io::stdout().lock();
    let shown = || PathBuf::from("standard output");
    let written = emit(&mut out).map_err(|e| match e {
        ConvertError::Write(message) => Failure::Write(shown(), std::io::Error::other(message)),
        other => Failure::Convert(other),
    })?;
    out.flush().map_err(|e| Failure::Write(shown(), e))?;
    Ok(written)
}

fn convert_one(args: &Args, input: &str) -> Result<Converted, Failure> {
    let limits = Limits::default();
    let bytes = read_input(input, limits.max_input_bytes)?;
    let mut options = Options {
        limits,
        ..Options::default()
    };
    let read = read_project(&bytes, &mut options).map_err(Failure::Convert)?;
    drop(bytes);
    let target = target_for(args, input);
    let options = ExportOptions {
        csv_delimiter: args.delimiter,
    };
    // The other formats are built whole before a byte is written (their writers need the
    // whole document); XML streams. Nothing is built when nothing is written.
    let bytes = match (&target, output_of(args)) {
        (Target::Nowhere, _) | (_, Output::Xml) => None,
        (_, Output::Other(format)) => Some(read.export(format, &options)),
        (_, Output::CsvTable(table)) => Some(read.export_csv_table(table, &options)),
    }
    .transpose()
    .map_err(Failure::Convert)?;
    let emit = |dest: &mut dyn Write| -> Result<u64, ConvertError> {
        match &bytes {
            None => read.write_mspdi_to(dest),
            Some(b) => {
                dest.write_all(b)
                    .map_err(|e| ConvertError::Write(e.to_string()))?;
                Ok(u64::try_from(b.len()).unwrap_or(u64::MAX))
            }
        }
    };
    let written = match target {
        Target::Stdout => write_stdout(&emit)?,
        Target::File(path) => write_file(&emit, &path)?,
        Target::Nowhere => 0,
    };
    let mut usage = read.usage();
    usage.output = written;
    Ok(Converted {
        summary: read.summary(),
        warnings: read.warnings,
        usage,
    })
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
                if args.usage {
                    let u = &conversion.usage;
                    eprintln!(
                        "{shown}: usage: model memory {} bytes, work {} units, output {} bytes",
                        u.memory, u.work, u.output
                    );
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
                        say(&line);
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
