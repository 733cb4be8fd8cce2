//! Request limits, read from the served spec: every request string, array
//! and number has bounds, every PATCH body carries its POST body's limits,
//! and the server holds the bounds the spec writes: a value at a bound is
//! taken, one just past it is refused (a body field with a 422 naming it, a
//! query parameter with a 400 naming it, `If-Match` with a 400).

use serde_json::{json, Value};
use uuid::Uuid;

use crate::builders::World;
use crate::helpers::*;

/// The keywords that limit a value.
const LIMITS: [&str; 8] = [
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
    "pattern",
    "enum",
];

/// `schema` with its `$ref`s followed and a nullable `oneOf` (null or one
/// schema) unwrapped.
fn resolve<'a>(spec: &'a Value, mut schema: &'a Value) -> &'a Value {
    loop {
        if let Some(name) = schema["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
        {
            schema = &spec["components"]["schemas"][name];
            continue;
        }
        if let Some(members) = schema["oneOf"].as_array() {
            let not_null: Vec<&Value> = members.iter().filter(|m| m["type"] != "null").collect();
            if let [only] = not_null.as_slice() {
                schema = only;
                continue;
            }
        }
        return schema;
    }
}

fn has_type(schema: &Value, wanted: &str) -> bool {
    match &schema["type"] {
        Value::String(t) => t == wanted,
        Value::Array(ts) => ts.iter().any(|t| t == wanted),
        _ => false,
    }
}

/// Whether a pattern bounds the length of what it matches: no `*`, `+` or
/// `{n,}` outside character classes and escapes.
fn pattern_bounds_length(pattern: &str) -> bool {
    let mut outside = String::new();
    let mut chars = pattern.chars();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            _ if in_class => {}
            _ => outside.push(c),
        }
    }
    let open_range = regex_lite::Regex::new(r"\{[0-9]+,\}").unwrap();
    !(outside.contains('*') || outside.contains('+') || open_range.is_match(&outside))
}

#[test]
fn bounded_patterns_are_told_from_unbounded_ones() {
    assert!(pattern_bounds_length("^[!-~]{1,255}$"));
    assert!(pattern_bounds_length(r"^[0-9]{6}-?[0-9]{4}$"));
    assert!(pattern_bounds_length(r"^(?:a|b)(?:\.[0-9]{1,9})?$"));
    assert!(!pattern_bounds_length(r"^[^\u0000-\u001F]*$"));
    assert!(!pattern_bounds_length(r"^[A-Za-z0-9_-]+$"));
    assert!(!pattern_bounds_length(r"^(?:[0-9][ +()-]*){5,}$"));
    assert!(pattern_bounds_length(r"^[*+]\*\+$"));
}

/// What is wrong with the bounds of one request value (and, inside
/// objects and arrays, of every value in it).
fn unbounded(spec: &Value, at: &str, schema: &Value, depth: usize, out: &mut Vec<String>) {
    assert!(depth < 12, "{at}: the schema nests too deep");
    let schema = resolve(spec, schema);
    for key in ["oneOf", "anyOf", "allOf"] {
        for member in schema[key].as_array().into_iter().flatten() {
            unbounded(spec, at, member, depth + 1, out);
        }
    }
    if has_type(schema, "string") {
        let bounded = schema.get("enum").is_some()
            || schema["format"]
                .as_str()
                .is_some_and(|f| ["uuid", "date", "date-time"].contains(&f))
            || schema.get("maxLength").is_some()
            || schema["pattern"]
                .as_str()
                .is_some_and(pattern_bounds_length);
        if !bounded {
            out.push(format!("{at}: a string without maxLength"));
        }
    }
    if has_type(schema, "array") {
        if schema.get("maxItems").is_none() {
            out.push(format!("{at}: an array without maxItems"));
        }
        unbounded(spec, &format!("{at}[]"), &schema["items"], depth + 1, out);
    }
    if has_type(schema, "integer") || has_type(schema, "number") {
        for key in ["minimum", "maximum"] {
            if schema.get(key).is_none() {
                out.push(format!("{at}: a number without {key}"));
            }
        }
    }
    for (name, property) in schema["properties"].as_object().into_iter().flatten() {
        unbounded(spec, &format!("{at}.{name}"), property, depth + 1, out);
    }
    if schema["additionalProperties"].is_object() {
        unbounded(
            spec,
            &format!("{at}.*"),
            &schema["additionalProperties"],
            depth + 1,
            out,
        );
    }
}

