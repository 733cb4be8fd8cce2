-- The outbox: one row per committed change of a resource, written in the
-- transaction of the change (so it commits or rolls back with it). Its
-- position is (txid, id): `txid` is the writing transaction's id, and the
-- change feed hands out only rows whose transaction id is below the oldest
-- transaction still running, so a row that commits late can never land
-- behind a position a reader has passed (ARCHITECTURE.md, "Outbox").
CREATE TABLE outbox_events (
    id BIGSERIAL PRIMARY KEY,
    txid BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    event_id TEXT NOT NULL UNIQUE,
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    parent_type TEXT,
    parent_id TEXT,
    action TEXT NOT NULL,
    version BIGINT,
    actor_role TEXT NOT NULL,
    -- `api` (one request) or `import` (a row of an import).
    via TEXT NOT NULL DEFAULT 'api' CHECK (via IN ('api', 'import')),
    occurred_at TIMESTAMP NOT NULL,
    -- Who may learn of it, decided by the resource's read rule at the time
    -- of the change: anyone (public), or the city and these organisations
    -- (`,id,id,`).
    public BOOLEAN NOT NULL,
    organisations TEXT NOT NULL DEFAULT ','
);
CREATE INDEX outbox_events_position ON outbox_events (txid, id);
CREATE INDEX outbox_events_occurred ON outbox_events (occurred_at);

-- The position below which events have been pruned (retention): a cursor
-- older than it answers 410.
CREATE TABLE outbox_pruned (
    singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    txid BIGINT NOT NULL,
    id BIGINT NOT NULL
);

-- What each consumer of the outbox (webhook fan-out, e-mail notices) has
-- handed on: the position of the last event it took. Its row is the lock
-- that makes one replica at a time take the next events (outbox::consume).
CREATE TABLE outbox_consumers (
    name TEXT PRIMARY KEY,
    txid BIGINT NOT NULL DEFAULT 0,
    id BIGINT NOT NULL DEFAULT 0,
    updated_at TIMESTAMP NOT NULL
);
