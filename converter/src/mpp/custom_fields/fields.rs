//! Which field indices are custom fields, as tables: one row per family (Text, Cost, …) with
//! the field index of member 1, 2, … and, for durations and outline codes, the index of the
//! companion field that holds the unit or the value reference. Indices are MS Project's
//! (field id = class base | index), the same in MPP9, MPP12 and MPP14.

use super::super::field_map::Entity;

/// How a custom field's value is stored and written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// UTF-16 text, or a reference into a value list.
    Text,
    /// Start1–10: a timestamp.
    Start,
    /// Finish1–10: a timestamp.
    Finish,
    /// Date1–10: a timestamp.
    Date,
    /// An `f64`.
    Number,
    /// An `f64` in hundredths of the currency unit.
    Cost,
    /// An `i32` in tenths of a minute; the unit is in the companion field.
    Duration,
    /// A bit in a meta item.
    Flag,
    /// Outline Code1–10: the companion field holds a reference to an outline code value.
    OutlineCode,
}

impl Kind {
    /// MSPDI `CFType` of the kind (0 cost, 1 date, 2 duration, 3 finish, 4 flag, 5 number,
    /// 6 start, 7 text).
    pub fn cf_type(self) -> u16 {
        match self {
            Self::Cost => 0,
            Self::Date => 1,
            Self::Duration => 2,
            Self::Finish => 3,
            Self::Flag => 4,
            Self::Number => 5,
            Self::Start => 6,
            Self::Text | Self::OutlineCode => 7,
        }
    }

    /// The type code of lookup-table values of a field of this kind (MSPDI `Value/Type`).
    pub fn value_type(self) -> u16 {
        match self {
            Self::Date | Self::Start => 4,
            Self::Finish => 27,
            Self::Duration => 6,
            Self::Cost => 9,
            Self::Number => 15,
            Self::Flag => 17,
            Self::Text | Self::OutlineCode => 21,
        }
    }
}

/// One family of numbered custom fields of an entity.
pub struct Family {
    /// The kind of every member.
    pub kind: Kind,
    /// The English field name without the number ("Text", "Enterprise Cost").
    pub name: &'static str,
    /// True for the enterprise families.
    pub enterprise: bool,
    /// Field index of member n at position n − 1.
    pub indices: &'static [u16],
    /// Companion field of member n: the unit (durations) or the value reference (outline
    /// codes); empty when the family has none.
    pub companions: &'static [u16],
}

/// A custom field identified by entity and index.
#[derive(Debug, Clone, Copy)]
pub struct FieldInfo {
    /// Its kind.
    pub kind: Kind,
    /// Its family name ("Text").
    pub name: &'static str,
    /// Its number within the family (1-based).
    pub number: usize,
    /// True for enterprise fields.
    pub enterprise: bool,
}

impl FieldInfo {
    /// The field's English name, as MPXJ writes it in `FieldName` ("Text1", "Outline Code3").
    pub fn field_name(&self) -> String {
        format!("{}{}", self.name, self.number)
    }
}

const fn family(kind: Kind, name: &'static str, indices: &'static [u16]) -> Family {
    Family {
        kind,
        name,
        enterprise: false,
        indices,
        companions: &[],
    }
}

const fn enterprise(kind: Kind, name: &'static str, indices: &'static [u16]) -> Family {
    Family {
        kind,
        name,
        enterprise: true,
        indices,
        companions: &[],
    }
}

const fn with(
    kind: Kind,
    name: &'static str,
    indices: &'static [u16],
    companions: &'static [u16],
    enterprise: bool,
) -> Family {
    Family {
        kind,
        name,
        enterprise,
        indices,
        companions,
    }
}

/// `N` consecutive indices from `first`: the enterprise families are numbered without gaps.
#[allow(clippy::indexing_slicing)] // Evaluated at compile time: a bad index fails the build.
const fn run<const N: usize>(first: u16) -> [u16; N] {
    let mut a = [0u16; N];
    let mut i = 0;
    while i < N {
        a[i] = first + i as u16;
        i += 1;
    }
    a
}

