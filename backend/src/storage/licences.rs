//! Pro purchases in the database: Stripe events applied exactly once, payments, licences and
//! their revocation.
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
    /// The token.
    pub token: String,
    /// Issued at.
    pub issued_at: i64,
    /// Expires at.
    pub expires_at: i64,
    /// When it was revoked, if it was.
    pub revoked_at: Option<i64>,
}

/// What one Stripe event does to the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventEffect {
    /// A paid session: store the payment and its licence (unless the session has one already,
    /// e.g. from another event about the same session).
    Issue {
        /// The payment.
        payment: Box<NewPayment>,
        /// The licence for it.
        licence: Box<NewLicence>,
    },
    /// Revoke the licences paid by this PaymentIntent (a refund).
    RevokeByPaymentIntent {
        /// `pi_…`.
        payment_intent: String,
        /// When.
        at: i64,
        /// Why, for the record (`refund`).
        reason: &'static str,
    },
    /// Revoke the licences of this subscription (cancelled).
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
        /// The licences revoked by this event (not counting ones revoked before).
        revoked: Vec<String>,
    },
}

const INSERT_EVENT: &str = "\
INSERT INTO stripe_events (id, type, received_at) VALUES ($1, $2, $3) \
ON CONFLICT (id) DO NOTHING";

const INSERT_PAYMENT: &str = "\
INSERT INTO payments (session_id, mode, payment_intent, subscription_id, customer_id, \
amount_total, currency, paid_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
ON CONFLICT (session_id) DO NOTHING";

const INSERT_LICENCE: &str = "\
INSERT INTO licences (id, session_id, plan, features, token, issued_at, expires_at) \
VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (session_id) DO NOTHING";

const REVOKE_BY_PAYMENT_INTENT: &str = "\
UPDATE licences SET revoked_at = $1, revoked_reason = $2 \
WHERE revoked_at IS NULL AND session_id IN \
(SELECT session_id FROM payments WHERE payment_intent = $3) RETURNING id";

const REVOKE_BY_SUBSCRIPTION: &str = "\
UPDATE licences SET revoked_at = $1, revoked_reason = $2 \
WHERE revoked_at IS NULL AND session_id IN \
(SELECT session_id FROM payments WHERE subscription_id = $3) RETURNING id";

const SELECT_LICENCE: &str = "\
SELECT id, session_id, plan, token, issued_at, expires_at, revoked_at FROM licences";

const SELECT_REVOKED: &str = "SELECT id FROM licences WHERE revoked_at IS NOT NULL";

const SELECT_EVENT: &str = "SELECT type FROM stripe_events WHERE id = $1";

type LicenceRow = (String, String, String, String, i64, i64, Option<i64>);

fn licence_from_row(row: LicenceRow) -> StoredLicence {
    let (id, session_id, plan, token, issued_at, expires_at, revoked_at) = row;
    StoredLicence {
        id,
        session_id,
        plan,
        token,
        issued_at,
        expires_at,
        revoked_at,
    }
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
                let issued = sqlx::query(INSERT_LICENCE)
                    .bind(&licence.id)
                    .bind(&payment.session_id)
                    .bind(&licence.plan)
                    .bind(&licence.features)
                    .bind(&licence.token)
                    .bind(licence.issued_at)
                    .bind(licence.expires_at)
                    .execute(&mut *$tx)
                    .await?
                    .rows_affected();
                EventOutcome::Applied {
                    issued: issued > 0,
                    revoked: Vec::new(),
                }
            }
            EventEffect::RevokeByPaymentIntent {
                payment_intent: key,
                at,
                reason,
            }
            | EventEffect::RevokeBySubscription {
                subscription_id: key,
                at,
                reason,
            } => {
                let query = if matches!($effect, EventEffect::RevokeByPaymentIntent { .. }) {
                    REVOKE_BY_PAYMENT_INTENT
                } else {
                    REVOKE_BY_SUBSCRIPTION
                };
                let revoked: Vec<(String,)> = sqlx::query_as(query)
                    .bind(*at)
                    .bind(*reason)
                    .bind(key)
                    .fetch_all(&mut *$tx)
                    .await?;
                EventOutcome::Applied {
                    issued: false,
                    revoked: revoked.into_iter().map(|(id,)| id).collect(),
                }
            }
            EventEffect::Record => EventOutcome::Applied {
                issued: false,
                revoked: Vec::new(),
            },
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
