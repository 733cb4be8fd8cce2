ALTER TABLE outbox_events DROP COLUMN state;
DROP TABLE notices;
ALTER TABLE organisations DROP COLUMN notice_language;
