//! An application's rows: the application with its decision, what is
//! written when it is created, changed and decided, its history entries,
//! and the budget lines and document answers kept as JSON.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{json_text, sek};
use crate::db::organisations::utc;
use crate::db::parsed::Parsed;
use crate::db::schema::{grant_applications as ga, grant_history as gh};
use crate::db::stamp::Stamp;
use crate::db::{corrupt, list_column, parse_list, StoreError};
use crate::domain::grant::{
    Application, ApplicationDetails, ApplicationStatus, BudgetLine, Decision, DecisionOutcome,
    DocumentAnswer,
};
use crate::domain::ids::{
    CityUnitId, GrantApplicationId, GrantProgrammeId, GrantRoundId, OrganisationId,
};
use crate::domain::money::{total, Sek};
use crate::domain::organisation::search_key;

/// A budget line as kept in `grant_applications.budget_lines`.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredBudgetLine {
    description: String,
    amount_sek: i64,
}

/// A document answer as kept in `grant_applications.document_answers`.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredAnswer {
    key: String,
    reference: Option<String>,
    note: Option<String>,
    waiver_reason: Option<String>,
}

fn budget_lines_text(lines: &[BudgetLine]) -> String {
    let stored: Vec<StoredBudgetLine> = lines
        .iter()
        .map(|l| StoredBudgetLine {
            description: l.description.clone(),
            amount_sek: l.amount_sek.kronor(),
        })
        .collect();
    json_text(&stored)
}

fn budget_lines_of(text: &str) -> Result<Vec<BudgetLine>, StoreError> {
    let stored: Vec<StoredBudgetLine> =
        serde_json::from_str(text).map_err(|_| corrupt("budget lines"))?;
    stored
        .into_iter()
        .map(|l| {
            Ok(BudgetLine {
                description: l.description,
                amount_sek: sek(l.amount_sek, "budget line amount")?,
            })
        })
        .collect()
}

fn answers_text(answers: &[DocumentAnswer]) -> String {
    let stored: Vec<StoredAnswer> = answers
        .iter()
        .map(|a| StoredAnswer {
            key: a.key.clone(),
            reference: a.reference.clone(),
            note: a.note.clone(),
            waiver_reason: a.waiver_reason.clone(),
        })
        .collect();
    json_text(&stored)
}

fn answers_of(text: &str) -> Result<Vec<DocumentAnswer>, StoreError> {
    let stored: Vec<StoredAnswer> =
        serde_json::from_str(text).map_err(|_| corrupt("document answers"))?;
    Ok(stored
        .into_iter()
        .map(|a| DocumentAnswer {
            key: a.key,
            reference: a.reference,
            note: a.note,
            waiver_reason: a.waiver_reason,
        })
        .collect())
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = ga)]
pub(in crate::db::grants) struct ApplicationRow {
    pub id: Parsed<GrantApplicationId>,
    organisation_id: Parsed<OrganisationId>,
    programme_id: Parsed<GrantProgrammeId>,
    round_id: Parsed<GrantRoundId>,
    title: String,
    purpose: String,
    target_group: Option<String>,
    districts: String,
    requested_sek: i64,
    #[diesel(deserialize_as = crate::db::stamp::Day)]
    start_date: NaiveDate,
    #[diesel(deserialize_as = crate::db::stamp::Day)]
    end_date: NaiveDate,
    budget_lines: String,
    document_answers: String,
    registry_number: Option<String>,
    status: Parsed<ApplicationStatus>,
    submitted_at: Option<NaiveDateTime>,
    submitted_late: bool,
    completion_message: Option<String>,
    outcome: Option<Parsed<DecisionOutcome>>,
    granted_sek: Option<i64>,
    grant_year: Option<i32>,
    motivation: Option<String>,
    decided_by: Option<String>,
    decided_on: Option<NaiveDate>,
    report: Option<String>,
    external_id: Option<String>,
    version: i64,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    updated_at: NaiveDateTime,
    decided_by_role: Option<String>,
    decided_by_unit_id: Option<Parsed<CityUnitId>>,
}

/// What is loaded beside an application row: its payments and allocation.
#[derive(Default)]
pub(in crate::db::grants) struct ApplicationChildren {
    pub paid: Vec<Sek>,
    pub allocation: Vec<(i32, Sek)>,
}

impl ApplicationRow {
    pub(in crate::db::grants) fn into_application(
        self,
        children: ApplicationChildren,
    ) -> Result<Application, StoreError> {
        let r = self;
        let decision = match (
            r.outcome,
            r.granted_sek,
            r.motivation,
            r.decided_by,
            r.decided_on,
        ) {
            (
                Some(outcome),
                Some(granted_sek),
                Some(motivation),
                Some(decided_by),
                Some(decided_on),
            ) => Some(Decision {
                outcome: outcome.0,
                granted_sek: sek(granted_sek, "granted_sek")?,
                motivation,
                decided_by,
                decided_by_role: r.decided_by_role.unwrap_or_else(|| "city_staff".into()),
                decided_by_unit: r.decided_by_unit_id.map(|u| u.0),
                decided_on,
                allocation: children.allocation,
            }),
            _ => None,
        };
        let paid = total(children.paid.iter().map(|p| p.kronor()))?;
        Ok(Application {
            id: r.id.0,
            details: ApplicationDetails {
                organisation: r.organisation_id.0,
                programme: r.programme_id.0,
                round: r.round_id.0,
                title: r.title,
                purpose: r.purpose,
                target_group: r.target_group,
                districts: parse_list(&r.districts, "district")?,
                requested_sek: sek(r.requested_sek, "requested_sek")?,
                start_date: r.start_date,
                end_date: r.end_date,
                budget_lines: budget_lines_of(&r.budget_lines)?,
                document_answers: answers_of(&r.document_answers)?,
                registry_number: r.registry_number,
                external_id: r.external_id,
            },
            status: r.status.0,
            submitted_at: r.submitted_at.map(utc),
            submitted_late: r.submitted_late,
            completion_message: r.completion_message,
            decision,
            grant_year: r.grant_year,
            report: r.report,
            paid_sek: sek(paid, "paid_sek")?,
            version: r.version,
            created_at: utc(r.created_at),
            updated_at: utc(r.updated_at),
        })
    }
}

