//! Custom fields: `OutlineCodes`, `WBSMasks`, `ExtendedAttributes` definitions, and the
//! `ExtendedAttribute`/`OutlineCode` values inside tasks, resources and assignments.
//!
//! Definitions come as the model has them (one per field with an alias, a lookup table or a
//! value), sorted by `FieldID`. Tables are written with the properties Project gives a new
//! table (not stored in the file) and one default mask.

use super::xml::{Out, datetime, duration};
use crate::error::ConvertError;
use crate::model::{CustomFieldValue, CustomValue, LookupTable, LookupValue, Project};

/// The GUID text Project writes for "no GUID".
const NIL_GUID: &str = "00000000-0000-0000-0000-000000000000";

/// Field id class of task fields.
const TASK_CLASS: u32 = 0x0B40_0000;

/// The GUID Project gives a built-in field: a fixed prefix and the field id in hex.
fn field_guid(field_id: u32) -> String {
    format!("000039B7-8BBE-4CEB-82C4-FA8C{field_id:08X}")
}

/// Writes `OutlineCodes`, `WBSMasks` and `ExtendedAttributes`.
pub fn write_definitions(out: &mut Out, project: &Project) -> Result<(), ConvertError> {
    let mut tables: Vec<&LookupTable> = project
        .lookup_tables
        .iter()
        .filter(|t| !t.values.is_empty())
        .collect();
    tables.sort_by_key(|t| t.field_id);
    if tables.is_empty() {
        out.empty("OutlineCodes")?;
    } else {
        out.start("OutlineCodes")?;
        for table in tables {
            write_table(out, table)?;
        }
        out.end("OutlineCodes")?;
    }
    out.empty("WBSMasks")?;

    let mut definitions: Vec<_> = project.custom_fields.iter().collect();
    definitions.sort_by_key(|d| d.field_id);
    if definitions.is_empty() {
        return out.empty("ExtendedAttributes");
    }
    out.start("ExtendedAttributes")?;
    for def in definitions {
        out.start("ExtendedAttribute")?;
        out.int("FieldID", def.field_id)?;
        out.text("FieldName", &def.name)?;
        // Project 2010 and later name a task field that has an assignment twin by a GUID made
        // from its id; other custom fields get the nil GUID.
        let task_twin = def.field_id & 0xFFFF_0000 == TASK_CLASS && def.secondary_pid.is_some();
        let guid_of = |id: u32| {
            if task_twin {
                field_guid(id)
            } else {
                NIL_GUID.to_owned()
            }
        };
        out.text("Guid", &guid_of(def.field_id))?;
        out.opt_text("Alias", def.alias.as_deref())?;
        if let Some(secondary) = def.secondary_pid {
            out.int("SecondaryPID", secondary)?;
        }
        out.guid("Ltuid", def.lookup_table_guid)?;
        if let Some(secondary) = def.secondary_pid {
            out.text("SecondaryGuid", &guid_of(secondary))?;
        }
        out.end("ExtendedAttribute")?;
    }
    out.end("ExtendedAttributes")
}

/// One `OutlineCode` (value list or outline code table).
fn write_table(out: &mut Out, table: &LookupTable) -> Result<(), ConvertError> {
    out.start("OutlineCode")?;
    out.guid("Guid", table.guid)?;
    if let Some(field_id) = table.field_id {
        out.int("FieldID", field_id)?;
    }
    out.start("Values")?;
    for value in &table.values {
        write_table_value(out, value)?;
    }
    out.end("Values")?;
    // Table properties are not stored in the file; these are Project's defaults.
    out.bool("Enterprise", false)?;
    out.bool("ResourceSubstitutionEnabled", false)?;
    out.bool("LeafOnly", false)?;
    out.bool("AllLevelsRequired", false)?;
    out.bool("OnlyTableValuesAllowed", true)?;
    out.bool("ShowIndent", true)?;
    out.start("Masks")?;
    out.start("Mask")?;
    out.int("Level", 1)?;
    out.int(
        "Type",
        mask_type(table.values.first().map_or(21, |v| v.value_type)),
    )?;
    out.int("Length", 0)?;
    out.text("Separator", ".")?;
    out.end("Mask")?;
    out.end("Masks")?;
    out.end("OutlineCode")
}

/// One entry of a table.
fn write_table_value(out: &mut Out, value: &LookupValue) -> Result<(), ConvertError> {
    out.start("Value")?;
    out.int("ValueID", value.id)?;
    out.guid("FieldGUID", value.guid)?;
    out.int("ParentValueID", value.parent_id)?;
    out.int("Type", value.value_type)?;
    out.bool("IsCollapsed", false)?;
    if !value.value.is_empty() {
        out.text("Value", &value.value)?;
    }
    out.opt_text("Description", value.description.as_deref())?;
    out.end("Value")
}

