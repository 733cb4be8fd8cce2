DROP TABLE grant_programme_history;
