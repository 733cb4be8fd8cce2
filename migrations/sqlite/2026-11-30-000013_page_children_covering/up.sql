-- The children of a page (funding lines, parties, payments, allocations,
-- attendance of up to 500 parents) are read by parent id in the list's
-- order. These indexes hold every column those statements read, in that
-- order, so each child row is one index entry: no look-up in the table and
-- no sort (a COVERING INDEX in the plan). They replace the narrower indexes
-- of migration 000009 on the same leading columns.
CREATE INDEX partnership_funding_lines_page
    ON partnership_funding_lines (partnership_id, year, created_at, id, source_unit_id, source_name, amount_sek);
DROP INDEX partnership_funding_lines_partnership;
CREATE INDEX partnership_parties_page
    ON partnership_parties (partnership_id, joined_on, organisation_id, role, left_on, status);
CREATE INDEX grant_payments_page
    ON grant_payments (application_id, paid_on, amount_sek);
DROP INDEX grant_payments_application;
CREATE INDEX grant_allocations_page
    ON grant_allocations (application_id, year, amount_sek);
CREATE INDEX dialogue_attendance_page
    ON dialogue_attendance (event_id, organisation_id, attendees);
