//! Attacks on the bearer token, beyond the bad tokens of `auth.rs`:
//! algorithm confusion, `none` in every spelling, oversized tokens, tokens
//! in the query string, and valid tokens without the right. Each is refused
//! with a problem body and writes nothing.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use crate::helpers::*;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
const ORGS: &str = "/api/v1/organisations";
const UNITS: &str = "/api/v1/city-units";

fn admin_claims() -> Value {
    let mut c = claims("city_admin");
    c["sub"] = json!("attacker");
    c
}

fn hs256_with(secret: &[u8], kid: Option<&str>, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(secret)).unwrap()
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Counts of what the attacks try to create.
fn counts(app: &TestApp) -> (usize, usize) {
    (
        app.all_items(ORGS, Some(&admin())).len(),
        app.all_items(UNITS, Some(&admin())).len(),
    )
}

/// A refused write: the status, `WWW-Authenticate` on a 401, a problem body.
fn assert_refused(res: &Res, status: u16, case: &str) {
    assert_eq!(res.status, status, "{case}: {}", res.text);
    let code = res.code();
    if status == 401 {
        assert_eq!(code, "invalid_token", "{case}");
        assert_eq!(
            res.header("www-authenticate"),
            Some("Bearer error=\"invalid_token\""),
            "{case}"
        );
    }
    assert!(!res.text.contains("attacker"), "{case}: echoes the claims");
}

