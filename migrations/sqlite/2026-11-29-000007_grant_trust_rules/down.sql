DROP TABLE grant_allocations;
ALTER TABLE grant_applications DROP COLUMN decided_by_unit_id;
ALTER TABLE grant_applications DROP COLUMN decided_by_role;
CREATE TABLE grant_conflict_declarations (
    application_id TEXT NOT NULL REFERENCES grant_applications (id) ON DELETE CASCADE,
    subject TEXT NOT NULL,
    has_conflict BOOLEAN NOT NULL,
    note TEXT,
    declared_at TIMESTAMP NOT NULL,
    PRIMARY KEY (application_id, subject)
);
DROP TABLE grant_conflicts;
