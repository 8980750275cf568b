//! Pro purchases in the database: Stripe events applied exactly once, payments, licences and
//! their revocation, refunds and disputes, and subscriptions' paid periods and the payments
//! that paid them (named by `invoice.paid` itself, or by `invoice_payment.paid` joined to it
//! through the invoice id, whichever arrives first).
//!
//! In any order: Stripe may deliver events late, retry them, and send them out of order, so
//! each event records what it reports (a refund, a dispute's status, a paid period, a
//! subscription's end) under Stripe's own ids before acting on the licences that exist, and a
//! purchase consults those records when its licence is made. The result does not depend on
//! the order the events came in.
//!
//! Exactly once: [`Store::apply_stripe_event`] inserts the event's id into `stripe_events`
//! first, in the same transaction as the event's effects. The id is the primary key, so of two
//! deliveries of one event (Stripe retrying, or two instances receiving it at once) only one
//! insert succeeds: the other sees the conflict, rolls back, and is reported as a duplicate.
//! On PostgreSQL the second insert waits on the first transaction's uncommitted row and then
//! conflicts; on SQLite the transaction starts with `BEGIN IMMEDIATE`, so writers queue for the
//! lock (under the busy timeout) rather than fail.

use super::{Pool, StorageError, Store};

/// A paid Checkout Session, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPayment {
    /// The Checkout Session id (`cs_…`).
    pub session_id: String,
    /// `payment` or `subscription`.
    pub mode: String,
    /// The PaymentIntent (`pi_…`) of a one-off payment: refunds name it.
    pub payment_intent: Option<String>,
    /// The subscription (`sub_…`): its cancellation names it.
    pub subscription_id: Option<String>,
    /// Stripe's customer (`cus_…`), for support; the customer's details stay at Stripe.
    pub customer_id: Option<String>,
    /// The amount paid, in the currency's smallest unit.
    pub amount_total: Option<i64>,
    /// The ISO currency, lowercase.
    pub currency: Option<String>,
    /// When the payment was confirmed to this server.
    pub paid_at: i64,
}

/// A licence to store with its payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLicence {
    /// `lic_…`, the `lid` of its token.
    pub id: String,
    /// The token handed to the browser.
    pub token: String,
    /// The plan, e.g. `pro`.
    pub plan: String,
    /// The features, comma-separated (`batch,fallback,api`).
    pub features: String,
    /// Issued at.
    pub issued_at: i64,
    /// Expires at.
    pub expires_at: i64,
}

/// A stored licence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLicence {
    /// `lic_…`.
    pub id: String,
    /// The Checkout Session it was issued for.
    pub session_id: String,
    /// The plan.
    pub plan: String,
    /// The features, comma-separated.
    pub features: String,
    /// The token as first issued (its expiry may have moved since: see `expires_at`).
    pub token: String,
    /// Issued at.
    pub issued_at: i64,
    /// Expires at: a subscription's moves with each paid invoice.
    pub expires_at: i64,
    /// When it was revoked, if it is.
    pub revoked_at: Option<i64>,
}

/// A refund or a dispute, as one event reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReversal {
    /// `ch_…` (a charge's full refund) or `dp_…` (a dispute).
    pub id: String,
    /// `refund` or `dispute`: also the revocation reason.
    pub kind: &'static str,
    /// The PaymentIntent it takes back.
    pub payment_intent: Option<String>,
    /// The charge.
    pub charge_id: Option<String>,
    /// Stripe's status.
    pub status: String,
    /// Whether it takes the money back as things stand.
    pub active: bool,
    /// Whether the status is final.
    pub settled: bool,
    /// Stripe's `created` of the event, which orders the reports of one reversal.
    pub event_created: i64,
}

/// A PaymentIntent that paid one of a subscription's invoices: a refund or a dispute names
/// only the payment, and a subscription's Checkout Session has none of its own, so this link is
/// how a chargeback of any of its invoices reaches the subscription's licence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionPayment {
    /// `pi_…`.
    pub payment_intent: String,
    /// `ch_…`, when known (for support).
    pub charge_id: Option<String>,
}

