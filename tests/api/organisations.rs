//! Organisations: roles, visibility, validation, paging, concurrency, retries.

use serde_json::{json, Value};

use crate::helpers::*;

const ORGS: &str = "/api/v1/organisations";

fn reningsborg() -> Value {
    json!({
        "name": "Reningsborg",
        "organisation_number": "802447-2824",
        "legal_form": "social_enterprise",
        "districts": ["vastra_goteborg"],
        "description": "Second-hand shops that give unemployed young people work.",
        "website": "https://reningsborg.se",
        "contact_email": "info@reningsborg.se",
        "contact_phone": "031-12 34 56",
        "external_id": "reningsborg"
    })
}

fn count(app: &TestApp) -> usize {
    app.all_items(ORGS, None).len()
}

#[test]
fn who_may_register_an_organisation() {
    let app = spawn_app();
    let unit = some_unit();
    let own = app
        .create_organisation(json!({"name": "Passalen", "legal_form": "non_profit_association"}));
    let cases: Vec<(&str, Option<String>, u16)> = vec![
        ("anonymous", None, 401),
        ("partner", Some(partner(&own)), 403),
        ("city_staff", Some(staff(&unit)), 201),
        ("integration", Some(integration(&unit)), 201),
        ("city_admin", Some(admin()), 201),
    ];
    for (i, (role, token, expected)) in cases.into_iter().enumerate() {
        let body = json!({"name": format!("Förening {i}"), "legal_form": "non_profit_association"});
        let res = app.post(ORGS, token.as_deref(), &body);
        assert_eq!(res.status, expected, "{role}: {}", res.text);
        if expected == 201 {
            let id = res.json()["id"].as_str().unwrap().to_owned();
            assert_eq!(
                res.header("location"),
                Some(format!("/api/v1/organisations/{id}").as_str())
            );
            assert!(
                res.header("etag").unwrap().starts_with("\"1-"),
                "the version, then the digest of this view"
            );
        } else {
            res.code();
        }
    }
    assert_eq!(count(&app), 4);
}

