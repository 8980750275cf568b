//! The preview of one converted file: the task table indented by outline level, a simple
//! Gantt chart, and the resources.

use crate::bridge::{Converted, ResourceRow, TaskRow};
use crate::format;
use crate::i18n::{Lang, fill};
use leptos::prelude::*;

/// Rows the task table shows; bigger projects show their first rows.
const MAX_ROWS: usize = 500;
/// Bars the Gantt chart draws.
const MAX_BARS: usize = 40;

/// The preview section's content for a converted file.
pub fn view(lang: Lang, name: String, done: &Converted) -> impl IntoView {
    let t = lang.texts();
    if done.on_server {
        return server_view(lang, name, done).into_any();
    }
    let total = done.tasks.len();
    let shown: Vec<TaskRow> = done.tasks.iter().take(MAX_ROWS).cloned().collect();
    let more = (total > MAX_ROWS).then(|| {
        let text = fill(
            t.showing_first,
            &[
                ("shown", &MAX_ROWS.to_string()),
                ("total", &total.to_string()),
            ],
        );
        view! { <p class="note">{text}</p> }
    });
    let tasks = if total == 0 {
        view! { <p class="note">{t.no_tasks}</p> }.into_any()
    } else {
        view! {
            <div class="table-scroll" tabindex="0" role="region" aria-labelledby="tasks-heading">
                <table id="task-table">
                    <thead>
                        <tr>
                            <th scope="col" class="num">{t.col_id}</th>
                            <th scope="col">{t.col_name}</th>
                            <th scope="col">{t.col_duration}</th>
                            <th scope="col">{t.col_start}</th>
                            <th scope="col">{t.col_finish}</th>
                            <th scope="col" class="num">{t.col_complete}</th>
                            <th scope="col">{t.col_resources}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {shown.into_iter().map(|row| task_row(lang, row)).collect_view()}
                    </tbody>
                </table>
            </div>
            {more}
        }
        .into_any()
    };
    let gantt = gantt(lang, &done.tasks);
    let resources = resource_table(lang, &done.resources);
    view! {
        <h2 id="preview-heading">{t.preview_heading}": "<span class="file-name">{name}</span></h2>
        <h3 id="tasks-heading">{t.tasks_heading}</h3>
        {tasks}
        <h3 id="gantt-heading">{t.gantt_heading}</h3>
        {gantt}
        <h3 id="resources-heading">{t.resources_heading}</h3>
        {resources}
    }
    .into_any()
}

/// A file converted on the server: the server sends counts, not the tables, so the preview
/// says so instead of showing empty ones.
fn server_view(lang: Lang, name: String, done: &Converted) -> impl IntoView {
    let t = lang.texts();
    let s = &done.summary;
    let counts = crate::words::counts(
        t,
        crate::words::Counts {
            tasks: s.tasks.max(0.0) as u64,
            resources: s.resources.max(0.0) as u64,
            assignments: s.assignments.max(0.0) as u64,
            calendars: s.calendars.max(0.0) as u64,
        },
    );
    view! {
        <h2 id="preview-heading">{t.preview_heading}": "<span class="file-name">{name}</span></h2>
        <p class="preview-counts">{format!("{}: {} · {counts}", t.format, s.format)}</p>
        <p id="preview-server" class="note">{t.preview_server}</p>
    }
}

fn task_row(lang: Lang, row: TaskRow) -> impl IntoView {
    let t = lang.texts();
    // Indentation by outline level comes from the stylesheet (`data-level`), not from a style
    // attribute, so the CSP needs no inline styles.
    let level = row.outline_level.clamp(1.0, 10.0);
    let class = match (row.summary, row.milestone) {
        (true, _) => "task-row summary",
        (_, true) => "task-row milestone",
        _ => "task-row",
    };
    view! {
        <tr class=class data-level=level.to_string()>
            <td class="num">{row.id.to_string()}</td>
            <td class="task-name">{row.name}</td>
            <td>{format::duration(t, row.duration_value, &row.duration_unit)}</td>
            <td>{format::date(t, &row.start)}</td>
            <td>{format::date(t, &row.finish)}</td>
            <td class="num">{format::percent(t, row.percent_complete)}</td>
            <td>{row.resources}</td>
        </tr>
    }
}

