//! Lists load a page with one statement per table, whatever the page size
//! (issue #9): with statement counting on (`X-Statement-Count`), every list
//! answers a page of 2 items and a page of 12, each with children, with the
//! same number of statements.

use serde_json::{json, Value};

use crate::builders::{
    ApplicationBuilder, EventBuilder, OrganisationBuilder, PartnershipBuilder, ProgrammeBuilder,
    UnitBuilder, World, APPS, EVENTS, ORGS, PARTNERSHIPS, PROGRAMMES, UNITS,
};
use crate::helpers::*;

/// A service with `n` of everything (n >= 2), each with children.
struct Service {
    w: World,
    partnerships: Vec<String>,
    /// The application's organisation, and the application.
    applications: Vec<(String, String)>,
    /// A held event with attendance and `n` outcomes, each linked to a
    /// partnership and an application.
    held: String,
    /// An open event with `n` registrations.
    open: String,
}

fn created(res: Res) -> String {
    assert_eq!(res.status, 201, "{}", res.text);
    res.json()["id"].as_str().unwrap().to_owned()
}

fn ok(res: Res) {
    assert_eq!(res.status, 200, "{}", res.text);
}

fn service(n: usize) -> Service {
    let w = World::build()
        .with_settings(|s| s.count_statements = true)
        .with_unit(UnitBuilder::district("SDF Lundby", "lundby"))
        .with_other_unit(UnitBuilder::specialist("Förvaltning 1"))
        .with_organisations(
            OrganisationBuilder::associations(n)
                .into_iter()
                .map(|o| o.with_districts(&["lundby"]))
                .collect(),
        )
        .create();
    let (app, unit, orgs) = (&w.app, &w.unit, &w.orgs);
    for i in 2..n {
        UnitBuilder::specialist(&format!("Förvaltning {i}")).create(app);
    }
    let staff = staff(unit);
    let chef = decider(unit, 1_000_000, "chef");

    // Partnerships with two parties and two funding lines each.
    let partnerships: Vec<String> = (0..n)
        .map(|i| {
            let id = PartnershipBuilder::new(unit)
                .with_title(&format!("IOP {i}"))
                .with_purpose("Activities for young people")
                .with_districts(&["lundby"])
                .with_members(&[&orgs[i], &orgs[(i + 1) % n]])
                .active(app)
                .id;
            for year in [2027, 2028] {
                created(app.post(
                    &format!("{PARTNERSHIPS}/{id}/funding-lines"),
                    Some(&staff),
                    &json!({"source_unit_id": unit, "year": year, "amount_sek": 10000}),
                ));
            }
            id
        })
        .collect();

    // Programmes with a budget and a round each; applications in the first,
    // granted and partly paid.
    let programmes: Vec<(String, String)> = (0..n)
        .map(|i| {
            ProgrammeBuilder::new(unit)
                .with_title(&format!("Utvecklingspotten {i}"))
                .with_districts(&["lundby"])
                .open(app)
                .and_round()
        })
        .collect();
    let applications: Vec<(String, String)> = (0..n)
        .map(|i| {
            let org = &orgs[i];
            let id = ApplicationBuilder::new(org, &programmes[0])
                .with_title(&format!("Garaget {i}"))
                .with_purpose("Summer jobs")
                .with_districts(&["lundby"])
                .with_requested(10000)
                .under_review(app, &staff)
                .id;
            created(app.post(
                &format!("{APPS}/{id}/conflict-declarations"),
                Some(&chef),
                &json!({"has_conflict": false}),
            ));
            ok(app.post(
                &format!("{APPS}/{id}/decide"),
                Some(&chef),
                &json!({"outcome": "granted", "granted_sek": 10000, "motivation": "Fits"}),
            ));
            for _ in 0..2 {
                created(app.post(
                    &format!("{APPS}/{id}/payments"),
                    Some(&chef),
                    &json!({"amount_sek": 2000, "paid_on": "2027-06-15"}),
                ));
            }
            (org.clone(), id)
        })
        .collect();

    // Events: `n` open ones, each with a registration; `n` held ones, each
    // with attendance; the first held one with an outcome per partnership
    // and application.
    let event = |i: usize, days: i64| {
        EventBuilder::new(unit)
            .with_title(&format!("Idésluss {i}"))
            .in_days(days)
            .with_district("lundby")
            .with_capacity(json!(100))
            .with("agenda", json!([]))
    };
    let mut open = Vec::new();
    let mut held = Vec::new();
    for i in 0..n {
        let id = event(i, 10).published(app).id;
        for org in [&orgs[i], &orgs[(i + 1) % n]] {
            created(app.post(
                &format!("{EVENTS}/{id}/registrations"),
                Some(&partner(org)),
                &json!({"organisation_id": org, "participants": 2, "names": ["Anna A"]}),
            ));
        }
        open.push(id);
        let id = event(i, -3).held(app).id;
        let record =
            json!({"organisations": [{"organisation_id": orgs[i], "attendees": 3}], "walk_ins": 2});
        ok(app.send(
            "PUT",
            &format!("{EVENTS}/{id}/attendance"),
            Some(&staff),
            Some(record.to_string().into_bytes()),
            &[("Content-Type", "application/json")],
        ));
        held.push(id);
    }
    for (partnership, (_, application)) in partnerships.iter().zip(&applications) {
        created(app.post(
            &format!("{EVENTS}/{}/outcomes", held[0]),
            Some(&staff),
            &json!({"description": "A summer activity", "owner": "Förening 0", "partnership_id": partnership, "grant_application_id": application}),
        ));
    }
    // Many registrations for one open event, to compare sub-collections.
    for org in orgs {
        if org != &orgs[0] && Some(org) != orgs.get(1 % n) {
            created(app.post(
                &format!("{EVENTS}/{}/registrations", open[0]),
                Some(&partner(org)),
                &json!({"organisation_id": org, "participants": 1, "names": ["Bo B"]}),
            ));
        }
    }
    Service {
        partnerships,
        applications,
        held: held[0].clone(),
        open: open[0].clone(),
        w,
    }
}

