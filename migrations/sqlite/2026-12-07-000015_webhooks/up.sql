-- Webhooks: admin configuration (not a domain resource, so not in the
-- outbox), the deliveries fanned out from the outbox (one per subscription
-- and event; the event's id is the `webhook-id` of every attempt), and the
-- log of attempts.
CREATE TABLE webhook_subscriptions (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    -- `,grant_application.decide,partnership.*,`
    event_types TEXT NOT NULL,
    description TEXT,
    -- `whsec_...`: needed in clear to sign.
    secret TEXT NOT NULL,
    -- The secret a rotation replaced, still signing until previous_secret_until.
    previous_secret TEXT,
    previous_secret_until TIMESTAMP,
    enabled BOOLEAN NOT NULL,
    disabled_reason TEXT,
    consecutive_failures BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    subscription_id TEXT NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    -- The body sent, fixed at fan-out so every attempt sends the same bytes.
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    -- When it is due; while a replica sends it, when its claim lapses.
    next_attempt_at TIMESTAMP NOT NULL,
    -- The claim of the replica sending it now (its result is recorded only
    -- while it holds the claim).
    lease TEXT,
    last_status BIGINT,
    last_error TEXT,
    last_latency_ms BIGINT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (subscription_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_occurred ON webhook_deliveries (subscription_id, occurred_at);

CREATE TABLE webhook_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempted_at TIMESTAMP NOT NULL,
    status_code BIGINT,
    error TEXT,
    latency_ms BIGINT NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
