//! Structure-aware: builds a valid compound file with the storages and streams of an MPP
//! file (`\1CompObj` naming MPP9/12/14, the root and project `Props`, the `TBknd*` entity
//! storages with their meta, data and var-data streams) and fills them with arbitrary rows.
//! Random bytes alone almost never get past the container and the CompObj check; these
//! inputs always reach the entity readers. See `shared/format/01-container-and-blocks.md`.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use std::io::{Cursor, Write};

/// `FixedMeta`/`VarMeta` magic number.
const MAGIC: u32 = 0xFADF_ADBA;

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Format {
    Mpp9,
    Mpp12,
    Mpp14,
}

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Task,
    Resource,
    Assignment,
    Calendar,
    Link,
    OutlineCode,
}

impl Kind {
    fn storage(self) -> &'static str {
        match self {
            Self::Task => "TBkndTask",
            Self::Resource => "TBkndRsc",
            Self::Assignment => "TBkndAssn",
            Self::Calendar => "TBkndCal",
            Self::Link => "TBkndCons",
            Self::OutlineCode => "TBkndOutlCode",
        }
    }

    /// `FixedMeta` item size the reader expects.
    fn meta_size(self) -> usize {
        match self {
            Self::Task => 47,
            Self::Resource => 37,
            Self::Assignment => 34,
            Self::Calendar | Self::Link | Self::OutlineCode => 10,
        }
    }

    /// `Fixed2Meta` item sizes Project wrote (the reader picks one by the stream's length).
    fn meta2_size(self, format: Format, pick: u8) -> usize {
        let sizes: &[usize] = match (self, format) {
            (Self::Task, Format::Mpp12) => &[86],
            (Self::Task, _) => &[92, 93, 94, 96],
            (Self::Resource, Format::Mpp12) => &[49],
            (Self::Resource, _) => &[50, 51],
            (Self::Assignment, _) => &[53],
            (Self::Calendar, _) => &[9],
            (Self::Link | Self::OutlineCode, _) => &[10],
        };
        sizes
            .get(usize::from(pick) % sizes.len())
            .copied()
            .unwrap_or(10)
    }

    /// The `VarMeta` field class word of MPP12/14 entries (format notes §2.4; TBkndCons's is
    /// not documented, 0x0E40 follows the others).
    fn class(self) -> u16 {
        match self {
            Self::Task => 0x0B40,
            Self::Resource => 0x0C40,
            Self::Assignment => 0x0F40,
            Self::Calendar => 0x0D40,
            Self::Link => 0x0E40,
            Self::OutlineCode => 0x1640,
        }
    }
}

/// One row: its meta item, its fixed records and its var-data values.
#[derive(Arbitrary, Debug)]
struct Row {
    /// Small, so rows, var-data owners and cross-references meet.
    uid: u8,
    /// `FixedMeta` item flags (`0x02` deleted, `0x04` housekeeping).
    flags: u8,
    /// The rest of the meta item: bit flags.
    meta_bits: Vec<u8>,
    /// FixedData record: its length (the field maps read up to ~800 bytes), then its bytes
    /// after the unique id, repeated to fill it.
    len: u16,
    record: Vec<u8>,
    /// Fixed2Data record, likewise.
    len2: u8,
    record2: Vec<u8>,
    meta2_bits: Vec<u8>,
    /// (key, value) in Var2Data.
    values: Vec<(u8, Value)>,
}

/// A var-data value: raw bytes, or UTF-16 text (names, notes), or a nested block that uses
/// its own length-prefixed items (calendar data, custom fields).
#[derive(Arbitrary, Debug)]
enum Value {
    Raw(Vec<u8>),
    Text(String),
    Items(Vec<(u16, Vec<u8>)>),
}

impl Value {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Self::Raw(b) => b.clone(),
            Self::Text(t) => t
                .encode_utf16()
                .chain([0])
                .flat_map(u16::to_le_bytes)
                .collect(),
            Self::Items(items) => {
                let mut out = Vec::new();
                out.extend_from_slice(&u32_len(items.len()).to_le_bytes());
                for (key, data) in items {
                    out.extend_from_slice(&key.to_le_bytes());
                    out.extend_from_slice(&u32_len(data.len()).to_le_bytes());
                    out.extend_from_slice(data);
                }
                out
            }
        }
    }
}

/// Each stream of an entity: built from the rows, or replaced by raw bytes (the reader must
/// survive streams that disagree with each other).
#[derive(Arbitrary, Debug)]
struct Overrides {
    var_meta: Option<Vec<u8>>,
    var_data: Option<Vec<u8>>,
    fixed_meta: Option<Vec<u8>>,
    fixed_data: Option<Vec<u8>>,
    fixed2_meta: Option<Vec<u8>>,
    fixed2_data: Option<Vec<u8>>,
    /// Written count in the FixedMeta header, instead of the number of rows.
    written_count: Option<u8>,
    /// Leave out the Fixed2 streams.
    no_fixed2: bool,
}

