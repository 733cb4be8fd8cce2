//! E-mail notices: an organisation's contact address is told, in its
//! language, when a completion is requested, a decision or payment is
//! recorded, its registration is confirmed or moves up from the waiting
//! list, and an event it registered for changes or is cancelled; nobody
//! else's address is written to; a refused delivery is retried; two
//! replicas send each notice once; without an SMTP server nothing is made.
//! The SMTP server is a small one of the test's own, on loopback.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::builders::{
    ApplicationBuilder, EventBuilder, OrganisationBuilder, ProgrammeBuilder, World, APPS, EVENTS,
    ORGS,
};
use crate::helpers::{admin, decider, partner, staff, TestApp};

/// A message the test's SMTP server accepted.
#[derive(Debug, Clone)]
struct Mail {
    recipients: Vec<String>,
    data: String,
}

impl Mail {
    /// A header's value, unfolded, with its RFC 2047 encoded words decoded.
    fn header(&self, name: &str) -> String {
        let prefix = format!("{name}: ");
        let mut value: Option<String> = None;
        for line in self.data.split("\r\n") {
            match value.as_mut() {
                Some(v) if line.starts_with([' ', '\t']) => v.push_str(line),
                Some(_) => break,
                None => value = line.strip_prefix(&prefix).map(str::to_owned),
            }
        }
        decode_words(&value.unwrap_or_default())
    }
}

impl Mail {
    /// The text, decoded from its transfer encoding.
    fn text(&self) -> String {
        use base64::Engine;
        let (_, body) = self.data.split_once("\r\n\r\n").unwrap_or_default();
        match self.header("Content-Transfer-Encoding").as_str() {
            "base64" => {
                let joined: String = body.split_whitespace().collect();
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(joined)
                    .unwrap_or_default();
                String::from_utf8(bytes).unwrap_or_default()
            }
            "quoted-printable" => {
                let joined = body.replace("=\r\n", "");
                let mut bytes = Vec::new();
                let mut rest = joined.as_bytes();
                while let Some((&b, tail)) = rest.split_first() {
                    match (b, tail.get(..2)) {
                        (b'=', Some(hex)) => {
                            let hex = std::str::from_utf8(hex).unwrap_or("00");
                            bytes.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                            rest = &tail[2..];
                        }
                        _ => {
                            bytes.push(b);
                            rest = tail;
                        }
                    }
                }
                String::from_utf8(bytes).unwrap_or_default()
            }
            _ => body.to_owned(),
        }
    }
}

/// `=?utf-8?b?...?=` words decoded; the space between two of them dropped.
fn decode_words(value: &str) -> String {
    use base64::Engine;
    let mut out = String::new();
    let mut after_word = false;
    for token in value.split(' ').filter(|t| !t.is_empty()) {
        let lower = token.to_lowercase();
        let word = lower
            .strip_prefix("=?utf-8?b?")
            .and_then(|_| token.get(10..token.len().saturating_sub(2)))
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
            .and_then(|bytes| String::from_utf8(bytes).ok());
        match word {
            Some(text) => {
                if !after_word && !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(&text);
                after_word = true;
            }
            None => {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(token);
                after_word = false;
            }
        }
    }
    out
}

/// An SMTP server on loopback that takes every message, except that it
/// answers the first `refuse` DATA commands with a temporary failure.
struct Smtp {
    port: u16,
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl Smtp {
    fn start(refuse: usize) -> Smtp {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mails = Arc::new(Mutex::new(Vec::new()));
        let refuse = Arc::new(Mutex::new(refuse));
        let (m, r) = (mails.clone(), refuse.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (m, r) = (m.clone(), r.clone());
                std::thread::spawn(move || converse(stream, &m, &r));
            }
        });
        Smtp { port, mails }
    }

    fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }

    /// Waits until `n` messages have arrived (at most 15 s), then a little
    /// longer for any that should not.
    fn wait_for(&self, n: usize) -> Vec<Mail> {
        let start = Instant::now();
        while self.mails().len() < n && start.elapsed() < Duration::from_secs(15) {
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(700));
        self.mails()
    }

    fn settings(&self) -> impl FnOnce(&mut samverkan::config::Settings) + Clone + 'static {
        let port = self.port;
        move |s| {
            s.notices.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
            s.notices.from = Some("Samverkan <samverkan@goteborg.se>".into());
            s.notices.retry_ms = 200;
        }
    }
}

