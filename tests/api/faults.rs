//! Database faults answer bounded, honest problems: a write that waits past
//! the statement timeout (a lock held by someone else) answers 503/504 with
//! `Retry-After` within the bound, changes nothing, and the next request
//! after the lock is gone succeeds.

use std::time::{Duration, Instant};

use diesel::{Connection, RunQueryDsl};
use serde_json::json;

use crate::helpers::*;

/// Holds what blocks writers until dropped: SQLite's write lock, or a
/// PostgreSQL row lock (the connection that holds it).
struct Blocker(#[allow(dead_code)] Box<dyn std::any::Any>);

fn block_writes(app: &TestApp, organisation: &str) -> Blocker {
    let url = app.database_url();
    if let Some(path) = url.strip_prefix("sqlite://") {
        let mut conn = diesel::SqliteConnection::establish(path).unwrap();
        diesel::sql_query("BEGIN IMMEDIATE")
            .execute(&mut conn)
            .unwrap();
        Blocker(Box::new(conn))
    } else {
        let mut conn = diesel::PgConnection::establish(url).unwrap();
        diesel::sql_query("BEGIN").execute(&mut conn).unwrap();
        diesel::sql_query(format!(
            "SELECT id FROM organisations WHERE id = '{organisation}' FOR UPDATE"
        ))
        .execute(&mut conn)
        .unwrap();
        Blocker(Box::new(conn))
    }
}

#[test]
fn a_write_held_up_past_the_statement_timeout_answers_a_retryable_problem_in_time() {
    let bound = Duration::from_millis(300);
    let app = spawn_app_with(|s| s.database_timeouts.statement_ms = 300);
    let id = app.create_organisation(json!({"name": "Skyddsvärnet", "legal_form": "foundation"}));
    let path = format!("/api/v1/organisations/{id}");
    let blocker = block_writes(&app, &id);
    for _ in 0..3 {
        let started = Instant::now();
        let res = app.patch(
            &path,
            Some(&admin()),
            &json!({"contact_phone": "031-99 99 99"}),
            None,
        );
        let took = started.elapsed();
        assert!(
            [503, 504].contains(&res.status),
            "{}: {}",
            res.status,
            res.text
        );
        assert!(["database_unavailable", "database_timeout"].contains(&res.code().as_str()));
        assert_eq!(res.header("retry-after"), Some("1"));
        assert!(
            took < bound + Duration::from_secs(1),
            "answered after {took:?}"
        );
        assert!(
            !res.text.to_lowercase().contains("sql"),
            "no internals: {}",
            res.text
        );
    }
    // Reads are not blocked by a writer.
    assert_eq!(app.get(&path, Some(&admin())).status, 200);
    drop(blocker);
    let now = app.get(&path, Some(&admin())).json();
    assert!(now["contact_phone"].is_null(), "nothing was written: {now}");
    assert_eq!(now["version"], 1);
    let res = app.patch(
        &path,
        Some(&admin()),
        &json!({"contact_phone": "031-99 99 99"}),
        None,
    );
    assert_eq!(res.status, 200, "{}", res.text);
}
