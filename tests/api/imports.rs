//! Bulk imports: `POST /api/v1/imports/{resource}` with NDJSON and CSV.

use serde_json::{json, Value};

use crate::builders::{ProgrammeBuilder, World};
use crate::helpers::{admin, partner, spawn_app_with, staff, Res, TestApp};

const ORGS: &str = "/api/v1/imports/organisations";
const APPS: &str = "/api/v1/imports/grant-applications";

fn ndjson(rows: &[Value]) -> Vec<u8> {
    rows.iter()
        .map(|r| format!("{r}\n"))
        .collect::<String>()
        .into_bytes()
}

fn import(app: &TestApp, path: &str, token: &str, media: &str, body: Vec<u8>) -> Res {
    app.send(
        "POST",
        path,
        Some(token),
        Some(body),
        &[("Content-Type", media)],
    )
}

fn summary(res: &Res) -> Value {
    assert_eq!(res.status, 200, "{}", res.text);
    res.json()["summary"].clone()
}

fn changes(app: &TestApp) -> Vec<Value> {
    let res = app.get("/api/v1/changes?limit=500", Some(&admin()));
    assert_eq!(res.status, 200, "{}", res.text);
    res.json()["items"].as_array().unwrap().clone()
}

fn count(app: &TestApp, token: &str) -> usize {
    app.all_items("/api/v1/organisations", Some(token)).len()
}

fn org_rows() -> Vec<Value> {
    vec![
        json!({"name": "Gårdsällskapet", "legal_form": "non_profit_association", "organisation_number": "802512-0000", "external_id": "g-1"}),
        json!({"name": "Åkerbär", "legal_form": "cooperative", "organisation_number": "802613-0009", "external_id": "g-2"}),
        json!({"name": "Öarna", "legal_form": "foundation", "districts": ["centrum"], "external_id": "g-3"}),
    ]
}

