//! The project model: what an `.mpp` file says, independent of how it was stored and of how
//! it will be written. Readers fill it, writers (MSPDI, or a caller's own) read it.
//!
//! Units are the natural ones of Microsoft Project's user interface: durations and work in
//! minutes, costs and rates in currency units, units as fractions (1.0 = 100 %). The MSPDI
//! writer converts to MSPDI's units (hundredths, tenths of minutes) in one place.

mod calendar;
mod code;
mod custom;
mod project;
mod resource;
mod schedule;
mod task;
mod timephased;
mod values;
mod working_time;

pub use calendar::{
    Calendar, CalendarException, DayHours, DaySpan, Recurrence, TimeRange, WorkWeek,
};
pub use code::DottedCode;
pub use custom::{
    CustomFieldDefinition, CustomFieldValue, CustomValue, FieldClass, LookupTable, LookupValue,
};
pub use project::{FileFormat, Project, ProjectProperties};
pub use resource::{AvailabilityPeriod, CostRate, Resource, ResourceKind};
pub use schedule::Schedule;
pub use task::{Assignment, Baseline, Relation, RelationKind, Task};
pub use timephased::{
    PERCENT_COMPLETE, Timephased, TimephasedBlock, TimephasedForm, assignment_timephased,
    task_timephased, task_timephased_from_work,
};
pub use values::{DateTime, Duration, Guid, Time, TimeUnit};
pub use working_time::WorkingTime;