/// Every operation of the spec: (method, path, operation).
fn operations(spec: &Value) -> Vec<(String, String, &Value)> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                out.push((method.to_uppercase(), path.clone(), op));
            }
        }
    }
    out
}

/// Every string, array and number a client sends, in bodies, query
/// parameters and headers, has bounds in the spec (a path parameter names
/// a resource: the router answers 404 for any segment that names none).
#[test]
fn every_request_string_array_and_number_has_bounds() {
    let app = spawn_app();
    let spec = app.get("/openapi.json", None).json();
    let mut out = Vec::new();
    let mut walked = 0;
    for (method, path, op) in operations(&spec) {
        for parameter in op["parameters"].as_array().into_iter().flatten() {
            let parameter = resolve(&spec, parameter);
            if ["query", "header"].contains(&parameter["in"].as_str().unwrap_or_default()) {
                let at = format!("{method} {path} {}", parameter["name"]);
                unbounded(&spec, &at, &parameter["schema"], 0, &mut out);
                walked += 1;
            }
        }
        for (media, content) in op["requestBody"]["content"]
            .as_object()
            .into_iter()
            .flatten()
        {
            let at = format!("{method} {path} {media}");
            unbounded(&spec, &at, &content["schema"], 0, &mut out);
            walked += 1;
        }
    }
    assert!(walked > 100, "the walk found the requests ({walked})");
    assert!(out.is_empty(), "{}", out.join("\n"));
}

/// The limits of a POST schema and its PATCH twin, property by property
/// (in arrays and objects too); `all` demands that the PATCH changes only
/// what the POST sets.
fn compare_limits(
    spec: &Value,
    at: &str,
    create: &Value,
    update: &Value,
    all: bool,
    out: &mut Vec<String>,
) {
    let (create, update) = (resolve(spec, create), resolve(spec, update));
    for key in LIMITS {
        if create.get(key) != update.get(key) {
            out.push(format!(
                "{at}: {key} is {} on POST, {} on PATCH",
                create.get(key).unwrap_or(&Value::Null),
                update.get(key).unwrap_or(&Value::Null)
            ));
        }
    }
    if create.get("items").is_some() || update.get("items").is_some() {
        let at = format!("{at}[]");
        compare_limits(spec, &at, &create["items"], &update["items"], false, out);
    }
    for (name, property) in update["properties"].as_object().into_iter().flatten() {
        match create["properties"].get(name) {
            Some(twin) => {
                let at = format!("{at}.{name}");
                compare_limits(spec, &at, twin, property, false, out);
            }
            // A round's change names the round it changes; a new one has no id yet.
            None if !all => {}
            None => out.push(format!("{at}.{name}: PATCH sets what POST does not")),
        }
    }
}

/// Every `Update*` body has exactly the limits of its `Create*` twin, so a
/// PATCH never stores what a POST refuses (and never refuses what it takes).
#[test]
fn every_update_body_has_the_limits_of_its_create_body() {
    let app = spawn_app();
    let spec = app.get("/openapi.json", None).json();
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    let mut out = Vec::new();
    let mut twins = Vec::new();
    for name in schemas.keys() {
        let Some(rest) = name.strip_prefix("Update") else {
            continue;
        };
        let create = format!("Create{rest}");
        assert!(schemas.contains_key(&create), "{name} has a {create}");
        compare_limits(
            &spec,
            name,
            &schemas[&create],
            &schemas[name],
            true,
            &mut out,
        );
        twins.push(rest.to_owned());
    }
    twins.sort();
    assert_eq!(
        twins,
        [
            "Application",
            "CityUnit",
            "Commitment",
            "DialogueEvent",
            "Organisation",
            "Outcome",
            "Partnership",
            "Programme",
            "WebhookSubscription"
        ],
        "the PATCH bodies of the service"
    );
    assert!(out.is_empty(), "{}", out.join("\n"));
}

