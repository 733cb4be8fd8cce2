//! The rules of a bulk import that are not any resource's own: how a CSV
//! cell is read (money as whole kronor, dates, lists), which header row a
//! resource takes, which separator a file uses, and what became of a row.
//! A row's own rules are its resource's, applied by the same code as the
//! single-record endpoints.

use std::fmt;

text_enum!(
    /// What an import did with a row.
    RowResult {
        /// A new record was written.
        Created => "created",
        /// The record existed and the row changed it.
        Updated => "updated",
        /// The record existed and already said what the row says: nothing written.
        Unchanged => "unchanged",
        /// The row was refused; nothing of it was written.
        Error => "error",
    }
);

/// How an import writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    /// Rows are written in batches, each row standing alone: a refused row
    /// never stops the others.
    Batches,
    /// All rows or none: one refused row and nothing is written.
    Atomic,
    /// Every row is checked as if written, and nothing is.
    DryRun,
}

impl ImportMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Batches => "batches",
            Self::Atomic => "atomic",
            Self::DryRun => "dry_run",
        }
    }
}

/// Reads an amount of whole kronor as Swedish spreadsheets write it: digits
/// with spaces (or non-breaking spaces) between the thousands, and an
/// optional decimal part of zeros after a comma or a point. `1 500`,
/// `1500` and `1500,00` are the same amount; `1500,50` is refused, since
/// amounts are whole kronor.
pub fn kronor(text: &str) -> Result<i64, &'static str> {
    const NOT_KRONOR: &str =
        "is not an amount of whole kronor (write it as 1500, 1 500 or 1500,00)";
    let text = text.trim_matches(|c: char| c.is_whitespace());
    let (whole, fraction) = match text.find([',', '.']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    if let Some(fraction) = fraction {
        if fraction.is_empty() || !fraction.chars().all(|c| c.is_ascii_digit()) {
            return Err(NOT_KRONOR);
        }
        if fraction.chars().any(|c| c != '0') {
            return Err("has öre; amounts are whole kronor");
        }
    }
    let mut digits = String::new();
    let mut last_was_space = true;
    for c in whole.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            last_was_space = false;
        } else if (c == ' ' || c == '\u{a0}' || c == '\u{202f}') && !last_was_space {
            last_was_space = true;
        } else {
            return Err(NOT_KRONOR);
        }
    }
    if digits.is_empty() || last_was_space {
        return Err(NOT_KRONOR);
    }
    // More digits than any amount has: refused by the amount's own range.
    digits.parse::<i64>().or(Ok(i64::MAX))
}

/// A CSV header row that does not match its resource's columns: every
/// unknown column and every missing required one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderMismatch {
    pub unknown: Vec<String>,
    pub missing: Vec<String>,
    pub repeated: Vec<String>,
}

impl fmt::Display for HeaderMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if !self.unknown.is_empty() {
            parts.push(format!("unknown columns: {}", self.unknown.join(", ")));
        }
        if !self.missing.is_empty() {
            parts.push(format!("missing columns: {}", self.missing.join(", ")));
        }
        if !self.repeated.is_empty() {
            parts.push(format!("columns given twice: {}", self.repeated.join(", ")));
        }
        f.write_str(&parts.join("; "))
    }
}

/// Checks a header row against a resource's columns: `known(name)` says
/// whether a column is one of them, `required` must all be there.
pub fn check_header(
    columns: &[String],
    known: impl Fn(&str) -> bool,
    required: &[&str],
) -> Result<(), HeaderMismatch> {
    let unknown: Vec<String> = columns.iter().filter(|c| !known(c)).cloned().collect();
    let missing: Vec<String> = required
        .iter()
        .filter(|r| !columns.iter().any(|c| c == *r))
        .map(|r| (*r).to_owned())
        .collect();
    let mut repeated: Vec<String> = columns
        .iter()
        .enumerate()
        .filter(|(i, c)| columns[..*i].contains(c))
        .map(|(_, c)| c.clone())
        .collect();
    repeated.dedup();
    if unknown.is_empty() && missing.is_empty() && repeated.is_empty() {
        Ok(())
    } else {
        Err(HeaderMismatch {
            unknown,
            missing,
            repeated,
        })
    }
}

/// The separator of a CSV file, from its header line: `;` (as Swedish Excel
/// writes it) when the line has more of them than commas, else `,`.
pub fn detect_delimiter(header_line: &[u8]) -> u8 {
    let count = |b: u8| header_line.iter().filter(|c| **c == b).count();
    if count(b';') > count(b',') {
        b';'
    } else {
        b','
    }
}

