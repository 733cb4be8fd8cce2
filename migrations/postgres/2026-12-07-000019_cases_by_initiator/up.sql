-- An organisation's cases (GET /organisations/{id}/cases) include the
-- partnerships it proposed: found by this index, not by a scan.
CREATE INDEX partnerships_initiating_organisation ON partnerships (initiating_organisation_id);