/// Bars from start to finish over the project's span: summary tasks as dark brackets,
/// milestones as diamonds, other tasks with their completed part shaded.
fn gantt(lang: Lang, tasks: &[TaskRow]) -> impl IntoView {
    let t = lang.texts();
    let bars: Vec<(&TaskRow, f64, f64)> = tasks
        .iter()
        .take(MAX_BARS)
        .filter_map(|row| {
            let start = format::day_number(&row.start)?;
            let finish = format::day_number(&row.finish).unwrap_or(start).max(start);
            Some((row, start, finish))
        })
        .collect();
    let first = bars.iter().map(|b| b.1).fold(f64::INFINITY, f64::min);
    let last = bars.iter().map(|b| b.2).fold(f64::NEG_INFINITY, f64::max);
    if bars.is_empty() || !first.is_finite() || !last.is_finite() {
        return view! { <div id="gantt"><p class="note">{t.no_tasks}</p></div> }.into_any();
    }
    const LABEL: f64 = 48.0;
    const WIDTH: f64 = 720.0;
    const ROW: f64 = 22.0;
    const AXIS: f64 = 24.0;
    // At least an hour wide, so a one-day project's bars still fill the chart.
    let span = (last - first).max(1.0 / 24.0);
    let x = move |day: f64| LABEL + (day - first) / span * (WIDTH - LABEL - 8.0);
    let height = AXIS + ROW * bars.len() as f64 + 4.0;
    let label = fill(t.gantt_label, &[("n", &bars.len().to_string())]);
    let first_date = bars
        .iter()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|b| format::date(t, &b.0.start))
        .unwrap_or_default();
    let last_date = bars
        .iter()
        .max_by(|a, b| a.2.total_cmp(&b.2))
        .map(|b| format::date(t, &b.0.finish))
        .unwrap_or_default();
    let rows = bars
        .iter()
        .enumerate()
        .map(|(i, (row, start, finish))| {
            let y = AXIS + ROW * i as f64;
            let x0 = x(*start);
            let x1 = x(*finish).max(x0 + 2.0);
            let id = row.id.to_string();
            let shape = if row.milestone {
                let cx = x0;
                let cy = y + ROW / 2.0;
                let points = format!(
                    "{cx},{} {},{cy} {cx},{} {},{cy}",
                    cy - 7.0,
                    cx + 7.0,
                    cy + 7.0,
                    cx - 7.0
                );
                view! { <polygon class="bar-milestone" points=points></polygon> }.into_any()
            } else if row.summary {
                view! {
                    <rect class="bar-summary" x=x0 y=y + 6.0 width=x1 - x0 height=6></rect>
                }
                .into_any()
            } else {
                let done = (x1 - x0) * (row.percent_complete / 100.0).clamp(0.0, 1.0);
                view! {
                    <rect class="bar-task" x=x0 y=y + 4.0 width=x1 - x0 height=ROW - 8.0 rx=2></rect>
                    <rect class="bar-done" x=x0 y=y + 8.0 width=done height=ROW - 16.0></rect>
                }
                .into_any()
            };
            view! {
                <g>
                    <text class="gantt-id" x=LABEL - 8.0 y=y + ROW / 2.0 + 4.0 text-anchor="end">{id}</text>
                    {shape}
                </g>
            }
        })
        .collect_view();
    let view_box = format!("0 0 {WIDTH} {height}");
    let title = label.clone();
    view! {
        <div id="gantt" class="gantt" tabindex="0" role="region" aria-labelledby="gantt-heading">
            <svg viewBox=view_box role="img" aria-label=label preserveAspectRatio="xMinYMin meet">
                <title>{title}</title>
                <line class="gantt-axis" x1=LABEL y1=AXIS - 4.0 x2=WIDTH - 8.0 y2=AXIS - 4.0></line>
                <text class="gantt-date" x=LABEL y=AXIS - 9.0>{first_date}</text>
                <text class="gantt-date" x=WIDTH - 8.0 y=AXIS - 9.0 text-anchor="end">{last_date}</text>
                {rows}
            </svg>
        </div>
    }
    .into_any()
}

fn resource_table(lang: Lang, resources: &[ResourceRow]) -> impl IntoView {
    let t = lang.texts();
    if resources.is_empty() {
        return view! {
            <table id="resource-table" hidden=true></table>
            <p class="note">{t.no_resources}</p>
        }
        .into_any();
    }
    let rows = resources
        .iter()
        .take(MAX_ROWS)
        .map(|r| {
            let kind = match r.kind.as_str() {
                "material" => t.type_material,
                "cost" => t.type_cost,
                _ => t.type_work,
            };
            let units = r
                .max_units
                .map(|u| format::percent(t, u * 100.0))
                .unwrap_or_default();
            view! {
                <tr class="resource-row">
                    <td class="num">{r.id.to_string()}</td>
                    <td>{r.name.clone()}</td>
                    <td>{kind}</td>
                    <td class="num">{units}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll" tabindex="0" role="region" aria-labelledby="resources-heading">
            <table id="resource-table">
                <thead>
                    <tr>
                        <th scope="col" class="num">{t.col_id}</th>
                        <th scope="col">{t.col_name}</th>
                        <th scope="col">{t.col_type}</th>
                        <th scope="col" class="num">{t.col_max_units}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
