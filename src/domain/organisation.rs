//! Civil-society organisations (idéburna organisationer).

use std::fmt;

use super::district::District;

text_enum!(
    /// The organisation's legal form.
    LegalForm {
        /// Ideell förening.
        NonProfitAssociation => "non_profit_association",
        /// Ekonomisk förening (kooperativ).
        Cooperative => "cooperative",
        /// Stiftelse.
        Foundation => "foundation",
        /// Socialt företag.
        SocialEnterprise => "social_enterprise",
        /// Trossamfund.
        FaithCommunity => "faith_community",
        /// Anything else, including informal networks without registration.
        Other => "other",
    }
);

/// A Swedish organisation number (organisationsnummer), `NNNNNN-NNNN`, whose
/// last digit is a Luhn check digit. Only a valid one can exist.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrganisationNumber(String);

impl OrganisationNumber {
    /// Accepts `NNNNNN-NNNN` or the ten digits without the dash; stores the
    /// dashed form so that the same number is always written the same way.
    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let digits: Vec<u32> = match input.len() {
            11 if input.as_bytes()[6] == b'-' => input
                .chars()
                .filter(|c| *c != '-')
                .map(|c| c.to_digit(10))
                .collect::<Option<_>>()
                .ok_or("must be ten digits written NNNNNN-NNNN")?,
            10 => input
                .chars()
                .map(|c| c.to_digit(10))
                .collect::<Option<_>>()
                .ok_or("must be ten digits written NNNNNN-NNNN")?,
            _ => return Err("must be ten digits written NNNNNN-NNNN"),
        };
        if digits.len() != 10 {
            return Err("must be ten digits written NNNNNN-NNNN");
        }
        if !luhn_valid(&digits) {
            return Err("check digit does not match (Luhn)");
        }
        let text: String = digits
            .iter()
            .map(|d| char::from_digit(*d, 10).unwrap_or('0'))
            .collect();
        Ok(Self(format!("{}-{}", &text[..6], &text[6..])))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrganisationNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The Luhn (mod 10) check over all digits, the last being the check digit.
fn luhn_valid(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                *d
            }
        })
        .sum();
    sum % 10 == 0
}

/// The fields of an organisation, for deciding who may change which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganisationField {
    Name,
    OrganisationNumber,
    LegalForm,
    Districts,
    Description,
    Website,
    ContactEmail,
    ContactPhone,
    ExternalId,
    NoticeLanguage,
}

/// Who keeps a field up to date once the organisation exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKeeper {
    /// Registry facts the city keeps (organisation number, legal form, import ids).
    City,
    /// What the organisation says about itself: its own to edit, never the
    /// city's (integrity and independence).
    Organisation,
    /// Either may correct it.
    Both,
}

impl OrganisationField {
    pub fn keeper(self) -> FieldKeeper {
        match self {
            Self::OrganisationNumber | Self::LegalForm | Self::ExternalId => FieldKeeper::City,
            Self::Description | Self::Website => FieldKeeper::Organisation,
            Self::Name
            | Self::Districts
            | Self::ContactEmail
            | Self::ContactPhone
            | Self::NoticeLanguage => FieldKeeper::Both,
        }
    }

    /// Every field, in the order of the API's bodies.
    pub const ALL: [OrganisationField; 10] = [
        Self::Name,
        Self::OrganisationNumber,
        Self::LegalForm,
        Self::Districts,
        Self::Description,
        Self::Website,
        Self::ContactEmail,
        Self::ContactPhone,
        Self::ExternalId,
        Self::NoticeLanguage,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::OrganisationNumber => "organisation_number",
            Self::LegalForm => "legal_form",
            Self::Districts => "districts",
            Self::Description => "description",
            Self::Website => "website",
            Self::ContactEmail => "contact_email",
            Self::ContactPhone => "contact_phone",
            Self::ExternalId => "external_id",
            Self::NoticeLanguage => "notice_language",
        }
    }
}

/// An organisation as the domain knows it: every field already valid.
#[derive(Debug, Clone, PartialEq)]
pub struct OrganisationDetails {
    pub name: String,
    pub organisation_number: Option<OrganisationNumber>,
    pub legal_form: LegalForm,
    pub districts: Vec<District>,
    pub description: Option<String>,
    pub website: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub external_id: Option<String>,
    /// The language of its e-mail notices.
    pub notice_language: NoticeLanguage,
}

