DROP TABLE grant_history;
DROP TABLE grant_conflict_declarations;
DROP TABLE grant_reviews;
DROP TABLE grant_payments;
DROP TABLE grant_applications;
DROP TABLE grant_rounds;
DROP TABLE grant_budgets;
DROP TABLE grant_programmes;
