//! The change feed (`GET /api/v1/changes`): every committed change in the
//! outbox's order, a tombstone for a delete, nothing for a write that rolled
//! back, each caller shown what its reads would show, and a consumer that
//! keeps its cursor missing nothing and seeing nothing twice while two
//! servers write.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_json::{json, Value};

use crate::builders::{ApplicationBuilder, ProgrammeBuilder, World, APPS, ORGS};
use crate::helpers::{admin, decider, partner, spawn_app, staff, TestApp};

const CHANGES: &str = "/api/v1/changes";

/// One page after `after` (from the start when `None`): its items and where
/// to continue.
fn page(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
    after: Option<&str>,
) -> (Vec<Value>, String) {
    let mut url = format!("{CHANGES}?{query}");
    if let Some(after) = after {
        url.push_str(&format!("&after={after}"));
    }
    let res = app.get(&url, token);
    assert_eq!(res.status, 200, "{}", res.text);
    let link = res.header("link").unwrap_or_default().to_owned();
    let body = res.json();
    let next = body["next_cursor"].as_str().unwrap().to_owned();
    assert!(
        link.contains(&format!("after={next}")),
        "Link names the next cursor: {link}"
    );
    (body["items"].as_array().unwrap().clone(), next)
}

/// Waits until every change committed so far can be in the feed. On
/// PostgreSQL the feed hands out a change once every transaction that took
/// its id before it has ended (its horizon); tests of other schemas write on
/// the same server meanwhile, so a change may show a moment after its
/// commit. This takes a transaction id now and waits for the horizon to
/// pass it. On SQLite a committed change is in the feed at once.
fn settle(app: &TestApp) {
    use diesel::{Connection, RunQueryDsl};
    #[derive(diesel::QueryableByName)]
    struct Xid {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        xid: i64,
    }
    let url = app.database_url();
    if url.starts_with("sqlite://") {
        return;
    }
    let mut conn = diesel::PgConnection::establish(url).unwrap();
    let mine: Xid = conn
        .transaction(|c| {
            diesel::sql_query("SELECT pg_current_xact_id()::text::bigint AS xid").get_result(c)
        })
        .unwrap();
    for _ in 0..500 {
        let horizon: Xid = diesel::sql_query(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xid",
        )
        .get_result(&mut conn)
        .unwrap();
        if horizon.xid > mine.xid {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("a transaction stayed open for 10 s");
}

/// Every change after `after`, page by page, and the cursor at the end
/// (after [`settle`]: every change committed before the call is in it).
fn drain(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
    after: Option<String>,
) -> (Vec<Value>, String) {
    settle(app);
    let mut items = Vec::new();
    let mut cursor = after;
    for _ in 0..10_000 {
        let (page_items, next) = page(app, token, query, cursor.as_deref());
        let empty = page_items.is_empty();
        items.extend(page_items);
        if empty && cursor.as_deref() == Some(next.as_str()) {
            return (items, next);
        }
        cursor = Some(next);
    }
    panic!("the feed did not end");
}

fn of<'a>(items: &'a [Value], resource_id: &str) -> Vec<&'a Value> {
    items
        .iter()
        .filter(|c| c["resource_id"] == resource_id)
        .collect()
}

