//! Invariants that every aggregate shares, held with parallel requests on
//! two API servers over one database: versions never go backwards and a
//! write without If-Match is never refused as stale; unique organisation
//! numbers; an Idempotency-Key creates once under parallel retries.

use std::sync::Arc;

use serde_json::json;

use crate::helpers::*;

const ROUNDS: usize = 5;

#[test]
fn parallel_edits_without_if_match_all_apply_and_versions_only_grow() {
    let app = Arc::new(spawn_app());
    let replica = Arc::new(app.replica());
    for round in 0..ROUNDS {
        let id = Arc::new(app.create_organisation(
            json!({"name": format!("Räddningsmissionen {round}"), "legal_form": "foundation"}),
        ));
        let (a2, r2, id2) = (app.clone(), replica.clone(), id.clone());
        let results = race(8, move |i| {
            let server = if i % 2 == 0 { &*a2 } else { &*r2 };
            server.patch(
                &format!("/api/v1/organisations/{id2}"),
                Some(&admin()),
                &json!({"contact_phone": format!("031-{i:06}")}),
                None,
            )
        });
        let mut versions: Vec<i64> = results
            .iter()
            .map(|r| {
                assert_eq!(r.status, 200, "round {round}: {}", r.text);
                r.json()["version"].as_i64().unwrap()
            })
            .collect();
        versions.sort();
        assert_eq!(
            versions,
            (2..=9).collect::<Vec<i64>>(),
            "round {round}: each edit its own version"
        );
        let now = app
            .get(&format!("/api/v1/organisations/{id}"), Some(&admin()))
            .json();
        assert_eq!(now["version"], 9);
    }
    drop(replica);
}

#[test]
fn one_organisation_number_once_even_when_registered_twice_at_once() {
    let app = Arc::new(spawn_app());
    let replica = Arc::new(app.replica());
    // Valid organisation numbers (Luhn) for each round.
    for (round, number) in [
        "802447-2824",
        "802013-9955",
        "802002-4801",
        "802010-4686",
        "802019-7011",
    ]
    .iter()
    .enumerate()
    {
        let (a2, r2) = (app.clone(), replica.clone());
        let number = number.to_string();
        let results = race(2, move |i| {
            let server = if i == 0 { &*a2 } else { &*r2 };
            server.post(
                "/api/v1/organisations",
                Some(&admin()),
                &json!({"name": format!("Förening {round}-{i}"), "legal_form": "non_profit_association", "organisation_number": number}),
            )
        });
        let mut statuses: Vec<u16> = results.iter().map(|r| r.status).collect();
        statuses.sort();
        assert_eq!(
            statuses,
            [201, 409],
            "round {round}: {:?}",
            results.iter().map(|r| &r.text).collect::<Vec<_>>()
        );
        let refused = results.iter().find(|r| r.status == 409).unwrap();
        assert!(["duplicate_organisation_number", "conflict"].contains(&refused.code().as_str()));
    }
    let all = app.all_items("/api/v1/organisations?limit=500", Some(&admin()));
    assert_eq!(all.len(), 5);
    drop(replica);
}

#[test]
fn an_idempotency_key_creates_once_under_parallel_retries_on_two_servers() {
    let app = Arc::new(spawn_app());
    let replica = Arc::new(app.replica());
    for round in 0..ROUNDS {
        let key = format!("import-2027-row-{round}");
        let (a2, r2) = (app.clone(), replica.clone());
        let body = json!({"name": format!("Bräcke diakoni {round}"), "legal_form": "foundation"});
        let results = race(6, move |i| {
            let server = if i % 2 == 0 { &*a2 } else { &*r2 };
            server.post_with(
                "/api/v1/organisations",
                Some(&admin()),
                &body,
                &[("Idempotency-Key", key.as_str())],
            )
        });
        let created: Vec<String> = results
            .iter()
            .filter(|r| r.status == 201)
            .map(|r| r.json()["id"].as_str().unwrap().to_owned())
            .collect();
        assert!(!created.is_empty(), "round {round}");
        assert!(
            created.iter().all(|id| *id == created[0]),
            "round {round}: replays answer the same record"
        );
        for other in results.iter().filter(|r| r.status != 201) {
            assert_eq!(other.status, 409, "round {round}: {}", other.text);
            assert_eq!(other.code(), "idempotency_request_in_progress");
        }
    }
    let all = app.all_items("/api/v1/organisations?limit=500", Some(&admin()));
    assert_eq!(all.len(), ROUNDS, "one record per key");
    drop(replica);
}
