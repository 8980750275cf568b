//! Custom fields (Text1, Cost3, Outline Code2, …): definitions, values and lookup tables.

use super::{DateTime, Duration, Guid};

/// The entity a custom field belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldClass {
    /// Task field (`0x0B40xxxx`).
    Task,
    /// Resource field (`0x0C40xxxx`).
    Resource,
    /// Assignment field (`0x0F40xxxx`).
    Assignment,
}

/// A custom field value, typed.
#[derive(Debug, Clone, PartialEq)]
pub enum CustomValue {
    /// Text1–30.
    Text(String),
    /// Number1–20.
    Number(f64),
    /// Cost1–10, in currency units.
    Cost(f64),
    /// Date1–10, Start1–10, Finish1–10.
    Date(DateTime),
    /// Duration1–10.
    Duration(Duration),
    /// Flag1–20.
    Flag(bool),
    /// A value picked from a lookup table (outline codes).
    LookupValue(i32),
    /// Outline Code1–10: the code's full text (levels joined with `.`) and the unique id of
    /// the lookup-table entry with that text, when the table has one.
    OutlineCode {
        /// The code as shown, e.g. `A.B`.
        text: String,
        /// MSPDI `ValueID` of the matching entry.
        value_id: Option<i32>,
    },
}

/// One custom field value of a task, resource or assignment.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomFieldValue {
    /// MSPDI `FieldID` (e.g. 188743731 = task Text1).
    pub field_id: u32,
    /// The value.
    pub value: CustomValue,
    /// The lookup-table entry the value was picked from, if any.
    pub value_guid: Option<Guid>,
}

/// What is known about a custom field.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CustomFieldDefinition {
    /// MSPDI `FieldID`.
    pub field_id: u32,
    /// Project's own name of the field (MSPDI `FieldName`, e.g. "Text1", "Outline Code3").
    pub name: String,
    /// The user's name for the field.
    pub alias: Option<String>,
    /// GUID of the field's lookup table.
    pub lookup_table_guid: Option<Guid>,
    /// The assignment field Project pairs with this task or resource field (MSPDI
    /// `SecondaryPID`).
    pub secondary_pid: Option<u32>,
    /// MSPDI `CFType` (0 cost, 1 date, 2 duration, 3 finish, 4 flag, 5 number, 6 start, 7 text).
    pub cf_type: Option<u16>,
}

/// One entry of a lookup table.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LookupValue {
    /// Unique id (MSPDI `ValueID`).
    pub id: i32,
    /// Parent entry for outline codes, 0 at the top level.
    pub parent_id: i32,
    /// Entry GUID.
    pub guid: Option<Guid>,
    /// MSPDI `Value/Type`: 4 date, 6 duration, 9 cost, 15 number, 17 flag, 21 text, 27 finish.
    pub value_type: u16,
    /// The value as MSPDI writes it.
    pub value: String,
    /// Description.
    pub description: Option<String>,
}

/// A value list or outline code table of one custom field.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LookupTable {
    /// The field it belongs to, when known.
    pub field_id: Option<u32>,
    /// GUID of the table.
    pub guid: Option<Guid>,
    /// Entries in file order.
    pub values: Vec<LookupValue>,
}
