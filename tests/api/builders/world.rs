//! The small city a test starts from: a server, a city unit whose staff act,
//! another unit whose staff may not, and organisations.

use std::sync::Arc;

use samverkan::config::Settings;

use super::{OrganisationBuilder, UnitBuilder};
use crate::helpers::{spawn_app_with, TestApp};

pub struct World {
    /// Shared with the threads of a race.
    pub app: Arc<TestApp>,
    /// The unit that owns what the test makes.
    pub unit: String,
    /// A unit of the city that owns none of it.
    pub other_unit: String,
    /// The organisations, in the order they were registered.
    pub orgs: Vec<String>,
}

impl World {
    /// The default world: the district administrations of Västra Göteborg
    /// (the unit) and Lundby (the other), and two organisations, Reningsborg
    /// (a social enterprise) and Passalen (an association).
    pub fn new() -> World {
        World::build().create()
    }

    /// The default world, to change before it is created.
    pub fn build() -> WorldBuilder {
        WorldBuilder {
            settings: Box::new(|_| {}),
            unit: UnitBuilder::district("SDF Västra Göteborg", "vastra_goteborg"),
            other_unit: UnitBuilder::district("SDF Lundby", "lundby"),
            orgs: vec![
                OrganisationBuilder::new("Reningsborg").with_legal_form("social_enterprise"),
                OrganisationBuilder::new("Passalen"),
            ],
        }
    }
}

pub struct WorldBuilder {
    settings: Box<dyn FnOnce(&mut Settings)>,
    unit: UnitBuilder,
    other_unit: UnitBuilder,
    orgs: Vec<OrganisationBuilder>,
}

impl WorldBuilder {
    /// Changes the server's settings.
    pub fn with_settings(mut self, adjust: impl FnOnce(&mut Settings) + 'static) -> Self {
        self.settings = Box::new(adjust);
        self
    }

    pub fn with_unit(mut self, unit: UnitBuilder) -> Self {
        self.unit = unit;
        self
    }

    pub fn with_other_unit(mut self, unit: UnitBuilder) -> Self {
        self.other_unit = unit;
        self
    }

    /// Replaces the organisations.
    pub fn with_organisations(mut self, orgs: Vec<OrganisationBuilder>) -> Self {
        self.orgs = orgs;
        self
    }

    /// Starts the server and creates the units, then the organisations.
    pub fn create(self) -> World {
        let app = spawn_app_with(self.settings);
        let unit = self.unit.create(&app).id;
        let other_unit = self.other_unit.create(&app).id;
        let orgs = self.orgs.iter().map(|o| o.create(&app).id).collect();
        World {
            app: Arc::new(app),
            unit,
            other_unit,
            orgs,
        }
    }
}
