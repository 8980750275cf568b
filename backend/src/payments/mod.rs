//! Payments: Stripe Checkout sells Pro, Stripe's webhook tells this server what was paid, and
//! the browser fetches the licence token for its session.
//!
//! - `POST /api/v1/checkout` creates a Checkout Session for the configured price and answers
//!   its URL; Checkout sends the user back to `<public-url>/?session_id=…` (or
//!   `?checkout=cancelled`).
//! - `POST /api/v1/stripe/webhook` checks the `Stripe-Signature` ([`signature`]), reads the
//!   event ([`events`]) and applies it exactly once ([`Store::apply_stripe_event`]): a paid
//!   session of this product issues a licence; a full refund, a dispute or an ended
//!   subscription revokes it, and a dispute won restores it; a subscription's paid invoice
//!   moves its expiry to the end of the period paid for (plus a grace), and records the
//!   PaymentIntent that paid it (named by the invoice, or, since API version 2025-03-31, by
//!   `invoice_payment.paid` joined to the invoice by its id), so that a refund or dispute of
//!   any of its invoices (which names only that payment) revokes the subscription's licence
//!   too. Refunds, disputes, paid periods, invoice payments and ends are recorded by Stripe's
//!   ids even before their purchase arrives, so the order of delivery does not matter.
//! - `GET /api/v1/license?session_id=cs_…` hands over the licence token once the webhook has
//!   arrived (409 before); with `Authorization: Bearer <token>` instead, the current token of
//!   that licence (a subscription's renewed expiry).
//!
//! Without the three Stripe settings these routes answer 503 `payments_not_configured`.
//!
//! [`Store::apply_stripe_event`]: crate::storage::Store::apply_stripe_event

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRef, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use stripe_checkout::checkout_session::{CreateCheckoutSession, CreateCheckoutSessionLineItems};

use crate::config::Config;
use crate::licensing::{self, KeyError, KeyOrigin, Licensing};
use crate::problem::Problem;
use crate::rate_limit::RateLimits;
use crate::same_origin::{self, SiteOrigins};
use crate::storage::{
    EventEffect, EventOutcome, NewLicence, NewPayment, NewReversal, Store, SubscriptionPayment,
};

pub mod config;
pub mod events;
pub mod signature;

use config::SUBSCRIPTION_GRACE_SECS;
pub use config::{PaymentsConfig, PaymentsConfigError, Secret, StripeMode, StripeSettings};
use events::{Action, Event};

/// The largest webhook body read; Stripe's events are a few KiB.
pub const WEBHOOK_MAX_BYTES: usize = 1 << 20;
/// How long one request to Stripe may take before the checkout answers 502.
const STRIPE_TIMEOUT: Duration = Duration::from_secs(15);
/// What the browser polling `/license` before the webhook arrived waits before asking again.
const NOT_PAID_RETRY_AFTER: Duration = Duration::from_secs(2);
/// The longest session id accepted (Stripe's are about 70 characters).
const MAX_SESSION_ID_LEN: usize = 255;

/// Why payments could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum PaymentsError {
    /// The settings are incomplete or wrong.
    #[error(transparent)]
    Config(#[from] PaymentsConfigError),
    /// The licence key could not be had.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The Stripe client refused its settings.
    #[error("the Stripe client cannot be set up: {0}")]
    Client(String),
}

/// Payments when configured: the Stripe client and settings, and the licences.
pub struct Payments {
    client: stripe::Client,
    settings: StripeSettings,
    licensing: Arc<Licensing>,
}

impl std::fmt::Debug for Payments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Payments")
            .field("settings", &self.settings)
            .field("licensing", &self.licensing)
            .finish_non_exhaustive()
    }
}

