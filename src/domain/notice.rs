//! E-mail notices to an organisation: which changes an organisation is told
//! of, and what the message says, in Swedish or English. Made from the
//! outbox's changes, so a notice exists only for a change that committed.

use super::change::ResourceType;
use super::grant::DecisionOutcome;
use super::money::Sek;
use super::organisation::NoticeLanguage;

crate::text_enum!(
    /// What a notice tells an organisation.
    NoticeKind {
        /// The city asks the applicant to complete an application.
        CompletionRequested => "completion_requested",
        /// A decision on the organisation's application was recorded.
        DecisionRecorded => "decision_recorded",
        /// A payment of the organisation's grant was recorded.
        PaymentRecorded => "payment_recorded",
        /// The organisation's registration for an event is confirmed.
        RegistrationConfirmed => "registration_confirmed",
        /// The organisation's registration moved from the waiting list to a place.
        RegistrationPromoted => "registration_promoted",
        /// An event the organisation registered for was changed.
        EventChanged => "event_changed",
        /// An event the organisation registered for was cancelled.
        EventCancelled => "event_cancelled",
    }
);

crate::text_enum!(
    /// Where a notice is on its way.
    NoticeStatus {
        /// Waiting for its (next) attempt.
        Pending => "pending",
        /// Accepted by the SMTP server.
        Sent => "sent",
        /// Every attempt failed; not tried again.
        Failed => "failed",
    }
);

/// How many times a notice is tried before it is `failed`.
pub const MAX_ATTEMPTS: i32 = 6;

impl NoticeKind {
    /// The notice a committed change calls for, if any: a change of an
    /// application or a registration concerns its organisation, a change of
    /// an event every organisation registered for it.
    pub fn for_change(resource: ResourceType, action: &str) -> Option<NoticeKind> {
        use ResourceType as R;
        match (resource, action) {
            (R::GrantApplication, "request_completion") => Some(NoticeKind::CompletionRequested),
            (R::GrantApplication, "decide") => Some(NoticeKind::DecisionRecorded),
            (R::GrantApplication, "pay") => Some(NoticeKind::PaymentRecorded),
            (R::DialogueRegistration, super::change::CREATED) => {
                Some(NoticeKind::RegistrationConfirmed)
            }
            (R::DialogueRegistration, "promote") => Some(NoticeKind::RegistrationPromoted),
            (R::DialogueEvent, super::change::UPDATED) => Some(NoticeKind::EventChanged),
            (R::DialogueEvent, "cancel") => Some(NoticeKind::EventCancelled),
            _ => None,
        }
    }
}

/// What a notice is about, as it stands when the notice is made.
#[derive(Debug, Clone, PartialEq)]
pub enum Subject {
    /// A grant application: its title, and the decision once there is one.
    Application {
        title: String,
        decision: Option<(DecisionOutcome, Sek)>,
        paid: Sek,
    },
    /// A dialogue event: its title and its local start (`2026-12-21 17:00`).
    Event {
        title: String,
        starts: String,
        reason: Option<String>,
    },
}

/// A notice's subject line and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub subject: String,
    pub body: String,
}

