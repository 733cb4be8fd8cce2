//! A programme's rows: the programme, its rounds, its history entries, and
//! the required documents kept as JSON.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{json_text, sek};
use crate::db::organisations::utc;
use crate::db::parsed::Parsed;
use crate::db::schema::{
    grant_programme_history as ph, grant_programmes as pr, grant_rounds as gr,
};
use crate::db::stamp::Stamp;
use crate::db::{corrupt, list_column, parse_list, StoreError};
use crate::domain::grant::{
    FieldValue, Programme, ProgrammeDetails, ProgrammeStatus, RequiredDocument, Round, YearFigures,
};
use crate::domain::ids::{CityUnitId, GrantProgrammeId, GrantRoundId};
use crate::domain::organisation::search_key;

/// A required document as kept in `grant_programmes.required_documents`.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredDocument {
    key: String,
    title: String,
}

fn documents_text(documents: &[RequiredDocument]) -> String {
    let stored: Vec<StoredDocument> = documents
        .iter()
        .map(|d| StoredDocument {
            key: d.key.clone(),
            title: d.title.clone(),
        })
        .collect();
    json_text(&stored)
}

fn documents_of(text: &str) -> Result<Vec<RequiredDocument>, StoreError> {
    let stored: Vec<StoredDocument> =
        serde_json::from_str(text).map_err(|_| corrupt("required documents"))?;
    Ok(stored
        .into_iter()
        .map(|d| RequiredDocument {
            key: d.key,
            title: d.title,
        })
        .collect())
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = pr)]
pub(in crate::db::grants) struct ProgrammeRow {
    pub id: Parsed<GrantProgrammeId>,
    title: String,
    description: Option<String>,
    owning_unit_id: Parsed<CityUnitId>,
    min_sek: i64,
    max_sek: i64,
    eligible_legal_forms: String,
    districts: String,
    required_documents: String,
    multi_year_allowed: bool,
    status: Parsed<ProgrammeStatus>,
    external_id: Option<String>,
    version: i64,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    updated_at: NaiveDateTime,
}

/// A round as read with its programme's id (`children_of`).
#[derive(Queryable)]
pub(in crate::db::grants) struct RoundRow {
    id: Parsed<GrantRoundId>,
    name: String,
    opens_at: Stamp,
    deadline: Stamp,
    accepts_late_applications: bool,
}

impl From<RoundRow> for Round {
    fn from(r: RoundRow) -> Self {
        Round {
            id: r.id.0,
            name: r.name,
            opens_at: utc(r.opens_at.0),
            deadline: utc(r.deadline.0),
            accepts_late: r.accepts_late_applications,
        }
    }
}

impl ProgrammeRow {
    /// The programme, with its rounds and each year's figures.
    pub(in crate::db::grants) fn into_programme(
        self,
        rounds: Vec<Round>,
        figures: Vec<YearFigures>,
    ) -> Result<Programme, StoreError> {
        Ok(Programme {
            id: self.id.0,
            details: ProgrammeDetails {
                title: self.title,
                description: self.description,
                owning_unit: self.owning_unit_id.0,
                min_sek: sek(self.min_sek, "min_sek")?,
                max_sek: sek(self.max_sek, "max_sek")?,
                eligible_legal_forms: parse_list(&self.eligible_legal_forms, "legal form")?,
                districts: parse_list(&self.districts, "district")?,
                required_documents: documents_of(&self.required_documents)?,
                multi_year_allowed: self.multi_year_allowed,
                budgets: figures.iter().map(|f| (f.year, f.budget_sek)).collect(),
                external_id: self.external_id,
            },
            status: self.status.0,
            rounds,
            figures,
            version: self.version,
            created_at: utc(self.created_at),
            updated_at: utc(self.updated_at),
        })
    }
}

/// What a new programme's row says (beside its id, status, version and times).
#[derive(Insertable)]
#[diesel(table_name = pr)]
pub(in crate::db::grants) struct ProgrammeValues<'a> {
    title: &'a str,
    title_search: String,
    description: Option<&'a str>,
    owning_unit_id: String,
    min_sek: i64,
    max_sek: i64,
    eligible_legal_forms: String,
    districts: String,
    required_documents: String,
    multi_year_allowed: bool,
    external_id: Option<&'a str>,
}

impl<'a> From<&'a ProgrammeDetails> for ProgrammeValues<'a> {
    fn from(d: &'a ProgrammeDetails) -> Self {
        ProgrammeValues {
            title: &d.title,
            title_search: search_key(&d.title),
            description: d.description.as_deref(),
            owning_unit_id: d.owning_unit.to_string(),
            min_sek: d.min_sek.kronor(),
            max_sek: d.max_sek.kronor(),
            eligible_legal_forms: list_column(&d.eligible_legal_forms),
            districts: list_column(&d.districts),
            required_documents: documents_text(&d.required_documents),
            multi_year_allowed: d.multi_year_allowed,
            external_id: d.external_id.as_deref(),
        }
    }
}