impl Payments {
    /// Payments for `config` listening on `addr`, or `None` when Stripe is not configured (a
    /// free server). Reads or creates the licence key.
    pub fn from_config(
        config: &PaymentsConfig,
        addr: std::net::SocketAddr,
    ) -> Result<Option<Self>, PaymentsError> {
        let Some(settings) = config.stripe(addr)? else {
            return Ok(None);
        };
        let (key, origin) = licensing::load_or_create_key(config)?;
        match &origin {
            KeyOrigin::Configured => tracing::info!("licence key from MPP2XML_LICENCE_KEY"),
            KeyOrigin::File(path) => {
                tracing::info!(file = %path.display(), "licence key read");
            }
            KeyOrigin::Created(path) => tracing::warn!(
                file = %path.display(),
                "generated a development licence key; keep this file (or set MPP2XML_LICENCE_KEY \
                 in production), or the licences issued with it stop working"
            ),
        }
        if config.public_url.is_none() {
            tracing::warn!(
                audience = %settings.audience,
                "no MPP2XML_PUBLIC_URL: the licences sold here are for {}, and the app accepts \
                 them only when it is opened at that address",
                settings.audience
            );
        }
        let licensing = Licensing::new(key, config.licence_days, settings.audience.clone());
        tracing::info!(
            public_key = %licence::public_key_to_text(licensing.public_key()),
            mode = settings.mode.as_str(),
            audience = %settings.audience,
            live = settings.live,
            "payments on: Pro features need a licence for this site"
        );
        let client = stripe::ClientBuilder::new(settings.secret_key.expose())
            .url(settings.api_base.clone())
            .timeout(STRIPE_TIMEOUT)
            .build()
            .map_err(|error| PaymentsError::Client(error.to_string()))?;
        Ok(Some(Self {
            client,
            settings,
            licensing: Arc::new(licensing),
        }))
    }

    /// The licences.
    pub fn licensing(&self) -> &Arc<Licensing> {
        &self.licensing
    }

    /// The settings.
    pub fn settings(&self) -> &StripeSettings {
        &self.settings
    }
}

/// The buyer's routes, for the general router: starting a Checkout (also under its own
/// quota, and only from the site's own pages) and fetching the licence it bought.
pub fn routes<S>(limits: &RateLimits, site: SiteOrigins) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Option<Arc<Payments>>: FromRef<S>,
    Store: FromRef<S>,
{
    Router::new()
        .route(
            "/api/v1/checkout",
            post(checkout)
                .route_layer(limits.checkout_layer())
                .route_layer(from_fn_with_state(site, same_origin::require)),
        )
        .route("/api/v1/license", get(license))
}

/// Stripe's webhook, outside the per-client limiters (see `rate_limit`): its deliveries come
/// in bursts from a few addresses, and the signature is checked before anything is done.
pub fn webhook_routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Option<Arc<Payments>>: FromRef<S>,
    Store: FromRef<S>,
    Arc<Config>: FromRef<S>,
{
    Router::new().route("/api/v1/stripe/webhook", post(webhook))
}

/// 503 `payments_not_configured`.
fn not_configured() -> Problem {
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "payments_not_configured",
        "Payments not configured",
        "payments are not configured",
    )
}

fn configured(payments: &Option<Arc<Payments>>) -> Result<&Payments, Problem> {
    payments.as_deref().ok_or_else(not_configured)
}

/// The answer of `POST /api/v1/checkout`.
#[derive(Debug, Serialize)]
struct CheckoutBody {
    url: String,
}

