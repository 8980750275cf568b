//! The viewer's Leptos view. One scroll box holds the task table (sticky on the left) and the
//! Gantt chart, so both share the vertical scroll and the rows line up by construction; only
//! the rows in view (and a few around them) are in the page. Printing lays out every row.

use super::model::{Model, ROW_HEIGHT, Zoom, link_path, ticks};
use crate::format;
use crate::i18n::{Lang, Texts, ViewerTexts, fill};
use leptos::attr::custom::custom_attribute;
use leptos::ev;
use leptos::html;
use leptos::prelude::*;
use leptos::tachys::view::add_attr::AddAnyAttr;
use protocol::{CustomValue, LinkKind, Plan, PlanTask, ResourceKind};
use std::collections::HashSet;
use std::sync::{Arc, OnceLock};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

/// Width of the table (sticky over the chart's left part), as in viewer.css.
const TABLE_WIDTH: f64 = 640.0;
/// Height of the sticky header (two timescale rows), in CSS pixels.
const HEADER_HEIGHT: f64 = 44.0;
/// Rows rendered above and below the ones in view, so a fast scroll does not show gaps.
const OVERSCAN: usize = 12;
/// Links drawn at most at once (a hostile plan could link everything to everything).
const MAX_LINKS_DRAWN: usize = 4_000;
/// Pixels of the Gantt chart drawn beside the visible part when scrolling sideways.
const X_MARGIN: f64 = 600.0;

/// What the bars say beside them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Labels {
    Resources,
    Names,
    None,
}

/// The viewer's two views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Tasks,
    Resources,
}

/// On a phone the table and the chart take turns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pane {
    Table,
    Gantt,
}

/// Whether the page is being printed: `print` media (a real print, or emulated) or between
/// `beforeprint` and `afterprint`. One listener for the page's life, shared by every viewer.
fn printing() -> ArcRwSignal<bool> {
    static SIGNAL: OnceLock<ArcRwSignal<bool>> = OnceLock::new();
    SIGNAL
        .get_or_init(|| {
            let signal = ArcRwSignal::new(false);
            if let Ok(Some(query)) = window().match_media("print") {
                signal.set(query.matches());
                let s = signal.clone();
                let on_change = Closure::<dyn FnMut(web_sys::MediaQueryListEvent)>::new(
                    move |e: web_sys::MediaQueryListEvent| s.set(e.matches()),
                );
                let _ = query
                    .add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
                // Lives as long as the page.
                on_change.forget();
            }
            for (event, value) in [("beforeprint", true), ("afterprint", false)] {
                let s = signal.clone();
                let handler = Closure::<dyn FnMut()>::new(move || s.set(value));
                let _ = window()
                    .add_event_listener_with_callback(event, handler.as_ref().unchecked_ref());
                handler.forget();
            }
            signal
        })
        .clone()
}

/// Today as a day number in local time.
fn today() -> f64 {
    let now = js_sys::Date::new_0();
    (now.get_time() - now.get_timezone_offset() * 60_000.0) / 86_400_000.0
}

/// A cost in the plan's currency.
fn money(plan: &Plan, t: &Texts, value: f64) -> String {
    let number = format::number(t, value, 2);
    let symbol = plan.currency_symbol.as_str();
    if symbol.is_empty() {
        number
    } else if plan.currency_after {
        format!("{number} {symbol}")
    } else {
        format!("{symbol}{number}")
    }
}

fn date_text(t: &Texts, value: &Option<String>) -> String {
    value
        .as_deref()
        .map(|d| format::date(t, d))
        .unwrap_or_default()
}

fn link_letters(v: &ViewerTexts, kind: LinkKind) -> &'static str {
    let at = match kind {
        LinkKind::FinishStart => 0,
        LinkKind::StartStart => 1,
        LinkKind::FinishFinish => 2,
        LinkKind::StartFinish => 3,
    };
    v.link_kinds.get(at).copied().unwrap_or("")
}