#[test]
fn created_organisation_reads_back_with_all_fields() {
    let app = spawn_app();
    let res = app.post(ORGS, Some(&staff(&some_unit())), &reningsborg());
    assert_eq!(res.status, 201, "{}", res.text);
    let created = res.json();
    let id = created["id"].as_str().unwrap();
    assert_eq!(uuid::Uuid::parse_str(id).unwrap().get_version_num(), 7);
    let read = app.get(&format!("{ORGS}/{id}"), Some(&admin()));
    assert_eq!(read.status, 200);
    assert_eq!(read.json(), created);
    let body = read.json();
    assert_eq!(body["organisation_number"], "802447-2824");
    assert_eq!(body["districts"], json!(["vastra_goteborg"]));
    assert_eq!(body["version"], 1);
    assert!(body["created_at"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn contact_details_are_for_the_city_and_the_organisation_itself() {
    let app = spawn_app();
    let id = app.create_organisation(reningsborg());
    let other = app.create_organisation(
        json!({"name": "KFUM Göteborg", "legal_form": "non_profit_association"}),
    );
    let path = format!("{ORGS}/{id}");
    let unit = some_unit();
    for (who, token, sees) in [
        ("anonymous", None, false),
        (
            "partner of another organisation",
            Some(partner(&other)),
            false,
        ),
        ("partner of the organisation", Some(partner(&id)), true),
        ("staff", Some(staff(&unit)), true),
        ("integration", Some(integration(&unit)), true),
        ("admin", Some(admin()), true),
    ] {
        let body = app.get(&path, token.as_deref()).json();
        assert_eq!(body["name"], "Reningsborg", "{who}");
        assert_eq!(body.get("contact_email").is_some(), sees, "{who}: {body}");
        assert_eq!(body.get("contact_phone").is_some(), sees, "{who}");
        // The list shows the same.
        let listed = app.get(ORGS, token.as_deref()).json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == json!(id))
            .cloned()
            .unwrap();
        assert_eq!(listed.get("contact_email").is_some(), sees, "{who} in list");
    }
}

#[test]
fn who_may_change_which_field() {
    let app = spawn_app();
    let id = app.create_organisation(reningsborg());
    let other = app.create_organisation(
        json!({"name": "KFUM Göteborg", "legal_form": "non_profit_association"}),
    );
    let path = format!("{ORGS}/{id}");
    let unit = some_unit();
    let cases: Vec<(&str, Option<String>, Value, u16)> = vec![
        ("anonymous edits name", None, json!({"name": "X"}), 401),
        (
            "partner B edits partner A's name",
            Some(partner(&other)),
            json!({"name": "X"}),
            403,
        ),
        (
            "partner B edits partner A's description",
            Some(partner(&other)),
            json!({"description": "X"}),
            403,
        ),
        (
            "staff edits the organisation's own description",
            Some(staff(&unit)),
            json!({"description": "X"}),
            403,
        ),
        (
            "admin edits the organisation's website",
            Some(admin()),
            json!({"website": "https://x.se"}),
            403,
        ),
        (
            "partner edits its organisation number",
            Some(partner(&id)),
            json!({"organisation_number": null}),
            403,
        ),
        (
            "partner edits its legal form",
            Some(partner(&id)),
            json!({"legal_form": "cooperative"}),
            403,
        ),
        (
            "partner edits its external id",
            Some(partner(&id)),
            json!({"external_id": "x"}),
            403,
        ),
        (
            "partner edits own description and website",
            Some(partner(&id)),
            json!({"description": "Jobs for young people in Tynnered.", "website": "https://reningsborg.se/jobb"}),
            200,
        ),
        (
            "partner edits own districts and contacts",
            Some(partner(&id)),
            json!({"districts": ["lundby"], "contact_phone": null}),
            200,
        ),
        (
            "staff corrects the name",
            Some(staff(&unit)),
            json!({"name": "Reningsborg ekonomisk förening"}),
            200,
        ),
        (
            "integration sets the external id",
            Some(integration(&unit)),
            json!({"external_id": "crm-77"}),
            200,
        ),
        (
            "admin sets the legal form",
            Some(admin()),
            json!({"legal_form": "cooperative"}),
            200,
        ),
    ];
    let mut version = 1;
    for (case, token, body, expected) in cases {
        let res = app.patch(&path, token.as_deref(), &body, None);
        assert_eq!(res.status, expected, "{case}: {}", res.text);
        if expected == 200 {
            version += 1;
            assert_eq!(res.json()["version"], version, "{case}");
            let etag = res.header("etag").unwrap();
            assert!(etag.starts_with(&format!("\"{version}-")), "{etag}");
        } else {
            res.code();
        }
    }
    let now = app.get(&path, Some(&admin())).json();
    assert_eq!(now["description"], "Jobs for young people in Tynnered.");
    assert_eq!(now["districts"], json!(["lundby"]));
    assert!(now.get("contact_phone").is_none());
    assert_eq!(now["contact_email"], "info@reningsborg.se");
    assert_eq!(now["name"], "Reningsborg ekonomisk förening");
    assert_eq!(now["external_id"], "crm-77");
    assert_eq!(now["legal_form"], "cooperative");
    assert_eq!(now["organisation_number"], "802447-2824");
}

#[test]
fn only_admins_delete_and_a_deleted_organisation_is_gone() {
    let app = spawn_app();
    let id = app.create_organisation(reningsborg());
    let path = format!("{ORGS}/{id}");
    assert_eq!(app.delete(&path, None).status, 401);
    assert_eq!(app.delete(&path, Some(&partner(&id))).status, 403);
    assert_eq!(app.delete(&path, Some(&staff(&some_unit()))).status, 403);
    assert_eq!(app.get(&path, None).status, 200);
    let res = app.delete(&path, Some(&admin()));
    assert_eq!(res.status, 204, "{}", res.text);
    assert_eq!(app.get(&path, None).status, 404);
    assert_eq!(app.delete(&path, Some(&admin())).status, 404);
}

#[test]
fn unknown_and_malformed_ids_are_404() {
    let app = spawn_app();
    for path in [
        format!("{ORGS}/{}", uuid::Uuid::now_v7()),
        format!("{ORGS}/not-a-uuid"),
    ] {
        let res = app.get(&path, None);
        assert_eq!(res.status, 404, "{path}");
        assert_eq!(res.code(), "not_found");
    }
}

#[test]
fn every_invalid_field_is_named_at_once_and_nothing_is_written() {
    let app = spawn_app();
    let res = app.post(
        ORGS,
        Some(&admin()),
        &json!({
            "name": "  ",
            "organisation_number": "802447-2825",
            "legal_form": "non_profit_association",
            "website": "ftp://reningsborg.se",
            "contact_email": "not-an-email",
            "contact_phone": "call us",
            "external_id": ""
        }),
    );
    assert_eq!(res.status, 422, "{}", res.text);
    assert_eq!(res.code(), "validation_failed");
    let mut fields: Vec<String> = res.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    fields.dedup();
    assert_eq!(
        fields,
        [
            "contact_email",
            "contact_phone",
            "external_id",
            "name",
            "organisation_number",
            "website"
        ]
    );
    let luhn = res.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == "organisation_number")
        .unwrap()["message"]
        .clone();
    assert_eq!(luhn, "check digit does not match (Luhn)");
    assert_eq!(count(&app), 0);
}

#[test]
fn bad_organisation_numbers_are_refused() {
    let app = spawn_app();
    for number in [
        "802447-2825",
        "80244-72824",
        "802447_2824",
        "8024472",
        "abcdef-ghij",
        "802447-28244",
    ] {
        let res = app.post(
            ORGS,
            Some(&admin()),
            &json!({"name": "X", "legal_form": "other", "organisation_number": number}),
        );
        assert_eq!(res.status, 422, "{number}: {}", res.text);
        assert_eq!(
            res.json()["errors"][0]["field"],
            "organisation_number",
            "{number}"
        );
    }
    // Without the dash it is accepted and stored with it.
    let res = app.post(
        ORGS,
        Some(&admin()),
        &json!({"name": "X", "legal_form": "other", "organisation_number": "8024472824"}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(res.json()["organisation_number"], "802447-2824");
    assert_eq!(count(&app), 1);
}

#[test]
fn wrong_types_unknown_fields_and_bad_enums_are_422() {
    let app = spawn_app();
    let res = app.post(
        ORGS,
        Some(&admin()),
        &json!({"name": "X", "legal_form": "company", "rating": 5, "districts": "lundby"}),
    );
    assert_eq!(res.status, 422, "{}", res.text);
    let mut fields: Vec<String> = res.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    fields.sort();
    assert_eq!(fields, ["districts", "legal_form", "rating"]);
    let res = app.post(ORGS, Some(&admin()), &json!({"legal_form": "other"}));
    assert_eq!(res.status, 422);
    assert_eq!(res.json()["errors"][0]["field"], "name");
    // PATCH: null for a required field, and an unknown field.
    let id = app.create_organisation(reningsborg());
    let res = app.patch(
        &format!("{ORGS}/{id}"),
        Some(&admin()),
        &json!({"name": null, "score": 3}),
        None,
    );
    assert_eq!(res.status, 422, "{}", res.text);
    assert_eq!(app.get(&format!("{ORGS}/{id}"), None).json()["version"], 1);
    assert_eq!(count(&app), 1);
}

#[test]
fn malformed_json_wrong_media_type_and_oversized_bodies() {
    let app = spawn_app();
    let token = admin();
    let res = app.send(
        "POST",
        ORGS,
        Some(&token),
        Some(b"{\"name\": ".to_vec()),
        &[("Content-Type", "application/json")],
    );
    assert_eq!(res.status, 400);
    assert_eq!(res.code(), "malformed_json");
    let res = app.send(
        "POST",
        ORGS,
        Some(&token),
        Some(reningsborg().to_string().into_bytes()),
        &[("Content-Type", "text/plain")],
    );
    assert_eq!(res.status, 415);
    assert_eq!(res.code(), "unsupported_media_type");
    let res = app.send(
        "POST",
        ORGS,
        Some(&token),
        Some(reningsborg().to_string().into_bytes()),
        &[],
    );
    assert_eq!(res.status, 415);
    let mut huge = reningsborg();
    huge["description"] = json!("x".repeat(70_000));
    let res = app.post(ORGS, Some(&token), &huge);
    assert_eq!(res.status, 413);
    assert_eq!(res.code(), "payload_too_large");
    assert_eq!(count(&app), 0);
}

#[test]
fn duplicates_are_conflicts() {
    let app = spawn_app();
    let first = app.create_organisation(reningsborg());
    let mut same_number = reningsborg();
    same_number["external_id"] = json!("other");
    let res = app.post(ORGS, Some(&admin()), &same_number);
    assert_eq!(res.status, 409);
    assert_eq!(res.code(), "duplicate_organisation_number");
    let mut same_external = reningsborg();
    same_external["organisation_number"] = json!(null);
    let res = app.post(ORGS, Some(&admin()), &same_external);
    assert_eq!(res.status, 409);
    assert_eq!(res.code(), "duplicate_external_id");
    // Many organisations may have no number (informal networks).
    for name in ["Mammanätverket i Backa", "Flyktinghjälpen"] {
        app.create_organisation(json!({"name": name, "legal_form": "other"}));
    }
    // Changing another organisation to a taken number is refused too.
    let second = app
        .create_organisation(json!({"name": "Passalen", "legal_form": "non_profit_association"}));
    let res = app.patch(
        &format!("{ORGS}/{second}"),
        Some(&admin()),
        &json!({"organisation_number": "802447-2824"}),
        None,
    );
    assert_eq!(res.status, 409);
    assert_eq!(res.code(), "duplicate_organisation_number");
    // Re-saving one's own number is fine.
    let res = app.patch(
        &format!("{ORGS}/{first}"),
        Some(&admin()),
        &json!({"organisation_number": "802447-2824"}),
        None,
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(count(&app), 4);
}

#[test]
fn stale_if_match_is_412_and_changes_nothing() {
    let app = spawn_app();
    let id = app.create_organisation(reningsborg());
    let path = format!("{ORGS}/{id}");
    let token = partner(&id);
    let etag = app.get(&path, None).header("etag").unwrap().to_owned();
    assert!(etag.starts_with("\"1-"), "{etag}");
    // Editor one saves with the ETag read.
    let res = app.patch(
        &path,
        Some(&token),
        &json!({"description": "First editor"}),
        Some(&etag),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    // Editor two, holding the same old ETag, is refused.
    let res = app.patch(
        &path,
        Some(&token),
        &json!({"description": "Second editor"}),
        Some(&etag),
    );
    assert_eq!(res.status, 412);
    assert_eq!(res.code(), "version_mismatch");
    assert_eq!(app.get(&path, None).json()["description"], "First editor");
    // With the new ETag, or `*`, it goes through.
    let res = app.patch(
        &path,
        Some(&token),
        &json!({"description": "Second editor"}),
        Some("\"2\""),
    );
    assert_eq!(res.status, 200);
    let res = app.patch(
        &path,
        Some(&token),
        &json!({"description": "Third"}),
        Some("*"),
    );
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["version"], 4);
    // A malformed If-Match is a 400; a delete with a stale one is 412.
    assert_eq!(
        app.patch(&path, Some(&token), &json!({"description": "x"}), Some("4"))
            .status,
        400
    );
    let res = app.send(
        "DELETE",
        &path,
        Some(&admin()),
        None,
        &[("If-Match", "\"1\"")],
    );
    assert_eq!(res.status, 412);
    assert_eq!(app.get(&path, None).status, 200);
}

#[test]
fn concurrent_edits_with_the_same_etag_let_exactly_one_win() {
    let app = std::sync::Arc::new(spawn_app());
    let id = app.create_organisation(reningsborg());
    let path = format!("{ORGS}/{id}");
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let (app, path) = (app.clone(), path.clone());
            std::thread::spawn(move || {
                app.patch(
                    &path,
                    Some(&admin()),
                    &json!({"name": format!("Namn {i}")}),
                    Some("\"1\""),
                )
                .status
            })
        })
        .collect();
    let mut statuses: Vec<u16> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    statuses.sort();
    assert_eq!(statuses, [200, 412, 412, 412, 412, 412, 412, 412]);
    assert_eq!(app.get(&path, None).json()["version"], 2);
}

#[test]
fn pages_cover_everything_once_in_order() {
    let app = spawn_app();
    let mut created = Vec::new();
    for i in 0..23 {
        created.push(app.create_organisation(
            json!({"name": format!("Förening {:02}", 22 - i), "legal_form": "other"}),
        ));
    }
    // Default order: creation.
    let mut seen = Vec::new();
    let mut path = format!("{ORGS}?limit=5");
    let mut pages = 0;
    loop {
        let res = app.get(&path, None);
        assert_eq!(res.status, 200);
        let body = res.json();
        pages += 1;
        seen.extend(
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["id"].as_str().unwrap().to_owned()),
        );
        match body["next_cursor"].as_str() {
            Some(cursor) => {
                let link = res.header("link").expect("Link header with a next page");
                assert_eq!(
                    link,
                    format!("<{ORGS}?limit=5&cursor={cursor}>; rel=\"next\"")
                );
                path = format!("{ORGS}?limit=5&cursor={cursor}");
            }
            None => {
                assert!(res.header("link").is_none());
                break;
            }
        }
    }
    assert_eq!(pages, 5);
    assert_eq!(seen, created);
    // By name, descending and ascending.
    let names: Vec<String> = app
        .all_items(&format!("{ORGS}?sort=name&limit=4"), None)
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_owned())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(names.len(), 23);
    let desc: Vec<String> = app
        .all_items(&format!("{ORGS}?sort=-created_at&limit=7"), None)
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    let mut reversed = created.clone();
    reversed.reverse();
    assert_eq!(desc, reversed);
}

