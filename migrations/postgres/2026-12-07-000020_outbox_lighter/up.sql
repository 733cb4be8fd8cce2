-- A lighter outbox row: every write pays for each index on it. The event
-- id is unique by construction (a UUIDv7) and never looked up in this
-- table, and retention and replays find their range through the position,
-- so the unique index on event_id and the index on occurred_at go; and the
-- position (txid, id), by which every reader goes, becomes the primary key
-- in place of `id` alone: one index where there were two.
ALTER TABLE outbox_events DROP CONSTRAINT outbox_events_event_id_key;
DROP INDEX outbox_events_occurred;
DROP INDEX outbox_events_position;
ALTER TABLE outbox_events DROP CONSTRAINT outbox_events_pkey;
ALTER TABLE outbox_events ADD CONSTRAINT outbox_events_position PRIMARY KEY (txid, id);