#[test]
fn a_bad_row_does_not_stop_the_others_and_a_reimport_changes_nothing() {
    let w = World::new();
    let token = staff(&w.unit);
    let before = count(&w.app, &token);
    let res = import(
        &w.app,
        ORGS,
        &token,
        "application/x-ndjson",
        ndjson(&org_rows()),
    );
    let s = summary(&res);
    assert_eq!(
        s,
        json!({"rows": 3, "created": 2, "updated": 0, "unchanged": 0, "error": 1})
    );
    let body = res.json();
    let rows = body["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["line"], 2);
    assert_eq!(rows[0]["result"], "error");
    assert_eq!(rows[0]["external_id"], "g-2");
    assert_eq!(rows[0]["errors"][0]["field"], "organisation_number");
    // The same message as POST /organisations gives.
    let single = w
        .app
        .post("/api/v1/organisations", Some(&token), &org_rows()[1]);
    assert_eq!(single.status, 422);
    assert_eq!(
        rows[0]["errors"][0]["message"],
        single.json()["errors"][0]["message"]
    );
    assert_eq!(count(&w.app, &token), before + 2);

    let stored = |app: &TestApp| {
        let mut all: Vec<(Value, Value)> = app
            .all_items("/api/v1/organisations", Some(&admin()))
            .iter()
            .map(|o| (o["version"].clone(), o["updated_at"].clone()))
            .collect();
        all.sort_by_key(|(v, at)| (v.to_string(), at.to_string()));
        all
    };
    let before_again = stored(&w.app);
    let again = import(
        &w.app,
        ORGS,
        &token,
        "application/x-ndjson",
        ndjson(&org_rows()),
    );
    assert_eq!(
        summary(&again),
        json!({"rows": 3, "created": 0, "updated": 0, "unchanged": 2, "error": 1})
    );
    assert_eq!(stored(&w.app), before_again, "unchanged rows write nothing");
}

#[test]
fn a_changed_row_updates_in_place_as_an_import_and_a_number_matches() {
    let w = World::new();
    let token = staff(&w.unit);
    import(
        &w.app,
        ORGS,
        &token,
        "application/x-ndjson",
        ndjson(&org_rows()[..1]),
    );
    // No external id in the register yet: matched by its organisation number.
    let res = w.app.post(
        "/api/v1/organisations",
        Some(&token),
        &json!({"name": "Utan id", "legal_form": "other", "organisation_number": "802714-0006"}),
    );
    assert_eq!(res.status, 201);
    let id = res.json()["id"].as_str().unwrap().to_owned();
    let rows = vec![
        json!({"name": "Gårdsällskapet i Göteborg", "legal_form": "non_profit_association", "external_id": "g-1"}),
        json!({"name": "Utan id", "legal_form": "other", "organisation_number": "802714-0006", "external_id": "u-1"}),
    ];
    let res = import(&w.app, ORGS, &token, "application/x-ndjson", ndjson(&rows));
    assert_eq!(
        summary(&res),
        json!({"rows": 2, "created": 0, "updated": 2, "unchanged": 0, "error": 0})
    );
    let listed = res.json()["rows"].clone();
    assert_eq!(listed[1]["id"], json!(id));
    let org = w
        .app
        .get(&format!("/api/v1/organisations/{id}"), Some(&token))
        .json();
    assert_eq!(org["external_id"], "u-1");
    assert_eq!(org["version"], 2);
    // The feed shows a change once the transactions before it have ended
    // (on PostgreSQL other tests' too): wait for it.
    let mut last = None;
    for _ in 0..100 {
        last = changes(&w.app)
            .into_iter()
            .rev()
            .find(|c| c["resource_id"] == json!(id) && c["action"] == "updated");
        if last.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let last = last.expect("the update in the change feed");
    assert_eq!(last["via"], "import", "{last}");
}

#[test]
fn a_dry_run_writes_nothing_and_an_atomic_import_all_or_nothing() {
    let w = World::new();
    let token = staff(&w.unit);
    let before = count(&w.app, &token);
    let res = import(
        &w.app,
        &format!("{ORGS}?dry_run=true"),
        &token,
        "application/x-ndjson",
        ndjson(&org_rows()),
    );
    assert_eq!(summary(&res)["created"], 2);
    assert_eq!(res.json()["written"], false);
    assert_eq!(count(&w.app, &token), before);

    let res = import(
        &w.app,
        &format!("{ORGS}?atomic=true"),
        &token,
        "application/x-ndjson",
        ndjson(&org_rows()),
    );
    assert_eq!(summary(&res)["error"], 1);
    assert_eq!(res.json()["written"], false);
    assert_eq!(count(&w.app, &token), before);

    let good = [org_rows()[0].clone(), org_rows()[2].clone()];
    let res = import(
        &w.app,
        &format!("{ORGS}?atomic=true"),
        &token,
        "application/x-ndjson",
        ndjson(&good),
    );
    assert_eq!(summary(&res)["created"], 2);
    assert_eq!(res.json()["written"], true);
    assert_eq!(count(&w.app, &token), before + 2);
}

#[test]
fn a_swedish_excel_file_is_read_right() {
    let w = World::new();
    let token = staff(&w.unit);
    let bytes = std::fs::read("tests/fixtures/imports/organisations-excel-1252.csv").unwrap();
    let res = import(
        &w.app,
        ORGS,
        &token,
        "text/csv; charset=windows-1252",
        bytes.clone(),
    );
    assert_eq!(summary(&res)["created"], 2, "{}", res.text);
    let orgs = w
        .app
        .all_items("/api/v1/organisations?q=g%C3%A5rds", Some(&token));
    assert_eq!(orgs[0]["name"], "Föreningen Gårdsällskapet");
    assert_eq!(orgs[0]["description"], "Ängar och öar för barn");
    assert_eq!(orgs[0]["districts"], json!(["centrum", "lundby"]));
    // The same text as UTF-8 with a BOM (Excel's "CSV UTF-8"): the same rows, unchanged.
    let text: String = bytes
        .iter()
        .map(|b| match *b {
            0xe5 => 'å',
            0xe4 => 'ä',
            0xf6 => 'ö',
            0xc5 => 'Å',
            0xc4 => 'Ä',
            0xd6 => 'Ö',
            b => b as char,
        })
        .collect();
    let mut utf8 = vec![0xef, 0xbb, 0xbf];
    utf8.extend_from_slice(text.as_bytes());
    let res = import(&w.app, ORGS, &token, "text/csv", utf8);
    assert_eq!(summary(&res)["unchanged"], 2, "{}", res.text);
}

#[test]
fn a_wrong_header_is_refused_with_both_lists_and_nothing_written() {
    let w = World::new();
    let token = staff(&w.unit);
    let before = count(&w.app, &token);
    let csv = "namn,legal_form,webbplats\nA,other,\n";
    let res = import(&w.app, ORGS, &token, "text/csv", csv.into());
    assert_eq!(res.status, 422, "{}", res.text);
    assert_eq!(res.code(), "import_header_mismatch");
    assert_eq!(res.json()["unknown_columns"], json!(["namn", "webbplats"]));
    assert_eq!(res.json()["missing_columns"], json!(["name"]));
    assert_eq!(count(&w.app, &token), before);
}

#[test]
fn partners_are_refused_and_anonymous_callers_asked_for_a_token() {
    let w = World::new();
    let body = ndjson(&org_rows());
    assert_eq!(
        import(
            &w.app,
            ORGS,
            &partner(&w.orgs[0]),
            "application/x-ndjson",
            body.clone()
        )
        .status,
        403
    );
    let res = w.app.send(
        "POST",
        ORGS,
        None,
        Some(body),
        &[("Content-Type", "application/x-ndjson")],
    );
    assert_eq!(res.status, 401);
}

#[test]
fn a_file_past_the_limit_is_refused() {
    let app = spawn_app_with(|s| s.import_max_bytes = 2048);
    let rows: Vec<Value> = (0..100).map(|i| json!({"name": format!("Förening {i}"), "legal_form": "other", "external_id": format!("x-{i}")})).collect();
    let res = import(
        &app,
        &format!("{ORGS}?atomic=true"),
        &admin(),
        "application/x-ndjson",
        ndjson(&rows),
    );
    assert_eq!(res.status, 413, "{}", res.text);
    assert_eq!(
        app.all_items("/api/v1/organisations", Some(&admin())).len(),
        0
    );
}

fn application(w: &World, programme: &(String, String), external_id: &str, sek: i64) -> Value {
    json!({
        "organisation_id": w.orgs[0], "programme_id": programme.0, "round_id": programme.1,
        "title": "Läxhjälp", "purpose": "Läxhjälp för barn", "requested_sek": sek,
        "start_date": "2027-03-01", "end_date": "2027-12-31", "external_id": external_id,
    })
}

fn decided(mut row: Value, granted: i64, payments: &[i64]) -> Value {
    row["submitted_at"] = json!("2027-01-10T09:00");
    row["outcome"] = json!("granted");
    row["granted_sek"] = json!(granted);
    row["motivation"] = json!("Väl förankrat");
    row["decided_by"] = json!("anna.svensson");
    row["decided_on"] = json!("2027-02-01");
    row["payments"] = payments
        .iter()
        .map(|p| json!({"amount_sek": p, "paid_on": "2027-03-15"}))
        .collect();
    row
}

#[test]
fn historical_applications_are_imported_decided_and_paid_and_refused_when_they_break_a_rule() {
    let w = World::new();
    let token = staff(&w.unit);
    let programme = ProgrammeBuilder::new(&w.unit)
        .with_budget(70_000)
        .open(&w.app)
        .and_round();
    let rows = vec![
        decided(
            application(&w, &programme, "h-1", 30_000),
            30_000,
            &[15_000, 15_000],
        ),
        decided(application(&w, &programme, "h-2", 40_000), 60_000, &[]),
        decided(
            application(&w, &programme, "h-3", 20_000),
            20_000,
            &[15_000, 10_000],
        ),
        decided(application(&w, &programme, "h-4", 45_000), 45_000, &[]),
        application(&w, &programme, "h-5", 10_000),
    ];
    let res = import(&w.app, APPS, &token, "application/x-ndjson", ndjson(&rows));
    assert_eq!(
        summary(&res),
        json!({"rows": 5, "created": 2, "updated": 0, "unchanged": 0, "error": 3}),
        "{}",
        res.text
    );
    // The decision's rule, with the message the decide endpoint gives.
    assert_eq!(res.json()["rows"][0]["errors"][0]["field"], "granted_sek");
    let body = res.json();
    let errors: Vec<(i64, String)> = body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["line"].as_i64().unwrap(),
                r["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        vec![
            (2, "validation_failed".to_owned()),
            (3, "payment_exceeds_grant".to_owned()),
            (4, "over_budget".to_owned()),
        ]
    );
    let all = w.app.all_items("/api/v1/grant-applications", Some(&token));
    assert_eq!(all.len(), 2, "a refused row leaves nothing behind");
    let paid = all.iter().find(|a| a["external_id"] == "h-1").unwrap();
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["paid_sek"], 30_000);
    let id = paid["id"].as_str().unwrap();
    let history = w.app.all_items(
        &format!("/api/v1/grant-applications/{id}/history"),
        Some(&token),
    );
    let actions: Vec<&str> = history
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["create", "submit", "start_review", "decide", "pay", "pay"]
    );

    // Again: nothing new. Then a later payment is added to h-1.
    let again = import(&w.app, APPS, &token, "application/x-ndjson", ndjson(&rows));
    assert_eq!(summary(&again)["unchanged"], 2, "{}", again.text);
    let later = vec![decided(
        application(&w, &programme, "h-1", 30_000),
        30_000,
        &[15_000, 15_000, 1],
    )];
    let res = import(&w.app, APPS, &token, "application/x-ndjson", ndjson(&later));
    assert_eq!(summary(&res)["error"], 1, "over the grant: {}", res.text);
}

