//! `/api/v1/partnerships`: IOP agreements and other collaborations between a
//! city unit and organisations, with parties, contributions, commitments,
//! follow-ups and a history the organisations can follow.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::extract::{JsonBody, OptionalJsonBody, Precondition};
use super::{all_valid, field_errors, merge_patch_field, paging, respond};
use crate::auth::{Caller, SignedIn};
use crate::db::partnerships::{
    self as store, ActionInput, Answer, Commitment, FollowUp, InKind, ListScope, Loaded,
    NewFundingLine, PartnershipFilter,
};
use crate::db::Actor;
use crate::db::DbConnection;
use crate::domain::access::{authorize, can, Action, Principal};
use crate::domain::district::District;
use crate::domain::ids::{CityUnitId, OrganisationId, PartnershipId};
use crate::domain::money::Sek;
use crate::domain::partnership::{
    check_follow_up_voice, check_invitation_answer, funding_totals, in_kind_total, is_party,
    may_add_party, may_file_follow_up, may_record_in_kind, party_shown_to, status_when_named,
    CommitmentStatus, FollowUpKind, FollowUpVoice, FundingLine, InKindKind, Initiator,
    InvitationRefusal, Partnership, PartnershipAction, PartnershipDetails, PartnershipForm,
    PartnershipStatus, Party, PartyRole, PartyStatus,
};
use crate::domain::FieldError;
use crate::error::{ApiError, Problem};
use crate::startup::AppState;

/// An organisation named in a partnership: a party (`active`), or
/// `invited` by the proposing organisation and not a party until it accepts.
/// Invitations are shown to the city, the parties and the invited
/// organisation only; others see the organisations that are (or were) parties.
#[derive(Serialize, ToSchema)]
pub struct PartyView {
    pub organisation_id: OrganisationId,
    pub role: PartyRole,
    /// When it joins (joined); for an invitation, from when it would.
    pub joined_on: NaiveDate,
    /// Set when the organisation has left; it stays in the record.
    pub left_on: Option<NaiveDate>,
    pub status: PartyStatus,
}

impl From<Party> for PartyView {
    fn from(p: Party) -> Self {
        PartyView {
            organisation_id: p.organisation_id,
            role: p.role,
            joined_on: p.joined_on,
            left_on: p.left_on,
            status: p.status,
        }
    }
}

/// The parties (and invitations) the caller is shown.
fn parties_for(principal: &Principal, p: &Partnership, parties: &[Party]) -> Vec<PartyView> {
    parties
        .iter()
        .filter(|party| party_shown_to(principal, p, parties, party))
        .cloned()
        .map(Into::into)
        .collect()
}

/// A funding line.
#[derive(Serialize, ToSchema)]
pub struct FundingLineView {
    pub id: Uuid,
    /// The city unit paying, when the source is the city.
    pub source_unit_id: Option<CityUnitId>,
    #[schema(example = "State PRIO grant")]
    pub source_name: String,
    #[schema(example = 2015)]
    pub year: i32,
    /// Whole kronor for the year, 1 to 10^12.
    #[schema(example = 300000, minimum = 1, maximum = 1000000000000_i64)]
    pub amount_sek: i64,
}

impl From<FundingLine> for FundingLineView {
    fn from(l: FundingLine) -> Self {
        FundingLineView {
            id: l.id,
            source_unit_id: l.source_unit,
            source_name: l.source_name,
            year: l.year,
            amount_sek: l.amount_sek.kronor(),
        }
    }
}

/// A sum for a year (a checked sum, never negative).
#[derive(Serialize, ToSchema)]
pub struct YearTotal {
    pub year: i32,
    #[schema(minimum = 0)]
    pub amount_sek: i64,
}

/// A sum for a source (a checked sum, never negative).
#[derive(Serialize, ToSchema)]
pub struct SourceTotal {
    pub source_name: String,
    #[schema(minimum = 0)]
    pub amount_sek: i64,
}

/// Funding lines and their totals.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "lines": [
        {"id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c3001", "source_unit_id": "0193516a-0000-7000-8000-00000000000c", "source_name": "Social resursförvaltning (activity houses)", "year": 2015, "amount_sek": 100000},
        {"id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c3002", "source_unit_id": null, "source_name": "State PRIO grant", "year": 2015, "amount_sek": 300000}
    ],
    "by_year": [{"year": 2015, "amount_sek": 400000}],
    "by_source": [{"source_name": "Social resursförvaltning (activity houses)", "amount_sek": 100000}, {"source_name": "State PRIO grant", "amount_sek": 300000}],
    "total_sek": 400000
}))]
pub struct FundingView {
    pub lines: Vec<FundingLineView>,
    pub by_year: Vec<YearTotal>,
    pub by_source: Vec<SourceTotal>,
    /// The checked sum of every line, never negative.
    #[schema(minimum = 0)]
    pub total_sek: i64,
}

impl TryFrom<Vec<FundingLine>> for FundingView {
    type Error = ApiError;
    fn try_from(lines: Vec<FundingLine>) -> Result<Self, ApiError> {
        let totals = funding_totals(&lines)?;
        Ok(FundingView {
            by_year: totals
                .by_year
                .into_iter()
                .map(|(year, amount_sek)| YearTotal { year, amount_sek })
                .collect(),
            by_source: totals
                .by_source
                .into_iter()
                .map(|(source_name, amount_sek)| SourceTotal {
                    source_name,
                    amount_sek,
                })
                .collect(),
            total_sek: totals.total_sek,
            lines: lines.into_iter().map(Into::into).collect(),
        })
    }
}

/// A contribution in kind.
#[derive(Serialize, ToSchema)]
pub struct InKindView {
    pub id: Uuid,
    /// The contributing organisation, or null when a city unit contributes.
    pub organisation_id: Option<OrganisationId>,
    pub unit_id: Option<CityUnitId>,
    pub kind: InKindKind,
    #[schema(example = "The activity house in Gunnared, two evenings a week")]
    pub description: String,
    /// Whole kronor, 0 to 10^12.
    #[schema(minimum = 0, maximum = 1000000000000_i64)]
    pub estimated_value_sek: Option<i64>,
}

impl From<InKind> for InKindView {
    fn from(c: InKind) -> Self {
        InKindView {
            id: c.id,
            organisation_id: c.organisation,
            unit_id: c.unit,
            kind: c.kind,
            description: c.description,
            estimated_value_sek: c.estimated_value_sek.map(Sek::kronor),
        }
    }
}

