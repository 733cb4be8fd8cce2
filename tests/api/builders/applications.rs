//! Grant applications.

use serde_json::{json, Value};

use super::{take_actions, Created, APPS};
use crate::helpers::{partner, Res, TestApp};

/// An application of `org` to a programme's round, sent by a member of the
/// organisation: "Garaget", 20 000 kronor for summer 2027 in one budget line.
pub struct ApplicationBuilder {
    org: String,
    body: Value,
}

impl ApplicationBuilder {
    /// `programme` is (programme id, round id).
    pub fn new(org: &str, programme: &(String, String)) -> Self {
        ApplicationBuilder {
            org: org.to_owned(),
            body: json!({
                "organisation_id": org, "programme_id": programme.0, "round_id": programme.1,
                "title": "Garaget", "purpose": "Summer jobs for young people in Tynnered",
                "districts": ["vastra_goteborg"], "requested_sek": 20000,
                "start_date": "2027-06-01", "end_date": "2027-08-31",
                "budget_lines": [{"description": "Supervisor", "amount_sek": 20000}]
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

    pub fn with_districts(mut self, districts: &[&str]) -> Self {
        self.body["districts"] = json!(districts);
        self
    }

    /// The amount asked for, in the one budget line as well.
    pub fn with_requested(mut self, sek: i64) -> Self {
        self.body["requested_sek"] = json!(sek);
        self.body["budget_lines"] = json!([{"description": "Supervisor", "amount_sek": sek}]);
        self
    }

    pub fn post(&self, app: &TestApp) -> Res {
        app.post(APPS, Some(&partner(&self.org)), &self.body)
    }

    /// Creates the application (a draft).
    pub fn create(&self, app: &TestApp) -> Created {
        Created::read(&self.post(app), 201, "application")
    }

    /// Creates and submits it, then `city` (staff of the programme's unit)
    /// starts the review.
    pub fn under_review(&self, app: &TestApp, city: &str) -> Created {
        let id = self.create(app).id;
        let path = format!("{APPS}/{id}");
        take_actions(app, &path, &["submit"], &partner(&self.org));
        take_actions(app, &path, &["start_review"], city)
    }
}
