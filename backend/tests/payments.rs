//! Payments and licences on the whole service: Checkout against a local fake of Stripe's API
//! (async-stripe's real request, pointed at it), webhooks signed for real with a test secret
//! (HMAC-SHA256 computed here, independently of the server's code), exactly-once processing
//! across two instances on one database, revocation, and the Pro gate on conversion with
//! good, forged, foreign, expired and revoked tokens.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::{Form, Json, Router};
use backend::PaymentsConfig;
use backend::testing::Inspect as _;
use backend::{AppState, Config};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use licence::{Claims, Feature, SigningKey};
use serde_json::{Value, json};
use sha2::Sha256;

mod support;
use support::{Answer, call, dist, get};

const SECRET_KEY: &str = "sk_test_secret_never_shown";
const WEBHOOK_SECRET: &str = "whsec_test_webhook_secret";
const PRICE: &str = "price_test_pro";
const PUBLIC_URL: &str = "https://app.example";
const SEED: [u8; 32] = [42; 32];

// ---------------------------------------------------------------------------------------
// A fake of Stripe's Checkout Session endpoint.

/// One request the fake received.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    authorization: String,
    form: Vec<(String, String)>,
}

#[derive(Clone, Default)]
struct Fake {
    received: Arc<Mutex<Vec<Received>>>,
    /// Answer Stripe's error instead of a session.
    refuse: bool,
}

impl Fake {
    fn field(&self, name: &str) -> Option<String> {
        let received = self.received.lock().unwrap();
        let last = received.last().expect("the fake received a request");
        last.form
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    }
}

async fn create_session(
    State(fake): State<Fake>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    Form(form): Form<Vec<(String, String)>>,
) -> (StatusCode, Json<Value>) {
    fake.received.lock().unwrap().push(Received {
        path: uri.path().to_owned(),
        authorization: headers
            .get("authorization")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default(),
        form: form.clone(),
    });
    if fake.refuse {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {
                "type": "invalid_request_error",
                "code": "resource_missing",
                "message": "No such price: 'price_test_pro'",
                "param": "line_items[0][price]"
            }})),
        );
    }
    let mode = form
        .iter()
        .find(|(key, _)| key == "mode")
        .map_or("payment".to_owned(), |(_, v)| v.clone());
    (
        StatusCode::OK,
        Json(json!({
            "id": "cs_test_fake1",
            "object": "checkout.session",
            "automatic_tax": {"enabled": false, "liability": null, "provider": null, "status": null},
            "created": 1_700_000_000,
            "expires_at": 1_700_086_400,
            "custom_fields": [],
            "custom_text": {"after_submit": null, "shipping_address": null, "submit": null,
                            "terms_of_service_acceptance": null},
            "livemode": false,
            "mode": mode,
            "payment_method_types": ["card"],
            "payment_status": "unpaid",
            "shipping_options": [],
            "status": "open",
            "success_url": form.iter().find(|(k, _)| k == "success_url").map(|(_, v)| v.clone()),
            "url": "https://checkout.stripe.com/c/pay/cs_test_fake1"
        })),
    )
}

/// Starts the fake on a free local port; answers its address.
async fn start_fake(fake: Fake) -> SocketAddr {
    let router = Router::new()
        .route("/v1/checkout/sessions", axum::routing::post(create_session))
        .with_state(fake);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

// ---------------------------------------------------------------------------------------
// The service.

/// Settings with payments on, Stripe at `stripe` (an address nothing listens on by default).
fn paid_config(dist: &std::path::Path, stripe: Option<SocketAddr>) -> Config {
    let mut config = Config::with_defaults(dist);
    config.convert_burst = std::num::NonZeroU32::new(1000).unwrap();
    config.payments = PaymentsConfig {
        stripe_secret_key: Some(SECRET_KEY.into()),
        stripe_webhook_secret: Some(WEBHOOK_SECRET.into()),
        stripe_price_id: Some(PRICE.to_owned()),
        stripe_api_base: format!(
            "http://{}",
            stripe.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 9)))
        ),
        public_url: Some(format!("{PUBLIC_URL}/")),
        licence_key: Some(licence::signing_key_to_text(&SigningKey::from_bytes(&SEED)).into()),
        ..PaymentsConfig::default()
    };
    config
}

/// `config` over the database at `url`, which other instances share.
fn shared(mut config: Config, url: &str) -> Config {
    config.database_url = url.into();
    config
}

async fn paid_service(dist: &std::path::Path, stripe: Option<SocketAddr>) -> (Router, AppState) {
    let state = AppState::in_memory(paid_config(dist, stripe))
        .await
        .unwrap();
    (backend::app(state.clone()), state)
}

fn checkout() -> Request<Body> {
    Request::post("/api/v1/checkout")
        .body(Body::empty())
        .unwrap()
}

/// `POST /api/v1/convert` with no file, and a bearer `token` if given: past the gate it is
/// 400 "carries no file", so the status tells whether the gate let it through.
fn convert(token: Option<&str>) -> Request<Body> {
    let mut request =
        Request::post("/api/v1/convert").header("content-type", "application/octet-stream");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    request.body(Body::empty()).unwrap()
}

async fn license(app: &Router, session: &str) -> Answer {
    call(app, get(&format!("/api/v1/license?session_id={session}"))).await
}

// ---------------------------------------------------------------------------------------
// Webhook events, signed as Stripe signs them.

fn now() -> u64 {
    backend::testing::now()
}

/// `t=<t>,v1=<HMAC-SHA256(secret, "<t>.<body>") in hex>`, computed here from the definition.
fn stripe_signature(body: &[u8], secret: &str, t: u64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

fn event(id: &str, kind: &str, object: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "id": id,
        "object": "event",
        "api_version": "2025-01-27.acacia",
        "created": now(),
        "livemode": false,
        "pending_webhooks": 1,
        "type": kind,
        "data": { "object": object },
    }))
    .unwrap()
}

fn completed(id: &str, session: &str, intent: &str) -> Vec<u8> {
    event(
        id,
        "checkout.session.completed",
        json!({
            "id": session,
            "object": "checkout.session",
            "mode": "payment",
            "payment_status": "paid",
            "status": "complete",
            "payment_intent": intent,
            "subscription": null,
            "customer": "cus_test_1",
            "customer_details": {"email": "buyer@example.com", "name": "A Buyer"},
            "amount_total": 4900,
            "currency": "eur",
            "metadata": {"product": "mpp2xml-pro"},
        }),
    )
}

fn refunded(id: &str, intent: &str) -> Vec<u8> {
    event(
        id,
        "charge.refunded",
        json!({"id": "ch_1", "object": "charge", "payment_intent": intent, "refunded": true,
               "amount": 4900, "amount_refunded": 4900}),
    )
}

fn webhook_with(body: &[u8], signature: Option<String>) -> Request<Body> {
    let mut request =
        Request::post("/api/v1/stripe/webhook").header("content-type", "application/json");
    if let Some(signature) = signature {
        request = request.header("stripe-signature", signature);
    }
    request.body(Body::from(body.to_vec())).unwrap()
}