/// The mask `Type` of a table whose values have `value_type` (MSPDI codes differ between
/// the two).
fn mask_type(value_type: u16) -> u16 {
    match value_type {
        4 => 4,
        6 => 6,
        9 => 5,
        15 => 7,
        17 => 17,
        27 => 9,
        _ => 3,
    }
}

/// Writes one entity's `ExtendedAttribute` and then `OutlineCode` value elements;
/// `owner_uid` is the UID of the task, resource or assignment they belong to.
pub fn write_values(
    out: &mut Out,
    project: &Project,
    owner_uid: i32,
    values: &[CustomFieldValue],
) -> Result<(), ConvertError> {
    write_extended_attributes(out, project, owner_uid, values)?;
    write_outline_codes(out, project, owner_uid, values)
}

/// The last application version (Project 2000–2003, `9.0`) whose custom field values start
/// with a `UID` element, the owner's UID; Project 2007 dropped it.
const LAST_VALUE_UID_VERSION: u16 = 11;

/// The owner's UID when the saving version writes it first in each value element.
fn value_uid(project: &Project, owner_uid: i32) -> Option<i32> {
    project
        .properties
        .application_version
        .is_some_and(|v| v <= LAST_VALUE_UID_VERSION)
        .then_some(owner_uid)
}

/// Writes the `ExtendedAttribute` elements of one entity (everything but outline codes), for
/// writers that put other elements (`Baseline`) between them and the outline codes.
pub fn write_extended_attributes(
    out: &mut Out,
    project: &Project,
    owner_uid: i32,
    values: &[CustomFieldValue],
) -> Result<(), ConvertError> {
    let uid = value_uid(project, owner_uid);
    for value in values {
        let (text, unit) = match &value.value {
            CustomValue::Text(s) => (s.clone(), None),
            CustomValue::Number(n) => (decimal2(*n), None),
            CustomValue::Cost(c) => (decimal2(c * 100.0), None),
            CustomValue::Date(d) => (datetime(*d), None),
            CustomValue::Duration(d) => (duration(d.minutes), Some(d.unit.0)),
            CustomValue::Flag(true) => ("1".to_owned(), None),
            CustomValue::Flag(false)
            | CustomValue::LookupValue(_)
            | CustomValue::OutlineCode { .. } => continue,
        };
        out.start("ExtendedAttribute")?;
        if let Some(uid) = uid {
            out.int("UID", uid)?;
        }
        out.int("FieldID", value.field_id)?;
        out.text("Value", &text)?;
        out.guid("ValueGUID", value.value_guid)?;
        if let Some(unit) = unit {
            out.int("DurationFormat", unit)?;
        }
        out.end("ExtendedAttribute")?;
    }
    Ok(())
}

/// Writes the `OutlineCode` elements of one entity: the field and, when the code matches an
/// entry of the field's table, that entry's `ValueID`.
pub fn write_outline_codes(
    out: &mut Out,
    project: &Project,
    owner_uid: i32,
    values: &[CustomFieldValue],
) -> Result<(), ConvertError> {
    let uid = value_uid(project, owner_uid);
    for value in values {
        let value_id = match &value.value {
            CustomValue::OutlineCode { value_id, .. } => *value_id,
            CustomValue::LookupValue(id) => Some(*id),
            _ => continue,
        };
        out.start("OutlineCode")?;
        if let Some(uid) = uid {
            out.int("UID", uid)?;
        }
        out.int("FieldID", value.field_id)?;
        if let Some(id) = value_id {
            out.int("ValueID", id)?;
        }
        out.guid("ValueGUID", value.value_guid)?;
        out.end("OutlineCode")?;
    }
    Ok(())
}

