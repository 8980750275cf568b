-- Refunds and disputes, and subscriptions' paid periods, as Stripe reports them, kept whether or
-- not the purchase they belong to is known yet: a purchase event delayed or retried until after
-- its refund (or its dispute, or its subscription's end) then issues a licence born revoked,
-- and an invoice paid before its Checkout Session arrived still sets the licence's expiry.
-- Portable SQL: the same file runs on SQLite and PostgreSQL.

-- One refund (`ch_…`: a charge is refunded in full once) or dispute (`dp_…`). `active` (0 or 1):
-- it takes the money back as things stand, so the payment's licence is revoked; a dispute won
-- turns it off and restores the licence. `settled` (0 or 1): the status is final (won, lost),
-- so an older event's status that arrives late does not override it; otherwise the event made
-- last (`event_created`, Stripe's `created`) wins.
CREATE TABLE payment_reversals (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('refund', 'dispute')),
    payment_intent TEXT,
    charge_id TEXT,
    status TEXT NOT NULL,
    active BIGINT NOT NULL CHECK (active IN (0, 1)),
    settled BIGINT NOT NULL CHECK (settled IN (0, 1)),
    event_created BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX payment_reversals_by_payment_intent ON payment_reversals (payment_intent);

-- One subscription: until when its licence lasts (the latest period end an invoice paid for,
-- plus a grace), and when it ended (`customer.subscription.deleted`).
CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY,
    licence_until BIGINT,
    ended_at BIGINT
);
