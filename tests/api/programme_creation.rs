//! Creating a grant programme: the programme, its budgets and its first
//! rounds are written in one transaction with the `create` entry of its
//! history, so a round that fails part-way leaves no programme behind.

use diesel::{Connection, QueryDsl, RunQueryDsl};
use serde_json::{json, Value};

use crate::builders::{World, PROGRAMMES};
use crate::helpers::*;
use samverkan::db::schema::{
    grant_budgets, grant_programme_history, grant_programmes, grant_rounds,
};

/// The name of a round that the database refuses, once [`refuse_round`] ran.
const REFUSED: &str = "Round the database refuses";

/// Makes the database itself refuse to store a round named [`REFUSED`] (a
/// trigger): a failure that only the store meets, after the programme and
/// the rounds before it are written in the same transaction.
fn refuse_round(app: &TestApp) {
    let url = app.database_url();
    if let Some(path) = url.strip_prefix("sqlite://") {
        let mut conn = diesel::SqliteConnection::establish(path).unwrap();
        diesel::sql_query(format!(
            "CREATE TRIGGER refuse_round BEFORE INSERT ON grant_rounds \
             WHEN NEW.name = '{REFUSED}' \
             BEGIN SELECT RAISE(ABORT, 'the test refuses this round'); END"
        ))
        .execute(&mut conn)
        .unwrap();
    } else {
        let mut conn = diesel::PgConnection::establish(url).unwrap();
        diesel::sql_query(format!(
            "CREATE FUNCTION refuse_round() RETURNS trigger AS $$ BEGIN \
             IF NEW.name = '{REFUSED}' THEN RAISE EXCEPTION 'the test refuses this round'; END IF; \
             RETURN NEW; END $$ LANGUAGE plpgsql"
        ))
        .execute(&mut conn)
        .unwrap();
        diesel::sql_query(
            "CREATE TRIGGER refuse_round BEFORE INSERT ON grant_rounds \
             FOR EACH ROW EXECUTE FUNCTION refuse_round()",
        )
        .execute(&mut conn)
        .unwrap();
    }
}

/// How many rows the programme tables hold, read beside the API: the
/// programmes, their budgets, their rounds and their history entries.
fn rows(app: &TestApp) -> [i64; 4] {
    let url = app.database_url();
    macro_rules! counts {
        ($conn:expr) => {
            [
                grant_programmes::table.count().get_result($conn).unwrap(),
                grant_budgets::table.count().get_result($conn).unwrap(),
                grant_rounds::table.count().get_result($conn).unwrap(),
                grant_programme_history::table
                    .count()
                    .get_result($conn)
                    .unwrap(),
            ]
        };
    }
    if let Some(path) = url.strip_prefix("sqlite://") {
        let mut conn = diesel::SqliteConnection::establish(path).unwrap();
        counts!(&mut conn)
    } else {
        let mut conn = diesel::PgConnection::establish(url).unwrap();
        counts!(&mut conn)
    }
}

fn round(name: &str, opens_in: i64, deadline_in: i64) -> Value {
    json!({"name": name, "opens_at": in_days(opens_in), "deadline": in_days(deadline_in)})
}

fn create(w: &World, token: &str, rounds: Vec<Value>) -> Res {
    w.app.post(
        PROGRAMMES,
        Some(token),
        &json!({
            "title": "Utvecklingspotten 2028",
            "description": "Small grants for new collaborations.",
            "budgets": [{"year": 2028, "budget_sek": 200000}, {"year": 2029, "budget_sek": 100000}],
            "min_sek": 1000, "max_sek": 50000,
            "rounds": rounds
        }),
    )
}