/// `POST /api/v1/checkout`: a Checkout Session for one Pro licence.
pub async fn checkout(State(payments): State<Option<Arc<Payments>>>) -> Result<Response, Problem> {
    let payments = configured(&payments)?;
    let settings = &payments.settings;
    let mode = match settings.mode {
        StripeMode::Payment => stripe_checkout::CheckoutSessionMode::Payment,
        StripeMode::Subscription => stripe_checkout::CheckoutSessionMode::Subscription,
    };
    let mut item = CreateCheckoutSessionLineItems::new();
    item.price = Some(settings.price_id.clone());
    item.quantity = Some(1);
    let metadata = HashMap::from([(events::PRODUCT_KEY.to_owned(), events::PRODUCT.to_owned())]);
    let request = CreateCheckoutSession::new()
        .mode(mode)
        .line_items(vec![item])
        .success_url(format!(
            "{}/?session_id={{CHECKOUT_SESSION_ID}}",
            settings.public_url
        ))
        .cancel_url(format!("{}/?checkout=cancelled", settings.public_url))
        .metadata(metadata);
    let provider_failed = || {
        Problem::new(
            StatusCode::BAD_GATEWAY,
            "payment_provider",
            "Payment provider failed",
            "the payment provider could not start a checkout; try again in a moment",
        )
    };
    let session = request.send(&payments.client).await.map_err(|error| {
        log_stripe_error(&error);
        provider_failed()
    })?;
    let Some(url) = session.url else {
        tracing::error!(session = %session.id, "Stripe created a Checkout Session without a URL");
        return Err(provider_failed());
    };
    tracing::info!(session = %session.id, "checkout started");
    Ok(Json(CheckoutBody { url }).into_response())
}

/// Logs a failed Stripe request by what Stripe said (its error code and message, which never
/// carry the secret key), not by the request.
fn log_stripe_error(error: &stripe::StripeError) {
    match error {
        stripe::StripeError::Stripe(details, status) => tracing::error!(
            status,
            code = ?details.code,
            kind = ?details.type_,
            message = details.message.as_deref().unwrap_or(""),
            "Stripe refused to create a Checkout Session"
        ),
        other => {
            tracing::error!(error = %other, "Stripe could not be reached to create a Checkout Session")
        }
    }
}

/// The answer of the webhook.
#[derive(Debug, Serialize)]
struct WebhookBody {
    received: bool,
    duplicate: bool,
}