/// Task fields (`MPPTaskField`).
pub static TASK: &[Family] = &[
    family(
        Kind::Text,
        "Text",
        &[
            51, 54, 57, 60, 63, 66, 67, 68, 69, 70, 317, 318, 319, 320, 321, 322, 323, 324, 325,
            326, 327, 328, 329, 330, 331, 332, 333, 334, 335, 336,
        ],
    ),
    family(
        Kind::Start,
        "Start",
        &[52, 55, 58, 61, 64, 282, 284, 286, 288, 290],
    ),
    family(
        Kind::Finish,
        "Finish",
        &[53, 56, 59, 62, 65, 283, 285, 287, 289, 291],
    ),
    family(Kind::Date, "Date", &run::<10>(265)),
    family(
        Kind::Number,
        "Number",
        &[
            87, 88, 89, 90, 91, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312, 313, 314,
            315, 316,
        ],
    ),
    family(
        Kind::Cost,
        "Cost",
        &[106, 107, 108, 258, 259, 260, 261, 262, 263, 264],
    ),
    with(
        Kind::Duration,
        "Duration",
        &[103, 104, 105, 275, 276, 277, 278, 279, 280, 281],
        &[183, 184, 185, 337, 338, 339, 340, 341, 342, 343],
        false,
    ),
    family(
        Kind::Flag,
        "Flag",
        &[
            72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 292, 293, 294, 295, 296, 297, 298, 299, 300,
            301,
        ],
    ),
    with(
        Kind::OutlineCode,
        "Outline Code",
        &[416, 418, 420, 422, 424, 426, 428, 430, 432, 434],
        &[417, 419, 421, 423, 425, 427, 429, 431, 433, 435],
        false,
    ),
    enterprise(Kind::Cost, "Enterprise Cost", &run::<10>(599)),
    enterprise(Kind::Date, "Enterprise Date", &run::<30>(609)),
    with(
        Kind::Duration,
        "Enterprise Duration",
        &run::<10>(639),
        &run::<10>(649),
        true,
    ),
    enterprise(Kind::Flag, "Enterprise Flag", &run::<20>(659)),
    enterprise(Kind::Number, "Enterprise Number", &run::<40>(699)),
    enterprise(Kind::Text, "Enterprise Text", &run::<40>(799)),
];

/// Resource fields (`MPPResourceField`).
pub static RESOURCE: &[Family] = &[
    family(
        Kind::Text,
        "Text",
        &[
            8, 9, 30, 31, 32, 97, 98, 99, 100, 101, 225, 226, 227, 228, 229, 230, 231, 232, 233,
            234, 235, 236, 237, 238, 239, 240, 241, 242, 243, 244,
        ],
    ),
    family(
        Kind::Start,
        "Start",
        &[102, 103, 104, 105, 106, 220, 221, 222, 223, 224],
    ),
    family(
        Kind::Finish,
        "Finish",
        &[107, 108, 109, 110, 111, 190, 191, 192, 193, 194],
    ),
    family(Kind::Date, "Date", &run::<10>(173)),
    family(
        Kind::Number,
        "Number",
        &[
            112, 113, 114, 115, 116, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215, 216,
            217, 218, 219,
        ],
    ),
    family(
        Kind::Cost,
        "Cost",
        &[123, 124, 125, 166, 167, 168, 169, 170, 171, 172],
    ),
    with(
        Kind::Duration,
        "Duration",
        &[117, 118, 119, 183, 184, 185, 186, 187, 188, 189],
        &[120, 121, 122, 245, 246, 247, 248, 249, 250, 251],
        false,
    ),
    family(
        Kind::Flag,
        "Flag",
        &[
            127, 128, 129, 130, 131, 132, 133, 134, 135, 126, 195, 196, 197, 198, 199, 200, 201,
            202, 203, 204,
        ],
    ),
    with(
        Kind::OutlineCode,
        "Outline Code",
        &[278, 280, 282, 284, 286, 288, 290, 292, 294, 296],
        &[279, 281, 283, 285, 287, 289, 291, 293, 295, 297],
        false,
    ),
    enterprise(Kind::Cost, "Enterprise Cost", &run::<10>(446)),
    enterprise(Kind::Date, "Enterprise Date", &run::<30>(456)),
    with(
        Kind::Duration,
        "Enterprise Duration",
        &run::<10>(486),
        &run::<10>(496),
        true,
    ),
    enterprise(Kind::Flag, "Enterprise Flag", &run::<20>(506)),
    enterprise(Kind::Number, "Enterprise Number", &run::<40>(546)),
    enterprise(Kind::Text, "Enterprise Text", &run::<40>(646)),
];

