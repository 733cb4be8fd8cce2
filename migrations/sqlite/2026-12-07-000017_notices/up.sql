-- The language an organisation reads its e-mail notices in: Swedish unless
-- it prefers English.
ALTER TABLE organisations ADD COLUMN notice_language TEXT NOT NULL DEFAULT 'sv'
    CHECK (notice_language IN ('sv', 'en'));

-- E-mail notices to organisations' contact addresses, made from the outbox
-- (one per change and organisation: the unique key makes a second hand-on
-- of the same change a no-op) and sent by any replica's worker.
CREATE TABLE notices (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    -- The outbox event it tells of.
    event_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    language TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    -- `pending` until sent; `failed` after the last attempt.
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    -- When a worker may (next) take it: a worker that takes it moves this
    -- past its own attempt, so a worker that dies mid-send leaves it to be
    -- taken again.
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    UNIQUE (event_id, organisation_id)
);
CREATE INDEX notices_due ON notices (status, next_attempt_at);
CREATE INDEX notices_per_organisation ON notices (organisation_id, created_at, id);

-- The state a resource is in after a change (a registration: `registered`
-- or `waitlisted`), where what follows a change depends on it: the notice
-- worker reads it, since the resource may have moved on by then.
ALTER TABLE outbox_events ADD COLUMN state TEXT;
