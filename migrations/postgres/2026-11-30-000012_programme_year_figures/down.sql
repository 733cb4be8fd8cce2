ALTER TABLE grant_budgets
    DROP CONSTRAINT IF EXISTS grant_budgets_paid_within_granted,
    DROP CONSTRAINT IF EXISTS grant_budgets_granted_within_budget,
    DROP COLUMN IF EXISTS paid_sek,
    DROP COLUMN IF EXISTS granted_sek;
