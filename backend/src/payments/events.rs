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
/// `invoice.paid`: a subscription's period was paid (the first, or a renewal).
pub const INVOICE_PAID: &str = "invoice.paid";
/// `invoice_payment.paid`: one payment of an invoice succeeded (API versions since
/// 2025-03-31). It names the invoice and the PaymentIntent, which `invoice.paid` of those
/// versions usually lacks (its `payments` list is only sent when expanded): without it a
/// refund or dispute of a subscription's invoice could not find the subscription.
pub const INVOICE_PAYMENT_PAID: &str = "invoice_payment.paid";
/// The dispute events: each carries the dispute as it stands, and its `status` is what counts,
/// so that they may arrive in any order.
pub const DISPUTE_EVENTS: [&str; 5] = [
    "charge.dispute.created",
    "charge.dispute.updated",
    "charge.dispute.closed",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.funds_reinstated",
];

/// An event as Stripe posts it.
#[derive(Debug, Clone, Deserialize)]
pub struct Event {
    /// `evt_…`, unique per event (retries keep it).
    pub id: String,
    /// The event type, e.g. `checkout.session.completed`.
    #[serde(rename = "type")]
    pub kind: String,
    /// When Stripe made the event (seconds since the Unix epoch): orders the events about one
    /// dispute, which Stripe may deliver out of order.
    #[serde(default)]
    pub created: i64,
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
    id: String,
    payment_intent: Option<Expandable>,
    /// Whether the whole amount was refunded.
    #[serde(default)]
    refunded: bool,
}

#[derive(Debug, Deserialize)]
struct Dispute {
    id: String,
    charge: Option<Expandable>,
    payment_intent: Option<Expandable>,
    status: String,
}

#[derive(Debug, Deserialize)]
struct Subscription {
    id: String,
}

/// An invoice: its subscription is a top-level field before API version 2025-03-31 and under
/// `parent.subscription_details` since; its lines say which period was paid for (the
/// invoice's own `period_end` is the end of the period before, for a renewal).
///
/// What paid it is read so that a refund or a dispute of a renewal (which names only the
/// PaymentIntent) finds the subscription's licence. Checked against Stripe's API reference and
/// its changelog entry for 2025-03-31.basil ("Adds support for multiple (partial) payments on
/// invoices"): before that version the invoice has top-level `payment_intent` and `charge`
/// (each an id, or the object when expanded); that version removed both, and the payments are
/// Invoice Payment objects under `payments.data[]`, each with `payment.type` (`payment_intent`,
/// `charge` for a legacy charge without one, `payment_record` for one paid outside Stripe) and
/// `payment.payment_intent` (an id, or expanded) when the type is `payment_intent`. The
/// reference calls `payments` includable: an event carries it only when Stripe includes it, so
/// an invoice without it links nothing (see the README).
#[derive(Debug, Deserialize)]
struct Invoice {
    id: Option<String>,
    subscription: Option<Expandable>,
    parent: Option<InvoiceParent>,
    lines: Option<InvoiceLines>,
    payment_intent: Option<Expandable>,
    charge: Option<Expandable>,
    payments: Option<InvoicePayments>,
}

#[derive(Debug, Deserialize)]
struct InvoicePayments {
    #[serde(default)]
    data: Vec<InvoicePaymentObject>,
}