#[test]
fn a_grant_application_from_a_swedish_excel_file() {
    let w = World::new();
    let token = staff(&w.unit);
    let (programme, round) = ProgrammeBuilder::new(&w.unit).open(&w.app).and_round();
    // The ids put in place of the placeholders, byte for byte (they are
    // ASCII; the rest stays Windows-1252).
    let raw = std::fs::read("tests/fixtures/imports/grant-applications-excel-1252.csv").unwrap();
    let mut out = Vec::new();
    let mut rest: &[u8] = &raw;
    for (key, value) in [
        ("{org}", &w.orgs[0]),
        ("{programme}", &programme),
        ("{round}", &round),
    ] {
        let at = rest
            .windows(key.len())
            .position(|win| win == key.as_bytes())
            .unwrap();
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(value.as_bytes());
        rest = &rest[at + key.len()..];
    }
    out.extend_from_slice(rest);
    let res = import(&w.app, APPS, &token, "text/csv; charset=windows-1252", out);
    assert_eq!(summary(&res)["created"], 1, "{}", res.text);
    let all = w.app.all_items("/api/v1/grant-applications", Some(&token));
    assert_eq!(all[0]["title"], "Läxhjälp på Hisingen");
    assert_eq!(all[0]["requested_sek"], 30_000);
    assert_eq!(all[0]["paid_sek"], 30_000);
    assert_eq!(all[0]["status"], "paid");
}

