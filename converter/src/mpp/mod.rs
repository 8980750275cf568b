//! Reading MPP files: container → version → blocks → field layouts → the project model.

mod assignments;
pub(crate) mod bytes;
mod calendars;
mod container;
mod custom_fields;
mod default_maps;
mod encoding;
mod field_map;
mod fixed_data;
mod layout;
mod mpp8;
mod project_props;
mod property_set;
mod props;
mod reader;
mod record;
mod relations;
mod repair;
mod resources;
mod rtf;
mod sector_chains;
mod tasks;
mod var_data;

pub(crate) use custom_fields::task_namesake;
pub use reader::read;
