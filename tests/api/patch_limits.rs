//! A PATCH holds its resource's POST limits: on every resource that takes
//! a PATCH, a value past the limit the POST's schema writes is a 422 naming
//! the field, and nothing is written (a read afterwards shows the old value
//! and the old version).

use serde_json::{json, Value};

use crate::builders::{
    ApplicationBuilder, EventBuilder, PartnershipBuilder, ProgrammeBuilder, World, EVENTS,
    PARTNERSHIPS,
};
use crate::helpers::*;

/// A value just past the limit of `field` in the POST schema `create`: a
/// text one character longer than its maxLength, a number one above its
/// maximum, or a word its enum does not hold.
fn past_post_limit(spec: &Value, create: &str, field: &str) -> Value {
    let mut schema = &spec["components"]["schemas"][create]["properties"][field];
    if let Some(members) = schema["oneOf"].as_array() {
        schema = members.iter().find(|m| m["type"] != "null").unwrap();
    }
    if let Some(name) = schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        schema = &spec["components"]["schemas"][name];
    }
    if let Some(max) = schema["maxLength"].as_u64() {
        json!("x".repeat(max as usize + 1))
    } else if let Some(max) = schema["maximum"].as_i64() {
        json!(max + 1)
    } else if schema["enum"].is_array() {
        json!("no_such_value")
    } else {
        panic!("{create}.{field} has a limit: {schema}")
    }
}

fn id_of(res: &Res) -> String {
    assert!(matches!(res.status, 200 | 201), "{}", res.text);
    res.json()["id"].as_str().unwrap().to_owned()
}

/// The object at `path` (or, for a list, its item with `id`).
fn read(app: &TestApp, path: &str, token: &str, id: Option<&str>) -> Value {
    let res = app.get(path, Some(token));
    assert_eq!(res.status, 200, "{path}: {}", res.text);
    match id {
        None => res.json(),
        Some(id) => res.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|item| item["id"] == id)
            .unwrap_or_else(|| panic!("{path} lists {id}"))
            .clone(),
    }
}