/// A step into a JSON body: a key, or the first item of a list.
#[derive(Clone, Debug)]
enum Step {
    Key(String),
    First,
}

fn field_name(steps: &[Step]) -> String {
    let mut name = String::new();
    for step in steps {
        match step {
            Step::Key(k) if name.is_empty() => name.push_str(k),
            Step::Key(k) => name.push_str(&format!(".{k}")),
            Step::First => name.push_str("[0]"),
        }
    }
    name
}

fn slot<'a>(body: &'a mut Value, steps: &[Step]) -> &'a mut Value {
    let mut here = body;
    for step in steps {
        here = match step {
            Step::Key(k) => &mut here[k.as_str()],
            Step::First => &mut here[0],
        };
    }
    here
}

/// An email address of exactly `n` characters (local part 64, labels 63).
fn email(n: usize) -> String {
    let mut domain = String::new();
    let mut left = n - 65;
    while left > 0 {
        if !domain.is_empty() {
            domain.push('.');
            left -= 1;
        }
        let take = left.min(63);
        domain.push_str(&"b".repeat(take));
        left -= take;
    }
    format!("{}@{domain}", "a".repeat(64))
}

/// A text of exactly `n` characters of the kind `schema` takes.
fn text(schema: &Value, n: usize) -> String {
    let pattern = schema["pattern"].as_str().unwrap_or_default();
    if schema["format"] == "email" {
        email(n)
    } else if pattern.starts_with("^https?://") {
        format!("https://a.se/{}", "x".repeat(n.saturating_sub(13)))
    } else if pattern.starts_with(r"^[a-z_]+\.") {
        // A webhook's event type: a resource type and an action.
        format!("city_unit.{}", "x".repeat(n.saturating_sub(10).max(1)))
    } else if pattern.contains("[0-9][ +()-]*") {
        "0".repeat(n)
    } else {
        "x".repeat(n)
    }
}

/// One item of the kind an array's `items` schema takes (a fresh id each).
fn item(spec: &Value, items: &Value) -> Value {
    let items = resolve(spec, items);
    if let Some(first) = items["enum"].as_array().and_then(|e| e.first()) {
        first.clone()
    } else if items["format"] == "uuid" {
        json!(Uuid::now_v7())
    } else if has_type(items, "string") {
        json!("x")
    } else {
        panic!("no item made for {items}: put one in the base body")
    }
}

/// A value at a bound and one just past it, for one field of a body.
struct Probe {
    steps: Vec<Step>,
    what: String,
    at: Value,
    past: Value,
}