#[test]
fn a_file_that_is_not_utf8_is_refused_as_unreadable() {
    let w = World::new();
    let token = staff(&w.unit);
    let before = count(&w.app, &token);
    let mut body = ndjson(&org_rows()[..1]);
    body.extend_from_slice(b"{\"name\": \"G\xe5rd\", \"legal_form\": \"other\"}\n");
    let res = import(&w.app, ORGS, &token, "application/x-ndjson", body);
    assert_eq!(res.status, 400, "{}", res.text);
    assert_eq!(res.code(), "unreadable_import");
    assert!(res.detail().starts_with("line 2:"), "{}", res.detail());
    // The batch it broke off in is undone.
    assert_eq!(count(&w.app, &token), before);
}

/// Excel saves with Windows line ends: a refused row is named by the line
/// it stands on in the file, as in a file with `\n` alone.
#[test]
fn a_refused_row_is_named_by_its_line_whatever_the_line_ends() {
    let w = World::new();
    let token = staff(&w.unit);
    for (ends, n) in [("\r\n", 1), ("\n", 2)] {
        let file = [
            "name;legal_form;external_id".to_owned(),
            format!("Radslaget {n};non_profit_association;line-ends-{n}-a"),
            format!("Utan form {n};;line-ends-{n}-b"),
            format!("Grannskapet {n};non_profit_association;line-ends-{n}-c"),
        ]
        .join(ends)
            + ends;
        let res = import(&w.app, ORGS, &token, "text/csv", file.into_bytes());
        assert_eq!(summary(&res)["error"], 1, "{}", res.text);
        let rows = res.json()["rows"].clone();
        assert_eq!(rows[0]["line"], 3, "{ends:?}: {}", res.text);
        assert_eq!(rows[0]["external_id"], format!("line-ends-{n}-b"));
    }
}

