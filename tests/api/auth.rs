//! Token verification: every way a token can be wrong is a 401 with
//! `WWW-Authenticate`, and the right keys are accepted.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::json;

use crate::helpers::*;

const PROTECTED: &str = "/api/v1/organisations";

fn new_org_body() -> serde_json::Value {
    json!({"name": "Passalen", "legal_form": "non_profit_association"})
}

#[test]
fn missing_token_is_401_with_bare_bearer_challenge() {
    let app = spawn_app();
    let res = app.post(PROTECTED, None, &new_org_body());
    assert_eq!(res.status, 401);
    assert_eq!(res.header("www-authenticate"), Some("Bearer"));
    assert_eq!(res.code(), "authentication_required");
}

#[test]
fn every_kind_of_bad_token_is_401_invalid_token() {
    let app = spawn_app();
    let unit = some_unit();
    let staff_claims = || {
        let mut c = claims("city_staff");
        c["unit"] = json!(unit);
        c
    };
    let now = chrono::Utc::now().timestamp();
    let mut expired = staff_claims();
    expired["exp"] = json!(now - 120); // beyond the 30 s leeway
    let mut wrong_aud = staff_claims();
    wrong_aud["aud"] = json!("another-service");
    let mut wrong_iss = staff_claims();
    wrong_iss["iss"] = json!("https://evil.example");
    let mut not_yet = staff_claims();
    not_yet["nbf"] = json!(now + 3600);
    let mut no_exp = staff_claims();
    no_exp.as_object_mut().unwrap().remove("exp");
    let mut unknown_role = staff_claims();
    unknown_role["role"] = json!("mayor");
    let mut partner_without_org = claims("partner");
    partner_without_org.as_object_mut().unwrap().remove("org");
    let staff_without_unit = claims("city_staff");

    let good = sign_hs256(&staff_claims());
    let mut parts: Vec<&str> = good.split('.').collect();
    let tampered_payload = URL_SAFE_NO_PAD.encode(
        serde_json::to_vec(&{
            let mut c = staff_claims();
            c["role"] = json!("city_admin");
            c
        })
        .unwrap(),
    );
    parts[1] = &tampered_payload;
    let bad_signature = parts.join(".");

    let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let none_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&staff_claims()).unwrap());
    let alg_none = format!("{none_header}.{none_payload}.");

    let jku_header = URL_SAFE_NO_PAD
        .encode(br#"{"alg":"HS256","typ":"JWT","jku":"https://evil.example/jwks.json"}"#);
    let jku_unsigned = format!("{jku_header}.{none_payload}");
    let jku_token = {
        use hmac_sign::sign;
        format!("{jku_unsigned}.{}", sign(&jku_unsigned))
    };

    let cases = [
        ("expired", sign_hs256(&expired)),
        ("wrong audience", sign_hs256(&wrong_aud)),
        ("wrong issuer", sign_hs256(&wrong_iss)),
        ("not yet valid", sign_hs256(&not_yet)),
        ("no exp", sign_hs256(&no_exp)),
        ("unknown role", sign_hs256(&unknown_role)),
        ("partner without org", sign_hs256(&partner_without_org)),
        ("staff without unit", sign_hs256(&staff_without_unit)),
        ("bad signature", bad_signature),
        ("alg none", alg_none),
        ("key URL in header", jku_token),
        (
            "RS256 with unknown kid",
            sign_rs256(&staff_claims(), "not-a-configured-kid"),
        ),
        (
            "RS256 presented as the ES256 key",
            sign_rs256(&staff_claims(), "city-idp-es256"),
        ),
        ("garbage", "not.a.jwt".to_owned()),
    ];
    for (case, token) in cases {
        let res = app.post(PROTECTED, Some(&token), &new_org_body());
        assert_eq!(res.status, 401, "{case}: {}", res.text);
        assert_eq!(
            res.header("www-authenticate"),
            Some("Bearer error=\"invalid_token\""),
            "{case}"
        );
        assert_eq!(res.code(), "invalid_token", "{case}");
    }
    // None of them created anything.
    assert!(app.all_items(PROTECTED, None).is_empty());
}

