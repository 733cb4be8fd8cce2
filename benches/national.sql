-- National-scale data set for samverkan, loaded straight into PostgreSQL.
-- Run by benches/national.sh after the service's migrations, in one psql
-- session, with these variables (the national defaults in brackets):
--   orgs [200000]  apps [2000000]  partnerships [100000]  events [200000]
--   programmes [400]
-- Every row is written the way the service writes it: UUID text ids
-- (time-ordered v7, like the service's), naive UTC timestamps, enum values
-- as text, districts as ",a,b,", JSON columns in the service's shape,
-- versions and updated_at that follow the history rows.
-- The data spans ten years, 2017-01-01 to 2026-11-29 ("as of"); events run
-- half a year past it. Set-based INSERT ... SELECT, one transaction per table.
\set ON_ERROR_STOP on
\timing on

-- --- helpers (session-local, in pg_temp) -------------------------------------

-- A UUID v7 for a timestamp, its random bits from the seed: the same seed
-- gives the same id, so rows can name each other without a lookup.
CREATE FUNCTION pg_temp.uuid7(ts timestamp, seed text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT left(overlay(overlay(lpad(to_hex((extract(epoch FROM ts) * 1000)::bigint), 12, '0') || md5(seed)
                                placing '7' from 13 for 1) placing '8' from 17 for 1), 32)::uuid::text
$$;

-- The ten years and the day the data is "as of".
CREATE FUNCTION pg_temp.t0() RETURNS timestamp LANGUAGE sql IMMUTABLE AS $$ SELECT timestamp '2017-01-01 00:00:00' $$;
CREATE FUNCTION pg_temp.asof() RETURNS timestamp LANGUAGE sql IMMUTABLE AS $$ SELECT timestamp '2026-11-29 00:00:00' $$;

-- Organisation k of n: most joined early (created_at grows with (k/n)^2).
CREATE FUNCTION pg_temp.org_created(k bigint, n bigint) RETURNS timestamp
LANGUAGE sql IMMUTABLE AS $$
    SELECT date_trunc('milliseconds', pg_temp.t0() + (pg_temp.asof() - pg_temp.t0()) * power((k - 1)::float8 / n, 2))
$$;
CREATE FUNCTION pg_temp.org_id(k bigint, n bigint) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT pg_temp.uuid7(pg_temp.org_created(k, n), 'org-' || k) $$;
-- The organisations that existed at ts: 1 .. org_max(ts) (at least 100).
CREATE FUNCTION pg_temp.org_max(ts timestamp, n bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
    SELECT least(n, greatest(100, floor(n * sqrt(greatest(0, extract(epoch FROM ts - pg_temp.t0())
        / extract(epoch FROM pg_temp.asof() - pg_temp.t0()))))::bigint))
$$;

-- City units: 10 district administrations, 40 specialist administrations, 10 companies.
CREATE FUNCTION pg_temp.unit_created(u int) RETURNS timestamp LANGUAGE sql IMMUTABLE AS $$
    SELECT timestamp '2016-10-01 08:00:00' + make_interval(mins => u) $$;
CREATE FUNCTION pg_temp.unit_id(u int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT pg_temp.uuid7(pg_temp.unit_created(u), 'unit-' || u) $$;

-- Programme p: created before the ten years; its rounds, two a year.
CREATE FUNCTION pg_temp.programme_created(p int) RETURNS timestamp LANGUAGE sql IMMUTABLE AS $$
    SELECT timestamp '2016-11-01 09:00:00' + make_interval(mins => p) $$;
CREATE FUNCTION pg_temp.programme_id(p int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT pg_temp.uuid7(pg_temp.programme_created(p), 'programme-' || p) $$;
CREATE FUNCTION pg_temp.round_opens(y int, half int) RETURNS timestamp LANGUAGE sql IMMUTABLE AS $$
    SELECT make_timestamp(y, CASE half WHEN 1 THEN 2 ELSE 8 END, CASE half WHEN 1 THEN 1 ELSE 15 END, 7, 0, 0) $$;
CREATE FUNCTION pg_temp.round_deadline(y int, half int) RETURNS timestamp LANGUAGE sql IMMUTABLE AS $$
    SELECT make_timestamp(y, CASE half WHEN 1 THEN 3 ELSE 9 END, CASE half WHEN 1 THEN 15 ELSE 30 END, 22, 59, 59) $$;
CREATE FUNCTION pg_temp.round_id(p int, y int, half int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT pg_temp.uuid7(pg_temp.round_opens(y, half) - interval '30 days' + make_interval(secs => p::float8), 'round-' || p::text || '-' || y::text || '-' || half::text) $$;

CREATE FUNCTION pg_temp.district(i int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT (ARRAY['angered', 'ostra_goteborg', 'orgryte_harlanda', 'centrum', 'majorna_linne',
                  'askim_frolunda_hogsbo', 'vastra_goteborg', 'vastra_hisingen', 'lundby', 'norra_hisingen'])[1 + (i % 10)] $$;
CREATE FUNCTION pg_temp.district_name(i int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT (ARRAY['Angered', 'Östra Göteborg', 'Örgryte-Härlanda', 'Centrum', 'Majorna-Linné',
                  'Askim-Frölunda-Högsbo', 'Västra Göteborg', 'Västra Hisingen', 'Lundby', 'Norra Hisingen'])[1 + (i % 10)] $$;
CREATE FUNCTION pg_temp.word(i int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT (ARRAY['Hopp', 'Gemenskap', 'Framtid', 'Kraft', 'Bryggan', 'Vänskap', 'Mötesplats', 'Läxhjälp',
                  'Idrott', 'Kultur', 'Språkcafé', 'Trygghet', 'Natur', 'Musik', 'Fritid', 'Solidaritet',
                  'Grannskap', 'Ungdom', 'Seniorer', 'Integration', 'Hälsa', 'Stöd', 'Dans', 'Teater'])[1 + (i % 24)] $$;
-- Swedish organisation number NNNNNN-NNNN with its Luhn check digit.
CREATE FUNCTION pg_temp.luhn_digit(d int, w int) RETURNS int LANGUAGE sql IMMUTABLE AS $$
    SELECT (d * w) / 10 + (d * w) % 10 $$;
CREATE FUNCTION pg_temp.org_number(k bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT '802' || substr(lpad(k::text, 6, '0'), 1, 3) || '-' || substr(lpad(k::text, 6, '0'), 4, 3)
        || ((10 - (pg_temp.luhn_digit(8, 2) + pg_temp.luhn_digit(0, 1) + pg_temp.luhn_digit(2, 2)
                   + pg_temp.luhn_digit(substr(lpad(k::text, 6, '0'), 1, 1)::int, 1)
                   + pg_temp.luhn_digit(substr(lpad(k::text, 6, '0'), 2, 1)::int, 2)
                   + pg_temp.luhn_digit(substr(lpad(k::text, 6, '0'), 3, 1)::int, 1)
                   + pg_temp.luhn_digit(substr(lpad(k::text, 6, '0'), 4, 1)::int, 2)
                   + pg_temp.luhn_digit(substr(lpad(k::text, 6, '0'), 5, 1)::int, 1)
                   + pg_temp.luhn_digit(substr(lpad(k::text, 6, '0'), 6, 1)::int, 2)) % 10) % 10)::text
$$;

-- Lookup tables: the ids by ordinal, computed once.
CREATE TEMP TABLE unit_ids AS SELECT u AS uk, pg_temp.unit_id(u) AS id FROM generate_series(1, 60) u;
ALTER TABLE unit_ids ADD PRIMARY KEY (uk);
CREATE TEMP TABLE org_ids AS SELECT k AS ok, pg_temp.org_id(k, :orgs) AS id FROM generate_series(1::bigint, :orgs) k;
ALTER TABLE org_ids ADD PRIMARY KEY (ok);
CREATE TEMP TABLE programme_ids AS SELECT p AS pk, pg_temp.programme_id(p) AS id FROM generate_series(1, :programmes) p;
ALTER TABLE programme_ids ADD PRIMARY KEY (pk);
CREATE TEMP TABLE round_ids AS SELECT p AS rp, y AS ry, half AS rh, pg_temp.round_id(p, y, half) AS id
FROM generate_series(1, :programmes) p, generate_series(2017, 2026) y, generate_series(1, 2) half;
ALTER TABLE round_ids ADD PRIMARY KEY (rp, ry, rh);
ANALYZE unit_ids; ANALYZE org_ids; ANALYZE programme_ids; ANALYZE round_ids;

-- Bulk load: the foreign keys and the secondary indexes (not the primary
-- keys, unique and check constraints) are set aside and rebuilt at the end,
-- where re-adding each foreign key checks every row at once.
SET maintenance_work_mem = '512MB';
SET work_mem = '64MB';
SET synchronous_commit = off;
CREATE TEMP TABLE set_aside AS
SELECT 1 AS ord, format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid)) AS ddl,
       format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname) AS drop_ddl
FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace
UNION ALL
SELECT 0, indexdef, format('DROP INDEX %I.%I', schemaname, indexname)
FROM pg_indexes i WHERE schemaname = 'public'
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass);
DO $$ DECLARE d text; BEGIN
    FOR d IN SELECT drop_ddl FROM set_aside ORDER BY ord DESC LOOP EXECUTE d; END LOOP;
END $$;

SELECT setseed(0.4242);

-- --- city_units ----------------------------------------------------------------
BEGIN;
INSERT INTO city_units (id, name, kind, district, version, created_at, updated_at)
SELECT (SELECT id FROM unit_ids WHERE uk = u),
       CASE WHEN u <= 10 THEN 'Stadsdelsförvaltning ' || pg_temp.district_name(u - 1)
            WHEN u <= 50 THEN 'Förvaltning ' || (u - 10) || ' ' || pg_temp.word(u)
            ELSE 'Stadens bolag ' || (u - 50) END,
       CASE WHEN u <= 10 THEN 'district_administration' WHEN u <= 50 THEN 'specialist_administration' ELSE 'city_company' END,
       CASE WHEN u <= 10 THEN pg_temp.district(u - 1) END,
       1, pg_temp.unit_created(u), pg_temp.unit_created(u)
FROM generate_series(1, 60) u;
COMMIT;

-- --- organisations ---------------------------------------------------------------
BEGIN;
INSERT INTO organisations (id, name, name_search, organisation_number, districts, legal_form, description,
                           website, contact_email, contact_phone, external_id, version, created_at, updated_at)
SELECT (SELECT id FROM org_ids WHERE ok = k), name, lower(name),
       CASE WHEN r1 < 0.8 THEN pg_temp.org_number(k) END,
       ',' || pg_temp.district(d0) || ','
           || CASE WHEN nd >= 2 THEN pg_temp.district(d0 + 3) || ',' ELSE '' END
           || CASE WHEN nd >= 3 THEN pg_temp.district(d0 + 7) || ',' ELSE '' END,
       (ARRAY['non_profit_association', 'non_profit_association', 'non_profit_association', 'cooperative',
              'foundation', 'social_enterprise', 'faith_community', 'other'])[1 + floor(r2 * 8)::int],
       CASE WHEN r3 < 0.7 THEN 'Vi arbetar med ' || lower(pg_temp.word(k::int + 5)) || ' i ' || pg_temp.district_name(d0) || '.' END,
       CASE WHEN r3 < 0.6 THEN 'https://forening' || k || '.example.se' END,
       CASE WHEN r3 < 0.9 THEN 'info@forening' || k || '.example.se' END,
       CASE WHEN r3 < 0.5 THEN '031-' || lpad((k % 1000000)::text, 6, '0') END,
       NULL,
       v, created, created + (v - 1) * interval '40 days' * r4
FROM (
    SELECT k, random() r1, random() r2, random() r3, random() r4,
           floor(random() * 10)::int AS d0, 1 + floor(random() * 3)::int AS nd,
           1 + floor(random() * 3)::int AS v,
           pg_temp.org_created(k, :orgs) AS created,
           (ARRAY['Föreningen', 'Stiftelsen', 'Kooperativet', 'Nätverket', 'Förbundet', 'Klubben'])[1 + (k % 6)::int]
               || ' ' || pg_temp.word((k / 6)::int) || ' ' || pg_temp.word((k / 144)::int + 7) || ' ' || k AS name
    FROM generate_series(1, :orgs) k
) o
ORDER BY created;
COMMIT;

-- --- grant programmes, budgets (after the allocations), rounds --------------------
-- The last 2 % of programmes are drafts without applications; 10 % are closed.
BEGIN;
INSERT INTO grant_programmes (id, title, title_search, description, owning_unit_id, min_sek, max_sek,
                              eligible_legal_forms, districts, required_documents, multi_year_allowed,
                              status, external_id, version, created_at, updated_at)
SELECT (SELECT id FROM programme_ids WHERE pk = p), title, lower(title), 'Stöd till ' || lower(pg_temp.word(p + 3)) || '.',
       (SELECT id FROM unit_ids WHERE uk = 1 + (p % 60)), 10000, 10000 * (5 + (p % 20) * 5),
       ',', CASE WHEN p % 4 = 0 THEN ',' || pg_temp.district(p) || ',' ELSE ',' END,
       '[{"key": "verksamhetsplan", "title": "Verksamhetsplan"}]', p % 5 = 0,
       CASE WHEN p > :programmes - :drafts THEN 'draft' WHEN p % 10 = 0 THEN 'closed' ELSE 'open' END,
       NULL, 2, pg_temp.programme_created(p), pg_temp.programme_created(p) + interval '1 day'
FROM (SELECT p, 'Bidrag för ' || lower(pg_temp.word(p)) || ' ' || p AS title FROM generate_series(1, :programmes) p) x;
COMMIT;

BEGIN;
INSERT INTO grant_rounds (id, programme_id, name, opens_at, deadline, accepts_late_applications, created_at)
SELECT (SELECT id FROM round_ids WHERE rp = p AND ry = y AND rh = half), (SELECT id FROM programme_ids WHERE pk = p),
       CASE half WHEN 1 THEN 'Vår ' ELSE 'Höst ' END || y,
       pg_temp.round_opens(y, half), pg_temp.round_deadline(y, half), false,
       pg_temp.round_opens(y, half) - interval '30 days' + make_interval(secs => p::float8)
FROM generate_series(1, :programmes - :drafts) p, generate_series(2017, 2026) y, generate_series(1, 2) half;
COMMIT;

-- --- grant applications -------------------------------------------------------------
-- Evenly over the ten years, two rounds a year; the status follows the age:
-- old rounds are closed (granted, reported and closed; or rejected and
-- closed; or withdrawn), this spring's are decided and paid, this autumn's
-- are in review. Granted: 65 % of the decided.
BEGIN;
CREATE TEMP TABLE app_gen ON COMMIT DROP AS
SELECT n, pg_temp.uuid7(created, 'application-' || n) AS id, y, half, p, created, submitted, k, status, outcome, requested,
       CASE outcome WHEN 'granted' THEN requested
                    WHEN 'partly_granted' THEN greatest(1000, round(requested * 0.6 / 1000) * 1000)::bigint
                    WHEN 'rejected' THEN 0 END AS granted,
       make_date(y, CASE half WHEN 1 THEN 5 ELSE 11 END, CASE half WHEN 1 THEN 1 ELSE 15 END) AS start_date,
       make_date(y, CASE half WHEN 1 THEN 9 ELSE 12 END, CASE half WHEN 1 THEN 30 ELSE 31 END) AS end_date,
       (pg_temp.round_deadline(y, half) + interval '40 days')::date AS decided_on
FROM (
    SELECT n, y, half, p, created, k, requested,
           CASE WHEN status = 'draft' THEN NULL
                ELSE least(created + interval '3 days' * rs, pg_temp.round_deadline(y, half)) END AS submitted,
           status,
           CASE WHEN status IN ('decided', 'paid', 'reported', 'closed') THEN
                CASE WHEN granted_share THEN CASE WHEN ro < 0.7 THEN 'granted' ELSE 'partly_granted' END
                     ELSE 'rejected' END END AS outcome
    FROM (
        SELECT n, y, half, p, created, ro, rs, requested,
               pg_temp.org_max(created, :orgs) AS kmax, k0,
               1 + floor(k0 * pg_temp.org_max(created, :orgs))::bigint AS k,
               rd < 0.65 AS granted_share,
               CASE WHEN y < 2026 OR half = 1 THEN
                    CASE WHEN rs < 0.05 THEN 'withdrawn'
                         WHEN rd >= 0.65 THEN 'closed'                -- rejected, then closed
                         WHEN y <= 2024 THEN 'closed'                 -- granted, paid, reported, closed
                         WHEN y = 2025 THEN CASE WHEN rt < 0.6 THEN 'closed' WHEN rt < 0.9 THEN 'reported' ELSE 'paid' END
                         ELSE CASE WHEN rt < 0.5 THEN 'paid' WHEN rt < 0.8 THEN 'decided' ELSE 'reported' END END
                    ELSE
                    CASE WHEN rs < 0.06 THEN 'draft' WHEN rs < 0.10 THEN 'withdrawn' WHEN rs < 0.35 THEN 'submitted'
                         WHEN rs < 0.60 THEN 'under_review' WHEN rs < 0.68 THEN 'completion_requested'
                         WHEN rs < 0.88 THEN 'decided' ELSE CASE WHEN rd < 0.65 THEN 'paid' ELSE 'decided' END END
               END AS status
        FROM (
            SELECT n, y, half, p, ro, rs, rd, rt, k0,
                   date_trunc('milliseconds', pg_temp.round_opens(y, half)
                       + (pg_temp.round_deadline(y, half) - pg_temp.round_opens(y, half)) * rc) AS created,
                   (10000 + floor(random() * (10000 * (5 + (p % 20) * 5) - 10000) / 1000) * 1000)::bigint AS requested
            FROM (
                SELECT n, 2017 + ((n - 1) * 10 / :apps)::int AS y, 1 + (random() < 0.5)::int AS half,
                       1 + floor(random() * (:programmes - :drafts))::int AS p,
                       random() AS rc, random() AS ro, random() AS rs, random() AS rd, random() AS rt, random() AS k0
                FROM generate_series(1, :apps) n
            ) a0
        ) a1
    ) a2
) a3;
-- Withdrawn and undecided applications have no outcome; only decided statuses carry one.
INSERT INTO grant_applications (id, organisation_id, programme_id, round_id, title, title_search, purpose,
    target_group, districts, requested_sek, start_date, end_date, budget_lines, document_answers,
    registry_number, status, submitted_at, submitted_late, completion_message, outcome, granted_sek,
    grant_year, motivation, decided_by, decided_on, report, external_id, version, created_at, updated_at,
    decided_by_role, decided_by_unit_id)
SELECT id, (SELECT id FROM org_ids WHERE ok = k), (SELECT id FROM programme_ids WHERE pk = p),
       (SELECT id FROM round_ids WHERE rp = p AND ry = y AND rh = half), title, lower(title),
       'Vi vill ' || lower(pg_temp.word(n::int + 11)) || ' för fler i området.',
       CASE WHEN n % 3 = 0 THEN 'Barn och unga' WHEN n % 3 = 1 THEN 'Äldre' END,
       ',' || pg_temp.district(n::int % 7 + p) || ',', requested, start_date, end_date,
       jsonb_build_array(jsonb_build_object('description', 'Personal', 'amount_sek', requested / 2),
                         jsonb_build_object('description', 'Lokaler och material', 'amount_sek', requested - requested / 2))::text,
       CASE WHEN status = 'draft' THEN '[]'
            ELSE '[{"key": "verksamhetsplan", "reference": "https://arkiv.example.se/' || n || '", "note": null, "waiver_reason": null}]' END,
       CASE WHEN submitted IS NOT NULL THEN 'BID-' || y || '-' || lpad(n::text, 7, '0') END,
       status, submitted, false,
       CASE WHEN status = 'completion_requested' THEN 'Komplettera budgeten, tack.' END,
       outcome, CASE WHEN outcome IS NOT NULL THEN granted END,
       CASE WHEN outcome IS NOT NULL THEN extract(year FROM start_date)::int END,
       CASE WHEN outcome = 'rejected' THEN 'Ryms inte i årets budget.' WHEN outcome IS NOT NULL THEN 'Stämmer väl med programmets syfte.' END,
       CASE WHEN outcome IS NOT NULL THEN 'handlaggare-' || (p % 60) END,
       CASE WHEN outcome IS NOT NULL THEN decided_on END,
       CASE WHEN status IN ('reported', 'closed') AND outcome <> 'rejected' THEN 'Genomfört enligt plan.' END,
       NULL, steps, created, last_at,
       CASE WHEN outcome IS NOT NULL THEN 'city_staff' END,
       CASE WHEN outcome IS NOT NULL THEN (SELECT id FROM unit_ids WHERE uk = 1 + (p % 60)) END
FROM (
    SELECT g.*, 'Projekt ' || pg_temp.word(n::int) || ' ' || pg_temp.word((n / 24)::int + 3) || ' ' || y AS title,
           -- history steps (= version) and the time of the last one (= updated_at)
           CASE status WHEN 'draft' THEN 1 WHEN 'submitted' THEN 2 WHEN 'withdrawn' THEN 3 WHEN 'under_review' THEN 3
                       WHEN 'completion_requested' THEN 4 WHEN 'decided' THEN 4
                       WHEN 'paid' THEN 5 WHEN 'reported' THEN 6
                       WHEN 'closed' THEN CASE WHEN outcome = 'rejected' THEN 5 ELSE 7 END END AS steps,
           CASE status WHEN 'draft' THEN created WHEN 'submitted' THEN submitted WHEN 'withdrawn' THEN submitted + interval '2 days'
                       WHEN 'under_review' THEN pg_temp.round_deadline(y, half) + interval '5 days'
                       WHEN 'completion_requested' THEN pg_temp.round_deadline(y, half) + interval '12 days'
                       WHEN 'decided' THEN decided_on + time '10:00'
                       WHEN 'paid' THEN (decided_on + 14) + time '11:00'
                       WHEN 'reported' THEN (end_date + 30) + time '12:00'
                       WHEN 'closed' THEN CASE WHEN outcome = 'rejected' THEN (decided_on + 1) + time '10:00'
                                               ELSE (end_date + 60) + time '13:00' END END AS last_at
    FROM app_gen g
) x
ORDER BY created;

-- Allocations: a grant is charged to its year (every period lies in one year).
INSERT INTO grant_allocations (application_id, programme_id, year, amount_sek)
SELECT id, (SELECT id FROM programme_ids WHERE pk = p), extract(year FROM start_date)::int, granted
FROM app_gen WHERE outcome IN ('granted', 'partly_granted');

-- Payments: one, the whole grant, two weeks after the decision.
INSERT INTO grant_payments (id, application_id, amount_sek, paid_on, recorded_by, created_at)
SELECT pg_temp.uuid7((decided_on + 14) + time '11:00', 'payment-' || n),
       id, granted, decided_on + 14, 'ekonom-' || (p % 20),
       (decided_on + 14) + time '11:00'
FROM app_gen WHERE outcome IN ('granted', 'partly_granted') AND status IN ('paid', 'reported', 'closed');

-- History: one row per step the application took.
INSERT INTO grant_history (id, application_id, at, actor, actor_role, action, from_status, to_status, note)
SELECT pg_temp.uuid7(s.at, 'history-' || g.n || '-' || s.seq), g.id, s.at,
       CASE WHEN s.by_org THEN 'org-user-' || g.k ELSE 'handlaggare-' || (g.p % 60) END,
       CASE WHEN s.by_org THEN 'organisation' ELSE 'city_staff' END,
       s.action, s.from_status, s.to_status, s.note
FROM app_gen g
CROSS JOIN LATERAL (VALUES
    (1, g.created, true, 'create', NULL, 'draft', NULL, true),
    (2, g.submitted, true, 'submit', 'draft', 'submitted', NULL, g.status <> 'draft'),
    (3, g.submitted + interval '2 days', true, 'withdraw', 'submitted', 'withdrawn', NULL, g.status = 'withdrawn'),
    (3, pg_temp.round_deadline(g.y, g.half) + interval '5 days', false, 'start_review', 'submitted', 'under_review', NULL,
        g.status IN ('under_review', 'completion_requested', 'decided', 'paid', 'reported', 'closed')),
    (4, pg_temp.round_deadline(g.y, g.half) + interval '12 days', false, 'request_completion', 'under_review', 'completion_requested', NULL,
        g.status = 'completion_requested'),
    (4, g.decided_on + time '10:00', false, 'decide', 'under_review', 'decided', g.outcome || ': ' || g.granted || ' SEK',
        g.outcome IS NOT NULL),
    (5, (g.decided_on + 1) + time '10:00', false, 'close', 'decided', 'closed', NULL,
        g.outcome = 'rejected' AND g.status = 'closed'),
    (5, (g.decided_on + 14) + time '11:00', false, 'pay', 'decided', 'paid', g.granted || ' SEK',
        g.outcome <> 'rejected' AND g.status IN ('paid', 'reported', 'closed')),
    (6, (g.end_date + 30) + time '12:00', true, 'report', 'paid', 'reported', NULL,
        g.outcome <> 'rejected' AND g.status IN ('reported', 'closed')),
    (7, (g.end_date + 60) + time '13:00', false, 'close', 'reported', 'closed', NULL,
        g.outcome <> 'rejected' AND g.status = 'closed')
) AS s(seq, at, by_org, action, from_status, to_status, note, taken)
WHERE s.taken;
COMMIT;

-- Budgets: every year of every programme, 15 % above what was granted.
BEGIN;
INSERT INTO grant_budgets (programme_id, year, budget_sek)
SELECT pr.id, y, (coalesce(a.granted, 0) * 1.15)::bigint + 500000
FROM grant_programmes pr CROSS JOIN generate_series(2017, 2026) y
LEFT JOIN (SELECT programme_id, year, sum(amount_sek) AS granted FROM grant_allocations GROUP BY 1, 2) a
       ON a.programme_id = pr.id AND a.year = y;
-- What is granted and paid of each year, as decide and pay keep it (the
-- closed form of domain::grant::paid_per_year, as migration 000012 has it).
UPDATE grant_budgets b
SET granted_sek = f.granted_sek, paid_sek = f.paid_sek
FROM (
    SELECT programme_id, year,
           CAST(SUM(amount_sek) AS BIGINT) AS granted_sek,
           CAST(SUM(LEAST(amount_sek, GREATEST(0, paid - earlier))) AS BIGINT) AS paid_sek
    FROM (
        SELECT a.programme_id, a.year, a.amount_sek,
               SUM(a.amount_sek) OVER (PARTITION BY a.application_id ORDER BY a.year) - a.amount_sek AS earlier,
               COALESCE(p.paid, 0) AS paid
        FROM grant_allocations a
        LEFT JOIN (SELECT application_id, SUM(amount_sek) AS paid
                   FROM grant_payments GROUP BY application_id) p
               ON p.application_id = a.application_id
    ) per_grant_year
    GROUP BY programme_id, year
) f
WHERE b.programme_id = f.programme_id AND b.year = f.year;
COMMIT;

-- --- partnerships ----------------------------------------------------------------
BEGIN;
CREATE TEMP TABLE pship_gen ON COMMIT DROP AS
SELECT n, created, start_date, start_date + (365 * (1 + floor(rl * 3)))::int AS end_date, unit, form, by_org, k, rs, nparties,
       pg_temp.uuid7(created, 'partnership-' || n) AS id,
       CASE WHEN start_date > pg_temp.asof()::date THEN
                CASE WHEN rs < 0.4 THEN 'proposal' WHEN rs < 0.75 THEN 'in_dialogue' WHEN rs < 0.9 THEN 'agreed' ELSE 'declined' END
            WHEN start_date + (365 * (1 + floor(rl * 3)))::int >= pg_temp.asof()::date THEN
                CASE WHEN rs < 0.92 THEN 'active' WHEN rs < 0.97 THEN 'terminated' ELSE 'withdrawn' END
            ELSE CASE WHEN rs < 0.8 THEN 'concluded' WHEN rs < 0.88 THEN 'terminated' WHEN rs < 0.94 THEN 'withdrawn' ELSE 'declined' END
       END AS status
FROM (
    SELECT n, created, (created + make_interval(days => 30 + floor(rd * 90)::int))::date AS start_date, rl, rs,
           1 + floor(ru * 60)::int AS unit,
           (ARRAY['iop', 'iop', 'association_grant', 'direct_procurement', 'procurement', 'dialogue', 'other'])[1 + floor(rf * 7)::int] AS form,
           ri < 0.6 AS by_org, 1 + floor(rk * pg_temp.org_max(created, :orgs))::bigint AS k,
           2 + floor(rp * 3)::int AS nparties
    FROM (
        SELECT n, random() rd, random() rl, random() rs, random() ru, random() rf, random() ri, random() rk, random() rp,
               date_trunc('milliseconds', pg_temp.t0() + (pg_temp.asof() - interval '20 days' - pg_temp.t0()) * ((n - 1 + random())::float8 / :partnerships)) AS created
        FROM generate_series(1, :partnerships) n
    ) p0
) p1;

INSERT INTO partnerships (id, title, title_search, purpose, form, responsible_unit_id, contact_name, contact_email,
    initiated_by, initiating_organisation_id, target_groups, districts, start_date, end_date, registry_number,
    status, internal_notes, external_id, version, created_at, updated_at)
SELECT id, title, lower(title), 'Tillsammans för ' || lower(pg_temp.word(n::int + 2)) || '.', form, (SELECT id FROM unit_ids WHERE uk = unit),
       'Kontakt ' || (n % 500), 'kontakt' || (n % 500) || '@goteborg.example.se',
       CASE WHEN by_org THEN 'organisation' ELSE 'city' END, CASE WHEN by_org THEN (SELECT id FROM org_ids WHERE ok = k) END,
       CASE WHEN n % 2 = 0 THEN '["Barn och unga"]' ELSE '["Nyanlända", "Äldre"]' END,
       ',' || pg_temp.district(n::int) || ',' || CASE WHEN n % 3 = 0 THEN pg_temp.district(n::int + 4) || ',' ELSE '' END,
       start_date, end_date, CASE WHEN status NOT IN ('proposal', 'declined') THEN 'IOP-' || extract(year FROM created) || '-' || lpad(n::text, 6, '0') END,
       status, NULL, NULL, CASE WHEN status = 'proposal' THEN 1 ELSE 2 END, created,
       CASE WHEN status = 'proposal' THEN created ELSE least(created + interval '20 days', pg_temp.asof()) END
FROM (SELECT g.*, pg_temp.word(n::int) || 'partnerskapet ' || pg_temp.district_name(n::int) || ' ' || n AS title FROM pship_gen g) x
ORDER BY created;

-- Parties: the proposing (or a) organisation leads, 1-3 more are members;
-- those named by a proposal that is not yet agreed are invited.
INSERT INTO partnership_parties (partnership_id, organisation_id, role, joined_on, left_on, status)
SELECT g.id, (SELECT id FROM org_ids WHERE ok = ((g.k - 1 + j * 7919) % pg_temp.org_max(g.created, :orgs)) + 1),
       CASE WHEN j = 0 THEN 'lead' ELSE 'member' END, g.created::date, NULL,
       CASE WHEN j > 0 AND g.status IN ('proposal', 'in_dialogue') THEN 'invited' ELSE 'active' END
FROM pship_gen g, generate_series(0, 4) j
WHERE j < g.nparties
ON CONFLICT DO NOTHING;

-- Funding: one line a year of the period from the responsible unit; one in
-- ten also has a state grant.
INSERT INTO partnership_funding_lines (id, partnership_id, source_unit_id, source_name, year, amount_sek, created_at)
SELECT pg_temp.uuid7(g.created + interval '20 days', 'funding-' || g.n || '-' || y), g.id,
       (SELECT id FROM unit_ids WHERE uk = g.unit), 'Göteborgs Stad', y, 50000 + (g.n % 40) * 25000, g.created + interval '20 days'
FROM pship_gen g, generate_series(extract(year FROM g.start_date)::int, extract(year FROM g.end_date)::int) y
WHERE g.status IN ('agreed', 'active', 'concluded', 'terminated')
UNION ALL
SELECT pg_temp.uuid7(g.created + interval '21 days', 'funding-state-' || g.n), g.id, NULL, 'Allmänna arvsfonden',
       extract(year FROM g.start_date)::int, 300000, g.created + interval '21 days'
FROM pship_gen g WHERE g.status IN ('agreed', 'active', 'concluded', 'terminated') AND g.n % 10 = 0;

-- History: created, then the change to the present status.
INSERT INTO partnership_history (id, partnership_id, at, actor, actor_role, change, from_status, to_status, detail, reason)
SELECT pg_temp.uuid7(g.created, 'phistory-' || g.n || '-1'), g.id, g.created,
       CASE WHEN g.by_org THEN 'org-user-' || g.k ELSE 'handlaggare-' || g.unit END,
       CASE WHEN g.by_org THEN 'organisation' ELSE 'city_staff' END,
       'created', NULL, 'proposal', 'Partnership proposed', NULL
FROM pship_gen g
UNION ALL
SELECT pg_temp.uuid7(least(g.created + interval '20 days', pg_temp.asof()), 'phistory-' || g.n || '-2'), g.id,
       least(g.created + interval '20 days', pg_temp.asof()), 'handlaggare-' || g.unit, 'city_staff', 'status',
       'proposal', g.status, 'Status changed from proposal to ' || g.status,
       CASE WHEN g.status IN ('terminated', 'withdrawn', 'declined') THEN 'Avslutat i samförstånd.' END
FROM pship_gen g WHERE g.status <> 'proposal';
COMMIT;

-- --- dialogue events ----------------------------------------------------------------
BEGIN;
CREATE TEMP TABLE event_gen ON COMMIT DROP AS
SELECT n, starts_at, created, id, fmt, capacity, nregs, k0, status, ev_district,
       CASE WHEN nregs > 0 THEN least(starts_at - interval '2 days', created + interval '10 days') END AS deadline
FROM (
    SELECT n, starts_at, created, pg_temp.uuid7(created, 'event-' || n) AS id, fmt, capacity, nregs, k0, ev_district,
           CASE WHEN starts_at < pg_temp.asof() THEN
                    CASE WHEN rs < 0.85 THEN 'held' WHEN rs < 0.93 THEN 'cancelled' ELSE 'published' END
                ELSE CASE WHEN rs < 0.8 THEN 'published' WHEN rs < 0.95 THEN 'planned' ELSE 'cancelled' END END AS status
    FROM (
        SELECT n, starts_at, date_trunc('milliseconds', starts_at - make_interval(days => 14 + floor(rc * 46)::int, secs => rc * 3600)) AS created,
               (ARRAY['in_person', 'in_person', 'online', 'hybrid'])[1 + floor(rf * 4)::int] AS fmt,
               CASE WHEN rcap < 0.7 THEN 20 + floor(rcap * 250)::int END AS capacity,
               floor(rr * 11)::int AS nregs, rk AS k0, rs,
               CASE WHEN rdi < 0.8 THEN pg_temp.district(floor(rdi * 100)::int) END AS ev_district
        FROM (
            SELECT n, random() rc, random() rf, random() rcap, random() rr, random() rk, random() rs, random() rdi,
                   date_trunc('hour', pg_temp.t0() + (pg_temp.asof() + interval '180 days' - pg_temp.t0()) * ((n - 1)::float8 / :events))
                       + make_interval(hours => 9 + (n % 9)::int) AS starts_at
            FROM generate_series(1, :events) n
        ) e0
    ) e1
) e2;

INSERT INTO dialogue_events (id, title, title_search, description, kind, participation_level, topic, organiser_unit_id,
    co_organisers, starts_at, ends_at, format, place, address, online_link, district, capacity, registration_deadline,
    status, cancellation_reason, agenda, minutes, walk_ins, external_id, version, created_at, updated_at)
SELECT id, title, lower(title), 'Välkommen till ' || lower(title) || '.',
       (ARRAY['dialogue_meeting', 'consultation', 'council_meeting', 'leadership_forum', 'workshop', 'training',
              'matching_meeting', 'fair', 'other'])[1 + (n % 9)::int],
       (ARRAY['information', 'consultation', 'dialogue', 'partnership'])[1 + (n % 4)::int],
       pg_temp.word(n::int + 1), (SELECT id FROM unit_ids WHERE uk = 1 + (n % 60)::int),
       CASE WHEN n % 5 = 0 THEN ',' || (SELECT id FROM org_ids WHERE ok = 1 + floor(k0 * pg_temp.org_max(created, :orgs))::bigint) || ',' ELSE ',' END,
       starts_at, starts_at + interval '2 hours', fmt,
       CASE WHEN fmt <> 'online' THEN 'Träffpunkten ' || pg_temp.word(n::int) END,
       CASE WHEN fmt <> 'online' THEN 'Storgatan ' || (n % 90 + 1) || ', Göteborg' END,
       CASE WHEN fmt <> 'in_person' THEN 'https://mote.example.se/' || n END,
       ev_district, capacity, deadline, status,
       CASE WHEN status = 'cancelled' THEN 'För få anmälda.' END,
       CASE WHEN n % 2 = 0 THEN '[]'
            ELSE '[{"title": "Inledning", "duration_minutes": 15, "presenter": null}, {"title": "Samtal i grupper", "duration_minutes": 60, "presenter": "Moderator"}]' END,
       CASE WHEN status = 'held' AND n % 2 = 0 THEN 'Vi talade om ' || lower(pg_temp.word(n::int + 1)) || '.' END,
       CASE WHEN status = 'held' THEN (n % 6)::int END,
       NULL,
       CASE status WHEN 'planned' THEN 1 WHEN 'published' THEN 2 ELSE 3 END,
       created,
       CASE status WHEN 'planned' THEN created WHEN 'published' THEN created + interval '1 hour'
                   WHEN 'cancelled' THEN least(starts_at - interval '1 day', pg_temp.asof())
                   ELSE least(starts_at + interval '1 day', pg_temp.asof()) END
FROM (SELECT g.*, (ARRAY['Dialogmöte', 'Samråd', 'Workshop', 'Utbildning', 'Mässa', 'Forum'])[1 + (n % 6)::int] || ' om '
                  || lower(pg_temp.word(n::int + 1)) || ' ' || n AS title FROM event_gen g) x
ORDER BY created;

-- Registrations: 0-10 distinct organisations an event (planned events have none).
INSERT INTO dialogue_registrations (id, event_id, organisation_id, participants, names, needs, status, registered_at, updated_at)
SELECT pg_temp.uuid7(at, 'registration-' || n || '-' || j), id, (SELECT id FROM org_ids WHERE ok = org), 1 + ((n + j) % 4)::int,
       CASE WHEN j % 3 = 0 THEN '["Anna Andersson", "Omar Ali"]' ELSE '[]' END,
       CASE WHEN j % 7 = 0 THEN 'Hörslinga' END,
       CASE WHEN (n + j) % 20 = 0 THEN 'cancelled' WHEN capacity IS NOT NULL AND j * 3 > capacity THEN 'waitlisted' ELSE 'registered' END,
       at, at
FROM (
    SELECT g.*, j, ((floor(g.k0 * pg_temp.org_max(g.created, :orgs))::bigint + j * 7919) % pg_temp.org_max(g.created, :orgs)) + 1 AS org,
           date_trunc('milliseconds', g.created + (g.deadline - g.created) * (j::float8 / (g.nregs + 1))) AS at
    FROM event_gen g, generate_series(1, 10) j
    WHERE j <= g.nregs AND g.status <> 'planned'
) r
ON CONFLICT DO NOTHING;

-- Attendance of held events: the registered came, most of them.
INSERT INTO dialogue_attendance (event_id, organisation_id, attendees)
SELECT r.event_id, r.organisation_id, greatest(1, r.participants - abs(hashtext(r.id)) % 2)
FROM dialogue_registrations r JOIN event_gen g ON g.id = r.event_id
WHERE g.status = 'held' AND r.status = 'registered';
COMMIT;

-- --- the indexes and foreign keys, back -------------------------------------------
DO $$ DECLARE d text; BEGIN
    FOR d IN SELECT ddl FROM set_aside ORDER BY ord, ddl LOOP EXECUTE d; END LOOP;
END $$;

\timing off
