//! The preview of one converted file (or sample plan): its name, and the plan viewer.

use crate::bridge::{Converted, PlanState};
use crate::i18n::Lang;
use crate::viewer::Viewer;
use leptos::prelude::*;

/// The preview section's content for a converted file.
pub fn view(lang: Lang, name: String, done: &Converted) -> impl IntoView {
    let t = lang.texts();
    let v = lang.viewer();
    let body = match &done.plan {
        PlanState::Ready(plan) => view! { <Viewer lang=lang plan=plan.clone() /> }.into_any(),
        PlanState::Reading => {
            view! { <p id="preview-reading" class="note" role="status">{v.reading_plan}</p> }
                .into_any()
        }
        PlanState::Unavailable(detail) => {
            let detail = (!detail.is_empty())
                .then(|| view! { <span class="file-error-detail">{format!("{}: {detail}", t.error_details)}</span> });
            view! { <p id="preview-unavailable" class="note">{v.plan_unavailable}" "{detail}</p> }
                .into_any()
        }
    };
    view! {
        <h2 id="preview-heading">{t.preview_heading}": "<span class="file-name">{name}</span></h2>
        {body}
    }
}