/// Writes the notice in the organisation's language; `link` is where the
/// organisation reads the case in the API.
pub fn compose(kind: NoticeKind, language: NoticeLanguage, about: &Subject, link: &str) -> Message {
    use NoticeKind as K;
    let sv = language == NoticeLanguage::Sv;
    let (subject, lead) = match (kind, about) {
        (K::CompletionRequested, Subject::Application { title, .. }) => {
            if sv {
                (
                    format!("Komplettering begärs: {title}"),
                    format!("Staden ber er komplettera ansökan \"{title}\"."),
                )
            } else {
                (
                    format!("Completion requested: {title}"),
                    format!("The city asks you to complete the application \"{title}\"."),
                )
            }
        }
        (
            K::DecisionRecorded,
            Subject::Application {
                title, decision, ..
            },
        ) => {
            let outcome =
                decision.map(|(outcome, granted)| describe_decision(sv, outcome, granted));
            let outcome = outcome.unwrap_or_default();
            if sv {
                (
                    format!("Beslut om ansökan: {title}"),
                    format!("Ett beslut har fattats om ansökan \"{title}\". {outcome}"),
                )
            } else {
                (
                    format!("Decision on application: {title}"),
                    format!("A decision has been made on the application \"{title}\". {outcome}"),
                )
            }
        }
        (K::PaymentRecorded, Subject::Application { title, paid, .. }) => {
            if sv {
                (
                    format!("Utbetalning registrerad: {title}"),
                    format!(
                        "En utbetalning av bidraget för \"{title}\" har registrerats. Utbetalt hittills: {} kr.",
                        kronor(*paid)
                    ),
                )
            } else {
                (
                    format!("Payment recorded: {title}"),
                    format!(
                        "A payment of the grant for \"{title}\" has been recorded. Paid so far: SEK {}.",
                        kronor(*paid)
                    ),
                )
            }
        }
        (K::RegistrationConfirmed, Subject::Event { title, starts, .. }) => {
            if sv {
                (
                    format!("Anmälan bekräftad: {title}"),
                    format!("Er anmälan till \"{title}\" ({starts}) är bekräftad."),
                )
            } else {
                (
                    format!("Registration confirmed: {title}"),
                    format!("Your registration for \"{title}\" ({starts}) is confirmed."),
                )
            }
        }
        (K::RegistrationPromoted, Subject::Event { title, starts, .. }) => {
            if sv {
                (
                    format!("Ni har fått plats: {title}"),
                    format!("En plats har blivit ledig: er anmälan till \"{title}\" ({starts}) har flyttats från reservlistan och är bekräftad."),
                )
            } else {
                (
                    format!("You have a place: {title}"),
                    format!("A place became free: your registration for \"{title}\" ({starts}) moved from the waiting list and is confirmed."),
                )
            }
        }
        (K::EventChanged, Subject::Event { title, starts, .. }) => {
            if sv {
                (
                    format!("Ändrad träff: {title}"),
                    format!(
                        "\"{title}\", som ni är anmälda till, har ändrats. Den börjar nu {starts}."
                    ),
                )
            } else {
                (
                    format!("Event changed: {title}"),
                    format!("\"{title}\", which you registered for, has changed. It now starts {starts}."),
                )
            }
        }
        (
            K::EventCancelled,
            Subject::Event {
                title,
                starts,
                reason,
            },
        ) => {
            let reason = reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            if sv {
                (
                    format!("Inställd träff: {title}"),
                    format!("\"{title}\" ({starts}), som ni är anmälda till, är inställd{reason}."),
                )
            } else {
                (
                    format!("Event cancelled: {title}"),
                    format!(
                        "\"{title}\" ({starts}), which you registered for, is cancelled{reason}."
                    ),
                )
            }
        }
        // A kind about the other sort of subject is never composed
        // (`for_change` ties each kind to one resource); say what it is.
        (kind, _) => (kind.as_str().replace('_', " "), String::new()),
    };
    let footer = if sv {
        format!("Läs mer: {link}\n\nDetta meddelande skickas automatiskt till organisationens kontaktadress.")
    } else {
        format!("Read more: {link}\n\nThis message is sent automatically to the organisation's contact address.")
    };
    Message {
        subject,
        body: format!("{}\n\n{footer}\n", lead.trim_end()),
    }
}

fn describe_decision(sv: bool, outcome: DecisionOutcome, granted: Sek) -> String {
    let amount = kronor(granted);
    match (outcome, sv) {
        (DecisionOutcome::Granted, true) => format!("Ansökan är beviljad: {amount} kr."),
        (DecisionOutcome::Granted, false) => format!("The application is granted: SEK {amount}."),
        (DecisionOutcome::PartlyGranted, true) => {
            format!("Ansökan är delvis beviljad: {amount} kr.")
        }
        (DecisionOutcome::PartlyGranted, false) => {
            format!("The application is partly granted: SEK {amount}.")
        }
        (DecisionOutcome::Rejected, true) => "Ansökan har avslagits.".into(),
        (DecisionOutcome::Rejected, false) => "The application has been rejected.".into(),
    }
}