/// The items of a list cell (`centrum, lundby` or `centrum|lundby`).
pub fn list_items(cell: &str) -> Vec<&str> {
    cell.split([',', '|'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// The number of a payment column, `payment_<n>_sek` or `payment_<n>_on`
/// with `n` from 1 to [`MAX_PAYMENT_COLUMNS`], and which of the two it is.
pub fn payment_column(name: &str) -> Option<(usize, PaymentPart)> {
    let rest = name.strip_prefix("payment_")?;
    let (n, part) = rest.split_once('_')?;
    let n: usize = n
        .parse()
        .ok()
        .filter(|n| (1..=MAX_PAYMENT_COLUMNS).contains(n))?;
    if n.to_string() != rest[..rest.find('_')?] {
        return None;
    }
    match part {
        "sek" => Some((n, PaymentPart::Amount)),
        "on" => Some((n, PaymentPart::Date)),
        _ => None,
    }
}

/// The most payments a CSV row of a grant application carries.
pub const MAX_PAYMENT_COLUMNS: usize = 24;

/// A payment column's part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentPart {
    Amount,
    Date,
}

/// Whether a stored list of payments (amount, date) is where the row's
/// list begins: the row may add payments, never change or drop one.
pub fn payments_extend<T: PartialEq>(stored: &[T], row: &[T]) -> bool {
    stored.len() <= row.len() && stored.iter().zip(row).all(|(a, b)| a == b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_as_swedish_spreadsheets_write_them() {
        let cases: &[(&str, Result<i64, ()>)] = &[
            ("1500", Ok(1500)),
            ("1 500", Ok(1500)),
            ("1\u{a0}500", Ok(1500)),
            ("1\u{202f}500", Ok(1500)),
            ("1 500,00", Ok(1500)),
            ("1500,00", Ok(1500)),
            ("1500.00", Ok(1500)),
            ("1500,0", Ok(1500)),
            (" 75 000 ", Ok(75_000)),
            ("0", Ok(0)),
            ("1500,50", Err(())),
            ("1500,", Err(())),
            ("1 500 ", Ok(1500)),
            ("1  500", Err(())),
            ("-1500", Err(())),
            ("1,500.00", Err(())),
            ("15e3", Err(())),
            ("", Err(())),
            ("kr 1500", Err(())),
            ("99999999999999999999", Ok(i64::MAX)),
        ];
        for (text, expected) in cases {
            assert_eq!(kronor(text).map_err(|_| ()), *expected, "{text:?}");
        }
        assert_eq!(kronor("1500,50"), Err("has öre; amounts are whole kronor"));
    }

    #[test]
    fn a_header_names_its_unknown_missing_and_repeated_columns() {
        let cols = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let known = |c: &str| ["name", "legal_form", "website"].contains(&c);
        let required = ["name", "legal_form"];
        assert_eq!(
            check_header(&cols(&["name", "legal_form"]), known, &required),
            Ok(())
        );
        assert_eq!(
            check_header(&cols(&["namn", "website", "website"]), known, &required),
            Err(HeaderMismatch {
                unknown: vec!["namn".into()],
                missing: vec!["name".into(), "legal_form".into()],
                repeated: vec!["website".into()],
            })
        );
    }

    #[test]
    fn the_separator_is_the_one_the_header_uses() {
        assert_eq!(detect_delimiter(b"name;legal_form;districts"), b';');
        assert_eq!(detect_delimiter(b"name,legal_form"), b',');
        assert_eq!(detect_delimiter(b"name"), b',');
        assert_eq!(detect_delimiter(b"\"a,b\";c;d"), b';');
    }

    #[test]
    fn payment_columns_are_numbered_from_one() {
        assert_eq!(
            payment_column("payment_1_sek"),
            Some((1, PaymentPart::Amount))
        );
        assert_eq!(
            payment_column("payment_12_on"),
            Some((12, PaymentPart::Date))
        );
        assert_eq!(payment_column("payment_0_sek"), None);
        assert_eq!(payment_column("payment_01_sek"), None);
        assert_eq!(payment_column("payment_25_sek"), None);
        assert_eq!(payment_column("payment_1_date"), None);
        assert_eq!(payment_column("payments"), None);
    }

    #[test]
    fn a_row_may_add_payments_but_not_change_them() {
        assert!(payments_extend(&[1, 2], &[1, 2, 3]));
        assert!(payments_extend::<i32>(&[], &[]));
        assert!(!payments_extend(&[1, 2], &[1, 3]));
        assert!(!payments_extend(&[1, 2], &[1]));
    }

    #[test]
    fn list_cells_split_on_commas_and_bars() {
        assert_eq!(list_items("centrum, lundby"), vec!["centrum", "lundby"]);
        assert_eq!(list_items("centrum|lundby|"), vec!["centrum", "lundby"]);
        assert!(list_items(" ").is_empty());
    }
}