#[test]
fn filters_narrow_the_list() {
    let app = spawn_app();
    let stadsmission = app.create_organisation(json!({"name": "Göteborgs Stadsmission", "legal_form": "foundation", "districts": ["centrum", "angered"]}));
    let raddning = app.create_organisation(json!({"name": "Göteborgs Räddningsmission", "legal_form": "faith_community", "districts": ["centrum"]}));
    let passalen = app.create_organisation(json!({"name": "Passalen", "legal_form": "non_profit_association", "districts": ["lundby"]}));
    let ids = |path: &str| -> Vec<String> {
        let mut ids: Vec<String> = app
            .all_items(path, None)
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(
        ids(&format!("{ORGS}?q=R%C3%84DDNINGS")),
        vec![raddning.clone()]
    );
    assert_eq!(
        ids(&format!("{ORGS}?q=mission")),
        sorted(vec![stadsmission.clone(), raddning.clone()])
    );
    assert_eq!(ids(&format!("{ORGS}?q=100%25")), Vec::<String>::new());
    assert_eq!(
        ids(&format!("{ORGS}?district=centrum")),
        sorted(vec![stadsmission.clone(), raddning.clone()])
    );
    assert_eq!(
        ids(&format!("{ORGS}?district=lundby")),
        vec![passalen.clone()]
    );
    assert_eq!(
        ids(&format!("{ORGS}?legal_form=foundation")),
        vec![stadsmission.clone()]
    );
    assert_eq!(
        ids(&format!(
            "{ORGS}?district=centrum&legal_form=faith_community"
        )),
        vec![raddning.clone()]
    );
    // updated_since picks up a later change only.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let since = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(
        app.patch(
            &format!("{ORGS}/{passalen}"),
            Some(&admin()),
            &json!({"name": "Passalen ideell förening"}),
            None
        )
        .status,
        200
    );
    assert_eq!(
        ids(&format!(
            "{ORGS}?updated_since={}",
            since.replace('+', "%2B")
        )),
        vec![passalen]
    );
}