/// An Invoice Payment (`inpay_…`), API versions since 2025-03-31: listed under an invoice's
/// `payments`, and the object of `invoice_payment.paid`.
///
/// Checked against Stripe's API reference, "The Invoice Payment object"
/// (docs.stripe.com/api/invoice-payment/object): `id` (`inpay_…`), `invoice` ("The invoice
/// that was paid": its id, expandable into the Invoice), `status` (`open`, `paid` or
/// `canceled`) and `payment`, an object with `type` (`payment_intent`, `charge` for a charge
/// without a PaymentIntent, or `payment_record`) and `payment.payment_intent` (nullable; an
/// id, expandable) when the type is `payment_intent`. The event `invoice_payment.paid`
/// ("Occurs when an InvoicePayment is successfully paid") carries that object as
/// `data.object`: checked in Stripe's own SDKs generated from its OpenAPI spec (stripe-ruby's
/// `V1InvoicePaymentPaidEvent`); the docs search found no Stripe page for the event itself.
/// The reference of a preview version (2025-11-17.preview) shows `payment_intent` and
/// `charge` at the top of the object instead of under `payment`; that shape is not read (no
/// released version has it), and such an event is ignored as `no_payment_intent`.
#[derive(Debug, Deserialize)]
struct InvoicePaymentObject {
    payment: Option<InvoicePaymentDetails>,
    /// `open`, `paid` or `canceled`.
    status: Option<String>,
    /// The invoice paid: set in `invoice_payment.paid` (inside an invoice's list it is that
    /// invoice, and not read).
    invoice: Option<Expandable>,
}

#[derive(Debug, Deserialize)]
struct InvoicePaymentDetails {
    #[serde(rename = "type")]
    kind: Option<String>,
    payment_intent: Option<Expandable>,
}

#[derive(Debug, Deserialize)]
struct InvoiceParent {
    subscription_details: Option<SubscriptionDetails>,
}

#[derive(Debug, Deserialize)]
struct SubscriptionDetails {
    subscription: Option<Expandable>,
}

#[derive(Debug, Deserialize)]
struct InvoiceLines {
    #[serde(default)]
    data: Vec<InvoiceLine>,
}

#[derive(Debug, Deserialize)]
struct InvoiceLine {
    period: Option<Period>,
    subscription: Option<Expandable>,
}

#[derive(Debug, Deserialize)]
struct Period {
    end: i64,
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

/// What takes a payment back: a full refund, or a dispute (a chargeback, or an inquiry that
/// may become one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReversalKind {
    /// A full refund.
    Refund,
    /// A dispute.
    Dispute,
}

impl ReversalKind {
    /// The name stored, and the licence's revocation reason.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Refund => "refund",
            Self::Dispute => "dispute",
        }
    }
}

/// A refund or a dispute as one event reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reversal {
    /// `ch_…` for a refund (one full refund per charge), `dp_…` for a dispute.
    pub id: String,
    /// Refund or dispute.
    pub kind: ReversalKind,
    /// The PaymentIntent it takes back: how a purchase's licence is found.
    pub payment_intent: Option<String>,
    /// The charge.
    pub charge_id: Option<String>,
    /// Stripe's status (`refunded` for a refund).
    pub status: String,
    /// Whether it takes the money back as things stand (a dispute not won).
    pub active: bool,
    /// Whether the status is final (won, lost): no later status overrides it.
    pub settled: bool,
}

/// Whether a dispute in `status` keeps the licence revoked: every status but the ones where
/// the merchant kept the money.
fn dispute_active(status: &str) -> bool {
    !matches!(status, "won" | "warning_closed" | "prevented")
}

/// Whether a dispute's `status` is final.
fn dispute_settled(status: &str) -> bool {
    matches!(status, "won" | "lost" | "warning_closed" | "prevented")
}

/// A PaymentIntent that paid a subscription's invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoicePayment {
    /// `pi_…`: what a refund or a dispute of it names.
    pub payment_intent: String,
    /// `ch_…`, when the invoice says (API versions before 2025-03-31).
    pub charge_id: Option<String>,
}

