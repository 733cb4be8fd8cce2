//! What callers send about partnerships, and the checks that turn it into
//! what the store takes.

use super::*;
use crate::api::checks::Findings;
use crate::domain::access::CityKeptField;
use crate::domain::partnership::check_period;

pub(super) fn check_email(email: &str) -> Result<(), validator::ValidationError> {
    if validator::ValidateEmail::validate_email(&email) {
        Ok(())
    } else {
        Err(validator::ValidationError::new("email")
            .with_message("must be an email address".into()))
    }
}

/// A target group as the spec states it: 1 to 200 characters, not only
/// white space ([`check_target_groups`] is the rule).
pub struct TargetGroup;

impl utoipa::PartialSchema for TargetGroup {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .min_length(Some(1))
            .max_length(Some(200))
            .pattern(Some(r"^[^\u0000-\u001F\u007F-\u009F]*[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\u0000-\u001F\u007F-\u009F]*$"))
            .examples([serde_json::json!("unemployed young people 16–24")])
            .into()
    }
}

impl utoipa::ToSchema for TargetGroup {}

/// Each target group, named by its place in the list.
fn check_target_groups(groups: &[String], found: &mut Findings) {
    for (i, g) in groups.iter().enumerate() {
        if g.trim().is_empty() || g.chars().count() > 200 {
            found.field(
                format!("target_groups[{i}]"),
                "must be 1 to 200 characters, not only spaces",
            );
        }
    }
}

fn patch_target_groups(p: &UpdatePartnership) -> Result<(), validator::ValidationError> {
    let mut found = Findings::new();
    check_target_groups(p.target_groups.as_deref().unwrap_or_default(), &mut found);
    found.done()
}

fn amended_target_groups(a: &Amendment) -> Result<(), validator::ValidationError> {
    let mut found = Findings::new();
    check_target_groups(a.target_groups.as_deref().unwrap_or_default(), &mut found);
    found.done()
}

/// A party named when a partnership is created. Named by the city, it is a
/// party; named by a partner for another organisation, it is `invited` and
/// becomes a party only when that organisation accepts.
#[derive(Serialize, Deserialize, ToSchema)]
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
#[validate(schema(function = "proposal_rules", skip_on_field_errors = false))]
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
    #[validate(
        length(max = 254, message = "must be at most 254 characters"),
        custom(function = "check_email")
    )]
    #[schema(format = Email, max_length = 254)]
    pub contact_email: Option<String>,
    /// The organisation that took the initiative; a partner's own by default.
    pub initiating_organisation_id: Option<OrganisationId>,
    #[serde(default)]
    #[validate(length(max = 100, message = "must be at most 100 organisations"))]
    #[schema(max_items = 100)]
    pub parties: Vec<NewParty>,
    #[serde(default)]
    #[validate(length(max = 20, message = "must be at most 20 target groups"))]
    #[schema(value_type = Vec<TargetGroup>, max_items = 20)]
    pub target_groups: Vec<String>,
    #[serde(default)]
    #[validate(length(max = 10, message = "must be at most 10 districts"))]
    #[schema(max_items = 10)]
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

fn proposal_rules(p: &CreatePartnership) -> Result<(), validator::ValidationError> {
    let mut found = Findings::new();
    check_target_groups(&p.target_groups, &mut found);
    found.rules(check_period(p.start_date, p.end_date));
    found.done()
}

impl CreatePartnership {
    /// The fields the city keeps that the request sets.
    fn city_kept_fields(&self) -> Vec<CityKeptField> {
        [
            (
                self.registry_number.is_some(),
                CityKeptField::RegistryNumber,
            ),
            (self.internal_notes.is_some(), CityKeptField::InternalNotes),
            (self.external_id.is_some(), CityKeptField::ExternalId),
        ]
        .into_iter()
        .filter_map(|(sent, field)| sent.then_some(field))
        .collect()
    }
}

pub(super) fn sorted_districts(mut districts: Vec<District>) -> Vec<District> {
    districts.sort();
    districts.dedup();
    districts
}