/// What one Stripe event does to the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventEffect {
    /// A paid session: store the payment and its licence (unless the session has one already,
    /// e.g. from another event about the same session). The licence is born revoked when a
    /// refund or dispute of its PaymentIntent (or of a payment recorded for its subscription),
    /// or its subscription's end, was recorded before; a subscription's licence lasts until its
    /// recorded paid period's end when that is later than the licence's own expiry.
    Issue {
        /// The payment.
        payment: Box<NewPayment>,
        /// The licence for it.
        licence: Box<NewLicence>,
    },
    /// Record a refund or a dispute, then revoke the licences of its PaymentIntent while any
    /// refund or dispute of it takes the money back, or restore the ones revoked for that
    /// when none does any more (a dispute won). When the PaymentIntent paid a subscription's
    /// invoice, the same for the subscription's licences, counting the refunds and disputes of
    /// all its payments, and never restoring an ended subscription's.
    Reversal {
        /// The refund or dispute.
        reversal: Box<NewReversal>,
        /// When.
        at: i64,
    },
    /// A subscription's invoice was paid: its licences last until `licence_until` (the
    /// period's end plus the grace), unless they already last longer. The `payments` are
    /// recorded as the subscription's, and so are the ones `invoice_payment.paid` recorded for
    /// `invoice_id` before; the invoice's subscription is kept for those that come after. A
    /// refund or dispute of them recorded before (the reversal's event came first) revokes its
    /// licences now.
    SubscriptionPaid {
        /// `sub_…`.
        subscription_id: String,
        /// The new expiry.
        licence_until: i64,
        /// The invoice (`in_…`), for support.
        invoice_id: Option<String>,
        /// What paid it.
        payments: Vec<SubscriptionPayment>,
    },
    /// An invoice was paid with a PaymentIntent (`invoice_payment.paid`, which does not name
    /// the subscription). Recorded; when the invoice's subscription is known (its
    /// [`EventEffect::SubscriptionPaid`] with this `invoice_id` came first), the payment is
    /// recorded as the subscription's and its licences are brought in line with the refunds and
    /// disputes of its payments; otherwise that invoice's event links it when it comes.
    InvoicePaymentPaid {
        /// `in_…`.
        invoice_id: String,
        /// `pi_…`.
        payment_intent: String,
    },
    /// Record the subscription's end and revoke its licences (cancelled).
    RevokeBySubscription {
        /// `sub_…`.
        subscription_id: String,
        /// When.
        at: i64,
        /// Why, for the record (`subscription_deleted`).
        reason: &'static str,
    },
    /// Nothing beyond recording the event (a type this server does not act on).
    Record,
}

/// What applying an event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventOutcome {
    /// The event id was processed before (or is being processed by another instance, which
    /// committed first): nothing was changed.
    Duplicate,
    /// The event was recorded and its effects written.
    Applied {
        /// Whether a new licence was stored.
        issued: bool,
        /// The licences revoked by this event (not counting ones revoked before), including
        /// one issued revoked.
        revoked: Vec<String>,
        /// The licences this event restored (a dispute won).
        restored: Vec<String>,
        /// The licences whose expiry this event moved later.
        extended: Vec<String>,
    },
}

impl EventOutcome {
    fn applied() -> Self {
        Self::Applied {
            issued: false,
            revoked: Vec::new(),
            restored: Vec::new(),
            extended: Vec::new(),
        }
    }
}

const INSERT_EVENT: &str = "\
INSERT INTO stripe_events (id, type, received_at) VALUES ($1, $2, $3) \
ON CONFLICT (id) DO NOTHING";

const INSERT_PAYMENT: &str = "\
INSERT INTO payments (session_id, mode, payment_intent, subscription_id, customer_id, \
amount_total, currency, paid_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
ON CONFLICT (session_id) DO NOTHING";

const INSERT_LICENCE: &str = "\
INSERT INTO licences (id, session_id, plan, features, token, issued_at, expires_at, \
revoked_at, revoked_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
ON CONFLICT (session_id) DO NOTHING";

/// The kind of a refund or dispute of a PaymentIntent that takes the money back, if any.
const SELECT_ACTIVE_REVERSAL: &str = "\
SELECT kind FROM payment_reversals WHERE payment_intent = $1 AND active = 1 \
ORDER BY kind LIMIT 1";

const SELECT_SUBSCRIPTION: &str = "SELECT licence_until, ended_at FROM subscriptions WHERE id = $1";