#[derive(Arbitrary, Debug)]
struct Entity {
    kind: Kind,
    rows: Vec<Row>,
    props: Option<Vec<(u32, Vec<u8>)>>,
    meta2_pick: u8,
    overrides: Overrides,
}

#[derive(Arbitrary, Debug)]
struct Input {
    format: Format,
    template: bool,
    /// The saving application's major version (9, 12, 14, 15, 16 matter).
    app_version: u8,
    root_props: Vec<(RootKey, Vec<u8>)>,
    project_props: Vec<(ProjectKey, Vec<u8>)>,
    entities: Vec<Entity>,
    summary_information: Option<Vec<u8>>,
}

/// Root `Props` keys the reader looks at (password flag, protection block, XOR code) or any.
#[derive(Arbitrary, Debug)]
enum RootKey {
    PasswordFlag,
    Protection,
    EncryptionCode,
    Other(u32),
}

impl RootKey {
    fn key(&self) -> u32 {
        match self {
            Self::PasswordFlag => 0x3540_0000,
            Self::Protection => 0x3540_0004,
            Self::EncryptionCode => 0x3540_0007,
            Self::Other(k) => *k,
        }
    }
}

/// Project `Props` keys: the field maps, the enterprise custom field map and project
/// properties are found by key, which the fuzzer cannot guess through a hash map.
#[derive(Arbitrary, Debug)]
enum ProjectKey {
    TaskFieldMap,
    ResourceFieldMap,
    RelationFieldMap,
    AssignmentFieldMap,
    TaskFieldMap2,
    ResourceFieldMap2,
    AssignmentFieldMap2,
    EnterpriseCustomFieldMap,
    /// `0x0240_0000 | n`: the project properties.
    Project(u16),
    Other(u32),
}

impl ProjectKey {
    fn key(&self) -> u32 {
        match self {
            Self::TaskFieldMap => 0x0002_0014,
            Self::ResourceFieldMap => 0x0002_0015,
            Self::RelationFieldMap => 0x0002_0016,
            Self::AssignmentFieldMap => 0x0002_0017,
            Self::TaskFieldMap2 => 0x0300_0014,
            Self::ResourceFieldMap2 => 0x0300_0015,
            Self::AssignmentFieldMap2 => 0x0300_0017,
            Self::EnterpriseCustomFieldMap => 0x0240_13C5,
            Self::Project(n) => 0x0240_0000 | u32::from(*n),
            Self::Other(k) => *k,
        }
    }
}

fn u32_len(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A `\1CompObj` stream: 28-byte header, then the application, the format and the ProgID as
/// length-prefixed ANSI strings.
fn comp_obj(application: &str, format: &str) -> Vec<u8> {
    let mut out = vec![0u8; 28];
    for text in [application, format, "MSProject.Project.9"] {
        out.extend_from_slice(&u32_len(text.len() + 1).to_le_bytes());
        out.extend_from_slice(text.as_bytes());
        out.push(0);
    }
    out
}

/// `bytes` repeated (or zeros) to exactly `len` bytes.
fn filled(prefix: &[u8], bytes: &[u8], len: usize) -> Vec<u8> {
    let mut out: Vec<u8> = prefix.iter().copied().take(len).collect();
    if bytes.is_empty() {
        out.resize(len, 0);
    } else {
        out.extend(bytes.iter().cycle().take(len.saturating_sub(out.len())));
    }
    out
}

/// A meta stream: magic, 0, the written count, the data length, then the items.
fn meta_stream(items: &[Vec<u8>], written: usize, data_len: usize) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&MAGIC.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&u32_len(written).to_le_bytes());
    out.extend_from_slice(&u32_len(data_len).to_le_bytes());
    for item in items {
        out.extend_from_slice(item);
    }
    out
}

