-- Since API version 2025-03-31 `invoice.paid` names the subscription and the invoice but
-- usually not the payment (the invoice's `payments` list is only sent when expanded), while
-- `invoice_payment.paid` names the invoice and the PaymentIntent but not the subscription.
-- Each half is kept as it arrives, in either order, and once both are known the payment is
-- linked in `subscription_payments` (0004), through which a refund or a dispute finds the
-- subscription's licence.
-- Portable SQL: the same file runs on SQLite and PostgreSQL.

-- Which subscription an invoice (`in_…`) belongs to, from its `invoice.paid`.
CREATE TABLE subscription_invoices (
    invoice_id TEXT PRIMARY KEY,
    subscription_id TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);

-- Which PaymentIntent (`pi_…`) paid which invoice, from `invoice_payment.paid`; kept after
-- it is linked, so that a late or repeated `invoice.paid` links it again without harm.
CREATE TABLE invoice_payments (
    invoice_id TEXT NOT NULL,
    payment_intent TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (invoice_id, payment_intent)
);
