//! The partnership list: filters, the caller's scope and keyset pages.

use super::*;

/// What a partnership list is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct PartnershipFilter {
    pub status: Option<PartnershipStatus>,
    pub form: Option<PartnershipForm>,
    pub organisation: Option<OrganisationId>,
    pub unit: Option<CityUnitId>,
    pub district: Option<District>,
    pub active_on: Option<NaiveDate>,
    pub ends_before: Option<NaiveDate>,
    pub updated_since: Option<DateTime<Utc>>,
    pub q: Option<String>,
}

/// Who is asking, for what a list may contain.
pub enum ListScope {
    /// The city: everything.
    Everything,
    /// Public partnerships, plus those this organisation is party to or proposed.
    PublicAnd(Option<OrganisationId>),
}

pub fn list(
    conn: &mut DbConnection,
    f: &PartnershipFilter,
    scope: ListScope,
    limit: usize,
    after: Option<&Cursor>,
) -> Result<Page<Partnership>, StoreError> {
    let public: Vec<&str> = PartnershipStatus::ALL
        .iter()
        .filter(|s| s.is_public())
        .map(|s| s.as_str())
        .collect();
    let mut q = p::table.select(PartnershipRow::as_select()).into_boxed();
    match scope {
        ListScope::Everything => {}
        ListScope::PublicAnd(None) => q = q.filter(p::status.eq_any(public)),
        ListScope::PublicAnd(Some(org)) => {
            let org = org.to_string();
            q = q.filter(
                p::status
                    .eq_any(public)
                    .or(p::initiating_organisation_id.eq(org.clone()))
                    .or(p::id.eq_any(
                        pp::table
                            .filter(pp::organisation_id.eq(org))
                            .filter(pp::left_on.is_null())
                            .select(pp::partnership_id),
                    )),
            );
        }
    }
    if let Some(status) = f.status {
        q = q.filter(p::status.eq(status.as_str()));
    }
    if let Some(form) = f.form {
        q = q.filter(p::form.eq(form.as_str()));
    }
    if let Some(org) = f.organisation {
        // Parties only: an invitation does not make an organisation a party.
        q = q.filter(
            p::id.eq_any(
                pp::table
                    .filter(pp::organisation_id.eq(org.to_string()))
                    .filter(pp::status.eq(PartyStatus::Active.as_str()))
                    .select(pp::partnership_id),
            ),
        );
    }
    if let Some(unit) = f.unit {
        q = q.filter(p::responsible_unit_id.eq(unit.to_string()));
    }
    if let Some(district) = f.district {
        q = q.filter(p::districts.like(format!("%,{},%", district.as_str())));
    }
    if let Some(day) = f.active_on {
        q = q.filter(p::start_date.le(day)).filter(p::end_date.ge(day));
    }
    if let Some(day) = f.ends_before {
        q = q.filter(p::end_date.lt(day));
    }
    if let Some(since) = f.updated_since {
        q = q.filter(p::updated_at.ge(since.naive_utc()));
    }
    if let Some(text) = &f.q {
        q = q.filter(
            p::title_search
                .like(contains_pattern(&search_key(text)))
                .escape('\\'),
        );
    }
    if let Some(c) = after {
        let key = c.timestamp()?;
        q = q.filter(
            p::created_at
                .gt(key)
                .or(p::created_at.eq(key).and(p::id.gt(c.id.clone()))),
        );
    }
    let rows: Vec<PartnershipRow> = q
        .order((p::created_at.asc(), p::id.asc()))
        .limit(limit as i64 + 1)
        .load(conn)?;
    let page = Page::from_rows(rows, limit, |r| Cursor {
        sort: "created_at".into(),
        key: timestamp_key(r.created_at),
        id: r.id.0.to_string(),
    });
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(Partnership::try_from)
            .collect::<Result<_, _>>()?,
        next: page.next,
    })
}