/// What a patch of a programme writes to its row (`Programme::apply`).
#[derive(AsChangeset)]
#[diesel(table_name = pr, treat_none_as_null = true)]
pub(in crate::db::grants) struct ProgrammeChangeValues<'a> {
    title: &'a str,
    title_search: String,
    description: Option<&'a str>,
    min_sek: i64,
    max_sek: i64,
}

impl<'a> From<&'a ProgrammeDetails> for ProgrammeChangeValues<'a> {
    fn from(d: &'a ProgrammeDetails) -> Self {
        ProgrammeChangeValues {
            title: &d.title,
            title_search: search_key(&d.title),
            description: d.description.as_deref(),
            min_sek: d.min_sek.kronor(),
            max_sek: d.max_sek.kronor(),
        }
    }
}

/// What a round's row says (beside its id, programme and creation time).
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = gr)]
pub(in crate::db::grants) struct RoundValues<'a> {
    name: &'a str,
    opens_at: NaiveDateTime,
    deadline: NaiveDateTime,
    accepts_late_applications: bool,
}

impl<'a> From<&'a Round> for RoundValues<'a> {
    fn from(r: &'a Round) -> Self {
        RoundValues {
            name: &r.name,
            opens_at: r.opens_at.naive_utc(),
            deadline: r.deadline.naive_utc(),
            accepts_late_applications: r.accepts_late,
        }
    }
}

/// A round as a programme's history shows it.
pub(in crate::db::grants) fn round_json(round: &Round) -> serde_json::Value {
    serde_json::json!({
        "name": round.name,
        "opens_at": round.opens_at,
        "deadline": round.deadline,
        "accepts_late_applications": round.accepts_late,
    })
}

/// A field's value as a programme's history keeps it.
pub(in crate::db::grants) fn field_json(value: &FieldValue) -> serde_json::Value {
    match value {
        FieldValue::Absent => serde_json::Value::Null,
        FieldValue::Text(text) => serde_json::Value::from(text.as_str()),
        FieldValue::Amount(amount) => serde_json::Value::from(amount.kronor()),
        FieldValue::Status(status) => serde_json::Value::from(status.as_str()),
        FieldValue::Round(round) => round_json(round),
    }
}

/// An entry of a programme's history as written.
#[derive(Insertable)]
#[diesel(table_name = ph)]
pub(in crate::db::grants) struct ProgrammeRecord<'a> {
    pub id: String,
    pub programme_id: String,
    pub at: NaiveDateTime,
    pub actor: &'a str,
    pub actor_role: &'a str,
    pub action: &'a str,
    pub changes: String,
}

/// One change of a programme as its history keeps it (`changes`, JSON).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RecordedChange {
    pub field: String,
    pub from: serde_json::Value,
    pub to: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::Sek;
    use chrono::{DateTime, Utc};

    #[test]
    fn required_documents_keep_the_shape_they_always_had() {
        let documents = vec![RequiredDocument {
            key: "plan".into(),
            title: "Plan".into(),
        }];
        let text = documents_text(&documents);
        assert_eq!(text, r#"[{"key":"plan","title":"Plan"}]"#);
        assert_eq!(documents_of(&text).unwrap(), documents);
        assert!(documents_of(r#"[{"key":"plan"}]"#).is_err());
    }

    #[test]
    fn history_values_are_json_as_before() {
        let at = DateTime::<Utc>::from_timestamp(86_400, 0).unwrap();
        let round = Round {
            id: GrantRoundId::new(),
            name: "Spring".into(),
            opens_at: at,
            deadline: at,
            accepts_late: true,
        };
        let cases = [
            (FieldValue::Absent, serde_json::json!(null)),
            (FieldValue::Text("t".into()), serde_json::json!("t")),
            (
                FieldValue::Amount(Sek::new(5).unwrap()),
                serde_json::json!(5),
            ),
            (
                FieldValue::Status(ProgrammeStatus::Open),
                serde_json::json!("open"),
            ),
            (
                FieldValue::Round(round),
                serde_json::json!({"name": "Spring", "opens_at": "1970-01-02T00:00:00Z",
                    "deadline": "1970-01-02T00:00:00Z", "accepts_late_applications": true}),
            ),
        ];
        for (value, json) in cases {
            assert_eq!(field_json(&value), json, "{value:?}");
        }
    }
}
