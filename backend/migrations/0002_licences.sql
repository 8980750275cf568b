-- Pro purchases: Stripe's events as processed, the payments they reported, and the licences
-- issued for them. Portable SQL: the same file runs on SQLite and PostgreSQL.
--
-- Times are seconds since the Unix epoch (BIGINT), as in the licence tokens.

-- Every Stripe event id this server has acted on, written in the same transaction as the
-- event's effects: the primary key is what makes an event count once, even when Stripe
-- retries it or two instances receive it at the same moment.
CREATE TABLE stripe_events (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    received_at BIGINT NOT NULL
);

-- One paid Checkout Session. No e-mail address or name is kept: Stripe holds the customer's
-- details, and the session and customer ids lead there when support needs them.
CREATE TABLE payments (
    session_id TEXT PRIMARY KEY,
    mode TEXT NOT NULL CHECK (mode IN ('payment', 'subscription')),
    payment_intent TEXT,
    subscription_id TEXT,
    customer_id TEXT,
    amount_total BIGINT,
    currency TEXT,
    paid_at BIGINT NOT NULL
);
CREATE INDEX payments_by_payment_intent ON payments (payment_intent);
CREATE INDEX payments_by_subscription ON payments (subscription_id);

-- One licence per paid session, with the token handed to the browser. A revoked licence keeps
-- its row (revoked_at set), so its token stays refused.
CREATE TABLE licences (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL UNIQUE REFERENCES payments (session_id),
    plan TEXT NOT NULL,
    features TEXT NOT NULL,
    token TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL CHECK (expires_at > issued_at),
    revoked_at BIGINT,
    revoked_reason TEXT
);
CREATE INDEX licences_by_revocation ON licences (revoked_at);
