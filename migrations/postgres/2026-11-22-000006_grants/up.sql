CREATE TABLE grant_programmes (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    title_search TEXT NOT NULL,
    description TEXT,
    owning_unit_id TEXT NOT NULL REFERENCES city_units (id),
    min_sek BIGINT NOT NULL CHECK (min_sek >= 0),
    max_sek BIGINT NOT NULL,
    -- Eligible legal forms as ",a,b," (empty: all).
    eligible_legal_forms TEXT NOT NULL DEFAULT ',',
    districts TEXT NOT NULL DEFAULT ',',
    -- Required documents as a JSON array of {key, title}.
    required_documents TEXT NOT NULL DEFAULT '[]',
    multi_year_allowed BOOLEAN NOT NULL DEFAULT FALSE,
    status TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed')),
    external_id TEXT UNIQUE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (max_sek >= min_sek)
);

CREATE TABLE grant_budgets (
    programme_id TEXT NOT NULL REFERENCES grant_programmes (id) ON DELETE CASCADE,
    year INTEGER NOT NULL,
    budget_sek BIGINT NOT NULL CHECK (budget_sek >= 0),
    PRIMARY KEY (programme_id, year)
);

CREATE TABLE grant_rounds (
    id TEXT PRIMARY KEY,
    programme_id TEXT NOT NULL REFERENCES grant_programmes (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    opens_at TIMESTAMP NOT NULL,
    deadline TIMESTAMP NOT NULL,
    accepts_late_applications BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    CHECK (deadline > opens_at)
);

CREATE TABLE grant_applications (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    programme_id TEXT NOT NULL REFERENCES grant_programmes (id),
    round_id TEXT NOT NULL REFERENCES grant_rounds (id),
    title TEXT NOT NULL,
    title_search TEXT NOT NULL,
    purpose TEXT NOT NULL,
    target_group TEXT,
    districts TEXT NOT NULL DEFAULT ',',
    requested_sek BIGINT NOT NULL CHECK (requested_sek > 0),
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    budget_lines TEXT NOT NULL DEFAULT '[]',
    document_answers TEXT NOT NULL DEFAULT '[]',
    registry_number TEXT UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'under_review', 'completion_requested', 'decided', 'paid', 'reported', 'closed', 'withdrawn')),
    submitted_at TIMESTAMP,
    submitted_late BOOLEAN NOT NULL DEFAULT FALSE,
    completion_message TEXT,
    outcome TEXT CHECK (outcome IS NULL OR outcome IN ('granted', 'partly_granted', 'rejected')),
    granted_sek BIGINT,
    grant_year INTEGER,
    motivation TEXT,
    decided_by TEXT,
    decided_on DATE,
    report TEXT,
    external_id TEXT UNIQUE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (end_date >= start_date)
);
CREATE INDEX grant_applications_created ON grant_applications (created_at, id);
CREATE INDEX grant_applications_budget ON grant_applications (programme_id, grant_year);

CREATE TABLE grant_payments (
    id TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES grant_applications (id) ON DELETE CASCADE,
    amount_sek BIGINT NOT NULL CHECK (amount_sek > 0),
    paid_on DATE NOT NULL,
    recorded_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- Internal: never shown to the organisation.
CREATE TABLE grant_reviews (
    id TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES grant_applications (id) ON DELETE CASCADE,
    author TEXT NOT NULL,
    note TEXT NOT NULL,
    recommendation TEXT CHECK (recommendation IS NULL OR recommendation IN ('granted', 'partly_granted', 'rejected')),
    created_at TIMESTAMP NOT NULL
);

-- Jäv: a decider declares whether they have a conflict of interest.
CREATE TABLE grant_conflict_declarations (
    application_id TEXT NOT NULL REFERENCES grant_applications (id) ON DELETE CASCADE,
    subject TEXT NOT NULL,
    has_conflict BOOLEAN NOT NULL,
    note TEXT,
    declared_at TIMESTAMP NOT NULL,
    PRIMARY KEY (application_id, subject)
);

CREATE TABLE grant_history (
    id TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES grant_applications (id) ON DELETE CASCADE,
    at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT,
    note TEXT
);
CREATE INDEX grant_history_order ON grant_history (application_id, at, id);