/// A change to an organisation (JSON merge patch, already validated):
/// `None` leaves a field alone, `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrganisationChange {
    pub name: Option<String>,
    pub organisation_number: Option<Option<OrganisationNumber>>,
    pub legal_form: Option<LegalForm>,
    pub districts: Option<Vec<District>>,
    pub description: Option<Option<String>>,
    pub website: Option<Option<String>>,
    pub contact_email: Option<Option<String>>,
    pub contact_phone: Option<Option<String>>,
    pub external_id: Option<Option<String>>,
    pub notice_language: Option<NoticeLanguage>,
}

impl OrganisationChange {
    /// The fields this change touches.
    pub fn fields(&self) -> Vec<OrganisationField> {
        use OrganisationField as F;
        [
            (self.name.is_some(), F::Name),
            (self.organisation_number.is_some(), F::OrganisationNumber),
            (self.legal_form.is_some(), F::LegalForm),
            (self.districts.is_some(), F::Districts),
            (self.description.is_some(), F::Description),
            (self.website.is_some(), F::Website),
            (self.contact_email.is_some(), F::ContactEmail),
            (self.contact_phone.is_some(), F::ContactPhone),
            (self.external_id.is_some(), F::ExternalId),
            (self.notice_language.is_some(), F::NoticeLanguage),
        ]
        .into_iter()
        .filter_map(|(touched, field)| touched.then_some(field))
        .collect()
    }

    /// A change that sets the `given` fields to what `details` says (an
    /// imported row: the fields its file has), and only those of them that
    /// differ from `current`: an empty change when the row says nothing new.
    pub fn to_match(
        details: OrganisationDetails,
        given: &[OrganisationField],
        current: &OrganisationDetails,
    ) -> OrganisationChange {
        use OrganisationField as F;
        let set = |field: F, differs: bool| given.contains(&field) && differs;
        let d = details;
        let c = current;
        OrganisationChange {
            name: set(F::Name, d.name != c.name).then_some(d.name),
            organisation_number: set(
                F::OrganisationNumber,
                d.organisation_number != c.organisation_number,
            )
            .then_some(d.organisation_number),
            legal_form: set(F::LegalForm, d.legal_form != c.legal_form).then_some(d.legal_form),
            districts: set(F::Districts, d.districts != c.districts).then_some(d.districts),
            description: set(F::Description, d.description != c.description)
                .then_some(d.description),
            website: set(F::Website, d.website != c.website).then_some(d.website),
            contact_email: set(F::ContactEmail, d.contact_email != c.contact_email)
                .then_some(d.contact_email),
            contact_phone: set(F::ContactPhone, d.contact_phone != c.contact_phone)
                .then_some(d.contact_phone),
            external_id: set(F::ExternalId, d.external_id != c.external_id)
                .then_some(d.external_id),
            notice_language: set(F::NoticeLanguage, d.notice_language != c.notice_language)
                .then_some(d.notice_language),
        }
    }

    /// The organisation after this change.
    pub fn apply_to(self, mut current: OrganisationDetails) -> OrganisationDetails {
        if let Some(v) = self.name {
            current.name = v;
        }
        if let Some(v) = self.organisation_number {
            current.organisation_number = v;
        }
        if let Some(v) = self.legal_form {
            current.legal_form = v;
        }
        if let Some(v) = self.districts {
            current.districts = v;
        }
        if let Some(v) = self.description {
            current.description = v;
        }
        if let Some(v) = self.website {
            current.website = v;
        }
        if let Some(v) = self.contact_email {
            current.contact_email = v;
        }
        if let Some(v) = self.contact_phone {
            current.contact_phone = v;
        }
        if let Some(v) = self.external_id {
            current.external_id = v;
        }
        if let Some(v) = self.notice_language {
            current.notice_language = v;
        }
        current
    }
}

crate::text_enum!(
    /// The language an organisation reads its e-mail notices in: Swedish
    /// unless it prefers English.
    NoticeLanguage {
        Sv => "sv",
        En => "en",
    }
);