/// A reversal's newer report replaces the stored one; a final status is never replaced by a
/// status that is not.
const UPSERT_REVERSAL: &str = "\
INSERT INTO payment_reversals (id, kind, payment_intent, charge_id, status, active, settled, \
event_created, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
ON CONFLICT (id) DO UPDATE SET status = excluded.status, active = excluded.active, \
settled = excluded.settled, event_created = excluded.event_created, \
updated_at = excluded.updated_at, \
payment_intent = COALESCE(excluded.payment_intent, payment_reversals.payment_intent), \
charge_id = COALESCE(excluded.charge_id, payment_reversals.charge_id) \
WHERE excluded.settled > payment_reversals.settled \
OR (excluded.settled = payment_reversals.settled \
AND excluded.event_created >= payment_reversals.event_created)";

const REVOKE_BY_PAYMENT_INTENT: &str = "\
UPDATE licences SET revoked_at = $1, revoked_reason = $2 \
WHERE revoked_at IS NULL AND session_id IN \
(SELECT session_id FROM payments WHERE payment_intent = $3) RETURNING id";

/// Only revocations for a refund or a dispute are undone, never a subscription's end.
const RESTORE_BY_PAYMENT_INTENT: &str = "\
UPDATE licences SET revoked_at = NULL, revoked_reason = NULL \
WHERE revoked_at IS NOT NULL AND revoked_reason IN ('refund', 'dispute') AND session_id IN \
(SELECT session_id FROM payments WHERE payment_intent = $1) RETURNING id";

/// A payment keeps the subscription it was first recorded for; a later report may add what an
/// earlier one lacked.
const UPSERT_SUBSCRIPTION_PAYMENT: &str = "\
INSERT INTO subscription_payments (payment_intent, subscription_id, charge_id, invoice_id, \
recorded_at) VALUES ($1, $2, $3, $4, $5) \
ON CONFLICT (payment_intent) DO UPDATE SET \
charge_id = COALESCE(subscription_payments.charge_id, excluded.charge_id), \
invoice_id = COALESCE(subscription_payments.invoice_id, excluded.invoice_id)";

/// An invoice belongs to one subscription for good: the first report is kept.
const INSERT_SUBSCRIPTION_INVOICE: &str = "\
INSERT INTO subscription_invoices (invoice_id, subscription_id, recorded_at) \
VALUES ($1, $2, $3) ON CONFLICT (invoice_id) DO NOTHING";

const SELECT_SUBSCRIPTION_OF_INVOICE: &str = "\
SELECT subscription_id FROM subscription_invoices WHERE invoice_id = $1";

const INSERT_INVOICE_PAYMENT: &str = "\
INSERT INTO invoice_payments (invoice_id, payment_intent, recorded_at) VALUES ($1, $2, $3) \
ON CONFLICT (invoice_id, payment_intent) DO NOTHING";

const SELECT_PAYMENTS_OF_INVOICE: &str = "\
SELECT payment_intent FROM invoice_payments WHERE invoice_id = $1 ORDER BY payment_intent";

const SELECT_SUBSCRIPTION_OF_PAYMENT: &str = "\
SELECT subscription_id FROM subscription_payments WHERE payment_intent = $1";

/// The kind of a refund or dispute of any payment of a subscription that takes the money back,
/// if any: one chargeback of one invoice is enough to revoke. A Checkout Session's own
/// PaymentIntent counts too (Stripe gives none in subscription mode today), so that restoring
/// the subscription's licences can never undo a revocation made for it.
const SELECT_ACTIVE_REVERSAL_OF_SUBSCRIPTION: &str = "\
SELECT kind FROM payment_reversals WHERE active = 1 AND payment_intent IN \
(SELECT payment_intent FROM subscription_payments WHERE subscription_id = $1 \
UNION SELECT payment_intent FROM payments \
WHERE subscription_id = $1 AND payment_intent IS NOT NULL) \
ORDER BY kind LIMIT 1";

/// As [`RESTORE_BY_PAYMENT_INTENT`]; only run for a subscription that has not ended.
const RESTORE_BY_SUBSCRIPTION: &str = "\
UPDATE licences SET revoked_at = NULL, revoked_reason = NULL \
WHERE revoked_at IS NOT NULL AND revoked_reason IN ('refund', 'dispute') AND session_id IN \
(SELECT session_id FROM payments WHERE subscription_id = $1) RETURNING id";

