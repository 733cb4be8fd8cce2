//! `GET /open-data/360giving` and `.csv`: decided grants in the 360Giving
//! Data Standard, public, from public records only. (The package is
//! validated against the official schema by `.ci/opendata_check.py` in CI.)

use serde_json::{json, Value};

use crate::builders::{
    ApplicationBuilder, OrganisationBuilder, ProgrammeBuilder, World, APPS, ORGS,
};
use crate::helpers::*;

const JSON: &str = "/api/v1/open-data/360giving";
const CSV: &str = "/api/v1/open-data/360giving.csv";

/// The applications of the test: granted and partly granted (decided),
/// rejected, a draft, one in review.
struct Grants {
    w: World,
    granted: String,
    partly: String,
    rejected: String,
    draft: String,
    in_review: String,
    decided_on: String,
}

const CONTACT_EMAIL: &str = "kontakt@reningsborg.se";
const CONTACT_PHONE: &str = "031-12 34 56";
const DECIDER: &str = "beslutsfattare-anna";
const REVIEW_NOTE: &str = "Intern anteckning om budgeten";
const COMPLETION: &str = "Skicka budgeten för lokalen";

fn grants(adjust: impl FnOnce(&mut samverkan::config::Settings) + 'static) -> Grants {
    let w = World::build()
        .with_settings(adjust)
        .with_organisations(vec![OrganisationBuilder::new("Passalen")])
        .create();
    let app = &w.app;
    // Reningsborg has a number and a contact person; Passalen neither.
    let numbered = app.create_organisation(json!({
        "name": "Reningsborg", "legal_form": "social_enterprise",
        "organisation_number": "802447-2824",
        "contact_email": CONTACT_EMAIL, "contact_phone": CONTACT_PHONE
    }));
    let plain = w.orgs[0].clone();
    let programme = ProgrammeBuilder::new(&w.unit)
        .with_title("Utvecklingspotten")
        .open(app);
    let round = programme.and_round();
    let chef = decider(&w.unit, 1_000_000, DECIDER);
    let decide = |org: &str, title: &str, outcome: &str, granted: i64| {
        let id = ApplicationBuilder::new(org, &round)
            .with_title(title)
            .with_purpose("Sommarjobb för unga i Tynnered")
            .with_districts(&["vastra_goteborg", "lundby"])
            .with_requested(20_000)
            .under_review(app, &chef)
            .id;
        let path = format!("{APPS}/{id}");
        for (action, body) in [
            ("request_completion", Some(json!({"message": COMPLETION}))),
            ("complete", None),
        ] {
            let token = if body.is_some() {
                chef.clone()
            } else {
                partner(org)
            };
            let res = match body {
                Some(b) => app.post(&format!("{path}/{action}"), Some(&token), &b),
                None => app.send("POST", &format!("{path}/{action}"), Some(&token), None, &[]),
            };
            assert_eq!(res.status, 200, "{action}: {}", res.text);
        }
        let res = app.post(
            &format!("{path}/reviews"),
            Some(&chef),
            &json!({"note": REVIEW_NOTE}),
        );
        assert_eq!(res.status, 201, "{}", res.text);
        let res = app.post(
            &format!("{path}/conflict-declarations"),
            Some(&chef),
            &json!({"has_conflict": false}),
        );
        assert_eq!(res.status, 201, "{}", res.text);
        let res = app.post(
            &format!("{path}/decide"),
            Some(&chef),
            &json!({"outcome": outcome, "granted_sek": granted, "motivation": "Passar programmet"}),
        );
        assert_eq!(res.status, 200, "{}", res.text);
        id
    };
    let granted = decide(&numbered, "Garaget", "granted", 20_000);
    let partly = decide(
        &plain,
        "Läxhjälp, \"Biskopsgården\"",
        "partly_granted",
        12_500,
    );
    let rejected = decide(&numbered, "Avslagen idé", "rejected", 0);
    let draft = ApplicationBuilder::new(&numbered, &round)
        .with_title("Utkastet")
        .create(app)
        .id;
    let in_review = ApplicationBuilder::new(&plain, &round)
        .with_title("Under beredning")
        .under_review(app, &chef)
        .id;
    let decided_on = app.get(&format!("{APPS}/{granted}"), None).json()["decision"]["decided_on"]
        .as_str()
        .unwrap()
        .to_owned();
    Grants {
        w,
        granted,
        partly,
        rejected,
        draft,
        in_review,
        decided_on,
    }
}