#[test]
fn forged_and_confused_tokens_are_401_and_write_nothing() {
    let app = spawn_app();
    // Something to count, so "nothing written" is not "nothing there".
    app.create_organisation(
        json!({"name": "Befintlig förening", "legal_form": "non_profit_association"}),
    );
    let before = counts(&app);

    let public_pem = std::fs::read(format!("{FIXTURES}/rs256-public.pem")).unwrap();
    let jwks: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{FIXTURES}/jwks.json")).unwrap())
            .unwrap();
    let n = URL_SAFE_NO_PAD
        .decode(jwks["keys"][0]["n"].as_str().unwrap())
        .unwrap();
    let c = admin_claims();
    let payload = b64(&serde_json::to_vec(&c).unwrap());

    // A real RS256 token, its header rewritten to HS256 (signature kept).
    let rs = sign_rs256(&c, "city-idp-rs256");
    let rs_signature = rs.rsplit('.').next().unwrap();
    let relabelled = format!(
        "{}.{payload}.{rs_signature}",
        b64(br#"{"alg":"HS256","typ":"JWT","kid":"city-idp-rs256"}"#)
    );

    let mut cases: Vec<(String, String)> = vec![
        (
            "HS256 signed with the RS256 public key (PEM) as secret".into(),
            hs256_with(&public_pem, Some("city-idp-rs256"), &c),
        ),
        (
            "HS256 signed with the RS256 public key (PEM), no kid".into(),
            hs256_with(&public_pem, None, &c),
        ),
        (
            "HS256 signed with the RS256 modulus as secret".into(),
            hs256_with(&n, Some("city-idp-rs256"), &c),
        ),
        (
            "HS256 signed with the JWKS document as secret".into(),
            hs256_with(jwks.to_string().as_bytes(), Some("city-idp-rs256"), &c),
        ),
        ("RS256 signature under an HS256 header".into(), relabelled),
        (
            "RS256 token claiming the ES256 algorithm".into(),
            format!(
                "{}.{payload}.{rs_signature}",
                b64(br#"{"alg":"ES256","typ":"JWT","kid":"city-idp-es256"}"#)
            ),
        ),
        (
            "HS256 with an empty secret".into(),
            hs256_with(b"", None, &c),
        ),
        (
            "a key embedded in the header (jwk)".into(),
            format!(
                "{}.{payload}.{rs_signature}",
                b64(serde_json::to_string(&json!({"alg": "RS256", "kid": "attacker", "jwk": jwks["keys"][0]})).unwrap().as_bytes())
            ),
        ),
        (
            "a certificate URL in the header (x5u)".into(),
            format!(
                "{}.{payload}.{rs_signature}",
                b64(br#"{"alg":"RS256","kid":"city-idp-rs256","x5u":"https://evil.example/cert.pem"}"#)
            ),
        ),
        ("an empty token".into(), ".".into()),
        ("two parts".into(), format!("{}.{payload}", b64(br#"{"alg":"HS256"}"#))),
    ];
    for alg in ["none", "None", "NONE", "nOnE"] {
        let header = b64(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#).as_bytes());
        cases.push((
            format!("alg {alg}, no signature"),
            format!("{header}.{payload}."),
        ));
        cases.push((
            format!("alg {alg}, with the HS256 signature of another token"),
            format!("{header}.{payload}.{}", admin().rsplit('.').next().unwrap()),
        ));
        let header = b64(format!(r#"{{"alg":"{alg}","kid":"city-idp-rs256"}}"#).as_bytes());
        cases.push((
            format!("alg {alg} with a configured kid"),
            format!("{header}.{payload}."),
        ));
    }

    for (case, token) in &cases {
        let res = app.post(
            ORGS,
            Some(token),
            &json!({"name": "Intrång", "legal_form": "non_profit_association"}),
        );
        assert_refused(&res, 401, case);
        let res = app.post(
            UNITS,
            Some(token),
            &json!({"name": "Intrång", "kind": "specialist_administration"}),
        );
        assert_refused(&res, 401, case);
        // Reads are refused too: a bad token is never taken as anonymous.
        let res = app.get(ORGS, Some(token));
        assert_refused(&res, 401, case);
    }
    assert_eq!(counts(&app), before, "an attack wrote something");
}

#[test]
fn a_token_over_8_kb_is_refused_unread() {
    let app = spawn_app();
    let before = counts(&app);
    let mut big = admin_claims();
    big["padding"] = json!("x".repeat(9000));
    let token = sign_hs256(&big);
    assert!(token.len() > 8 * 1024);
    let res = app.post(
        ORGS,
        Some(&token),
        &json!({"name": "Stor token", "legal_form": "non_profit_association"}),
    );
    assert_refused(&res, 401, "token over 8 KB");
    assert!(res.text.contains("8192"), "{}", res.text);
    // The same claims with less padding are a valid token.
    big["padding"] = json!("x".repeat(5000));
    let token = sign_hs256(&big);
    assert!(token.len() < 8 * 1024);
    let res = app.post(
        ORGS,
        Some(&token),
        &json!({"name": "Lagom token", "legal_form": "non_profit_association"}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    assert_eq!(counts(&app).0, before.0 + 1);
}

#[test]
fn a_token_in_the_query_string_is_refused_even_beside_a_good_header() {
    let app = spawn_app();
    app.create_organisation(
        json!({"name": "Befintlig förening", "legal_form": "non_profit_association"}),
    );
    let before = counts(&app);
    let token = admin();
    let body = json!({"name": "Via URL", "legal_form": "non_profit_association"});
    for (case, path, header) in [
        (
            "POST, token only in the URL",
            format!("{ORGS}?access_token={token}"),
            None,
        ),
        (
            "POST, token in the URL and the header",
            format!("{ORGS}?access_token={token}"),
            Some(token.as_str()),
        ),
        (
            "POST, upper-case name",
            format!("{ORGS}?ACCESS_TOKEN={token}"),
            None,
        ),
    ] {
        let res = app.post(&path, header, &body);
        assert_refused(&res, 401, case);
    }
    for path in [
        format!("{ORGS}?access_token={token}"),
        format!("{ORGS}?limit=1&access_token={token}"),
        format!("{UNITS}?access_token={token}"),
    ] {
        let res = app.get(&path, None);
        assert_refused(&res, 401, &path);
    }
    assert_eq!(counts(&app), before);
}

#[test]
fn valid_tokens_without_the_right_are_403_and_write_nothing() {
    let app = spawn_app();
    let org = app.create_organisation(
        json!({"name": "Egen förening", "legal_form": "non_profit_association"}),
    );
    let before = counts(&app);
    let unit = some_unit();
    for (case, token) in [
        ("partner", partner(&org)),
        ("staff", staff(&unit)),
        ("integration", integration(&unit)),
    ] {
        let res = app.post(
            UNITS,
            Some(&token),
            &json!({"name": "Ny enhet", "kind": "specialist_administration"}),
        );
        assert_refused(&res, 403, &format!("{case} creates a city unit"));
    }
    let res = app.post(
        ORGS,
        Some(&partner(&org)),
        &json!({"name": "Annan förening", "legal_form": "non_profit_association"}),
    );
    assert_refused(&res, 403, "partner registers another organisation");
    assert_eq!(counts(&app), before);
}
