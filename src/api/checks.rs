//! The checks a request type makes through `Validate`, which the body
//! extractors run on every body (`api::extract::parse_json`): field checks
//! that reuse the domain's rules, and a way for a type's own checks to name
//! parts of fields (`budgets[1].year`) and rules that tie fields together.

use std::borrow::Cow;

use validator::{ValidationError, ValidationErrors, ValidationErrorsKind};

use crate::domain::money::Sek;
use crate::domain::FieldError;

/// A text that is not only white space.
pub fn not_blank(text: &str) -> Result<(), ValidationError> {
    if text.trim().is_empty() {
        Err(ValidationError::new("blank").with_message("must not be blank".into()))
    } else {
        Ok(())
    }
}

/// An amount of kronor, 0 to 10^12 (`Sek::new`).
pub fn sek(kronor: i64) -> Result<(), ValidationError> {
    Sek::new(kronor)
        .map(|_| ())
        .map_err(|message| ValidationError::new("sek").with_message(message.into()))
}

/// A positive amount of kronor, 1 to 10^12 (`Sek::positive`).
pub fn positive_sek(kronor: i64) -> Result<(), ValidationError> {
    Sek::positive(kronor)
        .map(|_| ())
        .map_err(|message| ValidationError::new("sek").with_message(message.into()))
}

/// What a request type's own checks (its `#[validate(schema(...))]`
/// function) found: parts of fields that are bad, and rules that tie fields
/// together that are broken. A rule is only judged when every field could
/// be read: while one is set aside for its type, a broken rule would be
/// about a stand-in value (`parse_json` leaves the rules out then).
#[derive(Debug, Default)]
pub struct Findings {
    fields: Vec<FieldError>,
    rules: Vec<FieldError>,
}

const FIELDS: &str = "fields";
const RULES: &str = "rules";

impl Findings {
    pub fn new() -> Self {
        Self::default()
    }

    /// A field, or a part of one (`target_groups[2]`), is bad in itself.
    pub fn field(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.fields.push(FieldError::new(field, message));
    }

    /// A rule that ties fields together is broken; `field` is the one to change.
    pub fn rule(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.rules.push(FieldError::new(field, message));
    }

    /// Broken rules found by the domain (`EventDetails::check_times`, ...).
    pub fn rules(&mut self, errors: impl IntoIterator<Item = FieldError>) {
        self.rules.extend(errors);
    }

    /// The findings as what a `Validate` schema function answers.
    pub fn done(self) -> Result<(), ValidationError> {
        if self.fields.is_empty() && self.rules.is_empty() {
            return Ok(());
        }
        let mut error = ValidationError::new("findings");
        error.add_param(Cow::from(FIELDS), &self.fields);
        error.add_param(Cow::from(RULES), &self.rules);
        Err(error)
    }
}

/// Every problem `Validate` found, as field errors: nested structs and
/// lists by their path (`changes.title`, `budget_lines[0].description`), a
/// type's [`Findings`] under its own paths, in the order of the fields; of
/// one field, its own checks before the rules (left out unless `with_rules`).
pub fn field_errors_of(report: &ValidationErrors, with_rules: bool) -> Vec<FieldError> {
    let mut fields = Vec::new();
    let mut rules = Vec::new();
    collect(report, "", &mut fields, &mut rules);
    if with_rules {
        fields.extend(rules);
    }
    // Stable: a field's own checks stay before the rules about it.
    fields.sort_by(|a, b| a.field.cmp(&b.field));
    fields
}

