//! A small JSON Schema (2020-12, as OpenAPI 3.1 uses it) validator for the
//! subset the generated spec uses. Every keyword it meets must be one it
//! knows: an unknown keyword fails the check instead of passing silently.

use serde_json::Value;

/// Keywords that only annotate; they assert nothing.
const ANNOTATIONS: &[&str] = &[
    "description",
    "title",
    "example",
    "examples",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "contentMediaType",
    "contentEncoding",
    "$schema",
    "$id",
    "$comment",
    "discriminator",
    "externalDocs",
    "xml",
];

/// Keywords this validator checks.
const ASSERTIONS: &[&str] = &[
    "$ref",
    "type",
    "enum",
    "const",
    "properties",
    "required",
    "additionalProperties",
    "propertyNames",
    "minProperties",
    "maxProperties",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "oneOf",
    "anyOf",
    "allOf",
    "not",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
];

/// Resolves a local reference (`#/components/schemas/X`) in `doc`.
pub fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    doc.pointer(pointer)
}

/// The errors of `value` against `schema` (empty when it validates).
pub fn validate(doc: &Value, schema: &Value, value: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    check(doc, schema, value, "", &mut errors, 0);
    errors
}

fn type_matches(name: &str, value: &Value) -> bool {
    match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "number" => value.is_number(),
        // JSON Schema: a number with a zero fractional part is an integer.
        "integer" => {
            value.is_i64()
                || value.is_u64()
                || value
                    .as_f64()
                    .is_some_and(|f| f.is_finite() && f.fract() == 0.0)
        }
        other => panic!("unknown JSON Schema type {other:?}"),
    }
}

