-- Consent to be a party: an organisation named by another organisation's
-- proposal is `invited` until it accepts; every existing party is `active`.
ALTER TABLE partnership_parties
    ADD COLUMN status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('invited', 'active'));
