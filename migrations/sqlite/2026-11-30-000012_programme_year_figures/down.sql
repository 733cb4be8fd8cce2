ALTER TABLE grant_budgets DROP COLUMN paid_sek;
ALTER TABLE grant_budgets DROP COLUMN granted_sek;
