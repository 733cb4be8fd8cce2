-- One organisation's events are found by three look-ups (co-organiser,
-- invitation, registration). The co-organiser one is a substring match on
-- the comma-separated list (LIKE '%,id,%'): a trigram index serves it where
-- pg_trgm exists (migration 000009 creates it when it can); elsewhere the
-- events are read, as before.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        EXECUTE format('CREATE INDEX dialogue_events_co_organisers_trgm ON dialogue_events USING gin (co_organisers %I.gin_trgm_ops)',
            (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'));
    END IF;
END
$$;
