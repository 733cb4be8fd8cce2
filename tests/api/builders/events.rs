//! Dialogue events.

use serde_json::{json, Value};

use super::{take_actions, Created, EVENTS};
use crate::helpers::{in_days, staff, Res, TestApp};

/// A matching meeting organised by `unit`, in person at the Lundby district
/// office, from 10 to 11 days from now; planned by the unit's staff.
pub struct EventBuilder {
    unit: String,
    body: Value,
}

impl EventBuilder {
    pub fn new(unit: &str) -> Self {
        EventBuilder {
            unit: unit.to_owned(),
            body: json!({
                "title": "Idésluss Lundby",
                "kind": "matching_meeting",
                "participation_level": "partnership",
                "organiser_unit_id": unit,
                "starts_at": in_days(10),
                "ends_at": in_days(11),
                "format": "in_person",
                "place": "Lundby district office",
            }),
        }
    }

    pub fn with_title(mut self, title: &str) -> Self {
        self.body["title"] = json!(title);
        self
    }

    /// The kind of meeting and its level of participation.
    pub fn with_kind(mut self, kind: &str, level: &str) -> Self {
        self.body["kind"] = json!(kind);
        self.body["participation_level"] = json!(level);
        self
    }

    /// Starts `days` from now (negative: past) and lasts a day.
    pub fn in_days(mut self, days: i64) -> Self {
        self.body["starts_at"] = json!(in_days(days));
        self.body["ends_at"] = json!(in_days(days + 1));
        self
    }

    pub fn with_district(mut self, district: &str) -> Self {
        self.body["district"] = json!(district);
        self
    }

    /// The places (`null`: no limit).
    pub fn with_capacity(mut self, capacity: Value) -> Self {
        self.body["capacity"] = capacity;
        self
    }

    /// Any other field of the request, as the API names it.
    pub fn with(mut self, field: &str, value: Value) -> Self {
        self.body[field] = value;
        self
    }

    pub fn body(&self) -> Value {
        self.body.clone()
    }

    pub fn post(&self, app: &TestApp) -> Res {
        app.post(EVENTS, Some(&staff(&self.unit)), &self.body)
    }

    /// Plans the event.
    pub fn create(&self, app: &TestApp) -> Created {
        Created::read(&self.post(app), 201, "event")
    }

    /// Plans and publishes it.
    pub fn published(&self, app: &TestApp) -> Created {
        let id = self.create(app).id;
        take_actions(
            app,
            &format!("{EVENTS}/{id}"),
            &["publish"],
            &staff(&self.unit),
        )
    }

    /// Plans, publishes and marks it held (it must have started).
    pub fn held(&self, app: &TestApp) -> Created {
        let id = self.create(app).id;
        take_actions(
            app,
            &format!("{EVENTS}/{id}"),
            &["publish", "mark-held"],
            &staff(&self.unit),
        )
    }
}
