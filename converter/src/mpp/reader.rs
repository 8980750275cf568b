//! The reading pipeline: open the container, pick the layout, load each entity's blocks and
//! hand them to the entity readers, in the order their cross-references need.

use super::container::Container;
use super::field_map::{Entity, FieldMap};
use super::fixed_data::FixedMeta;
use super::layout::Layout;
use super::props::Props;
use super::var_data::VarData;
use super::{
    assignments, calendars, custom_fields, mpp8, project_props, relations, resources, tasks,
};
use crate::budget::Budget;
use crate::convert::{Limits, Stage};
use crate::error::ConvertError;
use crate::model::{FileFormat, Project, ProjectProperties};

/// Root `Props` key: bit 0 = read password, bit 1 = write-reservation password.
const PASSWORD_FLAG: u32 = 0x3540_0000;
/// Root `Props` key: the encoded password block (MPP14 checks for it).
const PASSWORD_BLOCK: u32 = 0x3540_0004;
/// Root `Props` key: the byte that gives the XOR mask of an encoded MPP9 file.
const ENCRYPTION_CODE: u32 = 0x3540_0007;

/// What every entity reader needs: the layout, the project `Props`, and a place for warnings.
pub struct Context {
    /// The file's layout.
    pub layout: Layout,
    /// Project `Props`.
    pub props: Props,
    /// Problems that did not stop the conversion.
    pub warnings: Vec<String>,
    /// Resource limits.
    pub limits: Limits,
    /// What the conversion may still spend.
    pub budget: Budget,
}

impl Context {
    /// Records a warning (once per distinct message).
    pub fn warn(&mut self, message: impl Into<String>) {
        let message = message.into();
        if !self.warnings.contains(&message) && self.warnings.len() < 100 {
            self.warnings.push(message);
        }
    }
}

/// The streams of one entity storage (`TBkndTask`, `TBkndRsc`, …).
#[derive(Default)]
pub struct EntityBlocks {
    /// Var2Data through VarMeta.
    pub var: VarData,
    /// FixedMeta items.
    pub meta: FixedMeta,
    /// FixedData bytes.
    pub data: Vec<u8>,
    /// Fixed2Meta raw bytes (its item size is found by the entity reader).
    pub meta2_raw: Vec<u8>,
    /// Fixed2Data bytes.
    pub data2: Vec<u8>,
    /// The storage's own `Props` (custom field definitions).
    pub props: Props,
}

struct Loader<'c, 'a> {
    container: &'c mut Container<'a>,
    layout: Layout,
    xor: u8,
}

impl Loader<'_, '_> {
    fn stream(&mut self, path: &str, encoded: bool) -> Result<Vec<u8>, ConvertError> {
        let mut data = self.container.stream(path)?.unwrap_or_default();
        if encoded && self.xor != 0 {
            data.iter_mut().for_each(|b| *b ^= self.xor);
        }
        Ok(data)
    }

    /// Loads one entity storage, charging its index to the budget.
    fn entity(
        &mut self,
        ctx: &mut Context,
        dir: &str,
        meta_size: usize,
    ) -> Result<EntityBlocks, ConvertError> {
        let base = self.layout.path(dir);
        let format = self.layout.format;
        let var_meta = self.stream(&format!("{base}/VarMeta"), false)?;
        let var_data = self.stream(&format!("{base}/Var2Data"), false)?;
        let meta = self.stream(&format!("{base}/FixedMeta"), false)?;
        let var = VarData::parse(&var_meta, var_data, format);
        // A hash map entry per value: its key, offset, owner and the table's slack.
        ctx.budget.alloc(var.len().saturating_mul(64));
        ctx.budget
            .work(u64::try_from(var.len() + var.overlapping()).unwrap_or(u64::MAX));
        if var.overlapping() > 0 {
            ctx.warn(format!(
                "{} values in {} share their bytes with another and were ignored (the file is damaged)",
                var.overlapping(),
                dir
            ));
        }
        let blocks = EntityBlocks {
            var,
            meta: FixedMeta::parse(meta, meta_size),
            data: self.stream(&format!("{base}/FixedData"), true)?,
            meta2_raw: self.stream(&format!("{base}/Fixed2Meta"), false)?,
            data2: self.stream(&format!("{base}/Fixed2Data"), true)?,
            props: Props::parse(&self.stream(&format!("{base}/Props"), true)?),
        };
        ctx.budget.check()?;
        Ok(blocks)
    }
}