/// Assignment fields (`MPPAssignmentField`). Enterprise durations have no unit field.
pub static ASSIGNMENT: &[Family] = &[
    family(
        Kind::Text,
        "Text",
        &[
            88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 218, 219, 220, 221, 222, 223, 224, 225, 226,
            227, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237,
        ],
    ),
    family(
        Kind::Start,
        "Start",
        &[98, 99, 100, 101, 102, 213, 214, 215, 216, 217],
    ),
    family(
        Kind::Finish,
        "Finish",
        &[103, 104, 105, 106, 107, 183, 184, 185, 186, 187],
    ),
    family(Kind::Date, "Date", &run::<10>(166)),
    family(
        Kind::Number,
        "Number",
        &[
            108, 109, 110, 111, 112, 198, 199, 200, 201, 202, 203, 204, 205, 206, 207, 208, 209,
            210, 211, 212,
        ],
    ),
    family(
        Kind::Cost,
        "Cost",
        &[119, 120, 121, 159, 160, 161, 162, 163, 164, 165],
    ),
    with(
        Kind::Duration,
        "Duration",
        &[113, 114, 115, 176, 177, 178, 179, 180, 181, 182],
        &[116, 117, 118, 238, 239, 240, 241, 242, 243, 244],
        false,
    ),
    family(
        Kind::Flag,
        "Flag",
        &[
            123, 124, 125, 126, 127, 128, 129, 130, 131, 122, 188, 189, 190, 191, 192, 193, 194,
            195, 196, 197,
        ],
    ),
    enterprise(Kind::Cost, "Enterprise Cost", &run::<10>(381)),
    enterprise(Kind::Date, "Enterprise Date", &run::<30>(391)),
    enterprise(Kind::Duration, "Enterprise Duration", &run::<10>(421)),
    enterprise(Kind::Flag, "Enterprise Flag", &run::<20>(441)),
    enterprise(Kind::Number, "Enterprise Number", &run::<40>(461)),
    enterprise(Kind::Text, "Enterprise Text", &run::<40>(501)),
];

/// Assignment "secondary" keys of the task families: assignment field index of member 1
/// (member n is + n − 1). Project keeps assignment values of task fields under these keys and
/// MSPDI names them as a task field's `SecondaryPID`.
static TASK_SECONDARY: &[(&str, u16)] = &[
    ("Date", 16384),
    ("Flag", 16394),
    ("Cost", 16414),
    ("Duration", 16424),
    ("Finish", 16434),
    ("Number", 16444),
    ("Start", 16474),
    ("Text", 16484),
];

/// The member of `entity`'s non-enterprise family `name` numbered `number`, as a field id.
pub fn member(entity: Entity, name: &str, number: usize) -> Option<u32> {
    let family = families(entity)
        .iter()
        .find(|f| !f.enterprise && f.name == name)?;
    let index = family.indices.get(number.checked_sub(1)?)?;
    Some(entity.base() | u32::from(*index))
}

/// The assignment field Project pairs with a task or resource custom field (MSPDI
/// `SecondaryPID`): a task field's secondary key, a resource field's namesake.
pub fn assignment_twin(field_id: u32) -> Option<u32> {
    let info = lookup(field_id).filter(|i| !i.enterprise)?;
    match entity_of(field_id)? {
        Entity::Task => {
            let (_, first) = TASK_SECONDARY.iter().find(|(name, _)| *name == info.name)?;
            let key = u32::from(*first) + u32::try_from(info.number).ok()? - 1;
            Some(Entity::Assignment.base() | key)
        }
        Entity::Resource => member(Entity::Assignment, info.name, info.number),
        _ => None,
    }
}

