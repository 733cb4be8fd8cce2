DROP TABLE dialogue_outcomes;
DROP TABLE dialogue_minutes_contributions;
DROP TABLE dialogue_attendance;
DROP TABLE dialogue_registrations;
DROP TABLE dialogue_invitations;
DROP TABLE dialogue_events;
