//! Conflicts of interest (jäv): declarations are kept, never replaced; a
//! declared conflict binds the person for the organisation until an admin
//! releases it with a reason.

use chrono::{DateTime, Utc};

use crate::domain::ids::{GrantApplicationId, OrganisationId};

/// What is on record about one person's conflicts of interest with the
/// applicant organisation, read inside the decision's transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConflictRecord {
    /// A declared conflict with the organisation (on any of its
    /// applications) that an admin has not released.
    pub binding_conflict: bool,
    /// A declaration of no conflict on this application.
    pub declared_none_here: bool,
}

/// A declaration of conflict of interest, as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictDeclaration {
    pub id: uuid::Uuid,
    pub application_id: GrantApplicationId,
    pub organisation_id: OrganisationId,
    /// The person who declared (token subject).
    pub subject: String,
    pub has_conflict: bool,
    pub note: Option<String>,
    pub declared_at: DateTime<Utc>,
    pub released_at: Option<DateTime<Utc>>,
    pub released_by: Option<String>,
    pub release_reason: Option<String>,
}

/// A release asked of a declaration that binds nobody: one of no conflict,
/// or one already released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotBinding;

impl ConflictDeclaration {
    /// What `subject` declares now about the organisation of an application.
    pub fn new(
        application_id: GrantApplicationId,
        organisation_id: OrganisationId,
        subject: &str,
        has_conflict: bool,
        note: Option<String>,
        declared_at: DateTime<Utc>,
    ) -> Self {
        ConflictDeclaration {
            id: uuid::Uuid::now_v7(),
            application_id,
            organisation_id,
            subject: subject.to_owned(),
            has_conflict,
            note,
            declared_at,
            released_at: None,
            released_by: None,
            release_reason: None,
        }
    }

    /// Whether it keeps the person from deciding on the organisation.
    pub fn binds(&self) -> bool {
        self.has_conflict && self.released_at.is_none()
    }

    /// The declaration released by `by` at `at` for `reason`: only a
    /// conflict that still binds is released.
    pub fn release(
        self,
        by: &str,
        reason: String,
        at: DateTime<Utc>,
    ) -> Result<ConflictDeclaration, NotBinding> {
        if !self.binds() {
            return Err(NotBinding);
        }
        Ok(ConflictDeclaration {
            released_at: Some(at),
            released_by: Some(by.to_owned()),
            release_reason: Some(reason),
            ..self
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_binding_conflict_is_released() {
        let at = |s| DateTime::<Utc>::from_timestamp(s, 0).unwrap();
        let declared = |has_conflict| {
            ConflictDeclaration::new(
                GrantApplicationId::new(),
                OrganisationId::new(),
                "chef",
                has_conflict,
                None,
                at(0),
            )
        };
        let conflict = declared(true);
        let released = conflict
            .clone()
            .release("admin", "resigned".into(), at(5))
            .unwrap();
        let cases = [
            ("a conflict", conflict, true, true),
            ("no conflict", declared(false), false, false),
            ("a released conflict", released.clone(), false, false),
        ];
        for (case, declaration, binds, releasable) in cases {
            assert_eq!(declaration.binds(), binds, "{case}");
            assert_eq!(
                declaration.release("admin", "why".into(), at(9)).is_ok(),
                releasable,
                "{case}"
            );
        }
        assert_eq!(released.released_at, Some(at(5)));
        assert_eq!(released.released_by.as_deref(), Some("admin"));
        assert_eq!(released.release_reason.as_deref(), Some("resigned"));
        assert_eq!(released.subject, "chef");
    }
}
