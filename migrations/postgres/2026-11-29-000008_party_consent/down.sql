-- Invitations never answered were never parties.
DELETE FROM partnership_parties WHERE status = 'invited';
ALTER TABLE partnership_parties DROP COLUMN status;
