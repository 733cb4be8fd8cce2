-- Lists: each filter the lists offer is served by an index that also gives
-- the list's order (keyset on created_at/starts_at, id), so a page reads
-- about as many index entries as it returns (benches/national.sh measures
-- them on 2 000 000 applications; README "National scale" lists which index
-- serves which list).
CREATE INDEX grant_applications_programme ON grant_applications (programme_id, created_at, id);
CREATE INDEX grant_applications_round ON grant_applications (round_id, created_at, id);
CREATE INDEX grant_applications_status ON grant_applications (status, created_at, id);
CREATE INDEX grant_applications_organisation ON grant_applications (organisation_id, created_at, id);
CREATE INDEX partnerships_status ON partnerships (status, created_at, id);
-- The running ones are the newest: the planner, knowing only that a fifth
-- of all are active, walks partnerships_created from the oldest instead of
-- partnerships_status (measured: 178 ms at 100 000 partnerships). This one
-- it takes.
CREATE INDEX partnerships_active ON partnerships (created_at, id) WHERE status = 'active';
DROP INDEX partnerships_unit;
CREATE INDEX partnerships_unit ON partnerships (responsible_unit_id, created_at, id);
CREATE INDEX dialogue_events_organiser ON dialogue_events (organiser_unit_id, starts_at, id);

-- One organisation's cases: what it registered to, was invited to, is party to.
CREATE INDEX dialogue_registrations_organisation ON dialogue_registrations (organisation_id);
CREATE INDEX dialogue_invitations_organisation ON dialogue_invitations (organisation_id);

-- Children loaded by their parent's id (a page's children in one statement,
-- one case's on its page): without these each is a full scan.
CREATE INDEX grant_payments_application ON grant_payments (application_id, paid_on);
CREATE INDEX grant_reviews_application ON grant_reviews (application_id, created_at);
CREATE INDEX grant_rounds_programme ON grant_rounds (programme_id, opens_at);
CREATE INDEX partnership_funding_lines_partnership ON partnership_funding_lines (partnership_id, year);
CREATE INDEX partnership_in_kind_partnership ON partnership_in_kind (partnership_id, created_at);
CREATE INDEX partnership_commitments_partnership ON partnership_commitments (partnership_id, created_at);
CREATE INDEX partnership_follow_ups_partnership ON partnership_follow_ups (partnership_id, held_on);
CREATE INDEX dialogue_minutes_contributions_event ON dialogue_minutes_contributions (event_id, created_at);
