-- Granted and paid per programme and year, stored beside the year's budget
-- and kept by the writes that change them (a decision adds its allocation,
-- a payment its part of each year). A list of programmes reads them instead
-- of summing every allocation and payment. The database holds the budget
-- rule itself: a year never grants more than its budget, nor pays more than
-- it granted. (SQLite checks a CHECK added by ALTER TABLE only on later
-- writes; the figures below are computed from writes that kept the rule.)
ALTER TABLE grant_budgets ADD COLUMN granted_sek BIGINT NOT NULL DEFAULT 0
    CHECK (granted_sek >= 0 AND granted_sek <= budget_sek);
ALTER TABLE grant_budgets ADD COLUMN paid_sek BIGINT NOT NULL DEFAULT 0
    CHECK (paid_sek >= 0 AND paid_sek <= granted_sek);

-- The figures of what is already stored. Paid fills a grant's years in
-- order (domain::grant::paid_per_year): a year's part is
-- min(amount, max(0, paid - allocated in earlier years)).
UPDATE grant_budgets
SET granted_sek = f.granted_sek, paid_sek = f.paid_sek
FROM (
    SELECT programme_id, year,
           SUM(amount_sek) AS granted_sek,
           SUM(MIN(amount_sek, MAX(0, paid - earlier))) AS paid_sek
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
WHERE grant_budgets.programme_id = f.programme_id AND grant_budgets.year = f.year;
