//! City units: district administrations, specialist administrations and
//! city-owned companies. Staff work for one unit.

use super::district::District;

text_enum!(
    /// What kind of city unit this is.
    CityUnitKind {
        /// Stadsdelsförvaltning: serves one district.
        DistrictAdministration => "district_administration",
        /// Fackförvaltning, e.g. Social resursförvaltning.
        SpecialistAdministration => "specialist_administration",
        /// A city-owned company.
        CityCompany => "city_company",
    }
);

/// Checks that a unit's kind and district fit together: a district
/// administration serves exactly one district, other units none.
pub fn check_district(kind: CityUnitKind, district: Option<District>) -> Result<(), &'static str> {
    match (kind, district) {
        (CityUnitKind::DistrictAdministration, None) => {
            Err("a district administration must name its district")
        }
        (CityUnitKind::DistrictAdministration, Some(_)) => Ok(()),
        (_, Some(_)) => Err("only a district administration has a district"),
        (_, None) => Ok(()),
    }
}

/// What describes a city unit, already checked.
#[derive(Debug, Clone, PartialEq)]
pub struct CityUnitDetails {
    pub name: String,
    pub kind: CityUnitKind,
    pub district: Option<District>,
}

/// A stored city unit.
#[derive(Debug, Clone, PartialEq)]
pub struct CityUnit {
    pub id: super::ids::CityUnitId,
    pub details: CityUnitDetails,
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn district_goes_with_district_administrations_only() {
        use CityUnitKind::*;
        let d = Some(District::Lundby);
        assert!(check_district(DistrictAdministration, d).is_ok());
        assert!(check_district(DistrictAdministration, None).is_err());
        assert!(check_district(SpecialistAdministration, None).is_ok());
        assert!(check_district(SpecialistAdministration, d).is_err());
        assert!(check_district(CityCompany, None).is_ok());
        assert!(check_district(CityCompany, d).is_err());
    }
}