#[test]
fn a_programme_whose_second_round_fails_leaves_no_programme_behind() {
    let w = World::new();
    refuse_round(&w.app);
    let token = staff(&w.unit);
    let res = create(
        &w,
        &token,
        vec![round("Spring", -10, 30), round(REFUSED, 40, 80)],
    );
    assert_eq!(res.status, 500, "{}", res.text);
    assert_eq!(res.code(), "internal_error");

    // Nothing of it is left: not in the list (drafts are listed for the
    // city), not for its unit, and not a row of it in any table.
    assert!(w.app.all_items(PROGRAMMES, Some(&token)).is_empty());
    assert!(w
        .app
        .all_items(
            &format!("{PROGRAMMES}?owning_unit_id={}", w.unit),
            Some(&admin())
        )
        .is_empty());
    assert_eq!(rows(&w.app), [0, 0, 0, 0]);

    // The same programme without that round is created whole, once.
    let res = create(
        &w,
        &token,
        vec![round("Spring", -10, 30), round("Autumn", 40, 80)],
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let created = res.json();
    let path = format!("{PROGRAMMES}/{}", created["id"].as_str().unwrap());
    assert_eq!(res.header("location"), Some(path.as_str()));
    assert_eq!(created["version"], 1, "one write, one version");
    assert_eq!(created["rounds"].as_array().unwrap().len(), 2);
    let read = w.app.get(&path, Some(&token));
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.json(), created);
    let items = w.app.all_items(PROGRAMMES, Some(&token));
    assert_eq!(items.len(), 1);
    assert_eq!(rows(&w.app), [1, 2, 2, 1]);
}

#[test]
fn the_history_of_a_created_programme_starts_with_its_create_entry() {
    let w = World::new();
    let mut chef = claims("city_staff");
    chef["unit"] = json!(w.unit);
    chef["sub"] = json!("anna.chef@vastra.goteborg.se");
    let chef = sign_hs256(&chef);
    let res = create(
        &w,
        &chef,
        vec![round("Spring", -10, 30), round("Autumn", 40, 80)],
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let created = res.json();
    let id = created["id"].as_str().unwrap();
    let history = format!("{PROGRAMMES}/{id}/history");

    let entries = w.app.all_items(&history, Some(&admin()));
    assert_eq!(entries.len(), 1, "{entries:?}");
    let entry = &entries[0];
    assert_eq!(entry["action"], "create");
    assert_eq!(entry["actor"], "anna.chef@vastra.goteborg.se");
    assert_eq!(entry["actor_role"], "city_staff");
    let rounds = created["rounds"].as_array().unwrap();
    let round_change = |r: &Value| {
        json!({"field": format!("rounds.{}", r["id"].as_str().unwrap()), "from": null,
               "to": {"name": r["name"], "opens_at": r["opens_at"], "deadline": r["deadline"],
                      "accepts_late_applications": false}})
    };
    assert_eq!(
        entry["changes"],
        json!([
            {"field": "title", "from": null, "to": "Utvecklingspotten 2028"},
            {"field": "description", "from": null, "to": "Small grants for new collaborations."},
            {"field": "min_sek", "from": null, "to": 1000},
            {"field": "max_sek", "from": null, "to": 50000},
            {"field": "budgets.2028", "from": null, "to": 200000},
            {"field": "budgets.2029", "from": null, "to": 100000},
            round_change(&rounds[0]),
            round_change(&rounds[1]),
            {"field": "status", "from": null, "to": "draft"},
        ])
    );

    // What follows comes after it, and a programme without rounds starts
    // the same way.
    let res = w.app.send(
        "POST",
        &format!("{PROGRAMMES}/{id}/open"),
        Some(&chef),
        None,
        &[],
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let actions: Vec<Value> = w
        .app
        .all_items(&history, Some(&admin()))
        .iter()
        .map(|e| e["action"].clone())
        .collect();
    assert_eq!(actions, [json!("create"), json!("open")]);
    let res = create(&w, &staff(&w.unit), vec![]);
    assert_eq!(res.status, 201, "{}", res.text);
    let bare = w.app.all_items(
        &format!(
            "{PROGRAMMES}/{}/history",
            res.json()["id"].as_str().unwrap()
        ),
        Some(&admin()),
    );
    assert_eq!(bare.len(), 1);
    assert_eq!(bare[0]["action"], "create");
    assert_eq!(bare[0]["actor_role"], "city_staff");
}