/// The statements of one GET, and how many items it answered.
fn statements(s: &Service, path: &str, token: Option<&str>) -> (u64, usize) {
    let res = s.w.app.get(path, token);
    assert_eq!(res.status, 200, "{path}: {}", res.text);
    let count = res
        .header("x-statement-count")
        .unwrap_or_else(|| panic!("{path}: no X-Statement-Count"))
        .parse()
        .expect("a number");
    let body: Value = res.json();
    (count, body["items"].as_array().map_or(0, Vec::len))
}

/// Every list: its name, path and token, and the items it answers for `n`
/// of everything (`per_n * n + fixed`).
struct List {
    name: &'static str,
    path: String,
    token: Option<String>,
    per_n: usize,
    fixed: usize,
}

fn lists(s: &Service) -> Vec<List> {
    let staff = Some(staff(&s.w.unit));
    let (app_org, application) = &s.applications[0];
    let list = |name, path: String, token: &Option<String>, per_n, fixed| List {
        name,
        path,
        token: token.clone(),
        per_n,
        fixed,
    };
    vec![
        list("organisations", format!("{ORGS}?limit=50"), &None, 1, 0),
        list("city units", format!("{UNITS}?limit=50"), &None, 1, 0),
        list(
            "partnerships",
            format!("{PARTNERSHIPS}?limit=50"),
            &staff,
            1,
            0,
        ),
        list(
            "partnerships (public)",
            format!("{PARTNERSHIPS}?limit=50"),
            &None,
            1,
            0,
        ),
        list(
            "grant programmes",
            format!("{PROGRAMMES}?limit=50"),
            &staff,
            1,
            0,
        ),
        list(
            "grant applications",
            format!("{APPS}?limit=50"),
            &staff,
            1,
            0,
        ),
        list(
            "grant applications (public)",
            format!("{APPS}?limit=50"),
            &None,
            1,
            0,
        ),
        list("dialogue events", format!("{EVENTS}?limit=50"), &None, 2, 0),
        list(
            "outcomes",
            format!("{EVENTS}/{}/outcomes?limit=50", s.held),
            &staff,
            1,
            0,
        ),
        list(
            "outcomes (a partner)",
            format!("{EVENTS}/{}/outcomes?limit=50", s.held),
            &Some(partner(&s.w.orgs[0])),
            1,
            0,
        ),
        list(
            "registrations",
            format!("{EVENTS}/{}/registrations?limit=50", s.open),
            &staff,
            1,
            0,
        ),
        list(
            "parties",
            format!("{PARTNERSHIPS}/{}/parties", s.partnerships[0]),
            &staff,
            0,
            2,
        ),
        list(
            "payments",
            format!("{APPS}/{application}/payments"),
            &Some(partner(app_org)),
            0,
            2,
        ),
    ]
}

#[test]
fn every_list_answers_2_or_12_items_with_the_same_number_of_statements() {
    let few = service(2);
    let many = service(12);
    let mut differ = Vec::new();
    for (small, large) in lists(&few).into_iter().zip(lists(&many)) {
        let name = small.name;
        let (small_count, small_items) = statements(&few, &small.path, small.token.as_deref());
        let (large_count, large_items) = statements(&many, &large.path, large.token.as_deref());
        assert_eq!(
            small_items,
            small.per_n * 2 + small.fixed,
            "{name}: items of the small page"
        );
        assert_eq!(
            large_items,
            large.per_n * 12 + large.fixed,
            "{name}: items of the large page"
        );
        assert!(small_count > 0, "{name}: statements are counted");
        if small_count != large_count {
            differ.push(format!(
                "{name}: {small_count} statements for the small page, {large_count} for the large"
            ));
        }
    }
    assert!(differ.is_empty(), "{differ:#?}");
}

#[test]
fn statements_are_not_counted_unless_asked_for() {
    let app = spawn_app();
    let res = app.get(ORGS, None);
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.header("x-statement-count"), None);
}
