//! The Stripe events this server acts on, read with minimal structs of the fields it uses
//! rather than async-stripe's generated event types: those require every field Stripe
//! documents for the API version they were generated from, so an account on another API
//! version, or a field Stripe adds or drops, could make a paid event unreadable; these read
//! any version that still has the few fields below. (They also spare the build the largest
//! generated crates.)

use serde::Deserialize;
use serde_json::Value;

/// The metadata key and value the Checkout Sessions of this server carry, so that a payment
/// for something else sold on the same Stripe account never issues a licence.
pub const PRODUCT_KEY: &str = "product";
/// See [`PRODUCT_KEY`].
pub const PRODUCT: &str = "mpp2xml-pro";

/// `checkout.session.completed`: the customer finished Checkout.
pub const SESSION_COMPLETED: &str = "checkout.session.completed";
/// `checkout.session.async_payment_succeeded`: a delayed payment method (a bank debit)
/// settled after Checkout completed unpaid.
pub const SESSION_ASYNC_SUCCEEDED: &str = "checkout.session.async_payment_succeeded";
/// `charge.refunded`.
pub const CHARGE_REFUNDED: &str = "charge.refunded";
/// `customer.subscription.deleted`: the subscription ended.
pub const SUBSCRIPTION_DELETED: &str = "customer.subscription.deleted";

/// An event as Stripe posts it.
#[derive(Debug, Clone, Deserialize)]
pub struct Event {
    /// `evt_…`, unique per event (retries keep it).
    pub id: String,
    /// The event type, e.g. `checkout.session.completed`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The object the event is about.
    pub data: EventData,
}

/// The event's `data`.
#[derive(Debug, Clone, Deserialize)]
pub struct EventData {
    /// The object (a Checkout Session, a Charge, a Subscription, …), read per type.
    pub object: Value,
}

/// A field that Stripe sends as an id, or as the object when it was expanded.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
enum Expandable {
    Id(String),
    Object { id: String },
}

impl Expandable {
    fn into_id(self) -> String {
        match self {
            Self::Id(id) | Self::Object { id } => id,
        }
    }
}

#[derive(Debug, Deserialize)]
struct Session {
    id: String,
    mode: Option<String>,
    payment_status: Option<String>,
    payment_intent: Option<Expandable>,
    subscription: Option<Expandable>,
    customer: Option<Expandable>,
    amount_total: Option<i64>,
    currency: Option<String>,
    #[serde(default)]
    metadata: Option<std::collections::HashMap<String, String>>,
}

#[derive(Debug, Deserialize)]
struct Charge {
    payment_intent: Option<Expandable>,
    /// Whether the whole amount was refunded.
    #[serde(default)]
    refunded: bool,
}

#[derive(Debug, Deserialize)]
struct Subscription {
    id: String,
}

/// A paid Checkout Session of this server's product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaidSession {
    /// `cs_…`.
    pub session_id: String,
    /// `payment` or `subscription`.
    pub mode: String,
    /// `pi_…` for a one-off payment.
    pub payment_intent: Option<String>,
    /// `sub_…` for a subscription.
    pub subscription_id: Option<String>,
    /// `cus_…`.
    pub customer_id: Option<String>,
    /// The amount, in the currency's smallest unit.
    pub amount_total: Option<i64>,
    /// The currency.
    pub currency: Option<String>,
}

/// What an event asks of this server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Issue a licence for this session.
    Issue(PaidSession),
    /// Revoke the licence paid by this PaymentIntent.
    RevokeByPaymentIntent(String),
    /// Revoke the licence of this subscription.
    RevokeBySubscription(String),
    /// Nothing but recording the event; the reason is for the log and the metrics.
    Ignore(&'static str),
}

/// An event of a type this server acts on whose object lacks what it needs.
#[derive(Debug, thiserror::Error)]
#[error("the {kind} event's object cannot be read: {source}")]
pub struct EventError {
    kind: String,
    source: serde_json::Error,
}

impl Event {
    /// What this event asks for.
    pub fn action(&self) -> Result<Action, EventError> {
        match self.kind.as_str() {
            SESSION_COMPLETED | SESSION_ASYNC_SUCCEEDED => {
                let session: Session = self.object()?;
                Ok(session_action(session))
            }
            CHARGE_REFUNDED => {
                let charge: Charge = self.object()?;
                Ok(match charge.payment_intent {
                    // A partial refund (a goodwill discount) keeps the licence.
                    Some(intent) if charge.refunded => {
                        Action::RevokeByPaymentIntent(intent.into_id())
                    }
                    Some(_) => Action::Ignore("partial_refund"),
                    None => Action::Ignore("no_payment_intent"),
                })
            }
            SUBSCRIPTION_DELETED => {
                let subscription: Subscription = self.object()?;
                Ok(Action::RevokeBySubscription(subscription.id))
            }
            _ => Ok(Action::Ignore("unhandled_type")),
        }
    }

    fn object<T: serde::de::DeserializeOwned>(&self) -> Result<T, EventError> {
        T::deserialize(&self.data.object).map_err(|source| EventError {
            kind: self.kind.clone(),
            source,
        })
    }
}

