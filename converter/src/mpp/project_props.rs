//! Project properties: project `Props` plus the OLE summary property sets.
//!
//! The document properties (title, author, company…) are read from the property sets first,
//! because that is where Project's File ▸ Properties dialog keeps them; the copies in `Props`
//! are only used when a property set is missing or leaves a value empty. Creation date, last
//! saved, revision and last author exist only in the property sets.
//!
//! Where a stored code is out of range, the value falls back to what Project (and MPXJ) use
//! for an unknown code, so that a damaged setting never stops the conversion.

use super::encoding;
use super::property_set::{DocSummary, Summary};
use super::props::Props;
use super::reader::Context;
use crate::model::ProjectProperties;

/// Keys of the project `Props` (part 2 §3 of the format notes).
mod key {
    pub const COMPANY: u32 = 0x0240_0000;
    pub const MANAGER: u32 = 0x0240_0001;
    pub const START_DATE: u32 = 0x0240_0002;
    pub const FINISH_DATE: u32 = 0x0240_0003;
    pub const SCHEDULE_FROM: u32 = 0x0240_0004;
    pub const COMMENTS: u32 = 0x0240_0005;
    pub const TITLE: u32 = 0x0240_0008;
    pub const SUBJECT: u32 = 0x0240_0009;
    pub const AUTHOR: u32 = 0x0240_000C;
    pub const KEYWORDS: u32 = 0x0240_000D;
    pub const DEFAULT_CALENDAR_NAME: u32 = 0x0240_000E;
    pub const CURRENCY_SYMBOL: u32 = 0x0240_0010;
    pub const CURRENCY_PLACEMENT: u32 = 0x0240_0011;
    pub const CURRENCY_DIGITS: u32 = 0x0240_0012;
    pub const CRITICAL_SLACK_LIMIT: u32 = 0x0240_0014;
    pub const DURATION_UNITS: u32 = 0x0240_0015;
    pub const WORK_UNITS: u32 = 0x0240_0016;
    pub const TASK_UPDATES_RESOURCE: u32 = 0x0240_0019;
    pub const SPLIT_TASKS: u32 = 0x0240_001A;
    pub const START_TIME: u32 = 0x0240_001C;
    pub const MINUTES_PER_DAY: u32 = 0x0240_001D;
    pub const MINUTES_PER_WEEK: u32 = 0x0240_001E;
    pub const STANDARD_RATE: u32 = 0x0240_001F;
    pub const OVERTIME_RATE: u32 = 0x0240_0020;
    pub const END_TIME: u32 = 0x0240_0021;
    pub const WEEK_START_DAY: u32 = 0x0240_0025;
    pub const GUID: u32 = 0x0240_0029;
    pub const FISCAL_YEAR_START_MONTH: u32 = 0x0240_002C;
    pub const DEFAULT_TASK_TYPE: u32 = 0x0240_0031;
    pub const MULTIPLE_CRITICAL_PATHS: u32 = 0x0240_0039;
    pub const HONOR_CONSTRAINTS: u32 = 0x0240_003A;
    pub const FISCAL_YEAR_START: u32 = 0x0240_0041;
    pub const EDITABLE_ACTUAL_COSTS: u32 = 0x0240_0042;
    pub const STATUS_DATE: u32 = 0x0240_0045;
    pub const CATEGORY: u32 = 0x0240_0049;
    pub const DAYS_PER_MONTH: u32 = 0x0240_138F;
    pub const BASELINE_CALENDAR_NAME: u32 = 0x0240_1393;
    pub const CURRENCY_CODE: u32 = 0x0240_13BB;
    pub const NEW_TASKS_ARE_MANUAL: u32 = 0x0240_13C8;
    pub const NEW_TASK_START_DATE: u32 = 0x0240_0017;
    pub const AUTOLINK: u32 = 0x0240_001B;
    pub const NEW_TASKS_EFFORT_DRIVEN: u32 = 0x0240_0032;
    pub const DEFAULT_FIXED_COST_ACCRUAL: u32 = 0x0240_0047;
    pub const MOVE_COMPLETED_ENDS_BACK: u32 = 0x0240_13A0;
    pub const MOVE_REMAINING_STARTS_BACK: u32 = 0x0240_13A1;
    pub const MOVE_REMAINING_STARTS_FORWARD: u32 = 0x0240_13A2;
    pub const MOVE_COMPLETED_ENDS_FORWARD: u32 = 0x0240_13A3;
    pub const DEFAULT_TASK_EV_METHOD: u32 = 0x0240_13A9;
    pub const BASELINE_FOR_EARNED_VALUE: u32 = 0x0240_13AE;
    /// A word of file-state bits; `0x10` is set while actuals are in sync with Project
    /// Server (Project 2013 and later clear it in files that were never published).
    pub const FILE_STATE: u32 = 0x0040_0002;
}