/// What an event asks of this server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The invoice `invoice_id` was paid (at least in part) with the PaymentIntent
    /// `payment_intent`: once the invoice's subscription is known (from its `invoice.paid`,
    /// before or after), a refund or dispute of that payment revokes the subscription's licence.
    InvoicePaymentPaid {
        /// `in_…`.
        invoice_id: String,
        /// `pi_…`.
        payment_intent: String,
    },
    /// Issue a licence for this session.
    Issue(PaidSession),
    /// Record a refund or a dispute, and revoke (or restore) the licence of its payment.
    Reversal(Reversal),
    /// A subscription's period was paid until `period_end`: its licence lasts until then, and
    /// a refund or dispute of `payments` revokes it.
    SubscriptionPaid {
        /// `sub_…`.
        subscription_id: String,
        /// The end of the period paid for (seconds since the Unix epoch).
        period_end: i64,
        /// `in_…`.
        invoice_id: Option<String>,
        /// What paid the invoice (none for a free one, or when the event does not say).
        payments: Vec<InvoicePayment>,
    },
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
                    Some(intent) if charge.refunded => Action::Reversal(Reversal {
                        id: charge.id.clone(),
                        kind: ReversalKind::Refund,
                        payment_intent: Some(intent.into_id()),
                        charge_id: Some(charge.id),
                        status: "refunded".to_owned(),
                        active: true,
                        settled: true,
                    }),
                    Some(_) => Action::Ignore("partial_refund"),
                    None => Action::Ignore("no_payment_intent"),
                })
            }
            kind if DISPUTE_EVENTS.contains(&kind) => {
                let dispute: Dispute = self.object()?;
                if dispute.payment_intent.is_none() {
                    return Ok(Action::Ignore("no_payment_intent"));
                }
                Ok(Action::Reversal(Reversal {
                    active: dispute_active(&dispute.status),
                    settled: dispute_settled(&dispute.status),
                    id: dispute.id,
                    kind: ReversalKind::Dispute,
                    payment_intent: dispute.payment_intent.map(Expandable::into_id),
                    charge_id: dispute.charge.map(Expandable::into_id),
                    status: dispute.status,
                }))
            }
            INVOICE_PAID => {
                let invoice: Invoice = self.object()?;
                Ok(invoice_action(invoice))
            }
            INVOICE_PAYMENT_PAID => {
                let paid: InvoicePaymentObject = self.object()?;
                let Some(intent) = paid_payment_intent(&paid) else {
                    return Ok(Action::Ignore("no_payment_intent"));
                };
                let Some(invoice) = paid.invoice else {
                    return Ok(Action::Ignore("no_invoice"));
                };
                Ok(Action::InvoicePaymentPaid {
                    invoice_id: invoice.into_id(),
                    payment_intent: intent,
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

fn invoice_action(invoice: Invoice) -> Action {
    let lines = invoice.lines.map(|lines| lines.data).unwrap_or_default();
    let subscription = invoice
        .subscription
        .or_else(|| {
            invoice
                .parent
                .and_then(|parent| parent.subscription_details)
                .and_then(|details| details.subscription)
        })
        .or_else(|| lines.iter().find_map(|line| line.subscription.clone()));
    let Some(subscription) = subscription else {
        return Action::Ignore("no_subscription");
    };
    let period_end = lines
        .iter()
        .filter_map(|line| line.period.as_ref().map(|period| period.end))
        .max();
    let Some(period_end) = period_end else {
        return Action::Ignore("no_period");
    };
    let mut payments: Vec<InvoicePayment> = Vec::new();
    // Before API version 2025-03-31.
    if let Some(intent) = invoice.payment_intent {
        payments.push(InvoicePayment {
            payment_intent: intent.into_id(),
            charge_id: invoice.charge.map(Expandable::into_id),
        });
    }
    // Since: every attempt is listed; a cancelled one took no money, so nothing can take it
    // back. `charge` and `payment_record` payments have no PaymentIntent for a refund or a
    // dispute to name.
    let listed = invoice.payments.map(|list| list.data).unwrap_or_default();
    for listed in listed {
        let Some(intent) = paid_payment_intent(&listed) else {
            continue;
        };
        if !payments.iter().any(|known| known.payment_intent == intent) {
            payments.push(InvoicePayment {
                payment_intent: intent,
                charge_id: None,
            });
        }
    }
    Action::SubscriptionPaid {
        subscription_id: subscription.into_id(),
        period_end,
        invoice_id: invoice.id,
        payments,
    }
}

/// The PaymentIntent an Invoice Payment took money with, if it can be taken back: a cancelled
/// attempt took none, and `charge` and `payment_record` payments have no PaymentIntent for a
/// refund or a dispute to name. The same rule for an invoice's `payments` list and for
/// `invoice_payment.paid`.
fn paid_payment_intent(listed: &InvoicePaymentObject) -> Option<String> {
    if listed.status.as_deref() == Some("canceled") {
        return None;
    }
    let payment = listed.payment.as_ref()?;
    if payment
        .kind
        .as_deref()
        .is_some_and(|kind| kind != "payment_intent")
    {
        return None;
    }
    payment.payment_intent.clone().map(Expandable::into_id)
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
        INVOICE_PAID => INVOICE_PAID,
        INVOICE_PAYMENT_PAID => INVOICE_PAYMENT_PAID,
        _ => DISPUTE_EVENTS
            .iter()
            .find(|known| **known == kind)
            .copied()
            .unwrap_or("other"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

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
            Action::Reversal(Reversal {
                id: "ch_1".into(),
                kind: ReversalKind::Refund,
                payment_intent: Some("pi_1".into()),
                charge_id: Some("ch_1".into()),
                status: "refunded".into(),
                active: true,
                settled: true,
            })
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
    fn disputes_are_read_by_their_status_whatever_the_event() {
        let dispute = |status: &str| {
            json!({ "id": "dp_1", "object": "dispute", "charge": "ch_1",
                    "payment_intent": { "id": "pi_1", "object": "payment_intent" },
                    "status": status, "reason": "fraudulent", "amount": 4900 })
        };
        for (kind, status, active, settled) in [
            ("charge.dispute.created", "needs_response", true, false),
            (
                "charge.dispute.created",
                "warning_needs_response",
                true,
                false,
            ),
            ("charge.dispute.updated", "under_review", true, false),
            (
                "charge.dispute.funds_withdrawn",
                "needs_response",
                true,
                false,
            ),
            ("charge.dispute.closed", "lost", true, true),
            ("charge.dispute.closed", "won", false, true),
            ("charge.dispute.closed", "warning_closed", false, true),
            ("charge.dispute.funds_reinstated", "won", false, true),
        ] {
            let Action::Reversal(reversal) = event(kind, dispute(status)).action().unwrap() else {
                panic!("{kind} {status}");
            };
            assert_eq!(reversal.id, "dp_1");
            assert_eq!(reversal.kind, ReversalKind::Dispute);
            assert_eq!(reversal.payment_intent.as_deref(), Some("pi_1"));
            assert_eq!(reversal.charge_id.as_deref(), Some("ch_1"));
            assert_eq!(
                (reversal.active, reversal.settled),
                (active, settled),
                "{status}"
            );
            assert_eq!(type_label(kind), kind);
        }
        let mut orphan = dispute("needs_response");
        orphan["payment_intent"] = Value::Null;
        assert_eq!(
            event("charge.dispute.created", orphan).action().unwrap(),
            Action::Ignore("no_payment_intent")
        );
    }

    #[test]
    fn a_paid_invoice_gives_its_lines_period_end() {
        // API versions before 2025-03-31: the subscription at the top.
        let old = json!({ "id": "in_1", "object": "invoice", "subscription": "sub_1",
                          "period_end": 1_000,
                          "lines": { "object": "list", "data": [
                              { "id": "il_1", "period": { "start": 1_000, "end": 3_600_000 } },
                              { "id": "il_2", "period": { "start": 1_000, "end": 2_000 } } ] } });
        assert_eq!(
            event(INVOICE_PAID, old).action().unwrap(),
            Action::SubscriptionPaid {
                subscription_id: "sub_1".into(),
                period_end: 3_600_000,
                invoice_id: Some("in_1".into()),
                payments: Vec::new(),
            }
        );
        // Since: under `parent`.
        let basil = json!({ "id": "in_2", "object": "invoice",
                            "parent": { "type": "subscription_details",
                                        "subscription_details": { "subscription": "sub_2" } },
                            "lines": { "data": [ { "period": { "start": 5, "end": 50 } } ] } });
        assert_eq!(
            event(INVOICE_PAID, basil).action().unwrap(),
            Action::SubscriptionPaid {
                subscription_id: "sub_2".into(),
                period_end: 50,
                invoice_id: Some("in_2".into()),
                payments: Vec::new(),
            }
        );
        // A one-off invoice belongs to no subscription.
        assert_eq!(
            event(
                INVOICE_PAID,
                json!({ "id": "in_3", "lines": { "data": [] } })
            )
            .action()
            .unwrap(),
            Action::Ignore("no_subscription")
        );
    }

    fn paid_by(action: Action) -> Vec<InvoicePayment> {
        match action {
            Action::SubscriptionPaid { payments, .. } => payments,
            other => panic!("{other:?}"),
        }
    }

    fn by(intent: &str, charge: Option<&str>) -> InvoicePayment {
        InvoicePayment {
            payment_intent: intent.into(),
            charge_id: charge.map(Into::into),
        }
    }

    #[test]
    fn a_paid_invoice_names_its_payment_intent_before_api_version_2025_03_31() {
        let invoice = |intent: Value, charge: Value| {
            json!({ "id": "in_1", "object": "invoice", "subscription": "sub_1",
                    "payment_intent": intent, "charge": charge, "paid": true,
                    "lines": { "data": [ { "period": { "start": 1, "end": 2 } } ] } })
        };
        assert_eq!(
            paid_by(
                event(INVOICE_PAID, invoice(json!("pi_1"), json!("ch_1")))
                    .action()
                    .unwrap()
            ),
            [by("pi_1", Some("ch_1"))]
        );
        // Expanded objects.
        let expanded = invoice(
            json!({ "id": "pi_2", "object": "payment_intent", "status": "succeeded" }),
            json!({ "id": "ch_2", "object": "charge", "refunded": false }),
        );
        assert_eq!(
            paid_by(event(INVOICE_PAID, expanded).action().unwrap()),
            [by("pi_2", Some("ch_2"))]
        );
        // A free invoice (a trial, a full discount) has neither.
        assert_eq!(
            paid_by(
                event(INVOICE_PAID, invoice(Value::Null, Value::Null))
                    .action()
                    .unwrap()
            ),
            Vec::<InvoicePayment>::new()
        );
    }

    #[test]
    fn a_paid_invoice_names_its_payment_intents_since_api_version_2025_03_31() {
        let invoice = json!({ "id": "in_2", "object": "invoice",
            "parent": { "type": "subscription_details",
                        "subscription_details": { "subscription": "sub_2" } },
            "lines": { "data": [ { "period": { "start": 5, "end": 50 } } ] },
            "payments": { "object": "list", "has_more": false, "data": [
                { "id": "inpay_1", "object": "invoice_payment", "status": "canceled",
                  "payment": { "type": "payment_intent", "payment_intent": "pi_failed" } },
                { "id": "inpay_2", "object": "invoice_payment", "status": "paid",
                  "payment": { "type": "payment_intent", "payment_intent": "pi_paid" } },
                { "id": "inpay_3", "object": "invoice_payment", "status": "paid",
                  "payment": { "type": "payment_intent",
                               "payment_intent": { "id": "pi_expanded",
                                                   "object": "payment_intent" } } },
                { "id": "inpay_4", "object": "invoice_payment", "status": "paid",
                  "payment": { "type": "payment_record", "payment_record": "pr_1" } },
                { "id": "inpay_5", "object": "invoice_payment", "status": "paid",
                  "payment": { "type": "charge", "charge": "ch_legacy" } },
                { "id": "inpay_6", "object": "invoice_payment", "status": "paid",
                  "payment": { "type": "payment_intent", "payment_intent": "pi_paid" } } ] } });
        assert_eq!(
            event(INVOICE_PAID, invoice).action().unwrap(),
            Action::SubscriptionPaid {
                subscription_id: "sub_2".into(),
                period_end: 50,
                invoice_id: Some("in_2".into()),
                payments: vec![by("pi_paid", None), by("pi_expanded", None)],
            }
        );
    }

    /// `invoice_payment.paid` as Stripe's reference shows the Invoice Payment object.
    fn invoice_payment(invoice: Value, status: &str, payment: Value) -> Value {
        json!({ "id": "inpay_1", "object": "invoice_payment", "amount_paid": 4900,
                "amount_requested": 4900, "created": 1_000, "currency": "eur",
                "invoice": invoice, "is_default": true, "livemode": false,
                "payment": payment, "status": status,
                "status_transitions": { "canceled_at": null, "paid_at": 1_000 } })
    }

    #[test]
    fn an_invoice_payment_names_its_invoice_and_payment_intent() {
        let paid = |intent: &str, invoice: &str| Action::InvoicePaymentPaid {
            invoice_id: invoice.into(),
            payment_intent: intent.into(),
        };
        let by_intent = json!({ "type": "payment_intent", "payment_intent": "pi_1" });
        // The invoice as an id.
        assert_eq!(
            event(
                INVOICE_PAYMENT_PAID,
                invoice_payment(json!("in_1"), "paid", by_intent.clone())
            )
            .action()
            .unwrap(),
            paid("pi_1", "in_1")
        );
        // The invoice and the PaymentIntent expanded.
        let expanded = invoice_payment(
            json!({ "id": "in_2", "object": "invoice", "status": "paid",
                    "parent": { "type": "subscription_details",
                                "subscription_details": { "subscription": "sub_2" } } }),
            "paid",
            json!({ "type": "payment_intent",
                    "payment_intent": { "id": "pi_2", "object": "payment_intent",
                                        "status": "succeeded" } }),
        );
        assert_eq!(
            event(INVOICE_PAYMENT_PAID, expanded).action().unwrap(),
            paid("pi_2", "in_2")
        );
        // A cancelled attempt, or a payment without a PaymentIntent, links nothing.
        for (status, payment) in [
            ("canceled", by_intent.clone()),
            (
                "paid",
                json!({ "type": "charge", "charge": "ch_legacy", "payment_intent": null }),
            ),
            (
                "paid",
                json!({ "type": "payment_record", "payment_record": "pr_1" }),
            ),
            (
                "paid",
                json!({ "type": "payment_intent", "payment_intent": null }),
            ),
        ] {
            assert_eq!(
                event(
                    INVOICE_PAYMENT_PAID,
                    invoice_payment(json!("in_1"), status, payment.clone())
                )
                .action()
                .unwrap(),
                Action::Ignore("no_payment_intent"),
                "{status} {payment}"
            );
        }
        let mut orphan = invoice_payment(json!("in_1"), "paid", by_intent);
        orphan["invoice"] = Value::Null;
        assert_eq!(
            event(INVOICE_PAYMENT_PAID, orphan).action().unwrap(),
            Action::Ignore("no_invoice")
        );
        assert_eq!(type_label(INVOICE_PAYMENT_PAID), INVOICE_PAYMENT_PAID);
    }

    #[test]
    fn other_types_are_ignored_and_broken_objects_reported() {
        assert_eq!(
            event("invoice.created", json!({})).action().unwrap(),
            Action::Ignore("unhandled_type")
        );
        let broken = event(SESSION_COMPLETED, json!({ "mode": "payment" }));
        let error = broken.action().unwrap_err();
        assert!(error.to_string().contains(SESSION_COMPLETED), "{error}");
        assert_eq!(type_label("invoice.created"), "other");
        assert_eq!(type_label(INVOICE_PAID), INVOICE_PAID);
        assert_eq!(type_label(CHARGE_REFUNDED), CHARGE_REFUNDED);
    }
}