/// A partnership. Contact details are for the city and the parties;
/// internal notes for the city only.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c2001",
    "title": "IOP Friskvårdsklubben – Social resursförvaltning",
    "purpose": "Physical activity for people with mental illness, run by the users' own association at the activity houses.",
    "form": "iop",
    "responsible_unit_id": "0193516a-0000-7000-8000-00000000000c",
    "contact_name": "Samordnare aktivitetshus",
    "contact_email": "aktivitetshus@socialresurs.goteborg.se",
    "initiated_by": "organisation",
    "initiating_organisation_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e",
    "target_groups": ["people with mental illness"],
    "districts": ["centrum", "norra_hisingen", "vastra_goteborg", "angered"],
    "start_date": "2015-01-01",
    "end_date": "2016-12-31",
    "registry_number": "SRF 2015/0042",
    "status": "active",
    "allowed_actions": ["extend", "amend", "terminate", "conclude"],
    "parties": [{"organisation_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e", "role": "lead", "joined_on": "2015-01-01", "left_on": null, "status": "active"}],
    "funding": {"lines": [], "by_year": [{"year": 2015, "amount_sek": 400000}], "by_source": [], "total_sek": 400000},
    "external_id": null,
    "version": 6,
    "created_at": "2014-11-20T09:00:00Z",
    "updated_at": "2015-12-10T14:00:00Z"
}))]
pub struct PartnershipView {
    pub id: PartnershipId,
    pub title: String,
    /// The need and what the partnership shall achieve.
    pub purpose: String,
    pub form: PartnershipForm,
    pub responsible_unit_id: CityUnitId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
    pub initiated_by: Initiator,
    pub initiating_organisation_id: Option<OrganisationId>,
    pub target_groups: Vec<String>,
    pub districts: Vec<District>,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// Diarienummer.
    pub registry_number: Option<String>,
    pub status: PartnershipStatus,
    /// What the current state allows (who may take them is a separate rule).
    pub allowed_actions: Vec<PartnershipAction>,
    /// City only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internal_notes: Option<String>,
    /// Parties and, for those who may see them, invitations.
    pub parties: Vec<PartyView>,
    pub funding: FundingView,
    pub external_id: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A partnership with what its view shows beside it.
struct Full {
    loaded: Loaded,
    funding: FundingView,
}

fn full(conn: &mut DbConnection, loaded: Loaded) -> Result<Full, ApiError> {
    let funding = store::funding_lines(conn, loaded.partnership.id)?.try_into()?;
    Ok(Full { loaded, funding })
}

impl PartnershipView {
    fn for_caller(f: Full, principal: &Principal) -> Self {
        let Full {
            loaded: Loaded {
                partnership: p,
                parties,
            },
            funding,
        } = f;
        let city = can(principal, Action::ReadPartnershipInternals);
        let contacts = city || is_party(principal, &p, &parties);
        let parties = parties_for(principal, &p, &parties);
        let d = p.details;
        PartnershipView {
            id: p.id,
            title: d.title,
            purpose: d.purpose,
            form: d.form,
            responsible_unit_id: d.responsible_unit,
            contact_name: d.contact_name.filter(|_| contacts),
            contact_email: d.contact_email.filter(|_| contacts),
            initiated_by: d.initiated_by,
            initiating_organisation_id: d.initiating_organisation,
            target_groups: d.target_groups,
            districts: d.districts,
            start_date: d.start_date,
            end_date: d.end_date,
            registry_number: d.registry_number,
            status: p.status,
            allowed_actions: p.status.allowed_actions(),
            internal_notes: d.internal_notes.filter(|_| city),
            parties,
            funding,
            external_id: d.external_id,
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// A page of partnerships.
#[derive(Serialize, ToSchema)]
pub struct PartnershipList {
    pub items: Vec<PartnershipView>,
    pub next_cursor: Option<String>,
}

fn check_email(email: &str) -> Result<(), validator::ValidationError> {
    if validator::ValidateEmail::validate_email(&email) {
        Ok(())
    } else {
        Err(validator::ValidationError::new("email")
            .with_message("must be an email address".into()))
    }
}

fn check_target_groups(groups: &[String], errors: &mut Vec<FieldError>) {
    for (i, g) in groups.iter().enumerate() {
        if g.trim().is_empty() || g.chars().count() > 200 {
            errors.push(FieldError::new(
                format!("target_groups[{i}]"),
                "must be 1 to 200 characters",
            ));
        }
    }
}

/// A party named when a partnership is created. Named by the city, it is a
/// party; named by a partner for another organisation, it is `invited` and
/// becomes a party only when that organisation accepts.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewParty {
    pub organisation_id: OrganisationId,
    /// Default `member`.
    pub role: Option<PartyRole>,
    /// Default: the partnership's start date (or today, for a running one).
    pub joined_on: Option<NaiveDate>,
}

/// Proposes a partnership. A partner proposes for its own organisation (which
/// becomes the lead party); the city may name the initiating organisation or
/// propose itself.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "IOP Reningsborg – SDF Västra Göteborg",
    "purpose": "Jobs and work training for young people without work in Västra Göteborg.",
    "form": "iop",
    "responsible_unit_id": "0193516a-0000-7000-8000-00000000000a",
    "target_groups": ["unemployed young people 16–24"],
    "districts": ["vastra_goteborg"],
    "start_date": "2015-03-01",
    "end_date": "2016-02-28"
}))]
pub struct CreatePartnership {
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    #[validate(length(min = 1, max = 10000, message = "must be 1 to 10000 characters"))]
    #[schema(min_length = 1, max_length = 10000)]
    pub purpose: String,
    pub form: PartnershipForm,
    /// Required from partners; city staff default to their own unit.
    pub responsible_unit_id: Option<CityUnitId>,
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    #[schema(min_length = 1, max_length = 200)]
    pub contact_name: Option<String>,
    #[validate(custom(function = "check_email"))]
    pub contact_email: Option<String>,
    /// The organisation that took the initiative; a partner's own by default.
    pub initiating_organisation_id: Option<OrganisationId>,
    #[serde(default)]
    pub parties: Vec<NewParty>,
    #[serde(default)]
    pub target_groups: Vec<String>,
    #[serde(default)]
    pub districts: Vec<District>,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// City only.
    #[validate(length(min = 1, max = 100, message = "must be 1 to 100 characters"))]
    #[schema(min_length = 1, max_length = 100)]
    pub registry_number: Option<String>,
    /// City only.
    #[validate(length(max = 10000, message = "must be at most 10000 characters"))]
    #[schema(max_length = 10000)]
    pub internal_notes: Option<String>,
    /// City only.
    #[validate(length(min = 1, max = 100, message = "must be 1 to 100 characters"))]
    #[schema(min_length = 1, max_length = 100)]
    pub external_id: Option<String>,
}

fn sorted_districts(mut districts: Vec<District>) -> Vec<District> {
    districts.sort();
    districts.dedup();
    districts
}

impl CreatePartnership {
    /// The details and first parties, and the action the caller must be allowed.
    fn into_parts(
        self,
        principal: &Principal,
    ) -> Result<(PartnershipDetails, Vec<Party>, Action), ApiError> {
        let mut errors = self.validate().err().map(field_errors).unwrap_or_default();
        check_target_groups(&self.target_groups, &mut errors);
        let (initiating, needed) = match principal {
            Principal::Partner { organisation, .. } => {
                if self.registry_number.is_some()
                    || self.internal_notes.is_some()
                    || self.external_id.is_some()
                {
                    return Err(ApiError::Forbidden {
                        code: "forbidden",
                        detail:
                            "registry_number, internal_notes and external_id are kept by the city"
                                .into(),
                    });
                }
                let initiating = self.initiating_organisation_id.unwrap_or(*organisation);
                (Some(initiating), Action::ProposePartnership(initiating))
            }
            _ => {
                let unit = self.responsible_unit_id.or(principal.unit());
                match unit {
                    Some(unit) => (
                        self.initiating_organisation_id,
                        Action::ManagePartnership(unit),
                    ),
                    None => {
                        errors.push(FieldError::new("responsible_unit_id", "is required"));
                        return Err(all_valid::<()>(errors, ()).unwrap_err());
                    }
                }
            }
        };
        let responsible_unit = match self.responsible_unit_id.or(principal.unit()) {
            Some(unit) => unit,
            None => {
                errors.push(FieldError::new(
                    "responsible_unit_id",
                    "name the city unit the proposal is for",
                ));
                CityUnitId(Uuid::nil())
            }
        };
        let mut parties: Vec<Party> = Vec::new();
        if let Some(org) = initiating {
            parties.push(Party {
                organisation_id: org,
                role: PartyRole::Lead,
                joined_on: self.start_date,
                left_on: None,
                status: status_when_named(principal, org),
            });
        }
        for (i, p) in self.parties.iter().enumerate() {
            if parties
                .iter()
                .any(|q| q.organisation_id == p.organisation_id)
            {
                if Some(p.organisation_id) != initiating {
                    errors.push(FieldError::new(
                        format!("parties[{i}].organisation_id"),
                        "is named twice",
                    ));
                }
                continue;
            }
            parties.push(Party {
                organisation_id: p.organisation_id,
                role: p.role.unwrap_or(PartyRole::Member),
                joined_on: p.joined_on.unwrap_or(self.start_date),
                left_on: None,
                status: status_when_named(principal, p.organisation_id),
            });
        }
        if parties.is_empty() {
            errors.push(FieldError::new(
                "parties",
                "a partnership has at least one organisation",
            ));
        }
        let details = PartnershipDetails {
            title: self.title.trim().to_owned(),
            purpose: self.purpose,
            form: self.form,
            responsible_unit,
            contact_name: self.contact_name,
            contact_email: self.contact_email,
            initiated_by: if initiating.is_some() {
                Initiator::Organisation
            } else {
                Initiator::City
            },
            initiating_organisation: initiating,
            target_groups: self.target_groups,
            districts: sorted_districts(self.districts),
            start_date: self.start_date,
            end_date: self.end_date,
            registry_number: self.registry_number,
            internal_notes: self.internal_notes,
            external_id: self.external_id,
        };
        errors.extend(details.check());
        all_valid(errors, (details, parties, needed))
    }
}

