-- Which payment paid which subscription's invoice: a refund or a dispute names only its
-- PaymentIntent (and charge), and a subscription's Checkout Session has none of its own, so
-- without this link a chargeback of a renewal could not find the licence it paid for.
-- Recorded from `invoice.paid` whether or not the subscription's licence exists yet, so the
-- refunds and disputes already recorded (`payment_reversals`) apply to a licence issued later.
-- Portable SQL: the same file runs on SQLite and PostgreSQL.

-- One PaymentIntent (`pi_…`) pays one invoice, of one subscription (`sub_…`). `charge_id`
-- (`ch_…`) and `invoice_id` (`in_…`) are kept for support when Stripe gives them.
CREATE TABLE subscription_payments (
    payment_intent TEXT PRIMARY KEY,
    subscription_id TEXT NOT NULL,
    charge_id TEXT,
    invoice_id TEXT,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX subscription_payments_by_subscription ON subscription_payments (subscription_id);
