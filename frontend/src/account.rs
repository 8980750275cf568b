//! The Pro licence on this device and its purchase: the token in localStorage, checked offline
//! on every start; `POST /api/v1/checkout` to the payment page; `GET /api/v1/license` once the
//! payment page sends the user back; and the licence panel.
//!
//! The decisions (what a token is worth, which sentence to show) are in [`crate::pro`].

use crate::i18n::Lang;
use crate::js::{get_str, local_storage};
use crate::pro::{self, PayFailure, Refusal, Return, Standing};
use js_sys::Promise;
use leptos::prelude::*;
use licence::{Feature, VerifyingKey};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, RequestCache, RequestInit, Response};

/// Where the licence token is kept (as it came: `v1.<claims>.<signature>`).
const LICENCE_KEY: &str = "mpp2xml.licence";
/// Where the server's refusal of the stored token is kept (a [`Refusal::code`]), so a revoked
/// licence stays off offline too. Storing a new token clears it.
const REFUSED_KEY: &str = "mpp2xml.licence.refused";
const CHECKOUT_URL: &str = "/api/v1/checkout";
/// Where the current token of a held licence is asked for (with the token as the bearer).
const LICENCE_URL: &str = "/api/v1/license";

/// Seconds since the Unix epoch, by the device's clock.
pub fn now_seconds() -> u64 {
    (js_sys::Date::now() / 1000.0).max(0.0) as u64
}

/// This site's licence audience: the page's origin.
pub fn site_audience() -> String {
    pro::audience_of_origin(&window().location().origin().unwrap_or_default())
}

/// The stored licence and what it is worth now.
#[derive(Debug, Clone, PartialEq)]
pub struct Held {
    pub token: Option<String>,
    pub standing: Standing,
}

impl Held {
    /// Reads and checks the stored licence.
    pub fn load(key: &VerifyingKey) -> Self {
        let s = local_storage();
        let token = s
            .as_ref()
            .and_then(|s| s.get_item(LICENCE_KEY).ok().flatten())
            .filter(|t| !t.trim().is_empty());
        let refused = s
            .and_then(|s| s.get_item(REFUSED_KEY).ok().flatten())
            .and_then(|code| Refusal::from_code(&code));
        let standing = match &token {
            Some(t) => Standing::of(t, refused, key, &site_audience(), now_seconds()),
            None => Standing::None,
        };
        Self { token, standing }
    }

    /// No licence.
    pub fn none() -> Self {
        Self {
            token: None,
            standing: Standing::None,
        }
    }

    /// The token to send as `Authorization: Bearer`, when it is a valid licence.
    pub fn bearer(&self) -> Option<String> {
        match self.standing {
            Standing::Valid(_) => self.token.clone(),
            _ => None,
        }
    }
}

/// Keeps `token` (already verified) as this device's licence.
fn store(token: &str) {
    if let Some(s) = local_storage() {
        let _ = s.set_item(LICENCE_KEY, token.trim());
        let _ = s.remove_item(REFUSED_KEY);
    }
}

fn remove() {
    if let Some(s) = local_storage() {
        let _ = s.remove_item(LICENCE_KEY);
        let _ = s.remove_item(REFUSED_KEY);
    }
}

/// What the licence panel says after something happened.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Note {
    /// The checkout request is on its way.
    Opening,
    /// Back from the payment page; the confirmation has not come yet.
    Waiting,
    /// A licence was stored (bought or pasted).
    Activated,
    /// Back from a cancelled payment.
    Cancelled,
    /// The licence was removed.
    Removed,
    /// Something failed.
    Failed(PayFailure),
}

impl Note {
    fn code(self) -> &'static str {
        match self {
            Self::Opening => "opening",
            Self::Waiting => "waiting",
            Self::Activated => "activated",
            Self::Cancelled => "cancelled",
            Self::Removed => "removed",
            Self::Failed(_) => "error",
        }
    }

    fn sentence(self, lang: Lang) -> &'static str {
        let t = lang.texts();
        match self {
            Self::Opening => t.buy_opening,
            Self::Waiting => t.checkout_waiting,
            Self::Activated => t.checkout_activated,
            Self::Cancelled => t.checkout_cancelled,
            Self::Removed => t.licence_removed,
            Self::Failed(f) => f.sentence(t),
        }
    }
}