/// The "actuals in sync" bit of [`key::FILE_STATE`].
const ACTUALS_IN_SYNC: u8 = 0x10;

/// Reads the project properties.
pub fn read(
    ctx: &Context,
    summary: Option<&[u8]>,
    doc_summary: Option<&[u8]>,
) -> ProjectProperties {
    let props = &ctx.props;
    let summary = summary.map(Summary::parse).unwrap_or_default();
    let doc = doc_summary.map(DocSummary::parse).unwrap_or_default();
    let fallback = |value: Option<String>, key: u32| value.or_else(|| props.string(key));

    let mut p = ProjectProperties {
        title: fallback(summary.title, key::TITLE),
        subject: fallback(summary.subject, key::SUBJECT),
        author: fallback(summary.author, key::AUTHOR),
        keywords: fallback(summary.keywords, key::KEYWORDS),
        comments: fallback(summary.comments, key::COMMENTS),
        category: fallback(doc.category, key::CATEGORY),
        manager: fallback(doc.manager, key::MANAGER),
        company: fallback(doc.company, key::COMPANY),
        last_author: summary.last_author,
        revision: summary.revision.and_then(|r| r.trim().parse().ok()),
        creation_date: summary.created,
        last_saved: summary.last_saved,
        // MPP9 keeps the GUID as `{…}` text; text that is not a GUID is read as the raw bytes.
        guid: props
            .guid(key::GUID)
            .or_else(|| encoding::guid(props.bytes(key::GUID)?, 0)),
        start_date: props.timestamp(key::START_DATE),
        finish_date: props.timestamp(key::FINISH_DATE),
        status_date: props.timestamp(key::STATUS_DATE),
        calendar_name: props.string(key::DEFAULT_CALENDAR_NAME),
        baseline_calendar_name: props.string(key::BASELINE_CALENDAR_NAME),
        currency_code: props.string(key::CURRENCY_CODE),
        ..ProjectProperties::default()
    };

    read_settings(props, &mut p);
    p
}

/// The scheduling, currency and calendar settings.
fn read_settings(props: &Props, p: &mut ProjectProperties) {
    let short = |key| props.u16(key).unwrap_or(0);
    let flag = |key| props.bool(key).unwrap_or(false);
    // A code within its known range, else Project's default for it.
    let code = |key, range: std::ops::RangeInclusive<u16>, default| {
        Some(short(key))
            .filter(|v| range.contains(v))
            .unwrap_or(default)
    };

    // Stored as 1 = from start; anything else (including a missing key) is from finish.
    p.schedule_from_start = short(key::SCHEDULE_FROM) == 1;
    if let Some(t) = props.time(key::START_TIME) {
        p.default_start_time = t;
    }
    if let Some(t) = props.time(key::END_TIME) {
        p.default_finish_time = t;
    }
    p.duration_format = duration_format(short(key::DURATION_UNITS));
    p.work_format = work_format(short(key::WORK_UNITS));
    // Minutes per day, week and days per month drive every duration conversion: keep
    // Project's defaults rather than zero when a file lacks them.
    if let Some(m) = props
        .i32(key::MINUTES_PER_DAY)
        .and_then(|m| u32::try_from(m).ok())
    {
        p.minutes_per_day = m;
    }
    if let Some(m) = props
        .i32(key::MINUTES_PER_WEEK)
        .and_then(|m| u32::try_from(m).ok())
    {
        p.minutes_per_week = m;
    }
    if let Some(d) = props.u16(key::DAYS_PER_MONTH) {
        p.days_per_month = u32::from(d);
    }
    p.default_standard_rate = finite(props.f64(key::STANDARD_RATE));
    p.default_overtime_rate = finite(props.f64(key::OVERTIME_RATE));
    p.splits_in_progress_tasks = flag(key::SPLIT_TASKS);
    p.task_updates_resource = flag(key::TASK_UPDATES_RESOURCE);
    p.critical_slack_limit = props.i32(key::CRITICAL_SLACK_LIMIT).unwrap_or(0);
    p.currency_digits = short(key::CURRENCY_DIGITS);
    // An empty symbol is a real setting (no symbol); only a missing one means the default.
    if let Some(bytes) = props.bytes(key::CURRENCY_SYMBOL) {
        p.currency_symbol = Some(super::bytes::utf16_string(bytes));
    }
    p.currency_symbol_position = code(key::CURRENCY_PLACEMENT, 0..=3, 0);
    p.default_task_type = code(key::DEFAULT_TASK_TYPE, 0..=2, 2);
    // 0 = Sunday … 6 = Saturday; an unknown day reads as Monday, Project's default.
    p.week_start_day = code(key::WEEK_START_DAY, 0..=6, 1);
    p.fiscal_year_start_month = short(key::FISCAL_YEAR_START_MONTH);
    p.fiscal_year_start = short(key::FISCAL_YEAR_START) == 1;
    p.editable_actual_costs = flag(key::EDITABLE_ACTUAL_COSTS);
    // Stored inverted: the flag is set when constraints are ignored.
    p.honor_constraints = !flag(key::HONOR_CONSTRAINTS);
    p.multiple_critical_paths = flag(key::MULTIPLE_CRITICAL_PATHS);
    p.new_tasks_are_manual = flag(key::NEW_TASKS_ARE_MANUAL);

    p.new_tasks_effort_driven = flag(key::NEW_TASKS_EFFORT_DRIVEN);
    p.autolink = flag(key::AUTOLINK);
    p.default_fixed_cost_accrual = code(key::DEFAULT_FIXED_COST_ACCRUAL, 1..=3, 3);
    p.new_task_start_date = code(key::NEW_TASK_START_DATE, 0..=1, 0);
    p.move_completed_ends_back = flag(key::MOVE_COMPLETED_ENDS_BACK);
    p.move_remaining_starts_back = flag(key::MOVE_REMAINING_STARTS_BACK);
    p.move_remaining_starts_forward = flag(key::MOVE_REMAINING_STARTS_FORWARD);
    p.move_completed_ends_forward = flag(key::MOVE_COMPLETED_ENDS_FORWARD);
    p.default_task_ev_method = code(key::DEFAULT_TASK_EV_METHOD, 0..=1, 0);
    // Stored one higher than MSPDI's number: 1 = Baseline, 2 = Baseline1, …
    p.baseline_for_earned_value = match short(key::BASELINE_FOR_EARNED_VALUE) {
        v @ 1..=11 => v - 1,
        _ => 0,
    };
    p.actuals_in_sync = props
        .u8(key::FILE_STATE)
        .is_some_and(|bits| bits & ACTUALS_IN_SYNC != 0);

    // Settings whose place in the file is not known keep Project's own defaults (the
    // values it writes for every file of the corpus).
    p.inserted_projects_like_summary = true;
    p.new_tasks_estimated = true;
    p.spread_actual_cost = false;
    p.spread_percent_complete = false;
    p.auto_add_new_resources_and_tasks = true;
    p.earned_value_method = 0;
}

