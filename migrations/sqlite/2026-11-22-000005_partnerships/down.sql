DROP TABLE partnership_history;
DROP TABLE partnership_follow_ups;
DROP TABLE partnership_commitments;
DROP TABLE partnership_in_kind;
DROP TABLE partnership_funding_lines;
DROP TABLE partnership_parties;
DROP TABLE partnerships;
