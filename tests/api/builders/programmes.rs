//! Grant programmes and their application rounds.

use serde_json::{json, Value};

use super::{take_actions, PROGRAMMES};
use crate::helpers::{in_days, staff, Res, TestApp};

/// An application round: open since 60 days, its deadline in 30, no late
/// applications.
pub struct RoundBuilder {
    name: String,
    opens_in_days: i64,
    deadline_in_days: i64,
    late: bool,
}

impl RoundBuilder {
    pub fn new(name: &str) -> Self {
        RoundBuilder {
            name: name.to_owned(),
            opens_in_days: -60,
            deadline_in_days: 30,
            late: false,
        }
    }

    /// The deadline `days` from now (negative: passed).
    pub fn closing_in(mut self, days: i64) -> Self {
        self.deadline_in_days = days;
        self
    }

    pub fn accepting_late(mut self, late: bool) -> Self {
        self.late = late;
        self
    }

    fn body(&self) -> Value {
        json!({
            "name": self.name,
            "opens_at": in_days(self.opens_in_days),
            "deadline": in_days(self.deadline_in_days),
            "accepts_late_applications": self.late,
        })
    }
}

/// A programme of `unit`, created by the unit's staff: "Utvecklingspotten
/// 2027", 1 000 000 kronor for 2027, grants of 1 000 to 50 000, one round.
pub struct ProgrammeBuilder {
    unit: String,
    body: Value,
    rounds: Vec<RoundBuilder>,
}

/// A created programme: its id, its rounds' ids in order, its version.
#[derive(Debug, Clone)]
pub struct Programme {
    pub id: String,
    pub rounds: Vec<String>,
    pub version: i64,
}

impl Programme {
    /// (programme id, first round id), as an application names them.
    pub fn and_round(&self) -> (String, String) {
        (self.id.clone(), self.rounds[0].clone())
    }
}

impl ProgrammeBuilder {
    pub fn new(unit: &str) -> Self {
        ProgrammeBuilder {
            unit: unit.to_owned(),
            body: json!({
                "title": "Utvecklingspotten 2027",
                "budgets": [{"year": 2027, "budget_sek": 1_000_000}],
                "min_sek": 1000, "max_sek": 50000,
            }),
            rounds: vec![RoundBuilder::new("Round 1")],
        }
    }

    pub fn with_title(mut self, title: &str) -> Self {
        self.body["title"] = json!(title);
        self
    }

    /// The budget of 2027.
    pub fn with_budget(mut self, sek: i64) -> Self {
        self.body["budgets"] = json!([{"year": 2027, "budget_sek": sek}]);
        self
    }

    pub fn with_districts(mut self, districts: &[&str]) -> Self {
        self.body["districts"] = json!(districts);
        self
    }

    /// Replaces the rounds.
    pub fn with_rounds(mut self, rounds: impl IntoIterator<Item = RoundBuilder>) -> Self {
        self.rounds = rounds.into_iter().collect();
        self
    }

    pub fn body(&self) -> Value {
        let mut body = self.body.clone();
        body["rounds"] = self.rounds.iter().map(RoundBuilder::body).collect();
        body
    }

    pub fn post(&self, app: &TestApp) -> Res {
        app.post(PROGRAMMES, Some(&staff(&self.unit)), &self.body())
    }

    /// Creates the programme (a draft).
    pub fn create(&self, app: &TestApp) -> Programme {
        let res = self.post(app);
        assert_eq!(res.status, 201, "programme: {}", res.text);
        let body = res.json();
        Programme {
            id: body["id"].as_str().unwrap().to_owned(),
            rounds: body["rounds"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_owned())
                .collect(),
            version: body["version"].as_i64().unwrap(),
        }
    }

    /// Creates the programme and opens it.
    pub fn open(&self, app: &TestApp) -> Programme {
        let mut programme = self.create(app);
        let path = format!("{PROGRAMMES}/{}", programme.id);
        programme.version = take_actions(app, &path, &["open"], &staff(&self.unit)).version;
        programme
    }
}