/// A JSON merge patch of a partnership's description. The city changes any
/// of these while the partnership is open; the proposing organisation
/// changes title, purpose, target groups, districts and period while it is a
/// proposal. After activation the period changes only through `extend`.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"purpose": "Jobs and work training for 20 young people a year.", "internal_notes": "Follow up the budget in October."}))]
pub struct UpdatePartnership {
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    #[schema(min_length = 1, max_length = 300)]
    pub title: Option<String>,
    #[validate(length(min = 1, max = 10000, message = "must be 1 to 10000 characters"))]
    #[schema(min_length = 1, max_length = 10000)]
    pub purpose: Option<String>,
    pub form: Option<PartnershipForm>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub contact_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    #[schema(value_type = Option<String>)]
    #[validate(custom(function = "check_email"))]
    pub contact_email: Option<Option<String>>,
    pub target_groups: Option<Vec<String>>,
    pub districts: Option<Vec<District>>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 100)]
    #[validate(length(min = 1, max = 100, message = "must be 1 to 100 characters"))]
    pub registry_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    #[schema(value_type = Option<String>, max_length = 10000)]
    #[validate(length(max = 10000, message = "must be at most 10000 characters"))]
    pub internal_notes: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 100)]
    #[validate(length(min = 1, max = 100, message = "must be 1 to 100 characters"))]
    pub external_id: Option<Option<String>>,
}

impl UpdatePartnership {
    /// Whether only fields the proposing organisation may change are touched.
    fn organisation_may_send(&self) -> bool {
        self.form.is_none()
            && self.contact_name.is_none()
            && self.contact_email.is_none()
            && self.registry_number.is_none()
            && self.internal_notes.is_none()
            && self.external_id.is_none()
    }

    fn touches_period(&self) -> bool {
        self.start_date.is_some() || self.end_date.is_some()
    }

    fn apply(self, mut d: PartnershipDetails) -> Result<PartnershipDetails, ApiError> {
        let mut errors = self.validate().err().map(field_errors).unwrap_or_default();
        if let Some(v) = self.title {
            d.title = v.trim().to_owned();
        }
        if let Some(v) = self.purpose {
            d.purpose = v;
        }
        if let Some(v) = self.form {
            d.form = v;
        }
        if let Some(v) = self.contact_name {
            d.contact_name = v;
        }
        if let Some(v) = self.contact_email {
            d.contact_email = v;
        }
        if let Some(v) = self.target_groups {
            check_target_groups(&v, &mut errors);
            d.target_groups = v;
        }
        if let Some(v) = self.districts {
            d.districts = sorted_districts(v);
        }
        if let Some(v) = self.start_date {
            d.start_date = v;
        }
        if let Some(v) = self.end_date {
            d.end_date = v;
        }
        if let Some(v) = self.registry_number {
            d.registry_number = v;
        }
        if let Some(v) = self.internal_notes {
            d.internal_notes = v;
        }
        if let Some(v) = self.external_id {
            d.external_id = v;
        }
        if errors.is_empty() {
            errors.extend(d.check());
        }
        all_valid(errors, d)
    }
}

/// Filters and paging of the partnership list (oldest first).
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PartnershipQuery {
    pub status: Option<PartnershipStatus>,
    pub form: Option<PartnershipForm>,
    /// Partnerships this organisation is (or was) party to.
    pub organisation_id: Option<OrganisationId>,
    /// The responsible city unit.
    pub city_unit_id: Option<CityUnitId>,
    pub district: Option<District>,
    /// Running on this date (within the period).
    #[param(example = "2016-06-01")]
    pub active_on: Option<NaiveDate>,
    /// Ending before this date: agreements about to run out.
    #[param(example = "2027-01-01")]
    pub ends_before: Option<NaiveDate>,
    pub updated_since: Option<DateTime<Utc>>,
    /// Text the title contains (case-insensitive).
    pub q: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

fn scope(principal: &Principal) -> ListScope {
    match principal {
        Principal::Partner { organisation, .. } => ListScope::PublicAnd(Some(*organisation)),
        p if p.is_city() => ListScope::Everything,
        _ => ListScope::PublicAnd(None),
    }
}

/// Refuses a caller who may not manage the partnership (after hiding it from
/// those who may not see it).
fn manage(principal: &Principal) -> impl Fn(&Loaded) -> Result<(), ApiError> + '_ {
    move |l| {
        visible(principal, l)?;
        Ok(authorize(
            principal,
            Action::ManagePartnership(l.partnership.details.responsible_unit),
        )?)
    }
}

fn visible(principal: &Principal, l: &Loaded) -> Result<(), ApiError> {
    if crate::domain::partnership::visible_to(principal, &l.partnership, &l.parties) {
        Ok(())
    } else {
        Err(ApiError::NotFound)
    }
}

