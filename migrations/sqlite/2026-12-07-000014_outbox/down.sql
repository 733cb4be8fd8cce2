DROP TABLE outbox_consumers;
DROP TABLE outbox_pruned;
DROP TABLE outbox_events;
