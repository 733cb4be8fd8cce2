-- PostgreSQL gets a trigram index on dialogue_events.co_organisers here.
-- SQLite has no such index: its co-organiser look-up reads the events table,
-- which at a city's scale is small. Nothing to change.
SELECT 1;