/// The plan viewer.
#[component]
pub fn Viewer(
    /// The interface language (the viewer is built anew when it changes).
    lang: Lang,
    /// The plan to show.
    plan: Arc<Plan>,
) -> impl IntoView {
    let t: &'static Texts = lang.texts();
    let v: &'static ViewerTexts = lang.viewer();
    let model = Arc::new(Model::new(&plan));
    let count = plan.tasks.len();
    let days = model.last_day - model.first_day;
    let zoom = RwSignal::new(Zoom::fitting(days, 900.0));
    let collapsed = RwSignal::new(HashSet::<usize>::new());
    let show_baseline = RwSignal::new(false);
    let show_critical = RwSignal::new(false);
    let labels = RwSignal::new(Labels::Resources);
    let query = RwSignal::new(String::new());
    let only = RwSignal::new(false);
    let current = RwSignal::new(0usize);
    let active = RwSignal::new(0usize);
    let selected = RwSignal::new(None::<usize>);
    let tab = RwSignal::new(Tab::Tasks);
    let pane = RwSignal::new(Pane::Table);
    let scroll_top = RwSignal::new(0.0f64);
    let scroll_left = RwSignal::new(0.0f64);
    let view_height = RwSignal::new(600.0f64);
    let view_width = RwSignal::new(1200.0f64);
    let printing = RwSignal::from(printing());
    let scroller = NodeRef::<html::Div>::new();
    let details_heading = NodeRef::<html::H3>::new();

    let m = Arc::clone(&model);
    let matches = Memo::new(move |_| query.with(|q| m.search(q)));
    let m = Arc::clone(&model);
    let visible = Memo::new(move |_| {
        let only_set: Option<HashSet<usize>> = (only.get() && !query.with(|q| q.trim().is_empty()))
            .then(|| matches.with(|v| v.iter().copied().collect()));
        collapsed.with(|c| m.visible(c, only_set.as_ref()))
    });
    // Each task's place among the shown rows (`u32::MAX` when it is not shown).
    let positions = Memo::new(move |_| {
        let mut p = vec![u32::MAX; count];
        visible.with(|v| {
            for (at, &i) in v.iter().enumerate() {
                if let Some(slot) = p.get_mut(i) {
                    *slot = u32::try_from(at).unwrap_or(u32::MAX);
                }
            }
        });
        p
    });
    let match_set = Memo::new(move |_| matches.with(|v| v.iter().copied().collect::<HashSet<_>>()));
    let p = printing;
    // The rows in the page: those in view and a few around them; all of them when printing.
    let window_range = Memo::new(move |_| {
        let shown = visible.with(|v| v.len());
        if p.get() {
            return (0, shown);
        }
        let first = (scroll_top.get() / ROW_HEIGHT).floor().max(0.0) as usize;
        let rows = (view_height.get() / ROW_HEIGHT).ceil() as usize + 1;
        (
            first.saturating_sub(OVERSCAN).min(shown),
            (first + rows + OVERSCAN).min(shown),
        )
    });
    let window_rows = Memo::new(move |_| {
        let (a, b) = window_range.get();
        visible.with(|v| v.get(a..b).map(<[usize]>::to_vec).unwrap_or_default())
    });
    let p = printing;
    // A printed chart fits the page, whatever the zoom on screen.
    let effective_zoom = Memo::new(move |_| {
        if p.get() {
            Zoom::fitting(days, 700.0)
        } else {
            zoom.get()
        }
    });
    let first_day = model.first_day;
    let chart_width = Memo::new(move |_| (days * effective_zoom.get().px_per_day()).ceil());
    let x_of = move |day: f64, ppd: f64| (day - first_day) * ppd;
    let p = printing;
    // The part of the chart drawn: what is in view and a margin, or all of it when printing.
    let x_range = Memo::new(move |_| {
        let width = chart_width.get();
        if p.get() {
            return (0.0, width);
        }
        let bucket = (scroll_left.get() / 256.0).floor() * 256.0;
        (
            (bucket - X_MARGIN).max(0.0),
            (bucket + view_width.get() + X_MARGIN).min(width),
        )
    });

    let p = printing;
    let measure = move || {
        // While printing every row is laid out: the box's size then is not the screen's.
        if p.get_untracked() {
            return;
        }
        if let Some(el) = scroller.get_untracked() {
            scroll_top.set(f64::from(el.scroll_top()));
            scroll_left.set(f64::from(el.scroll_left()));
            view_height.set(f64::from(el.client_height()));
            view_width.set(f64::from(el.client_width()));
        }
    };
    let p = printing;
    Effect::new(move |_| {
        if !p.get() {
            request_animation_frame(measure);
        }
    });
    let resize = window_event_listener(ev::resize, move |_| measure());
    on_cleanup(move || resize.remove());

    // Scrolls so the shown row `pos` is in view, with the header above it.
    let reveal = move |pos: usize| {
        let Some(el) = scroller.get_untracked() else {
            return;
        };
        let top = pos as f64 * ROW_HEIGHT;
        let now = f64::from(el.scroll_top());
        let room = f64::from(el.client_height()) - HEADER_HEIGHT - 18.0;
        let next = if top < now {
            top
        } else if top + ROW_HEIGHT > now + room {
            top + ROW_HEIGHT - room
        } else {
            return;
        };
        el.set_scroll_top(next.max(0.0) as i32);
        scroll_top.set(next.max(0.0));
    };
    let position_of = move |i: usize| {
        positions
            .with_untracked(|p| p.get(i).copied())
            .filter(|p| *p != u32::MAX)
            .map(|p| p as usize)
    };
    // Shows a task: expands its summary tasks, makes it the active row, scrolls to it.
    let stored_model = StoredValue::new(Arc::clone(&model));
    let go_to = move |i: usize| {
        let ancestors = stored_model.with_value(|m| m.ancestors(i));
        if collapsed.with_untracked(|c| ancestors.iter().any(|a| c.contains(a))) {
            collapsed.update(|c| {
                for a in &ancestors {
                    c.remove(a);
                }
            });
        }
        active.set(i);
        let Some(el) = scroller.get_untracked() else {
            return;
        };
        if let Some(pos) = position_of(i) {
            // A third of the way down, so the match is easy to see.
            let room = f64::from(el.client_height()) - HEADER_HEIGHT;
            let top = (pos as f64 * ROW_HEIGHT - room / 3.0).max(0.0);
            el.set_scroll_top(top as i32);
            scroll_top.set(top);
        }
        // And its bar in view, when the chart is scrolled elsewhere.
        let start = stored_model.with_value(|m| m.rows.get(i).and_then(|r| r.start));
        if let Some(start) = start {
            let x = x_of(start, effective_zoom.get_untracked().px_per_day());
            let left = f64::from(el.scroll_left());
            let width = f64::from(el.client_width()) - TABLE_WIDTH;
            if x < left || x > left + width.max(100.0) - 40.0 {
                let next = (x - 40.0).max(0.0);
                el.set_scroll_left(next as i32);
                scroll_left.set(next);
            }
        }
    };
    let open_details = move |i: usize| {
        selected.set(Some(i));
        request_animation_frame(move || {
            if let Some(h) = details_heading.get_untracked() {
                let _ = h.focus();
            }
        });
    };
    let step_match = move |forward: bool| {
        let total = matches.with_untracked(Vec::len);
        if total == 0 {
            return;
        }
        let next = if forward {
            (current.get_untracked() + 1) % total
        } else {
            (current.get_untracked() + total - 1) % total
        };
        current.set(next);
        if let Some(i) = matches.with_untracked(|m| m.get(next).copied()) {
            go_to(i);
        }
    };

    let m = Arc::clone(&model);
    let on_grid_key = move |e: ev::KeyboardEvent| {
        let shown = visible.get_untracked();
        if shown.is_empty() {
            return;
        }
        let i = active.get_untracked();
        let at = position_of(i).unwrap_or(0);
        let page = ((view_height.get_untracked() - HEADER_HEIGHT) / ROW_HEIGHT).max(1.0) as usize;
        let has_children = m.rows.get(i).is_some_and(|r| r.has_children);
        let is_collapsed = collapsed.with_untracked(|c| c.contains(&i));
        let target = match e.key().as_str() {
            "ArrowDown" => Some((at + 1).min(shown.len() - 1)),
            "ArrowUp" => Some(at.saturating_sub(1)),
            "PageDown" => Some((at + page).min(shown.len() - 1)),
            "PageUp" => Some(at.saturating_sub(page)),
            "Home" => Some(0),
            "End" => Some(shown.len() - 1),
            "ArrowRight" if has_children && is_collapsed => {
                collapsed.update(|c| {
                    c.remove(&i);
                });
                None
            }
            "ArrowRight" if has_children => Some((at + 1).min(shown.len() - 1)),
            "ArrowLeft" if has_children && !is_collapsed => {
                collapsed.update(|c| {
                    c.insert(i);
                });
                None
            }
            "ArrowLeft" => {
                if let Some(p) = m.rows.get(i).and_then(|r| r.parent) {
                    active.set(p);
                    if let Some(pos) = position_of(p) {
                        reveal(pos);
                    }
                }
                None
            }
            "Enter" | " " => {
                open_details(i);
                None
            }
            _ => return,
        };
        e.prevent_default();
        if let Some(pos) = target
            && let Some(&next) = shown.get(pos)
        {
            active.set(next);
            reveal(pos);
        }
    };

    let on_scroll = move |_| measure();

    let zoom_to = move |next: Zoom| {
        let old = zoom.get_untracked();
        if next == old {
            return;
        }
        // Keep the day at the left of the view where it is.
        let left_day = scroll_left.get_untracked() / old.px_per_day() + first_day;
        zoom.set(next);
        request_animation_frame(move || {
            if let Some(el) = scroller.get_untracked() {
                let x = ((left_day - first_day) * next.px_per_day()).max(0.0);
                el.set_scroll_left(x as i32);
                scroll_left.set(x);
            }
        });
    };

    let m = Arc::clone(&model);
    let all_parents: Vec<usize> = m
        .rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.has_children)
        .map(|(i, _)| i)
        .collect();

    // ---- the table ----
    let plan_rows = Arc::clone(&plan);
    let m = Arc::clone(&model);
    let table_row = move |i: usize| {
        let task = plan_rows.tasks.get(i).cloned().unwrap_or_default();
        let has_children = m.rows.get(i).is_some_and(|r| r.has_children);
        let level = task.outline_level.clamp(1, 10).to_string();
        let task_level = task.outline_level.max(1).to_string();
        let name = task.name.clone();
        let toggle = has_children.then(|| {
            let label_name = name.clone();
            let label = move || {
                let template = if collapsed.with(|c| c.contains(&i)) {
                    v.expand_task
                } else {
                    v.collapse_task
                };
                fill(template, &[("name", &label_name)])
            };
            view! {
                <button type="button" class="vt-toggle" tabindex="-1" aria-label=label
                    on:click=move |e| {
                        e.stop_propagation();
                        collapsed.update(|c| {
                            if !c.remove(&i) {
                                c.insert(i);
                            }
                        });
                    }>
                    <span aria-hidden="true">{move || if collapsed.with(|c| c.contains(&i)) { "▸" } else { "▾" }}</span>
                </button>
            }
        });
        let class = match (task.summary, task.milestone) {
            (true, _) => "vt-row summary",
            (_, true) => "vt-row milestone",
            _ => "vt-row",
        };
        let duration = task
            .duration
            .as_ref()
            .map(|d| format::duration(t, d.value, &d.unit))
            .unwrap_or_default();
        view! {
            <div role="row" id=format!("vt-row-{i}") class=class data-level=level
                data-id=task.id.to_string()
                aria-rowindex=move || positions.with(|p| p.get(i).map_or(0, |p| p + 2)).to_string()
                aria-expanded=move || has_children.then(|| (!collapsed.with(|c| c.contains(&i))).to_string())
                aria-selected=move || (selected.get() == Some(i)).to_string()
                class:active=move || active.get() == i
                class:match=move || match_set.with(|s| s.contains(&i))
                class:current-match=move || matches.with(|m| m.get(current.get()).copied()) == Some(i)
                class:critical=move || show_critical.get() && task.critical
                on:click=move |_| {
                    active.set(i);
                    open_details(i);
                }>
                <div role="gridcell" class="vt-cell vt-id">{task.id.to_string()}</div>
                <div role="gridcell" class="vt-cell vt-name" title=name.clone()>
                    {toggle}
                    <span class="vt-name-text">{name.clone()}</span>
                </div>
                <div role="gridcell" class="vt-cell vt-duration">{duration}</div>
                <div role="gridcell" class="vt-cell vt-date">{date_text(t, &task.start)}</div>
                <div role="gridcell" class="vt-cell vt-date">{date_text(t, &task.finish)}</div>
                <div role="gridcell" class="vt-cell vt-num">{format::percent(t, task.percent_complete)}</div>
            </div>
        }
        // The macro has no method for `aria-level`; set as a plain attribute.
        .add_any_attr(custom_attribute("aria-level", task_level))
    };

    // ---- the chart ----
    let m = Arc::clone(&model);
    let timescale = move || {
        let z = effective_zoom.get();
        let ppd = z.px_per_day();
        let (x0, x1) = x_range.get();
        let (d0, d1) = (x0 / ppd + first_day, x1 / ppd + first_day);
        let row = |upper: bool| {
            let y = if upper { 0.0 } else { HEADER_HEIGHT / 2.0 };
            ticks(z, upper, d0, d1, t, v)
                .into_iter()
                .map(|tick| {
                    let x = x_of(tick.day, ppd);
                    let w = (tick.end - tick.day) * ppd;
                    view! {
                        <g>
                            <line class="ts-line" x1=x y1=y x2=x y2=y + HEADER_HEIGHT / 2.0></line>
                            <text class="ts-label" x=x + 4.0 y=y + 15.0>{(w >= 14.0).then_some(tick.label)}</text>
                        </g>
                    }
                })
                .collect_view()
        };
        view! {
            {row(true)}
            {row(false)}
            <line class="ts-line" x1=x0 y1=HEADER_HEIGHT / 2.0 x2=x1 y2=HEADER_HEIGHT / 2.0></line>
        }
    };
    let shading = move || {
        let z = effective_zoom.get();
        if !z.shades_days() {
            return Vec::new();
        }
        let ppd = z.px_per_day();
        let (x0, x1) = x_range.get();
        let height = visible.with(|v| v.len()) as f64 * ROW_HEIGHT;
        let from = (x0 / ppd + first_day).floor() as i64;
        let to = (x1 / ppd + first_day).ceil() as i64;
        // Runs of non-working days, one rectangle each.
        let mut runs: Vec<(i64, i64)> = Vec::new();
        for day in from..to {
            if m.is_working(day) {
                continue;
            }
            match runs.last_mut() {
                Some(run) if run.1 == day => run.1 = day + 1,
                _ => runs.push((day, day + 1)),
            }
        }
        runs.into_iter()
            .map(|(a, b)| {
                let x = x_of(a as f64, ppd);
                view! { <rect class="vg-nonworking" x=x y=0 width=(b - a) as f64 * ppd height=height></rect> }
            })
            .collect::<Vec<_>>()
    };
    let now = today();
    let today_line = move || {
        let ppd = effective_zoom.get().px_per_day();
        let x = x_of(now, ppd);
        let height = visible.with(|v| v.len()) as f64 * ROW_HEIGHT;
        (x >= 0.0 && x <= chart_width.get()).then(|| {
            view! {
                <line class="vg-today" x1=x y1=0 x2=x y2=height>
                    <title>{v.today}</title>
                </line>
            }
        })
    };
    let plan_bars = Arc::clone(&plan);
    let m = Arc::clone(&model);
    let bars = move || {
        let ppd = effective_zoom.get().px_per_day();
        let baseline = show_baseline.get();
        let critical = show_critical.get();
        let label_mode = labels.get();
        let rows = window_rows.get();
        rows.into_iter()
            .filter_map(|i| {
                let task = plan_bars.tasks.get(i)?;
                let row = m.rows.get(i)?;
                let pos = position_of(i)?;
                let y = pos as f64 * ROW_HEIGHT;
                let base = (baseline)
                    .then(|| {
                        let (bs, bf) = (row.baseline_start?, row.baseline_finish?);
                        let x = x_of(bs, ppd);
                        let w = ((bf - bs) * ppd).max(2.0);
                        Some(view! { <rect class="vg-baseline" x=x y=y + 21.0 width=w height=4></rect> })
                    })
                    .flatten();
                // "Hide bar": Project draws nothing for the task, its baseline included.
                if task.hide_bar {
                    return Some(
                        view! { <g class="vg-row" data-task=task.id.to_string() data-hidden-bar="true"></g> }
                            .into_any(),
                    );
                }
                let (start, finish) = (row.start?, row.finish?);
                let x0 = x_of(start, ppd);
                let x1 = x_of(finish, ppd).max(x0);
                let crit = critical && task.critical;
                let class = if crit { "vg-row critical" } else { "vg-row" };
                let shape = if task.milestone {
                    let (cx, cy) = (x0, y + 12.0);
                    let points = format!(
                        "{cx:.1},{:.1} {:.1},{cy:.1} {cx:.1},{:.1} {:.1},{cy:.1}",
                        cy - 7.0,
                        cx + 7.0,
                        cy + 7.0,
                        cx - 7.0
                    );
                    view! { <polygon class="vg-milestone" points=points></polygon> }.into_any()
                } else if task.summary {
                    let w = (x1 - x0).max(2.0);
                    let left = format!("{x0:.1},{:.1} {:.1},{:.1} {:.1},{:.1}", y + 7.0, x0 + 6.0, y + 7.0, x0, y + 17.0);
                    let right = format!("{x1:.1},{:.1} {:.1},{:.1} {:.1},{:.1}", y + 7.0, x1 - 6.0, y + 7.0, x1, y + 17.0);
                    view! {
                        <rect class="vg-summary" x=x0 y=y + 7.0 width=w height=6></rect>
                        <polygon class="vg-summary" points=left></polygon>
                        <polygon class="vg-summary" points=right></polygon>
                    }
                    .into_any()
                } else {
                    let w = (x1 - x0).max(3.0);
                    let done = w * (task.percent_complete / 100.0).clamp(0.0, 1.0);
                    view! {
                        <rect class="vg-bar" x=x0 y=y + 6.0 width=w height=13 rx=2></rect>
                        <rect class="vg-progress" x=x0 y=y + 10.5 width=done height=4></rect>
                    }
                    .into_any()
                };
                let label = match label_mode {
                    Labels::Resources => task
                        .resources
                        .iter()
                        .map(|r| r.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    Labels::Names => task.name.clone(),
                    Labels::None => String::new(),
                };
                let label_x = if task.milestone { x0 + 10.0 } else { x1 + 6.0 };
                let label = (!label.is_empty())
                    .then(|| view! { <text class="vg-label" x=label_x y=y + 17.0>{label}</text> });
                Some(
                    view! {
                        <g class=class data-task=task.id.to_string()
                            on:click=move |_| {
                                active.set(i);
                                open_details(i);
                            }>
                            {base}
                            {shape}
                            {label}
                        </g>
                    }
                    .into_any(),
                )
            })
            .collect_view()
    };
    let plan_links = Arc::clone(&plan);
    let m = Arc::clone(&model);
    let links = move || {
        let ppd = effective_zoom.get().px_per_day();
        let critical = show_critical.get();
        let rows = window_rows.get();
        let in_window: HashSet<usize> = rows.iter().copied().collect();
        let mut drawn = Vec::new();
        let mut add = |p: usize, s: usize, kind: LinkKind| {
            if drawn.len() >= MAX_LINKS_DRAWN {
                return;
            }
            let (Some(pt), Some(st)) = (plan_links.tasks.get(p), plan_links.tasks.get(s)) else {
                return;
            };
            if pt.hide_bar || st.hide_bar {
                return;
            }
            let (Some(pr), Some(sr)) = (m.rows.get(p), m.rows.get(s)) else {
                return;
            };
            let (Some(pp), Some(sp)) = (position_of(p), position_of(s)) else {
                return;
            };
            let leave_right = matches!(kind, LinkKind::FinishStart | LinkKind::FinishFinish);
            let enter_left = matches!(kind, LinkKind::FinishStart | LinkKind::StartStart);
            let from_day = if leave_right { pr.finish } else { pr.start };
            let to_day = if enter_left { sr.start } else { sr.finish };
            let (Some(fd), Some(td)) = (from_day, to_day) else {
                return;
            };
            let mid = ROW_HEIGHT / 2.0 - 2.0;
            let path = link_path(
                (x_of(fd, ppd), pp as f64 * ROW_HEIGHT + mid),
                leave_right,
                (x_of(td, ppd), sp as f64 * ROW_HEIGHT + mid),
                enter_left,
            );
            let class = if critical && pt.critical && st.critical {
                "vg-link critical"
            } else {
                "vg-link"
            };
            drawn.push(view! { <path class=class d=path marker-end="url(#vg-arrow)"></path> });
        };
        for &s in &rows {
            let Some(task) = plan_links.tasks.get(s) else {
                continue;
            };
            for link in &task.predecessors {
                if let Some(&p) = m.by_uid.get(&link.uid) {
                    add(p, s, link.kind);
                }
            }
        }
        // Links whose successor is out of view but whose predecessor is in it.
        for &p in &rows {
            let Some(pred_uid) = plan_links.tasks.get(p).map(|t| t.uid) else {
                continue;
            };
            for &s in m.successors.get(p).map_or(&[][..], Vec::as_slice) {
                if in_window.contains(&s) {
                    continue;
                }
                let kinds: Vec<LinkKind> = plan_links
                    .tasks
                    .get(s)
                    .map(|t| {
                        t.predecessors
                            .iter()
                            .filter(|l| l.uid == pred_uid)
                            .map(|l| l.kind)
                            .collect()
                    })
                    .unwrap_or_default();
                for kind in kinds {
                    add(p, s, kind);
                }
            }
        }
        drawn
    };

    let body_height = move || visible.with(|v| v.len()) as f64 * ROW_HEIGHT;
    let window_offset = move || {
        let (a, _) = window_range.get();
        format!("translateY({}px)", a as f64 * ROW_HEIGHT)
    };
    let p = printing;
    let active_descendant = move || {
        let i = active.get();
        let in_window = window_rows.with(|w| w.contains(&i));
        (in_window && !p.get()).then(|| format!("vt-row-{i}"))
    };
    let match_count = move || {
        if query.with(|q| q.trim().is_empty()) {
            return String::new();
        }
        let total = matches.with(Vec::len);
        if total == 0 {
            v.search_none.to_string()
        } else {
            fill(
                v.search_count,
                &[
                    ("n", &(current.get().min(total - 1) + 1).to_string()),
                    ("total", &total.to_string()),
                ],
            )
        }
    };

    let plan_details = Arc::clone(&plan);
    let m = Arc::clone(&model);
    let details = move || {
        let i = selected.get()?;
        let task = plan_details.tasks.get(i)?.clone();
        let go = move |target: usize| {
            go_to(target);
            selected.set(Some(target));
        };
        let link_item = |other: &PlanTask, target: usize, kind: LinkKind, lag: String| {
            let text = format!(
                "{} {} ({}{})",
                other.id,
                other.name,
                link_letters(v, kind),
                lag
            );
            view! { <li><button type="button" class="link-button" on:click=move |_| go(target)>{text}</button></li> }
        };
        let lag_text = |lag: &Option<protocol::Span>| {
            lag.as_ref()
                .map(|l| {
                    let sign = if l.value >= 0.0 { "+" } else { "" };
                    format!(" {sign}{}", format::duration(t, l.value, &l.unit))
                })
                .unwrap_or_default()
        };
        let preds: Vec<_> = task
            .predecessors
            .iter()
            .filter_map(|l| {
                let p = *m.by_uid.get(&l.uid)?;
                let other = plan_details.tasks.get(p)?;
                Some(link_item(other, p, l.kind, lag_text(&l.lag)))
            })
            .collect();
        let succs: Vec<_> = m
            .successors
            .get(i)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter_map(|&s| {
                let other = plan_details.tasks.get(s)?;
                let link = other.predecessors.iter().find(|l| l.uid == task.uid)?;
                Some(link_item(other, s, link.kind, lag_text(&link.lag)))
            })
            .collect();
        let list = |items: Vec<AnyView>| {
            if items.is_empty() {
                view! { <p class="vd-none">{v.none}</p> }.into_any()
            } else {
                view! { <ul class="vd-list">{items}</ul> }.into_any()
            }
        };
        let preds = list(preds.into_iter().map(IntoAny::into_any).collect());
        let succs = list(succs.into_iter().map(IntoAny::into_any).collect());
        let resources = list(
            task.resources
                .iter()
                .map(|r| {
                    let units = r
                        .units
                        .map(|u| format!(" [{}]", format::percent(t, u * 100.0)))
                        .unwrap_or_default();
                    view! { <li>{format!("{}{units}", r.name)}</li> }.into_any()
                })
                .collect(),
        );
        let custom = (!task.custom.is_empty()).then(|| {
            let rows = task
                .custom
                .iter()
                .map(|c| {
                    let value = match &c.value {
                        CustomValue::Text(s) => s.clone(),
                        CustomValue::Number(n) => format::number(t, *n, 2),
                        CustomValue::Cost(c) => money(&plan_details, t, *c),
                        CustomValue::Date(d) => format::date(t, d),
                        CustomValue::Duration(d) => format::duration(t, d.value, &d.unit),
                        CustomValue::Flag(f) => (if *f { v.yes } else { v.no }).to_string(),
                    };
                    view! { <dt>{c.name.clone()}</dt><dd>{value}</dd> }
                })
                .collect_view();
            view! {
                <h4>{v.custom_fields}</h4>
                <dl class="vd-grid">{rows}</dl>
            }
        });
        let notes = (!task.notes.is_empty()).then(|| {
            view! {
                <h4>{v.notes}</h4>
                <p class="vd-notes">{task.notes.clone()}</p>
            }
        });
        let mut kinds = Vec::new();
        if task.summary {
            kinds.push(v.kind_summary);
        }
        if task.milestone {
            kinds.push(v.kind_milestone);
        }
        if task.critical {
            kinds.push(v.kind_critical);
        }
        let kinds =
            (!kinds.is_empty()).then(|| view! { <p class="vd-kinds">{kinds.join(" · ")}</p> });
        let field = |label: &'static str, value: String| {
            (!value.is_empty()).then(|| view! { <dt>{label}</dt><dd>{value}</dd> })
        };
        let duration = task
            .duration
            .as_ref()
            .map(|d| format::duration(t, d.value, &d.unit))
            .unwrap_or_default();
        let work = task
            .work_hours
            .map(|h| fill(v.hours, &[("n", &format::number(t, h, 2))]))
            .unwrap_or_default();
        let cost = task
            .cost
            .map(|c| money(&plan_details, t, c))
            .unwrap_or_default();
        Some(view! {
            <section id="task-details" class="vd" aria-labelledby="task-details-heading">
                <div class="vd-head">
                    <h3 id="task-details-heading" tabindex="-1" node_ref=details_heading>
                        <span class="visually-hidden">{format!("{}: ", v.details_label)}</span>
                        {format!("{} {}", task.id, task.name)}
                    </h3>
                    <button type="button" class="secondary vd-close" on:click=move |_| {
                        selected.set(None);
                        if let Some(el) = document().get_element_by_id("vt-grid")
                            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
                        {
                            let _ = el.focus();
                        }
                    }>{v.close_details}</button>
                </div>
                {kinds}
                <dl class="vd-grid">
                    {field(v.col_start, date_text(t, &task.start))}
                    {field(v.col_finish, date_text(t, &task.finish))}
                    {field(v.baseline_start, date_text(t, &task.baseline_start))}
                    {field(v.baseline_finish, date_text(t, &task.baseline_finish))}
                    {field(v.col_duration, duration)}
                    {field(v.col_complete, format::percent(t, task.percent_complete))}
                    {field(v.col_work, work)}
                    {field(v.col_cost, cost)}
                </dl>
                {notes}
                <div class="vd-columns">
                    <div>
                        <h4>{v.predecessors}</h4>
                        {preds}
                    </div>
                    <div>
                        <h4>{v.successors}</h4>
                        {succs}
                    </div>
                    <div>
                        <h4>{v.resources}</h4>
                        {resources}
                    </div>
                </div>
                {custom}
            </section>
        })
    };

    let resource_sheet = resource_sheet(&plan, t, v);
    let summary_line = {
        let mut parts = Vec::new();
        if !plan.title.is_empty() {
            parts.push(plan.title.clone());
        }
        let (s, f) = (date_text(t, &plan.start), date_text(t, &plan.finish));
        if !s.is_empty() || !f.is_empty() {
            parts.push(format!("{}: {s} – {f}", v.project_dates));
        }
        parts.join(" · ")
    };
    let clipped = plan
        .clipped
        .then(|| view! { <p class="note">{v.clipped}</p> });
    let parents = all_parents.clone();
    let tab_button = move |which: Tab,
                           id: &'static str,
                           panel: &'static str,
                           label: &'static str| {
        view! {
            <button type="button" role="tab" id=id aria-controls=panel
                aria-selected=move || (tab.get() == which).to_string()
                tabindex=move || if tab.get() == which { "0" } else { "-1" }
                on:click=move |_| tab.set(which)
                on:keydown=move |e: ev::KeyboardEvent| {
                    if matches!(e.key().as_str(), "ArrowRight" | "ArrowLeft") {
                        e.prevent_default();
                        let next = if tab.get_untracked() == Tab::Tasks { Tab::Resources } else { Tab::Tasks };
                        tab.set(next);
                        let id = if next == Tab::Tasks { "viewer-tab-tasks" } else { "viewer-tab-resources" };
                        if let Some(el) = document().get_element_by_id(id)
                            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
                        {
                            let _ = el.focus();
                        }
                    }
                }>
                {label}
            </button>
        }
    };
    let empty = (count == 0).then(|| view! { <p class="note">{v.no_tasks}</p> });

    view! {
        <div class="viewer" data-pane=move || match pane.get() { Pane::Table => "table", Pane::Gantt => "gantt" }>
            <p class="viewer-summary">{summary_line}</p>
            {clipped}
            <div role="tablist" class="viewer-tabs" aria-label=v.tabs_label>
                {tab_button(Tab::Tasks, "viewer-tab-tasks", "viewer-panel-tasks", v.tab_tasks)}
                {tab_button(Tab::Resources, "viewer-tab-resources", "viewer-panel-resources", v.tab_resources)}
            </div>
            <div role="tabpanel" id="viewer-panel-tasks" aria-labelledby="viewer-tab-tasks"
                hidden=move || tab.get() != Tab::Tasks>
                <div class="viewer-tools" aria-label=v.toolbar_label role="group">
                    <div class="vtool vtool-search">
                        <label for="viewer-search">{v.search_label}</label>
                        <input id="viewer-search" type="search" autocomplete="off"
                            prop:value=move || query.get()
                            on:input=move |e| {
                                query.set(event_target_value(&e));
                                current.set(0);
                                if let Some(i) = matches.with_untracked(|m| m.first().copied()) {
                                    go_to(i);
                                }
                            }
                            on:keydown=move |e: ev::KeyboardEvent| {
                                if e.key() == "Enter" {
                                    e.prevent_default();
                                    step_match(!e.shift_key());
                                }
                            } />
                        <button type="button" class="secondary" aria-label=v.search_prev
                            disabled=move || matches.with(Vec::is_empty)
                            on:click=move |_| step_match(false)><span aria-hidden="true">"↑"</span></button>
                        <button type="button" class="secondary" aria-label=v.search_next
                            disabled=move || matches.with(Vec::is_empty)
                            on:click=move |_| step_match(true)><span aria-hidden="true">"↓"</span></button>
                        <span id="viewer-search-count" class="vtool-count" aria-live="polite">{match_count}</span>
                        <label class="vtool-check">
                            <input type="checkbox" id="viewer-only" prop:checked=move || only.get()
                                on:change=move |e| only.set(event_target_checked(&e)) />
                            {v.only_matches}
                        </label>
                    </div>
                    <div class="vtool">
                        <label for="viewer-zoom">{v.zoom_label}</label>
                        <button type="button" class="secondary" id="viewer-zoom-in" aria-label=v.zoom_in
                            disabled=move || zoom.get().zoom_in().is_none()
                            on:click=move |_| if let Some(z) = zoom.get_untracked().zoom_in() { zoom_to(z) }>
                            <span aria-hidden="true">"+"</span>
                        </button>
                        <select id="viewer-zoom" prop:value=move || zoom.get().code()
                            on:change=move |e| if let Some(z) = Zoom::from_code(&event_target_value(&e)) { zoom_to(z) }>
                            {Zoom::ALL.into_iter().map(|z| view! {
                                <option value=z.code() selected=move || zoom.get() == z>{z.name(v)}</option>
                            }).collect_view()}
                        </select>
                        <button type="button" class="secondary" id="viewer-zoom-out" aria-label=v.zoom_out
                            disabled=move || zoom.get().zoom_out().is_none()
                            on:click=move |_| if let Some(z) = zoom.get_untracked().zoom_out() { zoom_to(z) }>
                            <span aria-hidden="true">"−"</span>
                        </button>
                    </div>
                    <div class="vtool">
                        <label for="viewer-labels">{v.labels_label}</label>
                        <select id="viewer-labels" on:change=move |e| labels.set(match event_target_value(&e).as_str() {
                            "names" => Labels::Names,
                            "none" => Labels::None,
                            _ => Labels::Resources,
                        })>
                            <option value="resources">{v.labels_resources}</option>
                            <option value="names">{v.labels_names}</option>
                            <option value="none">{v.labels_none}</option>
                        </select>
                    </div>
                    <div class="vtool">
                        <label class="vtool-check">
                            <input type="checkbox" id="viewer-baseline" prop:checked=move || show_baseline.get()
                                on:change=move |e| show_baseline.set(event_target_checked(&e)) />
                            {v.show_baseline}
                        </label>
                        <label class="vtool-check">
                            <input type="checkbox" id="viewer-critical" prop:checked=move || show_critical.get()
                                on:change=move |e| show_critical.set(event_target_checked(&e)) />
                            {v.show_critical}
                        </label>
                    </div>
                    <div class="vtool">
                        <button type="button" class="secondary" id="viewer-expand-all"
                            on:click=move |_| collapsed.set(HashSet::new())>{v.expand_all}</button>
                        <button type="button" class="secondary" id="viewer-collapse-all"
                            on:click=move |_| collapsed.set(parents.iter().copied().collect())>{v.collapse_all}</button>
                        <button type="button" class="secondary" id="viewer-print"
                            on:click=move |_| { let _ = window().print(); }>{v.print}</button>
                    </div>
                    <div class="vtool vtool-pane" role="group" aria-label=v.show_label>
                        <button type="button" class="secondary" id="viewer-show-table"
                            aria-pressed=move || (pane.get() == Pane::Table).to_string()
                            on:click=move |_| pane.set(Pane::Table)>{v.phone_table}</button>
                        <button type="button" class="secondary" id="viewer-show-gantt"
                            aria-pressed=move || (pane.get() == Pane::Gantt).to_string()
                            on:click=move |_| pane.set(Pane::Gantt)>{v.phone_gantt}</button>
                    </div>
                </div>
                <p id="vt-hint" class="hint">{v.grid_hint}</p>
                {empty}
                // Focusable, so the chart can be scrolled from the keyboard (on a phone it is
                // alone, without the table).
                <div class="viewer-scroll" node_ref=scroller on:scroll=on_scroll tabindex="0"
                    role="region" aria-label=v.tab_tasks>
                    <div class="viewer-canvas">
                        <div id="vt-grid" class="vt" role="treegrid" tabindex="0" aria-label=v.grid_label
                            aria-describedby="vt-hint"
                            aria-rowcount=move || (visible.with(Vec::len) + 1).to_string()
                            aria-activedescendant=active_descendant
                            on:keydown=on_grid_key>
                            <div class="vt-head" role="rowgroup">
                                <div class="vt-row vt-header" role="row" aria-rowindex="1">
                                    <div role="columnheader" class="vt-cell vt-id">{v.col_id}</div>
                                    <div role="columnheader" class="vt-cell vt-name">{v.col_name}</div>
                                    <div role="columnheader" class="vt-cell vt-duration">{v.col_duration}</div>
                                    <div role="columnheader" class="vt-cell vt-date">{v.col_start}</div>
                                    <div role="columnheader" class="vt-cell vt-date">{v.col_finish}</div>
                                    <div role="columnheader" class="vt-cell vt-num">{v.col_complete}</div>
                                </div>
                            </div>
                            <div class="vt-body" role="rowgroup" style:height=move || format!("{}px", body_height())>
                                <div class="vt-window" style:transform=window_offset>
                                    <For each=move || window_rows.get() key=|i| *i children=table_row.clone() />
                                </div>
                            </div>
                        </div>
                        <div class="vg" aria-hidden="true">
                            <svg class="vg-head" width=move || chart_width.get() height=HEADER_HEIGHT
                                viewBox=move || format!("0 0 {} {HEADER_HEIGHT}", chart_width.get())>
                                {timescale}
                            </svg>
                            <svg class="vg-body" width=move || chart_width.get() height=body_height
                                viewBox=move || format!("0 0 {} {}", chart_width.get(), body_height())
                                preserveAspectRatio="xMinYMin meet">
                                <defs>
                                    <marker id="vg-arrow" viewBox="0 0 6 6" refX="5" refY="3"
                                        markerWidth="6" markerHeight="6" orient="auto">
                                        <path class="vg-arrow" d="M0,0L6,3L0,6z"></path>
                                    </marker>
                                </defs>
                                {shading}
                                {today_line}
                                {links}
                                {bars}
                            </svg>
                        </div>
                    </div>
                </div>
                {details}
            </div>
            <div role="tabpanel" id="viewer-panel-resources" aria-labelledby="viewer-tab-resources"
                hidden=move || tab.get() != Tab::Resources>
                {resource_sheet}
            </div>
        </div>
    }
}