#[test]
fn a_patch_past_the_posts_limit_is_refused_on_every_resource_and_writes_nothing() {
    let w = World::new();
    let app = &*w.app;
    let spec = app.get("/openapi.json", None).json();
    let (admin, staff) = (admin(), staff(&w.unit));
    let (u, a) = (w.unit.clone(), w.orgs[0].clone());

    // A partnership that runs, with a commitment.
    let partnership = PartnershipBuilder::new(&u)
        .with_members(&[&a])
        .active(app)
        .id;
    let commitment = id_of(&app.post(
        &format!("{PARTNERSHIPS}/{partnership}/commitments"),
        Some(&staff),
        &json!({"owner_unit_id": u, "description": "Lokal varje tisdag"}),
    ));

    // A planned event, and one that took place, with an outcome.
    let planned = EventBuilder::new(&u)
        .with("description", json!("Om läxhjälp"))
        .with("topic", json!("Läxhjälp"))
        .create(app)
        .id;
    let held = EventBuilder::new(&u).in_days(-3).held(app).id;
    let outcome = id_of(&app.post(
        &format!("{EVENTS}/{held}/outcomes"),
        Some(&staff),
        &json!({"description": "Gemensam sommaraktivitet", "owner": "Passalen"}),
    ));

    // An open programme, and A's application to it.
    let open = ProgrammeBuilder::new(&u).open(app);
    let programme = open.id.clone();
    let application = ApplicationBuilder::new(&a, &open.and_round())
        .create(app)
        .id;

    // A webhook subscription.
    let webhook = id_of(&app.post(
        "/api/v1/webhook-subscriptions",
        Some(&admin),
        &json!({"url": "https://hooks.example.se/", "event_types": ["city_unit.*"], "description": "Diariet"}),
    ));

    let applicant = partner(&a);
    let events = EVENTS;
    let case = |path: String, item: Option<&str>, token: &str, create, fields| {
        // A listed item is read from its list: the path without its id.
        let read = match item {
            Some(id) => path.trim_end_matches(&format!("/{id}")).to_owned(),
            None => path.clone(),
        };
        Case {
            path,
            read,
            item: item.map(str::to_owned),
            token: token.to_owned(),
            create,
            fields,
        }
    };
    let cases = [
        case(
            format!("/api/v1/organisations/{a}"),
            None,
            &admin,
            "CreateOrganisation",
            vec!["name", "description"],
        ),
        case(
            format!("/api/v1/webhook-subscriptions/{webhook}"),
            None,
            &admin,
            "CreateWebhookSubscription",
            vec!["url", "description"],
        ),
        case(
            format!("/api/v1/city-units/{u}"),
            None,
            &admin,
            "CreateCityUnit",
            vec!["name"],
        ),
        case(
            format!("/api/v1/partnerships/{partnership}"),
            None,
            &staff,
            "CreatePartnership",
            vec!["purpose", "registry_number"],
        ),
        case(
            format!("/api/v1/partnerships/{partnership}/commitments/{commitment}"),
            Some(&commitment),
            &staff,
            "CreateCommitment",
            vec!["status"],
        ),
        case(
            format!("{events}/{held}/outcomes/{outcome}"),
            Some(&outcome),
            &staff,
            "CreateOutcome",
            vec!["description", "owner"],
        ),
        case(
            format!("{events}/{planned}"),
            None,
            &staff,
            "CreateDialogueEvent",
            vec!["description", "topic", "address", "external_id"],
        ),
        case(
            format!("/api/v1/grant-programmes/{programme}"),
            None,
            &staff,
            "CreateProgramme",
            vec!["description", "title"],
        ),
        case(
            format!("/api/v1/grant-applications/{application}"),
            None,
            &applicant,
            "CreateApplication",
            vec!["requested_sek", "purpose"],
        ),
    ];

    for Case {
        path,
        read: read_path,
        item,
        token,
        create,
        fields,
    } in &cases
    {
        let before = read(app, read_path, token, item.as_deref());
        for field in fields {
            let past = past_post_limit(&spec, create, field);
            let res = app.patch(path, Some(token), &json!({ *field: past }), None);
            assert_eq!(res.status, 422, "{path} {field}: {}", res.text);
            assert_eq!(res.error_fields(), [*field], "{path}: {}", res.text);
        }
        // Every field at once, each named once.
        let body: serde_json::Map<String, Value> = fields
            .iter()
            .map(|f| (f.to_string(), past_post_limit(&spec, create, f)))
            .collect();
        let res = app.patch(path, Some(token), &Value::Object(body), None);
        assert_eq!(res.status, 422, "{path}: {}", res.text);
        let mut named = res.error_fields();
        named.sort();
        let mut expected: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
        expected.sort();
        assert_eq!(named, expected, "{path}: {}", res.text);

        let after = read(app, read_path, token, item.as_deref());
        assert_eq!(
            after["version"], before["version"],
            "{path}: nothing written"
        );
        for field in fields {
            assert_eq!(after[*field], before[*field], "{path}: {field} as it was");
        }
    }

    // Every PATCH route of the service is among the cases.
    let mut spec_patches: Vec<String> = spec["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, item)| item.get("patch").is_some())
        .map(|(path, _)| path.clone())
        .collect();
    spec_patches.sort();
    let mut covered: Vec<String> = cases
        .iter()
        .map(|Case { create, .. }| {
            spec["paths"]
                .as_object()
                .unwrap()
                .iter()
                .find(|(_, item)| {
                    item["patch"]["requestBody"]["content"]["application/merge-patch+json"]
                        ["schema"]["$ref"]
                        .as_str()
                        .is_some_and(|r| r.ends_with(&create.replacen("Create", "Update", 1)))
                })
                .map(|(path, _)| path.clone())
                .unwrap_or_else(|| panic!("a PATCH takes the twin of {create}"))
        })
        .collect();
    covered.sort();
    assert_eq!(covered, spec_patches, "every PATCH route is tested");
}

/// A PATCH to try: where, how it is read back, who sends it, and the
/// fields sent past the limits of the POST schema `create`.
struct Case {
    path: String,
    read: String,
    item: Option<String>,
    token: String,
    create: &'static str,
    fields: Vec<&'static str>,
}