const UPSERT_SUBSCRIPTION_PAID: &str = "\
INSERT INTO subscriptions (id, licence_until, ended_at) VALUES ($1, $2, NULL) \
ON CONFLICT (id) DO UPDATE SET licence_until = excluded.licence_until \
WHERE subscriptions.licence_until IS NULL OR subscriptions.licence_until < excluded.licence_until";

const EXTEND_BY_SUBSCRIPTION: &str = "\
UPDATE licences SET expires_at = $1 WHERE expires_at < $1 AND session_id IN \
(SELECT session_id FROM payments WHERE subscription_id = $2) RETURNING id";

const UPSERT_SUBSCRIPTION_ENDED: &str = "\
INSERT INTO subscriptions (id, licence_until, ended_at) VALUES ($1, NULL, $2) \
ON CONFLICT (id) DO UPDATE SET ended_at = excluded.ended_at \
WHERE subscriptions.ended_at IS NULL";

const REVOKE_BY_SUBSCRIPTION: &str = "\
UPDATE licences SET revoked_at = $1, revoked_reason = $2 \
WHERE revoked_at IS NULL AND session_id IN \
(SELECT session_id FROM payments WHERE subscription_id = $3) RETURNING id";

const SELECT_LICENCE: &str = "\
SELECT id, session_id, plan, features, token, issued_at, expires_at, revoked_at FROM licences";

const SELECT_REVOKED: &str = "SELECT id FROM licences WHERE revoked_at IS NOT NULL";

const SELECT_EVENT: &str = "SELECT type FROM stripe_events WHERE id = $1";

type LicenceRow = (
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    Option<i64>,
);

fn licence_from_row(row: LicenceRow) -> StoredLicence {
    let (id, session_id, plan, features, token, issued_at, expires_at, revoked_at) = row;
    StoredLicence {
        id,
        session_id,
        plan,
        features,
        token,
        issued_at,
        expires_at,
        revoked_at,
    }
}

fn ids(rows: Vec<(String,)>) -> Vec<String> {
    rows.into_iter().map(|(id,)| id).collect()
}

/// Brings the licences of the subscription `$subscription` in line with the refunds and
/// disputes recorded for its payments, in the open transaction `$tx`: revoked (at `$at`) while
/// any takes money back, else restored from such a revocation unless the subscription ended
/// (an end is final). Answers the ids revoked and restored. Derived from what is recorded, not
/// from the event at hand, so the outcome does not depend on the order events arrive in.
macro_rules! sync_subscription_reversals {
    ($tx:ident, $subscription:expr, $at:expr) => {{
        let active: Option<(String,)> = sqlx::query_as(SELECT_ACTIVE_REVERSAL_OF_SUBSCRIPTION)
            .bind($subscription)
            .fetch_optional(&mut *$tx)
            .await?;
        match active {
            Some((reason,)) => {
                let rows: Vec<(String,)> = sqlx::query_as(REVOKE_BY_SUBSCRIPTION)
                    .bind($at)
                    .bind(reason)
                    .bind($subscription)
                    .fetch_all(&mut *$tx)
                    .await?;
                (ids(rows), Vec::new())
            }
            None => {
                let row: Option<(Option<i64>, Option<i64>)> = sqlx::query_as(SELECT_SUBSCRIPTION)
                    .bind($subscription)
                    .fetch_optional(&mut *$tx)
                    .await?;
                if row.is_some_and(|(_, ended_at)| ended_at.is_some()) {
                    (Vec::new(), Vec::new())
                } else {
                    let rows: Vec<(String,)> = sqlx::query_as(RESTORE_BY_SUBSCRIPTION)
                        .bind($subscription)
                        .fetch_all(&mut *$tx)
                        .await?;
                    (Vec::new(), ids(rows))
                }
            }
        }
    }};
}

