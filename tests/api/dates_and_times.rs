//! Dates and times are read strictly, in bodies and in queries alike:
//! `YYYY-MM-DD` dates and RFC 3339 times (or Stockholm wall-clock time where
//! a local time is natural), and a bad value names its field or parameter
//! and what the format is, never the parser's words.

use serde_json::json;

use crate::builders::World;
use crate::grants::PROGRAMMES;
use crate::helpers::*;

fn errors_for(res: &Res, field: &str) -> Vec<String> {
    assert_eq!(res.status, 422, "{}", res.text);
    res.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["field"] == field)
        .map(|e| e["message"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn dates_and_times_are_rfc_3339_strictly_and_name_the_field() {
    let w = World::new();
    let partnership = |start: &str, end: &str| {
        w.app.post(
            "/api/v1/partnerships",
            Some(&staff(&w.unit)),
            &json!({"title": "Datum", "purpose": "Dates", "form": "iop",
                "responsible_unit_id": w.unit, "start_date": start, "end_date": end,
                "parties": [{"organisation_id": w.orgs[0], "role": "lead"}]}),
        )
    };
    for (start, end, field) in [
        ("27-01-01", "2027-12-31", "start_date"),
        ("2027-01-01", "+12027-01-01", "end_date"),
        ("2027-1-1", "2027-12-31", "start_date"),
        ("2027-01-01", "2027-02-30", "end_date"),
    ] {
        let res = partnership(start, end);
        let messages = errors_for(&res, field);
        assert_eq!(messages.len(), 1, "{start} {end}: {}", res.text);
        assert!(messages[0].contains("YYYY-MM-DD"), "{}", messages[0]);
        assert!(!res.text.contains("out of range") && !res.text.contains("premature end"));
    }
    let event = |starts: &str, ends: &str| {
        w.app.post(
            "/api/v1/dialogue-events",
            Some(&admin()),
            &json!({"title": "Tider", "kind": "workshop", "participation_level": "dialogue",
                "starts_at": starts, "ends_at": ends, "format": "in_person"}),
        )
    };
    for (starts, ends, field) in [
        ("2026-05-12T18:00:60Z", "2026-05-12T20:00:00Z", "starts_at"),
        ("2026-05-12T18:00", "9999-12-31T23:00Z", "ends_at"),
        ("+12026-05-12T18:00Z", "2026-05-12T20:00:00Z", "starts_at"),
        ("2026-05-12 18:00", "2026-05-12T20:00:00Z", "starts_at"),
    ] {
        let res = event(starts, ends);
        let messages = errors_for(&res, field);
        assert_eq!(messages.len(), 1, "{starts} {ends}: {}", res.text);
        assert!(messages[0].contains("RFC 3339"), "{}", messages[0]);
    }
    // Round times accept Stockholm wall-clock time, as event times do.
    let res = w.app.post(
        PROGRAMMES,
        Some(&staff(&w.unit)),
        &json!({"title": "Väggklocka", "budgets": [{"year": 2027, "budget_sek": 100000}],
            "min_sek": 1000, "max_sek": 50000,
            "rounds": [{"name": "Spring", "opens_at": "2027-03-01T00:00", "deadline": "2027-04-30T23:59"}]}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let round = &res.json()["rounds"][0];
    assert_eq!(round["opens_at"], "2027-02-28T23:00:00Z");
    assert_eq!(round["deadline"], "2027-04-30T21:59:00Z");
    let id = res.json()["id"].as_str().unwrap().to_owned();
    let res = w.app.post(
        &format!("{PROGRAMMES}/{id}/rounds"),
        Some(&staff(&w.unit)),
        &json!({"name": "Autumn", "opens_at": "2027-09-01T00:00", "deadline": "2027-10-31T23:59:60"}),
    );
    assert!(!errors_for(&res, "deadline").is_empty());
    let res = w.app.post(
        &format!("{PROGRAMMES}/{id}/rounds"),
        Some(&staff(&w.unit)),
        &json!({"name": "Autumn", "opens_at": "2027-09-01T00:00", "deadline": "2027-10-31T23:59"}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
}

#[test]
fn date_and_time_query_parameters_are_as_strict_as_bodies_and_name_the_parameter() {
    let w = World::new();
    let app = &w.app;
    for (list, name, bad) in [
        ("/api/v1/dialogue-events", "from", "2027-05-12"),
        ("/api/v1/dialogue-events", "to", "2026-05-12T18:00:60Z"),
        (
            "/api/v1/dialogue-events",
            "updated_since",
            "+12027-01-01T00:00:00Z",
        ),
        ("/api/v1/organisations", "updated_since", "yesterday"),
        ("/api/v1/partnerships", "active_on", "27-01-01"),
        ("/api/v1/partnerships", "ends_before", "2027-1-1"),
        ("/api/v1/grant-applications", "decided_from", "2027-02-30"),
        ("/api/v1/grant-applications", "decided_to", "12027-01-01"),
    ] {
        let res = app.get(&format!("{list}?limit=5&{name}={bad}"), Some(&admin()));
        assert_eq!(res.status, 400, "{list}?{name}={bad}: {}", res.text);
        assert_eq!(res.code(), "invalid_query_parameter");
        let detail = res.detail();
        assert!(detail.contains(&format!("`{name}`")), "{detail}");
        assert!(detail.contains("must be a date"), "{detail}");
        assert!(
            !detail.contains("premature") && !detail.contains("input"),
            "{detail}"
        );
    }
    // What bodies accept, queries accept: Stockholm wall-clock time as well.
    let res = app.post(
        "/api/v1/dialogue-events",
        Some(&staff(&w.unit)),
        &json!({"title": "Idésluss", "kind": "matching_meeting", "participation_level": "dialogue",
                "starts_at": "2027-05-12T18:00", "ends_at": "2027-05-12T20:00", "format": "in_person", "place": "Lundby"}),
    );
    assert_eq!(res.status, 201, "{}", res.text);
    let count = |query: &str| {
        let res = app.get(&format!("/api/v1/dialogue-events?{query}"), Some(&admin()));
        assert_eq!(res.status, 200, "{query}: {}", res.text);
        res.json()["items"].as_array().unwrap().len()
    };
    assert_eq!(count("from=2027-05-12T17:30"), 1);
    assert_eq!(count("from=2027-05-12T15:30:00Z"), 1);
    assert_eq!(count("from=2027-05-12T18:30&limit=5"), 0);
    assert_eq!(count("to=2027-05-12T18:30"), 1);
    // The Link of a page repeats the query as it was understood.
    let page = app.get(
        "/api/v1/dialogue-events?limit=1&from=2027-01-01T00:00",
        Some(&admin()),
    );
    assert_eq!(page.status, 200, "{}", page.text);
}