/// List partnerships
///
/// Anyone sees agreed, active, concluded and terminated partnerships; the
/// city sees all; an organisation also sees the proposals it is party to or
/// invited to.
#[utoipa::path(
    tag = "partnerships",
    security((), ("bearer" = [])),
    params(PartnershipQuery),
    responses(
        (status = 200, description = "A page of partnerships", body = PartnershipList),
        (status = 400, description = "Unknown query parameter or bad value", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "A token was sent and is invalid", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/partnerships")]
pub async fn list_partnerships(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<PartnershipQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let (limit, cursor) = paging(q.limit, q.cursor.as_deref(), "created_at")?;
    let filter = PartnershipFilter {
        status: q.status,
        form: q.form,
        organisation: q.organisation_id,
        unit: q.city_unit_id,
        district: q.district,
        active_on: q.active_on,
        ends_before: q.ends_before,
        updated_since: q.updated_since,
        q: q.q.filter(|t| !t.trim().is_empty()),
    };
    let list_scope = scope(&caller.0);
    let (page, extras) = state
        .db(move |conn| {
            let page = store::list(conn, &filter, list_scope, limit, cursor.as_ref())?;
            // One statement per table for the whole page.
            let ids: Vec<PartnershipId> = page.items.iter().map(|p| p.id).collect();
            let mut parties = store::parties_of(conn, &ids)?;
            let mut funding = store::funding_lines_of(conn, &ids)?;
            let extras = page
                .items
                .iter()
                .map(|p| {
                    Ok((
                        parties.remove(&p.id).unwrap_or_default(),
                        FundingView::try_from(funding.remove(&p.id).unwrap_or_default())?,
                    ))
                })
                .collect::<Result<Vec<_>, ApiError>>()?;
            Ok((page, extras))
        })
        .await?;
    let mut extras = extras.into_iter();
    Ok(respond::page(&req, page, |partnership| {
        let (parties, funding) = extras.next().unwrap_or_else(|| {
            (
                Vec::new(),
                FundingView {
                    lines: Vec::new(),
                    by_year: Vec::new(),
                    by_source: Vec::new(),
                    total_sek: 0,
                },
            )
        });
        PartnershipView::for_caller(
            Full {
                loaded: Loaded {
                    partnership,
                    parties,
                },
                funding,
            },
            &caller.0,
        )
    }))
}

/// Read a partnership
///
/// Public ones for anyone; others for the city, the parties and the
/// organisations invited to them. An invited organisation sees the
/// partnership as an invitation: what the public sees of an agreed one (no
/// contact details, no internal notes, no history), with the parties and
/// its own invitation; it takes no action but `accept` or `decline`.
/// Invitations are shown only to the city, the parties and the invitee.
#[utoipa::path(
    tag = "partnerships",
    security((), ("bearer" = [])),
    params(("id" = PartnershipId, Path, description = "The partnership's id")),
    responses(
        (status = 200, description = "The partnership with parties and funding totals", body = PartnershipView, headers(("ETag" = String, description = "The version"))),
        (status = 401, description = "A token was sent and is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/partnerships/{id}")]
pub async fn get_partnership(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<PartnershipId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let principal = caller.0.clone();
    let f = state
        .db(move |conn| {
            let loaded = store::load_visible(conn, id, &principal)?;
            full(conn, loaded)
        })
        .await?;
    let version = f.loaded.partnership.version;
    Ok(respond::ok(
        version,
        &PartnershipView::for_caller(f, &caller.0),
    ))
}

/// Propose a partnership
///
/// A partner proposes for its own organisation (the initiative should come
/// from the organisation); other organisations it names in `parties` are
/// `invited` and become parties only when they accept. City staff register
/// one for their unit, naming the initiating organisation when there is one;
/// the organisations the city names are parties. It starts as a `proposal`.
#[utoipa::path(
    tag = "partnerships",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = "^[!-~]{1,255}$", description = "Makes a retry return the first response (kept 24 h)")),
    request_body(content = CreatePartnership, content_type = "application/json"),
    responses(
        (status = 201, description = "Proposed", body = PartnershipView, headers(("Location" = String, description = "The partnership's URL"), ("ETag" = String, description = "The version"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A partner proposing for another organisation or setting city fields; staff of another unit", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Duplicate registry number or external id; or the Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (all listed)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/partnerships")]
pub async fn create_partnership(
    state: web::Data<AppState>,
    caller: SignedIn,
    body: JsonBody<CreatePartnership>,
) -> Result<HttpResponse, ApiError> {
    let (details, parties, needed) = body.0.into_parts(&caller.0)?;
    authorize(&caller.0, needed)?;
    let actor = Actor::from(&caller.0);
    let f = state
        .db(move |conn| {
            let loaded = store::insert(conn, details, parties, &actor)?;
            full(conn, loaded)
        })
        .await?;
    let (id, version) = (f.loaded.partnership.id, f.loaded.partnership.version);
    Ok(respond::created(
        format!("/api/v1/partnerships/{id}"),
        version,
        &PartnershipView::for_caller(f, &caller.0),
    ))
}

/// Change a partnership
#[utoipa::path(
    tag = "partnerships",
    security(("bearer" = [])),
    params(
        ("id" = PartnershipId, Path, description = "The partnership's id"),
        ("If-Match" = Option<String>, Header, pattern = r#"^(\*|(W/)?"[!#-+.-~-]*"(, ?(W/)?"[!#-+.-~-]*")*)$"#, description = "The ETag last read; a stale one is refused with 412"),
    ),
    request_body(content = UpdatePartnership, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Changed", body = PartnershipView, headers(("ETag" = String, description = "The new version"))),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller may not change these fields now", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The partnership is closed; or a duplicate registry number or external id", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/partnerships/{id}")]
pub async fn update_partnership(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<PartnershipId>,
    precondition: Precondition,
    body: JsonBody<UpdatePartnership>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let patch = body.0;
    let principal = caller.0.clone();
    let actor = Actor::from(&caller.0);
    let f = state
        .db(move |conn| {
            let organisation_fields_only = patch.organisation_may_send();
            let touches_period = patch.touches_period();
            let authorize_patch = |l: &Loaded| {
                visible(&principal, l)?;
                let p = &l.partnership;
                if can(&principal, Action::ManagePartnership(p.details.responsible_unit)) {
                    if touches_period && p.status == PartnershipStatus::Active {
                        return Err(ApiError::Conflict {
                            code: "use_extend",
                            detail: "the period of an active partnership changes through `extend` or `amend`".into(),
                        });
                    }
                    return Ok(());
                }
                let proposer = p.details.initiating_organisation.is_some_and(|o| principal.is_member_of(o));
                if proposer && p.status == PartnershipStatus::Proposal && organisation_fields_only {
                    return Ok(());
                }
                Err(ApiError::Forbidden {
                    code: "forbidden",
                    detail: "the responsible unit changes partnerships; the proposing organisation changes its proposal's description".into(),
                })
            };
            let loaded = store::update(conn, id, precondition.0, &actor, authorize_patch, |d, _| patch.apply(d))?;
            full(conn, loaded)
        })
        .await?;
    let version = f.loaded.partnership.version;
    Ok(respond::ok(
        version,
        &PartnershipView::for_caller(f, &caller.0),
    ))
}

/// What an amendment changes.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct Amendment {
    pub title: Option<String>,
    pub purpose: Option<String>,
    pub target_groups: Option<Vec<String>>,
    pub districts: Option<Vec<District>>,
    pub end_date: Option<NaiveDate>,
}

/// What an action carries. `extend` needs `new_end_date` and `reason`;
/// `terminate` and `amend` need `reason` (and `amend` its `changes`); the
/// others take an optional reason or no body at all.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"new_end_date": "2016-12-31", "reason": "Extended through 2016 by decision of Social resursnämnden"}))]
pub struct PartnershipActionRequest {
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: Option<String>,
    pub new_end_date: Option<NaiveDate>,
    pub changes: Option<Amendment>,
}

impl PartnershipActionRequest {
    fn check(&self, action: PartnershipAction) -> Result<(), ApiError> {
        let mut errors = Vec::new();
        let needs_reason = matches!(
            action,
            PartnershipAction::Extend | PartnershipAction::Terminate | PartnershipAction::Amend
        );
        match &self.reason {
            Some(r) if r.trim().is_empty() || r.chars().count() > 2000 => {
                errors.push(FieldError::new("reason", "must be 1 to 2000 characters"))
            }
            None if needs_reason => errors.push(FieldError::new(
                "reason",
                format!("`{action}` needs a reason"),
            )),
            _ => {}
        }
        if action == PartnershipAction::Extend && self.new_end_date.is_none() {
            errors.push(FieldError::new("new_end_date", "is required to extend"));
        }
        if action != PartnershipAction::Extend && self.new_end_date.is_some() {
            errors.push(FieldError::new(
                "new_end_date",
                "only `extend` takes a new end date",
            ));
        }
        if action == PartnershipAction::Amend && self.changes.is_none() {
            errors.push(FieldError::new("changes", "is required to amend"));
        }
        if action != PartnershipAction::Amend && self.changes.is_some() {
            errors.push(FieldError::new("changes", "only `amend` takes changes"));
        }
        all_valid(errors, ())
    }
}

/// Move a partnership through its life
///
/// `start_dialogue` (proposal → in_dialogue), `agree` (→ agreed), `activate`
/// (→ active), `extend` (new end date; the history keeps each period),
/// `amend`, `terminate` (early, with a reason) and `conclude` (from active),
/// `withdraw` and `decline` (before agreement). Staff of the responsible unit
/// and admins take every action; the proposing organisation may withdraw its
/// proposal. Staff of other units read but do not act. An action not allowed
/// from the current state answers 409 with `current_state` and `allowed_actions`.
#[utoipa::path(
    tag = "partnerships",
    security(("bearer" = [])),
    params(
        ("id" = PartnershipId, Path, description = "The partnership's id"),
        ("action" = PartnershipAction, Path, description = "The action"),
        ("If-Match" = Option<String>, Header, pattern = r#"^(\*|(W/)?"[!#-+.-~-]*"(, ?(W/)?"[!#-+.-~-]*")*)$"#, description = "The ETag last read; a stale one is refused with 412"),
    ),
    request_body(content = Option<PartnershipActionRequest>, content_type = "application/json"),
    responses(
        (status = 200, description = "Done", body = PartnershipView, headers(("ETag" = String, description = "The new version"))),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller may not take this action", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership or action, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in the current state (current_state, allowed_actions)", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing reason or new end date, or invalid changes", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/partnerships/{id}/{action}")]
pub async fn act_on_partnership(
    state: web::Data<AppState>,
    caller: SignedIn,
    path: web::Path<(PartnershipId, String)>,
    precondition: Precondition,
    body: OptionalJsonBody<PartnershipActionRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, action) = path.into_inner();
    let action: PartnershipAction = action.parse().map_err(|_| ApiError::NotFound)?;
    let request = body.0.unwrap_or_default();
    request.check(action)?;
    let principal = caller.0.clone();
    let actor = Actor::from(&caller.0);
    let input = ActionInput {
        precondition: precondition.0,
        reason: request.reason,
        new_end_date: request.new_end_date,
    };
    let changes = request.changes.unwrap_or_default();
    let f = state
        .db(move |conn| {
            let authorize_action = |l: &Loaded| {
                visible(&principal, l)?;
                let unit = l.partnership.details.responsible_unit;
                let needed = match action {
                    PartnershipAction::Withdraw => Action::WithdrawPartnership(
                        unit,
                        l.partnership.details.initiating_organisation,
                    ),
                    _ => Action::ManagePartnership(unit),
                };
                Ok(authorize(&principal, needed)?)
            };
            let amend = |d: PartnershipDetails| {
                let patch = UpdatePartnership {
                    title: changes.title,
                    purpose: changes.purpose,
                    form: None,
                    contact_name: None,
                    contact_email: None,
                    target_groups: changes.target_groups,
                    districts: changes.districts,
                    start_date: None,
                    end_date: changes.end_date,
                    registry_number: None,
                    internal_notes: None,
                    external_id: None,
                };
                patch.apply(d)
            };
            let loaded = store::act(conn, id, &actor, action, authorize_action, amend, input)?;
            full(conn, loaded)
        })
        .await?;
    let version = f.loaded.partnership.version;
    Ok(respond::ok(
        version,
        &PartnershipView::for_caller(f, &caller.0),
    ))
}

