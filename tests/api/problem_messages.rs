//! A refusal's message says what is wrong in the caller's terms: which
//! endpoint a reused Idempotency-Key belongs to, which token claim is
//! missing or wrong, what a date must look like, what range an amount has.

use serde_json::json;

use crate::builders::World;
use crate::grants::{act, apply, declare, programme, under_review, APPS};
use crate::helpers::*;

#[test]
fn messages_say_what_is_wrong() {
    let w = World::new();
    // The same Idempotency-Key on another endpoint says so.
    let key = [("Idempotency-Key", "import-2027-0001")];
    let body = json!({"name": "Samma", "legal_form": "foundation"});
    let res = w
        .app
        .post_with("/api/v1/organisations", Some(&admin()), &body, &key);
    assert_eq!(res.status, 201, "{}", res.text);
    let res = w
        .app
        .post_with("/api/v1/city-units", Some(&admin()), &body, &key);
    assert_eq!(res.status, 422, "{}", res.text);
    assert_eq!(res.code(), "idempotency_key_reused");
    assert!(res.detail().contains("another endpoint"), "{}", res.text);
    assert!(
        !res.detail().contains("different request body"),
        "{}",
        res.text
    );
    // A token without `exp` names the claim.
    let mut no_exp = claims("city_admin");
    no_exp.as_object_mut().unwrap().remove("exp");
    let res = w
        .app
        .post("/api/v1/organisations", Some(&sign_hs256(&no_exp)), &body);
    assert_eq!(res.status, 401);
    assert!(
        res.detail().contains("`exp` claim is missing"),
        "{}",
        res.text
    );
    let mut mayor = claims("city_admin");
    mayor["role"] = json!("mayor");
    let res = w
        .app
        .post("/api/v1/organisations", Some(&sign_hs256(&mayor)), &body);
    assert_eq!(res.status, 401);
    assert!(res.detail().contains("`role` claim"), "{}", res.text);
    // Dates: what the format is, never chrono's words.
    let (pid, round) = programme(&w, 100_000, 30, false);
    let res = apply(&w, &w.orgs[0], &(pid, round), 10_000);
    let app_path = format!("{APPS}/{}", res.json()["id"].as_str().unwrap());
    for bad in ["27-01-01", "2027-13-01", "2027-01", "", "+12027-01-01"] {
        let res = w.app.patch(
            &app_path,
            Some(&partner(&w.orgs[0])),
            &json!({"start_date": bad}),
            None,
        );
        assert_eq!(res.status, 422, "{bad}: {}", res.text);
        let message = res.json()["errors"][0]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(message.contains("YYYY-MM-DD"), "{bad}: {message}");
        for chrono_words in ["premature", "out of range", "input contains invalid"] {
            assert!(!message.contains(chrono_words), "{bad}: {message}");
        }
    }
    // `granted_sek: -1` names the range, not "is required".
    let chef = decider(&w.unit, 50_000, "chef@vastra.goteborg.se");
    let (pid, round) = programme(&w, 100_000, 30, false);
    let id = under_review(&w, &w.orgs[1], &(pid, round), 20_000);
    declare(&w, &id, &chef, false);
    let res = act(
        &w,
        &id,
        "decide",
        &chef,
        Some(json!({"outcome": "granted", "granted_sek": -1, "motivation": "x"})),
    );
    assert_eq!(res.status, 422, "{}", res.text);
    let message = res.json()["errors"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(res.error_fields(), ["granted_sek"]);
    assert!(!message.contains("is required"), "{message}");
    assert!(message.contains("from 0 to"), "names the range: {message}");
}