/// At most two decimals, no trailing zeros (`1`, `55.56`, `0.5`): how custom numbers and
/// costs are written.
fn decimal2(value: f64) -> String {
    if !value.is_finite() {
        return "0".to_owned();
    }
    let mut s = format!("{value:.2}");
    while s.ends_with('0') {
        s.pop();
    }
    if s.ends_with('.') {
        s.pop();
    }
    if s == "-0" { "0".to_owned() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CustomFieldDefinition, Duration, Guid, TimeUnit};
    use crate::mspdi::xml::xml_of;

    fn xml(f: impl FnOnce(&mut Out) -> Result<(), ConvertError>) -> String {
        xml_of(f).unwrap_or_default()
    }

    fn value(field_id: u32, value: CustomValue) -> CustomFieldValue {
        CustomFieldValue {
            field_id,
            value,
            value_guid: None,
        }
    }

    #[test]
    fn values_in_mspdi_formats() {
        let date = chrono::NaiveDate::from_ymd_opt(2014, 1, 1).and_then(|d| d.and_hms_opt(9, 0, 0));
        let values = vec![
            value(188_743_731, CustomValue::Text("a & b".to_owned())),
            value(188_743_767, CustomValue::Number(55.555)),
            value(188_743_786, CustomValue::Cost(1.0)),
            value(188_743_945, CustomValue::Date(date.unwrap_or_default())),
            value(
                188_743_783,
                CustomValue::Duration(Duration::new(480.0, TimeUnit::DAYS)),
            ),
            value(188_743_752, CustomValue::Flag(true)),
            value(188_743_753, CustomValue::Flag(false)),
            value(
                188_744_096,
                CustomValue::OutlineCode {
                    text: "A.B".to_owned(),
                    value_id: Some(2),
                },
            ),
            value(
                188_744_098,
                CustomValue::OutlineCode {
                    text: "X".to_owned(),
                    value_id: None,
                },
            ),
        ];
        let text = xml(|out| write_values(out, &Project::default(), 7, &values));
        for expected in [
            "<Value>a &amp; b</Value>",
            "<Value>55.55</Value>",
            "<FieldID>188743786</FieldID>\n\t<Value>100</Value>",
            "<Value>2014-01-01T09:00:00</Value>",
            "<Value>PT8H0M0S</Value>\n\t<DurationFormat>7</DurationFormat>",
            "<FieldID>188743752</FieldID>\n\t<Value>1</Value>",
            "<FieldID>188744096</FieldID>\n\t<ValueID>2</ValueID>",
            "<OutlineCode>\n\t<FieldID>188744098</FieldID>\n</OutlineCode>",
        ] {
            assert!(text.contains(expected), "{expected} missing in {text}");
        }
        assert!(!text.contains("188743753"), "clear flags are not written");
        assert!(
            !text.contains("<UID>"),
            "no owner UID without a 2000-2003 save"
        );
        let mut project = Project::default();
        project.properties.application_version = Some(9);
        let text = xml(|out| write_values(out, &project, 7, &values));
        assert!(
            text.contains("<ExtendedAttribute>\n\t<UID>7</UID>\n\t<FieldID>")
                && text.contains("<OutlineCode>\n\t<UID>7</UID>\n\t<FieldID>"),
            "Project 2000-2003 write the owner's UID first: {text}"
        );
        let ext = text.rfind("<ExtendedAttribute>").unwrap_or(usize::MAX);
        assert!(
            ext < text.find("<OutlineCode>").unwrap_or(0),
            "outline codes come last"
        );
    }

    #[test]
    fn definitions_and_tables() {
        let guid = Guid::parse("3B36BFCA-CEAE-4FAA-B88E-B7E208737D45");
        let project = Project {
            custom_fields: vec![
                CustomFieldDefinition {
                    field_id: 188_744_096,
                    name: "Outline Code1".to_owned(),
                    lookup_table_guid: guid,
                    ..Default::default()
                },
                CustomFieldDefinition {
                    field_id: 188_743_731,
                    name: "Text1".to_owned(),
                    alias: Some("Risk".to_owned()),
                    ..Default::default()
                },
            ],
            lookup_tables: vec![LookupTable {
                field_id: Some(188_744_096),
                guid,
                values: vec![LookupValue {
                    id: 1,
                    value_type: 21,
                    value: "A".to_owned(),
                    ..Default::default()
                }],
            }],
            ..Project::default()
        };
        let text = xml(|out| write_definitions(out, &project));
        let text1 = text
            .find("<FieldName>Text1</FieldName>\n\t\t<Guid>00000000-0000-0000-0000-000000000000</Guid>\n\t\t<Alias>Risk</Alias>")
            .unwrap_or(usize::MAX);
        let oc1 = text.find("<Guid>00000000-0000-0000-0000-000000000000</Guid>\n\t\t<Ltuid>3B36BFCA-CEAE-4FAA-B88E-B7E208737D45</Ltuid>").unwrap_or(0);
        assert!(text1 < oc1, "sorted by field id: {text}");
        assert!(text.contains("<Guid>3B36BFCA-CEAE-4FAA-B88E-B7E208737D45</Guid>\n\t\t<FieldID>188744096</FieldID>"), "{text}");
        assert!(
            text.contains(
                "<Type>21</Type>\n\t\t\t\t<IsCollapsed>0</IsCollapsed>\n\t\t\t\t<Value>A</Value>"
            ),
            "{text}"
        );
        assert!(
            text.contains("<Level>1</Level>\n\t\t\t\t<Type>3</Type>"),
            "{text}"
        );
        assert!(text.contains("<WBSMasks/>"));
    }

    #[test]
    fn two_decimals() {
        assert_eq!(decimal2(1.0), "1");
        assert_eq!(decimal2(0.125), "0.12");
        assert_eq!(decimal2(-0.001), "0");
        assert_eq!(decimal2(99.5), "99.5");
    }
}