fn resource_sheet(plan: &Plan, t: &'static Texts, v: &'static ViewerTexts) -> AnyView {
    if plan.resources.is_empty() {
        return view! { <p class="note">{v.no_resources}</p> }.into_any();
    }
    let rows = plan
        .resources
        .iter()
        .map(|r| {
            let kind = match r.kind {
                ResourceKind::Work => v.type_work,
                ResourceKind::Material => v.type_material,
                ResourceKind::Cost => v.type_cost,
            };
            let rate = |value: Option<f64>| {
                value
                    .map(|x| fill(v.per_hour, &[("rate", &money(plan, t, x))]))
                    .unwrap_or_default()
            };
            view! {
                <tr class="resource-row">
                    <td class="num">{r.id.to_string()}</td>
                    <td>{r.name.clone()}</td>
                    <td>{kind}</td>
                    <td>{r.group.clone()}</td>
                    <td class="num">{r.max_units.map(|u| format::percent(t, u * 100.0)).unwrap_or_default()}</td>
                    <td class="num">{rate(r.standard_rate)}</td>
                    <td class="num">{rate(r.overtime_rate)}</td>
                    <td class="num">{r.cost.map(|c| money(plan, t, c)).unwrap_or_default()}</td>
                    <td class="num">{r.work_hours.map(|h| fill(v.hours, &[("n", &format::number(t, h, 2))])).unwrap_or_default()}</td>
                    <td class="num">{r.assignments.to_string()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll" tabindex="0" role="region" aria-label=v.resources_label>
            <table id="resource-table">
                <thead>
                    <tr>
                        <th scope="col" class="num">{v.col_id}</th>
                        <th scope="col">{v.resources}</th>
                        <th scope="col">{v.col_type}</th>
                        <th scope="col">{v.col_group}</th>
                        <th scope="col" class="num">{v.col_max_units}</th>
                        <th scope="col" class="num">{v.col_standard_rate}</th>
                        <th scope="col" class="num">{v.col_overtime_rate}</th>
                        <th scope="col" class="num">{v.col_cost}</th>
                        <th scope="col" class="num">{v.col_work}</th>
                        <th scope="col" class="num">{v.col_assignments}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