/// The parties of a partnership.
#[derive(Serialize, ToSchema)]
pub struct PartyList {
    pub items: Vec<PartyView>,
    pub next_cursor: Option<String>,
}

/// Adds an organisation to a partnership.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"organisation_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e", "role": "member", "joined_on": "2015-09-01"}))]
pub struct AddParty {
    pub organisation_id: OrganisationId,
    /// Default `member`.
    pub role: Option<PartyRole>,
    /// Default today.
    pub joined_on: Option<NaiveDate>,
}

/// List the parties
#[utoipa::path(
    tag = "partnerships",
    security((), ("bearer" = [])),
    params(super::SubListQuery, ("id" = PartnershipId, Path, description = "The partnership's id")),
    responses(
        (status = 400, description = "An unknown query parameter, or a bad limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 200, description = "Parties, past ones with `left_on`; invitations (`status: invited`) for the city, the parties and the invited organisation", body = PartyList),
        (status = 401, description = "A token was sent and is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/partnerships/{id}/parties")]
pub async fn list_parties(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<PartnershipId>,
    req: actix_web::HttpRequest,
    query: web::Query<super::SubListQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let principal = caller.0.clone();
    let loaded = state
        .db(move |conn| store::load_visible(conn, id, &principal))
        .await?;
    super::sub_list(
        &req,
        &query,
        parties_for(&caller.0, &loaded.partnership, &loaded.parties),
    )
}

/// Add a party
///
/// Organisations join running partnerships too (the IOP on unaccompanied
/// minors grew from 7 to 9). Staff of the responsible unit and admins add
/// parties while the partnership is open. The proposing organisation invites
/// organisations to its own proposal (while it is a `proposal`): they are
/// `invited` until they accept.
#[utoipa::path(
    tag = "partnerships",
    security(("bearer" = [])),
    params(("id" = PartnershipId, Path, description = "The partnership's id")),
    request_body(content = AddParty, content_type = "application/json"),
    responses(
        (status = 201, description = "Every party after the change", body = PartyList),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of the responsible unit, nor an admin, nor the proposing organisation of a proposal", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already a party (`already_party`) or invited (`already_invited`); the partnership is closed; or the Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No such organisation", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/partnerships/{id}/parties")]
pub async fn add_party(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<PartnershipId>,
    body: JsonBody<AddParty>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let req = body.0;
    let principal = caller.0.clone();
    let party = Party {
        organisation_id: req.organisation_id,
        role: req.role.unwrap_or(PartyRole::Member),
        joined_on: req
            .joined_on
            .unwrap_or_else(|| crate::domain::now().date_naive()),
        left_on: None,
        status: status_when_named(&caller.0, req.organisation_id),
    };
    let actor = Actor::from(&caller.0);
    let (partnership, parties) = state
        .db(move |conn| {
            let authorize_add = |l: &Loaded| {
                visible(&principal, l)?;
                Ok(may_add_party(&principal, &l.partnership)?)
            };
            let parties = store::add_party(conn, id, &actor, authorize_add, party)?;
            Ok((store::find(conn, id)?.ok_or(ApiError::NotFound)?, parties))
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/partnerships/{id}/parties"),
        ))
        .json(PartyList {
            items: parties_for(&caller.0, &partnership, &parties),
            next_cursor: None,
        }))
}

/// An answer to an invitation; the reason is optional and kept in the history.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "We have no capacity this year"}))]
pub struct InvitationAnswer {
    pub reason: Option<String>,
}

fn answer(
    state: web::Data<AppState>,
    principal: Principal,
    id: PartnershipId,
    organisation: OrganisationId,
    answer: Answer,
    body: Option<InvitationAnswer>,
) -> impl std::future::Future<Output = Result<(Partnership, Vec<Party>), ApiError>> {
    let reason = body.unwrap_or_default().reason;
    async move {
        if reason
            .as_deref()
            .is_some_and(|r| r.trim().is_empty() || r.chars().count() > 2000)
        {
            return Err(ApiError::invalid("reason", "must be 1 to 2000 characters"));
        }
        let actor = Actor::from(&principal);
        state
            .db(move |conn| {
                let authorize_answer = |l: &Loaded| {
                    check_invitation_answer(&principal, &l.partnership, &l.parties, organisation)
                        .map_err(|refusal| match refusal {
                            InvitationRefusal::NotFound => ApiError::NotFound,
                            InvitationRefusal::Refused(r) => r.into(),
                            InvitationRefusal::NotInvited => ApiError::Conflict {
                                code: "not_invited",
                                detail: "the organisation is already a party; there is no invitation to answer".into(),
                            },
                        })
                };
                let parties = store::answer_invitation(
                    conn,
                    id,
                    organisation,
                    answer,
                    reason.as_deref(),
                    &actor,
                    authorize_answer,
                )?;
                Ok((store::find(conn, id)?.ok_or(ApiError::NotFound)?, parties))
            })
            .await
    }
}

/// Accept an invitation to be a party
///
/// An organisation named by another organisation's proposal is `invited`,
/// not a party: it reads the partnership (without contact details or
/// history) and accepts or declines here. Accepting makes it a party, in the
/// history. Only a member of the invited organisation answers; city roles
/// are refused (403), another organisation's partner learns nothing (404).
#[utoipa::path(
    tag = "partnerships",
    security(("bearer" = [])),
    params(
        ("id" = PartnershipId, Path, description = "The partnership's id"),
        ("organisation_id" = OrganisationId, Path, description = "The invited organisation (the caller's own)"),
    ),
    request_body(content = Option<InvitationAnswer>, content_type = "application/json"),
    responses(
        (status = 200, description = "A party now; every party after the change", body = PartyList),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A city role: only the invited organisation answers", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership or invitation, or not the caller's organisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already a party (`not_invited`); or the partnership is closed", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid reason", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/partnerships/{id}/parties/{organisation_id}/accept")]