/// Applies `$effect` in the open transaction `$tx`, committing it, or rolls back on a duplicate;
/// written once, expanded for each driver's transaction type.
macro_rules! apply_in {
    ($tx:ident, $id:expr, $kind:expr, $at:expr, $effect:expr) => {{
        let recorded = sqlx::query(INSERT_EVENT)
            .bind($id)
            .bind($kind)
            .bind($at)
            .execute(&mut *$tx)
            .await?
            .rows_affected();
        if recorded == 0 {
            $tx.rollback().await?;
            return Ok(EventOutcome::Duplicate);
        }
        let outcome = match $effect {
            EventEffect::Issue { payment, licence } => {
                sqlx::query(INSERT_PAYMENT)
                    .bind(&payment.session_id)
                    .bind(&payment.mode)
                    .bind(&payment.payment_intent)
                    .bind(&payment.subscription_id)
                    .bind(&payment.customer_id)
                    .bind(payment.amount_total)
                    .bind(&payment.currency)
                    .bind(payment.paid_at)
                    .execute(&mut *$tx)
                    .await?;
                // What was recorded about this payment before its purchase event arrived.
                let mut revoked_reason: Option<String> = None;
                if let Some(intent) = &payment.payment_intent {
                    let row: Option<(String,)> = sqlx::query_as(SELECT_ACTIVE_REVERSAL)
                        .bind(intent)
                        .fetch_optional(&mut *$tx)
                        .await?;
                    revoked_reason = row.map(|(kind,)| kind);
                }
                let mut expires_at = licence.expires_at;
                if let Some(subscription) = &payment.subscription_id {
                    if revoked_reason.is_none() {
                        let row: Option<(String,)> =
                            sqlx::query_as(SELECT_ACTIVE_REVERSAL_OF_SUBSCRIPTION)
                                .bind(subscription)
                                .fetch_optional(&mut *$tx)
                                .await?;
                        revoked_reason = row.map(|(kind,)| kind);
                    }
                    let row: Option<(Option<i64>, Option<i64>)> =
                        sqlx::query_as(SELECT_SUBSCRIPTION)
                            .bind(subscription)
                            .fetch_optional(&mut *$tx)
                            .await?;
                    if let Some((licence_until, ended_at)) = row {
                        expires_at = expires_at.max(licence_until.unwrap_or(expires_at));
                        if ended_at.is_some() && revoked_reason.is_none() {
                            revoked_reason = Some("subscription_deleted".to_owned());
                        }
                    }
                }
                let revoked_at = revoked_reason.as_ref().map(|_| payment.paid_at);
                let issued = sqlx::query(INSERT_LICENCE)
                    .bind(&licence.id)
                    .bind(&payment.session_id)
                    .bind(&licence.plan)
                    .bind(&licence.features)
                    .bind(&licence.token)
                    .bind(licence.issued_at)
                    .bind(expires_at)
                    .bind(revoked_at)
                    .bind(&revoked_reason)
                    .execute(&mut *$tx)
                    .await?
                    .rows_affected()
                    > 0;
                EventOutcome::Applied {
                    issued,
                    revoked: if issued && revoked_reason.is_some() {
                        vec![licence.id.clone()]
                    } else {
                        Vec::new()
                    },
                    restored: Vec::new(),
                    extended: Vec::new(),
                }
            }
            EventEffect::Reversal { reversal, at } => {
                sqlx::query(UPSERT_REVERSAL)
                    .bind(&reversal.id)
                    .bind(reversal.kind)
                    .bind(&reversal.payment_intent)
                    .bind(&reversal.charge_id)
                    .bind(&reversal.status)
                    .bind(i64::from(reversal.active))
                    .bind(i64::from(reversal.settled))
                    .bind(reversal.event_created)
                    .bind(*at)
                    .execute(&mut *$tx)
                    .await?;
                let mut revoked = Vec::new();
                let mut restored = Vec::new();
                if let Some(intent) = &reversal.payment_intent {
                    // Whatever this report said, what counts is whether any refund or dispute
                    // of the payment still takes the money back.
                    let active: Option<(String,)> = sqlx::query_as(SELECT_ACTIVE_REVERSAL)
                        .bind(intent)
                        .fetch_optional(&mut *$tx)
                        .await?;
                    match active {
                        Some((reason,)) => {
                            let rows: Vec<(String,)> = sqlx::query_as(REVOKE_BY_PAYMENT_INTENT)
                                .bind(*at)
                                .bind(reason)
                                .bind(intent)
                                .fetch_all(&mut *$tx)
                                .await?;
                            revoked = ids(rows);
                        }
                        None => {
                            let rows: Vec<(String,)> = sqlx::query_as(RESTORE_BY_PAYMENT_INTENT)
                                .bind(intent)
                                .fetch_all(&mut *$tx)
                                .await?;
                            restored = ids(rows);
                        }
                    }
                    // A subscription's invoice: its licences are found through the payment.
                    let subscription: Option<(String,)> =
                        sqlx::query_as(SELECT_SUBSCRIPTION_OF_PAYMENT)
                            .bind(intent)
                            .fetch_optional(&mut *$tx)
                            .await?;
                    if let Some((subscription,)) = subscription {
                        let (more_revoked, more_restored) =
                            sync_subscription_reversals!($tx, &subscription, *at);
                        revoked.extend(more_revoked);
                        restored.extend(more_restored);
                    }
                }
                EventOutcome::Applied {
                    issued: false,
                    revoked,
                    restored,
                    extended: Vec::new(),
                }
            }
            EventEffect::SubscriptionPaid {
                subscription_id,
                licence_until,
                invoice_id,
                payments,
            } => {
                for paid in payments {
                    sqlx::query(UPSERT_SUBSCRIPTION_PAYMENT)
                        .bind(&paid.payment_intent)
                        .bind(subscription_id)
                        .bind(&paid.charge_id)
                        .bind(invoice_id)
                        .bind($at)
                        .execute(&mut *$tx)
                        .await?;
                }
                if let Some(invoice_id) = invoice_id {
                    sqlx::query(INSERT_SUBSCRIPTION_INVOICE)
                        .bind(invoice_id)
                        .bind(subscription_id)
                        .bind($at)
                        .execute(&mut *$tx)
                        .await?;
                    // The payments `invoice_payment.paid` reported before this event.
                    let linked: Vec<(String,)> = sqlx::query_as(SELECT_PAYMENTS_OF_INVOICE)
                        .bind(invoice_id)
                        .fetch_all(&mut *$tx)
                        .await?;
                    for (intent,) in linked {
                        sqlx::query(UPSERT_SUBSCRIPTION_PAYMENT)
                            .bind(&intent)
                            .bind(subscription_id)
                            .bind(None::<String>)
                            .bind(invoice_id)
                            .bind($at)
                            .execute(&mut *$tx)
                            .await?;
                    }
                }
                sqlx::query(UPSERT_SUBSCRIPTION_PAID)
                    .bind(subscription_id)
                    .bind(*licence_until)
                    .execute(&mut *$tx)
                    .await?;
                // The latest paid period, whichever invoice arrived last.
                let (until, _): (Option<i64>, Option<i64>) = sqlx::query_as(SELECT_SUBSCRIPTION)
                    .bind(subscription_id)
                    .fetch_one(&mut *$tx)
                    .await?;
                let rows: Vec<(String,)> = sqlx::query_as(EXTEND_BY_SUBSCRIPTION)
                    .bind(until.unwrap_or(*licence_until))
                    .bind(subscription_id)
                    .fetch_all(&mut *$tx)
                    .await?;
                // A refund or dispute of this invoice may have been recorded before it.
                let (revoked, restored) = sync_subscription_reversals!($tx, subscription_id, $at);
                EventOutcome::Applied {
                    issued: false,
                    revoked,
                    restored,
                    extended: ids(rows),
                }
            }
            EventEffect::InvoicePaymentPaid {
                invoice_id,
                payment_intent,
            } => {
                sqlx::query(INSERT_INVOICE_PAYMENT)
                    .bind(invoice_id)
                    .bind(payment_intent)
                    .bind($at)
                    .execute(&mut *$tx)
                    .await?;
                let subscription: Option<(String,)> =
                    sqlx::query_as(SELECT_SUBSCRIPTION_OF_INVOICE)
                        .bind(invoice_id)
                        .fetch_optional(&mut *$tx)
                        .await?;
                match subscription {
                    Some((subscription,)) => {
                        sqlx::query(UPSERT_SUBSCRIPTION_PAYMENT)
                            .bind(payment_intent)
                            .bind(&subscription)
                            .bind(None::<String>)
                            .bind(invoice_id)
                            .bind($at)
                            .execute(&mut *$tx)
                            .await?;
                        // A refund or dispute of this payment may have been recorded before.
                        let (revoked, restored) =
                            sync_subscription_reversals!($tx, &subscription, $at);
                        EventOutcome::Applied {
                            issued: false,
                            revoked,
                            restored,
                            extended: Vec::new(),
                        }
                    }
                    // The invoice's `invoice.paid` links it when it comes.
                    None => EventOutcome::applied(),
                }
            }
            EventEffect::RevokeBySubscription {
                subscription_id,
                at,
                reason,
            } => {
                sqlx::query(UPSERT_SUBSCRIPTION_ENDED)
                    .bind(subscription_id)
                    .bind(*at)
                    .execute(&mut *$tx)
                    .await?;
                let rows: Vec<(String,)> = sqlx::query_as(REVOKE_BY_SUBSCRIPTION)
                    .bind(*at)
                    .bind(*reason)
                    .bind(subscription_id)
                    .fetch_all(&mut *$tx)
                    .await?;
                EventOutcome::Applied {
                    issued: false,
                    revoked: ids(rows),
                    restored: Vec::new(),
                    extended: Vec::new(),
                }
            }
            EventEffect::Record => EventOutcome::applied(),
        };
        $tx.commit().await?;
        Ok(outcome)
    }};
}

