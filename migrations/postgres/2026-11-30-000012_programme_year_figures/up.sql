-- Granted and paid per programme and year, stored beside the year's budget
-- and kept by the writes that change them (a decision adds its allocation,
-- a payment its part of each year), under the programme's lock. A list of
-- programmes reads them instead of summing every allocation and payment,
-- which at national scale (2 000 000 applications) ran past the statement
-- timeout. The database holds the budget rule itself: a year never grants
-- more than its budget, nor pays more than it granted.
ALTER TABLE grant_budgets
    ADD COLUMN granted_sek BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN paid_sek BIGINT NOT NULL DEFAULT 0;

-- The figures of what is already stored. Paid fills a grant's years in
-- order (domain::grant::paid_per_year): a year's part is
-- min(amount, max(0, paid - allocated in earlier years)).
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

ALTER TABLE grant_budgets
    ADD CONSTRAINT grant_budgets_granted_within_budget
        CHECK (granted_sek >= 0 AND granted_sek <= budget_sek),
    ADD CONSTRAINT grant_budgets_paid_within_granted
        CHECK (paid_sek >= 0 AND paid_sek <= granted_sek);