fn check(
    doc: &Value,
    schema: &Value,
    value: &Value,
    at: &str,
    errors: &mut Vec<String>,
    depth: usize,
) {
    assert!(depth < 64, "schema recursion too deep at {at}");
    let schema = match schema {
        Value::Bool(true) => return,
        Value::Bool(false) => {
            errors.push(format!("{at}: no value is allowed here"));
            return;
        }
        Value::Object(map) => map,
        other => panic!("{at}: a schema must be an object or a boolean, not {other}"),
    };
    for key in schema.keys() {
        assert!(
            ANNOTATIONS.contains(&key.as_str()) || ASSERTIONS.contains(&key.as_str()),
            "{at}: the schema uses {key:?}, which this validator does not know"
        );
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let target =
            resolve(doc, reference).unwrap_or_else(|| panic!("{at}: dangling $ref {reference}"));
        check(doc, target, value, at, errors, depth + 1);
    }
    if let Some(types) = schema.get("type") {
        let names: Vec<&str> = match types {
            Value::String(s) => vec![s.as_str()],
            Value::Array(list) => list.iter().map(|t| t.as_str().unwrap()).collect(),
            other => panic!("{at}: bad type {other}"),
        };
        if !names.iter().any(|n| type_matches(n, value)) {
            errors.push(format!("{at}: {value} is not of type {names:?}"));
            return;
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        if !allowed.iter().any(|a| json_equal(a, value)) {
            errors.push(format!("{at}: {value} is not one of {allowed:?}"));
        }
    }
    if let Some(constant) = schema.get("const") {
        if !json_equal(constant, value) {
            errors.push(format!("{at}: {value} is not {constant}"));
        }
    }
    for (keyword, need) in [("oneOf", Some(1)), ("anyOf", None)] {
        if let Some(options) = schema.get(keyword).and_then(Value::as_array) {
            let matching = options
                .iter()
                .filter(|option| validate(doc, option, value).is_empty())
                .count();
            let ok = match need {
                Some(n) => matching == n,
                None => matching >= 1,
            };
            if !ok {
                let why: Vec<String> = options
                    .iter()
                    .flat_map(|o| validate(doc, o, value))
                    .collect();
                errors.push(format!(
                    "{at}: {keyword} matched {matching} of {} options: {why:?}",
                    options.len()
                ));
            }
        }
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for option in all {
            check(doc, option, value, at, errors, depth + 1);
        }
    }
    if let Some(not) = schema.get("not") {
        if validate(doc, not, value).is_empty() {
            errors.push(format!("{at}: {value} matches a `not` schema"));
        }
    }
    match value {
        Value::Object(object) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            if let Some(required) = schema.get("required").and_then(Value::as_array) {
                for name in required {
                    let name = name.as_str().unwrap();
                    if !object.contains_key(name) {
                        errors.push(format!("{at}: required property {name:?} is missing"));
                    }
                }
            }
            for (name, field) in object {
                let here = format!("{at}/{name}");
                match properties.and_then(|p| p.get(name)) {
                    Some(property) => check(doc, property, field, &here, errors, depth + 1),
                    None => match schema.get("additionalProperties") {
                        Some(Value::Bool(false)) => {
                            errors.push(format!("{here}: property not allowed"))
                        }
                        Some(extra) => check(doc, extra, field, &here, errors, depth + 1),
                        None => {}
                    },
                }
                if let Some(names) = schema.get("propertyNames") {
                    check(
                        doc,
                        names,
                        &Value::String(name.clone()),
                        &here,
                        errors,
                        depth + 1,
                    );
                }
            }
            bound(
                schema,
                "minProperties",
                "maxProperties",
                object.len(),
                at,
                errors,
            );
        }
        Value::Array(items) => {
            if let Some(item) = schema.get("items") {
                for (i, element) in items.iter().enumerate() {
                    check(doc, item, element, &format!("{at}/{i}"), errors, depth + 1);
                }
            }
            bound(schema, "minItems", "maxItems", items.len(), at, errors);
            if schema.get("uniqueItems") == Some(&Value::Bool(true)) {
                for (i, a) in items.iter().enumerate() {
                    if items[..i].iter().any(|b| json_equal(a, b)) {
                        errors.push(format!("{at}: items are not unique"));
                        break;
                    }
                }
            }
        }
        Value::String(text) => {
            bound(
                schema,
                "minLength",
                "maxLength",
                text.chars().count(),
                at,
                errors,
            );
            if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
                let re = regex_lite::Regex::new(pattern)
                    .unwrap_or_else(|e| panic!("{at}: pattern {pattern:?} does not compile: {e}"));
                if !re.is_match(text) {
                    errors.push(format!("{at}: {text:?} does not match {pattern:?}"));
                }
            }
            if let Some(format) = schema.get("format").and_then(Value::as_str) {
                if !string_format(format, text) {
                    errors.push(format!("{at}: {text:?} is not a {format}"));
                }
            }
        }
        Value::Number(number) => {
            let x = number.as_f64().unwrap();
            let limit = |k: &str| schema.get(k).and_then(Value::as_f64);
            if limit("minimum").is_some_and(|m| x < m)
                || limit("maximum").is_some_and(|m| x > m)
                || limit("exclusiveMinimum").is_some_and(|m| x <= m)
                || limit("exclusiveMaximum").is_some_and(|m| x >= m)
                || limit("multipleOf").is_some_and(|m| (x / m).fract() != 0.0)
            {
                errors.push(format!("{at}: {x} is out of range"));
            }
            if let Some(format) = schema.get("format").and_then(Value::as_str) {
                if !number_format(format, x) {
                    errors.push(format!("{at}: {x} is not a {format}"));
                }
            }
        }
        _ => {}
    }
}

fn bound(
    schema: &serde_json::Map<String, Value>,
    min: &str,
    max: &str,
    n: usize,
    at: &str,
    errors: &mut Vec<String>,
) {
    if let Some(m) = schema.get(min).and_then(Value::as_u64) {
        if (n as u64) < m {
            errors.push(format!("{at}: {n} is below {min} {m}"));
        }
    }
    if let Some(m) = schema.get(max).and_then(Value::as_u64) {
        if (n as u64) > m {
            errors.push(format!("{at}: {n} is above {max} {m}"));
        }
    }
}

fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn string_format(format: &str, text: &str) -> bool {
    match format {
        "date-time" => chrono::DateTime::parse_from_rfc3339(text).is_ok(),
        "date" => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok() && text.len() == 10,
        "uuid" => uuid::Uuid::try_parse(text).is_ok(),
        "uri" => text.contains(':') && !text.contains(char::is_whitespace),
        "uri-reference" => !text.contains(char::is_whitespace),
        "email" => text.contains('@'),
        other => panic!("unknown string format {other:?}"),
    }
}

fn number_format(format: &str, x: f64) -> bool {
    let range = |lo: f64, hi: f64| x.fract() == 0.0 && x >= lo && x <= hi;
    match format {
        "int8" => range(i8::MIN as f64, i8::MAX as f64),
        "int16" => range(i16::MIN as f64, i16::MAX as f64),
        "int32" => range(i32::MIN as f64, i32::MAX as f64),
        "int64" => range(i64::MIN as f64, i64::MAX as f64),
        "uint8" => range(0.0, u8::MAX as f64),
        "uint16" => range(0.0, u16::MAX as f64),
        "uint32" => range(0.0, u32::MAX as f64),
        "uint64" => range(0.0, u64::MAX as f64),
        "float" | "double" => true,
        other => panic!("unknown number format {other:?}"),
    }
}

/// Every schema node reachable from `schema` (itself included), with its
/// location; references are not followed (their targets are walked where
/// they are defined).
pub fn schema_nodes<'a>(schema: &'a Value, at: String, out: &mut Vec<(String, &'a Value)>) {
    let Some(map) = schema.as_object() else {
        return;
    };
    out.push((at.clone(), schema));
    if let Some(properties) = map.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            schema_nodes(property, format!("{at}/properties/{name}"), out);
        }
    }
    for key in ["items", "additionalProperties", "not", "propertyNames"] {
        if let Some(sub) = map.get(key) {
            schema_nodes(sub, format!("{at}/{key}"), out);
        }
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(list) = map.get(key).and_then(Value::as_array) {
            for (i, sub) in list.iter().enumerate() {
                schema_nodes(sub, format!("{at}/{key}/{i}"), out);
            }
        }
    }
}

/// Checks the validator itself on the keywords it claims to know.
#[test]
fn the_validator_refuses_what_it_should() {
    use serde_json::json;
    let doc = json!({"components": {"schemas": {"E": {"type": "string", "enum": ["a", "b"]}}}});
    let s = json!({
        "type": "object",
        "required": ["e", "n"],
        "additionalProperties": false,
        "properties": {
            "e": {"$ref": "#/components/schemas/E"},
            "n": {"type": "integer", "minimum": 1, "maximum": 10},
            "t": {"type": ["string", "null"], "minLength": 2, "maxLength": 3, "pattern": "^[a-z]+$"},
            "l": {"type": "array", "items": {"type": "string", "format": "uuid"}, "minItems": 1},
            "d": {"type": "string", "format": "date"},
            "o": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/E"}]}
        }
    });
    assert!(validate(&doc, &s, &json!({"e": "a", "n": 1.0, "t": null, "o": null})).is_empty());
    assert!(validate(
        &doc,
        &s,
        &json!({"e": "a", "n": 10, "t": "abc", "o": "b", "d": "2026-01-31"})
    )
    .is_empty());
    for bad in [
        json!({"e": "A", "n": 1}),
        json!({"e": "a"}),
        json!({"e": "a", "n": 0}),
        json!({"e": "a", "n": 11}),
        json!({"e": "a", "n": 1.5}),
        json!({"e": "a", "n": 1, "x": 1}),
        json!({"e": "a", "n": 1, "t": "a"}),
        json!({"e": "a", "n": 1, "t": "abcd"}),
        json!({"e": "a", "n": 1, "t": "AB"}),
        json!({"e": "a", "n": 1, "l": []}),
        json!({"e": "a", "n": 1, "l": ["nope"]}),
        json!({"e": "a", "n": 1, "d": "2026-02-30"}),
        json!({"e": "a", "n": 1, "o": "c"}),
    ] {
        assert!(
            !validate(&doc, &s, &bad).is_empty(),
            "{bad} should not validate"
        );
    }
}
