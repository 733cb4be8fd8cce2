//! Organisations of civil society.

use serde_json::{json, Value};

use super::{Created, ORGS};
use crate::helpers::{admin, TestApp};

/// An organisation, registered by an admin; a non-profit association unless
/// told otherwise.
pub struct OrganisationBuilder {
    body: Value,
}

impl OrganisationBuilder {
    pub fn new(name: &str) -> Self {
        OrganisationBuilder {
            body: json!({"name": name, "legal_form": "non_profit_association"}),
        }
    }

    /// `n` associations named "Förening 0" to "Förening {n-1}".
    pub fn associations(n: usize) -> Vec<Self> {
        (0..n)
            .map(|i| OrganisationBuilder::new(&format!("Förening {i}")))
            .collect()
    }

    pub fn with_legal_form(mut self, form: &str) -> Self {
        self.body["legal_form"] = json!(form);
        self
    }

    pub fn with_districts(mut self, districts: &[&str]) -> Self {
        self.body["districts"] = json!(districts);
        self
    }

    pub fn create(&self, app: &TestApp) -> Created {
        Created::read(
            &app.post(ORGS, Some(&admin()), &self.body),
            201,
            "organisation",
        )
    }
}