/// The app's Pro state, shared by the licence panel, the file cards and the queue.
#[derive(Clone, Copy)]
pub struct Pro {
    /// The built-in public key; `None`: no Pro interface at all.
    pub key: Option<VerifyingKey>,
    pub held: RwSignal<Held>,
    pub note: RwSignal<Option<Note>>,
    /// Runs after a licence was stored, to convert the files that were waiting for Pro.
    on_activated: StoredValue<Option<Callback<()>>>,
}

impl Pro {
    /// Loads the stored licence when the app has a key.
    pub fn new() -> Self {
        let key = pro::public_key();
        let held = key.as_ref().map_or_else(Held::none, Held::load);
        Self {
            key,
            held: RwSignal::new(held),
            note: RwSignal::new(None),
            on_activated: StoredValue::new(None),
        }
    }

    /// What runs once a licence is stored.
    pub fn set_on_activated(&self, callback: Callback<()>) {
        self.on_activated.set_value(Some(callback));
    }

    /// Whether the licence unlocks `feature` (untracked: for the queue's decisions).
    pub fn allows(&self, feature: Feature) -> bool {
        self.held.with_untracked(|h| h.standing.allows(feature))
    }

    /// Keeps a verified token and tells everyone.
    fn activate(&self, token: &str) {
        let Some(key) = self.key else {
            return;
        };
        store(token);
        self.held.set(Held::load(&key));
        self.note.set(Some(Note::Activated));
        if let Some(callback) = self.on_activated.get_value() {
            callback.run(());
        }
    }

    /// The server refused the stored licence: it is marked so and stays off.
    pub fn refused(&self, refusal: Refusal) {
        let Some(key) = self.key else {
            return;
        };
        if !refusal.marks_stored() {
            return;
        }
        if let Some(s) = local_storage() {
            let _ = s.set_item(REFUSED_KEY, refusal.code());
        }
        self.held.set(Held::load(&key));
    }

    /// Asks the server for the stored licence's current token when it expires soon or has
    /// expired (a subscription renewed since it was fetched), and keeps it; a revocation the
    /// server reports marks the licence. Offline, or on any other answer, nothing changes.
    pub fn renew(&self) {
        let Some(key) = self.key else {
            return;
        };
        let (token, held_claims) = self.held.with_untracked(|held| {
            let claims = match &held.standing {
                Standing::Valid(claims) | Standing::Expired(claims) => Some(claims.clone()),
                _ => None,
            };
            (held.token.clone(), claims)
        });
        let (Some(token), Some(held_claims)) = (token, held_claims) else {
            return;
        };
        if !self
            .held
            .with_untracked(|held| pro::wants_renewal(&held.standing, now_seconds()))
        {
            return;
        }
        let this = *self;
        wasm_bindgen_futures::spawn_local(async move {
            let Some((status, json)) = request("GET", LICENCE_URL, Some(&token)).await else {
                return;
            };
            match status {
                200 => {
                    let renewed = get_str(&json, "token");
                    let verified = licence::verify(&renewed, &key, &site_audience(), now_seconds());
                    if let Ok(claims) = verified
                        && pro::is_renewal(&held_claims, &claims)
                    {
                        store(&renewed);
                        this.held.set(Held::load(&key));
                    }
                }
                _ => {
                    let refusal = Refusal::from_answer(status, &get_str(&json, "code"));
                    if status == 403 && refusal == Refusal::Revoked {
                        this.refused(refusal);
                    }
                }
            }
        });
    }

    /// Asks the server for a payment page and goes there.
    pub fn buy(&self) {
        let note = self.note;
        note.set(Some(Note::Opening));
        wasm_bindgen_futures::spawn_local(async move {
            match start_checkout().await {
                Ok(url) => {
                    if let Err(err) = window().location().assign(&url) {
                        web_sys::console::error_1(&err);
                        note.set(Some(Note::Failed(PayFailure::Other)));
                    }
                }
                Err(failure) => note.set(Some(Note::Failed(failure))),
            }
        });
    }