#[test]
fn every_write_is_one_change_in_order_and_a_delete_is_a_tombstone() {
    let app = spawn_app();
    let (_, start) = drain(&app, Some(&admin()), "limit=500", None);
    let org = app.create_organisation(
        json!({"name": "Rädda Barnen Göteborg", "legal_form": "non_profit_association"}),
    );
    let res = app.patch(
        &format!("{ORGS}/{org}"),
        Some(&admin()),
        &json!({"name": "Rädda Barnen"}),
        Some("\"1\""),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let res = app.send(
        "DELETE",
        &format!("{ORGS}/{org}"),
        Some(&admin()),
        None,
        &[("If-Match", "\"2\"")],
    );
    assert_eq!(res.status, 204, "{}", res.text);

    let (items, _) = drain(&app, Some(&admin()), "limit=2", Some(start));
    let changes = of(&items, &org);
    let seen: Vec<(&str, i64, bool)> = changes
        .iter()
        .map(|c| {
            (
                c["type"].as_str().unwrap(),
                c["version"].as_i64().unwrap(),
                c["deleted"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            ("organisation.created", 1, false),
            ("organisation.updated", 2, false),
            ("organisation.deleted", 2, true),
        ]
    );
    for change in &changes {
        assert_eq!(change["href"], format!("{ORGS}/{org}"));
        assert_eq!(change["actor_role"], "city_admin");
        assert_eq!(change["via"], "api");
    }
    // A tombstone's href answers 404: the resource is gone.
    assert_eq!(
        app.get(changes[2]["href"].as_str().unwrap(), None).status,
        404
    );
    // Each change has its own id.
    let ids: HashSet<&str> = changes.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 3);
}

/// Makes the database refuse to store the tombstone of an organisation (a
/// trigger on the outbox): a failure met after the delete itself was
/// written, in the same transaction.
fn refuse_tombstones(app: &TestApp) {
    use diesel::{Connection, RunQueryDsl};
    let url = app.database_url();
    if let Some(path) = url.strip_prefix("sqlite://") {
        let mut conn = diesel::SqliteConnection::establish(path).unwrap();
        diesel::sql_query(
            "CREATE TRIGGER refuse_tombstone BEFORE INSERT ON outbox_events \
             WHEN NEW.action = 'deleted' \
             BEGIN SELECT RAISE(ABORT, 'the test refuses this change'); END",
        )
        .execute(&mut conn)
        .unwrap();
    } else {
        let mut conn = diesel::PgConnection::establish(url).unwrap();
        for statement in [
            "CREATE FUNCTION refuse_tombstone() RETURNS trigger AS $$ BEGIN \
             IF NEW.action = 'deleted' THEN RAISE EXCEPTION 'the test refuses this change'; END IF; \
             RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_tombstone BEFORE INSERT ON outbox_events \
             FOR EACH ROW EXECUTE FUNCTION refuse_tombstone()",
        ] {
            diesel::sql_query(statement).execute(&mut conn).unwrap();
        }
    }
}

#[test]
fn a_write_and_its_change_commit_together_or_not_at_all() {
    let app = spawn_app();
    let (_, start) = drain(&app, Some(&admin()), "limit=500", None);
    // Refused by a rule checked in the transaction: a second organisation
    // with the same number. No change is in the feed for it.
    let body = json!({"name": "Passalen", "legal_form": "non_profit_association", "organisation_number": "802004-7810"});
    let res = app.post(ORGS, Some(&admin()), &body);
    assert_eq!(res.status, 201, "{}", res.text);
    let org = res.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(app.post(ORGS, Some(&admin()), &body).status, 409);
    // The outbox refuses the tombstone: the delete is rolled back with it.
    refuse_tombstones(&app);
    let res = app.send(
        "DELETE",
        &format!("{ORGS}/{org}"),
        Some(&admin()),
        None,
        &[],
    );
    assert_eq!(res.status, 500, "{}", res.text);
    let res = app.get(&format!("{ORGS}/{org}"), None);
    assert_eq!(res.status, 200, "the organisation is still there");
    assert_eq!(res.json()["version"], 1);
    let (items, _) = drain(&app, Some(&admin()), "limit=500", Some(start));
    let types: Vec<&str> = items.iter().map(|c| c["type"].as_str().unwrap()).collect();
    assert_eq!(types, vec!["organisation.created"]);
}

#[test]
fn each_caller_sees_the_changes_its_reads_would_show() {
    let w = World::new();
    let app = &w.app;
    let (org, other) = (&w.orgs[0], &w.orgs[1]);
    let programme = ProgrammeBuilder::new(&w.unit).open(app);
    let round = programme.rounds[0].clone();
    let application = ApplicationBuilder::new(org, &(programme.id.clone(), round))
        .create(app)
        .id;
    let seen_by = |token: Option<&str>| -> Vec<String> {
        let (items, _) = drain(app, token, "types=grant_application&limit=500", None);
        of(&items, &application)
            .iter()
            .map(|c| c["action"].as_str().unwrap().to_owned())
            .collect()
    };
    // A draft: its organisation and the city, nobody else.
    assert_eq!(seen_by(Some(&partner(org))), vec!["created"]);
    assert_eq!(seen_by(Some(&staff(&w.unit))), vec!["created"]);
    assert!(seen_by(Some(&partner(other))).is_empty());
    assert!(seen_by(None).is_empty());

    // Submitted, reviewed and granted: a public grant from its decision on.
    let path = format!("{APPS}/{application}");
    let city = decider(&w.unit, 50_000, "beslutsfattare");
    for (action, token, body) in [
        ("submit", partner(org), None),
        ("start_review", city.clone(), None),
        (
            "conflict-declarations",
            city.clone(),
            Some(json!({"has_conflict": false})),
        ),
        (
            "decide",
            city.clone(),
            Some(json!({"outcome": "granted", "granted_sek": 20000, "motivation": "Good"})),
        ),
    ] {
        let res = match body {
            Some(body) => app.post(&format!("{path}/{action}"), Some(&token), &body),
            None => app.send("POST", &format!("{path}/{action}"), Some(&token), None, &[]),
        };
        assert!(
            res.status == 200 || res.status == 201,
            "{action}: {}",
            res.text
        );
    }
    let all = vec![
        "created",
        "submit",
        "start_review",
        "declare_conflict",
        "decide",
    ];
    assert_eq!(seen_by(Some(&partner(org))), all);
    assert_eq!(seen_by(Some(&staff(&w.other_unit))), all);
    assert_eq!(seen_by(Some(&partner(other))), vec!["decide"]);
    assert_eq!(seen_by(None), vec!["decide"]);

    // Review notes are the city's.
    let res = app.post(
        &format!("{path}/reviews"),
        Some(&staff(&w.unit)),
        &json!({"note": "Fine"}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let reviews = |token: Option<&str>| drain(app, token, "types=grant_review", None).0.len();
    assert_eq!(reviews(Some(&staff(&w.unit))), 1);
    assert_eq!(reviews(Some(&partner(org))), 0);
    assert_eq!(reviews(None), 0);
}

#[test]
fn types_limit_and_cursor_are_checked() {
    let app = spawn_app();
    app.create_organisation(
        json!({"name": "KFUM Göteborg", "legal_form": "non_profit_association"}),
    );
    let (items, _) = drain(&app, Some(&admin()), "types=organisation,city_unit", None);
    assert!(!items.is_empty());
    assert!(items
        .iter()
        .all(|c| c["resource_type"] == "organisation" || c["resource_type"] == "city_unit"));
    assert!(drain(&app, Some(&admin()), "types=partnership", None)
        .0
        .is_empty());
    for (query, named) in [
        ("types=organisation,bogus", "types"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("after=not-a-cursor", "after"),
        ("since=yesterday", "since"),
    ] {
        let res = app.get(&format!("{CHANGES}?{query}"), None);
        assert_eq!(res.status, 400, "{query}: {}", res.text);
        assert!(res.text.contains(named), "{query}: {}", res.text);
    }
}

#[test]
fn a_cursor_older_than_what_is_kept_is_gone() {
    let app = spawn_app();
    let (_, start) = drain(&app, Some(&admin()), "", None);
    app.create_organisation(
        json!({"name": "Sensus Västra Sverige", "legal_form": "non_profit_association"}),
    );
    let (items, after_first) = drain(&app, Some(&admin()), "", Some(start.clone()));
    assert_eq!(items.len(), 1);
    app.create_organisation(
        json!({"name": "Skyddsvärnet", "legal_form": "non_profit_association"}),
    );
    // Retention prunes everything up to now (as if it were a year later).
    let pool = direct_pool(&app);
    let mut conn = pool.get().unwrap();
    // Only what lies below every running transaction goes (on PostgreSQL
    // other transactions of the cluster hold the horizon back a moment).
    let mut pruned = 0;
    for _ in 0..100 {
        pruned +=
            samverkan::db::outbox::prune(&mut conn, chrono::Utc::now() + chrono::Duration::days(1))
                .unwrap();
        if pruned >= 2 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(pruned >= 2, "{pruned}");
    for cursor in [&start, &after_first] {
        let res = app.get(&format!("{CHANGES}?after={cursor}"), Some(&admin()));
        assert_eq!(res.status, 410, "{}", res.text);
        assert_eq!(res.code(), "cursor_expired");
    }
    // Without a cursor the feed starts at what is kept (nothing now), and
    // a change made after the prune is there.
    let (items, cursor) = drain(&app, Some(&admin()), "", None);
    assert!(items.is_empty());
    app.create_organisation(json!({"name": "Bräcke diakoni", "legal_form": "foundation"}));
    let (items, _) = drain(&app, Some(&admin()), "", Some(cursor));
    assert_eq!(items.len(), 1);
}

/// Writers on two servers create and change organisations while a
/// consumer pages through the feed with small pages from both servers,
/// keeping only its cursor: at the end of each round it has seen every
/// change of every organisation the database gained, each once.
#[test]
fn a_consumer_paging_while_two_servers_write_misses_nothing_and_sees_nothing_twice() {
    let w = World::new();
    let primary = w.app.clone();
    let replica = Arc::new(primary.replica());
    let stored = |app: &TestApp| -> HashSet<String> {
        app.all_items(&format!("{ORGS}?limit=500"), Some(&admin()))
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, mut cursor) = drain(&primary, Some(&admin()), "limit=500", None);
    for round in 0..3 {
        let before = stored(&primary);
        let writers: Vec<_> = (0..6)
            .map(|i| {
                let app = if i % 2 == 0 { primary.clone() } else { replica.clone() };
                std::thread::spawn(move || {
                    for n in 0..5 {
                        let body = json!({"name": format!("Förening {round}-{i}-{n}"), "legal_form": "non_profit_association"});
                        let res = app.post(ORGS, Some(&admin()), &body);
                        assert_eq!(res.status, 201, "{}", res.text);
                        let id = res.json()["id"].as_str().unwrap().to_owned();
                        let patch = json!({"districts": ["lundby"]});
                        let res = app.patch(&format!("{ORGS}/{id}"), Some(&admin()), &patch, None);
                        assert_eq!(res.status, 200, "{}", res.text);
                    }
                })
            })
            .collect();
        // The consumer reads while they write, from both servers in turn.
        let mut seen: Vec<Value> = Vec::new();
        let mut turn = 0;
        while writers.iter().any(|h| !h.is_finished()) {
            let app = if turn % 2 == 0 { &primary } else { &replica };
            let (items, next) = page(
                app,
                Some(&admin()),
                "types=organisation&limit=3",
                Some(&cursor),
            );
            seen.extend(items);
            cursor = next;
            turn += 1;
        }
        for writer in writers {
            writer.join().unwrap();
        }
        let (rest, end) = drain(
            &replica,
            Some(&admin()),
            "types=organisation&limit=3",
            Some(cursor),
        );
        seen.extend(rest);
        cursor = end;

        let ids: Vec<&str> = seen.iter().map(|c| c["id"].as_str().unwrap()).collect();
        let unique: HashSet<&str> = ids.iter().copied().collect();
        assert_eq!(
            unique.len(),
            ids.len(),
            "round {round}: a change was seen twice"
        );
        let gained: HashSet<String> = stored(&primary).difference(&before).cloned().collect();
        assert_eq!(gained.len(), 30, "round {round}");
        let mut per_org: HashMap<String, Vec<String>> = HashMap::new();
        for change in &seen {
            per_org
                .entry(change["resource_id"].as_str().unwrap().to_owned())
                .or_default()
                .push(change["action"].as_str().unwrap().to_owned());
        }
        assert_eq!(
            per_org.keys().cloned().collect::<HashSet<_>>(),
            gained,
            "round {round}: the feed names exactly the organisations the database gained"
        );
        for (id, actions) in &per_org {
            assert_eq!(actions, &["created", "updated"], "round {round}: {id}");
        }
        assert!(turn > 0, "the consumer read while the writers wrote");
    }
}

/// The primitive webhooks and notices deliver through: consumers on
/// separate connections (as on separate replicas) take turns at the outbox
/// while writes go on, and between them hand on every change exactly once.
#[test]
fn consumers_taking_turns_hand_on_each_change_exactly_once() {
    let app = Arc::new(spawn_app());
    let url = samverkan::config::DatabaseUrl::parse(app.database_url()).unwrap();
    let pool = samverkan::db::connect(&url, 4, Default::default()).unwrap();
    let writer = {
        let app = app.clone();
        std::thread::spawn(move || {
            for n in 0..40 {
                let body = json!({"name": format!("Förening {n}"), "legal_form": "non_profit_association"});
                assert_eq!(app.post(ORGS, Some(&admin()), &body).status, 201);
            }
        })
    };
    let consumers: Vec<_> = (0..3)
        .map(|_| {
            let pool = pool.clone();
            let app = app.clone();
            std::thread::spawn(move || {
                let mut conn = pool.get().unwrap();
                let mut taken = Vec::new();
                for _ in 0..400 {
                    let result =
                        samverkan::db::outbox::consume(&mut conn, "test", 7, |_, events| {
                            taken.extend(events.iter().map(|e| e.event_id));
                            Ok(())
                        });
                    // Meeting a new consumer at once, one replica's insert loses.
                    if result.is_err() {
                        continue;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
                drop(app);
                taken
            })
        })
        .collect();
    writer.join().unwrap();
    let mut taken: Vec<uuid::Uuid> = consumers
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    // What is left after the writes ended, taken by one more round.
    settle(&app);
    let mut conn = pool.get().unwrap();
    while samverkan::db::outbox::consume(&mut conn, "test", 100, |_, events| {
        taken.extend(events.iter().map(|e| e.event_id));
        Ok(())
    })
    .unwrap()
        > 0
    {}
    let (all, _) = drain(&app, Some(&admin()), "limit=500", None);
    let all: Vec<uuid::Uuid> = all
        .iter()
        .map(|c| c["id"].as_str().unwrap().parse().unwrap())
        .collect();
    let unique: HashSet<uuid::Uuid> = taken.iter().copied().collect();
    assert_eq!(unique.len(), taken.len(), "a change was handed on twice");
    assert_eq!(
        unique,
        all.iter().copied().collect::<HashSet<_>>(),
        "every change was handed on"
    );
    assert!(all.len() >= 40);
}

/// A pool of one connection straight to the app's database.
fn direct_pool(app: &TestApp) -> samverkan::db::DbPool {
    samverkan::db::connect(
        &samverkan::config::DatabaseUrl::parse(app.database_url()).unwrap(),
        1,
        Default::default(),
    )
    .unwrap()
}

#[test]
fn retention_keeps_what_occurred_after_its_limit() {
    let app = spawn_app();
    let (_, start) = drain(&app, Some(&admin()), "", None);
    app.create_organisation(
        json!({"name": "Röda Korset Göteborg", "legal_form": "non_profit_association"}),
    );
    let pool = direct_pool(&app);
    let mut conn = pool.get().unwrap();
    let pruned =
        samverkan::db::outbox::prune(&mut conn, chrono::Utc::now() - chrono::Duration::days(1))
            .unwrap();
    assert_eq!(pruned, 0);
    let (items, _) = drain(&app, Some(&admin()), "", Some(start));
    assert_eq!(items.len(), 1);
}

/// The actions `consumer` is handed next, waiting a little for them: on
/// PostgreSQL a change is handed on once every transaction before it in the
/// cluster has ended (other tests' included).
fn handed_on(conn: &mut samverkan::db::DbConnection, consumer: &str) -> Vec<String> {
    let mut seen = Vec::new();
    for _ in 0..100 {
        samverkan::db::outbox::consume(conn, consumer, 100, |_, events| {
            seen.extend(events.iter().map(|e| e.action.clone()));
            Ok(())
        })
        .unwrap();
        if !seen.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    seen
}

/// A consumer with nothing to do with the stream (the webhook fan-out with
/// no subscription) passes over it, and is handed what comes after.
#[test]
fn a_consumer_passes_over_what_it_does_not_want_and_gets_what_follows() {
    use samverkan::db::outbox;
    let app = spawn_app();
    let pool = direct_pool(&app);
    let mut conn = pool.get().unwrap();
    let consumer = "test-pass-over";
    app.create_organisation(
        json!({"name": "Hela Människan", "legal_form": "non_profit_association"}),
    );
    // Still wanted: nothing moves, and the change is handed on.
    assert!(!outbox::pass_over(&mut conn, consumer, |_| Ok(false)).unwrap());
    assert!(!handed_on(&mut conn, consumer).is_empty());
    app.create_organisation(json!({"name": "Göteborgs Stadsmission", "legal_form": "foundation"}));
    app.create_organisation(
        json!({"name": "Individuell Människohjälp", "legal_form": "non_profit_association"}),
    );
    // Round after round, as the worker does: on PostgreSQL the present is
    // below every transaction still running in the cluster.
    let mut moved = false;
    for _ in 0..100 {
        moved |= outbox::pass_over(&mut conn, consumer, |_| Ok(true)).unwrap();
        if !outbox::has_after_consumer(&mut conn, consumer).unwrap() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(moved);
    assert!(!outbox::has_after_consumer(&mut conn, consumer).unwrap());
    assert_eq!(
        outbox::consume(&mut conn, consumer, 100, |_, _| Ok(())).unwrap(),
        0
    );
    app.create_organisation(
        json!({"name": "Kvinnojouren Göteborg", "legal_form": "non_profit_association"}),
    );
    let seen = handed_on(&mut conn, consumer);
    assert_eq!(seen, vec!["created".to_owned()]);
}
