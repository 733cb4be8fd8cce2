CREATE TABLE dialogue_events (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    -- Lower-cased title for ?q= (SQLite's LIKE folds ASCII only).
    title_search TEXT NOT NULL,
    description TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('dialogue_meeting', 'consultation', 'council_meeting', 'leadership_forum', 'workshop', 'training', 'matching_meeting', 'fair', 'other')),
    participation_level TEXT NOT NULL CHECK (participation_level IN ('information', 'consultation', 'dialogue', 'partnership')),
    topic TEXT,
    organiser_unit_id TEXT REFERENCES city_units (id),
    -- Co-organising organisations as ",id1,id2," (one LIKE finds one).
    co_organisers TEXT NOT NULL DEFAULT ',',
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    format TEXT NOT NULL CHECK (format IN ('in_person', 'online', 'hybrid')),
    place TEXT,
    address TEXT,
    online_link TEXT,
    district TEXT,
    capacity INTEGER CHECK (capacity IS NULL OR capacity > 0),
    registration_deadline TIMESTAMP,
    status TEXT NOT NULL CHECK (status IN ('planned', 'published', 'cancelled', 'held')),
    cancellation_reason TEXT,
    -- The agenda as a JSON array of {title, duration_minutes, presenter}.
    agenda TEXT NOT NULL DEFAULT '[]',
    minutes TEXT,
    walk_ins INTEGER,
    external_id TEXT UNIQUE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX dialogue_events_starts ON dialogue_events (starts_at, id);
CREATE INDEX dialogue_events_updated ON dialogue_events (updated_at, id);

CREATE TABLE dialogue_invitations (
    event_id TEXT NOT NULL REFERENCES dialogue_events (id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    invited_at TIMESTAMP NOT NULL,
    PRIMARY KEY (event_id, organisation_id)
);

CREATE TABLE dialogue_registrations (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES dialogue_events (id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    participants INTEGER NOT NULL CHECK (participants > 0),
    -- Participant names (optional personal data): a JSON array of strings.
    names TEXT NOT NULL DEFAULT '[]',
    needs TEXT,
    status TEXT NOT NULL CHECK (status IN ('registered', 'waitlisted', 'cancelled')),
    registered_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (event_id, organisation_id)
);
CREATE INDEX dialogue_registrations_order ON dialogue_registrations (event_id, registered_at, id);

CREATE TABLE dialogue_attendance (
    event_id TEXT NOT NULL REFERENCES dialogue_events (id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    attendees INTEGER NOT NULL CHECK (attendees >= 0),
    PRIMARY KEY (event_id, organisation_id)
);

CREATE TABLE dialogue_minutes_contributions (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES dialogue_events (id) ON DELETE CASCADE,
    organisation_id TEXT REFERENCES organisations (id),
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE dialogue_outcomes (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES dialogue_events (id) ON DELETE CASCADE,
    description TEXT NOT NULL,
    owner TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('proposed', 'in_progress', 'realised', 'dropped')),
    -- What the outcome led to: ids only, checked for visibility when read.
    partnership_id TEXT,
    grant_application_id TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX dialogue_outcomes_event ON dialogue_outcomes (event_id, created_at);
