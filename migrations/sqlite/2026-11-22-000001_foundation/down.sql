DROP TABLE idempotency_keys;
DROP TABLE organisations;
DROP TABLE city_units;
