CREATE TABLE outbox_events_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    txid BIGINT NOT NULL DEFAULT 0,
    event_id TEXT NOT NULL UNIQUE,
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    parent_type TEXT,
    parent_id TEXT,
    action TEXT NOT NULL,
    version BIGINT,
    actor_role TEXT NOT NULL,
    via TEXT NOT NULL DEFAULT 'api' CHECK (via IN ('api', 'import')),
    occurred_at TIMESTAMP NOT NULL,
    public BOOLEAN NOT NULL,
    organisations TEXT NOT NULL DEFAULT ',',
    state TEXT
);
INSERT INTO outbox_events_new (id, txid, event_id, resource_type, resource_id, parent_type, parent_id, action, version, actor_role, via, occurred_at, public, organisations, state) SELECT id, txid, event_id, resource_type, resource_id, parent_type, parent_id, action, version, actor_role, via, occurred_at, public, organisations, state FROM outbox_events;
-- Ids go on from where they were, also past events already pruned: a
-- consumer's position must never meet an id again.
DELETE FROM sqlite_sequence WHERE name = 'outbox_events_new';
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'outbox_events_new', seq FROM sqlite_sequence WHERE name = 'outbox_events';
DROP TABLE outbox_events;
ALTER TABLE outbox_events_new RENAME TO outbox_events;
CREATE INDEX outbox_events_position ON outbox_events (txid, id);
CREATE INDEX outbox_events_occurred ON outbox_events (occurred_at);
