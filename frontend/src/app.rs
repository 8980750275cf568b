//! The page: language menu, drop zone and picker, the files' cards, the preview.

use crate::account::{LicencePanel, Pro};
use crate::bridge::{Bridge, Item, State};
use crate::consent::Choice;
use crate::format;
use crate::i18n::{Lang, fill};
use crate::js::local_storage;
use crate::words::{self, Counts, Tally};
use crate::zip;
use js_sys::{Array, Reflect, Uint8Array};
use leptos::ev;
use leptos::html;
use leptos::prelude::*;
use licence::Feature;
use protocol::Sample;
use std::collections::HashMap;
use std::sync::Arc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, File, FileList, HtmlAnchorElement, Url};

/// Where the chosen language is remembered.
const LANG_KEY: &str = "mpp2xml.lang";

/// Mounts the app on the page's body, in place of the static first screen of `index.html`
/// (`#shell`), which shows what the app is for while the wasm loads. The app's first screen
/// has the same layout, and the shell goes in the same task as the app comes, so nothing
/// moves.
pub fn start() {
    let shell = document().get_element_by_id("shell");
    leptos::mount::mount_to_body(App);
    if let Some(shell) = shell {
        shell.remove();
    }
}

/// The remembered language, else the browser's.
fn initial_lang() -> Lang {
    if let Some(saved) = local_storage().and_then(|s| s.get_item(LANG_KEY).ok().flatten())
        && let Some(lang) = Lang::ALL.into_iter().find(|l| l.tag() == saved)
    {
        return lang;
    }
    let navigator = window().navigator();
    let mut tags: Vec<String> = navigator
        .languages()
        .iter()
        .filter_map(|v| v.as_string())
        .collect();
    if let Some(tag) = navigator.language() {
        tags.push(tag);
    }
    Lang::pick(tags.iter().map(String::as_str))
}

/// The sample the "Try a sample plan" button builds: the small one, or with `?sample=large` in
/// the address the one of 10,000 tasks (the button says so), for trying the viewer on a large
/// plan and for the end-to-end tests.
fn sample_of_page() -> Sample {
    let search = window().location().search().unwrap_or_default();
    let large = web_sys::UrlSearchParams::new_with_str(&search)
        .ok()
        .and_then(|p| p.get("sample"))
        .is_some_and(|v| v == "large");
    if large { Sample::Large } else { Sample::Small }
}

