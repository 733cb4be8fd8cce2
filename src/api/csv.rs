//! CSV for spreadsheets (RFC 4180): fields quoted when they need it, lines
//! ended by CRLF, UTF-8 with an optional byte-order mark, `,` or `;` between
//! fields (Excel set to Swedish reads `;` and needs the mark to read UTF-8).

crate::text_enum!(
    /// What separates the fields of a line: `,` (the default), or `;` for
    /// a spreadsheet set to Swedish.
    CsvDelimiter {
        Comma => ",",
        Semicolon => ";",
    }
);

impl CsvDelimiter {
    pub fn char(self) -> char {
        match self {
            CsvDelimiter::Comma => ',',
            CsvDelimiter::Semicolon => ';',
        }
    }
}

/// The byte-order mark Excel looks for to read a file as UTF-8.
const BOM: &str = "\u{feff}";

/// A cell that starts like a formula (`=`, `+`, `-`, `@`, a tab or a
/// carriage return) gets a `'` in front, so a spreadsheet shows it as text
/// instead of running it (CSV injection).
fn guarded(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

fn push_field(out: &mut String, cell: &str, delimiter: char) {
    let cell = guarded(cell);
    if cell.contains([delimiter, '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&cell.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(&cell);
    }
}

/// The table as CSV text: the header line, then one line per row.
pub fn encode(header: &[String], rows: &[Vec<String>], delimiter: char, bom: bool) -> String {
    let mut out = String::new();
    if bom {
        out.push_str(BOM);
    }
    for line in std::iter::once(header).chain(rows.iter().map(Vec::as_slice)) {
        for (i, cell) in line.iter().enumerate() {
            if i > 0 {
                out.push(delimiter);
            }
            push_field(&mut out, cell, delimiter);
        }
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn fields_are_quoted_only_when_they_need_it() {
        let header = cells(&["Title", "Amount"]);
        let rows = vec![
            cells(&["Läxhjälp, Biskopsgården", "1000"]),
            cells(&["Say \"hej\"", "2"]),
            cells(&["Two\nlines", "3"]),
            cells(&["a;b", "4"]),
        ];
        assert_eq!(
            encode(&header, &rows, ',', false),
            "Title,Amount\r\n\"Läxhjälp, Biskopsgården\",1000\r\n\"Say \"\"hej\"\"\",2\r\n\"Two\nlines\",3\r\na;b,4\r\n"
        );
        assert_eq!(
            encode(&header, &rows, ';', true),
            "\u{feff}Title;Amount\r\nLäxhjälp, Biskopsgården;1000\r\n\"Say \"\"hej\"\"\";2\r\n\"Two\nlines\";3\r\n\"a;b\";4\r\n"
        );
    }

    #[test]
    fn a_cell_that_looks_like_a_formula_is_kept_as_text() {
        let out = encode(
            &cells(&["T"]),
            &[cells(&["=HYPERLINK(\"x\")"]), cells(&["-1"])],
            ',',
            false,
        );
        assert_eq!(out, "T\r\n\"'=HYPERLINK(\"\"x\"\")\"\r\n'-1\r\n");
    }
}
