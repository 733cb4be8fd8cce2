//! The committed spec is what the code generates, and it documents every
//! operation fully (summary, security, problem responses).

use serde_json::{json, Value};

use crate::helpers::*;
use crate::schema_check;

/// The committed spec is the served one but for its server: the committed
/// copy names `samverkan serve` on its default address, a running service
/// the `SAMVERKAN_PUBLIC_URL` where clients reach it.
#[test]
fn committed_openapi_json_is_current() {
    // An http URL: the problem base is set once per process, and other
    // tests expect it to be http.
    let app = spawn_app_with(|s| s.public_url = "http://samverkan.localhost:8080/".into());
    let mut served = app.get("/openapi.json", None).json();
    let committed: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .expect("openapi/openapi.json exists"),
    )
    .expect("openapi/openapi.json is JSON");
    assert_eq!(
        served["servers"],
        json!([{
            "url": "http://samverkan.localhost:8080",
            "description": "This service, at its `SAMVERKAN_PUBLIC_URL`.",
            "x-internal": false
        }])
    );
    assert_eq!(
        committed["servers"],
        json!([{
            "url": "http://127.0.0.1:8080",
            "description": "local: `samverkan serve` with the default `SAMVERKAN_BIND`. A running service's own `/openapi.json` names its `SAMVERKAN_PUBLIC_URL` here instead.",
            "x-internal": false
        }])
    );
    served["servers"] = committed["servers"].clone();
    assert!(
        served == committed,
        "openapi/openapi.json is stale: regenerate it with `cargo run -- openapi > openapi/openapi.json`"
    );
    assert!(served["openapi"].as_str().unwrap().starts_with("3.1"));
}