/// What a new application's row says (beside its id, status, version and times).
#[derive(Insertable)]
#[diesel(table_name = ga)]
pub(in crate::db::grants) struct ApplicationValues<'a> {
    organisation_id: String,
    programme_id: String,
    round_id: String,
    registry_number: Option<&'a str>,
    external_id: Option<&'a str>,
    #[diesel(embed)]
    says: ApplicationChangeValues<'a>,
}

impl<'a> From<&'a ApplicationDetails> for ApplicationValues<'a> {
    fn from(d: &'a ApplicationDetails) -> Self {
        ApplicationValues {
            organisation_id: d.organisation.to_string(),
            programme_id: d.programme.to_string(),
            round_id: d.round.to_string(),
            registry_number: d.registry_number.as_deref(),
            external_id: d.external_id.as_deref(),
            says: ApplicationChangeValues::from(d),
        }
    }
}

/// What the applicant may change of an application (`update_application`).
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = ga, treat_none_as_null = true)]
pub(in crate::db::grants) struct ApplicationChangeValues<'a> {
    title: &'a str,
    title_search: String,
    purpose: &'a str,
    target_group: Option<&'a str>,
    districts: String,
    requested_sek: i64,
    start_date: NaiveDate,
    end_date: NaiveDate,
    budget_lines: String,
    document_answers: String,
}

impl<'a> From<&'a ApplicationDetails> for ApplicationChangeValues<'a> {
    fn from(d: &'a ApplicationDetails) -> Self {
        ApplicationChangeValues {
            title: &d.title,
            title_search: search_key(&d.title),
            purpose: &d.purpose,
            target_group: d.target_group.as_deref(),
            districts: list_column(&d.districts),
            requested_sek: d.requested_sek.kronor(),
            start_date: d.start_date,
            end_date: d.end_date,
            budget_lines: budget_lines_text(&d.budget_lines),
            document_answers: answers_text(&d.document_answers),
        }
    }
}

/// A decision as written to its application's row.
#[derive(AsChangeset)]
#[diesel(table_name = ga)]
pub(in crate::db::grants) struct DecisionValues<'a> {
    outcome: &'static str,
    granted_sek: i64,
    grant_year: i32,
    motivation: &'a str,
    decided_by: &'a str,
    decided_by_role: &'a str,
    decided_by_unit_id: Option<String>,
    decided_on: NaiveDate,
}

impl<'a> DecisionValues<'a> {
    /// The decision, charged to `grant_year` (the year the period starts).
    pub(in crate::db::grants) fn new(d: &'a Decision, grant_year: i32) -> Self {
        DecisionValues {
            outcome: d.outcome.as_str(),
            granted_sek: d.granted_sek.kronor(),
            grant_year,
            motivation: &d.motivation,
            decided_by: &d.decided_by,
            decided_by_role: &d.decided_by_role,
            decided_by_unit_id: d.decided_by_unit.map(|u| u.to_string()),
            decided_on: d.decided_on,
        }
    }
}

/// An entry of an application's history as written.
#[derive(Insertable)]
#[diesel(table_name = gh)]
pub(in crate::db::grants) struct ApplicationRecord<'a> {
    pub id: String,
    pub application_id: String,
    pub at: NaiveDateTime,
    pub actor: &'a str,
    pub actor_role: &'a str,
    pub action: &'a str,
    pub from_status: Option<&'static str>,
    pub to_status: Option<&'static str>,
    pub note: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_columns_keep_the_shape_they_always_had() {
        let lines = vec![BudgetLine {
            description: "Leader fee".into(),
            amount_sek: Sek::new(12_000).unwrap(),
        }];
        let text = budget_lines_text(&lines);
        assert_eq!(text, r#"[{"description":"Leader fee","amount_sek":12000}]"#);
        assert_eq!(budget_lines_of(&text).unwrap(), lines);
        let answers = vec![DocumentAnswer {
            key: "plan".into(),
            reference: None,
            note: None,
            waiver_reason: Some("does not fit".into()),
        }];
        let text = answers_text(&answers);
        assert_eq!(
            text,
            r#"[{"key":"plan","reference":null,"note":null,"waiver_reason":"does not fit"}]"#
        );
        assert_eq!(answers_of(&text).unwrap(), answers);
        assert!(budget_lines_of(r#"[{"description":"x","amount_sek":-1}]"#).is_err());
        assert!(answers_of(r#"[{"key":"x","extra":1}]"#).is_err());
    }
}