fn organisation_id(g: &Grants, name: &str) -> String {
    let orgs = g.w.app.all_items(ORGS, None);
    orgs.iter().find(|o| o["name"] == name).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn decided_grants_are_published_with_their_ids_and_amounts() {
    let g = grants(|_| {});
    let res = g.w.app.get(JSON, None);
    assert_eq!(res.status, 200, "{}", res.text);
    assert!(res
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    assert!(res.header("etag").is_some());
    let body = res.json();
    let items = body["grants"].as_array().unwrap();
    let ids: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        vec![
            format!("360G-goteborg-{}", g.granted),
            format!("360G-goteborg-{}", g.partly)
        ]
    );
    let unit = &g.w.unit;
    assert_eq!(
        items[0],
        json!({
            "id": format!("360G-goteborg-{}", g.granted),
            "title": "Garaget",
            "description": "Sommarjobb för unga i Tynnered",
            "currency": "SEK",
            "amountAppliedFor": 20000,
            "amountAwarded": 20000,
            "awardDate": g.decided_on,
            "dateModified": items[0]["dateModified"],
            "recipientOrganization": [{"id": "SE-ON-8024472824", "name": "Reningsborg"}],
            "fundingOrganization": [{"id": format!("360G-goteborg-unit-{unit}"), "name": "SDF Västra Göteborg"}],
            "grantProgramme": [{"code": items[0]["grantProgramme"][0]["code"], "title": "Utvecklingspotten"}],
            "beneficiaryLocation": [
                {"name": "Västra Göteborg", "geoCode": "vastra_goteborg", "geoCodeType": "stadsdelar-2011", "countryCode": "SE"},
                {"name": "Lundby", "geoCode": "lundby", "geoCodeType": "stadsdelar-2011", "countryCode": "SE"}
            ]
        })
    );
    assert!(items[0]["dateModified"].as_str().unwrap().ends_with('Z'));
    // Without an organisation number: the prefix's own identifier.
    let passalen = organisation_id(&g, "Passalen");
    assert_eq!(
        items[1]["recipientOrganization"][0]["id"],
        format!("360G-goteborg-org-{passalen}")
    );
    assert_eq!(items[1]["amountAwarded"], 12500);
    assert_eq!(items[1]["amountAppliedFor"], 20000);
}

#[test]
fn nothing_but_decided_grants_and_no_person_or_note_is_in_either_form() {
    let g = grants(|_| {});
    for path in [JSON, CSV] {
        let res = g.w.app.get(path, None);
        assert_eq!(res.status, 200, "{path}: {}", res.text);
        for absent in [
            g.rejected.as_str(),
            &g.draft,
            &g.in_review,
            "Avslagen idé",
            "Utkastet",
            "Under beredning",
            CONTACT_EMAIL,
            CONTACT_PHONE,
            DECIDER,
            REVIEW_NOTE,
            COMPLETION,
            "Passar programmet",
        ] {
            assert!(
                !res.text.contains(absent),
                "{path} holds {absent}: {}",
                res.text
            );
        }
        assert!(res.text.contains(&g.granted), "{path}");
        assert!(res.text.contains(&g.partly), "{path}");
    }
    // The same for every caller: a token adds nothing.
    let anonymous = g.w.app.get(JSON, None).json();
    assert_eq!(g.w.app.get(JSON, Some(&admin())).json(), anonymous);
}

#[test]
fn the_prefix_is_a_setting() {
    let g = grants(|s| {
        s.open_data.prefix = samverkan::domain::open_data::Prefix::parse("malmo").unwrap()
    });
    let body = g.w.app.get(JSON, None).json();
    let first = &body["grants"][0];
    assert_eq!(first["id"], format!("360G-malmo-{}", g.granted));
    assert_eq!(
        first["fundingOrganization"][0]["id"],
        format!("360G-malmo-unit-{}", g.w.unit)
    );
    let passalen = organisation_id(&g, "Passalen");
    assert_eq!(
        body["grants"][1]["recipientOrganization"][0]["id"],
        format!("360G-malmo-org-{passalen}")
    );
    // The organisation number's identifier does not depend on the prefix.
    assert_eq!(first["recipientOrganization"][0]["id"], "SE-ON-8024472824");
}

/// The CSV's lines, split as a spreadsheet would (no field here holds a
/// line break).
fn lines(text: &str) -> Vec<&str> {
    text.strip_suffix("\r\n").unwrap().split("\r\n").collect()
}

#[test]
fn the_csv_has_the_header_and_takes_a_bom_and_a_semicolon() {
    let g = grants(|_| {});
    let app = &g.w.app;
    let res = app.get(CSV, None);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(
        res.header("content-type").unwrap(),
        "text/csv; charset=utf-8; header=present"
    );
    let text = &res.text;
    assert!(!text.starts_with('\u{feff}'));
    let rows = lines(text);
    assert_eq!(rows.len(), 3, "{text}");
    assert!(rows[0].starts_with(
        "Identifier,Title,Description,Currency,Amount Applied For,Amount Awarded,Award Date,Last Modified,Recipient Org:Identifier,Recipient Org:Name,Funding Org:Identifier,Funding Org:Name,Grant Programme:Code,Grant Programme:Title,Beneficiary Location:0:Name,"
    ));
    assert!(
        rows[0].ends_with("Beneficiary Location:1:Country Code"),
        "{}",
        rows[0]
    );
    assert!(rows[1].starts_with(&format!(
        "360G-goteborg-{},Garaget,Sommarjobb för unga i Tynnered,SEK,20000,20000,{},",
        g.granted, g.decided_on
    )));
    // A title with a comma and quotes is quoted, its quotes doubled.
    assert!(
        rows[2].contains(",\"Läxhjälp, \"\"Biskopsgården\"\"\",SEK")
            || rows[2].contains(",\"Läxhjälp, \"\"Biskopsgården\"\"\",Sommarjobb"),
        "{}",
        rows[2]
    );

    let res = app.get(&format!("{CSV}?bom=true&delimiter=%3B"), None);
    assert_eq!(res.status, 200, "{}", res.text);
    let text = res
        .text
        .strip_prefix('\u{feff}')
        .expect("a byte-order mark");
    let rows = lines(text);
    assert!(rows[0].starts_with("Identifier;Title;Description;Currency;"));
    assert!(rows[1].starts_with(&format!("360G-goteborg-{};Garaget;", g.granted)));
    // With `;` between fields the comma needs no quotes; the quotes still do.
    assert!(
        rows[2].contains(";\"Läxhjälp, \"\"Biskopsgården\"\"\";"),
        "{}",
        rows[2]
    );
    // A literal `;` in the URL works as well.
    let res = app.get(&format!("{CSV}?delimiter=;"), None);
    assert!(res.text.starts_with("Identifier;Title;"), "{}", res.text);
}

#[test]
fn unknown_parameters_and_bad_values_are_refused() {
    let w = World::new();
    for path in [
        format!("{JSON}?year=2015"),
        format!("{CSV}?delimiter=tab"),
        format!("{CSV}?bom=yes"),
        format!("{CSV}?separator=;"),
    ] {
        let res = w.app.get(&path, None);
        assert_eq!(res.status, 400, "{path}: {}", res.text);
    }
    // No grants yet: an empty package and a header alone.
    assert_eq!(w.app.get(JSON, None).json(), json!({"grants": []}));
    let csv = w.app.get(CSV, None).text;
    assert_eq!(lines(&csv).len(), 1, "{csv}");
}

/// Statements do not grow with the grants.
#[test]
fn the_statements_do_not_grow_with_the_grants() {
    let count = |n: usize| {
        let w = World::build()
            .with_settings(|s| s.count_statements = true)
            .create();
        let round = ProgrammeBuilder::new(&w.unit).open(&w.app).and_round();
        let chef = decider(&w.unit, 1_000_000, "chef");
        for i in 0..n {
            let org = &w.orgs[i % 2];
            let id = ApplicationBuilder::new(org, &round)
                .with_title(&format!("Ansökan {i}"))
                .under_review(&w.app, &chef)
                .id;
            let path = format!("{APPS}/{id}");
            w.app.post(
                &format!("{path}/conflict-declarations"),
                Some(&chef),
                &json!({"has_conflict": false}),
            );
            let res = w.app.post(
                &format!("{path}/decide"),
                Some(&chef),
                &json!({"outcome": "granted", "granted_sek": 20000, "motivation": "Ja"}),
            );
            assert_eq!(res.status, 200, "{}", res.text);
        }
        let res = w.app.get(JSON, None);
        let body: Value = res.json();
        assert_eq!(body["grants"].as_array().unwrap().len(), n);
        res.header("x-statement-count").unwrap().to_owned()
    };
    assert_eq!(count(2), count(6));
}