impl CreatePartnership {
    /// The details and first parties, and the action the caller must be
    /// allowed (the body's own checks ran in the extractor; what depends on
    /// the caller is checked here).
    pub(super) fn into_parts(
        self,
        principal: &Principal,
    ) -> Result<(PartnershipDetails, Vec<Party>, Action), ApiError> {
        let mut errors = Vec::new();
        for field in self.city_kept_fields() {
            authorize(principal, Action::SetCityKeptField(field))?;
        }
        let (initiating, needed) = match principal {
            Principal::Partner { organisation, .. } => {
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
                        errors.push(FieldError::new(
                            "responsible_unit_id",
                            "is required: your token names no city unit to default to",
                        ));
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
#[validate(schema(function = "patch_target_groups", skip_on_field_errors = false))]
pub struct UpdatePartnership {
    #[serde(default, deserialize_with = "crate::api::extract::required_in_patch")]
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    #[schema(nullable = false, min_length = 1, max_length = 300)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "crate::api::extract::required_in_patch")]
    #[validate(length(min = 1, max = 10000, message = "must be 1 to 10000 characters"))]
    #[schema(nullable = false, min_length = 1, max_length = 10000)]
    pub purpose: Option<String>,
    #[serde(default, deserialize_with = "crate::api::extract::required_in_patch")]
    #[schema(nullable = false)]
    pub form: Option<PartnershipForm>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub contact_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "merge_patch_field")]
    #[schema(value_type = Option<String>, format = Email, max_length = 254)]
    #[validate(
        length(max = 254, message = "must be at most 254 characters"),
        custom(function = "check_email")
    )]
    pub contact_email: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::api::extract::required_in_patch")]
    #[validate(length(max = 20, message = "must be at most 20 target groups"))]
    #[schema(nullable = false, value_type = Option<Vec<TargetGroup>>, max_items = 20)]
    pub target_groups: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::api::extract::required_in_patch")]
    #[validate(length(max = 10, message = "must be at most 10 districts"))]
    #[schema(nullable = false, max_items = 10)]
    pub districts: Option<Vec<District>>,
    #[serde(default, deserialize_with = "crate::api::extract::required_in_patch")]
    #[schema(nullable = false)]
    pub start_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::api::extract::required_in_patch")]
    #[schema(nullable = false)]
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
    pub(super) fn organisation_may_send(&self) -> bool {
        self.form.is_none()
            && self.contact_name.is_none()
            && self.contact_email.is_none()
            && self.registry_number.is_none()
            && self.internal_notes.is_none()
            && self.external_id.is_none()
    }

    pub(super) fn touches_period(&self) -> bool {
        self.start_date.is_some() || self.end_date.is_some()
    }

    /// The patch applied, and the partnership checked as a whole (the
    /// body's own checks ran in the extractor).
    pub(super) fn apply(
        self,
        mut d: PartnershipDetails,
    ) -> Result<PartnershipDetails, Vec<FieldError>> {
        if let Some(v) = self.title {
            d.title = v.trim().to_owned();
        }
        set(&mut d.purpose, self.purpose);
        set(&mut d.form, self.form);
        set(&mut d.contact_name, self.contact_name);
        set(&mut d.contact_email, self.contact_email);
        set(&mut d.target_groups, self.target_groups);
        if let Some(v) = self.districts {
            d.districts = sorted_districts(v);
        }
        set(&mut d.start_date, self.start_date);
        set(&mut d.end_date, self.end_date);
        set(&mut d.registry_number, self.registry_number);
        set(&mut d.internal_notes, self.internal_notes);
        set(&mut d.external_id, self.external_id);
        fields_valid(d.check(), d)
    }
}

/// Filters and paging of the partnership list (oldest first).
#[derive(Deserialize, IntoParams, Validate)]
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
    #[validate(length(max = 200, message = "must be at most 200 characters"))]
    #[param(max_length = 200)]
    pub q: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    #[validate(length(max = 2048, message = "must be at most 2048 characters"))]
    #[param(max_length = 2048)]
    pub cursor: Option<String>,
}

/// What an amendment changes, with the limits of a change of the partnership.
#[derive(Deserialize, ToSchema, Default, Validate)]
#[serde(deny_unknown_fields)]
#[validate(schema(function = "amended_target_groups", skip_on_field_errors = false))]
pub struct Amendment {
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    #[schema(min_length = 1, max_length = 300)]
    pub title: Option<String>,
    #[validate(length(min = 1, max = 10000, message = "must be 1 to 10000 characters"))]
    #[schema(min_length = 1, max_length = 10000)]
    pub purpose: Option<String>,
    #[validate(length(max = 20, message = "must be at most 20 target groups"))]
    #[schema(value_type = Option<Vec<TargetGroup>>, max_items = 20)]
    pub target_groups: Option<Vec<String>>,
    #[validate(length(max = 10, message = "must be at most 10 districts"))]
    #[schema(max_items = 10)]
    pub districts: Option<Vec<District>>,
    pub end_date: Option<NaiveDate>,
}

