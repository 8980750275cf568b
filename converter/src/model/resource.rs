//! Resources, their cost rate tables and availability.

use super::{Baseline, CustomFieldValue, DateTime, Guid};

/// What kind of resource this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResourceKind {
    /// People and equipment, measured in time.
    #[default]
    Work,
    /// Consumables, measured in their material label.
    Material,
    /// A cost item (Project 2007 and later).
    Cost,
}

/// One row of a cost rate table.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CostRate {
    /// Table: 0–4 = A–E.
    pub table: u8,
    /// Start of validity.
    pub from: Option<DateTime>,
    /// End of validity.
    pub to: Option<DateTime>,
    /// Standard rate, currency per hour.
    pub standard_rate: f64,
    /// Unit the standard rate is shown in (MSPDI rate format code).
    pub standard_rate_format: u16,
    /// Overtime rate, currency per hour.
    pub overtime_rate: f64,
    /// Unit the overtime rate is shown in.
    pub overtime_rate_format: u16,
    /// Cost per use, currency.
    pub cost_per_use: f64,
}

/// A period with its own maximum units.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AvailabilityPeriod {
    /// Start.
    pub from: Option<DateTime>,
    /// End.
    pub to: Option<DateTime>,
    /// Units, 1.0 = 100 %.
    pub units: f64,
}

/// One resource.
#[derive(Debug, Clone, PartialEq, Default)]
#[allow(missing_docs)] // Field names are Project's own field names.
pub struct Resource {
    pub uid: i32,
    pub id: i32,
    pub guid: Option<Guid>,
    pub name: Option<String>,
    pub kind: ResourceKind,
    pub is_null: bool,
    pub initials: Option<String>,
    pub code: Option<String>,
    pub material_label: Option<String>,
    pub group: Option<String>,
    pub work_group: u16,
    pub email_address: Option<String>,
    /// 1.0 = 100 %.
    pub max_units: Option<f64>,
    pub peak_units: Option<f64>,
    pub over_allocated: bool,
    pub available_from: Option<DateTime>,
    pub available_to: Option<DateTime>,
    pub start: Option<DateTime>,
    pub finish: Option<DateTime>,
    pub can_level: bool,
    /// 1 start, 2 end, 3 prorated.
    pub accrue_at: u16,
    pub work: Option<f64>,
    pub regular_work: Option<f64>,
    pub overtime_work: Option<f64>,
    pub actual_work: Option<f64>,
    pub remaining_work: Option<f64>,
    pub actual_overtime_work: Option<f64>,
    pub remaining_overtime_work: Option<f64>,
    pub percent_work_complete: Option<f64>,
    pub standard_rate: Option<f64>,
    pub standard_rate_format: u16,
    pub cost: Option<f64>,
    pub overtime_rate: Option<f64>,
    pub overtime_rate_format: u16,
    pub overtime_cost: Option<f64>,
    pub cost_per_use: Option<f64>,
    pub actual_cost: Option<f64>,
    pub actual_overtime_cost: Option<f64>,
    pub remaining_cost: Option<f64>,
    pub remaining_overtime_cost: Option<f64>,
    pub work_variance: Option<f64>,
    pub cost_variance: Option<f64>,
    pub sv: Option<f64>,
    pub cv: Option<f64>,
    pub acwp: Option<f64>,
    pub bcws: Option<f64>,
    pub bcwp: Option<f64>,
    pub calendar_uid: Option<i32>,
    pub notes: Option<String>,
    pub is_generic: bool,
    pub is_inactive: bool,
    pub is_enterprise: bool,
    pub is_budget: bool,
    pub booking_type: u16,
    pub created: Option<DateTime>,
    pub hyperlink: Option<String>,
    pub hyperlink_address: Option<String>,
    pub hyperlink_sub_address: Option<String>,
    pub cost_rates: Vec<CostRate>,
    pub availability: Vec<AvailabilityPeriod>,
    pub custom_values: Vec<CustomFieldValue>,
    /// Actual work entered through Project Server (protected from edits).
    pub actual_work_protected: Option<f64>,
    pub actual_overtime_work_protected: Option<f64>,
    /// Saved baseline work and cost (numbers 0–10).
    pub baselines: Vec<Baseline>,
}
