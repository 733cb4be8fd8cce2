//! The ten districts (stadsdelar) of Gothenburg: reference data.

text_enum!(
    /// One of Gothenburg's ten districts (stadsdelar).
    District {
        Angered => "angered",
        OstraGoteborg => "ostra_goteborg",
        OrgryteHarlanda => "orgryte_harlanda",
        Centrum => "centrum",
        MajornaLinne => "majorna_linne",
        AskimFrolundaHogsbo => "askim_frolunda_hogsbo",
        VastraGoteborg => "vastra_goteborg",
        VastraHisingen => "vastra_hisingen",
        Lundby => "lundby",
        NorraHisingen => "norra_hisingen",
    }
);

impl District {
    /// The district's Swedish name, as people write it.
    pub fn name(self) -> &'static str {
        match self {
            District::Angered => "Angered",
            District::OstraGoteborg => "Östra Göteborg",
            District::OrgryteHarlanda => "Örgryte-Härlanda",
            District::Centrum => "Centrum",
            District::MajornaLinne => "Majorna-Linné",
            District::AskimFrolundaHogsbo => "Askim-Frölunda-Högsbo",
            District::VastraGoteborg => "Västra Göteborg",
            District::VastraHisingen => "Västra Hisingen",
            District::Lundby => "Lundby",
            District::NorraHisingen => "Norra Hisingen",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_ten_districts_with_distinct_names() {
        assert_eq!(District::ALL.len(), 10);
        let mut names: Vec<_> = District::ALL.iter().map(|d| d.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 10);
    }

    #[test]
    fn text_form_round_trips() {
        for d in District::ALL {
            assert_eq!(d.as_str().parse::<District>().unwrap(), *d);
        }
        assert!("gothenburg".parse::<District>().is_err());
    }
}