fn converse(stream: std::net::TcpStream, mails: &Mutex<Vec<Mail>>, refuse: &Mutex<usize>) {
    let mut out = stream.try_clone().unwrap();
    let mut lines = BufReader::new(stream);
    let mut say = |text: &str| {
        let _ = out.write_all(format!("{text}\r\n").as_bytes());
    };
    say("220 test ESMTP");
    let mut recipients = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let command = line.trim_end().to_owned();
        let verb = command
            .split([' ', ':'])
            .next()
            .unwrap_or("")
            .to_uppercase();
        match verb.as_str() {
            "EHLO" | "HELO" => say("250 test"),
            "MAIL" => {
                recipients.clear();
                say("250 OK")
            }
            "RCPT" => {
                let address = command
                    .split('<')
                    .nth(1)
                    .and_then(|a| a.split('>').next())
                    .unwrap_or_default();
                recipients.push(address.to_owned());
                say("250 OK")
            }
            "DATA" => {
                say("354 end with .");
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    if line == ".\r\n" {
                        break;
                    }
                    data.push_str(&line);
                }
                let mut refusals = refuse.lock().unwrap();
                if *refusals > 0 {
                    *refusals -= 1;
                    say("451 try again later");
                } else {
                    mails.lock().unwrap().push(Mail {
                        recipients: recipients.clone(),
                        data,
                    });
                    say("250 OK queued");
                }
            }
            "QUIT" => {
                say("221 bye");
                return;
            }
            _ => say("250 OK"),
        }
    }
}

/// The organisation's contact address and notice language, set by the
/// organisation itself.
fn set_contact(app: &TestApp, org: &str, email: &str, language: &str) {
    let res = app.patch(
        &format!("{ORGS}/{org}"),
        Some(&partner(org)),
        &json!({"contact_email": email, "notice_language": language}),
        None,
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["notice_language"], language);
}

fn notices(app: &TestApp, org: &str, token: Option<&str>) -> Vec<Value> {
    let res = app.get(&format!("{ORGS}/{org}/notices"), token);
    assert_eq!(res.status, 200, "{}", res.text);
    res.json()["items"].as_array().unwrap().clone()
}

