//! Fixture builders, in the manner of crates.io's
//! `crates_io_test_utils/src/builders/`: one builder per resource, with
//! defaults that pass every rule of the service and `with_*` overrides for
//! what a test is about. A builder creates its resource over HTTP with a real
//! token (the tests stay black-box) and returns what the test needs; `body()`
//! gives the JSON for a test that sends it itself, to see it refused.
//! `World` composes them into the small city a test starts from.

mod applications;
mod events;
mod organisations;
mod partnerships;
mod programmes;
mod units;
mod world;

pub use applications::ApplicationBuilder;
pub use events::EventBuilder;
pub use organisations::OrganisationBuilder;
pub use partnerships::PartnershipBuilder;
pub use programmes::{ProgrammeBuilder, RoundBuilder};
pub use units::UnitBuilder;
pub use world::World;

use crate::helpers::{Res, TestApp};

pub const UNITS: &str = "/api/v1/city-units";
pub const ORGS: &str = "/api/v1/organisations";
pub const PARTNERSHIPS: &str = "/api/v1/partnerships";
pub const PROGRAMMES: &str = "/api/v1/grant-programmes";
pub const APPS: &str = "/api/v1/grant-applications";
pub const EVENTS: &str = "/api/v1/dialogue-events";

/// What a builder made: the object's id and its version after the last step.
#[derive(Debug, Clone)]
pub struct Created {
    pub id: String,
    pub version: i64,
}

impl Created {
    /// Reads the object from an answer that must have `status`.
    fn read(res: &Res, status: u16, what: &str) -> Created {
        assert_eq!(res.status, status, "{what}: {}", res.text);
        let body = res.json();
        Created {
            id: body["id"].as_str().unwrap().to_owned(),
            version: body["version"].as_i64().unwrap(),
        }
    }
}

/// Takes the bodiless actions at `path/{action}` in order, each answering 200;
/// returns the object as the last one left it.
fn take_actions(app: &TestApp, path: &str, actions: &[&str], token: &str) -> Created {
    let mut last = None;
    for action in actions {
        let res = app.send("POST", &format!("{path}/{action}"), Some(token), None, &[]);
        last = Some(Created::read(&res, 200, action));
    }
    last.expect("at least one action")
}
