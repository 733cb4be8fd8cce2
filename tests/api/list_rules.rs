//! The list rules of API.md hold on every list, sub-collections too: an
//! unknown parameter or a bad `limit` or `cursor` is a 400 problem, and
//! `limit` pages through the same items in the same order, each page
//! linking the next (`next_cursor` and `Link`).

use serde_json::{json, Value};

use crate::builders::World;
use crate::helpers::*;

/// Every page of `list` with `limit=1`, following `next_cursor` and `Link`.
fn pages(app: &TestApp, list: &str, token: Option<&str>) -> Vec<Value> {
    let mut items = Vec::new();
    let sep = if list.contains('?') { '&' } else { '?' };
    let mut next = format!("{list}{sep}limit=1");
    loop {
        let res = app.get(&next, token);
        assert_eq!(res.status, 200, "{next}: {}", res.text);
        let body = res.json();
        let page = body["items"].as_array().unwrap();
        assert!(page.len() <= 1, "{next}");
        items.extend(page.iter().cloned());
        match body["next_cursor"].as_str() {
            Some(cursor) => {
                let link = res.header("link").unwrap_or_else(|| panic!("{next}: Link"));
                assert!(
                    link.contains(cursor) && link.contains("rel=\"next\""),
                    "{link}"
                );
                next = format!("{list}{sep}limit=1&cursor={cursor}");
            }
            None => return items,
        }
    }
}

/// The list rules of API.md on one list: unknown parameters and bad limits
/// are 400 problems, and `limit` pages through the same items.
pub(crate) fn follows_list_rules(app: &TestApp, list: &str, token: Option<&str>, at_least: usize) {
    let all = app.get(list, token);
    assert_eq!(all.status, 200, "{list}: {}", all.text);
    let all = all.json()["items"].as_array().unwrap().clone();
    assert!(all.len() >= at_least, "{list}: {all:?}");
    for query in [
        "foo=1",
        "foo=1&limit=0",
        "limit=0",
        "limit=501",
        "cursor=garbage",
    ] {
        let res = app.get(&format!("{list}?{query}"), token);
        assert_eq!(res.status, 400, "{list}?{query}: {}", res.text);
        assert_eq!(res.code(), "invalid_query_parameter", "{list}?{query}");
    }
    assert_eq!(pages(app, list, token), all, "{list} paged");
}

#[test]
fn sub_collections_refuse_unknown_parameters_and_paginate() {
    let app = spawn_app();
    let url = samverkan::config::DatabaseUrl::parse(app.database_url()).unwrap();
    let pool = samverkan::db::connect(&url, 1, test_settings().database_timeouts).unwrap();
    let ids = samverkan::demo::load(&mut pool.get().unwrap()).unwrap();
    let token = admin();
    let partnership = app.all_items("/api/v1/partnerships?q=friskv%C3%A5rd", Some(&token))[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let grant = app.all_items("/api/v1/grant-applications", Some(&token))[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let event = app
        .all_items("/api/v1/dialogue-events?district=lundby", None)
        .into_iter()
        .find(|e| e["title"].as_str().unwrap().contains("forming"))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let _ = ids;
    let lists = [
        "/api/v1/districts".to_owned(),
        format!("/api/v1/dialogue-events/{event}/registrations"),
        format!("/api/v1/dialogue-events/{event}/outcomes"),
        format!("/api/v1/partnerships/{partnership}/parties"),
        format!("/api/v1/partnerships/{partnership}/commitments"),
        format!("/api/v1/partnerships/{partnership}/follow-ups"),
        format!("/api/v1/partnerships/{partnership}/history"),
        format!("/api/v1/grant-applications/{grant}/payments"),
        format!("/api/v1/grant-applications/{grant}/reviews"),
        format!("/api/v1/grant-applications/{grant}/conflict-declarations"),
        format!("/api/v1/grant-applications/{grant}/history"),
    ];
    for list in &lists {
        let ok = app.get(list, Some(&token));
        assert_eq!(ok.status, 200, "{list}: {}", ok.text);
        for query in [
            "foo=1&limit=0",
            "foo=1",
            "limit=0",
            "limit=501",
            "cursor=garbage",
        ] {
            let res = app.get(&format!("{list}?{query}"), Some(&token));
            assert_eq!(res.status, 400, "{list}?{query}: {}", res.text);
            assert_eq!(res.code(), "invalid_query_parameter", "{list}?{query}");
        }
        // Page by page with limit=1: the same items, in the same order.
        let all = ok.json()["items"].as_array().unwrap().clone();
        let mut paged = Vec::new();
        let mut next = format!("{list}?limit=1");
        loop {
            let res = app.get(&next, Some(&token));
            assert_eq!(res.status, 200, "{next}: {}", res.text);
            let body = res.json();
            let items = body["items"].as_array().unwrap();
            assert!(items.len() <= 1, "{next}");
            paged.extend(items.iter().cloned());
            match body["next_cursor"].as_str() {
                Some(cursor) => {
                    let link = res.header("link").unwrap_or_else(|| panic!("{next}: Link"));
                    assert!(
                        link.contains(cursor) && link.contains("rel=\"next\""),
                        "{link}"
                    );
                    next = format!("{list}?limit=1&cursor={cursor}");
                }
                None => break,
            }
        }
        assert_eq!(paged, all, "{list}");
    }
    // The districts are ten, so three pages of four.
    let page = app.get("/api/v1/districts?limit=4", None).json();
    assert_eq!(page["items"].as_array().unwrap().len(), 4);
    assert!(page["next_cursor"].is_string());
}

#[test]
fn event_invitations_and_districts_follow_the_list_rules() {
    let w = World::new();
    let res = w.app.post(
        "/api/v1/dialogue-events",
        Some(&staff(&w.unit)),
        &json!({"title": "Informationsmöte", "kind": "dialogue_meeting", "participation_level": "information",
                "starts_at": in_days(20), "ends_at": in_days(21), "format": "in_person", "place": "Västra Göteborg"}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let path = format!(
        "/api/v1/dialogue-events/{}/invitations",
        res.json()["id"].as_str().unwrap()
    );
    let res = w.app.post(
        &path,
        Some(&staff(&w.unit)),
        &json!({"organisation_ids": [w.orgs[0], w.orgs[1]]}),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(
        res.json()["items"].as_array().unwrap().len(),
        2,
        "{}",
        res.text
    );
    follows_list_rules(&w.app, &path, Some(&staff(&w.unit)), 2);
    let invited: Vec<Value> = w
        .app
        .all_items(&path, Some(&staff(&w.unit)))
        .into_iter()
        .map(|i| i["organisation_id"].clone())
        .collect();
    assert!(
        invited.contains(&json!(w.orgs[0])) && invited.contains(&json!(w.orgs[1])),
        "{invited:?}"
    );
    follows_list_rules(&w.app, "/api/v1/districts", None, 10);
}