#[test]
fn every_operation_is_fully_documented() {
    let app = spawn_app();
    let spec = app.get("/openapi.json", None).json();
    let mut operations = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let name = format!("{method} {path}");
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{name}: summary"
            );
            assert!(op["operationId"].is_string(), "{name}: operationId");
            assert!(op["security"].is_array(), "{name}: security");
            let responses = op["responses"].as_object().unwrap();
            let secured = op["security"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s.get("bearer").is_some());
            if secured && path.starts_with("/api/") {
                assert!(responses.contains_key("401"), "{name}: documents 401");
            }
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        response["content"]["application/problem+json"].is_object(),
                        "{name} {status}: problem schema"
                    );
                }
            }
            let needs_body = op.get("requestBody").is_some();
            if needs_body && path.starts_with("/api/") {
                for status in ["400", "413", "415", "422"] {
                    assert!(responses.contains_key(status), "{name}: documents {status}");
                }
            }
        }
    }
    assert!(operations >= 13, "{operations} operations");
    assert_eq!(
        spec["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

/// Every `$ref` anywhere in the served document points at something in it.
#[test]
fn every_ref_in_the_served_spec_resolves() {
    let app = spawn_app();
    let spec = app.get("/openapi.json", None).json();
    let mut refs = Vec::new();
    collect_refs(&spec, "", &mut refs);
    assert!(refs.len() > 100, "{} refs", refs.len());
    let dangling: Vec<_> = refs
        .iter()
        .filter(|(_, r)| schema_check::resolve(&spec, r).is_none())
        .collect();
    assert!(dangling.is_empty(), "dangling $refs: {dangling:#?}");
}

fn collect_refs(value: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "$ref" {
                    out.push((at.to_owned(), child.as_str().unwrap_or_default().to_owned()));
                } else {
                    collect_refs(child, &format!("{at}/{key}"), out);
                }
            }
        }
        Value::Array(list) => {
            for (i, child) in list.iter().enumerate() {
                collect_refs(child, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Every example in the served document (on schemas and their properties,
/// on parameters and headers, on request and response bodies) validates
/// against the schema it illustrates.
#[test]
fn every_example_in_the_served_spec_validates_against_its_schema() {
    let app = spawn_app();
    let spec = app.get("/openapi.json", None).json();
    let mut examples: Vec<(String, Value, Value)> = Vec::new();

    // Schemas and every schema nested in them.
    let mut nodes = Vec::new();
    for (name, schema) in spec["components"]["schemas"].as_object().unwrap() {
        schema_check::schema_nodes(schema, format!("#/components/schemas/{name}"), &mut nodes);
    }
    // Parameters, headers and media types: the holders of a `schema`.
    let mut holders = Vec::new();
    schema_holders(&spec["paths"], "#/paths".to_owned(), &mut holders);
    schema_holders(&spec["components"], "#/components".to_owned(), &mut holders);
    for (at, holder) in &holders {
        let schema = &holder["schema"];
        schema_check::schema_nodes(schema, format!("{at}/schema"), &mut nodes);
        if let Some(example) = holder.get("example") {
            examples.push((format!("{at}/example"), example.clone(), schema.clone()));
        }
        if let Some(named) = holder.get("examples").and_then(Value::as_object) {
            for (name, example) in named {
                let example = match example.get("$ref").and_then(Value::as_str) {
                    Some(r) => schema_check::resolve(&spec, r).unwrap(),
                    None => example,
                };
                if let Some(value) = example.get("value") {
                    examples.push((
                        format!("{at}/examples/{name}"),
                        value.clone(),
                        schema.clone(),
                    ));
                }
            }
        }
    }
    for (at, node) in &nodes {
        if let Some(example) = node.get("example") {
            examples.push((format!("{at}/example"), example.clone(), (*node).clone()));
        }
        if let Some(list) = node.get("examples").and_then(Value::as_array) {
            for (i, example) in list.iter().enumerate() {
                examples.push((
                    format!("{at}/examples/{i}"),
                    example.clone(),
                    (*node).clone(),
                ));
            }
        }
    }

    assert!(
        examples.len() >= 70,
        "only {} examples found",
        examples.len()
    );
    let failures: Vec<String> = examples
        .iter()
        .filter_map(|(at, example, schema)| {
            let errors = schema_check::validate(&spec, schema, example);
            (!errors.is_empty()).then(|| format!("{at}: {errors:?}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} examples do not validate:\n{}",
        failures.len(),
        examples.len(),
        failures.join("\n")
    );
}

/// Every request body and every body of a 2xx response shows an example,
/// on its media type or on the component schema it refers to (directly or
/// as the one option beside `null`); each iCalendar example parses as a
/// calendar with an event. The examples' validity against their schemas is
/// `every_example_in_the_served_spec_validates_against_its_schema`'s.
#[test]
fn every_request_and_response_body_has_an_example() {
    let app = spawn_app();
    let spec = app.get("/openapi.json", None).json();
    let has_example =
        |holder: &Value| holder.get("example").is_some() || holder.get("examples").is_some();
    // The component schema a body's schema names: `$ref`, or
    // `oneOf: [null, $ref]` for an optional body.
    let named = |schema: &Value| -> Option<Value> {
        let reference = schema["$ref"].as_str().or_else(|| {
            let options = schema["oneOf"].as_array()?;
            let refs: Vec<&str> = options.iter().filter_map(|o| o["$ref"].as_str()).collect();
            let nulls = options.iter().filter(|o| o["type"] == "null").count();
            (refs.len() == 1 && refs.len() + nulls == options.len()).then(|| refs[0])
        })?;
        schema_check::resolve(&spec, reference).cloned()
    };
    let mut bodies = 0;
    let mut missing = Vec::new();
    let mut calendars = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let mut contents = Vec::new();
            if let Some(content) = op["requestBody"]["content"].as_object() {
                contents.extend(content.iter().map(|(t, m)| ("request".to_owned(), t, m)));
            }
            for (status, response) in op["responses"].as_object().unwrap() {
                if !status.starts_with('2') {
                    continue;
                }
                for (t, m) in response["content"].as_object().into_iter().flatten() {
                    contents.push((status.clone(), t, m));
                }
            }
            for (at, media_type, holder) in contents {
                bodies += 1;
                let shown = has_example(holder)
                    || named(&holder["schema"]).is_some_and(|s| has_example(&s));
                if !shown {
                    missing.push(format!("{method} {path} {at} {media_type}"));
                }
                if media_type == "text/calendar" {
                    let example = holder["example"]
                        .as_str()
                        .unwrap_or_else(|| panic!("{method} {path}: a text example"));
                    let parsed: Vec<_> =
                        ical::IcalParser::new(std::io::BufReader::new(example.as_bytes()))
                            .collect::<Result<_, _>>()
                            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
                    assert_eq!(parsed.len(), 1, "{method} {path}: one calendar");
                    assert!(!parsed[0].events.is_empty(), "{method} {path}: an event");
                    calendars += 1;
                }
            }
        }
    }
    assert!(bodies >= 100, "only {bodies} bodies found");
    assert_eq!(calendars, 2, "the two iCalendar responses");
    assert!(
        missing.is_empty(),
        "{} of {bodies} bodies have no example:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

/// Objects with a `schema` key: parameters, headers, media types.
fn schema_holders<'a>(value: &'a Value, at: String, out: &mut Vec<(String, &'a Value)>) {
    match value {
        Value::Object(map) => {
            if map.get("schema").is_some_and(Value::is_object) {
                out.push((at.clone(), value));
            }
            for (key, child) in map {
                if key != "schema" && key != "schemas" {
                    schema_holders(child, format!("{at}/{key}"), out);
                }
            }
        }
        Value::Array(list) => {
            for (i, child) in list.iter().enumerate() {
                schema_holders(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// The enum values the spec lists are the strings the service accepts: each
/// district and sort order of the spec filters the organisation list, and
/// each action of the spec reaches the action handler on a real partnership
/// and a real grant application (any answer but the 404 of an unknown
/// action), for partnerships and grant applications.
#[test]
fn enum_values_in_the_spec_are_the_strings_the_service_speaks() {
    let w = crate::builders::World::new();
    let app = &w.app;
    let spec = app.get("/openapi.json", None).json();
    let schemas = &spec["components"]["schemas"];
    let values = |name: &str| -> Vec<String> {
        schemas[name]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} has an enum"))
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    let token = admin();
    let districts = values("District");
    assert_eq!(districts.len(), 10);
    for district in &districts {
        let res = app.get(
            &format!("/api/v1/organisations?district={district}"),
            Some(&token),
        );
        assert_eq!(res.status, 200, "district={district}: {}", res.text);
    }
    // The district list the service serves names exactly the spec's values.
    let served: Vec<String> = app
        .all_items("/api/v1/districts", None)
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(served, districts);
    for sort in values("OrganisationSort") {
        let res = app.get(&format!("/api/v1/organisations?sort={sort}"), Some(&token));
        assert_eq!(res.status, 200, "sort={sort}: {}", res.text);
    }

    let partnership = app.post(
        "/api/v1/partnerships",
        Some(&staff(&w.unit)),
        &json!({
            "title": "IOP Läxhjälp", "purpose": "Homework help", "form": "iop",
            "responsible_unit_id": w.unit, "districts": ["vastra_goteborg"],
            "start_date": "2027-01-01", "end_date": "2027-12-31",
            "parties": [{"organisation_id": w.orgs[0], "role": "member"}]
        }),
    );
    assert_eq!(partnership.status, 201, "{}", partnership.text);
    let programme = crate::grants::programme(&w, 1_000_000, 30, false);
    let application = crate::grants::apply(&w, &w.orgs[0], &programme, 20_000);
    assert_eq!(application.status, 201, "{}", application.text);
    for (resource, schema, id) in [
        (
            "partnerships",
            "PartnershipAction",
            partnership.json()["id"].clone(),
        ),
        (
            "grant-applications",
            "ApplicationActionName",
            application.json()["id"].clone(),
        ),
    ] {
        let id = id.as_str().unwrap();
        let path = format!("/api/v1/{resource}/{{id}}/{{action}}");
        let param = spec["paths"][&path]["post"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "action")
            .unwrap_or_else(|| panic!("{path} documents {{action}}"));
        assert_eq!(
            param["schema"]["$ref"],
            format!("#/components/schemas/{schema}")
        );
        let unknown = app.post(
            &format!("/api/v1/{resource}/{id}/no_such_action"),
            Some(&token),
            &json!({}),
        );
        assert_eq!(unknown.status, 404, "{}", unknown.text);
        for action in values(schema) {
            let res = app.post(
                &format!("/api/v1/{resource}/{id}/{action}"),
                Some(&token),
                &json!({}),
            );
            assert_ne!(res.status, 404, "{resource} {action}: {}", res.text);
        }
    }
}

fn property<'a>(spec: &'a Value, schema: &str, field: &str) -> &'a Value {
    let p = &spec["components"]["schemas"][schema]["properties"][field];
    assert!(p.is_object(), "{schema}.{field} is in the spec");
    p
}

/// The limits the spec writes are the ones the service enforces, at the
/// boundary, counted in characters (as JSON Schema counts them): a value at
/// the documented limit is accepted and one past it refused. The syntax of
/// `Idempotency-Key` and `If-Match` is documented on every operation that
/// takes them, and values outside it are refused while values inside pass.
#[test]
fn constraints_in_the_spec_are_the_ones_the_service_enforces() {
    let app = spawn_app();
    let spec = app.get("/openapi.json", None).json();
    let token = admin();

    for (schema, path, extra) in [
        (
            "CreateOrganisation",
            "/api/v1/organisations",
            json!({"legal_form": "non_profit_association"}),
        ),
        (
            "CreateCityUnit",
            "/api/v1/city-units",
            json!({"kind": "specialist_administration"}),
        ),
    ] {
        let name = property(&spec, schema, "name");
        let (min, max) = (
            name["minLength"].as_u64().unwrap() as usize,
            name["maxLength"].as_u64().unwrap() as usize,
        );
        assert_eq!(min, 1, "{schema}.name");
        let mut body = extra.clone();
        // Two bytes per character: a byte count would refuse this.
        body["name"] = json!("Ö".repeat(max));
        let res = app.post(path, Some(&token), &body);
        assert_eq!(res.status, 201, "{schema} name of {max}: {}", res.text);
        for bad in ["".to_owned(), "ö".repeat(max + 1)] {
            body["name"] = json!(bad);
            let res = app.post(path, Some(&token), &body);
            assert_eq!(
                res.status,
                422,
                "{schema} name of {}: {}",
                bad.len(),
                res.text
            );
            assert!(res.text.contains("\"name\""), "{}", res.text);
        }
    }

    // Every POST under /api/ documents Idempotency-Key, every PATCH If-Match,
    // each with its syntax.
    let mut key_pattern = None;
    let mut if_match_pattern = None;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let header = |name: &str| {
                op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|p| p["name"] == name && p["in"] == "header")
                    .map(|p| {
                        p["schema"]["pattern"]
                            .as_str()
                            .unwrap_or_else(|| panic!("{method} {path}: {name} has a pattern"))
                            .to_owned()
                    })
            };
            if path.starts_with("/api/") && method == "post" {
                let p = header("Idempotency-Key")
                    .unwrap_or_else(|| panic!("{method} {path} documents Idempotency-Key"));
                assert_eq!(key_pattern.get_or_insert(p.clone()), &p);
            }
            if method == "patch" {
                let p = header("If-Match")
                    .unwrap_or_else(|| panic!("{method} {path} documents If-Match"));
                assert_eq!(if_match_pattern.get_or_insert(p.clone()), &p);
            }
            if let Some(p) = header("If-Match") {
                assert_eq!(if_match_pattern.get_or_insert(p.clone()), &p);
            }
        }
    }
    let key_pattern = regex_lite::Regex::new(&key_pattern.unwrap()).unwrap();
    let if_match_pattern = regex_lite::Regex::new(&if_match_pattern.unwrap()).unwrap();

    let visible: String = (b'!'..=b'~').map(char::from).collect();
    let longest: String = visible.chars().cycle().take(255).collect();
    for (i, key) in [visible.clone(), longest.clone(), "a".to_owned()]
        .iter()
        .enumerate()
    {
        assert!(key_pattern.is_match(key));
        let res = app.post_with(
            "/api/v1/organisations",
            Some(&token),
            &json!({"name": format!("Förening {i}"), "legal_form": "non_profit_association"}),
            &[("Idempotency-Key", key)],
        );
        assert_eq!(res.status, 201, "key {key:?}: {}", res.text);
    }
    for key in [format!("{longest}x"), "two words".to_owned()] {
        assert!(!key_pattern.is_match(&key));
        let res = app.post_with(
            "/api/v1/organisations",
            Some(&token),
            &json!({"name": "Förening x", "legal_form": "non_profit_association"}),
            &[("Idempotency-Key", &key)],
        );
        assert_eq!(res.status, 400, "key {key:?}: {}", res.text);
        assert_eq!(res.code(), "invalid_idempotency_key");
    }

    let id = app.create_organisation(
        json!({"name": "Föreningen If-Match", "legal_form": "non_profit_association"}),
    );
    let path = format!("/api/v1/organisations/{id}");
    for tag in ["*", "\"1\"", "\"1\", \"2\"", "W/\"1\", \"1\"", "\"999\""] {
        assert!(if_match_pattern.is_match(tag), "{tag}");
        let res = app.patch(
            &path,
            Some(&token),
            &json!({"name": "Föreningen If-Match"}),
            Some(tag),
        );
        assert!(
            matches!(res.status, 200 | 412),
            "If-Match {tag}: {}",
            res.text
        );
    }
    for tag in ["1", "\"1", "\"1\";"] {
        assert!(!if_match_pattern.is_match(tag), "{tag}");
        let res = app.patch(
            &path,
            Some(&token),
            &json!({"name": "Föreningen If-Match"}),
            Some(tag),
        );
        assert_eq!(res.status, 400, "If-Match {tag}: {}", res.text);
        assert_eq!(res.code(), "invalid_if_match");
    }
}

/// Every `201` of a `POST` on a collection whose `GET {id}` sibling exists
/// links to that `GET` with the new id (`$response.body#/id`), every link
/// in the document names an operation that exists, and following the link
/// of a create finds what was created.
#[test]
fn every_create_links_to_the_get_of_what_it_made() {
    let app = spawn_app();
    let spec = app.get("/openapi.json", None).json();
    let paths = spec["paths"].as_object().unwrap();
    let mut operation_ids = std::collections::BTreeMap::new();
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            if let Some(id) = op["operationId"].as_str() {
                operation_ids.insert(id.to_owned(), (method.clone(), path.clone()));
            }
        }
    }
    let mut creates = 0;
    for (path, item) in paths {
        let Some(created) = item["post"]["responses"].get("201") else {
            continue;
        };
        let Some(get_id) = paths
            .get(&format!("{path}/{{id}}"))
            .and_then(|g| g["get"]["operationId"].as_str())
        else {
            continue;
        };
        let schema = created["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .unwrap_or_else(|| panic!("POST {path} 201 has a schema"));
        if spec["components"]["schemas"][schema]["properties"]
            .get("id")
            .is_none()
        {
            continue;
        }
        creates += 1;
        let link = created["links"]
            .as_object()
            .and_then(|links| links.values().find(|l| l["operationId"] == get_id))
            .unwrap_or_else(|| panic!("POST {path} 201 links to {get_id}: {created}"));
        assert_eq!(
            link["parameters"],
            json!({"id": "$response.body#/id"}),
            "{path}"
        );
    }
    assert!(creates >= 6, "only {creates} creates found");

    let mut links = 0;
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            for (status, response) in op["responses"].as_object().into_iter().flatten() {
                for (name, link) in response["links"].as_object().into_iter().flatten() {
                    links += 1;
                    let target = link["operationId"]
                        .as_str()
                        .unwrap_or_else(|| panic!("{method} {path} {status} link {name}: {link}"));
                    let (target_method, target_path) =
                        operation_ids.get(target).unwrap_or_else(|| {
                            panic!("{method} {path} {status}: no operation {target}")
                        });
                    assert_eq!(target_method, "get", "{target}");
                    assert!(target_path.ends_with("/{id}"), "{target}: {target_path}");
                }
            }
        }
    }
    assert!(links > creates, "actions link too ({links} links)");

    // Follow the link of a create, as a client would.
    let link =
        &paths["/api/v1/organisations"]["post"]["responses"]["201"]["links"]["get_organisation"];
    let res = app.post(
        "/api/v1/organisations",
        Some(&admin()),
        &json!({"name": "Länkföreningen", "legal_form": "non_profit_association"}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let pointer = link["parameters"]["id"]
        .as_str()
        .unwrap()
        .strip_prefix("$response.body#")
        .unwrap();
    let id = res
        .json()
        .pointer(pointer)
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned();
    let (_, get_path) = &operation_ids[link["operationId"].as_str().unwrap()];
    let res = app.get(&get_path.replace("{id}", &id), Some(&admin()));
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["name"], "Länkföreningen");
}

fn pattern_of(property: &Value) -> regex_lite::Regex {
    let pattern = property["pattern"]
        .as_str()
        .unwrap_or_else(|| panic!("{property} has a pattern"));
    regex_lite::Regex::new(pattern).unwrap()
}

/// The patterns the spec writes for organisation numbers, phone numbers,
/// dates and instants are the syntax the server accepts: a value the
/// pattern matches passes, one it does not match is refused (the check
/// digit, which no pattern can say, is stated in the description).
#[test]
fn number_phone_and_date_patterns_are_the_syntax_the_server_accepts() {
    let app = spawn_app();
    let spec = app.get("/openapi.json", None).json();
    let token = admin();

    let number = property(&spec, "CreateOrganisation", "organisation_number");
    assert!(number["description"].as_str().unwrap().contains("Luhn"));
    let number_re = pattern_of(number);
    for (i, good) in ["802455-9786", "8024472824"].iter().enumerate() {
        assert!(number_re.is_match(good), "{good}");
        let res = app.post(
            "/api/v1/organisations",
            Some(&token),
            &json!({"name": format!("Nummerföreningen {i}"), "legal_form": "non_profit_association", "organisation_number": good}),
        );
        assert_eq!(res.status, 201, "{good}: {}", res.text);
    }
    for bad in ["80245-59786", "802455 9786", "802455-978", "80245A-9786"] {
        assert!(!number_re.is_match(bad), "{bad}");
        let res = app.post(
            "/api/v1/organisations",
            Some(&token),
            &json!({"name": "Nummerföreningen x", "legal_form": "non_profit_association", "organisation_number": bad}),
        );
        assert_eq!(res.status, 422, "{bad}: {}", res.text);
    }

    for schema in ["CreateOrganisation", "UpdateOrganisation"] {
        let phone = property(&spec, schema, "contact_phone");
        assert_eq!(phone["minLength"], 5, "{schema}");
        assert_eq!(phone["maxLength"], 30, "{schema}");
        let phone_re = pattern_of(phone);
        for good in [
            "031-365 00 00",
            "+46 (31) 12345",
            "12345",
            "1-2-3-4-5-6-7-8-9-0-1-2-3-4-5",
        ] {
            assert!(phone_re.is_match(good) && good.len() <= 30, "{good}");
            let res = app.post(
                "/api/v1/organisations",
                Some(&token),
                &json!({"name": "Telefonföreningen", "legal_form": "non_profit_association", "contact_phone": good}),
            );
            assert_eq!(res.status, 201, "{good}: {}", res.text);
        }
        for bad in ["1234", "031/365 00 00", "tel 031 365 00", "(+) - 1234"] {
            assert!(!phone_re.is_match(bad), "{bad}");
            let res = app.post(
                "/api/v1/organisations",
                Some(&token),
                &json!({"name": "Telefonföreningen", "legal_form": "non_profit_association", "contact_phone": bad}),
            );
            assert_eq!(res.status, 422, "{bad}: {}", res.text);
        }
    }

    // Dates in bodies and instants in bodies and queries carry the pattern
    // of `api::dates`; the server agrees with it at its edges.
    let date = property(&spec, "CreatePartnership", "start_date");
    assert_eq!(date["format"], "date");
    let date_re = pattern_of(date);
    for good in ["2027-01-01", "0001-01-01", "9999-12-31"] {
        assert!(date_re.is_match(good), "{good}");
    }
    for bad in [
        "27-01-01",
        "+12027-01-01",
        "2027-1-01",
        "0000-01-01",
        "2027-01-01T00:00",
    ] {
        assert!(!date_re.is_match(bad), "{bad}");
    }
    let instant = property(&spec, "CreateDialogueEvent", "starts_at");
    let instant_re = pattern_of(instant);
    assert!(instant["description"]
        .as_str()
        .unwrap()
        .contains("Stockholm"));
    let updated_since = spec["paths"]["/api/v1/organisations"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "updated_since")
        .unwrap();
    assert_eq!(updated_since["schema"]["pattern"], instant["pattern"]);
    for good in [
        "2026-05-12T18:00",
        "2026-05-12T18:00:59",
        "2026-05-12T16:00:00Z",
        "2026-05-12T18:00:00.5+02:00",
    ] {
        assert!(instant_re.is_match(good), "{good}");
        let res = app.get(
            &format!(
                "/api/v1/organisations?updated_since={}",
                good.replace('+', "%2B")
            ),
            Some(&token),
        );
        assert_eq!(res.status, 200, "{good}: {}", res.text);
    }
    for bad in [
        "2026-05-12T18:00:60Z",
        "2026-05-12T24:00",
        "+12026-05-12T18:00Z",
        "9999-12-31T23:00:00Z",
        "2026-05-12T18:00+2",
        "2026-05-12T18:00.5Z",
    ] {
        assert!(!instant_re.is_match(bad), "{bad}");
        let res = app.get(
            &format!(
                "/api/v1/organisations?updated_since={}",
                bad.replace('+', "%2B")
            ),
            Some(&token),
        );
        assert_eq!(res.status, 400, "{bad}: {}", res.text);
    }

    // The reason of an invitation answer is 1 to 2000 characters, as checked.
    let reason = property(&spec, "InvitationAnswer", "reason");
    assert_eq!(
        (reason["minLength"].as_u64(), reason["maxLength"].as_u64()),
        (Some(1), Some(2000))
    );
    let motivation = property(&spec, "ApplicationActionRequest", "motivation");
    assert_eq!(motivation["minLength"], 1);
}

/// A field of a merge patch that the server refuses as `null` (it is
/// required: leave it out to keep it) is not nullable in the spec, and the
/// server does refuse the `null`. A budget's year has the same range on
/// create and on change, the one the spec states.
#[test]
fn required_patch_fields_are_not_nullable_in_the_spec() {
    let app = spawn_app();
    let spec = app.get("/openapi.json", None).json();
    for (schema, fields) in [
        (
            "UpdateProgramme",
            &["title", "min_sek", "max_sek", "budgets", "rounds"][..],
        ),
        (
            "UpdateApplication",
            &[
                "title",
                "purpose",
                "requested_sek",
                "start_date",
                "budget_lines",
            ][..],
        ),
        (
            "UpdateDialogueEvent",
            &["title", "kind", "starts_at", "agenda"][..],
        ),
        (
            "UpdatePartnership",
            &["title", "purpose", "form", "districts", "end_date"][..],
        ),
    ] {
        for field in fields {
            let p = property(&spec, schema, field);
            let nullable = p["type"]
                .as_array()
                .is_some_and(|t| t.contains(&json!("null")))
                || p["oneOf"]
                    .as_array()
                    .is_some_and(|o| o.iter().any(|s| s["type"] == "null"));
            assert!(!nullable, "{schema}.{field} is not nullable: {p}");
        }
    }
    let token = admin();
    let unit = app.post(
        "/api/v1/city-units",
        Some(&token),
        &json!({"name": "Patchförvaltningen", "kind": "specialist_administration"}),
    );
    assert_eq!(unit.status, 201, "{}", unit.text);
    let mut example = spec["components"]["schemas"]["CreateProgramme"]["example"].clone();
    example["owning_unit_id"] = unit.json()["id"].clone();
    let res = app.post("/api/v1/grant-programmes", Some(&token), &example);
    assert_eq!(res.status, 201, "{}", res.text);
    let id = res.json()["id"].as_str().unwrap().to_owned();
    // A budget's year is 2000 to 9999 on create as on change, as the spec says.
    let year = &spec["components"]["schemas"]["YearBudget"]["properties"]["year"];
    assert_eq!(
        (year["minimum"].as_i64(), year["maximum"].as_i64()),
        (Some(2000), Some(9999))
    );
    for bad in [1999, 10000] {
        let mut body = example.clone();
        body["budgets"] = json!([{"year": bad, "budget_sek": 1000}]);
        let res = app.post("/api/v1/grant-programmes", Some(&token), &body);
        assert_eq!(res.status, 422, "year {bad}: {}", res.text);
        assert!(res.text.contains("budgets[0].year"), "{}", res.text);
        let res = app.patch(
            &format!("/api/v1/grant-programmes/{id}"),
            Some(&token),
            &json!({"budgets": [{"year": bad, "budget_sek": 1000}]}),
            None,
        );
        assert_eq!(res.status, 422, "year {bad}: {}", res.text);
    }
    for field in ["rounds", "budgets", "title"] {
        let res = app.patch(
            &format!("/api/v1/grant-programmes/{id}"),
            Some(&token),
            &json!({ field: null }),
            None,
        );
        assert_eq!(res.status, 422, "{field}: {}", res.text);
    }
}
