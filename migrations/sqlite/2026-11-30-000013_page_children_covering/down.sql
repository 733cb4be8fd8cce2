DROP INDEX IF EXISTS dialogue_attendance_page;
DROP INDEX IF EXISTS grant_allocations_page;
CREATE INDEX grant_payments_application ON grant_payments (application_id, paid_on);
DROP INDEX IF EXISTS grant_payments_page;
DROP INDEX IF EXISTS partnership_parties_page;
CREATE INDEX partnership_funding_lines_partnership ON partnership_funding_lines (partnership_id, year);
DROP INDEX IF EXISTS partnership_funding_lines_page;