pub async fn accept_partnership_invitation(
    state: web::Data<AppState>,
    caller: SignedIn,
    path: web::Path<(PartnershipId, OrganisationId)>,
    body: OptionalJsonBody<InvitationAnswer>,
) -> Result<HttpResponse, ApiError> {
    let (id, organisation) = path.into_inner();
    let (partnership, parties) = answer(
        state,
        caller.0.clone(),
        id,
        organisation,
        Answer::Accept,
        body.0,
    )
    .await?;
    Ok(HttpResponse::Ok().json(PartyList {
        items: parties_for(&caller.0, &partnership, &parties),
        next_cursor: None,
    }))
}

/// Decline an invitation to be a party
///
/// The invitation is removed (the history keeps the answer, with an optional
/// reason); the organisation no longer sees the proposal unless it is public.
/// Who may answer: as for `accept`.
#[utoipa::path(
    tag = "partnerships",
    security(("bearer" = [])),
    params(
        ("id" = PartnershipId, Path, description = "The partnership's id"),
        ("organisation_id" = OrganisationId, Path, description = "The invited organisation (the caller's own)"),
    ),
    request_body(content = Option<InvitationAnswer>, content_type = "application/json"),
    responses(
        (status = 204, description = "Declined"),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A city role: only the invited organisation answers", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership or invitation, or not the caller's organisation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already a party (`not_invited`); or the partnership is closed", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid reason", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/partnerships/{id}/parties/{organisation_id}/decline")]