impl Store {
    /// Records the Stripe event `id` of type `kind`, received at `received_at`, and writes its
    /// `effect`, all in one transaction; or changes nothing and answers
    /// [`EventOutcome::Duplicate`] when the id was recorded before.
    pub async fn apply_stripe_event(
        &self,
        id: &str,
        kind: &str,
        received_at: i64,
        effect: &EventEffect,
    ) -> Result<EventOutcome, StorageError> {
        let result: Result<EventOutcome, sqlx::Error> = match &self.pool {
            Pool::Sqlite(pool) => {
                async {
                    // Take the write lock now: a deferred transaction that read before writing
                    // could fail on a concurrent writer instead of waiting for it.
                    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                    apply_in!(tx, id, kind, received_at, effect)
                }
                .await
            }
            Pool::Postgres(pool) => {
                async {
                    let mut tx = pool.begin().await?;
                    apply_in!(tx, id, kind, received_at, effect)
                }
                .await
            }
        };
        result.map_err(|source| StorageError::Query {
            action: "record a Stripe event",
            source,
        })
    }

    /// The licence issued for the Checkout Session `session_id`, if any.
    pub async fn licence_for_session(
        &self,
        session_id: &str,
    ) -> Result<Option<StoredLicence>, StorageError> {
        self.one_licence("WHERE session_id = $1", session_id, "read a licence")
            .await
    }