impl Amendment {
    /// The amendment as a merge patch of the partnership: only what an
    /// amendment may change.
    pub(super) fn into_patch(self) -> UpdatePartnership {
        UpdatePartnership {
            title: self.title,
            purpose: self.purpose,
            form: None,
            contact_name: None,
            contact_email: None,
            target_groups: self.target_groups,
            districts: self.districts,
            start_date: None,
            end_date: self.end_date,
            registry_number: None,
            internal_notes: None,
            external_id: None,
        }
    }
}

/// What an action carries. `extend` needs `new_end_date` and `reason`;
/// `terminate` and `amend` need `reason` (and `amend` its `changes`); the
/// others take an optional reason or no body at all.
#[derive(Deserialize, ToSchema, Default, validator::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"new_end_date": "2016-12-31", "reason": "Extended through 2016 by decision of Social resursnämnden"}))]
pub struct PartnershipActionRequest {
    #[validate(
        length(min = 1, max = 2000, message = "must be 1 to 2000 characters"),
        custom(
            function = "crate::api::checks::not_blank",
            message = "must be 1 to 2000 characters"
        )
    )]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: Option<String>,
    pub new_end_date: Option<NaiveDate>,
    #[validate(nested)]
    pub changes: Option<Amendment>,
}

impl PartnershipActionRequest {
    /// What `action` carries, checked (one 422 naming every bad field),
    /// and the amendment it makes (empty unless `amend`).
    pub(super) fn into_input(
        self,
        action: PartnershipAction,
        precondition: Option<IfMatch>,
    ) -> Result<(ActionInput, UpdatePartnership), ApiError> {
        self.check(action)?;
        let input = ActionInput {
            precondition,
            reason: self.reason,
            new_end_date: self.new_end_date,
        };
        Ok((input, self.changes.unwrap_or_default().into_patch()))
    }

    pub(super) fn check(&self, action: PartnershipAction) -> Result<(), ApiError> {
        let mut errors = Vec::new();
        let needs_reason = matches!(
            action,
            PartnershipAction::Extend | PartnershipAction::Terminate | PartnershipAction::Amend
        );
        if needs_reason && self.reason.is_none() {
            errors.push(FieldError::new(
                "reason",
                format!("`{action}` needs a reason"),
            ));
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

/// Adds an organisation to a partnership.
#[derive(Deserialize, ToSchema, validator::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"organisation_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e", "role": "member", "joined_on": "2015-09-01"}))]
pub struct AddParty {
    pub organisation_id: OrganisationId,
    /// Default `member`.
    pub role: Option<PartyRole>,
    /// Default today.
    pub joined_on: Option<NaiveDate>,
}

/// An answer to an invitation; the reason is optional and kept in the history.
#[derive(Deserialize, ToSchema, Default, validator::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "We have no capacity this year"}))]
pub struct InvitationAnswer {
    /// 1 to 2000 characters, not blank.
    #[validate(
        length(min = 1, max = 2000, message = "must be 1 to 2000 characters"),
        custom(
            function = "crate::api::checks::not_blank",
            message = "must be 1 to 2000 characters"
        )
    )]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: Option<String>,
}

/// When a party leaves.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LeaveQuery {
    /// Default today.
    pub left_on: Option<NaiveDate>,
}