/// The six streams (and `Props`) of one entity storage.
fn entity_streams(entity: &Entity, format: Format) -> Vec<(&'static str, Vec<u8>)> {
    let kind = entity.kind;
    let mpp9 = matches!(format, Format::Mpp9);
    let (mut metas, mut data, mut metas2, mut data2) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut var_entries, mut var_data) = (Vec::new(), Vec::new());
    let meta2_size = kind.meta2_size(format, entity.meta2_pick);
    for row in &entity.rows {
        let uid = u32::from(row.uid);
        let mut head = Vec::with_capacity(8);
        head.extend_from_slice(&u32::from(row.flags).to_le_bytes());
        head.extend_from_slice(&u32_len(data.len()).to_le_bytes());
        metas.push(filled(&head, &row.meta_bits, kind.meta_size()));
        data.extend(filled(
            &uid.to_le_bytes(),
            &row.record,
            usize::from(row.len % 1024),
        ));
        let mut head2 = Vec::with_capacity(8);
        head2.extend_from_slice(&0u32.to_le_bytes());
        head2.extend_from_slice(&u32_len(data2.len()).to_le_bytes());
        metas2.push(filled(&head2, &row.meta2_bits, meta2_size));
        data2.extend(filled(&[], &row.record2, usize::from(row.len2)));
        for (key, value) in &row.values {
            let bytes = value.bytes();
            let mut entry = Vec::with_capacity(12);
            if mpp9 {
                entry.extend_from_slice(&uid.to_le_bytes()[..3]);
                entry.push(*key);
                entry.extend_from_slice(&u32_len(var_data.len()).to_le_bytes());
            } else {
                entry.extend_from_slice(&uid.to_le_bytes());
                entry.extend_from_slice(&u32_len(var_data.len()).to_le_bytes());
                entry.extend_from_slice(&u16::from(*key).to_le_bytes());
                entry.extend_from_slice(&kind.class().to_le_bytes());
            }
            var_entries.push(entry);
            var_data.extend_from_slice(&u32_len(bytes.len()).to_le_bytes());
            var_data.extend_from_slice(&bytes);
        }
    }
    let o = &entity.overrides;
    let written = o.written_count.map_or(metas.len(), usize::from);
    let mut var_meta = Vec::new();
    var_meta.extend_from_slice(&MAGIC.to_le_bytes());
    var_meta.extend_from_slice(&0u32.to_le_bytes());
    var_meta.extend_from_slice(&u32_len(var_entries.len()).to_le_bytes());
    var_meta.extend_from_slice(&[0; 8]);
    var_meta.extend_from_slice(&u32_len(var_data.len()).to_le_bytes());
    var_meta.extend(var_entries.concat());
    let pick = |raw: &Option<Vec<u8>>, built: Vec<u8>| raw.clone().unwrap_or(built);
    let mut streams = vec![
        ("VarMeta", pick(&o.var_meta, var_meta)),
        ("Var2Data", pick(&o.var_data, var_data)),
        (
            "FixedMeta",
            pick(&o.fixed_meta, meta_stream(&metas, written, data.len())),
        ),
        ("FixedData", pick(&o.fixed_data, data)),
    ];
    if !o.no_fixed2 {
        streams.push((
            "Fixed2Meta",
            pick(&o.fixed2_meta, meta_stream(&metas2, written, data2.len())),
        ));
        streams.push(("Fixed2Data", pick(&o.fixed2_data, data2)));
    }
    if let Some(items) = &entity.props {
        streams.push(("Props", testkit::props(items)));
    }
    streams
}

/// The compound file, or `None` when cfb refuses (e.g. too large for memory limits).
fn build(input: &Input) -> Option<Vec<u8>> {
    let (number, root_props, dir) = match input.format {
        Format::Mpp9 => ("9", "/Props9", "/   19"),
        Format::Mpp12 => ("12", "/Props12", "/   112"),
        Format::Mpp14 => ("14", "/Props14", "/   114"),
    };
    let kind = if input.template { "MPT" } else { "MPP" };
    let application = format!("Microsoft.Project {}.0", input.app_version);
    let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).ok()?;
    let write = |file: &mut cfb::CompoundFile<Cursor<Vec<u8>>>, path: &str, data: &[u8]| {
        let mut stream = file.create_stream(path).ok()?;
        stream.write_all(data).ok()?;
        stream.flush().ok()
    };
    write(
        &mut file,
        "/\u{1}CompObj",
        &comp_obj(&application, &format!("MSProject.{kind}{number}")),
    )?;
    let root: Vec<(u32, Vec<u8>)> = input
        .root_props
        .iter()
        .map(|(k, v)| (k.key(), v.clone()))
        .collect();
    write(&mut file, root_props, &testkit::props(&root))?;
    if let Some(summary) = &input.summary_information {
        write(&mut file, "/\u{5}SummaryInformation", summary)?;
    }
    file.create_storage(dir).ok()?;
    let project: Vec<(u32, Vec<u8>)> = input
        .project_props
        .iter()
        .map(|(k, v)| (k.key(), v.clone()))
        .collect();
    write(
        &mut file,
        &format!("{dir}/Props"),
        &testkit::props(&project),
    )?;
    let mut done = Vec::new();
    for entity in &input.entities {
        // One storage per kind: the first entity of a kind wins.
        if done.contains(&entity.kind) {
            continue;
        }
        done.push(entity.kind);
        let storage = format!("{dir}/{}", entity.kind.storage());
        file.create_storage(&storage).ok()?;
        for (name, data) in entity_streams(entity, input.format) {
            write(&mut file, &format!("{storage}/{name}"), &data)?;
        }
    }
    file.flush().ok()?;
    Some(file.into_inner().into_inner())
}

fuzz_target!(|input: Input| {
    let Some(bytes) = build(&input) else { return };
    let mut options = converter::Options::default();
    if let Ok(conversion) = converter::convert(&bytes, &mut options) {
        assert!(
            conversion.xml.starts_with(b"<?xml"),
            "no XML declaration first"
        );
    }
});