    /// The licence `id`, if any.
    pub async fn licence(&self, id: &str) -> Result<Option<StoredLicence>, StorageError> {
        self.one_licence("WHERE id = $1", id, "read a licence")
            .await
    }

    async fn one_licence(
        &self,
        filter: &str,
        value: &str,
        action: &'static str,
    ) -> Result<Option<StoredLicence>, StorageError> {
        let query = format!("{SELECT_LICENCE} {filter}");
        let row: Option<LicenceRow> = on_pool!(self, pool => {
            sqlx::query_as::<_, LicenceRow>(&query).bind(value).fetch_optional(pool).await
        })
        .map_err(|source| StorageError::Query { action, source })?;
        Ok(row.map(licence_from_row))
    }

    /// The ids of every revoked licence (few: refunds and cancellations), for the cache the
    /// Pro gate checks.
    pub async fn revoked_licence_ids(&self) -> Result<Vec<String>, StorageError> {
        let rows: Vec<(String,)> = on_pool!(self, pool => {
            sqlx::query_as::<_, (String,)>(SELECT_REVOKED).fetch_all(pool).await
        })
        .map_err(|source| StorageError::Query {
            action: "read the revoked licences",
            source,
        })?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// The type of the Stripe event `id` if it was recorded.
    pub async fn stripe_event_type(&self, id: &str) -> Result<Option<String>, StorageError> {
        let row: Option<(String,)> = on_pool!(self, pool => {
            sqlx::query_as::<_, (String,)>(SELECT_EVENT).bind(id).fetch_optional(pool).await
        })
        .map_err(|source| StorageError::Query {
            action: "read a Stripe event",
            source,
        })?;
        Ok(row.map(|(kind,)| kind))
    }

    /// The number of licences stored (for tests and operators' checks).
    pub async fn licence_count(&self) -> Result<i64, StorageError> {
        let (count,): (i64,) = on_pool!(self, pool => {
            sqlx::query_as::<_, (i64,)>("SELECT COUNT(*) FROM licences").fetch_one(pool).await
        })
        .map_err(|source| StorageError::Query {
            action: "count the licences",
            source,
        })?;
        Ok(count)
    }
}
