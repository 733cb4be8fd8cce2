//! City units: admins write, everyone reads.

use serde_json::json;

use crate::helpers::*;

const UNITS: &str = "/api/v1/city-units";

#[test]
fn only_admins_manage_city_units() {
    let app = spawn_app();
    let org = app
        .create_organisation(json!({"name": "Passalen", "legal_form": "non_profit_association"}));
    let body = json!({"name": "Social resursförvaltning", "kind": "specialist_administration"});
    let unit = some_unit();
    for (role, token, expected) in [
        ("anonymous", None, 401),
        ("partner", Some(partner(&org)), 403),
        ("staff", Some(staff(&unit)), 403),
        ("integration", Some(integration(&unit)), 403),
    ] {
        let res = app.post(UNITS, token.as_deref(), &body);
        assert_eq!(res.status, expected, "{role}");
        res.code();
    }
    assert!(app.all_items(UNITS, None).is_empty());
    let res = app.post(UNITS, Some(&admin()), &body);
    assert_eq!(res.status, 201, "{}", res.text);
    let id = res.json()["id"].as_str().unwrap().to_owned();
    let path = format!("{UNITS}/{id}");
    // Everyone reads.
    for token in [None, Some(partner(&org)), Some(staff(&unit))] {
        assert_eq!(
            app.get(&path, token.as_deref()).json()["name"],
            "Social resursförvaltning"
        );
    }
    for token in [None, Some(partner(&org)), Some(staff(&unit))] {
        let expected = if token.is_none() { 401 } else { 403 };
        assert_eq!(
            app.patch(&path, token.as_deref(), &json!({"name": "X"}), None)
                .status,
            expected
        );
        assert_eq!(app.delete(&path, token.as_deref()).status, expected);
    }
    let res = app.patch(
        &path,
        Some(&admin()),
        &json!({"name": "Socialförvaltningen"}),
        Some("\"1\""),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(
        app.patch(&path, Some(&admin()), &json!({"name": "Y"}), Some("\"1\""))
            .status,
        412
    );
    assert_eq!(app.delete(&path, Some(&admin())).status, 204);
    assert_eq!(app.get(&path, None).status, 404);
}

#[test]
fn a_district_administration_names_exactly_one_district() {
    let app = spawn_app();
    let token = admin();
    for (body, field) in [
        (
            json!({"name": "SDF Lundby", "kind": "district_administration"}),
            "district",
        ),
        (
            json!({"name": "Park- och naturförvaltningen", "kind": "specialist_administration", "district": "lundby"}),
            "district",
        ),
        (
            json!({"name": "SDF Lundby", "kind": "district_administration", "district": "hisingen"}),
            "district",
        ),
        (json!({"name": "", "kind": "city_company"}), "name"),
        (json!({"name": "Higab", "kind": "company"}), "kind"),
    ] {
        let res = app.post(UNITS, Some(&token), &body);
        assert_eq!(res.status, 422, "{body}: {}", res.text);
        assert_eq!(res.json()["errors"][0]["field"], field, "{body}");
    }
    assert!(app.all_items(UNITS, None).is_empty());
    let res = app.post(
        UNITS,
        Some(&token),
        &json!({"name": "SDF Lundby", "kind": "district_administration", "district": "lundby"}),
    );
    assert_eq!(res.status, 201);
    let id = res.json()["id"].as_str().unwrap().to_owned();
    // Turning it into a specialist administration without clearing the district is refused.
    let res = app.patch(
        &format!("{UNITS}/{id}"),
        Some(&token),
        &json!({"kind": "specialist_administration"}),
        None,
    );
    assert_eq!(res.status, 422);
    let res = app.patch(
        &format!("{UNITS}/{id}"),
        Some(&token),
        &json!({"kind": "specialist_administration", "district": null}),
        None,
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["district"], json!(null));
    // Names are unique.
    let res = app.post(
        UNITS,
        Some(&token),
        &json!({"name": "SDF Lundby", "kind": "city_company"}),
    );
    assert_eq!(res.status, 409);
    assert_eq!(res.code(), "duplicate_name");
}

#[test]
fn city_units_list_by_name_with_filters_and_pages() {
    let app = spawn_app();
    let token = admin();
    for (name, district) in [
        ("SDF Västra Göteborg", "vastra_goteborg"),
        ("SDF Lundby", "lundby"),
        ("SDF Angered", "angered"),
    ] {
        assert_eq!(
            app.post(
                UNITS,
                Some(&token),
                &json!({"name": name, "kind": "district_administration", "district": district})
            )
            .status,
            201
        );
    }
    assert_eq!(
        app.post(
            UNITS,
            Some(&token),
            &json!({"name": "Social resursförvaltning", "kind": "specialist_administration"})
        )
        .status,
        201
    );
    let names: Vec<String> = app
        .all_items(&format!("{UNITS}?limit=1"), None)
        .iter()
        .map(|u| u["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names.len(), 4);
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    let lundby = app.all_items(&format!("{UNITS}?district=lundby"), None);
    assert_eq!(lundby.len(), 1);
    assert_eq!(
        app.all_items(&format!("{UNITS}?kind=specialist_administration"), None)
            .len(),
        1
    );
    assert_eq!(app.get(&format!("{UNITS}?kind=ministry"), None).status, 400);
}
