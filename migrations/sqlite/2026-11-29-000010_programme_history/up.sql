-- Who changed what in a grant programme (title, range, budgets, rounds,
-- status): one entry per change, `changes` a JSON list of
-- {"field", "from", "to"}.
CREATE TABLE grant_programme_history (
    id TEXT PRIMARY KEY,
    programme_id TEXT NOT NULL REFERENCES grant_programmes (id) ON DELETE CASCADE,
    at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    changes TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX grant_programme_history_order ON grant_programme_history (programme_id, at, id);