/// HMAC-SHA256 signing with the test secret, for headers jsonwebtoken will not write.
mod hmac_sign {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use sha2::{Digest, Sha256};

    pub fn sign(input: &str) -> String {
        let key = super::SECRET.as_bytes();
        let mut k = [0u8; 64];
        k[..key.len()].copy_from_slice(key);
        let ipad: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
        let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
        let inner = Sha256::new()
            .chain_update(&ipad)
            .chain_update(input.as_bytes())
            .finalize();
        let outer = Sha256::new()
            .chain_update(&opad)
            .chain_update(inner)
            .finalize();
        URL_SAFE_NO_PAD.encode(outer)
    }

    #[test]
    fn matches_jsonwebtoken() {
        let token = super::sign_hs256(&super::claims("city_admin"));
        let (input, signature) = token.rsplit_once('.').unwrap();
        assert_eq!(sign(input), signature);
    }
}

#[test]
fn rs256_and_es256_tokens_from_the_jwks_file_are_accepted() {
    let app = spawn_app();
    let mut c = claims("city_staff");
    c["unit"] = json!(some_unit());
    for token in [
        sign_rs256(&c, "city-idp-rs256"),
        sign_es256(&c, "city-idp-es256"),
    ] {
        let res = app.post(PROTECTED, Some(&token), &new_org_body());
        assert_eq!(res.status, 201, "{}", res.text);
    }
}

#[test]
fn an_algorithm_not_configured_is_refused_even_with_a_valid_key() {
    // Only RS256 is pinned: a perfectly signed HS256 token must not pass.
    let app = spawn_app_with(|s| s.jwt.algorithms = vec![jsonwebtoken::Algorithm::RS256]);
    let res = app.post(PROTECTED, Some(&admin()), &new_org_body());
    assert_eq!(res.status, 401, "{}", res.text);
    let mut c = claims("city_admin");
    c["sub"] = json!("admin");
    assert_eq!(
        app.post(
            PROTECTED,
            Some(&sign_rs256(&c, "city-idp-rs256")),
            &new_org_body()
        )
        .status,
        201
    );
}

#[test]
fn a_malformed_authorization_header_is_401_not_anonymous() {
    let app = spawn_app();
    for value in ["Basic dXNlcjpwYXNz", "Bearer", "Bearer    "] {
        let res = app.send(
            "GET",
            "/api/v1/organisations",
            None,
            None,
            &[("Authorization", value)],
        );
        assert_eq!(res.status, 401, "{value}");
        assert_eq!(res.code(), "invalid_token");
    }
}

#[test]
fn token_command_mints_a_token_the_server_accepts_and_refuses_without_secret() {
    let app = spawn_app();
    let unit = some_unit();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_samverkan"))
        .args([
            "token",
            "--role",
            "city_staff",
            "--unit",
            &unit,
            "--ttl",
            "10m",
        ])
        .env("SAMVERKAN_JWT_HS256_SECRET", SECRET)
        .env_remove("SAMVERKAN_CONFIG")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let token = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    assert_eq!(
        app.post(PROTECTED, Some(&token), &new_org_body()).status,
        201
    );

    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_samverkan"))
        .args(["token", "--role", "city_admin"])
        .env_remove("SAMVERKAN_JWT_HS256_SECRET")
        .env_remove("SAMVERKAN_CONFIG")
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("no HS256 secret"));
}

#[test]
fn a_bad_setting_stops_start_up_with_one_line_naming_it() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_samverkan"))
        .args(["serve"])
        .env("SAMVERKAN_DATABASE_URL", "mysql://localhost/x")
        .env_remove("SAMVERKAN_CONFIG")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("SAMVERKAN_DATABASE_URL"), "{stderr}");
}
