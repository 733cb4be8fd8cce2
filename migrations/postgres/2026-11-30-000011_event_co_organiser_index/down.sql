DROP INDEX IF EXISTS dialogue_events_co_organisers_trgm;