/// A reader holds a line (or a CSV record) whole, so a line may be no
/// longer than one record's body: a file without line ends is refused at
/// the line where it passes that, not read into memory.
#[test]
fn a_line_longer_than_a_body_may_be_is_refused_by_its_line() {
    let app = spawn_app_with(|s| s.body_limit_bytes = 4096);
    let long = "x".repeat(8192);
    let ndjson = format!(
        "{}\n{}\n",
        json!({"name": "Kort rad", "legal_form": "other", "external_id": "long-1"}),
        json!({"name": long, "legal_form": "other", "external_id": "long-2"})
    );
    let csv = format!("name;legal_form;external_id\nKort rad;other;long-3\n{long};other;long-4\n");
    refused_as_unreadable(
        &app,
        [
            ("application/x-ndjson", ndjson, "line 2"),
            ("text/csv", csv, "line 3"),
        ],
        "longer than 4096 bytes",
    );
}

/// Each file, imported atomically, is refused as unreadable at its line
/// with `says` in the detail; nothing is written.
fn refused_as_unreadable<const N: usize>(
    app: &TestApp,
    files: [(&str, String, &str); N],
    says: &str,
) {
    for (media, body, line) in files {
        let res = import(
            app,
            &format!("{ORGS}?atomic=true"),
            &admin(),
            media,
            body.into_bytes(),
        );
        assert_eq!(res.status, 400, "{media}: {}", res.text);
        assert_eq!(res.code(), "unreadable_import");
        let detail = res.json()["detail"].as_str().unwrap().to_owned();
        assert!(
            detail.starts_with(line) && detail.contains(says),
            "{media}: {detail}"
        );
    }
    assert_eq!(
        app.all_items("/api/v1/organisations", Some(&admin())).len(),
        0
    );
}

/// A file is text: a control character other than tab and the line ends
/// makes it unreadable (400, naming the line), as in every text the API
/// takes, and nothing is written.
#[test]
fn a_control_character_in_a_file_is_refused_by_its_line() {
    let app = spawn_app_with(|_| {});
    let ndjson = format!(
        "{}\n{{\"name\": \"Nul\u{0}l\", \"legal_form\": \"other\"}}\n",
        json!({"name": "Kontrollföreningen", "legal_form": "other", "external_id": "ctrl-1"})
    );
    let csv =
        "name;legal_form;external_id\nKontroll\tföreningen;other;ctrl-2\nC1\u{84};other;ctrl-3\n";
    refused_as_unreadable(
        &app,
        [
            ("application/x-ndjson", ndjson, "line 2"),
            ("text/csv", csv.to_owned(), "line 3"),
        ],
        "control character",
    );
    // A delimiter other than `;` or `,` is refused, whatever the format.
    let res = import(
        &app,
        &format!("{ORGS}?delimiter=0"),
        &admin(),
        "application/x-ndjson",
        b"{}\n".to_vec(),
    );
    assert_eq!(res.status, 400, "{}", res.text);
}
