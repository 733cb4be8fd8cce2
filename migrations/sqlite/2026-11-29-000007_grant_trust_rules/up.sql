-- Conflict-of-interest declarations (jäv) are records, never replaced: each
-- is kept with who, when and what. A declared conflict binds the person for
-- that organisation until an admin records, with a reason, that it no
-- longer applies (the release columns).
CREATE TABLE grant_conflicts (
    id TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES grant_applications (id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    subject TEXT NOT NULL,
    has_conflict BOOLEAN NOT NULL,
    note TEXT,
    declared_at TIMESTAMP NOT NULL,
    released_at TIMESTAMP,
    released_by TEXT,
    release_reason TEXT
);
CREATE INDEX grant_conflicts_person ON grant_conflicts (subject, organisation_id);
CREATE INDEX grant_conflicts_application ON grant_conflicts (application_id, declared_at, id);

INSERT INTO grant_conflicts (id, application_id, organisation_id, subject, has_conflict, note, declared_at)
SELECT lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-a' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))), d.application_id, a.organisation_id, d.subject, d.has_conflict, d.note, d.declared_at
FROM grant_conflict_declarations d JOIN grant_applications a ON a.id = d.application_id;
DROP TABLE grant_conflict_declarations;

-- Who decided, as everyone may see it: the deciding unit and the role, not
-- the person (the token subject stays in decided_by, for the organisation
-- and the city).
ALTER TABLE grant_applications ADD COLUMN decided_by_role TEXT;
ALTER TABLE grant_applications ADD COLUMN decided_by_unit_id TEXT;
UPDATE grant_applications SET decided_by_role = 'city_staff',
    decided_by_unit_id = (SELECT owning_unit_id FROM grant_programmes p WHERE p.id = grant_applications.programme_id)
WHERE decided_by IS NOT NULL;

-- A grant's amount per year of its period: a multi-year grant is charged to
-- each year's budget, pro rata by days.
CREATE TABLE grant_allocations (
    application_id TEXT NOT NULL REFERENCES grant_applications (id) ON DELETE CASCADE,
    programme_id TEXT NOT NULL REFERENCES grant_programmes (id),
    year INTEGER NOT NULL,
    amount_sek BIGINT NOT NULL CHECK (amount_sek >= 0),
    PRIMARY KEY (application_id, year)
);
CREATE INDEX grant_allocations_budget ON grant_allocations (programme_id, year);
INSERT INTO grant_allocations (application_id, programme_id, year, amount_sek)
SELECT id, programme_id, grant_year, granted_sek FROM grant_applications
WHERE granted_sek IS NOT NULL AND granted_sek > 0 AND grant_year IS NOT NULL;
