//! City units.

use serde_json::{json, Value};

use super::{Created, UNITS};
use crate::helpers::{admin, TestApp};

/// A city unit, created by an admin. Names are unique in the service.
pub struct UnitBuilder {
    body: Value,
}

impl UnitBuilder {
    /// A district administration of `district`.
    pub fn district(name: &str, district: &str) -> Self {
        UnitBuilder {
            body: json!({"name": name, "kind": "district_administration", "district": district}),
        }
    }

    /// A specialist administration (no district).
    pub fn specialist(name: &str) -> Self {
        UnitBuilder {
            body: json!({"name": name, "kind": "specialist_administration"}),
        }
    }

    pub fn create(&self, app: &TestApp) -> Created {
        Created::read(&app.post(UNITS, Some(&admin()), &self.body), 201, "unit")
    }
}
