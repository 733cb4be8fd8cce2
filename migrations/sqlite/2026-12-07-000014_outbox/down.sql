DROP TABLE outbox_pruned;
DROP TABLE outbox_events;
