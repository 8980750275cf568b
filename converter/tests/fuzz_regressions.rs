//! What the fuzz targets of `fuzz/` check, on inputs built here, so that `cargo test` keeps
//! checking it without a fuzzer: the engine never panics or hangs on an MPP-shaped file with
//! arbitrary rows (`compound`), and the MSPDI writer's output parses back whatever the model
//! holds (`mspdi_writer`). A crash, timeout or out-of-memory the fuzzers find gets a named
//! test here, its input built in code.

// Tests fail by panicking, and their inputs are their own.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use converter::model::{
    Assignment, Calendar, CalendarException, CustomFieldDefinition, CustomFieldValue, CustomValue,
    DayHours, DottedCode, Duration, Guid, LookupTable, LookupValue, Project, Recurrence, Resource,
    Task, TimeRange, TimeUnit, WorkWeek,
};
use converter::write_mspdi;
use std::time::Duration as Wait;
use support::{Entries, Outcome, check_mspdi, comp_obj, convert_guarded};
use testkit::{Rng, props};

/// Longest one conversion may take (debug build, slow CI machine) before it counts as a hang.
const TIME_LIMIT: Wait = Wait::from_secs(60);

fn nasty(rng: &mut Rng) -> String {
    (0..1 + rng.below(6))
        .map(|_| testkit::XML_HOSTILE[rng.below(testkit::XML_HOSTILE.len())])
        .collect()
}

/// Numbers a writer must not print as they are: not finite, huge, tiny, negative zero.
const NUMBERS: &[f64] = &[
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::MAX,
    f64::MIN,
    f64::MIN_POSITIVE,
    -0.0,
    1e300,
    -1e-300,
];

/// The first and last instants chrono can hold.
fn extreme_dates() -> [NaiveDateTime; 2] {
    [NaiveDateTime::MIN, NaiveDateTime::MAX]
}