/// Every bound of the body schema, as probes against `base`: the fields
/// of the schema, and of the objects and lists `base` holds.
fn probes(spec: &Value, schema: &Value, base: &Value, steps: Vec<Step>, out: &mut Vec<Probe>) {
    let schema = resolve(spec, schema);
    let name = field_name(&steps);
    let mut probe = |what: &str, at: Value, past: Value| {
        out.push(Probe {
            steps: steps.clone(),
            what: format!("{name} {what}"),
            at,
            past,
        })
    };
    if has_type(schema, "string") {
        if let Some(max) = schema["maxLength"].as_u64() {
            let at = text(schema, max as usize);
            if let Some(re) = schema["pattern"]
                .as_str()
                .and_then(|p| regex_lite::Regex::new(p).ok())
            {
                assert!(re.is_match(&at), "{name}: the test's text fits the pattern");
            }
            probe(
                "maxLength",
                json!(at),
                json!(text(schema, max as usize + 1)),
            );
        }
        if let Some(min) = schema["minLength"].as_u64().filter(|m| *m > 0) {
            let min = min as usize;
            let past = if min > 1 {
                text(schema, min - 1)
            } else {
                String::new()
            };
            probe("minLength", json!(text(schema, min)), json!(past));
        }
    }
    if has_type(schema, "integer") {
        if let Some(max) = schema["maximum"].as_i64() {
            probe("maximum", json!(max), json!(max + 1));
        }
        if let Some(min) = schema["minimum"].as_i64() {
            probe("minimum", json!(min), json!(min - 1));
        }
    }
    if has_type(schema, "array") {
        let one = match base.get(0) {
            Some(first) => first.clone(),
            None => item(spec, &schema["items"]),
        };
        let many = |n: u64| {
            (0..n)
                .map(|_| match &one {
                    Value::String(s) if Uuid::parse_str(s).is_ok() => json!(Uuid::now_v7()),
                    other => other.clone(),
                })
                .collect::<Vec<_>>()
        };
        if let Some(max) = schema["maxItems"].as_u64() {
            probe("maxItems", json!(many(max)), json!(many(max + 1)));
        }
        if let Some(min) = schema["minItems"].as_u64().filter(|m| *m > 0) {
            probe("minItems", json!(many(min)), json!(many(min - 1)));
        }
        let items = resolve(spec, &schema["items"]);
        let bounded_items = items.get("properties").is_some()
            || ["maxLength", "minLength", "maximum", "minimum"]
                .iter()
                .any(|k| items.get(k).is_some());
        if bounded_items {
            let first = base.get(0).unwrap_or_else(|| {
                panic!("{name}: give the base body one item, so its fields are probed")
            });
            let mut inner = steps.clone();
            inner.push(Step::First);
            probes(spec, items, first, inner, out);
        }
    }
    for (key, property) in schema["properties"].as_object().into_iter().flatten() {
        let nested = resolve(spec, property);
        let is_object = nested.get("properties").is_some();
        if is_object && base.get(key).is_none() {
            panic!("{name}.{key}: give the base body this object, so its fields are probed");
        }
        let mut inner = steps.clone();
        inner.push(Step::Key(key.clone()));
        probes(spec, property, &base[key.as_str()], inner, out);
    }
}

fn names(res: &Res, field: &str) -> bool {
    res.status == 422 && res.error_fields().iter().any(|f| f == field)
}

