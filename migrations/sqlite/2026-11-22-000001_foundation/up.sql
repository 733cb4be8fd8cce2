-- Types are the subset both backends share (see README "Persistence"):
-- ids are UUID text, timestamps are TIMESTAMP in UTC, enums are text with a CHECK.
CREATE TABLE city_units (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('district_administration', 'specialist_administration', 'city_company')),
    district TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((kind = 'district_administration') = (district IS NOT NULL))
);

CREATE TABLE organisations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_search TEXT NOT NULL,
    organisation_number TEXT UNIQUE,
    -- Districts served, as ",angered,lundby," so that one LIKE finds a district
    -- on both backends without arrays.
    districts TEXT NOT NULL DEFAULT ',',
    legal_form TEXT NOT NULL CHECK (legal_form IN ('non_profit_association', 'cooperative', 'foundation', 'social_enterprise', 'faith_community', 'other')),
    description TEXT,
    website TEXT,
    contact_email TEXT,
    contact_phone TEXT,
    external_id TEXT UNIQUE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX organisations_created ON organisations (created_at, id);
CREATE INDEX organisations_updated ON organisations (updated_at, id);
CREATE INDEX organisations_name ON organisations (name, id);


-- Idempotency-Key records: the first response to a POST, replayed for 24 hours.
CREATE TABLE idempotency_keys (
    caller TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    completed BOOLEAN NOT NULL DEFAULT FALSE,
    response_status INTEGER,
    response_headers TEXT,
    response_body BLOB,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (caller, idempotency_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