/// The resource field under which Project lists an assignment custom field.
pub fn resource_twin(field_id: u32) -> Option<u32> {
    if entity_of(field_id)? != Entity::Assignment {
        return None;
    }
    let info = lookup(field_id).filter(|i| !i.enterprise)?;
    member(Entity::Resource, info.name, info.number)
}

/// The task field of the same name as a resource custom field (resource Text3 → task Text3);
/// none for enterprise fields and outline codes, whose task and resource tables differ.
pub fn task_twin(field_id: u32) -> Option<u32> {
    if entity_of(field_id)? != Entity::Resource {
        return None;
    }
    let info = lookup(field_id).filter(|i| !i.enterprise && i.kind != Kind::OutlineCode)?;
    member(Entity::Task, info.name, info.number)
}

/// The custom field families of `entity` (none for relations).
pub fn families(entity: Entity) -> &'static [Family] {
    match entity {
        Entity::Task => TASK,
        Entity::Resource => RESOURCE,
        Entity::Assignment => ASSIGNMENT,
    }
}

/// The entity class of a field id, if it is a task, resource or assignment field.
pub fn entity_of(field_id: u32) -> Option<Entity> {
    [Entity::Task, Entity::Resource, Entity::Assignment]
        .into_iter()
        .find(|e| field_id & 0xFFFF_0000 == e.base())
}

/// What is known about custom field `field_id`, or `None` if it is not a custom field.
pub fn lookup(field_id: u32) -> Option<FieldInfo> {
    let entity = entity_of(field_id)?;
    let index = (field_id & 0xFFFF) as u16;
    families(entity).iter().find_map(|f| {
        let pos = f.indices.iter().position(|i| *i == index)?;
        Some(FieldInfo {
            kind: f.kind,
            name: f.name,
            number: pos + 1,
            enterprise: f.enterprise,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resource_field_has_a_task_namesake() {
        // Resource Text1 → task Text1; resource Flag10 → task Flag10.
        assert_eq!(task_twin(205_520_904), Some(188_743_731));
        assert_eq!(task_twin(205_521_022), Some(188_743_761));
        assert_eq!(task_twin(188_743_731), None, "a task field is its own");
        let outline = member(Entity::Resource, "Outline Code", 1).unwrap_or(0);
        assert_eq!(task_twin(outline), None);
    }

    #[test]
    fn ids_match_mspdi() {
        let text1 = lookup(188_743_731).map(|f| f.field_name());
        assert_eq!(text1.as_deref(), Some("Text1"));
        let oc1 = lookup(188_744_096);
        assert_eq!(
            oc1.map(|f| f.field_name()).as_deref(),
            Some("Outline Code1")
        );
        assert_eq!(lookup(0x0B40_0067).map(|f| f.kind), Some(Kind::Duration));
        let rflag10 = lookup(0x0C40_007E).map(|f| f.field_name());
        assert_eq!(rflag10.as_deref(), Some("Flag10"));
        let et40 = lookup(Entity::Task.base() | 838).map(|f| f.field_name());
        assert_eq!(et40.as_deref(), Some("Enterprise Text40"));
        assert!(
            lookup(Entity::Task.base() | 14).is_none(),
            "Name is not a custom field"
        );
    }

    #[test]
    fn twins() {
        // Task Text1 ↔ assignment key 16484; resource Flag10 ↔ assignment Flag10 (index 122).
        assert_eq!(
            assignment_twin(188_743_731),
            Some(Entity::Assignment.base() | 16484)
        );
        assert_eq!(
            assignment_twin(0x0C40_007E),
            Some(Entity::Assignment.base() | 122)
        );
        assert_eq!(resource_twin(255_852_632), Some(205_520_904), "Text1");
        assert_eq!(
            assignment_twin(188_744_096),
            None,
            "outline codes have none"
        );
    }

    #[test]
    fn families_are_consistent() {
        for entity in [Entity::Task, Entity::Resource, Entity::Assignment] {
            let mut seen = foldhash::HashSet::default();
            for f in families(entity) {
                assert!(
                    f.companions.is_empty() || f.companions.len() == f.indices.len(),
                    "{}",
                    f.name
                );
                for i in f.indices.iter().chain(f.companions) {
                    assert!(seen.insert(*i), "{:?} index {i} twice", entity);
                }
            }
        }
    }
}