/// What [`read`] hands back: the model, the warnings, and the budgets left for writing.
pub struct Reading {
    /// The model.
    pub project: Project,
    /// Problems that did not stop the reading.
    pub warnings: Vec<String>,
    /// The budgets, with what reading spent.
    pub budget: Budget,
}

/// The project properties: the summary information streams, then the project `Props`.
fn read_properties(
    container: &mut Container<'_>,
    ctx: &Context,
) -> Result<ProjectProperties, ConvertError> {
    let summary = container.stream("/\u{5}SummaryInformation")?;
    let doc_summary = container.stream("/\u{5}DocumentSummaryInformation")?;
    Ok(project_props::read(
        ctx,
        summary.as_deref(),
        doc_summary.as_deref(),
    ))
}

/// Reads a whole project, spending `budget`. `progress` is told each stage as it starts.
pub fn read(
    input: &[u8],
    limits: &Limits,
    progress: &mut dyn FnMut(Stage, f32),
    budget: Budget,
) -> Result<Reading, ConvertError> {
    if input.len() > limits.max_input_bytes {
        return Err(ConvertError::TooLarge {
            size: input.len(),
            limit: limits.max_input_bytes,
        });
    }
    progress(Stage::Container, 0.0);
    let mut container = Container::open(input, input.len())?;
    let comp_obj = container.comp_obj()?;
    let (format, template) = comp_obj.file_format()?;
    let app_version = comp_obj.application_version().unwrap_or(match format {
        FileFormat::Mpp8 => 8,
        FileFormat::Mpp9 => 9,
        FileFormat::Mpp12 => 12,
        FileFormat::Mpp14 => 14,
    });
    let layout = Layout::new(format, app_version);
    if !container.has_storage(layout.project_dir) {
        return Err(ConvertError::Corrupt(format!(
            "the project storage {} is missing",
            layout.project_dir.trim_start_matches('/')
        )));
    }

    if format == FileFormat::Mpp8 {
        let props = mpp8::props8(&container.stream(&layout.path("Props"))?.unwrap_or_default());
        let mut ctx = Context {
            layout,
            props,
            warnings: Vec::new(),
            limits: *limits,
            budget,
        };
        progress(Stage::Properties, 0.05);
        let mut properties = read_properties(&mut container, &ctx)?;
        properties.file_format = Some(format);
        properties.template = template;
        properties.application = Some(comp_obj.application.clone());
        properties.application_version = Some(app_version);
        let project = mpp8::read(&mut ctx, &mut container, properties, progress)?;
        return Ok(Reading {
            project,
            warnings: ctx.warnings,
            budget: ctx.budget,
        });
    }

    let root = Props::parse(&container.stream(layout.root_props)?.unwrap_or_default());
    let flags = root.u8(PASSWORD_FLAG).unwrap_or(0);
    let read_password = flags & 1 != 0;
    // MPP9's open password only scrambles some streams with a mask kept beside it, so the
    // file reads without the password; MPP12 and MPP14 encrypt the whole project with it.
    let encrypted = match format {
        FileFormat::Mpp9 => false,
        FileFormat::Mpp14 => read_password && root.has(PASSWORD_BLOCK),
        _ => read_password,
    };
    if encrypted {
        return Err(ConvertError::PasswordProtected);
    }
    let xor = match (format, flags, root.u8(ENCRYPTION_CODE)) {
        (FileFormat::Mpp9, f, Some(code)) if f != 0 && code != 0 => 0xFF - code,
        _ => 0,
    };

    let mut loader = Loader {
        container: &mut container,
        layout,
        xor,
    };
    let props = Props::parse(&loader.stream(&layout.path("Props"), true)?);
    let mut ctx = Context {
        layout,
        props,
        warnings: Vec::new(),
        limits: *limits,
        budget,
    };
    // The repaired copy of the input lives as long as the container.
    ctx.budget.alloc(loader.container.copied_bytes());
    for repair in loader.container.repairs() {
        ctx.warn(repair.clone());
    }
    if read_password {
        ctx.warn("the file has a password to open it; it was read without the password");
    } else if flags & 2 != 0 {
        ctx.warn("the file has a write-reservation password; it was read without it");
    }

    progress(Stage::Properties, 0.05);
    let mut properties = read_properties(loader.container, &ctx)?;
    properties.file_format = Some(format);
    properties.template = template;
    properties.application = Some(comp_obj.application.clone());
    properties.application_version = Some(app_version);
    properties.password_protected = read_password;

    let map_for = |entity: Entity, ctx: &Context| {
        let mut map = FieldMap::from_props(&ctx.props, entity, format)
            .unwrap_or_else(|| FieldMap::default_for(entity, format));
        map.add_enterprise_fields(&ctx.props, entity);
        map
    };

    progress(Stage::Calendars, 0.1);
    let cal_blocks = loader.entity(&mut ctx, "TBkndCal", 10)?;
    let mut calendars = calendars::read(&mut ctx, &cal_blocks);
    ctx.budget.check()?;

    progress(Stage::CustomFields, 0.2);
    let task_blocks = loader.entity(&mut ctx, "TBkndTask", layout.task_meta_size)?;
    let rsc_blocks = loader.entity(&mut ctx, "TBkndRsc", layout.resource_meta_size)?;
    let assn_blocks = loader.entity(&mut ctx, "TBkndAssn", layout.assignment_meta_size)?;
    let outline_blocks = loader.entity(&mut ctx, "TBkndOutlCode", 10)?;
    let custom = custom_fields::read_definitions(
        &mut ctx,
        [&task_blocks.props, &rsc_blocks.props, &assn_blocks.props],
        &outline_blocks,
    );
    ctx.budget.check()?;

    progress(Stage::Resources, 0.3);
    let rsc_map = map_for(Entity::Resource, &ctx);
    let mut resources = resources::read(&mut ctx, &rsc_blocks, &rsc_map, &custom);
    ctx.budget.check()?;

    progress(Stage::Tasks, 0.45);
    let task_map = map_for(Entity::Task, &ctx);
    let mut tasks = tasks::read(&mut ctx, &task_blocks, &task_map, &custom);
    ctx.budget.check()?;

    progress(Stage::Relations, 0.7);
    let cons_blocks = loader.entity(&mut ctx, "TBkndCons", 10)?;
    relations::read(&mut ctx, &cons_blocks, &mut tasks);
    ctx.budget.check()?;

    progress(Stage::Assignments, 0.8);
    let assn_map = map_for(Entity::Assignment, &ctx);
    let assignments = assignments::read(
        &mut ctx,
        &assn_blocks,
        &assn_map,
        &tasks,
        &resources,
        &custom,
    );
    ctx.budget.check()?;

    let unread = loader.container.cut_streams();
    if unread > 0 {
        ctx.warn(format!(
            "streams the conversion does not use run past the end of the file ({unread} of them)"
        ));
    }

    calendars::finish(&mut ctx, &mut calendars, &mut resources);
    let custom_fields =
        custom_fields::complete_definitions(&custom, &tasks, &resources, &assignments);
    ctx.budget.check()?;
    let project = Project {
        properties,
        calendars,
        tasks,
        resources,
        assignments,
        custom_fields,
        lookup_tables: custom.tables.clone(),
    };
    Ok(Reading {
        project,
        warnings: ctx.warnings,
        budget: ctx.budget,
    })
}