    /// Handles the return from the payment page, when the app was opened by it.
    pub fn handle_return(&self) {
        let Some(key) = self.key else {
            return;
        };
        let search = window().location().search().unwrap_or_default();
        match Return::of(&search) {
            Return::None => {}
            Return::Cancelled => {
                clear_query();
                self.note.set(Some(Note::Cancelled));
            }
            Return::Paid(session) => {
                let this = *self;
                self.note.set(Some(Note::Waiting));
                wasm_bindgen_futures::spawn_local(async move {
                    this.await_licence(&session, &key).await;
                });
            }
        }
    }

    /// Asks for the session's licence until the payment is confirmed (409 until then), for up
    /// to [`pro::CONFIRM_WAIT_MS`].
    async fn await_licence(&self, session: &str, key: &VerifyingKey) {
        let started = js_sys::Date::now();
        let mut attempt = 0;
        loop {
            match fetch_licence(session).await {
                Fetched::Token(token) => {
                    if licence::verify(&token, key, &site_audience(), now_seconds()).is_ok() {
                        clear_query();
                        self.activate(&token);
                    } else {
                        self.note.set(Some(Note::Failed(PayFailure::BadToken)));
                    }
                    return;
                }
                Fetched::NotYet => {}
                Fetched::Failed(failure) => {
                    if failure == PayFailure::UnknownSession {
                        clear_query();
                    }
                    self.note.set(Some(Note::Failed(failure)));
                    return;
                }
            }
            let pause = pro::backoff_ms(attempt);
            attempt += 1;
            if js_sys::Date::now() - started + f64::from(pause) > pro::CONFIRM_WAIT_MS {
                // The query stays, so a reload asks again.
                self.note.set(Some(Note::Failed(PayFailure::NotConfirmed)));
                return;
            }
            sleep(pause).await;
        }
    }
}

/// `history.replaceState` to the page without its query, so a reload does not redo the return.
fn clear_query() {
    let location = window().location();
    let path = location.pathname().unwrap_or_else(|_| "/".into());
    let hash = location.hash().unwrap_or_default();
    if let Ok(history) = window().history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&format!("{path}{hash}")));
    }
}

async fn sleep(ms: u32) {
    let promise = Promise::new(&mut |resolve, _| {
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(
            &resolve,
            i32::try_from(ms).unwrap_or(i32::MAX),
        );
    });
    let _ = JsFuture::from(promise).await;
}

/// A request's answer: its status and its JSON body (`undefined` when it has none); with
/// `bearer`, sent with `Authorization: Bearer <token>`.
async fn request(method: &str, url: &str, bearer: Option<&str>) -> Option<(u16, JsValue)> {
    let init = RequestInit::new();
    init.set_method(method);
    init.set_cache(RequestCache::NoStore);
    if let Some(token) = bearer {
        let headers = Headers::new().ok()?;
        headers
            .set("Authorization", &format!("Bearer {token}"))
            .ok()?;
        init.set_headers(&headers);
    }
    let response = JsFuture::from(window().fetch_with_str_and_init(url, &init))
        .await
        .ok()?
        .dyn_into::<Response>()
        .ok()?;
    let json = match response.json() {
        Ok(promise) => JsFuture::from(promise).await.unwrap_or(JsValue::UNDEFINED),
        Err(_) => JsValue::UNDEFINED,
    };
    Some((response.status(), json))
}

/// `POST /api/v1/checkout` → the payment page's URL.
async fn start_checkout() -> Result<String, PayFailure> {
    let Some((status, json)) = request("POST", CHECKOUT_URL, None).await else {
        return Err(PayFailure::Unreachable);
    };
    let url = get_str(&json, "url");
    if status == 200 && (url.starts_with("https://") || url.starts_with("http://")) {
        Ok(url)
    } else if status == 200 {
        Err(PayFailure::Provider)
    } else {
        Err(PayFailure::from_answer(status, &get_str(&json, "code")))
    }
}

enum Fetched {
    Token(String),
    NotYet,
    Failed(PayFailure),
}

/// `GET /api/v1/license?session_id=…`.
async fn fetch_licence(session: &str) -> Fetched {
    let Some((status, json)) = request("GET", &pro::licence_url(session), None).await else {
        return Fetched::Failed(PayFailure::Unreachable);
    };
    let code = get_str(&json, "code");
    match status {
        200 => match get_str(&json, "token") {
            token if !token.is_empty() => Fetched::Token(token),
            _ => Fetched::Failed(PayFailure::Other),
        },
        409 => Fetched::NotYet,
        _ => Fetched::Failed(PayFailure::from_answer(status, &code)),
    }
}

