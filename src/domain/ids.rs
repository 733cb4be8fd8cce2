//! One id type per resource, so an organisation id cannot be passed where a
//! city unit id is expected. All are UUID v7: they sort by creation.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

id_type!(
    /// Identifies an organisation.
    OrganisationId
);
id_type!(
    /// Identifies a city unit (a district administration, specialist administration or city company).
    CityUnitId
);
id_type!(
    /// Identifies a dialogue event.
    DialogueEventId
);
id_type!(
    /// Identifies an organisation's registration for a dialogue event.
    RegistrationId
);
id_type!(
    /// Identifies an outcome of a dialogue event.
    OutcomeId
);
id_type!(
    /// Identifies a partnership.
    PartnershipId
);
id_type!(
    /// Identifies a grant programme (a call).
    GrantProgrammeId
);
id_type!(
    /// Identifies an application round of a grant programme.
    GrantRoundId
);
id_type!(
    /// Identifies a grant application.
    GrantApplicationId
);
id_type!(
    /// Identifies a webhook subscription.
    WebhookSubscriptionId
);
id_type!(
    /// Identifies one delivery of one event to one webhook subscription.
    WebhookDeliveryId
);
