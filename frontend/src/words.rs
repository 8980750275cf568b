//! Sentences built from numbers and names, in plain Rust so each language's wording is tested
//! on the host: the counts of a converted file, the product that saved it, the status line.

use crate::i18n::Texts;

/// What a file's card counts: the rows the preview shows (no project summary task, no blank
/// rows, no hidden resource 0), so "3 tasks" sits above a three-row table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Task rows.
    pub tasks: u64,
    /// Resource rows.
    pub resources: u64,
    /// Assignments.
    pub assignments: u64,
    /// Calendars.
    pub calendars: u64,
}

/// "3 tasks, 1 resource, 1 assignment, 2 calendars", each with its language's plural form.
pub fn counts(t: &Texts, c: Counts) -> String {
    [
        t.plural(c.tasks, t.count_tasks),
        t.plural(c.resources, t.count_resources),
        t.plural(c.assignments, t.count_assignments),
        t.plural(c.calendars, t.count_calendars),
    ]
    .join(", ")
}

/// The product that saved a file, from the application name the file records: "Project 2010"
/// for "Microsoft.Project 14.0". A name this does not know is shown as it is.
///
/// The version is Office's internal number. Project 2000, 2002 and 2003 all write the MPP9
/// generation and their files say "Microsoft Project 9.0", so 9.0 names the three; 16.0 is
/// 2016 and every version since.
pub fn product(t: &Texts, application: &str) -> String {
    let name = application.trim();
    let Some(major) = project_major_version(name) else {
        return name.to_string();
    };
    let product = match major {
        8 => "Project 98",
        9 => t.product_2000_2003,
        10 => "Project 2002",
        11 => "Project 2003",
        12 => "Project 2007",
        14 => "Project 2010",
        15 => "Project 2013",
        16 => t.product_2016_later,
        _ => return name.to_string(),
    };
    product.to_string()
}

/// The major version of "Microsoft Project 9.0", "Microsoft.Project 14.0" or
/// "Microsoft Office Project 12.0"; `None` for any other name.
fn project_major_version(name: &str) -> Option<u32> {
    let rest = name.strip_prefix("Microsoft")?;
    let rest = rest.trim_start_matches([' ', '.']);
    let rest = rest.strip_prefix("Office ").unwrap_or(rest);
    let version = rest.strip_prefix("Project")?.trim_start_matches([' ', '.']);
    let (major, minor) = version.split_once('.')?;
    if minor.is_empty() || !minor.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    major.parse().ok()
}

/// The error kind whose advice a file gets: the engine's, except that a file the engine finds
/// "corrupt" whose length is not a whole number of 512-byte sectors gets the advice for a
/// truncated file. Every complete compound file (what an .mpp is) is whole sectors, so such a
/// file was almost surely cut short (an interrupted download or copy); the engine cannot tell,
/// because a cut file fails while its container is opened, before any stream is read.
/// Telemetry still reports the engine's kind.
pub fn advice_kind(kind: &str, size: f64) -> &str {
    const SECTOR: f64 = 512.0;
    if kind == "corrupt" && size.is_finite() && size > 0.0 && size % SECTOR != 0.0 {
        "truncated"
    } else {
        kind
    }
}

/// How many files are in each finished state, for the status line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Converted.
    pub done: u64,
    /// Failed.
    pub failed: u64,
    /// Not sent to the server, by the user's choice.
    pub skipped: u64,
    /// Waiting for the user's choice before going to the server.
    pub asking: u64,
    /// Waiting for Pro.
    pub locked: u64,
}

/// "1 file converted.", "2 files converted, 1 file failed.", "1 file waits for your choice."
/// Only the states some file is in are said; nothing is said of an empty list.
pub fn status(t: &Texts, tally: Tally) -> String {
    let parts: Vec<String> = [
        (tally.done, t.status_converted),
        (tally.failed, t.status_failed),
        (tally.skipped, t.status_skipped),
        (tally.asking, t.status_asking),
        (tally.locked, t.status_locked),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, forms)| t.plural(n, forms))
    .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("{}.", parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN, PT_BR};

    #[test]
    fn counts_use_singular_and_plural() {
        let c = Counts {
            tasks: 3,
            resources: 1,
            assignments: 1,
            calendars: 2,
        };
        assert_eq!(
            counts(&EN, c),
            "3 tasks, 1 resource, 1 assignment, 2 calendars"
        );
        assert_eq!(
            counts(&PT_BR, c),
            "3 tarefas, 1 recurso, 1 atribuição, 2 calendários"
        );
    }

    #[test]
    fn versions_read_as_product_names() {
        assert_eq!(product(&EN, "Microsoft.Project 14.0"), "Project 2010");
        assert_eq!(product(&EN, "Microsoft.Project 15.0"), "Project 2013");
        assert_eq!(product(&EN, "Microsoft Project 12.0"), "Project 2007");
        assert_eq!(product(&EN, "Microsoft Project 9.0"), "Project 2000–2003");
        assert_eq!(
            product(&EN, "Microsoft Office Project 11.0"),
            "Project 2003"
        );
        assert_eq!(
            product(&EN, "Microsoft.Project 16.0"),
            "Project 2016 or later"
        );
        assert_eq!(
            product(&PT_BR, "Microsoft.Project 16.0"),
            "Project 2016 ou posterior"
        );
        // Unknown names and versions are shown as they are.
        assert_eq!(
            product(&EN, "Microsoft.Project 17.0"),
            "Microsoft.Project 17.0"
        );
        assert_eq!(product(&EN, "GanttProject 3.2"), "GanttProject 3.2");
        assert_eq!(product(&EN, "Microsoft Project"), "Microsoft Project");
        assert_eq!(
            product(&EN, "Microsoft Project 14.x"),
            "Microsoft Project 14.x"
        );
        assert_eq!(product(&EN, ""), "");
    }

    #[test]
    fn a_cut_compound_file_reads_as_truncated() {
        assert_eq!(advice_kind("corrupt", 150_000.0), "truncated");
        assert_eq!(advice_kind("corrupt", 512.0 * 293.0), "corrupt");
        assert_eq!(advice_kind("not_mpp", 150_000.0), "not_mpp");
        assert_eq!(advice_kind("truncated", 1024.0), "truncated");
        assert_eq!(advice_kind("corrupt", f64::NAN), "corrupt");
    }

    #[test]
    fn the_status_line_says_only_what_is_there() {
        let one = Tally {
            done: 1,
            ..Tally::default()
        };
        assert_eq!(status(&EN, one), "1 file converted.");
        assert_eq!(status(&PT_BR, one), "1 arquivo convertido.");
        let mixed = Tally {
            done: 1,
            failed: 1,
            locked: 2,
            ..Tally::default()
        };
        assert_eq!(
            status(&EN, mixed),
            "1 file converted, 1 file failed, 2 need Pro."
        );
        assert_eq!(
            status(&PT_BR, mixed),
            "1 arquivo convertido, 1 arquivo com falha, 2 requerem o Pro."
        );
        let waiting = Tally {
            asking: 2,
            skipped: 1,
            ..Tally::default()
        };
        assert_eq!(
            status(&EN, waiting),
            "1 file skipped, 2 files wait for your choice."
        );
        assert_eq!(status(&EN, Tally::default()), "");
    }
}