/// Money for the partnership.
#[derive(Deserialize, ToSchema, validator::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"source_name": "State PRIO grant", "year": 2015, "amount_sek": 300000}))]
#[validate(schema(function = "funding_rules", skip_on_field_errors = false))]
pub struct CreateFundingLine {
    /// A city unit paying (its name becomes the source name unless one is
    /// given). Give `source_unit_id`, `source_name` or both (neither is a 422).
    pub source_unit_id: Option<CityUnitId>,
    /// An external source, such as a state grant. Give `source_unit_id`,
    /// `source_name` or both (neither is a 422).
    #[validate(
        length(min = 1, max = 200, message = "must be 1 to 200 characters"),
        custom(
            function = "crate::api::checks::not_blank",
            message = "must be 1 to 200 characters"
        )
    )]
    #[schema(min_length = 1, max_length = 200)]
    pub source_name: Option<String>,
    #[validate(range(min = 1900, max = 2200, message = "must be a year such as 2015"))]
    #[schema(minimum = 1900, maximum = 2200)]
    pub year: i32,
    /// Whole kronor for the year, 1 to 10^12 (a line of zero funds nothing).
    #[validate(custom(function = "crate::api::checks::positive_sek"))]
    #[schema(minimum = 1, maximum = 1000000000000_i64)]
    pub amount_sek: i64,
}

fn funding_rules(f: &CreateFundingLine) -> Result<(), validator::ValidationError> {
    let mut found = Findings::new();
    if f.source_unit_id.is_none() && f.source_name.is_none() {
        found.rule("source_name", "name the source, or give source_unit_id");
    }
    found.done()
}

impl CreateFundingLine {
    /// The new record (the body's checks ran in the extractor).
    pub(super) fn into_new_line(self) -> Result<NewFundingLine, ApiError> {
        Ok(NewFundingLine {
            source_unit: self.source_unit_id,
            source_name: self.source_name,
            year: self.year,
            amount_sek: Sek::positive(self.amount_sek)
                .map_err(|why| ApiError::invalid("amount_sek", why))?,
        })
    }
}

/// A contribution in kind.
#[derive(Deserialize, ToSchema, validator::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"organisation_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e", "kind": "volunteer_hours", "description": "Members lead the weekly walks", "estimated_value_sek": 40000}))]
#[validate(schema(function = "in_kind_rules", skip_on_field_errors = false))]
pub struct CreateInKind {
    /// The contributing organisation (a party). Give exactly one of
    /// `organisation_id` and `unit_id` (both or neither is a 422).
    pub organisation_id: Option<OrganisationId>,
    /// The contributing city unit. Give exactly one of `organisation_id` and
    /// `unit_id` (both or neither is a 422).
    pub unit_id: Option<CityUnitId>,
    pub kind: InKindKind,
    #[validate(
        length(min = 1, max = 2000, message = "must be 1 to 2000 characters"),
        custom(
            function = "crate::api::checks::not_blank",
            message = "must be 1 to 2000 characters"
        )
    )]
    #[schema(min_length = 1, max_length = 2000)]
    pub description: String,
    /// Whole kronor, 0 to 10^12 (zero: given, of no money value); leave out
    /// when not estimated.
    #[validate(custom(function = "crate::api::checks::sek"))]
    #[schema(minimum = 0, maximum = 1000000000000_i64)]
    pub estimated_value_sek: Option<i64>,
}

fn in_kind_rules(c: &CreateInKind) -> Result<(), validator::ValidationError> {
    let mut found = Findings::new();
    if c.organisation_id.is_some() == c.unit_id.is_some() {
        found.rule("organisation_id", "give either organisation_id or unit_id");
    }
    found.done()
}

impl CreateInKind {
    /// The new record (the body's checks ran in the extractor).
    pub(super) fn into_contribution(self) -> Result<InKind, ApiError> {
        let estimated_value_sek = self
            .estimated_value_sek
            .map(Sek::new)
            .transpose()
            .map_err(|why| ApiError::invalid("estimated_value_sek", why))?;
        Ok(InKind {
            id: Uuid::now_v7(),
            organisation: self.organisation_id,
            unit: self.unit_id,
            kind: self.kind,
            description: self.description,
            estimated_value_sek,
        })
    }
}

