//! Control characters are refused where they would do harm, naming what
//! carries them: a 422 naming the field of a JSON body (nested fields by
//! their path), a 400 naming the query parameter or the cursor; never a 500,
//! on either backend. Newlines and tabs stay fine in multi-line text.

use serde_json::{json, Value};

use crate::helpers::*;

#[test]
fn control_characters_in_json_text_are_refused_naming_the_field_on_both_backends() {
    let app = spawn_app();
    for (name, why) in [
        ("Nul\u{0}Org", "NUL"),
        ("Esc\u{1b}Org", "ESC"),
        ("Bell\u{7}Org", "BEL"),
        ("Two\nlines", "a newline in a one-line field"),
        ("Tab\tOrg", "a tab in a one-line field"),
    ] {
        let res = app.post(
            "/api/v1/organisations",
            Some(&admin()),
            &json!({"name": name, "legal_form": "foundation", "districts": ["centrum"]}),
        );
        assert_eq!(res.status, 422, "{why}: {}", res.text);
        assert_eq!(res.code(), "validation_failed");
        assert_eq!(res.error_fields(), ["name"], "{why}");
    }
    // Newlines and tabs are fine where text is multi-line; nested fields are named.
    let res = app.post(
        "/api/v1/organisations",
        Some(&admin()),
        &json!({"name": "Radbrytarna", "legal_form": "foundation", "districts": ["centrum"],
            "description": "First line.\nSecond line.\tIndented."}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(
        res.json()["description"],
        "First line.\nSecond line.\tIndented."
    );
    let id = res.json()["id"].as_str().unwrap().to_owned();
    let res = app.post(
        "/api/v1/organisations",
        Some(&admin()),
        &json!({"name": "Ok", "legal_form": "foundation", "districts": ["centrum"],
            "description": "NUL\u{0}here"}),
    );
    assert_eq!(res.status, 422, "{}", res.text);
    assert_eq!(res.error_fields(), ["description"]);
    // A PATCH with a NUL changes nothing.
    let res = app.patch(
        &format!("/api/v1/organisations/{id}"),
        Some(&admin()),
        &json!({"name": "Nul\u{0}"}),
        None,
    );
    assert_eq!(res.status, 422, "{}", res.text);
    assert_eq!(res.error_fields(), ["name"]);
    let now = app.get(&format!("/api/v1/organisations/{id}"), None).json();
    assert_eq!(
        (now["name"].as_str(), now["version"].as_i64()),
        (Some("Radbrytarna"), Some(1))
    );
    // Nested text: the JSON pointer-like path names it.
    let res = app.post(
        "/api/v1/dialogue-events",
        Some(&admin()),
        &json!({"title": "Möte", "kind": "workshop", "participation_level": "dialogue",
            "starts_at": "2030-05-12T17:00", "ends_at": "2030-05-12T19:00", "format": "in_person",
            "agenda": ["ok", "bad\u{0}item"]}),
    );
    assert_eq!(res.status, 422, "{}", res.text);
    assert!(
        res.error_fields().contains(&"agenda[1]".to_owned()),
        "{}",
        res.text
    );
}

#[test]
fn control_characters_in_queries_and_cursors_are_400s_not_500s() {
    let app = spawn_app();
    for list in [
        "organisations",
        "partnerships",
        "grant-applications",
        "grant-programmes",
        "dialogue-events",
    ] {
        for query in ["q=a%00b", "q=a%1bb", "q=ok&cursor=%00"] {
            let res = app.get(&format!("/api/v1/{list}?{query}"), Some(&admin()));
            assert_eq!(res.status, 400, "{list}?{query}: {}", res.text);
            assert_eq!(res.code(), "invalid_query_parameter");
            let detail = res.json()["detail"].as_str().unwrap().to_owned();
            let name = if query.contains("cursor") {
                "cursor"
            } else {
                "q"
            };
            assert!(detail.contains(&format!("`{name}`")), "{detail}");
        }
        // A forged cursor that decodes to text with a NUL.
        use base64::Engine;
        let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(r#"{"s":"created_at","k":"2026-01-01T00:00:00.000000\u0000","i":"x\u0000"}"#);
        let res = app.get(&format!("/api/v1/{list}?cursor={forged}"), Some(&admin()));
        assert_eq!(res.status, 400, "{list} forged cursor: {}", res.text);
        assert_eq!(res.code(), "invalid_query_parameter");
    }
    // A cursor the service gave out, with a NUL forged into its id and key.
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    for name in ["Första", "Andra"] {
        app.create_organisation(
            json!({"name": name, "legal_form": "foundation", "districts": ["centrum"]}),
        );
    }
    let page = app.get("/api/v1/organisations?limit=1", None).json();
    let cursor = page["next_cursor"].as_str().unwrap();
    let mut decoded: Value = serde_json::from_slice(&b64.decode(cursor).unwrap()).unwrap();
    assert_eq!(
        app.get(
            &format!("/api/v1/organisations?limit=1&cursor={cursor}"),
            None
        )
        .status,
        200
    );
    for part in ["i", "k"] {
        let original = decoded[part].as_str().unwrap().to_owned();
        decoded[part] = json!(format!("{original}\u{0}"));
        let forged = b64.encode(decoded.to_string());
        let res = app.get(
            &format!("/api/v1/organisations?limit=1&cursor={forged}"),
            None,
        );
        assert_eq!(res.status, 400, "NUL in cursor {part}: {}", res.text);
        assert_eq!(res.code(), "invalid_query_parameter");
        decoded[part] = json!(original);
    }
    // Non-ASCII text is not a control character.
    let res = app.get("/api/v1/organisations?q=G%C3%B6teborg", None);
    assert_eq!(res.status, 200, "{}", res.text);
}