/// The licence panel: the plan and expiry of the stored licence (or why it cannot be used),
/// the purchase, pasting a licence from another device, removing it.
#[component]
pub fn LicencePanel(
    lang: RwSignal<Lang>,
    pro: Pro,
    /// The server sells Pro.
    payments: Signal<bool>,
    /// The server enforces the Pro gates.
    required: Signal<bool>,
) -> impl IntoView {
    let t = move || lang.get().texts();
    let held = pro.held;
    let note = pro.note;
    let pasted = RwSignal::new(String::new());
    let paste_error = RwSignal::new(None::<String>);
    let has_token = move || held.with(|h| h.token.is_some());
    let valid = move || held.with(|h| matches!(h.standing, Standing::Valid(_)));
    let shown = move || {
        pro.key.is_some()
            && (payments.get() || required.get() || has_token() || note.get().is_some())
    };
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(key) = pro.key else {
            return;
        };
        let text = pasted.get_untracked();
        match pro::check_pasted(
            lang.get_untracked().texts(),
            &text,
            &key,
            &site_audience(),
            now_seconds(),
        ) {
            Ok(_) => {
                paste_error.set(None);
                pasted.set(String::new());
                pro.activate(text.trim());
            }
            Err(sentence) => paste_error.set(Some(sentence)),
        }
    };
    let remove_licence = move |_| {
        remove();
        held.set(Held::none());
        note.set(Some(Note::Removed));
    };
    view! {
        <Show when=shown>
            <section id="licence" class="licence" aria-labelledby="licence-heading"
                data-licence=move || held.with(|h| h.standing.code())
                data-plan=move || held.with(|h| match &h.standing {
                    Standing::Valid(c) => c.plan.clone(),
                    _ => "free".to_string(),
                })>
                <h2 id="licence-heading">{move || t().pro_heading}</h2>
                <p id="licence-status" class="licence-status">
                    {move || held.with(|h| h.standing.sentence(t()))}
                </p>
                <p id="licence-message" class="licence-message" role="status" aria-live="polite"
                    data-note=move || note.get().map(Note::code)>
                    {move || note.get().map(|n| n.sentence(lang.get()))}
                </p>
                <div class="licence-actions">
                    <Show when=move || payments.get() && !valid()>
                        <button type="button" id="buy-pro" class="buy-pro"
                            disabled=move || matches!(note.get(), Some(Note::Opening | Note::Waiting))
                            on:click=move |_| pro.buy()>
                            {move || t().buy_pro}
                        </button>
                    </Show>
                    <Show when=has_token>
                        <button type="button" id="licence-remove" class="secondary" on:click=remove_licence>
                            {move || t().remove_licence}
                        </button>
                    </Show>
                </div>
                <Show when=valid>
                    <details class="licence-token">
                        <summary>{move || t().show_token}</summary>
                        <label for="licence-token">{move || t().token_label}</label>
                        <textarea id="licence-token" readonly=true rows="3"
                            prop:value=move || held.with(|h| h.token.clone().unwrap_or_default())></textarea>
                    </details>
                </Show>
                <Show when=move || !valid()>
                    <details id="licence-paste" class="licence-paste">
                        <summary>{move || t().paste_summary}</summary>
                        <form on:submit=apply>
                            <label for="licence-input">{move || t().paste_label}</label>
                            <p id="licence-input-hint" class="hint">{move || t().paste_hint}</p>
                            <textarea id="licence-input" rows="3" spellcheck="false" autocomplete="off"
                                aria-describedby="licence-input-hint licence-paste-error"
                                aria-invalid=move || paste_error.with(|e| e.is_some()).to_string()
                                prop:value=move || pasted.get()
                                on:input=move |ev| pasted.set(event_target_value(&ev))></textarea>
                            <p id="licence-paste-error" class="licence-error" role="alert">
                                {move || paste_error.get()}
                            </p>
                            <button type="submit" id="licence-apply">{move || t().paste_apply}</button>
                        </form>
                    </details>
                </Show>
            </section>
        </Show>
    }
}