/// A model whose every string is hostile, every number extreme and dates at chrono's ends.
fn hostile_project(rng: &mut Rng) -> Project {
    let mut p = Project::default();
    let number = |rng: &mut Rng| NUMBERS[rng.below(NUMBERS.len())];
    let [min, max] = extreme_dates();
    let props = &mut p.properties;
    props.title = Some(nasty(rng));
    props.author = Some(nasty(rng));
    props.company = Some(nasty(rng));
    props.comments = Some(nasty(rng));
    props.currency_symbol = Some(nasty(rng));
    props.calendar_name = Some(nasty(rng));
    props.start_date = Some(min);
    props.finish_date = Some(max);
    props.default_standard_rate = number(rng);
    props.minutes_per_day = u32::MAX;
    let day = |h| {
        DayHours::Working(vec![TimeRange {
            start: NaiveTime::from_hms_opt(h, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(h, 0, 0).unwrap(),
        }])
    };
    let near = NaiveDate::from_ymd_opt(2026, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    p.calendars.push(Calendar {
        uid: 1,
        name: Some(nasty(rng)),
        days: std::array::from_fn(|i| {
            if i % 2 == 0 {
                day(8)
            } else {
                DayHours::NonWorking
            }
        }),
        exceptions: vec![
            CalendarException {
                from: min,
                to: max,
                name: Some(nasty(rng)),
                occurrences: u16::MAX,
                recurrence: Some(Recurrence {
                    kind: 6,
                    period: 1,
                    days_of_week: 0x7F,
                    ..Recurrence::default()
                }),
                ..CalendarException::default()
            },
            CalendarException {
                from: near,
                to: near,
                name: Some(nasty(rng)),
                ..CalendarException::default()
            },
        ],
        work_weeks: vec![WorkWeek {
            name: Some(nasty(rng)),
            from: min,
            to: max,
            days: std::array::from_fn(|_| day(9)),
        }],
        ..Calendar::default()
    });
    let custom = |rng: &mut Rng, class: u32| {
        vec![
            CustomFieldValue {
                field_id: class | 0x0E,
                value: CustomValue::Text(nasty(rng)),
                value_guid: Some(Guid([0xFF; 16])),
            },
            CustomFieldValue {
                field_id: class | 0x0F,
                value: CustomValue::Number(number(rng)),
                value_guid: None,
            },
            CustomFieldValue {
                field_id: u32::MAX,
                value: CustomValue::OutlineCode {
                    text: nasty(rng),
                    value_id: Some(i32::MIN),
                },
                value_guid: None,
            },
            CustomFieldValue {
                field_id: class | 0x40,
                value: CustomValue::Duration(Duration::new(number(rng), TimeUnit(u16::MAX))),
                value_guid: None,
            },
        ]
    };
    let code = |rng: &mut Rng| DottedCode::child(&DottedCode::root(nasty(rng)), nasty(rng));
    for uid in [0, 1, i32::MAX] {
        p.tasks.push(Task {
            uid,
            id: uid,
            name: Some(nasty(rng)),
            notes: Some(nasty(rng)),
            contact: Some(nasty(rng)),
            hyperlink: Some(nasty(rng)),
            wbs: Some(code(rng)),
            outline_number: Some(code(rng)),
            start: Some(min),
            finish: Some(max),
            duration: Some(Duration::new(number(rng), TimeUnit(0))),
            work: Some(number(rng)),
            cost: Some(number(rng)),
            percent_complete: Some(number(rng)),
            custom_values: custom(rng, 0x0B40_0000),
            ..Task::default()
        });
        p.resources.push(Resource {
            uid,
            id: uid,
            name: Some(nasty(rng)),
            initials: Some(nasty(rng)),
            group: Some(nasty(rng)),
            email_address: Some(nasty(rng)),
            notes: Some(nasty(rng)),
            standard_rate: Some(number(rng)),
            max_units: Some(number(rng)),
            custom_values: custom(rng, 0x0C40_0000),
            ..Resource::default()
        });
        p.assignments.push(Assignment {
            uid,
            task_uid: uid,
            resource_uid: uid,
            start: Some(max),
            finish: Some(min),
            work: Some(number(rng)),
            units: Some(number(rng)),
            notes: Some(nasty(rng)),
            custom_values: custom(rng, 0x0F40_0000),
            ..Assignment::default()
        });
    }
    p.custom_fields.push(CustomFieldDefinition {
        field_id: 0x0B40_000E,
        name: nasty(rng),
        alias: Some(nasty(rng)),
        ..CustomFieldDefinition::default()
    });
    p.lookup_tables.push(LookupTable {
        field_id: Some(0x0B40_000E),
        guid: Some(Guid([1; 16])),
        values: vec![LookupValue {
            id: 1,
            value: nasty(rng),
            description: Some(nasty(rng)),
            ..LookupValue::default()
        }],
    });
    p
}

#[test]
fn the_writer_escapes_any_string_and_number_the_model_holds() {
    // Each model's calendar expands 166 years of daily exceptions (Project's whole range,
    // 12 MB of XML): a few rounds cover every hostile string and number.
    let mut rng = Rng::new(9);
    for round in 0..6 {
        let project = hostile_project(&mut rng);
        let xml = write_mspdi(&project).unwrap_or_else(|e| panic!("round {round}: {e}"));
        if let Err(problem) = check_mspdi(&xml) {
            panic!(
                "round {round}: {problem}\n{}",
                String::from_utf8_lossy(&xml)
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// MPP-shaped compound files, as the `compound` target builds them.

/// `FixedMeta`/`VarMeta` magic number.
const MAGIC: u32 = 0xFADF_ADBA;

/// (storage, FixedMeta item size, Fixed2Meta item size, VarMeta field class); TBkndCons's
/// class is not documented, 0x0E40 follows the others.
const ENTITIES: &[(&str, usize, usize, u16)] = &[
    ("TBkndTask", 47, 93, 0x0B40),
    ("TBkndRsc", 37, 50, 0x0C40),
    ("TBkndAssn", 34, 53, 0x0F40),
    ("TBkndCal", 10, 9, 0x0D40),
    ("TBkndCons", 10, 10, 0x0E40),
    ("TBkndOutlCode", 10, 10, 0x1640),
];

fn bytes(rng: &mut Rng, len: usize) -> Vec<u8> {
    (0..len).map(|_| rng.next_u64() as u8).collect()
}

fn meta_stream(items: &[Vec<u8>], data_len: usize) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&MAGIC.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&u32::try_from(items.len()).unwrap().to_le_bytes());
    out.extend_from_slice(&u32::try_from(data_len).unwrap().to_le_bytes());
    out.extend(items.concat());
    out
}

/// One entity storage's streams: `rows` rows with small unique ids, random records of
/// random lengths, and a few var-data values per row (random bytes or UTF-16 text).
fn entity_streams(
    rng: &mut Rng,
    (meta_size, meta2_size, class): (usize, usize, u16),
    mpp9: bool,
    rows: usize,
) -> Vec<(&'static str, Vec<u8>)> {
    let (mut metas, mut data, mut metas2, mut data2) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut entries, mut heap) = (Vec::new(), Vec::new());
    for _ in 0..rows {
        let uid = rng.below(16) as u32;
        let mut meta = bytes(rng, meta_size);
        meta[..4].copy_from_slice(&(rng.below(8) as u32).to_le_bytes());
        meta[4..8].copy_from_slice(&u32::try_from(data.len()).unwrap().to_le_bytes());
        metas.push(meta);
        let len = 4 + rng.below(800);
        let mut record = bytes(rng, len);
        record[..4].copy_from_slice(&uid.to_le_bytes());
        data.extend(record);
        let mut meta2 = bytes(rng, meta2_size);
        meta2[4..8].copy_from_slice(&u32::try_from(data2.len()).unwrap().to_le_bytes());
        metas2.push(meta2);
        let len2 = rng.below(120);
        data2.extend(bytes(rng, len2));
        for _ in 0..rng.below(6) {
            let key = rng.below(200) as u16;
            let value: Vec<u8> = if rng.below(2) == 0 {
                let len = rng.below(64);
                bytes(rng, len)
            } else {
                "Task \u{1}<&>"
                    .encode_utf16()
                    .chain([0])
                    .flat_map(u16::to_le_bytes)
                    .collect()
            };
            let mut entry = Vec::new();
            let offset = u32::try_from(heap.len()).unwrap().to_le_bytes();
            if mpp9 {
                entry.extend_from_slice(&uid.to_le_bytes()[..3]);
                entry.push(key as u8);
                entry.extend_from_slice(&offset);
            } else {
                entry.extend_from_slice(&uid.to_le_bytes());
                entry.extend_from_slice(&offset);
                entry.extend_from_slice(&key.to_le_bytes());
                entry.extend_from_slice(&class.to_le_bytes());
            }
            entries.push(entry);
            heap.extend_from_slice(&u32::try_from(value.len()).unwrap().to_le_bytes());
            heap.extend(value);
        }
    }
    let mut var_meta = Vec::new();
    var_meta.extend_from_slice(&MAGIC.to_le_bytes());
    var_meta.extend_from_slice(&0u32.to_le_bytes());
    var_meta.extend_from_slice(&u32::try_from(entries.len()).unwrap().to_le_bytes());
    var_meta.extend_from_slice(&[0; 8]);
    var_meta.extend_from_slice(&u32::try_from(heap.len()).unwrap().to_le_bytes());
    var_meta.extend(entries.concat());
    vec![
        ("VarMeta", var_meta),
        ("Var2Data", heap),
        ("FixedMeta", meta_stream(&metas, data.len())),
        ("FixedData", data),
        ("Fixed2Meta", meta_stream(&metas2, data2.len())),
        ("Fixed2Data", data2),
    ]
}

/// A compound file with the storages and streams of an MPP `number` file ("9", "12", "14"),
/// every entity storage filled with `rows` random rows.
fn mpp_shaped(rng: &mut Rng, number: &str, rows: usize) -> Vec<u8> {
    // `   19`, `   112`, `   114`.
    let dir = format!("/   1{number}");
    let mut entries = Entries {
        storages: vec![dir.clone()],
        streams: vec![
            (
                "/\u{1}CompObj".to_owned(),
                comp_obj(
                    &format!("Microsoft.Project {number}.0"),
                    &format!("MSProject.MPP{number}"),
                ),
            ),
            (format!("/Props{number}"), props::<Vec<u8>>(&[])),
            (
                format!("{dir}/Props"),
                props(&[(0x0240_0002, bytes(rng, 4)), (0x0240_0010, bytes(rng, 6))]),
            ),
        ],
    };
    for &(storage, meta_size, meta2_size, class) in ENTITIES {
        let storage = format!("{dir}/{storage}");
        entries.storages.push(storage.clone());
        for (name, data) in entity_streams(rng, (meta_size, meta2_size, class), number == "9", rows)
        {
            entries.streams.push((format!("{storage}/{name}"), data));
        }
    }
    entries.write().unwrap()
}

#[test]
fn mpp_shaped_files_with_random_rows_convert_or_fail_cleanly() {
    let mut rng = Rng::new(14);
    let mut converted = 0;
    for number in ["9", "12", "14"] {
        for round in 0..20 {
            let rows = 1 + rng.below(12);
            let input = mpp_shaped(&mut rng, number, rows);
            let label = format!("MPP{number} round {round} ({rows} rows)");
            match convert_guarded(&label, input.clone(), TIME_LIMIT) {
                Outcome::Returned(Ok(conversion)) => {
                    if let Err(problem) = check_mspdi(&conversion.xml) {
                        panic!("{label}: {problem}");
                    }
                    let bound = input.len() * 16 + (16 << 20);
                    assert!(conversion.xml.len() <= bound, "{label}: XML over its bound");
                    converted += 1;
                }
                Outcome::Returned(Err(_)) => {}
                Outcome::Panicked(message) => panic!("{label}: panicked: {message}"),
                Outcome::TimedOut => panic!("{label}: no answer within {TIME_LIMIT:?}"),
            }
        }
    }
    // Else the builder no longer gets past the container, and the test checks nothing.
    assert!(converted > 0, "no MPP-shaped file converted");
}

// ---------------------------------------------------------------------------------------
// Findings of the fuzzers.

/// `mspdi_writer`, timeout (over 10 s per input in the instrumented build; the artifact was
/// 300 bytes of choices): one base calendar whose work week runs from the year -239930 to
/// 2016 with two working days. The writer folds work weeks into the legacy `WeekDays` list as
/// weekly exceptions and expands each to its dates: `Recurrence::dates` stops at 70,000
/// occurrences per day of the week and `EXPANSION_BUDGET` at 5,000,000 days per document, so
/// this model of a few hundred bytes is 140,000 `<WeekDay>` elements with eight time ranges
/// between them, and write_mspdi (no output limit) spends seconds writing them. A model with
/// several such calendars reaches the 5,000,000-day budget: over a gigabyte of XML.
/// Through `convert` the output allowance stops it; `write_mspdi` has none.
///
/// Measured before the fix: 98,706,064 bytes of XML. Recurrences now expand only within
/// Project's calendar range (1984–2149), so the week gives a few thousand days. The test
/// asks for what `convert` would allow a small file (16 MiB).
#[test]
fn fuzz_mspdi_writer_work_week_over_240_000_years_is_written_quickly() {
    let at = |y, m, d, h, min, s| {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, s)
            .unwrap()
    };
    let t = |h, m, s| NaiveTime::from_hms_opt(h, m, s).unwrap();
    let range = |a: NaiveTime, b: NaiveTime| TimeRange { start: a, end: b };
    let tiny = t(0, 7, 54);
    let mut days: [DayHours; 7] =
        std::array::from_fn(|_| DayHours::Working(vec![range(tiny, tiny)]));
    days[6] = DayHours::Working(vec![range(t(12, 59, 34), t(20, 58, 40))]);
    let mut week_days: [DayHours; 7] = Default::default();
    week_days[3] = DayHours::Working(vec![
        range(t(1, 39, 0), t(13, 54, 8)),
        range(t(12, 52, 8), t(20, 24, 24)),
        range(t(2, 42, 8), t(8, 10, 40)),
        range(t(0, 0, 0), t(0, 0, 54)),
        range(t(3, 47, 1), t(8, 37, 9)),
    ]);
    week_days[4] = DayHours::Working(vec![
        range(t(13, 37, 4), t(0, 0, 0)),
        range(t(3, 46, 8), t(0, 0, 0)),
        range(t(0, 0, 0), t(0, 0, 0)),
    ]);
    let mut project = Project::default();
    project.calendars.push(Calendar {
        uid: -117_901_064,
        days,
        work_weeks: vec![WorkWeek {
            name: None,
            from: at(-239_930, 1, 26, 2, 0, 20),
            to: at(2016, 10, 19, 1, 39, 0),
            days: week_days,
        }],
        ..Calendar::default()
    });
    project.calendars.push(Calendar::default());
    project.calendars.push(Calendar::default());

    let len = write_mspdi(&project).map(|xml| xml.len());
    assert!(
        len.as_ref().is_ok_and(|len| *len <= 16 << 20),
        "{len:?} bytes of XML from one calendar"
    );
}
