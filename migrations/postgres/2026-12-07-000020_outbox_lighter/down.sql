ALTER TABLE outbox_events DROP CONSTRAINT outbox_events_position;
ALTER TABLE outbox_events ADD PRIMARY KEY (id);
CREATE INDEX outbox_events_position ON outbox_events (txid, id);
CREATE INDEX outbox_events_occurred ON outbox_events (occurred_at);
ALTER TABLE outbox_events ADD CONSTRAINT outbox_events_event_id_key UNIQUE (event_id);