fn collect(
    report: &ValidationErrors,
    prefix: &str,
    fields: &mut Vec<FieldError>,
    rules: &mut Vec<FieldError>,
) {
    let at = |name: &str| {
        if prefix.is_empty() {
            name.to_owned()
        } else if name.starts_with('[') {
            format!("{prefix}{name}")
        } else {
            format!("{prefix}.{name}")
        }
    };
    for (name, kind) in report.errors() {
        match kind {
            ValidationErrorsKind::Field(errors) if name == "__all__" => {
                for error in errors {
                    unpack(error, FIELDS, &at, fields);
                    unpack(error, RULES, &at, rules);
                }
            }
            ValidationErrorsKind::Field(errors) => {
                for error in errors {
                    let message = error
                        .message
                        .as_ref()
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| error.code.to_string());
                    fields.push(FieldError::new(at(name), message));
                }
            }
            ValidationErrorsKind::Struct(inner) => collect(inner, &at(name), fields, rules),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    collect(inner, &format!("{}[{index}]", at(name)), fields, rules);
                }
            }
        }
    }
}

/// The field errors a [`Findings`] packed under `key`, at their paths.
fn unpack(
    error: &ValidationError,
    key: &str,
    at: &dyn Fn(&str) -> String,
    out: &mut Vec<FieldError>,
) {
    let Some(serde_json::Value::Array(items)) = error.params.get(key) else {
        return;
    };
    for item in items {
        let text = |k: &str| item.get(k).and_then(|v| v.as_str()).unwrap_or_default();
        out.push(FieldError::new(at(text("field")), text("message")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use validator::Validate;

    #[derive(Validate, serde::Serialize)]
    #[validate(schema(function = "line_rules", skip_on_field_errors = false))]
    struct Line {
        #[validate(length(max = 3, message = "at most 3"))]
        text: String,
        from: i32,
        to: i32,
    }

    fn line_rules(line: &Line) -> Result<(), ValidationError> {
        let mut found = Findings::new();
        if line.to < line.from {
            found.rule("to", "must not be before from");
        }
        if line.text.starts_with(' ') {
            found.field("text[0]", "must not be a space");
        }
        found.done()
    }

    #[derive(Validate)]
    struct Sheet {
        #[validate(length(max = 2, message = "at most 2 lines"), nested)]
        lines: Vec<Line>,
        #[validate(custom(function = "sek"))]
        amount_sek: i64,
    }

    fn names(errors: Vec<FieldError>) -> Vec<(String, String)> {
        errors.into_iter().map(|e| (e.field, e.message)).collect()
    }

    #[test]
    fn nested_lists_findings_and_rules_are_named_by_their_paths() {
        let sheet = Sheet {
            lines: vec![
                Line {
                    text: "ok".into(),
                    from: 1,
                    to: 2,
                },
                Line {
                    text: " long".into(),
                    from: 3,
                    to: 2,
                },
            ],
            amount_sek: -1,
        };
        let report = sheet.validate().unwrap_err();
        assert_eq!(
            names(field_errors_of(&report, true)),
            [
                ("amount_sek".into(), crate::domain::money::SEK_RANGE.into()),
                ("lines[1].text".into(), "at most 3".into()),
                ("lines[1].text[0]".into(), "must not be a space".into()),
                ("lines[1].to".into(), "must not be before from".into()),
            ]
        );
        assert_eq!(
            names(field_errors_of(&report, false))
                .into_iter()
                .map(|(f, _)| f)
                .collect::<Vec<_>>(),
            ["amount_sek", "lines[1].text", "lines[1].text[0]"]
        );
    }

    #[test]
    fn a_list_past_its_length_is_named_once() {
        let line = || Line {
            text: "a".into(),
            from: 1,
            to: 1,
        };
        let sheet = Sheet {
            lines: vec![line(), line(), line()],
            amount_sek: 0,
        };
        let report = sheet.validate().unwrap_err();
        assert_eq!(
            names(field_errors_of(&report, true)),
            [("lines".into(), "at most 2 lines".into())]
        );
    }

    #[test]
    fn the_domain_rules_for_money_are_the_field_checks() {
        assert!(sek(0).is_ok() && sek(1_000_000_000_000).is_ok());
        assert!(sek(-1).is_err() && sek(1_000_000_000_001).is_err());
        assert!(positive_sek(0).is_err() && positive_sek(1).is_ok());
        assert!(not_blank(" \t").is_err() && not_blank(" a ").is_ok());
    }
}
