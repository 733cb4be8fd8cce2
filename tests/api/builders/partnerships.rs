//! Partnerships (IOP and other forms of cooperation).

use serde_json::{json, Value};

use super::{take_actions, Created, PARTNERSHIPS};
use crate::helpers::{staff, Res, TestApp};

/// An IOP that `unit` is responsible for, for 2027, created by the unit's
/// staff, with no parties unless told.
pub struct PartnershipBuilder {
    unit: String,
    body: Value,
}

impl PartnershipBuilder {
    pub fn new(unit: &str) -> Self {
        PartnershipBuilder {
            unit: unit.to_owned(),
            body: json!({
                "title": "IOP Friskvårdsklubben – Social resursförvaltning",
                "purpose": "Physical activity for people with mental illness at the activity houses.",
                "form": "iop",
                "responsible_unit_id": unit,
                "start_date": "2027-01-01",
                "end_date": "2027-12-31",
            }),
        }
    }

    pub fn with_title(mut self, title: &str) -> Self {
        self.body["title"] = json!(title);
        self
    }

    pub fn with_purpose(mut self, purpose: &str) -> Self {
        self.body["purpose"] = json!(purpose);
        self
    }

    pub fn with_dates(mut self, start: &str, end: &str) -> Self {
        self.body["start_date"] = json!(start);
        self.body["end_date"] = json!(end);
        self
    }

    pub fn with_districts(mut self, districts: &[&str]) -> Self {
        self.body["districts"] = json!(districts);
        self
    }

    /// Any other field of the request, as the API names it.
    pub fn with(mut self, field: &str, value: Value) -> Self {
        self.body[field] = value;
        self
    }

    /// Every organisation of `parties` as a member.
    pub fn with_members<S: AsRef<str>>(mut self, parties: &[S]) -> Self {
        self.body["parties"] = parties
            .iter()
            .map(|o| json!({"organisation_id": o.as_ref(), "role": "member"}))
            .collect();
        self
    }

    pub fn body(&self) -> Value {
        self.body.clone()
    }

    pub fn post(&self, app: &TestApp) -> Res {
        app.post(PARTNERSHIPS, Some(&staff(&self.unit)), &self.body)
    }

    /// Creates the partnership (planned by the city).
    pub fn create(&self, app: &TestApp) -> Created {
        Created::read(&self.post(app), 201, "partnership")
    }

    /// Creates it and takes it through dialogue and agreement to `active`.
    pub fn active(&self, app: &TestApp) -> Created {
        let id = self.create(app).id;
        take_actions(
            app,
            &format!("{PARTNERSHIPS}/{id}"),
            &["start_dialogue", "agree", "activate"],
            &staff(&self.unit),
        )
    }
}