pub async fn decline_partnership_invitation(
    state: web::Data<AppState>,
    caller: SignedIn,
    path: web::Path<(PartnershipId, OrganisationId)>,
    body: OptionalJsonBody<InvitationAnswer>,
) -> Result<HttpResponse, ApiError> {
    let (id, organisation) = path.into_inner();
    answer(state, caller.0, id, organisation, Answer::Decline, body.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// When a party leaves.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LeaveQuery {
    /// Default today.
    pub left_on: Option<NaiveDate>,
}

/// Remove a party
///
/// Records that the organisation left (it stays in the record with its
/// dates). A partnership keeps at least one organisation.
#[utoipa::path(
    tag = "partnerships",
    security(("bearer" = [])),
    params(
        ("id" = PartnershipId, Path, description = "The partnership's id"),
        ("organisation_id" = OrganisationId, Path, description = "The organisation leaving"),
        LeaveQuery,
    ),
    responses(
        (status = 204, description = "Left"),
        (status = 400, description = "Bad query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of the responsible unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership or current party", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The last party, or the partnership is closed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/partnerships/{id}/parties/{organisation_id}")]
pub async fn remove_party(
    state: web::Data<AppState>,
    caller: SignedIn,
    path: web::Path<(PartnershipId, OrganisationId)>,
    query: web::Query<LeaveQuery>,
) -> Result<HttpResponse, ApiError> {
    let (id, organisation) = path.into_inner();
    let left_on = query
        .left_on
        .unwrap_or_else(|| crate::domain::now().date_naive());
    let actor = Actor::from(&caller.0);
    state
        .db(move |conn| {
            store::remove_party(conn, id, organisation, left_on, &actor, manage(&caller.0))
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Everything the parties contribute.
#[derive(Serialize, ToSchema)]
pub struct ContributionsView {
    pub funding: FundingView,
    pub in_kind: Vec<InKindView>,
    /// The estimated value of in-kind contributions, where estimated (a
    /// checked sum, never negative).
    #[schema(minimum = 0)]
    pub in_kind_estimated_sek: i64,
}

/// Money for the partnership.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"source_name": "State PRIO grant", "year": 2015, "amount_sek": 300000}))]
pub struct CreateFundingLine {
    /// A city unit paying (its name becomes the source name unless one is given).
    pub source_unit_id: Option<CityUnitId>,
    /// An external source, such as a state grant.
    #[schema(min_length = 1, max_length = 200)]
    pub source_name: Option<String>,
    #[schema(minimum = 1900, maximum = 2200)]
    pub year: i32,
    /// Whole kronor for the year, 1 to 10^12 (a line of zero funds nothing).
    #[schema(minimum = 1, maximum = 1000000000000_i64)]
    pub amount_sek: i64,
}

/// A contribution in kind.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"organisation_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e", "kind": "volunteer_hours", "description": "Members lead the weekly walks", "estimated_value_sek": 40000}))]
pub struct CreateInKind {
    /// The contributing organisation (a party)...
    pub organisation_id: Option<OrganisationId>,
    /// ...or the contributing city unit.
    pub unit_id: Option<CityUnitId>,
    pub kind: InKindKind,
    #[schema(min_length = 1, max_length = 2000)]
    pub description: String,
    /// Whole kronor, 0 to 10^12 (zero: given, of no money value); leave out
    /// when not estimated.
    #[schema(minimum = 0, maximum = 1000000000000_i64)]
    pub estimated_value_sek: Option<i64>,
}

/// Read the contributions
///
/// Funding lines with totals per year and source, and in-kind contributions.
#[utoipa::path(
    tag = "partnerships",
    security((), ("bearer" = [])),
    params(("id" = PartnershipId, Path, description = "The partnership's id")),
    responses(
        (status = 200, description = "Contributions", body = ContributionsView),
        (status = 401, description = "A token was sent and is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/partnerships/{id}/contributions")]
pub async fn get_contributions(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<PartnershipId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (funding, in_kind) = state
        .db(move |conn| {
            store::load_visible(conn, id, &caller.0)?;
            Ok((store::funding_lines(conn, id)?, store::in_kind(conn, id)?))
        })
        .await?;
    let in_kind_estimated_sek = in_kind_total(in_kind.iter().map(|c| c.estimated_value_sek))?;
    Ok(HttpResponse::Ok().json(ContributionsView {
        funding: funding.try_into()?,
        in_kind: in_kind.into_iter().map(Into::into).collect(),
        in_kind_estimated_sek,
    }))
}

/// Add a funding line
///
/// Staff of the responsible unit and admins.
#[utoipa::path(
    tag = "partnerships",
    security(("bearer" = [])),
    params(("id" = PartnershipId, Path, description = "The partnership's id")),
    request_body(content = CreateFundingLine, content_type = "application/json"),
    responses(
        (status = 201, description = "Added", body = FundingLineView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of the responsible unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The partnership is closed; or the Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/partnerships/{id}/funding-lines")]
pub async fn add_funding_line(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<PartnershipId>,
    body: JsonBody<CreateFundingLine>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let req = body.0;
    let mut errors = Vec::new();
    if !(1900..=2200).contains(&req.year) {
        errors.push(FieldError::new("year", "must be a year such as 2015"));
    }
    let amount_sek = Sek::positive(req.amount_sek)
        .map_err(|why| errors.push(FieldError::new("amount_sek", why)))
        .unwrap_or(Sek::ZERO);
    if req
        .source_name
        .as_deref()
        .is_some_and(|n| n.trim().is_empty() || n.chars().count() > 200)
    {
        errors.push(FieldError::new(
            "source_name",
            "must be 1 to 200 characters",
        ));
    }
    if req.source_unit_id.is_none() && req.source_name.is_none() {
        errors.push(FieldError::new(
            "source_name",
            "name the source, or give source_unit_id",
        ));
    }
    let new = all_valid(
        errors,
        NewFundingLine {
            source_unit: req.source_unit_id,
            source_name: req.source_name,
            year: req.year,
            amount_sek,
        },
    )?;
    let actor = Actor::from(&caller.0);
    let line = state
        .db(move |conn| store::add_funding_line(conn, id, &actor, manage(&caller.0), new))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/partnerships/{id}/contributions"),
        ))
        .json(FundingLineView::from(line)))
}

/// Add a contribution in kind
///
/// Premises, staff time, volunteer hours, networks — from either side. Staff
/// of the responsible unit and admins record any; a party records its own.
#[utoipa::path(
    tag = "partnerships",
    security(("bearer" = [])),
    params(("id" = PartnershipId, Path, description = "The partnership's id")),
    request_body(content = CreateInKind, content_type = "application/json"),
    responses(
        (status = 201, description = "Added", body = InKindView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither the responsible unit nor the contributing party", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The partnership is closed; or the Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/partnerships/{id}/in-kind-contributions")]
pub async fn add_in_kind(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<PartnershipId>,
    body: JsonBody<CreateInKind>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let req = body.0;
    let mut errors = Vec::new();
    if req.organisation_id.is_some() == req.unit_id.is_some() {
        errors.push(FieldError::new(
            "organisation_id",
            "give either organisation_id or unit_id",
        ));
    }
    if req.description.trim().is_empty() || req.description.chars().count() > 2000 {
        errors.push(FieldError::new(
            "description",
            "must be 1 to 2000 characters",
        ));
    }
    let estimated_value_sek = req.estimated_value_sek.map(|v| {
        Sek::new(v)
            .map_err(|why| errors.push(FieldError::new("estimated_value_sek", why)))
            .unwrap_or(Sek::ZERO)
    });
    let contribution = all_valid(
        errors,
        InKind {
            id: Uuid::now_v7(),
            organisation: req.organisation_id,
            unit: req.unit_id,
            kind: req.kind,
            description: req.description,
            estimated_value_sek,
        },
    )?;
    let principal = caller.0.clone();
    let actor = Actor::from(&caller.0);
    let own = contribution.organisation;
    let added = state
        .db(move |conn| {
            store::add_in_kind(
                conn,
                id,
                &actor,
                |l| {
                    visible(&principal, l)?;
                    Ok(may_record_in_kind(
                        &principal,
                        &l.partnership,
                        &l.parties,
                        own,
                    )?)
                },
                contribution,
            )
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/partnerships/{id}/contributions"),
        ))
        .json(InKindView::from(added)))
}

/// A commitment: what a party does.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c4001", "owner_organisation_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e", "owner_unit_id": null, "description": "One activity per week per term at the Hisingen activity house", "due_on": null, "recurrence": "weekly during terms", "status": "ongoing", "version": 2}))]
pub struct CommitmentView {
    pub id: Uuid,
    pub owner_organisation_id: Option<OrganisationId>,
    pub owner_unit_id: Option<CityUnitId>,
    pub description: String,
    pub due_on: Option<NaiveDate>,
    pub recurrence: Option<String>,
    pub status: CommitmentStatus,
    pub version: i64,
}

impl From<Commitment> for CommitmentView {
    fn from(c: Commitment) -> Self {
        CommitmentView {
            id: c.id,
            owner_organisation_id: c.organisation,
            owner_unit_id: c.unit,
            description: c.description,
            due_on: c.due_on,
            recurrence: c.recurrence,
            status: c.status,
            version: c.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CommitmentList {
    pub items: Vec<CommitmentView>,
    pub next_cursor: Option<String>,
}

/// A new commitment.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"owner_organisation_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e", "description": "Two activities a week at the Väster activity house", "recurrence": "weekly during terms"}))]
pub struct CreateCommitment {
    pub owner_organisation_id: Option<OrganisationId>,
    pub owner_unit_id: Option<CityUnitId>,
    #[schema(min_length = 1, max_length = 2000)]
    pub description: String,
    pub due_on: Option<NaiveDate>,
    #[schema(min_length = 1, max_length = 200)]
    pub recurrence: Option<String>,
    /// Default `planned`.
    pub status: Option<CommitmentStatus>,
}

/// A commitment's new status.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "met"}))]
pub struct UpdateCommitment {
    pub status: CommitmentStatus,
}

/// List commitments
#[utoipa::path(
    tag = "partnerships",
    security((), ("bearer" = [])),
    params(super::SubListQuery, ("id" = PartnershipId, Path, description = "The partnership's id")),
    responses(
        (status = 400, description = "An unknown query parameter, or a bad limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 200, description = "Commitments", body = CommitmentList),
        (status = 401, description = "A token was sent and is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/partnerships/{id}/commitments")]
pub async fn list_commitments(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<PartnershipId>,
    req: actix_web::HttpRequest,
    query: web::Query<super::SubListQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = state
        .db(move |conn| {
            store::load_visible(conn, id, &caller.0)?;
            store::commitments(conn, id)
        })
        .await?;
    super::sub_list(
        &req,
        &query,
        items.into_iter().map(CommitmentView::from).collect(),
    )
}

/// Add a commitment
///
/// Staff of the responsible unit and admins.
#[utoipa::path(
    tag = "partnerships",
    security(("bearer" = [])),
    params(("id" = PartnershipId, Path, description = "The partnership's id")),
    request_body(content = CreateCommitment, content_type = "application/json"),
    responses(
        (status = 201, description = "Added", body = CommitmentView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff of the responsible unit, nor an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The partnership is closed; or the Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/partnerships/{id}/commitments")]
pub async fn add_commitment(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<PartnershipId>,
    body: JsonBody<CreateCommitment>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let req = body.0;
    let mut errors = Vec::new();
    if req.owner_organisation_id.is_some() == req.owner_unit_id.is_some() {
        errors.push(FieldError::new(
            "owner_organisation_id",
            "give either owner_organisation_id or owner_unit_id",
        ));
    }
    if req.description.trim().is_empty() || req.description.chars().count() > 2000 {
        errors.push(FieldError::new(
            "description",
            "must be 1 to 2000 characters",
        ));
    }
    if req
        .recurrence
        .as_deref()
        .is_some_and(|r| r.trim().is_empty() || r.chars().count() > 200)
    {
        errors.push(FieldError::new("recurrence", "must be 1 to 200 characters"));
    }
    let commitment = all_valid(
        errors,
        Commitment {
            id: Uuid::now_v7(),
            organisation: req.owner_organisation_id,
            unit: req.owner_unit_id,
            description: req.description,
            due_on: req.due_on,
            recurrence: req.recurrence,
            status: req.status.unwrap_or(CommitmentStatus::Planned),
            version: 1,
        },
    )?;
    let added = state
        .db(move |conn| store::add_commitment(conn, id, manage(&caller.0), commitment))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/partnerships/{id}/commitments"),
        ))
        .json(CommitmentView::from(added)))
}

/// Report on a commitment
///
/// Sets its status. The responsible unit, or the organisation that owns the commitment.
#[utoipa::path(
    tag = "partnerships",
    security(("bearer" = [])),
    params(
        ("id" = PartnershipId, Path, description = "The partnership's id"),
        ("commitment_id" = Uuid, Path, description = "The commitment's id"),
        ("If-Match" = Option<String>, Header, pattern = r#"^(\*|(W/)?"[!#-+.-~-]*"(, ?(W/)?"[!#-+.-~-]*")*)$"#, description = "The commitment's version last read; a stale one is refused with 412"),
    ),
    request_body(content = UpdateCommitment, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "Changed", body = CommitmentView),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither the responsible unit nor the owning organisation", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership or commitment", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match is stale", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid status", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/partnerships/{id}/commitments/{commitment_id}")]
pub async fn update_commitment(
    state: web::Data<AppState>,
    caller: SignedIn,
    path: web::Path<(PartnershipId, Uuid)>,
    precondition: Precondition,
    body: JsonBody<UpdateCommitment>,
) -> Result<HttpResponse, ApiError> {
    let (id, commitment_id) = path.into_inner();
    let principal = caller.0;
    let status = body.0.status;
    let updated = state
        .db(move |conn| {
            store::set_commitment_status(
                conn,
                id,
                commitment_id,
                precondition.0,
                |l, c| {
                    visible(&principal, l)?;
                    if c.organisation.is_some_and(|o| principal.is_member_of(o)) {
                        return Ok(());
                    }
                    Ok(authorize(
                        &principal,
                        Action::ManagePartnership(l.partnership.details.responsible_unit),
                    )?)
                },
                status,
            )
        })
        .await?;
    Ok(respond::ok(updated.version, &CommitmentView::from(updated)))
}

/// A follow-up: a meeting, a report or an evaluation, with the action plan's
/// indicators (perceived reception, effects).
#[derive(Serialize, ToSchema)]
pub struct FollowUpView {
    pub id: Uuid,
    pub held_on: NaiveDate,
    pub kind: FollowUpKind,
    pub summary: String,
    /// Who took part. It may name people, so only the city and the parties
    /// see it; others get null.
    pub participants: Option<String>,
    /// How the organisation perceived the city's reception, 1 (poor) to 5 (very good).
    pub perceived_reception: Option<i32>,
    pub effects: Option<String>,
    /// The organisation that filed it; null when the city did.
    pub filed_by_organisation_id: Option<OrganisationId>,
    pub created_at: DateTime<Utc>,
}

impl From<FollowUp> for FollowUpView {
    fn from(f: FollowUp) -> Self {
        FollowUpView {
            id: f.id,
            held_on: f.held_on,
            kind: f.kind,
            summary: f.summary,
            participants: f.participants,
            perceived_reception: f.perceived_reception,
            effects: f.effects,
            filed_by_organisation_id: f.filed_by_organisation,
            created_at: f.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct FollowUpList {
    pub items: Vec<FollowUpView>,
    pub next_cursor: Option<String>,
}

/// Files a follow-up.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"held_on": "2015-12-10", "kind": "report", "summary": "Activities ran every week at five activity houses.", "perceived_reception": 4, "effects": "More members take part in physical activity; two new groups formed."}))]
pub struct CreateFollowUp {
    pub held_on: NaiveDate,
    pub kind: FollowUpKind,
    #[schema(min_length = 1, max_length = 20000)]
    pub summary: String,
    pub participants: Option<String>,
    /// The organisation's own rating of how it was received ("bemötande"),
    /// 1 (poor) to 5 (very good): only a member of the organisation sets it
    /// (for the city it is a 422).
    #[schema(minimum = 1, maximum = 5)]
    pub perceived_reception: Option<i32>,
    /// The effects the organisation saw: its own, like the rating.
    pub effects: Option<String>,
    /// The organisation a partner files for (its own; required from
    /// partners; the city files as the city and does not send it).
    pub organisation_id: Option<OrganisationId>,
}

/// List follow-ups
#[utoipa::path(
    tag = "partnerships",
    security((), ("bearer" = [])),
    params(super::SubListQuery, ("id" = PartnershipId, Path, description = "The partnership's id")),
    responses(
        (status = 400, description = "An unknown query parameter, or a bad limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 200, description = "Follow-ups", body = FollowUpList),
        (status = 401, description = "A token was sent and is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/partnerships/{id}/follow-ups")]
pub async fn list_follow_ups(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<PartnershipId>,
    req: actix_web::HttpRequest,
    query: web::Query<super::SubListQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let principal = caller.0.clone();
    let (insider, items) = state
        .db(move |conn| {
            let loaded = store::load_visible(conn, id, &principal)?;
            let insider =
                principal.is_city() || is_party(&principal, &loaded.partnership, &loaded.parties);
            Ok((insider, store::follow_ups(conn, id)?))
        })
        .await?;
    super::sub_list(
        &req,
        &query,
        items
            .into_iter()
            .map(|f| {
                let mut view = FollowUpView::from(f);
                // Who took part may name people: for the city and the parties only.
                if !insider {
                    view.participants = None;
                }
                view
            })
            .collect(),
    )
}

/// File a follow-up
///
/// The responsible unit files any kind; an organisation party to the
/// partnership files its own reports (`kind: report`). The perceived
/// reception and the effects are the organisation's own rating: only its
/// members record them; the city sending them (or `organisation_id`) is a 422.
#[utoipa::path(
    tag = "partnerships",
    security(("bearer" = [])),
    params(("id" = PartnershipId, Path, description = "The partnership's id")),
    request_body(content = CreateFollowUp, content_type = "application/json"),
    responses(
        (status = 201, description = "Filed", body = FollowUpView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither the responsible unit nor a party filing its own report", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The Idempotency-Key is in progress", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/partnerships/{id}/follow-ups")]
pub async fn add_follow_up(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<PartnershipId>,
    body: JsonBody<CreateFollowUp>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let req = body.0;
    let mut errors = check_follow_up_voice(
        &caller.0,
        FollowUpVoice {
            organisation: req.organisation_id,
            perceived_reception: req.perceived_reception.is_some(),
            effects: req.effects.is_some(),
        },
    );
    if req.summary.trim().is_empty() || req.summary.chars().count() > 20000 {
        errors.push(FieldError::new("summary", "must be 1 to 20000 characters"));
    }
    if req
        .perceived_reception
        .is_some_and(|r| !(1..=5).contains(&r))
    {
        errors.push(FieldError::new(
            "perceived_reception",
            "must be 1 (poor) to 5 (very good)",
        ));
    }
    let follow_up = FollowUp {
        id: Uuid::now_v7(),
        held_on: req.held_on,
        kind: req.kind,
        summary: req.summary,
        participants: req.participants,
        perceived_reception: req.perceived_reception,
        effects: req.effects,
        filed_by_organisation: req.organisation_id,
        created_at: crate::domain::now(),
    };
    let principal = caller.0.clone();
    let actor = Actor::from(&caller.0);
    let added = state
        .db(move |conn| {
            store::add_follow_up(
                conn,
                id,
                &actor,
                // Who may file comes first (403), then every invalid field (422).
                |l| {
                    visible(&principal, l)?;
                    may_file_follow_up(
                        &principal,
                        &l.partnership,
                        &l.parties,
                        follow_up.kind,
                        follow_up.filed_by_organisation,
                    )?;
                    all_valid(errors, ())
                },
                follow_up.clone(),
            )
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/partnerships/{id}/follow-ups"),
        ))
        .json(FollowUpView::from(added)))
}

/// One change in a partnership's history.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"at": "2015-12-10T14:00:00Z", "actor": "samordnare@socialresurs.goteborg.se", "actor_role": "city_staff", "change": "period", "from_status": "active", "to_status": "active", "detail": "extended: period 2015-01-01 to 2015-12-31 became 2015-01-01 to 2016-12-31", "reason": "Extended through 2016"}))]
pub struct HistoryView {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub actor_role: String,
    /// `created`, `status`, `period`, `amendment`, `party` or `funding`.
    pub change: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub detail: String,
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct HistoryList {
    pub items: Vec<HistoryView>,
    pub next_cursor: Option<String>,
}

/// Read the history
///
/// Every change of status, party, period and funding: who, when, what and
/// why. For the city and the organisations party to the partnership.
#[utoipa::path(
    tag = "partnerships",
    security(("bearer" = [])),
    params(super::SubListQuery, ("id" = PartnershipId, Path, description = "The partnership's id")),
    responses(
        (status = 400, description = "An unknown query parameter, or a bad limit or cursor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 200, description = "The history, oldest first", body = HistoryList),
        (status = 401, description = "No token, or an invalid one", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the city nor a party", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such partnership, or one the caller may not see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/partnerships/{id}/history")]
pub async fn get_history(
    state: web::Data<AppState>,
    caller: SignedIn,
    id: web::Path<PartnershipId>,
    req: actix_web::HttpRequest,
    query: web::Query<super::SubListQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let items = state
        .db(move |conn| {
            let loaded = store::load_visible(conn, id, &caller.0)?;
            if !(caller.0.is_city() || is_party(&caller.0, &loaded.partnership, &loaded.parties)) {
                return Err(ApiError::Forbidden {
                    code: "forbidden",
                    detail: "the history is for the city and the parties".into(),
                });
            }
            store::history(conn, id)
        })
        .await?;
    super::sub_list(
        &req,
        &query,
        items
            .into_iter()
            .map(|h| HistoryView {
                at: h.at,
                actor: h.actor,
                actor_role: h.actor_role,
                change: h.change,
                from_status: h.from_status,
                to_status: h.to_status,
                detail: h.detail,
                reason: h.reason,
            })
            .collect(),
    )
}

/// Whether the caller may see a partnership (for links from other resources).
pub fn partnership_visible(
    conn: &mut DbConnection,
    id: PartnershipId,
    principal: &Principal,
) -> Result<bool, ApiError> {
    match store::load_visible(conn, id, principal) {
        Ok(_) => Ok(true),
        Err(ApiError::NotFound) => Ok(false),
        Err(e) => Err(e),
    }
}