fn files_of(list: Option<FileList>) -> Vec<File> {
    let Some(list) = list else {
        return Vec::new();
    };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

#[component]
fn App() -> impl IntoView {
    let lang = RwSignal::new(initial_lang());
    let pro = Pro::new();
    let bridge = Bridge::new(pro);
    let items = bridge.items;
    let ready = bridge.ready;
    let selected = bridge.selected;
    let config = bridge.config;
    let remembered = bridge.remembered;
    let bridge = StoredValue::new_local(bridge);
    let choose = Callback::new(move |(id, choice, remember): (u32, Choice, bool)| {
        bridge.with_value(|b| b.choose(id, choice, remember));
    });
    let forget_choice = move |_| bridge.with_value(|b| b.forget_choice());
    pro.set_on_activated(Callback::new(move |()| bridge.with_value(|b| b.unlock())));
    pro.handle_return();
    pro.renew();
    let payments =
        Signal::derive(move || pro.key.is_some() && config.get().is_some_and(|c| c.payments));
    let required = Signal::derive(move || config.get().is_some_and(|c| c.licence_required));
    // Several files at once and their ZIP wait for Pro where the server requires it.
    let batch_gated = move || {
        required.get() && pro.key.is_some() && !pro.held.with(|h| h.standing.allows(Feature::Batch))
    };
    let dragging = RwSignal::new(false);
    let update_ready = RwSignal::new(false);
    let offline_ready = RwSignal::new(false);
    let input_ref = NodeRef::<html::Input>::new();

    Effect::new(move |_| {
        let l = lang.get();
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", l.tag());
        }
        document().set_title(l.texts().page_title);
    });

    let add = move |files: Vec<File>| {
        if !files.is_empty() {
            bridge.with_value(|b| b.add(files));
        }
    };

    // Dropping anywhere on the page converts; the overlay shows while something is dragged.
    let _ = window_event_listener(ev::dragover, move |ev| {
        ev.prevent_default();
        if let Some(dt) = ev.data_transfer() {
            dt.set_drop_effect("copy");
        }
        dragging.set(true);
    });
    let _ = window_event_listener(ev::dragleave, move |ev| {
        if ev.related_target().is_none() {
            dragging.set(false);
        }
    });
    let _ = window_event_listener(ev::drop, move |ev| {
        ev.prevent_default();
        dragging.set(false);
        add(files_of(ev.data_transfer().and_then(|dt| dt.files())));
    });

    register_service_worker(update_ready, offline_ready);
    consume_launch_queue(add);

    let on_pick = move |ev: ev::Event| {
        let input = event_target::<web_sys::HtmlInputElement>(&ev);
        add(files_of(input.files()));
        // Picking the same file again must fire `change` again.
        input.set_value("");
    };
    let open_picker = move |_| {
        if let Some(input) = input_ref.get() {
            input.click();
        }
    };
    let on_lang = move |ev: ev::Event| {
        let value = event_target_value(&ev);
        if let Some(l) = Lang::ALL.into_iter().find(|l| l.tag() == value) {
            lang.set(l);
            if let Some(s) = local_storage() {
                let _ = s.set_item(LANG_KEY, l.tag());
            }
        }
    };
    let done_count =
        move || items.with(|v| v.iter().filter(|i| i.state.get() == State::Done).count());
    let download_zip = move |_| {
        let server_xml = bridge.with_value(|b| b.server_xml());
        wasm_bindgen_futures::spawn_local(download_all(items, server_xml));
    };
    let clear = move |_| bridge.with_value(|b| b.clear_finished());
    let sample = sample_of_page();
    let try_sample = move |_| bridge.with_value(|b| b.add_sample(sample));
    let sample_label = move || {
        let v = lang.get().viewer();
        match sample {
            Sample::Small => v.try_sample,
            Sample::Large => v.try_sample_large,
        }
    };

    let status = move || {
        let t = lang.get().texts();
        items.with(|v| {
            if let Some(item) = v.iter().find(|i| i.state.get() == State::Converting) {
                return fill(t.status_converting, &[("name", &item.name.get_value())]);
            }
            if v.is_empty() || v.iter().any(|i| i.state.get() == State::Queued) {
                return if ready.get() {
                    t.status_ready
                } else {
                    t.status_loading
                }
                .to_string();
            }
            let count = |state: State| v.iter().filter(|i| i.state.get() == state).count() as u64;
            let tally = Tally {
                done: count(State::Done),
                failed: count(State::Error),
                skipped: count(State::Skipped),
                asking: count(State::Asking),
                locked: count(State::Locked),
            };
            words::status(t, tally)
        })
    };

    let preview = move || {
        let l = lang.get();
        let id = selected.get();
        let chosen = items.with(|v| {
            v.iter()
                .find(|i| Some(i.id) == id)
                .and_then(|i| i.result.get().map(|r| (i.name.get_value(), r)))
        });
        match chosen {
            Some((name, done)) => crate::preview::view(l, name, &done).into_any(),
            None => {
                let t = l.texts();
                view! {
                    <h2 id="preview-heading">{t.preview_heading}</h2>
                    <p class="note">{t.preview_empty}</p>
                }
                .into_any()
            }
        }
    };

    let t = move || lang.get().texts();
    view! {
        <div class="drop-overlay" class:visible=move || dragging.get() aria-hidden="true">
            <p>{move || t().drop_overlay}</p>
        </div>
        <header class="top">
            <p class="brand">"mpp2xml"</p>
            <div class="lang">
                <label for="lang" class="lang-label">{move || t().language}</label>
                <select id="lang" on:change=on_lang prop:value=move || lang.get().tag()>
                    {Lang::ALL
                        .into_iter()
                        .map(|l| {
                            view! {
                                <option value=l.tag() lang=l.tag() selected=move || lang.get() == l>
                                    {l.name()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
        </header>
        <Show when=move || update_ready.get()>
            <div id="update-notice" class="notice" role="alert">
                <span>{move || t().update_ready}</span>
                " "
                <button type="button" on:click=move |_| {
                    let _ = window().location().reload();
                }>{move || t().reload}</button>
            </div>
        </Show>
        <main>
            <section class="pick" aria-labelledby="pitch">
                <h1 id="pitch">{move || t().pitch}</h1>
                <p class="tagline">{move || t().tagline}</p>
                <button type="button" id="drop-zone" class="drop-zone" on:click=open_picker
                    aria-describedby="drop-hint">
                    <span class="drop-icon" aria-hidden="true">"⬆"</span>
                    <span class="drop-title">{move || t().drop_zone}</span>
                </button>
                <p id="drop-hint" class="hint">{move || t().drop_hint}</p>
                <label for="file-input" class="visually-hidden">{move || t().drop_zone}</label>
                <input id="file-input" class="visually-hidden" type="file" multiple=true
                    accept=".mpp,.mpt" tabindex="-1" node_ref=input_ref on:change=on_pick />
                <div class="sample">
                    <button type="button" id="try-sample" class="secondary" on:click=try_sample
                        aria-describedby="sample-hint">{sample_label}</button>
                    <p id="sample-hint" class="hint">{move || lang.get().viewer().sample_hint}</p>
                </div>
                <p id="status" class="status" role="status" aria-live="polite">{status}</p>
            </section>
            <LicencePanel lang=lang pro=pro payments=payments required=required />
            <section class="files" aria-labelledby="files-heading">
                <div class="files-head">
                    <h2 id="files-heading">{move || t().files_heading}</h2>
                    <div class="files-actions">
                        <Show when=move || !batch_gated()>
                            <button type="button" id="download-zip" on:click=download_zip
                                disabled=move || done_count() < 2 aria-describedby="zip-hint">
                                {move || t().download_zip}
                            </button>
                        </Show>
                        <button type="button" id="clear-files" on:click=clear
                            disabled=move || items.with(|v| v.is_empty())>
                            {move || t().remove_all}
                        </button>
                    </div>
                </div>
                <p id="zip-hint" class="hint" hidden=move || !batch_gated() && 2 <= done_count()>
                    {move || if batch_gated() { t().zip_pro_hint } else { t().zip_hint }}
                </p>
                <Show when=move || items.with(|v| v.is_empty())>
                    <p class="note">{move || t().no_files}</p>
                </Show>
                <ul id="files">
                    <For each=move || items.get() key=|item| item.id let:item>
                        {file_card(lang, selected, item, pro, payments, choose)}
                    </For>
                </ul>
            </section>
            <section id="preview" class="preview" aria-labelledby="preview-heading">
                {preview}
            </section>
        </main>
        <footer class="bottom">
            <p id="privacy">{move || {
                let t = t();
                match config.get() {
                    Some(c) => fill(t.privacy_fallback, &[("limit", &format::size(t, c.browser_max_bytes))]),
                    None => t.privacy.to_string(),
                }
            }}</p>
            <Show when=move || remembered.get().is_some()>
                <p id="consent-remembered">
                    {move || match remembered.get() {
                        Some(Choice::Skip) => t().consent_always_skip,
                        _ => t().consent_always_send,
                    }}
                    " "
                    <button type="button" id="consent-forget" class="secondary" on:click=forget_choice>
                        {move || t().consent_forget}
                    </button>
                </p>
            </Show>
            <Show when=move || offline_ready.get()>
                <p id="offline-ready">{move || t().offline_ready}</p>
            </Show>
        </footer>
    }
}

fn file_card(
    lang: RwSignal<Lang>,
    selected: RwSignal<Option<u32>>,
    item: Item,
    pro: Pro,
    payments: Signal<bool>,
    choose: Callback<(u32, Choice, bool)>,
) -> impl IntoView {
    let t = move || lang.get().texts();
    let name = item.name.get_value();
    let xml_name = format::xml_name(&name);
    let state_label = move || {
        let t = t();
        match item.state.get() {
            State::Queued => t.queued,
            State::Converting => t.converting,
            State::Done => t.done,
            State::Error => t.failed,
            State::Locked => t.needs_pro,
            State::Asking => t.asking,
            State::Skipped => t.skipped,
        }
    };
    let progress_label = format!("{}: {name}", "progress");
    let details = move || {
        let result = item.result.get()?;
        let t = t();
        let s = &result.summary;
        let mut version = if result.sample {
            lang.get().viewer().sample_format.to_string()
        } else {
            format!("{}: {}", t.format, s.format)
        };
        if s.template {
            version.push_str(&format!(" ({})", t.template));
        }
        if !s.application.is_empty() && !result.sample {
            let product = words::product(t, &s.application);
            version.push_str(&format!(" · {}: {product}", t.saved_by));
        }
        let counts = words::counts(t, shown_counts(&result));
        let took_template = if result.on_server {
            t.took_server
        } else {
            t.took
        };
        let took = fill(took_template, &[("ms", &format::millis(t, result.ms))]);
        let warnings = (!result.warnings.is_empty()).then(|| {
            let n = result.warnings.len();
            let title = if n == 1 {
                t.warnings_one.to_string()
            } else {
                fill(t.warnings_many, &[("n", &n.to_string())])
            };
            view! {
                <details class="file-warnings">
                    <summary>{title}</summary>
                    <ul>{result.warnings.iter().map(|w| view! { <li>{w.clone()}</li> }).collect_view()}</ul>
                </details>
            }
        });
        let id = item.id;
        Some(view! {
            <p class="file-version">{version}</p>
            <p class="file-time">{took}</p>
            <p class="file-counts">{counts}</p>
            {warnings}
            <div class="file-actions">
                <a class="download-xml button" href=result.url.clone() download=xml_name.clone()>
                    {t.download_xml}
                    <span class="visually-hidden">{format!(" ({xml_name})")}</span>
                </a>
                <button type="button" class="show-preview"
                    aria-pressed=move || (selected.get() == Some(id)).to_string()
                    on:click=move |_| selected.set(Some(id))>
                    {t.show_preview}
                    <span class="visually-hidden">{format!(" ({})", item.name.get_value())}</span>
                </button>
            </div>
        })
    };
    let error = move || {
        let failure = item.failure.get()?;
        let t = t();
        // The engine's and the server's own sentence is in English: it is offered, folded,
        // under a summary that says so, after the advice in the interface's language.
        let detail = (!failure.detail().is_empty()).then(|| {
            view! {
                <details class="file-error-more">
                    <summary>{t.error_details}</summary>
                    <span class="file-error-detail" lang="en">{failure.detail().to_string()}</span>
                </details>
            }
        });
        Some(view! {
            <div class="file-error">
                <span>{failure.sentence(t, item.size)}</span>
                " "
                {detail}
            </div>
        })
    };
    // Said on the card itself, so it stays next to the file it is about: why it was sent to
    // the server, or the question before it is, or that it was not.
    let notice = move || {
        let fallback = item.fallback.get()?;
        let t = t();
        match item.state.get() {
            State::Asking => Some(consent_question(t, item, fallback, choose).into_any()),
            State::Skipped => Some(
                view! { <p class="file-notice file-skipped">{t.consent_skipped}</p> }.into_any(),
            ),
            _ => Some(view! { <p class="file-notice">{fallback.notice(t)}</p> }.into_any()),
        }
    };
    // Said on the card too: which Pro feature the file waits for, and the way to it.
    let locked = move || {
        let lock = item.lock.get()?;
        let t = t();
        let buy = payments.get().then(|| {
            view! {
                <button type="button" class="buy-pro" on:click=move |_| pro.buy()>
                    {t.buy_pro}
                    <span class="visually-hidden">{format!(" ({})", item.name.get_value())}</span>
                </button>
            }
        });
        Some(view! {
            <div class="file-pro">
                <p>{lock.sentence(t)}</p>
                {buy}
            </div>
        })
    };
    let stage = move || {
        (item.state.get() == State::Converting).then(|| {
            let stage = item.stage.get();
            if stage.is_empty() {
                String::new()
            } else {
                t().stage(&stage).to_string()
            }
        })
    };
    view! {
        <li class="file" data-name=name.clone() data-state=move || item.state.get().code()
            data-ms=move || item.result.with(|r| r.as_ref().map(|d| format!("{:.1}", d.ms)))
            data-where=move || item.result.with(|r| r.as_ref().map(|d| if d.on_server { "server" } else { "browser" }))>
            <div class="file-head">
                <span class="file-name">{name.clone()}</span>
                // A sample plan is not a file: it has no size to show.
                {(item.size > 0.0).then(|| view! { <span class="file-size">{move || format::size(t(), item.size)}</span> })}
                <span class="badge" data-state=move || item.state.get().code()>{state_label}</span>
            </div>
            <div class="file-progress">
                <progress max="1" value=move || item.fraction.get()
                    aria-label=move || format!("{}: {}", t().progress_label, item.name.get_value())
                    data-label=progress_label></progress>
                <span class="stage">{stage}</span>
            </div>
            {notice}
            {locked}
            {details}
            {error}
        </li>
    }
}

/// What the card counts: the viewer's rows once the plan is read (the engine's summary also
/// counts the project summary task and resource 0, which the viewer leaves out), else the
/// summary's counts.
fn shown_counts(done: &crate::bridge::Converted) -> Counts {
    let s = &done.summary;
    let (tasks, resources) = match &done.plan {
        crate::bridge::PlanState::Ready(plan) => {
            (plan.tasks.len() as u64, plan.resources.len() as u64)
        }
        _ => (u64::from(s.tasks), u64::from(s.resources)),
    };
    Counts {
        tasks,
        resources,
        assignments: u64::from(s.assignments),
        calendars: u64::from(s.calendars),
    }
}

/// The choice asked on the card of a file that would go to the server: what it means for
/// the file, "Convert on our server", "Skip", and whether to remember it on this device.
fn consent_question(
    t: &'static crate::i18n::Texts,
    item: Item,
    why: crate::fallback::Fallback,
    choose: Callback<(u32, Choice, bool)>,
) -> impl IntoView {
    let reason = match why {
        crate::fallback::Fallback::Size(limit) => {
            fill(t.consent_size, &[("limit", &format::size(t, limit))])
        }
        crate::fallback::Fallback::Memory => t.consent_memory.to_string(),
    };
    let remember = RwSignal::new(false);
    let id = item.id;
    let box_id = format!("consent-remember-{id}");
    let box_id_input = box_id.clone();
    let text_id = format!("consent-text-{id}");
    let labelled_by = text_id.clone();
    let name = item.name.get_value();
    view! {
        <div class="file-consent" role="group" aria-labelledby=labelled_by>
            <p id=text_id>{reason}" "{t.consent_privacy}</p>
            <div class="file-actions">
                <button type="button" class="consent-send"
                    on:click=move |_| choose.run((id, Choice::Server, remember.get_untracked()))>
                    {t.consent_send}
                    <span class="visually-hidden">{format!(" ({name})")}</span>
                </button>
                <button type="button" class="consent-skip secondary"
                    on:click=move |_| choose.run((id, Choice::Skip, remember.get_untracked()))>
                    {t.consent_skip}
                    <span class="visually-hidden">{format!(" ({})", item.name.get_value())}</span>
                </button>
            </div>
            <p class="consent-remember">
                <input type="checkbox" id=box_id_input class="consent-remember-box"
                    prop:checked=move || remember.get()
                    on:change=move |ev| remember.set(event_target_checked(&ev)) />
                " "
                <label for=box_id>{t.consent_remember}</label>
            </p>
        </div>
    }
}

/// Offers every converted file's XML as one ZIP download.
/// The server's XML is read from its blob only now, when the ZIP needs it.
async fn download_all(items: RwSignal<Vec<Item>>, server_xml: HashMap<u32, Blob>) {
    type Listed = (String, u32, Option<Arc<Vec<u8>>>);
    let listed: Vec<Listed> = items.with_untracked(|v| {
        v.iter()
            .filter_map(|i| {
                let r = i.result.get_untracked()?;
                Some((format::xml_name(&i.name.get_value()), i.id, r.xml))
            })
            .collect()
    });
    let mut done: Vec<(String, Arc<Vec<u8>>)> = Vec::with_capacity(listed.len());
    for (name, id, xml) in listed {
        let xml = match xml {
            Some(xml) => xml,
            None => {
                let Some(blob) = server_xml.get(&id) else {
                    continue;
                };
                match JsFuture::from(blob.array_buffer()).await {
                    Ok(buffer) => Arc::new(Uint8Array::new(&buffer).to_vec()),
                    Err(err) => {
                        web_sys::console::error_1(&err);
                        continue;
                    }
                }
            }
        };
        done.push((name, xml));
    }
    let names = zip::unique_names(done.iter().map(|(n, _)| n.as_str()));
    let entries: Vec<(&str, &[u8])> = names
        .iter()
        .zip(&done)
        .map(|(name, (_, xml))| (name.as_str(), xml.as_slice()))
        .collect();
    let archive = match zip::write(&entries) {
        Ok(a) => a,
        Err(err) => {
            web_sys::console::error_1(&err.to_string().into());
            return;
        }
    };
    if let Err(err) = save(&archive, "application/zip", "mpp2xml.zip") {
        web_sys::console::error_1(&err);
    }
}

fn save(bytes: &[u8], mime: &str, name: &str) -> Result<(), JsValue> {
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let array = Uint8Array::from(bytes);
    let blob = Blob::new_with_u8_array_sequence_and_options(&Array::of1(&array), &options)?;
    let url = Url::create_object_url_with_blob(&blob)?;
    let a: HtmlAnchorElement = document().create_element("a")?.dyn_into()?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    set_timeout(
        move || {
            let _ = Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(60),
    );
    Ok(())
}

/// Registers the service worker; a new version taking over is announced with a reload button.
fn register_service_worker(update_ready: RwSignal<bool>, offline_ready: RwSignal<bool>) {
    let container = window().navigator().service_worker();
    // Reflect: `serviceWorker` is missing outside secure contexts.
    if Reflect::get(&window().navigator(), &"serviceWorker".into())
        .map(|v| v.is_undefined())
        .unwrap_or(true)
    {
        return;
    }
    // The first service worker to control the page makes it work offline; any later one is
    // a new version.
    let mut controlled = container.controller().is_some();
    let on_change = Closure::<dyn FnMut()>::new(move || {
        if controlled {
            update_ready.set(true);
        } else {
            offline_ready.set(true);
        }
        controlled = true;
    });
    let _ = container
        .add_event_listener_with_callback("controllerchange", on_change.as_ref().unchecked_ref());
    on_change.forget();
    let promise = container.register("./sw.js");
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(err) = JsFuture::from(promise).await {
            web_sys::console::warn_2(&"mpp2xml: service worker not registered:".into(), &err);
        }
    });
}

/// Files opened with the installed app (manifest `file_handlers`) arrive in `launchQueue`.
fn consume_launch_queue(add: impl Fn(Vec<File>) + Copy + 'static) {
    let Ok(queue) = Reflect::get(&window(), &"launchQueue".into()) else {
        return;
    };
    if queue.is_undefined() || queue.is_null() {
        return;
    }
    let consumer = Closure::<dyn FnMut(JsValue)>::new(move |params: JsValue| {
        let handles = Reflect::get(&params, &"files".into())
            .map(|f| Array::from(&f))
            .unwrap_or_default();
        wasm_bindgen_futures::spawn_local(async move {
            let mut files = Vec::new();
            for handle in handles.iter() {
                let get_file = Reflect::get(&handle, &"getFile".into())
                    .ok()
                    .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
                let Some(get_file) = get_file else { continue };
                let Ok(promise) = get_file.call0(&handle) else {
                    continue;
                };
                if let Ok(file) = JsFuture::from(js_sys::Promise::resolve(&promise)).await
                    && let Ok(file) = file.dyn_into::<File>()
                {
                    files.push(file);
                }
            }
            add(files);
        });
    });
    let set_consumer = Reflect::get(&queue, &"setConsumer".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    if let Some(set_consumer) = set_consumer {
        let _ = set_consumer.call1(&queue, consumer.as_ref());
    }
    consumer.forget();
}
