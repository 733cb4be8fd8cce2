//! PATCH is a JSON merge patch on every resource: `null` on a required
//! field is a 422 naming each such field, and a patch that changes nothing
//! keeps the version.

use serde_json::{json, Value};

use crate::builders::World;
use crate::grants::{apply, programme, APPS, PROGRAMMES};
use crate::helpers::*;

#[test]
fn merge_patch_null_on_a_required_field_is_a_422_and_a_patch_that_changes_nothing_keeps_the_version(
) {
    let w = World::new();
    let (programme_id, _) = programme(&w, 100_000, 30, false);
    let partnership = w.app.post(
        "/api/v1/partnerships",
        Some(&staff(&w.unit)),
        &json!({"title": "IOP Garaget", "purpose": "Summer jobs", "form": "iop",
                "responsible_unit_id": w.unit, "start_date": "2027-01-01", "end_date": "2027-12-31",
                "parties": [{"organisation_id": w.orgs[0], "role": "lead"}]}),
    );
    assert_eq!(partnership.status, 201, "{}", partnership.text);
    let event = w.app.post(
        "/api/v1/dialogue-events",
        Some(&staff(&w.unit)),
        &json!({"title": "Idésluss", "kind": "matching_meeting", "participation_level": "dialogue",
                "starts_at": in_days(20), "ends_at": in_days(21), "format": "in_person", "place": "Lundby"}),
    );
    assert_eq!(event.status, 201, "{}", event.text);
    let application = apply(
        &w,
        &w.orgs[0],
        &(
            programme_id.clone(),
            w.app
                .get(&format!("{PROGRAMMES}/{programme_id}"), None)
                .json()["rounds"][0]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        ),
        10_000,
    );
    assert_eq!(application.status, 201, "{}", application.text);
    let id = |res: &Res| res.json()["id"].as_str().unwrap().to_owned();
    let cases: Vec<(String, String, Vec<&str>, Value)> = vec![
        (
            format!("/api/v1/organisations/{}", w.orgs[0]),
            admin(),
            vec!["name", "legal_form", "districts"],
            json!({"name": "Reningsborg"}),
        ),
        (
            format!("/api/v1/city-units/{}", w.unit),
            admin(),
            vec!["name", "kind"],
            json!({"name": "SDF Västra Göteborg"}),
        ),
        (
            format!("/api/v1/partnerships/{}", id(&partnership)),
            staff(&w.unit),
            vec![
                "title",
                "purpose",
                "form",
                "target_groups",
                "districts",
                "start_date",
                "end_date",
            ],
            json!({"title": "IOP Garaget"}),
        ),
        (
            format!("/api/v1/dialogue-events/{}", id(&event)),
            staff(&w.unit),
            vec![
                "title",
                "kind",
                "participation_level",
                "co_organiser_ids",
                "starts_at",
                "ends_at",
                "format",
                "agenda",
            ],
            json!({"title": "Idésluss"}),
        ),
        (
            format!("{PROGRAMMES}/{programme_id}"),
            staff(&w.unit),
            vec!["title", "min_sek", "max_sek", "budgets", "rounds"],
            json!({"title": "Utvecklingspotten 2027"}),
        ),
        (
            format!("{APPS}/{}", id(&application)),
            partner(&w.orgs[0]),
            vec![
                "title",
                "purpose",
                "requested_sek",
                "start_date",
                "end_date",
                "budget_lines",
                "document_answers",
            ],
            json!({"title": "Garaget"}),
        ),
    ];
    for (path, token, required, unchanged) in cases {
        let before = w.app.get(&path, Some(&token)).json();
        let v0 = before["version"].as_i64().unwrap();
        let nulls: serde_json::Map<String, Value> = required
            .iter()
            .map(|f| (f.to_string(), Value::Null))
            .collect();
        let res = w
            .app
            .patch(&path, Some(&token), &Value::Object(nulls), None);
        assert_eq!(res.status, 422, "{path}: {}", res.text);
        let mut named = res.error_fields();
        named.sort();
        let mut expected: Vec<String> = required.iter().map(|f| f.to_string()).collect();
        expected.sort();
        assert_eq!(named, expected, "{path}");
        assert!(res.text.contains("cannot be null"), "{path}: {}", res.text);
        for field in &required {
            let res = w
                .app
                .patch(&path, Some(&token), &json!({ *field: null }), None);
            assert_eq!(res.status, 422, "{path} {field}: {}", res.text);
            assert_eq!(res.error_fields(), [field.to_string()], "{path}");
        }
        assert_eq!(
            w.app.get(&path, Some(&token)).json()["version"],
            v0,
            "{path}"
        );
        // The same values again, or nothing at all: 200, no new version.
        for body in [unchanged.clone(), json!({})] {
            let res = w.app.patch(&path, Some(&token), &body, None);
            assert_eq!(res.status, 200, "{path} {body}: {}", res.text);
            assert_eq!(res.json()["version"], v0, "{path} {body}");
        }
        assert_eq!(w.app.get(&path, Some(&token)).json(), before, "{path}");
    }
}