// `text_enum!` derives no `Default`, so it is written out.
#[allow(clippy::derivable_impls)]
impl Default for NoticeLanguage {
    fn default() -> Self {
        NoticeLanguage::Sv
    }
}

/// Sorted and without repeats, so `[lundby, angered, lundby]` is stored once each.
pub fn normalise_districts(mut districts: Vec<District>) -> Vec<District> {
    districts.sort();
    districts.dedup();
    districts
}

/// The lower-cased name used for `?q=` search, so that "Räddningsmission"
/// matches "räddnings" on both databases (SQLite's LIKE folds ASCII only).
pub fn search_key(name: &str) -> String {
    name.to_lowercase()
}

/// A stored organisation.
#[derive(Debug, Clone, PartialEq)]
pub struct Organisation {
    pub id: super::ids::OrganisationId,
    pub details: OrganisationDetails,
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_imported_row_changes_only_the_given_fields_that_differ() {
        let stored = OrganisationDetails {
            name: "Reningsborg".into(),
            organisation_number: None,
            legal_form: LegalForm::SocialEnterprise,
            districts: vec![District::Centrum],
            description: Some("Second-hand".into()),
            website: None,
            contact_email: None,
            contact_phone: None,
            external_id: Some("r-1".into()),
            notice_language: NoticeLanguage::Sv,
        };
        let row = OrganisationDetails {
            name: "Reningsborg ek. för.".into(),
            description: None,
            ..stored.clone()
        };
        use OrganisationField as F;
        // The file has no description column: the stored one stays.
        let change = OrganisationChange::to_match(row.clone(), &[F::Name, F::LegalForm], &stored);
        assert_eq!(change.fields(), vec![F::Name]);
        // With the column, an empty cell clears it.
        let change = OrganisationChange::to_match(row.clone(), &F::ALL, &stored);
        assert_eq!(change.fields(), vec![F::Name, F::Description]);
        // The same row again: nothing to change.
        let same = OrganisationChange::to_match(row.clone(), &F::ALL, &change.apply_to(stored));
        assert_eq!(same, OrganisationChange::default());
    }

    #[test]
    fn organisation_numbers_with_valid_check_digit_parse() {
        for (input, stored) in [
            ("857209-0929", "857209-0929"),
            ("8572090929", "857209-0929"),
            ("556036-0793", "556036-0793"),
        ] {
            assert_eq!(
                OrganisationNumber::parse(input).unwrap().as_str(),
                stored,
                "{input}"
            );
        }
    }

    #[test]
    fn bad_organisation_numbers_are_refused_with_a_reason() {
        for (input, reason) in [
            ("857209-0928", "check digit does not match (Luhn)"),
            ("85720-90928", "must be ten digits written NNNNNN-NNNN"),
            ("857209-092", "must be ten digits written NNNNNN-NNNN"),
            ("85720a-0928", "must be ten digits written NNNNNN-NNNN"),
            ("", "must be ten digits written NNNNNN-NNNN"),
            ("857209+0928", "must be ten digits written NNNNNN-NNNN"),
        ] {
            assert_eq!(OrganisationNumber::parse(input), Err(reason), "{input}");
        }
    }

    #[test]
    fn each_field_has_one_keeper() {
        use OrganisationField as F;
        let table = [
            (F::Name, FieldKeeper::Both),
            (F::OrganisationNumber, FieldKeeper::City),
            (F::LegalForm, FieldKeeper::City),
            (F::Districts, FieldKeeper::Both),
            (F::Description, FieldKeeper::Organisation),
            (F::Website, FieldKeeper::Organisation),
            (F::ContactEmail, FieldKeeper::Both),
            (F::ContactPhone, FieldKeeper::Both),
            (F::ExternalId, FieldKeeper::City),
            (F::NoticeLanguage, FieldKeeper::Both),
        ];
        for (field, keeper) in table {
            assert_eq!(field.keeper(), keeper, "{}", field.name());
        }
    }

    #[test]
    fn a_change_touches_only_what_it_names() {
        let change = OrganisationChange {
            description: Some(None),
            districts: Some(vec![District::Lundby]),
            ..Default::default()
        };
        assert_eq!(
            change.fields(),
            vec![OrganisationField::Districts, OrganisationField::Description]
        );
    }
}