/// `POST /api/v1/stripe/webhook`.
pub async fn webhook(
    State(payments): State<Option<Arc<Payments>>>,
    State(store): State<Store>,
    State(config): State<Arc<Config>>,
    request: Request,
) -> Result<Response, Problem> {
    let payments = configured(&payments)?;
    let header = request
        .headers()
        .get("stripe-signature")
        .map(|value| value.to_str().ok().unwrap_or(""))
        .map(str::to_owned);
    let body = read_capped(request.into_body(), &config).await?;
    let received_at = licensing::now();
    if let Err(error) = signature::verify(
        header.as_deref(),
        &body,
        payments.settings.webhook_secret.expose(),
        received_at,
    ) {
        crate::metrics::record_webhook_event("unknown", "bad_signature");
        tracing::warn!(%error, "webhook refused");
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "bad_signature",
            "Bad signature",
            error.to_string(),
        ));
    }
    let event: Event = serde_json::from_slice(&body).map_err(|error| {
        crate::metrics::record_webhook_event("unknown", "unreadable");
        tracing::error!(%error, "a signed webhook body is not a Stripe event");
        Problem::bad_request("the body is not a Stripe event")
    })?;
    let type_label = events::type_label(&event.kind);
    let action = event.action().map_err(|error| {
        crate::metrics::record_webhook_event(type_label, "unreadable");
        tracing::error!(%error, event = %event.id, "a Stripe event cannot be read");
        Problem::bad_request(error.to_string())
    })?;
    let at = i64::try_from(received_at).unwrap_or(i64::MAX);
    let (effect, ignored) = match action {
        Action::Issue(session) => {
            // A subscription's licence lasts as long as its paid period, which its invoice
            // (`invoice.paid`, before or after this event) tells: until then, the grace.
            let issued = if session.subscription_id.is_some() {
                payments
                    .licensing
                    .issue_until(received_at, received_at + SUBSCRIPTION_GRACE_SECS)
            } else {
                payments.licensing.issue(received_at)
            };
            let issued = issued.map_err(|error| {
                tracing::error!(%error, "a licence could not be issued");
                Problem::internal()
            })?;
            let effect = EventEffect::Issue {
                payment: Box::new(NewPayment {
                    session_id: session.session_id,
                    mode: session.mode,
                    payment_intent: session.payment_intent,
                    subscription_id: session.subscription_id,
                    customer_id: session.customer_id,
                    amount_total: session.amount_total,
                    currency: session.currency,
                    paid_at: at,
                }),
                licence: Box::new(NewLicence {
                    id: issued.claims.lid.clone(),
                    token: issued.token,
                    plan: issued.claims.plan.clone(),
                    features: licence::features_to_text(&issued.claims.features),
                    issued_at: i64::try_from(issued.claims.iat).unwrap_or(i64::MAX),
                    expires_at: i64::try_from(issued.claims.exp).unwrap_or(i64::MAX),
                }),
            };
            (effect, None)
        }
        Action::Reversal(reversal) => (
            EventEffect::Reversal {
                reversal: Box::new(NewReversal {
                    id: reversal.id,
                    kind: reversal.kind.as_str(),
                    payment_intent: reversal.payment_intent,
                    charge_id: reversal.charge_id,
                    status: reversal.status,
                    active: reversal.active,
                    settled: reversal.settled,
                    event_created: event.created,
                }),
                at,
            },
            None,
        ),
        Action::SubscriptionPaid {
            subscription_id,
            period_end,
            invoice_id,
            payments,
        } => (
            EventEffect::SubscriptionPaid {
                subscription_id,
                licence_until: period_end
                    .saturating_add(i64::try_from(SUBSCRIPTION_GRACE_SECS).unwrap_or(0)),
                invoice_id,
                payments: payments
                    .into_iter()
                    .map(|paid| SubscriptionPayment {
                        payment_intent: paid.payment_intent,
                        charge_id: paid.charge_id,
                    })
                    .collect(),
            },
            None,
        ),
        Action::InvoicePaymentPaid {
            invoice_id,
            payment_intent,
        } => (
            EventEffect::InvoicePaymentPaid {
                invoice_id,
                payment_intent,
            },
            None,
        ),
        Action::RevokeBySubscription(subscription_id) => (
            EventEffect::RevokeBySubscription {
                subscription_id,
                at,
                reason: "subscription_deleted",
            },
            None,
        ),
        Action::Ignore(reason) => (EventEffect::Record, Some(reason)),
    };
    let outcome = store
        .apply_stripe_event(&event.id, &event.kind, at, &effect)
        .await
        .map_err(|error| {
            crate::metrics::record_webhook_event(type_label, "error");
            // Stripe retries a failed delivery; the event is not recorded, so it counts then.
            tracing::error!(%error, event = %event.id, "a Stripe event could not be stored");
            Problem::internal()
        })?;
    let duplicate = outcome == EventOutcome::Duplicate;
    let label = match (&outcome, ignored) {
        (EventOutcome::Duplicate, _) => "duplicate",
        (
            EventOutcome::Applied {
                issued, revoked, ..
            },
            _,
        ) if *issued && !revoked.is_empty() => {
            crate::metrics::record_licence_issued();
            crate::metrics::record_licences_revoked(revoked.len() as u64);
            payments.licensing.mark_revoked(revoked.iter().cloned());
            "issued_revoked"
        }
        (EventOutcome::Applied { issued: true, .. }, _) => {
            crate::metrics::record_licence_issued();
            "issued"
        }
        (EventOutcome::Applied { revoked, .. }, _) if !revoked.is_empty() => {
            crate::metrics::record_licences_revoked(revoked.len() as u64);
            payments.licensing.mark_revoked(revoked.iter().cloned());
            "revoked"
        }
        (EventOutcome::Applied { restored, .. }, _) if !restored.is_empty() => {
            payments.licensing.mark_restored(restored);
            "restored"
        }
        (EventOutcome::Applied { extended, .. }, _) if !extended.is_empty() => "extended",
        (_, Some(reason)) => reason,
        // A paid session that had its licence already, a revocation with nothing to revoke,
        // or a refund, dispute or invoice recorded before its purchase.
        (EventOutcome::Applied { .. }, None) => "no_change",
    };
    crate::metrics::record_webhook_event(type_label, label);
    tracing::info!(event = %event.id, kind = %event.kind, outcome = label, "Stripe event");
    Ok(Json(WebhookBody {
        received: true,
        duplicate,
    })
    .into_response())
}