/// Whole kronor with a space between thousands, as Swedish writes them.
fn kronor(amount: Sek) -> String {
    let digits = amount.kronor().unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    if amount.kronor() < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// How long to wait before attempt `attempt` (counted from 1) when the one
/// before it failed: `base`, then twice as long each time.
pub fn retry_delay(base_ms: u64, attempt: i32) -> std::time::Duration {
    let doublings = u32::try_from(attempt.saturating_sub(1))
        .unwrap_or(0)
        .min(16);
    std::time::Duration::from_millis(base_ms.saturating_mul(1 << doublings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_change_that_concerns_an_organisation_has_its_notice() {
        use ResourceType as R;
        for (resource, action, expected) in [
            (
                R::GrantApplication,
                "request_completion",
                Some(NoticeKind::CompletionRequested),
            ),
            (
                R::GrantApplication,
                "decide",
                Some(NoticeKind::DecisionRecorded),
            ),
            (
                R::GrantApplication,
                "pay",
                Some(NoticeKind::PaymentRecorded),
            ),
            (R::GrantApplication, "submit", None),
            (R::GrantApplication, "updated", None),
            (
                R::DialogueRegistration,
                "created",
                Some(NoticeKind::RegistrationConfirmed),
            ),
            (
                R::DialogueRegistration,
                "promote",
                Some(NoticeKind::RegistrationPromoted),
            ),
            (R::DialogueRegistration, "cancel", None),
            (R::DialogueEvent, "updated", Some(NoticeKind::EventChanged)),
            (R::DialogueEvent, "cancel", Some(NoticeKind::EventCancelled)),
            (R::DialogueEvent, "publish", None),
            (R::Partnership, "updated", None),
        ] {
            assert_eq!(
                NoticeKind::for_change(resource, action),
                expected,
                "{resource} {action}"
            );
        }
    }

    #[test]
    fn a_notice_is_written_in_the_organisations_language() {
        let about = Subject::Application {
            title: "Läxhjälp".into(),
            decision: Some((DecisionOutcome::PartlyGranted, Sek::new(125_000).unwrap())),
            paid: Sek::ZERO,
        };
        let sv = compose(
            NoticeKind::DecisionRecorded,
            NoticeLanguage::Sv,
            &about,
            "https://x/a",
        );
        assert_eq!(sv.subject, "Beslut om ansökan: Läxhjälp");
        assert!(
            sv.body.contains("delvis beviljad: 125 000 kr."),
            "{}",
            sv.body
        );
        assert!(sv.body.contains("Läs mer: https://x/a"), "{}", sv.body);
        let en = compose(
            NoticeKind::DecisionRecorded,
            NoticeLanguage::En,
            &about,
            "https://x/a",
        );
        assert_eq!(en.subject, "Decision on application: Läxhjälp");
        assert!(
            en.body.contains("partly granted: SEK 125 000."),
            "{}",
            en.body
        );
    }

    #[test]
    fn a_cancellation_gives_its_reason() {
        let about = Subject::Event {
            title: "Dialogmöte".into(),
            starts: "2026-12-21 17:00".into(),
            reason: Some("sjukdom".into()),
        };
        let m = compose(NoticeKind::EventCancelled, NoticeLanguage::Sv, &about, "l");
        assert!(
            m.body.starts_with(
                "\"Dialogmöte\" (2026-12-21 17:00), som ni är anmälda till, är inställd (sjukdom)."
            ),
            "{}",
            m.body
        );
    }

    #[test]
    fn kronor_are_grouped_by_thousands() {
        for (amount, text) in [
            (0, "0"),
            (999, "999"),
            (1500, "1 500"),
            (1_250_000, "1 250 000"),
        ] {
            assert_eq!(kronor(Sek::new(amount).unwrap()), text);
        }
    }

    #[test]
    fn retries_wait_twice_as_long_each_time() {
        assert_eq!(retry_delay(1000, 1).as_millis(), 1000);
        assert_eq!(retry_delay(1000, 2).as_millis(), 2000);
        assert_eq!(retry_delay(1000, 4).as_millis(), 8000);
        assert_eq!(retry_delay(u64::MAX, 9).as_millis(), u128::from(u64::MAX));
    }
}