/// The default duration unit as an MSPDI `DurationFormat`: the stored code keeps its low five
/// bits; "no unit" and unknown codes mean days.
fn duration_format(raw: u16) -> u16 {
    match raw & 0x1F {
        v @ (3..=12 | 19 | 20) => v,
        _ => 7,
    }
}

/// The default work unit as an MSPDI `WorkFormat`: 1 m, 2 h, 3 d, 4 w, 5 mo, 7 y. Percent and
/// unknown codes mean hours.
fn work_format(raw: u16) -> u16 {
    match raw {
        v @ (1..=5 | 7) => v,
        _ => 2,
    }
}

/// A rate, with damaged (non-finite) values read as zero.
fn finite(value: Option<f64>) -> f64 {
    value.filter(|v| v.is_finite()).unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::Limits;
    use crate::model::FileFormat;
    use crate::mpp::layout::Layout;
    use crate::mpp::props::tests::build;

    fn utf16(text: &str) -> Vec<u8> {
        text.encode_utf16()
            .chain([0])
            .flat_map(|u| u.to_le_bytes())
            .collect()
    }

    fn context(items: &[(u32, &[u8])]) -> Context {
        Context {
            layout: Layout::new(FileFormat::Mpp14, 14),
            props: Props::parse(&build(items)),
            warnings: Vec::new(),
            limits: Limits::default(),
            budget: crate::budget::Budget::unlimited(),
        }
    }

    #[test]
    fn reads_settings_from_props() {
        let title = utf16("From props");
        let symbol = utf16("£");
        let code = utf16("GBP");
        let calendar = utf16("Standard");
        let ctx = context(&[
            (key::TITLE, &title),
            (key::SCHEDULE_FROM, &[1, 0]),
            (key::START_DATE, &[0xC0, 0x12, 0x4F, 0x20]),
            (key::START_TIME, &[0x70, 0x17]),
            (key::MINUTES_PER_DAY, &450i32.to_le_bytes()),
            (key::DAYS_PER_MONTH, &[20, 0]),
            (key::CURRENCY_SYMBOL, &symbol),
            (key::CURRENCY_CODE, &code),
            (key::CURRENCY_PLACEMENT, &[9, 0]),
            (key::DEFAULT_CALENDAR_NAME, &calendar),
            (key::DURATION_UNITS, &[0x27, 0]),
            (key::WORK_UNITS, &[6, 0]),
            (key::WEEK_START_DAY, &[1, 0]),
            (key::HONOR_CONSTRAINTS, &[0, 0]),
            (key::STANDARD_RATE, &12.5f64.to_le_bytes()),
            (key::NEW_TASKS_EFFORT_DRIVEN, &[1, 0]),
            (key::DEFAULT_FIXED_COST_ACCRUAL, &[2, 0]),
            (key::BASELINE_FOR_EARNED_VALUE, &[3, 0]),
            (key::FILE_STATE, &[0xBC, 0, 0, 0]),
        ]);
        let p = read(&ctx, None, None);
        assert_eq!(p.title.as_deref(), Some("From props"));
        assert!(p.schedule_from_start);
        assert_eq!(
            p.start_date.map(|d| d.to_string()).as_deref(),
            Some("2006-08-23 08:00:00")
        );
        assert_eq!(p.default_start_time.to_string(), "10:00:00");
        assert_eq!(
            (p.minutes_per_day, p.minutes_per_week, p.days_per_month),
            (450, 2400, 20)
        );
        assert_eq!(p.currency_symbol.as_deref(), Some("£"));
        assert_eq!(p.currency_code.as_deref(), Some("GBP"));
        assert_eq!(p.currency_symbol_position, 0);
        assert_eq!(p.calendar_name.as_deref(), Some("Standard"));
        assert_eq!(
            (p.duration_format, p.work_format, p.week_start_day),
            (7, 2, 1)
        );
        assert!(p.honor_constraints);
        assert_eq!(p.default_standard_rate, 12.5);
        assert_eq!(p.revision, None);
        assert!(p.new_tasks_effort_driven && !p.autolink);
        assert_eq!(p.default_fixed_cost_accrual, 2);
        assert_eq!(p.baseline_for_earned_value, 2, "stored one higher");
        assert!(p.actuals_in_sync);
        assert!(p.inserted_projects_like_summary);
    }

    #[test]
    fn a_missing_schedule_from_means_from_finish_and_empty_symbol_stays_empty() {
        let ctx = context(&[
            (key::CURRENCY_SYMBOL, &[0, 0]),
            (key::HONOR_CONSTRAINTS, &[1, 0]),
        ]);
        let p = read(&ctx, None, None);
        assert!(!p.schedule_from_start);
        assert_eq!(p.currency_symbol.as_deref(), Some(""));
        assert!(!p.honor_constraints);
        assert_eq!(p.minutes_per_day, 480);
        let none = read(&context(&[]), None, None);
        assert_eq!(none.currency_symbol.as_deref(), Some("$"));
        assert_eq!(none.default_fixed_cost_accrual, 3, "prorated");
        assert!(!none.actuals_in_sync);
    }

    #[test]
    fn property_sets_win_over_props() {
        let company = utf16("Props Co");
        let manager = utf16("Props Manager");
        let ctx = context(&[(key::COMPANY, &company), (key::MANAGER, &manager)]);
        // A document summary stream that holds only the company (as VT_LPWSTR).
        let mut section = Vec::new();
        let text: Vec<u8> = "Set Co\0"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        section.extend_from_slice(&(16 + 8 + text.len() as u32).to_le_bytes());
        section.extend_from_slice(&1u32.to_le_bytes());
        section.extend_from_slice(&15u32.to_le_bytes());
        section.extend_from_slice(&16u32.to_le_bytes());
        section.extend_from_slice(&[0x1F, 0, 0, 0]);
        section.extend_from_slice(&7u32.to_le_bytes());
        section.extend_from_slice(&text);
        let mut stream = vec![0xFE, 0xFF, 0, 0, 0, 0, 0, 0];
        stream.extend_from_slice(&[0; 16]);
        stream.extend_from_slice(&1u32.to_le_bytes());
        stream.extend_from_slice(&[
            0x02, 0xD5, 0xCD, 0xD5, 0x9C, 0x2E, 0x1B, 0x10, 0x93, 0x97, 0x08, 0x00, 0x2B, 0x2C,
            0xF9, 0xAE,
        ]);
        stream.extend_from_slice(&48u32.to_le_bytes());
        stream.extend_from_slice(&section);
        let p = read(&ctx, None, Some(&stream));
        assert_eq!(p.company.as_deref(), Some("Set Co"));
        assert_eq!(p.manager.as_deref(), Some("Props Manager"));
    }

    #[test]
    fn codes_out_of_range_fall_back() {
        assert_eq!(duration_format(21), 7);
        assert_eq!(duration_format(0x20 | 9), 9);
        assert_eq!(work_format(0), 2);
        assert_eq!(work_format(5), 5);
        assert_eq!(finite(Some(f64::NAN)), 0.0);
    }
}
