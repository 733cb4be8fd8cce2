CREATE TABLE partnerships (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    title_search TEXT NOT NULL,
    purpose TEXT NOT NULL,
    form TEXT NOT NULL CHECK (form IN ('iop', 'association_grant', 'direct_procurement', 'procurement', 'dialogue', 'other')),
    responsible_unit_id TEXT NOT NULL REFERENCES city_units (id),
    contact_name TEXT,
    contact_email TEXT,
    initiated_by TEXT NOT NULL CHECK (initiated_by IN ('organisation', 'city')),
    initiating_organisation_id TEXT REFERENCES organisations (id),
    -- Target groups as a JSON array of strings.
    target_groups TEXT NOT NULL DEFAULT '[]',
    districts TEXT NOT NULL DEFAULT ',',
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    registry_number TEXT UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('proposal', 'in_dialogue', 'agreed', 'active', 'concluded', 'terminated', 'withdrawn', 'declined')),
    internal_notes TEXT,
    external_id TEXT UNIQUE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (end_date >= start_date),
    CHECK ((initiated_by = 'organisation') = (initiating_organisation_id IS NOT NULL))
);
CREATE INDEX partnerships_created ON partnerships (created_at, id);
CREATE INDEX partnerships_unit ON partnerships (responsible_unit_id);

CREATE TABLE partnership_parties (
    partnership_id TEXT NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    role TEXT NOT NULL CHECK (role IN ('lead', 'member')),
    joined_on DATE NOT NULL,
    left_on DATE,
    PRIMARY KEY (partnership_id, organisation_id)
);
CREATE INDEX partnership_parties_organisation ON partnership_parties (organisation_id);

-- Money from a city unit or an external source (a state grant), per year.
CREATE TABLE partnership_funding_lines (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    source_unit_id TEXT REFERENCES city_units (id),
    source_name TEXT NOT NULL,
    year INTEGER NOT NULL,
    amount_sek BIGINT NOT NULL CHECK (amount_sek > 0),
    created_at TIMESTAMP NOT NULL
);

-- Premises, staff time, volunteer hours, networks: from either party.
CREATE TABLE partnership_in_kind (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    contributed_by_organisation_id TEXT REFERENCES organisations (id),
    contributed_by_unit_id TEXT REFERENCES city_units (id),
    kind TEXT NOT NULL CHECK (kind IN ('premises', 'staff_time', 'volunteer_hours', 'networks', 'other')),
    description TEXT NOT NULL,
    estimated_value_sek BIGINT CHECK (estimated_value_sek IS NULL OR estimated_value_sek >= 0),
    created_at TIMESTAMP NOT NULL,
    CHECK ((contributed_by_organisation_id IS NULL) <> (contributed_by_unit_id IS NULL))
);

CREATE TABLE partnership_commitments (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    owner_organisation_id TEXT REFERENCES organisations (id),
    owner_unit_id TEXT REFERENCES city_units (id),
    description TEXT NOT NULL,
    due_on DATE,
    recurrence TEXT,
    status TEXT NOT NULL CHECK (status IN ('planned', 'ongoing', 'met', 'not_met')),
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((owner_organisation_id IS NULL) <> (owner_unit_id IS NULL))
);

CREATE TABLE partnership_follow_ups (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    held_on DATE NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('meeting', 'report', 'evaluation')),
    summary TEXT NOT NULL,
    participants TEXT,
    perceived_reception INTEGER CHECK (perceived_reception IS NULL OR perceived_reception BETWEEN 1 AND 5),
    effects TEXT,
    filed_by TEXT NOT NULL,
    filed_by_organisation_id TEXT REFERENCES organisations (id),
    created_at TIMESTAMP NOT NULL
);

-- Who changed what, when and why: status, parties, period, funding.
CREATE TABLE partnership_history (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnerships (id) ON DELETE CASCADE,
    at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    change TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT,
    detail TEXT NOT NULL,
    reason TEXT
);
CREATE INDEX partnership_history_order ON partnership_history (partnership_id, at, id);