/// A new commitment.
#[derive(Deserialize, ToSchema, validator::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"owner_organisation_id": "0193516a-6b4f-7cc0-9d1e-3f2a8b1c0d4e", "description": "Two activities a week at the Väster activity house", "recurrence": "weekly during terms"}))]
#[validate(schema(function = "commitment_rules", skip_on_field_errors = false))]
pub struct CreateCommitment {
    /// The organisation that owns the commitment. Give exactly one of
    /// `owner_organisation_id` and `owner_unit_id` (both or neither is a 422).
    pub owner_organisation_id: Option<OrganisationId>,
    /// The city unit that owns the commitment. Give exactly one of
    /// `owner_organisation_id` and `owner_unit_id` (both or neither is a 422).
    pub owner_unit_id: Option<CityUnitId>,
    #[validate(
        length(min = 1, max = 2000, message = "must be 1 to 2000 characters"),
        custom(
            function = "crate::api::checks::not_blank",
            message = "must be 1 to 2000 characters"
        )
    )]
    #[schema(min_length = 1, max_length = 2000)]
    pub description: String,
    pub due_on: Option<NaiveDate>,
    #[validate(
        length(min = 1, max = 200, message = "must be 1 to 200 characters"),
        custom(
            function = "crate::api::checks::not_blank",
            message = "must be 1 to 200 characters"
        )
    )]
    #[schema(min_length = 1, max_length = 200)]
    pub recurrence: Option<String>,
    /// Default `planned`.
    pub status: Option<CommitmentStatus>,
}

fn commitment_rules(c: &CreateCommitment) -> Result<(), validator::ValidationError> {
    let mut found = Findings::new();
    if c.owner_organisation_id.is_some() == c.owner_unit_id.is_some() {
        found.rule(
            "owner_organisation_id",
            "give either owner_organisation_id or owner_unit_id",
        );
    }
    found.done()
}

impl CreateCommitment {
    /// The new record (the body's checks ran in the extractor).
    pub(super) fn into_commitment(self) -> Commitment {
        Commitment {
            id: Uuid::now_v7(),
            organisation: self.owner_organisation_id,
            unit: self.owner_unit_id,
            description: self.description,
            due_on: self.due_on,
            recurrence: self.recurrence,
            status: self.status.unwrap_or(CommitmentStatus::Planned),
            version: 1,
        }
    }
}

/// A commitment's new status.
#[derive(Deserialize, ToSchema, validator::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "met"}))]
pub struct UpdateCommitment {
    pub status: CommitmentStatus,
}

/// Files a follow-up.
#[derive(Deserialize, ToSchema, validator::Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"held_on": "2015-12-10", "kind": "report", "summary": "Activities ran every week at five activity houses.", "perceived_reception": 4, "effects": "More members take part in physical activity; two new groups formed."}))]
pub struct CreateFollowUp {
    pub held_on: NaiveDate,
    pub kind: FollowUpKind,
    #[validate(
        length(min = 1, max = 20000, message = "must be 1 to 20000 characters"),
        custom(
            function = "crate::api::checks::not_blank",
            message = "must be 1 to 20000 characters"
        )
    )]
    #[schema(min_length = 1, max_length = 20000)]
    pub summary: String,
    #[validate(length(max = 2000, message = "must be at most 2000 characters"))]
    #[schema(max_length = 2000)]
    pub participants: Option<String>,
    /// The organisation's own rating of how it was received ("bemötande"),
    /// 1 (poor) to 5 (very good): only a member of the organisation sets it
    /// (for the city it is a 422).
    #[validate(range(min = 1, max = 5, message = "must be 1 (poor) to 5 (very good)"))]
    #[schema(minimum = 1, maximum = 5)]
    pub perceived_reception: Option<i32>,
    /// The effects the organisation saw: its own, like the rating.
    #[validate(length(max = 10000, message = "must be at most 10000 characters"))]
    #[schema(max_length = 10000)]
    pub effects: Option<String>,
    /// The organisation a partner files for (its own; required from
    /// partners; the city files as the city and does not send it).
    pub organisation_id: Option<OrganisationId>,
}

impl CreateFollowUp {
    /// The follow-up, and every field the caller may not send. Those are
    /// refused only after the caller's right to file (403 before 422), so
    /// the errors are handed back rather than raised here.
    pub(super) fn into_follow_up(self, principal: &Principal) -> (FollowUp, Vec<FieldError>) {
        let errors = check_follow_up_voice(
            principal,
            FollowUpVoice {
                organisation: self.organisation_id,
                perceived_reception: self.perceived_reception.is_some(),
                effects: self.effects.is_some(),
            },
        );
        let follow_up = FollowUp {
            id: Uuid::now_v7(),
            held_on: self.held_on,
            kind: self.kind,
            summary: self.summary,
            participants: self.participants,
            perceived_reception: self.perceived_reception,
            effects: self.effects,
            filed_by_organisation: self.organisation_id,
            created_at: crate::domain::now(),
        };
        (follow_up, errors)
    }
}