/// Every body the service takes, with a value at and one just past each
/// bound its schema writes: past is a 422 naming the field, at is not.
/// Each operation gets a base body that holds one item of every list of
/// objects, so the fields of those are probed too.
#[test]
fn every_body_bound_in_the_spec_is_the_one_the_server_holds() {
    let w = World::new();
    let app = &*w.app;
    let spec = app.get("/openapi.json", None).json();
    let token = admin();
    // A follow-up's fields are judged after who may file: a real
    // partnership, proposed by its lead organisation, whose member files.
    let a = w.orgs[0].clone();
    let res = app.post(
        "/api/v1/partnerships",
        Some(&partner(&a)),
        &json!({"title": "Gränser", "purpose": "Provning", "form": "iop",
                "responsible_unit_id": w.unit, "start_date": "2027-01-01", "end_date": "2027-12-31"}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let partnership = res.json()["id"].as_str().unwrap().to_owned();

    let id = || Uuid::now_v7().to_string();
    let round = json!({"name": "R", "opens_at": "2027-01-01T00:00:00Z", "deadline": "2027-02-01T00:00:00Z"});
    let budget_line = json!({"description": "Lokal", "amount_sek": 1});
    let answer = json!({"key": "plan", "reference": "dnr 1"});
    // (method, spec path, path, token, base body)
    let bodies: Vec<(&str, &str, String, String, Value)> = vec![
        (
            "POST",
            "/api/v1/city-units",
            "/api/v1/city-units".into(),
            token.clone(),
            json!({"name": "Enhet", "kind": "specialist_administration"}),
        ),
        (
            "PATCH",
            "/api/v1/city-units/{id}",
            format!("/api/v1/city-units/{}", id()),
            token.clone(),
            json!({"name": "Enhet"}),
        ),
        (
            "POST",
            "/api/v1/webhook-subscriptions",
            "/api/v1/webhook-subscriptions".into(),
            token.clone(),
            json!({"url": "https://hooks.example.se/", "event_types": ["city_unit.*"]}),
        ),
        (
            "PATCH",
            "/api/v1/webhook-subscriptions/{id}",
            format!("/api/v1/webhook-subscriptions/{}", id()),
            token.clone(),
            json!({"event_types": ["city_unit.*"]}),
        ),
        (
            "POST",
            "/api/v1/webhook-subscriptions/{id}/replay",
            format!("/api/v1/webhook-subscriptions/{}/replay", id()),
            token.clone(),
            json!({"from": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z"}),
        ),
        (
            "POST",
            "/api/v1/organisations",
            "/api/v1/organisations".into(),
            token.clone(),
            json!({"name": "F", "legal_form": "other"}),
        ),
        (
            "PATCH",
            "/api/v1/organisations/{id}",
            format!("/api/v1/organisations/{}", id()),
            token.clone(),
            json!({"name": "F"}),
        ),
        (
            "POST",
            "/api/v1/dialogue-events",
            "/api/v1/dialogue-events".into(),
            token.clone(),
            json!({"title": "T", "kind": "workshop", "participation_level": "dialogue",
                   "organiser_unit_id": id(), "starts_at": "2027-05-12T15:00:00Z", "ends_at": "2027-05-12T17:00:00Z",
                   "format": "in_person", "place": "P",
                   "agenda": [{"title": "A", "duration_minutes": 5, "presenter": "P"}]}),
        ),
        (
            "PATCH",
            "/api/v1/dialogue-events/{id}",
            format!("/api/v1/dialogue-events/{}", id()),
            token.clone(),
            json!({"agenda": [{"title": "A", "duration_minutes": 5}]}),
        ),
        (
            "POST",
            "/api/v1/dialogue-events/{id}/cancel",
            format!("/api/v1/dialogue-events/{}/cancel", id()),
            token.clone(),
            json!({"reason": "R"}),
        ),
        (
            "POST",
            "/api/v1/dialogue-events/{id}/invitations",
            format!("/api/v1/dialogue-events/{}/invitations", id()),
            token.clone(),
            json!({"organisation_ids": [id()]}),
        ),
        (
            "POST",
            "/api/v1/dialogue-events/{id}/registrations",
            format!("/api/v1/dialogue-events/{}/registrations", id()),
            token.clone(),
            json!({"organisation_id": id(), "participants": 1, "names": ["N"]}),
        ),
        (
            "PUT",
            "/api/v1/dialogue-events/{id}/attendance",
            format!("/api/v1/dialogue-events/{}/attendance", id()),
            token.clone(),
            json!({"organisations": [{"organisation_id": id(), "attendees": 1}], "walk_ins": 0}),
        ),
        (
            "PUT",
            "/api/v1/dialogue-events/{id}/minutes",
            format!("/api/v1/dialogue-events/{}/minutes", id()),
            token.clone(),
            json!({"text": "T"}),
        ),
        (
            "POST",
            "/api/v1/dialogue-events/{id}/minutes/contributions",
            format!("/api/v1/dialogue-events/{}/minutes/contributions", id()),
            token.clone(),
            json!({"organisation_id": id(), "text": "T"}),
        ),
        (
            "POST",
            "/api/v1/dialogue-events/{id}/outcomes",
            format!("/api/v1/dialogue-events/{}/outcomes", id()),
            token.clone(),
            json!({"description": "D", "owner": "O"}),
        ),
        (
            "PATCH",
            "/api/v1/dialogue-events/{id}/outcomes/{outcome_id}",
            format!("/api/v1/dialogue-events/{}/outcomes/{}", id(), id()),
            token.clone(),
            json!({"description": "D"}),
        ),
        (
            "POST",
            "/api/v1/partnerships",
            "/api/v1/partnerships".into(),
            token.clone(),
            json!({"title": "T", "purpose": "P", "form": "iop", "responsible_unit_id": id(),
                   "start_date": "2027-01-01", "end_date": "2027-12-31",
                   "parties": [{"organisation_id": id()}], "target_groups": ["G"]}),
        ),
        (
            "PATCH",
            "/api/v1/partnerships/{id}",
            format!("/api/v1/partnerships/{}", id()),
            token.clone(),
            json!({"target_groups": ["G"]}),
        ),
        (
            "POST",
            "/api/v1/partnerships/{id}/parties",
            format!("/api/v1/partnerships/{}/parties", id()),
            token.clone(),
            json!({"organisation_id": id()}),
        ),
        (
            "POST",
            "/api/v1/partnerships/{id}/parties/{organisation_id}/accept",
            format!("/api/v1/partnerships/{}/parties/{}/accept", id(), id()),
            token.clone(),
            json!({"reason": "R"}),
        ),
        (
            "POST",
            "/api/v1/partnerships/{id}/parties/{organisation_id}/decline",
            format!("/api/v1/partnerships/{}/parties/{}/decline", id(), id()),
            token.clone(),
            json!({"reason": "R"}),
        ),
        (
            "POST",
            "/api/v1/partnerships/{id}/funding-lines",
            format!("/api/v1/partnerships/{}/funding-lines", id()),
            token.clone(),
            json!({"source_name": "S", "year": 2027, "amount_sek": 1}),
        ),
        (
            "POST",
            "/api/v1/partnerships/{id}/in-kind-contributions",
            format!("/api/v1/partnerships/{}/in-kind-contributions", id()),
            token.clone(),
            json!({"organisation_id": id(), "kind": "volunteer_hours", "description": "D"}),
        ),
        (
            "POST",
            "/api/v1/partnerships/{id}/commitments",
            format!("/api/v1/partnerships/{}/commitments", id()),
            token.clone(),
            json!({"owner_unit_id": id(), "description": "D"}),
        ),
        (
            "PATCH",
            "/api/v1/partnerships/{id}/commitments/{commitment_id}",
            format!("/api/v1/partnerships/{}/commitments/{}", id(), id()),
            token.clone(),
            json!({"status": "met"}),
        ),
        (
            "POST",
            "/api/v1/partnerships/{id}/follow-ups",
            format!("/api/v1/partnerships/{partnership}/follow-ups"),
            partner(&a),
            json!({"held_on": "2027-03-01", "kind": "report", "summary": "S", "organisation_id": a}),
        ),
        (
            "POST",
            "/api/v1/partnerships/{id}/{action}",
            format!("/api/v1/partnerships/{}/amend", id()),
            token.clone(),
            json!({"reason": "R", "changes": {"title": "T", "target_groups": ["G"]}}),
        ),
        (
            "POST",
            "/api/v1/grant-programmes",
            "/api/v1/grant-programmes".into(),
            token.clone(),
            json!({"title": "T", "owning_unit_id": id(), "budgets": [{"year": 2027, "budget_sek": 1}],
                   "min_sek": 0, "max_sek": 1_000_000_000_000_i64,
                   "required_documents": [{"key": "plan", "title": "Plan"}], "rounds": [round]}),
        ),
        (
            "PATCH",
            "/api/v1/grant-programmes/{id}",
            format!("/api/v1/grant-programmes/{}", id()),
            token.clone(),
            json!({"budgets": [{"year": 2027, "budget_sek": 1}], "rounds": [{"id": id(), "name": "R"}]}),
        ),
        (
            "POST",
            "/api/v1/grant-programmes/{id}/rounds",
            format!("/api/v1/grant-programmes/{}/rounds", id()),
            token.clone(),
            round.clone(),
        ),
        (
            "POST",
            "/api/v1/grant-applications",
            "/api/v1/grant-applications".into(),
            token.clone(),
            json!({"organisation_id": id(), "programme_id": id(), "round_id": id(), "title": "T", "purpose": "P",
                   "requested_sek": 1, "start_date": "2027-06-01", "end_date": "2027-08-31",
                   "budget_lines": [budget_line], "document_answers": [answer]}),
        ),
        (
            "PATCH",
            "/api/v1/grant-applications/{id}",
            format!("/api/v1/grant-applications/{}", id()),
            token.clone(),
            json!({"budget_lines": [budget_line], "document_answers": [answer]}),
        ),
        (
            "POST",
            "/api/v1/grant-applications/{id}/payments",
            format!("/api/v1/grant-applications/{}/payments", id()),
            token.clone(),
            json!({"amount_sek": 1, "paid_on": "2027-01-15"}),
        ),
        (
            "POST",
            "/api/v1/grant-applications/{id}/reviews",
            format!("/api/v1/grant-applications/{}/reviews", id()),
            token.clone(),
            json!({"note": "N"}),
        ),
        (
            "POST",
            "/api/v1/grant-applications/{id}/conflict-declarations",
            format!("/api/v1/grant-applications/{}/conflict-declarations", id()),
            token.clone(),
            json!({"has_conflict": false}),
        ),
        (
            "POST",
            "/api/v1/grant-applications/{id}/conflict-declarations/{declaration_id}/release",
            format!(
                "/api/v1/grant-applications/{}/conflict-declarations/{}/release",
                id(),
                id()
            ),
            token.clone(),
            json!({"reason": "R"}),
        ),
        (
            "POST",
            "/api/v1/grant-applications/{id}/{action}",
            format!("/api/v1/grant-applications/{}/decide", id()),
            token.clone(),
            json!({"outcome": "granted", "granted_sek": 1, "motivation": "M"}),
        ),
    ];

    let mut with_bodies: Vec<(String, String)> = Vec::new();
    for (method, path, op) in operations(&spec) {
        // A file (an import's NDJSON or CSV) has no JSON fields to bound.
        let json = op["requestBody"]["content"].as_object().is_some_and(|c| {
            c.keys()
                .any(|k| k.contains("json") && !k.contains("ndjson"))
        });
        if json {
            with_bodies.push((method, path));
        }
    }
    let mut listed: Vec<(String, String)> = bodies
        .iter()
        .map(|(m, p, ..)| (m.to_string(), p.to_string()))
        .collect();
    with_bodies.sort();
    listed.sort();
    assert_eq!(
        listed, with_bodies,
        "every body the spec takes has a base body here"
    );

    let mut failures = Vec::new();
    let mut probed = 0;
    for (method, spec_path, path, token, base) in &bodies {
        let op = &spec["paths"][*spec_path][method.to_lowercase()];
        let content = op["requestBody"]["content"].as_object().unwrap();
        let (media, schema) = content.iter().next().unwrap();
        let send = |body: &Value| {
            app.send(
                method,
                path,
                Some(token),
                Some(body.to_string().into_bytes()),
                &[("Content-Type", media.as_str())],
            )
        };
        let mut found = Vec::new();
        probes(&spec, &schema["schema"], base, Vec::new(), &mut found);
        for probe in found {
            probed += 1;
            let field = field_name(&probe.steps);
            for (value, refused) in [(&probe.at, false), (&probe.past, true)] {
                let mut body = base.clone();
                *slot(&mut body, &probe.steps) = value.clone();
                let res = send(&body);
                if names(&res, &field) != refused {
                    failures.push(format!(
                        "{method} {spec_path} {} {}: {} {}",
                        probe.what,
                        if refused { "just past" } else { "at the bound" },
                        res.status,
                        res.text.chars().take(300).collect::<String>()
                    ));
                }
            }
        }
    }
    assert!(probed > 150, "the bounds were found ({probed})");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every bounded query parameter: just past its bound a 400 that names it,
/// at the bound no such refusal (a cursor of the longest length is still
/// not one this service gave out, which is another 400). `limit`'s bounds
/// are older, tested with the lists.
#[test]
fn every_query_bound_in_the_spec_is_the_one_the_server_holds() {
    let app = spawn_app();
    let spec = app.get("/openapi.json", None).json();
    let token = admin();
    let mut failures = Vec::new();
    let mut probed = Vec::new();
    for (method, path, op) in operations(&spec) {
        if method != "GET" {
            continue;
        }
        let concrete = regex_lite::Regex::new(r"\{[a-z_]+\}")
            .unwrap()
            .replace_all(&path, Uuid::now_v7().to_string().as_str())
            .into_owned();
        for parameter in op["parameters"].as_array().into_iter().flatten() {
            let name = parameter["name"].as_str().unwrap();
            if parameter["in"] != "query" || name == "limit" {
                continue;
            }
            let schema = resolve(&spec, &parameter["schema"]);
            let mut cases: Vec<(String, String)> = Vec::new();
            if let Some(max) = schema["maxLength"].as_u64() {
                let letter = if name == "cursor" { "A" } else { "x" };
                cases.push((letter.repeat(max as usize), letter.repeat(max as usize + 1)));
            }
            if let Some(max) = schema["maximum"].as_i64() {
                cases.push((max.to_string(), (max + 1).to_string()));
            }
            if let Some(min) = schema["minimum"].as_i64() {
                cases.push((min.to_string(), (min - 1).to_string()));
            }
            for (at, past) in cases {
                probed.push(format!("{path} {name}"));
                let res = app.get(&format!("{concrete}?{name}={past}"), Some(&token));
                let detail = res.json()["detail"].as_str().unwrap_or_default().to_owned();
                if res.status != 400 || !detail.contains(&format!("`{name}`")) {
                    failures.push(format!("{path} {name}={past}: {} {}", res.status, res.text));
                }
                let res = app.get(&format!("{concrete}?{name}={at}"), Some(&token));
                let detail = res.json()["detail"].as_str().unwrap_or_default().to_owned();
                if res.status == 400 && detail.contains(&format!("`{name}` must")) {
                    failures.push(format!("{path} {name} at its bound: {}", res.text));
                }
            }
        }
    }
    for expected in [
        "/api/v1/organisations q",
        "/api/v1/grant-applications min_sek",
        "/api/v1/grant-applications max_sek",
        "/api/v1/partnerships/{id}/history cursor",
    ] {
        assert!(
            probed.iter().any(|p| p == expected),
            "{expected} was probed: {probed:?}"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `If-Match` longer than the spec's maxLength is a 400 on every operation
/// that takes it; at the longest length it is read (and names no version).
#[test]
fn if_match_past_its_length_is_refused_everywhere() {
    let app = spawn_app();
    let spec = app.get("/openapi.json", None).json();
    let token = admin();
    let mut failures = Vec::new();
    let mut probed = 0;
    for (method, path, op) in operations(&spec) {
        let Some(max) = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["name"] == "If-Match")
            .map(|p| resolve(&spec, &p["schema"])["maxLength"].as_u64())
        else {
            continue;
        };
        let max = max.unwrap_or_else(|| panic!("{method} {path}: If-Match has maxLength")) as usize;
        // `If-Match` is read before the path's objects are looked up.
        let concrete = regex_lite::Regex::new(r"\{[a-z_]+\}")
            .unwrap()
            .replace_all(&path, Uuid::now_v7().to_string().as_str())
            .into_owned();
        for (length, refused) in [(max, false), (max + 1, true)] {
            let tag = format!("\"{}\"", "a".repeat(length - 2));
            let res = app.send(
                &method,
                &concrete,
                Some(&token),
                None,
                &[("If-Match", &tag)],
            );
            let said = res.status == 400 && res.json()["code"] == "invalid_if_match";
            if said != refused {
                failures.push(format!(
                    "{method} {path} If-Match of {length}: {} {}",
                    res.status, res.text
                ));
            }
        }
        probed += 1;
    }
    assert!(probed >= 17, "every operation with If-Match ({probed})");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