/// Waits until the organisation's notices are all sent (at most 15 s).
fn sent_notices(app: &TestApp, org: &str, n: usize) -> Vec<Value> {
    let start = Instant::now();
    loop {
        let items = notices(app, org, Some(&admin()));
        let sent = items.iter().filter(|n| n["status"] == "sent").count();
        if sent >= n || start.elapsed() > Duration::from_secs(15) {
            return items;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn act(app: &TestApp, path: &str, token: &str, body: Option<Value>) {
    let res = match body {
        Some(b) => app.post(path, Some(token), &b),
        None => app.send("POST", path, Some(token), None, &[]),
    };
    assert!(
        res.status == 200 || res.status == 201,
        "{path}: {}",
        res.text
    );
}

/// An application of `org` in `round` (programme id, round id), under
/// review, with a completion asked for by staff of `unit`, all through
/// `app`.
fn completion_requested(
    app: &TestApp,
    unit: &str,
    round: &(String, String),
    org: &str,
    title: &str,
) {
    let city = staff(unit);
    let id = ApplicationBuilder::new(org, round)
        .with_title(title)
        .under_review(app, &city)
        .id;
    act(
        app,
        &format!("{APPS}/{id}/request_completion"),
        &city,
        Some(json!({"message": "Please add a budget"})),
    );
}

/// An application of `org` taken through a completion request, a decision
/// and a payment.
fn decided_and_paid(w: &World, org: &str, title: &str) -> String {
    let programme = ProgrammeBuilder::new(&w.unit).open(&w.app);
    let city = decider(&w.unit, 50_000, "beslutsfattare");
    let id = ApplicationBuilder::new(org, &(programme.id.clone(), programme.rounds[0].clone()))
        .with_title(title)
        .under_review(&w.app, &city)
        .id;
    let path = format!("{APPS}/{id}");
    act(
        &w.app,
        &format!("{path}/request_completion"),
        &city,
        Some(json!({"message": "Please add the budget for premises"})),
    );
    act(&w.app, &format!("{path}/complete"), &partner(org), None);
    act(
        &w.app,
        &format!("{path}/conflict-declarations"),
        &city,
        Some(json!({"has_conflict": false})),
    );
    act(
        &w.app,
        &format!("{path}/decide"),
        &city,
        Some(json!({"outcome": "partly_granted", "granted_sek": 12500, "motivation": "Good"})),
    );
    act(
        &w.app,
        &format!("{path}/payments"),
        &city,
        Some(json!({"amount_sek": 12500, "paid_on": "2027-01-15"})),
    );
    id
}

#[test]
fn an_applicant_is_told_of_completion_decision_and_payment_in_its_language() {
    let smtp = Smtp::start(0);
    let w = World::build().with_settings(smtp.settings()).create();
    let (english, swedish) = (w.orgs[0].clone(), w.orgs[1].clone());
    set_contact(&w.app, &english, "info@reningsborg.se", "en");
    set_contact(&w.app, &swedish, "kansli@passalen.se", "sv");

    let id = decided_and_paid(&w, &english, "Second-hand workshop");
    decided_and_paid(&w, &swedish, "Läxhjälp");

    let mails = smtp.wait_for(6);
    assert_eq!(mails.len(), 6, "three notices each: {mails:#?}");
    let to = |address: &str| -> Vec<String> {
        mails
            .iter()
            .filter(|m| m.recipients == [address])
            .map(|m| m.header("Subject"))
            .collect()
    };
    assert_eq!(
        to("info@reningsborg.se"),
        [
            "Completion requested: Second-hand workshop",
            "Decision on application: Second-hand workshop",
            "Payment recorded: Second-hand workshop"
        ]
    );
    assert_eq!(
        to("kansli@passalen.se"),
        [
            "Komplettering begärs: Läxhjälp",
            "Beslut om ansökan: Läxhjälp",
            "Utbetalning registrerad: Läxhjälp"
        ]
    );
    // Only the organisations' contact addresses: never a staff member's,
    // the decider's, or anyone else's.
    assert!(mails.iter().all(|m| m.recipients.len() == 1));
    let decision = mails
        .iter()
        .find(|m| m.header("Subject").starts_with("Decision"))
        .unwrap();
    assert_eq!(decision.header("From"), "Samverkan <samverkan@goteborg.se>");
    let text = decision.text();
    assert!(text.contains("partly granted: SEK 12 500."), "{text}");
    assert!(
        text.contains(&format!("/api/v1/grant-applications/{id}")),
        "{text}"
    );

    // The organisation sees what was sent to it; so does the city.
    let listed = sent_notices(&w.app, &english, 3);
    let kinds: Vec<&str> = listed.iter().map(|n| n["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "completion_requested",
            "decision_recorded",
            "payment_recorded"
        ]
    );
    for n in &listed {
        assert_eq!(n["status"], "sent", "{n}");
        assert_eq!(n["recipient"], "info@reningsborg.se");
        assert_eq!(n["language"], "en");
        assert_eq!(
            n["about"]["href"],
            format!("/api/v1/grant-applications/{id}")
        );
    }
    assert_eq!(notices(&w.app, &english, Some(&partner(&english))).len(), 3);
    assert_eq!(
        notices(&w.app, &english, Some(&staff(&w.other_unit))).len(),
        3
    );
    let one = &listed[1];
    let res = w.app.get(
        &format!("{ORGS}/{english}/notices/{}", one["id"].as_str().unwrap()),
        Some(&partner(&english)),
    );
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["subject"], one["subject"]);
    // Another organisation's notice is not found under this one.
    let theirs = &notices(&w.app, &swedish, Some(&admin()))[0];
    let res = w.app.get(
        &format!(
            "{ORGS}/{english}/notices/{}",
            theirs["id"].as_str().unwrap()
        ),
        Some(&admin()),
    );
    assert_eq!(res.status, 404);
}

#[test]
fn another_organisation_and_anonymous_callers_may_not_read_notices() {
    let smtp = Smtp::start(0);
    let w = World::build().with_settings(smtp.settings()).create();
    let (own, other) = (&w.orgs[0], &w.orgs[1]);
    let path = format!("{ORGS}/{own}/notices");
    let res = w.app.get(&path, Some(&partner(other)));
    assert_eq!(res.status, 403, "{}", res.text);
    assert_eq!(w.app.get(&path, None).status, 401);
    let res = w.app.get(
        &format!("{ORGS}/{own}/notices/0193a1b2-0000-7000-8000-0000000000e1"),
        Some(&partner(other)),
    );
    assert_eq!(res.status, 403);
    assert_eq!(w.app.get(&path, Some(&partner(own))).status, 200);
    let unknown = "0193a1b2-0000-7000-8000-00000000ffff";
    assert_eq!(
        w.app
            .get(&format!("{ORGS}/{unknown}/notices"), Some(&admin()))
            .status,
        404
    );
}

#[test]
fn registrations_and_changes_of_an_event_are_told_to_those_registered() {
    let smtp = Smtp::start(0);
    let w = World::build()
        .with_settings(smtp.settings())
        .with_organisations(vec![
            OrganisationBuilder::new("Passalen"),
            OrganisationBuilder::new("KFUM Göteborg"),
            OrganisationBuilder::new("Reningsborg"),
        ])
        .create();
    let emails = ["kansli@passalen.se", "info@kfum.se", "info@reningsborg.se"];
    for (org, email) in w.orgs.iter().zip(emails) {
        set_contact(&w.app, org, email, "sv");
    }
    let event = EventBuilder::new(&w.unit)
        .with_title("Idésluss Lundby")
        .with_capacity(json!(3))
        .published(&w.app)
        .id;
    let regs = format!("{EVENTS}/{event}/registrations");
    let register = |org: &str| {
        let res = w.app.post(
            &regs,
            Some(&partner(org)),
            &json!({"organisation_id": org, "participants": 3}),
        );
        assert_eq!(res.status, 201, "{}", res.text);
        res.json()
    };
    let first = register(&w.orgs[0]);
    assert_eq!(first["status"], "registered");
    assert_eq!(register(&w.orgs[1])["status"], "waitlisted");
    // Passalen cancels: KFUM moves up.
    act(
        &w.app,
        &format!("{regs}/{}/cancel", first["id"].as_str().unwrap()),
        &partner(&w.orgs[0]),
        None,
    );
    smtp.wait_for(2);
    // The event moves, then is cancelled: KFUM (registered) is told;
    // Passalen (cancelled) and Reningsborg (never registered) are not.
    let res = w.app.patch(
        &format!("{EVENTS}/{event}"),
        Some(&staff(&w.unit)),
        &json!({"title": "Idésluss Lundby (ny lokal)"}),
        None,
    );
    assert_eq!(res.status, 200, "{}", res.text);
    act(
        &w.app,
        &format!("{EVENTS}/{event}/cancel"),
        &staff(&w.unit),
        Some(json!({"reason": "för få anmälda"})),
    );

    let mails = smtp.wait_for(4);
    let subjects: Vec<(String, String)> = mails
        .iter()
        .map(|m| (m.recipients.join(","), m.header("Subject")))
        .collect();
    assert_eq!(
        subjects,
        [
            (
                "kansli@passalen.se".into(),
                "Anmälan bekräftad: Idésluss Lundby".into()
            ),
            (
                "info@kfum.se".into(),
                "Ni har fått plats: Idésluss Lundby".into()
            ),
            (
                "info@kfum.se".into(),
                "Ändrad träff: Idésluss Lundby (ny lokal)".into()
            ),
            (
                "info@kfum.se".into(),
                "Inställd träff: Idésluss Lundby (ny lokal)".into()
            ),
        ]
    );
    let cancelled = &mails[3];
    let text = cancelled.text();
    assert!(text.contains("för få anmälda"), "{text}");
    let listed = sent_notices(&w.app, &w.orgs[1], 3);
    assert!(listed
        .iter()
        .all(|n| n["about"]["href"] == format!("/api/v1/dialogue-events/{event}")));
    assert!(notices(&w.app, &w.orgs[2], Some(&admin())).is_empty());
}

#[test]
fn a_refused_delivery_is_tried_again_and_an_address_less_organisation_is_not_told() {
    let smtp = Smtp::start(2);
    let w = World::build().with_settings(smtp.settings()).create();
    set_contact(&w.app, &w.orgs[0], "info@reningsborg.se", "sv");
    // Passalen has no contact address: nothing is made for it.
    let res = w.app.patch(
        &format!("{ORGS}/{}", w.orgs[1]),
        Some(&partner(&w.orgs[1])),
        &json!({"contact_email": null}),
        None,
    );
    assert_eq!(res.status, 200, "{}", res.text);
    let programme = ProgrammeBuilder::new(&w.unit).open(&w.app);
    let round = (programme.id.clone(), programme.rounds[0].clone());
    for org in &w.orgs {
        completion_requested(&w.app, &w.unit, &round, org, "Läxhjälp");
    }
    let mails = smtp.wait_for(1);
    assert_eq!(mails.len(), 1, "{mails:#?}");
    let listed = sent_notices(&w.app, &w.orgs[0], 1);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["status"], "sent");
    assert_eq!(
        listed[0]["attempts"], 3,
        "two refusals, then sent: {}",
        listed[0]
    );
    assert_eq!(listed[0]["last_error"], Value::Null);
    assert!(notices(&w.app, &w.orgs[1], Some(&admin())).is_empty());
}

#[test]
fn without_an_smtp_server_no_notice_is_made() {
    let w = World::new();
    set_contact(&w.app, &w.orgs[0], "info@reningsborg.se", "sv");
    let programme = ProgrammeBuilder::new(&w.unit).open(&w.app);
    let round = (programme.id.clone(), programme.rounds[0].clone());
    completion_requested(&w.app, &w.unit, &round, &w.orgs[0], "Läxhjälp");
    std::thread::sleep(Duration::from_millis(1500));
    assert!(notices(&w.app, &w.orgs[0], Some(&admin())).is_empty());
}

#[test]
fn two_replicas_send_each_notice_once() {
    let smtp = Smtp::start(0);
    let w = World::build().with_settings(smtp.settings()).create();
    let replica = w.app.replica_with(smtp.settings());
    set_contact(&w.app, &w.orgs[0], "info@reningsborg.se", "sv");
    let programme = ProgrammeBuilder::new(&w.unit).open(&w.app);
    let round = (programme.id.clone(), programme.rounds[0].clone());
    let n = 6;
    for i in 0..n {
        // Alternate the servers that write.
        let app: &TestApp = if i % 2 == 0 { &w.app } else { &replica };
        completion_requested(app, &w.unit, &round, &w.orgs[0], &format!("Ansökan {i}"));
    }
    let mails = smtp.wait_for(n);
    let mut per_id: HashMap<String, usize> = HashMap::new();
    for m in &mails {
        *per_id.entry(m.header("Message-ID")).or_default() += 1;
    }
    assert_eq!(per_id.len(), n, "{mails:#?}");
    assert!(per_id.values().all(|&count| count == 1), "{per_id:?}");
    assert_eq!(sent_notices(&w.app, &w.orgs[0], n).len(), n);
}

#[test]
fn the_delivery_status_shows_what_waits_and_only_to_admins() {
    // Every delivery refused: the notice waits.
    let smtp = Smtp::start(1000);
    let w = World::build().with_settings(smtp.settings()).create();
    set_contact(&w.app, &w.orgs[0], "info@reningsborg.se", "sv");
    let programme = ProgrammeBuilder::new(&w.unit).open(&w.app);
    let round = (programme.id.clone(), programme.rounds[0].clone());
    completion_requested(&w.app, &w.unit, &round, &w.orgs[0], "Läxhjälp");
    let status = |token: Option<&str>| w.app.get("/api/v1/delivery-status", token);
    let start = Instant::now();
    let body = loop {
        let res = status(Some(&admin()));
        assert_eq!(res.status, 200, "{}", res.text);
        let body = res.json();
        if body["notices"]["pending"] == 1 || start.elapsed() > Duration::from_secs(15) {
            break body;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(body["notices"]["pending"], 1, "{body}");
    assert!(
        body["notices"]["oldest_pending_since"].is_string(),
        "{body}"
    );
    let names: Vec<&str> = body["consumers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"notices"), "{body}");
    assert!(body["webhook_deliveries"]["pending"].is_number(), "{body}");
    assert_eq!(status(None).status, 401);
    for token in [staff(&w.unit), partner(&w.orgs[0])] {
        assert_eq!(status(Some(&token)).status, 403);
    }
}