#[test]
fn bad_query_parameters_are_400_never_ignored() {
    let app = spawn_app();
    for query in [
        "limit=501",
        "limit=0",
        "limit=ten",
        "district=gothenburg",
        "legal_form=company",
        "sort=size",
        "updated_since=yesterday",
        "cursor=garbage",
        "colour=red",
    ] {
        let res = app.get(&format!("{ORGS}?{query}"), None);
        assert_eq!(res.status, 400, "{query}: {}", res.text);
        assert_eq!(res.code(), "invalid_query_parameter", "{query}");
    }
    // A cursor made for one sort cannot be used with another.
    for i in 0..3 {
        app.create_organisation(json!({"name": format!("F{i}"), "legal_form": "other"}));
    }
    let cursor = app.get(&format!("{ORGS}?limit=1"), None).json()["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.get(&format!("{ORGS}?limit=1&sort=name&cursor={cursor}"), None)
            .status,
        400
    );
    assert_eq!(app.get(&format!("{ORGS}?limit=500"), None).status, 200);
}

#[test]
fn idempotent_retries_create_nothing_twice() {
    let app = spawn_app();
    let token = staff(&some_unit());
    let key = [("Idempotency-Key", "import-2026-11-22-row-17")];
    let first = app.post_with(ORGS, Some(&token), &reningsborg(), &key);
    assert_eq!(first.status, 201, "{}", first.text);
    let again = app.post_with(ORGS, Some(&token), &reningsborg(), &key);
    assert_eq!(again.status, 201);
    assert_eq!(again.json(), first.json());
    assert_eq!(again.header("location"), first.header("location"));
    assert_eq!(again.header("etag"), first.header("etag"));
    assert_eq!(count(&app), 1);
    // The same key with another body is refused.
    let mut other = reningsborg();
    other["name"] = json!("Something else");
    let res = app.post_with(ORGS, Some(&token), &other, &key);
    assert_eq!(res.status, 422);
    assert_eq!(res.code(), "idempotency_key_reused");
    // Another caller's key space is separate: same key, same body, real attempt (a duplicate).
    let res = app.post_with(ORGS, Some(&admin()), &reningsborg(), &key);
    assert_eq!(res.status, 409);
    // A failed request is replayed as it was, too.
    let res2 = app.post_with(ORGS, Some(&admin()), &reningsborg(), &key);
    assert_eq!(res2.status, 409);
    assert_eq!(count(&app), 1);
    // A bad key is a 400.
    let res = app.post_with(
        ORGS,
        Some(&token),
        &reningsborg(),
        &[("Idempotency-Key", "")],
    );
    assert_eq!(res.status, 400);
}

#[test]
fn concurrent_retries_with_one_key_create_one_organisation() {
    let app = std::sync::Arc::new(spawn_app());
    let handles: Vec<_> = (0..6)
        .map(|_| {
            let app = app.clone();
            std::thread::spawn(move || {
                app.post_with(
                    ORGS,
                    Some(&admin()),
                    &reningsborg(),
                    &[("Idempotency-Key", "same-key")],
                )
                .status
            })
        })
        .collect();
    let statuses: Vec<u16> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 409),
        "{statuses:?}"
    );
    assert!(statuses.contains(&201));
    assert_eq!(count(&app), 1);
}