/// The body, refused with 413 above [`WEBHOOK_MAX_BYTES`], and read under the same time
/// and pace rules as uploads (408), so a slow sender cannot hold the connection.
async fn read_capped(body: Body, config: &Config) -> Result<Bytes, Problem> {
    let pace = crate::api::upload::Pace::from_config(config);
    crate::api::upload::read_small(body, WEBHOOK_MAX_BYTES as u64, pace)
        .await
        .map(Bytes::from)
        .map_err(|error| {
            crate::api::upload::small_body_problem(error, WEBHOOK_MAX_BYTES as u64, "the event")
        })
}

/// The query of `GET /api/v1/license`.
#[derive(Debug, Deserialize)]
pub struct LicenseQuery {
    session_id: Option<String>,
}

/// `GET /api/v1/license?session_id=cs_…`, or with `Authorization: Bearer <token>` of a
/// licence this server issued (even expired): the licence's current token, signed from its
/// stored row, so a subscription renewed since its token was fetched gets the later expiry.
pub async fn license(
    State(payments): State<Option<Arc<Payments>>>,
    State(store): State<Store>,
    headers: HeaderMap,
    query: Result<Query<LicenseQuery>, QueryRejection>,
) -> Result<Response, Problem> {
    let payments = configured(&payments)?;
    let read_failed = |error: crate::storage::StorageError| {
        tracing::error!(%error, "a licence could not be read");
        Problem::internal()
    };
    let session_id = query.ok().and_then(|Query(query)| query.session_id);
    let bearer = crate::api::licence_gate::bearer_token(&headers);
    let licence = match (session_id, bearer) {
        (None, Some(token)) => {
            let claims = payments
                .licensing
                .genuine(token)
                .map_err(|error| Problem::from(licensing::Refusal::Invalid(error)))?;
            let licence = store.licence(&claims.lid).await.map_err(read_failed)?;
            licence.ok_or_else(|| {
                Problem::new(
                    StatusCode::NOT_FOUND,
                    "unknown_licence",
                    "Unknown licence",
                    "this server has no record of this licence",
                )
            })?
        }
        (session_id, _) => {
            let session_id = session_id.filter(|id| is_session_id(id)).ok_or_else(|| {
                Problem::bad_request(
                    "give the Checkout Session id Stripe sent back (?session_id=cs_…), or the \
                     licence token as Authorization: Bearer <token>",
                )
            })?;
            let licence = store
                .licence_for_session(&session_id)
                .await
                .map_err(read_failed)?;
            licence.ok_or_else(|| {
                Problem::new(
                    StatusCode::CONFLICT,
                    "not_paid_yet",
                    "Not paid yet",
                    "the payment for this checkout is not confirmed yet; ask again in a few seconds",
                )
                .retry_after(NOT_PAID_RETRY_AFTER)
            })?
        }
    };
    if licence.revoked_at.is_some() {
        return Err(licensing::Refusal::Revoked.into());
    }
    // `headers::apply` marks every answer under /api `no-store`: the token is kept by the app
    // alone, never by a browser cache or a proxy.
    Ok(Json(json!({
        "token": payments.licensing.token_for(&licence),
        "plan": licence.plan,
        "expires_at": licence.expires_at,
    }))
    .into_response())
}

/// Whether `id` looks like a Checkout Session id: `cs_` and letters, digits or `_`.
fn is_session_id(id: &str) -> bool {
    id.len() <= MAX_SESSION_ID_LEN
        && id.strip_prefix("cs_").is_some_and(|rest| {
            !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_are_checked() {
        assert!(is_session_id("cs_test_a1B2c3"));
        assert!(is_session_id("cs_live_x"));
        for bad in [
            "",
            "cs_",
            "pi_123",
            "cs_a-b",
            "cs_a b",
            "cs_ä",
            &"cs_".repeat(100),
        ] {
            assert!(!is_session_id(bad), "{bad:?}");
        }
    }
}