fn session_action(session: Session) -> Action {
    let ours = session
        .metadata
        .as_ref()
        .and_then(|metadata| metadata.get(PRODUCT_KEY))
        .is_some_and(|product| product == PRODUCT);
    if !ours {
        return Action::Ignore("other_product");
    }
    // `no_payment_required`: a 100% discount or a free trial, complete all the same.
    let paid = matches!(
        session.payment_status.as_deref(),
        Some("paid" | "no_payment_required")
    );
    if !paid {
        return Action::Ignore("unpaid");
    }
    let mode = match session.mode.as_deref() {
        Some(mode @ ("payment" | "subscription")) => mode.to_owned(),
        _ => return Action::Ignore("other_mode"),
    };
    Action::Issue(PaidSession {
        session_id: session.id,
        mode,
        payment_intent: session.payment_intent.map(Expandable::into_id),
        subscription_id: session.subscription.map(Expandable::into_id),
        customer_id: session.customer.map(Expandable::into_id),
        amount_total: session.amount_total,
        currency: session.currency,
    })
}

/// The `type` label of `webhook_events_total`: the types this server knows, else `other`, so
/// the label stays bounded.
pub fn type_label(kind: &str) -> &'static str {
    match kind {
        SESSION_COMPLETED => SESSION_COMPLETED,
        SESSION_ASYNC_SUCCEEDED => SESSION_ASYNC_SUCCEEDED,
        CHARGE_REFUNDED => CHARGE_REFUNDED,
        SUBSCRIPTION_DELETED => SUBSCRIPTION_DELETED,
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use serde_json::json;

    fn event(kind: &str, object: Value) -> Event {
        serde_json::from_value(json!({
            "id": "evt_1",
            "object": "event",
            "api_version": "2025-01-27.acacia",
            "type": kind,
            "data": { "object": object },
        }))
        .unwrap()
    }

    fn session(status: &str) -> Value {
        json!({
            "id": "cs_test_1",
            "object": "checkout.session",
            "mode": "payment",
            "payment_status": status,
            "payment_intent": "pi_1",
            "subscription": null,
            "customer": { "id": "cus_1", "object": "customer" },
            "customer_details": { "email": "someone@example.com" },
            "amount_total": 4900,
            "currency": "eur",
            "metadata": { "product": "mpp2xml-pro" },
        })
    }

    #[test]
    fn a_paid_session_of_ours_issues_a_licence() {
        let action = event(SESSION_COMPLETED, session("paid")).action().unwrap();
        assert_eq!(
            action,
            Action::Issue(PaidSession {
                session_id: "cs_test_1".into(),
                mode: "payment".into(),
                payment_intent: Some("pi_1".into()),
                subscription_id: None,
                customer_id: Some("cus_1".into()),
                amount_total: Some(4900),
                currency: Some("eur".into()),
            })
        );
        let later = event(SESSION_ASYNC_SUCCEEDED, session("paid"))
            .action()
            .unwrap();
        assert!(matches!(later, Action::Issue(_)));
    }

    #[test]
    fn unpaid_or_foreign_sessions_issue_nothing() {
        assert_eq!(
            event(SESSION_COMPLETED, session("unpaid"))
                .action()
                .unwrap(),
            Action::Ignore("unpaid")
        );
        let mut other = session("paid");
        other["metadata"] = json!({ "product": "t-shirt" });
        assert_eq!(
            event(SESSION_COMPLETED, other).action().unwrap(),
            Action::Ignore("other_product")
        );
        let mut bare = session("paid");
        bare.as_object_mut().unwrap().remove("metadata");
        assert_eq!(
            event(SESSION_COMPLETED, bare).action().unwrap(),
            Action::Ignore("other_product")
        );
        let mut setup = session("paid");
        setup["mode"] = json!("setup");
        assert_eq!(
            event(SESSION_COMPLETED, setup).action().unwrap(),
            Action::Ignore("other_mode")
        );
    }

    #[test]
    fn a_full_refund_or_a_cancellation_revokes() {
        let refund = json!({ "id": "ch_1", "payment_intent": "pi_1", "refunded": true });
        assert_eq!(
            event(CHARGE_REFUNDED, refund).action().unwrap(),
            Action::RevokeByPaymentIntent("pi_1".into())
        );
        let partial = json!({ "id": "ch_1", "payment_intent": "pi_1", "refunded": false });
        assert_eq!(
            event(CHARGE_REFUNDED, partial).action().unwrap(),
            Action::Ignore("partial_refund")
        );
        let cancelled = json!({ "id": "sub_1", "object": "subscription", "status": "canceled" });
        assert_eq!(
            event(SUBSCRIPTION_DELETED, cancelled).action().unwrap(),
            Action::RevokeBySubscription("sub_1".into())
        );
    }

    #[test]
    fn other_types_are_ignored_and_broken_objects_reported() {
        assert_eq!(
            event("invoice.paid", json!({})).action().unwrap(),
            Action::Ignore("unhandled_type")
        );
        let broken = event(SESSION_COMPLETED, json!({ "mode": "payment" }));
        let error = broken.action().unwrap_err();
        assert!(error.to_string().contains(SESSION_COMPLETED), "{error}");
        assert_eq!(type_label("invoice.paid"), "other");
        assert_eq!(type_label(CHARGE_REFUNDED), CHARGE_REFUNDED);
    }
}