fn webhook(body: &[u8]) -> Request<Body> {
    webhook_with(body, Some(stripe_signature(body, WEBHOOK_SECRET, now())))
}

/// Delivers `body` properly signed and checks the answer.
async fn deliver(app: &Router, body: &[u8], duplicate: bool) {
    let answer = call(app, webhook(body)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(
        answer.json(),
        json!({"received": true, "duplicate": duplicate})
    );
}

/// Buys a licence for `session` through the webhook and fetches its token.
async fn buy(app: &Router, event_id: &str, session: &str, intent: &str) -> String {
    deliver(app, &completed(event_id, session, intent), false).await;
    let answer = license(app, session).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    answer.json()["token"].as_str().unwrap().to_owned()
}

// ---------------------------------------------------------------------------------------
// Without Stripe settings.

#[tokio::test]
async fn without_stripe_the_payment_routes_answer_503_and_conversion_stays_free() {
    let dist = dist();
    let app = backend::app(AppState::for_tests(dist.path()).await.unwrap());
    for request in [
        checkout(),
        webhook(&completed("evt_1", "cs_test_1", "pi_1")),
        get("/api/v1/license?session_id=cs_test_1"),
    ] {
        let answer = call(&app, request).await;
        let problem = answer.problem(503, "payments_not_configured");
        assert_eq!(problem["detail"], "payments are not configured");
    }
    let config = call(&app, get("/api/v1/config")).await.json();
    assert_eq!(config["payments"], false);
    assert_eq!(config["licence_required"], false);
    // No bearer needed: the request reaches the converter (which finds no file).
    call(&app, convert(None)).await.problem(400, "bad_request");
}

// ---------------------------------------------------------------------------------------
// Checkout.

#[tokio::test]
async fn checkout_sends_the_configured_session_to_stripe_and_answers_its_url() {
    let fake = Fake::default();
    let stripe = start_fake(fake.clone()).await;
    let dist = dist();
    let (app, _) = paid_service(dist.path(), Some(stripe)).await;
    let answer = call(&app, checkout()).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(
        answer.json(),
        json!({"url": "https://checkout.stripe.com/c/pay/cs_test_fake1"})
    );
    let received = fake.received.lock().unwrap().last().cloned().unwrap();
    assert_eq!(received.path, "/v1/checkout/sessions");
    assert_eq!(received.authorization, format!("Bearer {SECRET_KEY}"));
    assert_eq!(fake.field("mode").as_deref(), Some("payment"));
    assert_eq!(fake.field("line_items[0][price]").as_deref(), Some(PRICE));
    assert_eq!(fake.field("line_items[0][quantity]").as_deref(), Some("1"));
    assert_eq!(
        fake.field("success_url").as_deref(),
        Some("https://app.example/?session_id={CHECKOUT_SESSION_ID}")
    );
    assert_eq!(
        fake.field("cancel_url").as_deref(),
        Some("https://app.example/?checkout=cancelled")
    );
    assert_eq!(
        fake.field("metadata[product]").as_deref(),
        Some("mpp2xml-pro")
    );
    let config = call(&app, get("/api/v1/config")).await.json();
    assert_eq!(config["payments"], true);
    assert_eq!(config["licence_required"], true);
}

#[tokio::test]
async fn a_subscription_checkout_asks_stripe_for_a_subscription() {
    let fake = Fake::default();
    let stripe = start_fake(fake.clone()).await;
    let dist = dist();
    let mut config = paid_config(dist.path(), Some(stripe));
    config.payments.stripe_mode = backend::StripeMode::Subscription;
    let app = backend::app(AppState::in_memory(config).await.unwrap());
    let answer = call(&app, checkout()).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(fake.field("mode").as_deref(), Some("subscription"));
}

#[tokio::test]
async fn a_stripe_refusal_or_an_unreachable_stripe_is_a_502_without_the_secret() {
    let fake = Fake {
        refuse: true,
        ..Fake::default()
    };
    let stripe = start_fake(fake.clone()).await;
    let dist = dist();
    let (app, _) = paid_service(dist.path(), Some(stripe)).await;
    let answer = call(&app, checkout()).await;
    answer.problem(502, "payment_provider");
    assert!(!answer.text().contains(SECRET_KEY));
    assert_eq!(fake.received.lock().unwrap().len(), 1);

    // Nothing listens on the port of a listener just closed.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let (app, _) = paid_service(dist.path(), Some(closed)).await;
    let answer = call(&app, checkout()).await;
    answer.problem(502, "payment_provider");
    assert!(!answer.text().contains(SECRET_KEY));
}

// ---------------------------------------------------------------------------------------
// The webhook and the licence.

#[tokio::test]
async fn a_paid_checkout_issues_one_licence_that_opens_the_gate() {
    let dist = dist();
    let (app, state) = paid_service(dist.path(), None).await;
    license(&app, "cs_test_1")
        .await
        .problem(409, "not_paid_yet");

    let body = completed("evt_1", "cs_test_1", "pi_1");
    deliver(&app, &body, false).await;
    let answer = license(&app, "cs_test_1").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let json = answer.json();
    assert_eq!(json["plan"], "pro");
    let token = json["token"].as_str().unwrap();
    let public = SigningKey::from_bytes(&SEED).verifying_key();
    let claims = licence::verify(token, &public, PUBLIC_URL, now()).unwrap();
    assert_eq!(claims.aud, PUBLIC_URL);
    assert!(claims.lid.starts_with("lic_"));
    assert_eq!(claims.features, licence::PRO_FEATURES.to_vec());
    assert_eq!(json["expires_at"], claims.exp);
    assert!(claims.exp >= now() + 364 * 86_400);

    // The replayed event (Stripe retrying, or an attacker replaying within the tolerance)
    // changes nothing.
    deliver(&app, &body, true).await;
    assert_eq!(state.store().licence_count().await.unwrap(), 1);
    assert_eq!(license(&app, "cs_test_1").await.json()["token"], token);

    // The gate: no token, then the token.
    let answer = call(&app, convert(None)).await;
    answer.problem(401, "licence_required");
    assert_eq!(answer.headers["www-authenticate"], "Bearer");
    call(&app, convert(Some(token)))
        .await
        .problem(400, "bad_request");

    let metrics = call(&backend::testing::metrics_app(), get("/metrics"))
        .await
        .text();
    assert!(metrics.contains("licences_issued_total 1"), "{metrics}");
    assert!(
        metrics.contains(
            r#"webhook_events_total{type="checkout.session.completed",outcome="issued"} 1"#
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            r#"webhook_events_total{type="checkout.session.completed",outcome="duplicate"} 1"#
        ),
        "{metrics}"
    );
}

#[tokio::test]
async fn bad_signatures_are_refused_and_change_nothing() {
    let dist = dist();
    let (app, state) = paid_service(dist.path(), None).await;
    let body = completed("evt_1", "cs_test_1", "pi_1");
    let t = now();
    let good = stripe_signature(&body, WEBHOOK_SECRET, t);
    let mut tampered = body.clone();
    let at = tampered.windows(4).position(|w| w == b"4900").unwrap();
    tampered[at] = b'1'; // the amount, as an attacker would lower it
    for (what, body, signature) in [
        ("tampered body", tampered.clone(), Some(good.clone())),
        (
            "wrong secret",
            body.clone(),
            Some(stripe_signature(&body, "whsec_attacker", t)),
        ),
        (
            "stale timestamp",
            body.clone(),
            Some(stripe_signature(&body, WEBHOOK_SECRET, t - 301)),
        ),
        (
            "future timestamp",
            body.clone(),
            Some(stripe_signature(&body, WEBHOOK_SECRET, t + 301)),
        ),
        (
            "timestamp moved to now",
            body.clone(),
            Some(
                stripe_signature(&body, WEBHOOK_SECRET, t - 3_600)
                    .replace(&format!("t={}", t - 3_600), &format!("t={t}")),
            ),
        ),
        ("missing header", body.clone(), None),
        ("no v1", body.clone(), Some(format!("t={t}"))),
        ("v0 only", body.clone(), Some(good.replace("v1=", "v0="))),
        ("garbage", body.clone(), Some("sig".to_owned())),
    ] {
        let answer = call(&app, webhook_with(&body, signature)).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{what}: {}",
            answer.text()
        );
        answer.problem(400, "bad_signature");
    }
    assert_eq!(state.store().licence_count().await.unwrap(), 0);
    assert_eq!(
        state.store().stripe_event_type("evt_1").await.unwrap(),
        None
    );
    license(&app, "cs_test_1")
        .await
        .problem(409, "not_paid_yet");
    // The genuine delivery still works afterwards.
    deliver(&app, &body, false).await;
    let metrics = call(&backend::testing::metrics_app(), get("/metrics"))
        .await
        .text();
    assert!(
        metrics.contains(r#"webhook_events_total{type="unknown",outcome="bad_signature"} 9"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_webhook_body_over_a_mebibyte_is_refused() {
    let dist = dist();
    let (app, _) = paid_service(dist.path(), None).await;
    let body = vec![b' '; (1 << 20) + 1];
    call(&app, webhook(&body)).await.problem(413, "too_large");
}

#[tokio::test]
async fn other_events_are_recorded_and_issue_nothing() {
    let dist = dist();
    let (app, state) = paid_service(dist.path(), None).await;
    deliver(
        &app,
        &event("evt_1", "invoice.paid", json!({"id": "in_1"})),
        false,
    )
    .await;
    assert_eq!(
        state
            .store()
            .stripe_event_type("evt_1")
            .await
            .unwrap()
            .as_deref(),
        Some("invoice.paid")
    );
    // A paid session of something else sold on the same Stripe account.
    let mut other: Value =
        serde_json::from_slice(&completed("evt_2", "cs_test_2", "pi_2")).unwrap();
    other["data"]["object"]["metadata"] = json!({"product": "consulting"});
    deliver(&app, &serde_json::to_vec(&other).unwrap(), false).await;
    // A session completed but not paid yet (a bank debit on its way).
    let mut unpaid: Value =
        serde_json::from_slice(&completed("evt_3", "cs_test_3", "pi_3")).unwrap();
    unpaid["data"]["object"]["payment_status"] = json!("unpaid");
    deliver(&app, &serde_json::to_vec(&unpaid).unwrap(), false).await;
    assert_eq!(state.store().licence_count().await.unwrap(), 0);
    license(&app, "cs_test_2")
        .await
        .problem(409, "not_paid_yet");
    // When the debit settles, the licence is issued.
    let mut settled = unpaid.clone();
    settled["id"] = json!("evt_4");
    settled["type"] = json!("checkout.session.async_payment_succeeded");
    settled["data"]["object"]["payment_status"] = json!("paid");
    deliver(&app, &serde_json::to_vec(&settled).unwrap(), false).await;
    assert_eq!(license(&app, "cs_test_3").await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_license_route_checks_its_session_id() {
    let dist = dist();
    let (app, _) = paid_service(dist.path(), None).await;
    for query in [
        "",
        "?session_id=",
        "?session_id=pi_123",
        "?session_id=cs_a%20b",
        "?other=1",
    ] {
        call(&app, get(&format!("/api/v1/license{query}")))
            .await
            .problem(400, "bad_request");
    }
}

/// Two instances on one SQLite file receive the same event at the same moment: one licence.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_event_at_two_instances_at_once_issues_one_licence() {
    let dist = dist();
    let data = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", data.path().join("shared.db").display());
    let mut apps = Vec::new();
    let mut states = Vec::new();
    for _ in 0..2 {
        let state = AppState::open(shared(paid_config(dist.path(), None), &url))
            .await
            .unwrap();
        apps.push(backend::app(state.clone()));
        states.push(state);
    }
    for round in 0..5 {
        let body = completed(&format!("evt_{round}"), &format!("cs_test_{round}"), "pi_1");
        let deliveries: Vec<_> = apps
            .iter()
            .flat_map(|app| [app.clone(), app.clone()])
            .map(|app| {
                let request = webhook(&body);
                tokio::spawn(async move { call(&app, request).await })
            })
            .collect();
        let mut duplicates = Vec::new();
        for delivery in deliveries {
            let answer = delivery.await.unwrap();
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
            duplicates.push(answer.json()["duplicate"].as_bool().unwrap());
        }
        duplicates.sort();
        assert_eq!(duplicates, [false, true, true, true], "round {round}");
    }
    assert_eq!(states[0].store().licence_count().await.unwrap(), 5);
    assert_eq!(states[1].store().licence_count().await.unwrap(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_revokes_the_licence_on_every_instance() {
    let dist = dist();
    let data = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", data.path().join("shared.db").display());
    let here = AppState::open(shared(paid_config(dist.path(), None), &url))
        .await
        .unwrap();
    let there = AppState::open(shared(paid_config(dist.path(), None), &url))
        .await
        .unwrap();
    let (app, other) = (backend::app(here.clone()), backend::app(there.clone()));
    let token = buy(&app, "evt_1", "cs_test_1", "pi_1").await;
    let kept = buy(&app, "evt_2", "cs_test_2", "pi_2").await;
    call(&app, convert(Some(&token)))
        .await
        .problem(400, "bad_request");
    call(&other, convert(Some(&token)))
        .await
        .problem(400, "bad_request");

    deliver(&app, &refunded("evt_3", "pi_1"), false).await;
    // At once on the instance that received the refund.
    call(&app, convert(Some(&token)))
        .await
        .problem(403, "licence_revoked");
    license(&app, "cs_test_1")
        .await
        .problem(403, "licence_revoked");
    // On the other one at its next read of the revoked licences (every few seconds).
    there
        .licensing()
        .unwrap()
        .refresh_revoked(there.store())
        .await
        .unwrap();
    call(&other, convert(Some(&token)))
        .await
        .problem(403, "licence_revoked");
    // The other licence is untouched.
    call(&app, convert(Some(&kept)))
        .await
        .problem(400, "bad_request");
    call(&other, convert(Some(&kept)))
        .await
        .problem(400, "bad_request");
    let metrics = call(&backend::testing::metrics_app(), get("/metrics"))
        .await
        .text();
    assert!(metrics.contains("licences_revoked_total 1"), "{metrics}");
}

#[tokio::test]
async fn a_cancelled_subscription_revokes_its_licence() {
    let dist = dist();
    let (app, _) = paid_service(dist.path(), None).await;
    let mut body: Value = serde_json::from_slice(&completed("evt_1", "cs_test_1", "pi_1")).unwrap();
    body["data"]["object"]["mode"] = json!("subscription");
    body["data"]["object"]["payment_intent"] = Value::Null;
    body["data"]["object"]["subscription"] = json!("sub_1");
    deliver(&app, &serde_json::to_vec(&body).unwrap(), false).await;
    let token = license(&app, "cs_test_1").await.json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    call(&app, convert(Some(&token)))
        .await
        .problem(400, "bad_request");
    let cancelled = event(
        "evt_2",
        "customer.subscription.deleted",
        json!({"id": "sub_1", "object": "subscription", "status": "canceled"}),
    );
    deliver(&app, &cancelled, false).await;
    call(&app, convert(Some(&token)))
        .await
        .problem(403, "licence_revoked");
}

// ---------------------------------------------------------------------------------------
// Tokens at the gate.

fn claims(exp: u64, features: Vec<Feature>) -> Claims {
    Claims {
        lid: "lic_test".to_owned(),
        plan: "pro".to_owned(),
        features,
        iat: now() - 10,
        exp,
        aud: PUBLIC_URL.to_owned(),
    }
}

#[tokio::test]
async fn forged_foreign_expired_and_narrow_tokens_are_refused() {
    let dist = dist();
    let (app, _) = paid_service(dist.path(), None).await;
    let key = SigningKey::from_bytes(&SEED);
    let good = licence::sign(&claims(now() + 3_600, licence::PRO_FEATURES.to_vec()), &key);
    call(&app, convert(Some(&good)))
        .await
        .problem(400, "bad_request");

    // The payload changed (a later expiry), the signature kept.
    let (_, signature) = good.rsplit_once('.').unwrap();
    let longer = URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(&claims(u64::MAX, licence::PRO_FEATURES.to_vec())).unwrap());
    let forged = format!("v1.{longer}.{signature}");
    // Signed with another key (someone else's server, or a key of their own).
    let foreign = licence::sign(
        &claims(now() + 3_600, licence::PRO_FEATURES.to_vec()),
        &SigningKey::from_bytes(&[1; 32]),
    );
    // The signature of a token of one's own moved onto other claims.
    let swapped = format!("{}.{signature}", forged.rsplit_once('.').unwrap().0);
    for (what, token) in [
        ("changed payload", forged.as_str()),
        ("wrong key", foreign.as_str()),
        ("signature swapped", swapped.as_str()),
        ("not a token", "hello"),
        ("truncated", &good[..good.len() - 5]),
        ("unsigned", &format!("v1.{longer}.")),
    ] {
        let answer = call(&app, convert(Some(token))).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{what}");
        answer.problem(401, "invalid_licence");
        assert!(
            answer.headers["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Bearer")
        );
    }
    let expired = licence::sign(&claims(now() - 1, licence::PRO_FEATURES.to_vec()), &key);
    call(&app, convert(Some(&expired)))
        .await
        .problem(403, "licence_expired");
    let batch_only = licence::sign(&claims(now() + 3_600, vec![Feature::Batch]), &key);
    call(&app, convert(Some(&batch_only)))
        .await
        .problem(403, "licence_missing_feature");
    let api_only = licence::sign(&claims(now() + 3_600, vec![Feature::Api]), &key);
    call(&app, convert(Some(&api_only)))
        .await
        .problem(400, "bad_request");
    // Another scheme is no licence.
    let basic = Request::post("/api/v1/convert")
        .header("authorization", "Basic dXNlcjpwYXNz")
        .body(Body::empty())
        .unwrap();
    call(&app, basic).await.problem(401, "licence_required");
}

// ---------------------------------------------------------------------------------------
// Refunds, disputes and subscriptions, delivered in any order and more than once.

fn dispute(id: &str, dispute: &str, intent: &str, status: &str, created: u64) -> Vec<u8> {
    let kind = match status {
        "won" | "lost" => "charge.dispute.closed",
        _ => "charge.dispute.created",
    };
    let mut body: Value = serde_json::from_slice(&event(
        id,
        kind,
        json!({"id": dispute, "object": "dispute", "amount": 4900, "charge": "ch_1",
               "payment_intent": intent, "reason": "fraudulent", "status": status}),
    ))
    .unwrap();
    body["created"] = json!(created);
    serde_json::to_vec(&body).unwrap()
}

/// Whether the gate lets `token` through (past it, the empty request is a 400).
async fn passes(app: &Router, token: &str) -> bool {
    let answer = call(app, convert(Some(token))).await;
    match answer.status {
        StatusCode::BAD_REQUEST => true,
        StatusCode::FORBIDDEN => {
            answer.problem(403, "licence_revoked");
            false
        }
        other => panic!("{other}: {}", answer.text()),
    }
}

#[tokio::test]
async fn a_refund_before_its_purchase_event_gives_a_licence_born_revoked() {
    let dist = dist();
    let (app, state) = paid_service(dist.path(), None).await;
    // Stripe delivers the refund first (the purchase event failed and is retried later), twice.
    let refund = refunded("evt_refund", "pi_1");
    deliver(&app, &refund, false).await;
    deliver(&app, &refund, true).await;
    // The purchase event arrives: the licence exists, revoked from birth.
    deliver(&app, &completed("evt_paid", "cs_test_1", "pi_1"), false).await;
    assert_eq!(state.store().licence_count().await.unwrap(), 1);
    license(&app, "cs_test_1")
        .await
        .problem(403, "licence_revoked");
    let stored = state
        .store()
        .licence_for_session("cs_test_1")
        .await
        .unwrap()
        .unwrap();
    assert!(stored.revoked_at.is_some());
    // Its token, had anyone got it, is refused at once and after a re-read of the database.
    let token = state.licensing().unwrap().token_for(&stored);
    assert!(!passes(&app, &token).await);
    state
        .licensing()
        .unwrap()
        .refresh_revoked(state.store())
        .await
        .unwrap();
    assert!(!passes(&app, &token).await);
    // The retried purchase event changes nothing.
    deliver(&app, &completed("evt_paid", "cs_test_1", "pi_1"), true).await;
    // Another payment is untouched.
    let other = buy(&app, "evt_other", "cs_test_2", "pi_2").await;
    assert!(passes(&app, &other).await);
}

#[tokio::test]
async fn a_dispute_revokes_and_a_won_dispute_restores() {
    let dist = dist();
    let (app, state) = paid_service(dist.path(), None).await;
    let t = now();
    let won = buy(&app, "evt_1", "cs_test_1", "pi_won").await;
    let lost = buy(&app, "evt_2", "cs_test_2", "pi_lost").await;
    assert!(passes(&app, &won).await && passes(&app, &lost).await);

    // Opened: both revoked at once (a duplicate delivery changes nothing).
    let opened = dispute("evt_3", "dp_won", "pi_won", "needs_response", t);
    deliver(&app, &opened, false).await;
    deliver(&app, &opened, true).await;
    deliver(
        &app,
        &dispute("evt_4", "dp_lost", "pi_lost", "needs_response", t),
        false,
    )
    .await;
    assert!(!passes(&app, &won).await);
    assert!(!passes(&app, &lost).await);
    license(&app, "cs_test_1")
        .await
        .problem(403, "licence_revoked");

    // Won: restored, here at once and on a re-read of the database; lost: stays revoked.
    deliver(
        &app,
        &dispute("evt_5", "dp_won", "pi_won", "won", t + 10),
        false,
    )
    .await;
    deliver(
        &app,
        &dispute("evt_6", "dp_lost", "pi_lost", "lost", t + 10),
        false,
    )
    .await;
    assert!(passes(&app, &won).await);
    assert!(!passes(&app, &lost).await);
    state
        .licensing()
        .unwrap()
        .refresh_revoked(state.store())
        .await
        .unwrap();
    assert!(passes(&app, &won).await);
    assert!(!passes(&app, &lost).await);
    assert_eq!(license(&app, "cs_test_1").await.json()["token"], won);

    // An `updated` event made before the win, delivered after it, does not revoke again.
    let mut late: Value =
        serde_json::from_slice(&dispute("evt_7", "dp_won", "pi_won", "under_review", t + 5))
            .unwrap();
    late["type"] = json!("charge.dispute.updated");
    deliver(&app, &serde_json::to_vec(&late).unwrap(), false).await;
    assert!(passes(&app, &won).await);

    // Won before the opening arrived (out of order), for a third payment: never revoked.
    let early = buy(&app, "evt_8", "cs_test_3", "pi_early").await;
    deliver(
        &app,
        &dispute("evt_9", "dp_early", "pi_early", "won", t + 10),
        false,
    )
    .await;
    deliver(
        &app,
        &dispute("evt_10", "dp_early", "pi_early", "needs_response", t),
        false,
    )
    .await;
    assert!(passes(&app, &early).await);
}

fn subscription_completed(id: &str, session: &str, subscription: &str) -> Vec<u8> {
    let mut body: Value = serde_json::from_slice(&completed(id, session, "pi_unused")).unwrap();
    body["data"]["object"]["mode"] = json!("subscription");
    body["data"]["object"]["payment_intent"] = Value::Null;
    body["data"]["object"]["subscription"] = json!(subscription);
    serde_json::to_vec(&body).unwrap()
}

/// `invoice.paid` for `subscription`'s period `start..end`, in the shape of API versions since
/// 2025-03-31 (`parent.subscription_details`), whose `period_end` is the period before.
fn invoice_paid(id: &str, subscription: &str, start: u64, end: u64) -> Vec<u8> {
    event(
        id,
        "invoice.paid",
        json!({"id": format!("in_{id}"), "object": "invoice", "status": "paid",
               "billing_reason": "subscription_cycle", "period_start": start - 1_000,
               "period_end": start,
               "parent": {"type": "subscription_details",
                          "subscription_details": {"subscription": subscription}},
               "lines": {"object": "list", "data": [
                   {"id": "il_1", "object": "line_item", "amount": 4900,
                    "period": {"start": start, "end": end}}]}}),
    )
}

fn bearer_license(token: &str) -> Request<Body> {
    Request::get("/api/v1/license")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap()
}

fn expiry(token: &str) -> u64 {
    let public = SigningKey::from_bytes(&SEED).verifying_key();
    licence::verify(token, &public, PUBLIC_URL, now())
        .unwrap()
        .exp
}

const GRACE: u64 = 3 * 86_400;

#[tokio::test]
async fn a_subscription_licence_follows_its_paid_period_and_ends_with_it() {
    let dist = dist();
    let mut config = paid_config(dist.path(), None);
    config.payments.stripe_mode = backend::StripeMode::Subscription;
    let app = backend::app(AppState::in_memory(config).await.unwrap());
    let t = now();
    let month = 30 * 86_400;

    // The first invoice's event arrives before the Checkout Session's (as Stripe often sends
    // them): the licence lasts the period paid for, plus the grace, not 365 days.
    deliver(&app, &invoice_paid("evt_1", "sub_1", t, t + month), false).await;
    deliver(
        &app,
        &subscription_completed("evt_2", "cs_test_1", "sub_1"),
        false,
    )
    .await;
    let answer = license(&app, "cs_test_1").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let token = answer.json()["token"].as_str().unwrap().to_owned();
    assert_eq!(expiry(&token), t + month + GRACE);
    assert_eq!(answer.json()["expires_at"], t + month + GRACE);
    assert!(passes(&app, &token).await);

    // Renewed: the licence's current token, asked for with the one held, lasts a month more.
    let renewal = invoice_paid("evt_3", "sub_1", t + month, t + 2 * month);
    deliver(&app, &renewal, false).await;
    deliver(&app, &renewal, true).await;
    let renewed = call(&app, bearer_license(&token)).await;
    assert_eq!(renewed.status, StatusCode::OK, "{}", renewed.text());
    let renewed = renewed.json()["token"].as_str().unwrap().to_owned();
    assert_eq!(expiry(&renewed), t + 2 * month + GRACE);
    assert_eq!(
        license(&app, "cs_test_1").await.json()["token"],
        renewed.as_str()
    );
    // The first invoice's event delivered again late (another id: a resend) shortens nothing.
    deliver(&app, &invoice_paid("evt_4", "sub_1", t, t + month), false).await;
    assert_eq!(
        expiry(
            license(&app, "cs_test_1").await.json()["token"]
                .as_str()
                .unwrap()
        ),
        t + 2 * month + GRACE
    );

    // A Checkout Session whose invoice comes later: the grace until then, then the period.
    deliver(
        &app,
        &subscription_completed("evt_5", "cs_test_2", "sub_2"),
        false,
    )
    .await;
    let early = license(&app, "cs_test_2").await.json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let early_exp = expiry(&early);
    assert!(
        early_exp >= t + GRACE && early_exp <= now() + GRACE,
        "{early_exp}"
    );
    deliver(&app, &invoice_paid("evt_6", "sub_2", t, t + month), false).await;
    assert_eq!(
        expiry(
            call(&app, bearer_license(&early)).await.json()["token"]
                .as_str()
                .unwrap()
        ),
        t + month + GRACE
    );

    // Cancelled: revoked, and a renewal delivered after does not bring it back.
    deliver(
        &app,
        &event(
            "evt_7",
            "customer.subscription.deleted",
            json!({"id": "sub_1", "object": "subscription", "status": "canceled"}),
        ),
        false,
    )
    .await;
    assert!(!passes(&app, &renewed).await);
    deliver(
        &app,
        &invoice_paid("evt_8", "sub_1", t + 2 * month, t + 3 * month),
        false,
    )
    .await;
    assert!(!passes(&app, &renewed).await);
    call(&app, bearer_license(&renewed))
        .await
        .problem(403, "licence_revoked");

    // Ended before its Checkout Session's event arrived: born revoked.
    deliver(
        &app,
        &event(
            "evt_9",
            "customer.subscription.deleted",
            json!({"id": "sub_3", "object": "subscription", "status": "canceled"}),
        ),
        false,
    )
    .await;
    deliver(
        &app,
        &subscription_completed("evt_10", "cs_test_3", "sub_3"),
        false,
    )
    .await;
    license(&app, "cs_test_3")
        .await
        .problem(403, "licence_revoked");
}

// ---------------------------------------------------------------------------------------
// Chargebacks of subscription invoices: a refund or a dispute names only the PaymentIntent,
// which the subscription's Checkout Session does not have; its invoices tell which it was.

/// A service selling the subscription.
async fn subscription_service(dist: &std::path::Path) -> (Router, AppState) {
    let mut config = paid_config(dist, None);
    config.payments.stripe_mode = backend::StripeMode::Subscription;
    let state = AppState::in_memory(config).await.unwrap();
    (backend::app(state.clone()), state)
}

/// `invoice.paid` for `subscription`'s period `start..end`, paid with `intent` and `charge`, in
/// the shape of API versions before 2025-03-31: `subscription`, `payment_intent` and `charge`
/// at the top.
fn invoice_paid_before_basil(
    id: &str,
    subscription: &str,
    intent: &str,
    charge: &str,
    start: u64,
    end: u64,
) -> Vec<u8> {
    event(
        id,
        "invoice.paid",
        json!({"id": format!("in_{id}"), "object": "invoice", "status": "paid", "paid": true,
               "billing_reason": "subscription_cycle", "subscription": subscription,
               "payment_intent": intent, "charge": charge,
               "period_start": start - 1_000, "period_end": start,
               "lines": {"object": "list", "data": [
                   {"id": "il_1", "object": "line_item", "amount": 4900,
                    "period": {"start": start, "end": end}}]}}),
    )
}

/// `invoice.paid` for `subscription`'s period `start..end`, paid with `intent`, in the shape of
/// API versions since 2025-03-31: the subscription under `parent`, the payments under
/// `payments.data[].payment` (here with a failed attempt before the one that paid).
fn invoice_paid_since_basil(
    id: &str,
    subscription: &str,
    intent: &str,
    start: u64,
    end: u64,
) -> Vec<u8> {
    let mut body: Value =
        serde_json::from_slice(&invoice_paid(id, subscription, start, end)).unwrap();
    body["api_version"] = json!("2025-03-31.basil");
    body["data"]["object"]["payments"] = json!({"object": "list", "has_more": false, "data": [
        {"id": "inpay_1", "object": "invoice_payment", "status": "canceled",
         "payment": {"type": "payment_intent", "payment_intent": format!("{intent}_failed")}},
        {"id": "inpay_2", "object": "invoice_payment", "status": "paid", "is_default": true,
         "payment": {"type": "payment_intent", "payment_intent": intent}}]});
    serde_json::to_vec(&body).unwrap()
}

/// A full refund of the charge `charge` of `intent`.
fn charge_refunded(id: &str, charge: &str, intent: &str) -> Vec<u8> {
    event(
        id,
        "charge.refunded",
        json!({"id": charge, "object": "charge", "payment_intent": intent, "refunded": true,
               "amount": 4900, "amount_refunded": 4900}),
    )
}

/// Subscribes through `session` (`sub` its subscription) and fetches the token.
async fn subscribe(app: &Router, event_id: &str, session: &str, sub: &str) -> String {
    deliver(app, &subscription_completed(event_id, session, sub), false).await;
    let answer = license(app, session).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    answer.json()["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_refunded_renewal_invoice_revokes_the_subscription_licence() {
    let dist = dist();
    let (app, state) = subscription_service(dist.path()).await;
    let t = now();
    let month = 30 * 86_400;
    let token = subscribe(&app, "evt_1", "cs_test_1", "sub_1").await;
    let kept = subscribe(&app, "evt_2", "cs_test_2", "sub_2").await;
    deliver(
        &app,
        &invoice_paid_since_basil("evt_3", "sub_1", "pi_first", t, t + month),
        false,
    )
    .await;
    let renewal = invoice_paid_before_basil(
        "evt_4",
        "sub_1",
        "pi_renewal",
        "ch_renewal",
        t + month,
        t + 2 * month,
    );
    deliver(&app, &renewal, false).await;
    deliver(
        &app,
        &invoice_paid_since_basil("evt_5", "sub_2", "pi_other", t, t + month),
        false,
    )
    .await;
    assert!(passes(&app, &token).await);

    // The renewal refunded: revoked here at once, for the licence route, and on a re-read.
    let refund = charge_refunded("evt_6", "ch_renewal", "pi_renewal");
    deliver(&app, &refund, false).await;
    deliver(&app, &refund, true).await;
    assert!(!passes(&app, &token).await);
    license(&app, "cs_test_1")
        .await
        .problem(403, "licence_revoked");
    call(&app, bearer_license(&token))
        .await
        .problem(403, "licence_revoked");
    state
        .licensing()
        .unwrap()
        .refresh_revoked(state.store())
        .await
        .unwrap();
    assert!(!passes(&app, &token).await);
    // A renewal paid after does not bring it back; the other subscription is untouched.
    deliver(
        &app,
        &invoice_paid_since_basil("evt_7", "sub_1", "pi_third", t + 2 * month, t + 3 * month),
        false,
    )
    .await;
    assert!(!passes(&app, &token).await);
    assert!(passes(&app, &kept).await);
}

#[tokio::test]
async fn a_disputed_subscription_invoice_revokes_and_a_won_dispute_restores() {
    let dist = dist();
    let (app, state) = subscription_service(dist.path()).await;
    let t = now();
    let month = 30 * 86_400;
    let won = subscribe(&app, "evt_1", "cs_test_1", "sub_won").await;
    let lost = subscribe(&app, "evt_2", "cs_test_2", "sub_lost").await;
    deliver(
        &app,
        &invoice_paid_before_basil("evt_3", "sub_won", "pi_won", "ch_won", t, t + month),
        false,
    )
    .await;
    deliver(
        &app,
        &invoice_paid_since_basil("evt_4", "sub_lost", "pi_lost", t, t + month),
        false,
    )
    .await;

    deliver(
        &app,
        &dispute("evt_5", "dp_won", "pi_won", "needs_response", t),
        false,
    )
    .await;
    deliver(
        &app,
        &dispute("evt_6", "dp_lost", "pi_lost", "needs_response", t),
        false,
    )
    .await;
    assert!(!passes(&app, &won).await);
    assert!(!passes(&app, &lost).await);
    license(&app, "cs_test_1")
        .await
        .problem(403, "licence_revoked");

    deliver(
        &app,
        &dispute("evt_7", "dp_won", "pi_won", "won", t + 10),
        false,
    )
    .await;
    deliver(
        &app,
        &dispute("evt_8", "dp_lost", "pi_lost", "lost", t + 10),
        false,
    )
    .await;
    assert!(passes(&app, &won).await);
    assert!(!passes(&app, &lost).await);
    state
        .licensing()
        .unwrap()
        .refresh_revoked(state.store())
        .await
        .unwrap();
    assert!(passes(&app, &won).await);
    assert!(!passes(&app, &lost).await);
    let answer = license(&app, "cs_test_1").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.json()["expires_at"], t + month + GRACE);
}

#[tokio::test]
async fn a_refund_before_its_invoice_and_the_invoice_before_the_session_give_a_licence_born_revoked()
 {
    let dist = dist();
    let (app, state) = subscription_service(dist.path()).await;
    let t = now();
    let month = 30 * 86_400;
    // The refund first, then the invoice, then the Checkout Session.
    deliver(&app, &charge_refunded("evt_1", "ch_1", "pi_1"), false).await;
    deliver(
        &app,
        &invoice_paid_since_basil("evt_2", "sub_1", "pi_1", t, t + month),
        false,
    )
    .await;
    deliver(
        &app,
        &subscription_completed("evt_3", "cs_test_1", "sub_1"),
        false,
    )
    .await;
    assert_eq!(state.store().licence_count().await.unwrap(), 1);
    license(&app, "cs_test_1")
        .await
        .problem(403, "licence_revoked");
    let stored = state
        .store()
        .licence_for_session("cs_test_1")
        .await
        .unwrap()
        .unwrap();
    assert!(stored.revoked_at.is_some());
    let token = state.licensing().unwrap().token_for(&stored);
    assert!(!passes(&app, &token).await);

    // The invoice, then the dispute, then the Checkout Session: born revoked too; the dispute
    // won restores it with the period the invoice paid for.
    deliver(
        &app,
        &invoice_paid_before_basil("evt_4", "sub_2", "pi_2", "ch_2", t, t + month),
        false,
    )
    .await;
    deliver(
        &app,
        &dispute("evt_5", "dp_2", "pi_2", "needs_response", t),
        false,
    )
    .await;
    deliver(
        &app,
        &subscription_completed("evt_6", "cs_test_2", "sub_2"),
        false,
    )
    .await;
    license(&app, "cs_test_2")
        .await
        .problem(403, "licence_revoked");
    deliver(
        &app,
        &dispute("evt_7", "dp_2", "pi_2", "won", t + 10),
        false,
    )
    .await;
    let answer = license(&app, "cs_test_2").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.json()["expires_at"], t + month + GRACE);
    assert!(passes(&app, answer.json()["token"].as_str().unwrap()).await);

    // The Checkout Session, then the refund, then its invoice: revoked when the invoice comes.
    let late = subscribe(&app, "evt_8", "cs_test_3", "sub_3").await;
    deliver(&app, &charge_refunded("evt_9", "ch_3", "pi_3"), false).await;
    assert!(passes(&app, &late).await);
    deliver(
        &app,
        &invoice_paid_since_basil("evt_10", "sub_3", "pi_3", t, t + month),
        false,
    )
    .await;
    assert!(!passes(&app, &late).await);
    license(&app, "cs_test_3")
        .await
        .problem(403, "licence_revoked");
}

/// `invoice_payment.paid` (API versions since 2025-03-31): `intent` paid `invoice` (its id, or
/// the Invoice expanded), in the shape of Stripe's Invoice Payment object.
fn invoice_payment_paid(id: &str, invoice: Value, intent: &str) -> Vec<u8> {
    let mut body: Value = serde_json::from_slice(&event(
        id,
        "invoice_payment.paid",
        json!({"id": format!("inpay_{id}"), "object": "invoice_payment", "amount_paid": 4900,
               "amount_requested": 4900, "currency": "eur", "invoice": invoice,
               "is_default": true, "livemode": false, "status": "paid",
               "payment": {"type": "payment_intent", "payment_intent": intent},
               "status_transitions": {"canceled_at": null, "paid_at": now()}}),
    ))
    .unwrap();
    body["api_version"] = json!("2025-03-31.basil");
    serde_json::to_vec(&body).unwrap()
}

/// `invoice.paid` as API versions since 2025-03-31 send it unless `payments` is expanded:
/// without the payment, which `invoice_payment.paid` names.
fn invoice_paid_basil_without_payments(
    id: &str,
    subscription: &str,
    start: u64,
    end: u64,
) -> Vec<u8> {
    let mut body: Value =
        serde_json::from_slice(&invoice_paid(id, subscription, start, end)).unwrap();
    body["api_version"] = json!("2025-03-31.basil");
    serde_json::to_vec(&body).unwrap()
}

#[tokio::test]
async fn an_invoice_payment_links_an_invoice_without_payments_so_its_refund_revokes() {
    let dist = dist();
    let (app, state) = subscription_service(dist.path()).await;
    let t = now();
    let month = 30 * 86_400;
    // The invoice (its id `in_evt_2`), then its payment, delivered twice.
    let token = subscribe(&app, "evt_1", "cs_test_1", "sub_1").await;
    deliver(
        &app,
        &invoice_paid_basil_without_payments("evt_2", "sub_1", t, t + month),
        false,
    )
    .await;
    let paid = invoice_payment_paid("evt_3", json!("in_evt_2"), "pi_1");
    deliver(&app, &paid, false).await;
    deliver(&app, &paid, true).await;
    assert!(passes(&app, &token).await);
    deliver(&app, &charge_refunded("evt_4", "ch_1", "pi_1"), false).await;
    assert!(!passes(&app, &token).await);
    license(&app, "cs_test_1")
        .await
        .problem(403, "licence_revoked");

    // The payment (its invoice expanded) first, then the invoice, then the Checkout Session.
    deliver(
        &app,
        &invoice_payment_paid(
            "evt_5",
            json!({"id": "in_evt_6", "object": "invoice", "status": "paid"}),
            "pi_2",
        ),
        false,
    )
    .await;
    deliver(
        &app,
        &invoice_paid_basil_without_payments("evt_6", "sub_2", t, t + month),
        false,
    )
    .await;
    let second = subscribe(&app, "evt_7", "cs_test_2", "sub_2").await;
    assert!(passes(&app, &second).await);
    deliver(&app, &charge_refunded("evt_8", "ch_2", "pi_2"), false).await;
    assert!(!passes(&app, &second).await);

    // Read back from the database, as every instance does.
    state
        .licensing()
        .unwrap()
        .refresh_revoked(state.store())
        .await
        .unwrap();
    assert!(!passes(&app, &token).await);
    assert!(!passes(&app, &second).await);
    assert_eq!(
        state.store().stripe_event_type("evt_3").await.unwrap(),
        Some("invoice_payment.paid".to_owned())
    );
    let metrics = call(&backend::testing::metrics_app(), get("/metrics"))
        .await
        .text();
    assert!(
        metrics.contains(r#"type="invoice_payment.paid""#),
        "{metrics}"
    );
}

#[tokio::test]
async fn duplicated_deliveries_of_subscription_chargebacks_change_nothing() {
    let dist = dist();
    let (app, state) = subscription_service(dist.path()).await;
    let t = now();
    let month = 30 * 86_400;
    let invoice = invoice_paid_since_basil("evt_invoice", "sub_1", "pi_1", t, t + month);
    let session = subscription_completed("evt_session", "cs_test_1", "sub_1");
    let opened = dispute("evt_opened", "dp_1", "pi_1", "needs_response", t);
    let won = dispute("evt_won", "dp_1", "pi_1", "won", t + 10);
    // Every event twice, the invoice before the session.
    deliver(&app, &invoice, false).await;
    deliver(&app, &invoice, true).await;
    deliver(&app, &session, false).await;
    deliver(&app, &session, true).await;
    let token = license(&app, "cs_test_1").await.json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(passes(&app, &token).await);
    deliver(&app, &opened, false).await;
    deliver(&app, &opened, true).await;
    assert!(!passes(&app, &token).await);
    deliver(&app, &won, false).await;
    deliver(&app, &won, true).await;
    assert!(passes(&app, &token).await);
    // The opening retried after the win, and the invoice again (a resend: another id).
    deliver(&app, &opened, true).await;
    deliver(
        &app,
        &invoice_paid_since_basil("evt_resent", "sub_1", "pi_1", t, t + month),
        false,
    )
    .await;
    assert!(passes(&app, &token).await);
    assert_eq!(state.store().licence_count().await.unwrap(), 1);
    // A refund delivered three times revokes it, once.
    let refund = charge_refunded("evt_refund", "ch_1", "pi_1");
    deliver(&app, &refund, false).await;
    deliver(&app, &refund, true).await;
    deliver(&app, &refund, true).await;
    assert!(!passes(&app, &token).await);
    let metrics = call(&backend::testing::metrics_app(), get("/metrics"))
        .await
        .text();
    assert!(metrics.contains("licences_revoked_total 2"), "{metrics}");
}

#[tokio::test]
async fn the_licence_route_renews_only_genuine_tokens_of_this_site() {
    let dist = dist();
    let (app, _) = paid_service(dist.path(), None).await;
    let token = buy(&app, "evt_1", "cs_test_1", "pi_1").await;
    let answer = call(&app, bearer_license(&token)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.json()["token"], token);
    let key = SigningKey::from_bytes(&SEED);
    let unknown = licence::sign(&claims(now() + 60, licence::PRO_FEATURES.to_vec()), &key);
    call(&app, bearer_license(&unknown))
        .await
        .problem(404, "unknown_licence");
    let foreign = licence::sign(
        &claims(now() + 60, licence::PRO_FEATURES.to_vec()),
        &SigningKey::from_bytes(&[1; 32]),
    );
    call(&app, bearer_license(&foreign))
        .await
        .problem(401, "invalid_licence");
    call(&app, get("/api/v1/license"))
        .await
        .problem(400, "bad_request");
}

// ---------------------------------------------------------------------------------------
// The audience.

#[tokio::test]
async fn a_token_for_another_site_sharing_the_key_is_refused_with_a_sentence() {
    let dist = dist();
    let (app, _) = paid_service(dist.path(), None).await;
    let key = SigningKey::from_bytes(&SEED);
    let staging = Claims {
        aud: "https://staging.app.example".to_owned(),
        ..claims(now() + 3_600, licence::PRO_FEATURES.to_vec())
    };
    let answer = call(&app, convert(Some(&licence::sign(&staging, &key)))).await;
    let problem = answer.problem(401, "invalid_licence");
    assert_eq!(
        problem["detail"],
        "this licence was issued for another site (https://staging.app.example) and cannot be \
         used on https://app.example"
    );
    // A token from before audiences (an empty one; the licence crate's tests cover a token
    // with no `aud` at all): refused, saying so.
    let old = licence::sign(
        &Claims {
            aud: String::new(),
            ..claims(now() + 3_600, licence::PRO_FEATURES.to_vec())
        },
        &key,
    );
    let problem = call(&app, convert(Some(&old)))
        .await
        .problem(401, "invalid_licence");
    assert!(
        problem["detail"].as_str().unwrap().contains("an old token"),
        "{problem}"
    );
    // This site's own token passes.
    let own = licence::sign(&claims(now() + 3_600, licence::PRO_FEATURES.to_vec()), &key);
    call(&app, convert(Some(&own)))
        .await
        .problem(400, "bad_request");
}

// ---------------------------------------------------------------------------------------
// Live mode, key files and secrets.

#[tokio::test]
async fn with_a_live_stripe_key_the_server_refuses_to_start_without_a_licence_key() {
    let dist = dist();
    let data = tempfile::tempdir().unwrap();
    let key_file = data.path().join("licence.key");
    let mut config = paid_config(dist.path(), None);
    config.payments.stripe_secret_key = Some("sk_live_real_money".into());
    config.payments.licence_key = None;
    config.payments.licence_key_file = key_file.clone();
    let error = AppState::in_memory(config.clone()).await.unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("Stripe is in live mode but no licence key is configured"),
        "{error}"
    );
    assert!(!key_file.exists(), "no key is made up");
    // A key file readable by others is refused, whatever the mode.
    let seed = licence::signing_key_to_text(&SigningKey::from_bytes(&SEED));
    std::fs::write(&key_file, &seed).unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let error = AppState::in_memory(config.clone()).await.unwrap_err();
    assert!(
        error.to_string().contains("can be read by other users"),
        "{error}"
    );
    let mut test_mode = config.clone();
    test_mode.payments.stripe_secret_key = Some(SECRET_KEY.into());
    assert!(AppState::in_memory(test_mode).await.is_err());
    // Private, it is used.
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let state = AppState::in_memory(config).await.unwrap();
    assert_eq!(
        state.licensing().unwrap().public_key(),
        &SigningKey::from_bytes(&SEED).verifying_key()
    );
}

/// The server binary, run with `args` and `env` only (nothing inherited), until it exits.
fn server_process(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_mpp2xml-server"))
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn secrets_are_refused_as_command_line_options_and_read_from_the_environment_or_files() {
    for flag in [
        "--stripe-secret-key",
        "--stripe-webhook-secret",
        "--licence-key",
    ] {
        let out = server_process(&[flag, "sk_live_visible_in_proc"], &[]);
        assert_eq!(out.status.code(), Some(2), "{flag}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("unexpected argument"), "{flag}: {stderr}");
    }
    // From the environment: a live key, and no licence key, so the server refuses to start
    // (after reading the secrets, before listening).
    let dist = dist();
    let data = tempfile::tempdir().unwrap();
    let key_file = data.path().join("licence.key");
    let webhook_file = data.path().join("webhook");
    std::fs::write(&webhook_file, format!("{WEBHOOK_SECRET}\n")).unwrap();
    let out = server_process(
        &[
            "--addr",
            "127.0.0.1:0",
            "--dist",
            dist.path().to_str().unwrap(),
            "--stripe-webhook-secret-file",
            webhook_file.to_str().unwrap(),
            "--licence-key-file",
            key_file.to_str().unwrap(),
        ],
        &[
            ("DATABASE_URL", "sqlite::memory:"),
            ("STRIPE_SECRET_KEY", "sk_live_from_the_environment"),
            ("STRIPE_PRICE_ID", PRICE),
            ("MPP2XML_PUBLIC_URL", "https://app.example"),
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    assert!(
        stdout.contains("Stripe is in live mode but no licence key is configured"),
        "{stdout}"
    );
    assert!(!stdout.contains("sk_live_from_the_environment"), "{stdout}");
    assert!(!key_file.exists());
}
