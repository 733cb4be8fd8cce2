//! `samverkan import`: the built binary against a test server (`--url`)
//! and straight against its database (`--database-url`): exit codes, the
//! summary, progress lines, the failed-rows file, resume after a kill.

use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::helpers::{admin, partner, spawn_app, TestApp};

fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_samverkan"));
    cmd.arg("import")
        .args(args)
        .env_remove("SAMVERKAN_URL")
        .env_remove("SAMVERKAN_TOKEN")
        .stdin(Stdio::null());
    cmd
}

fn run(args: &[&str]) -> Output {
    command(args).output().expect("the binary runs")
}

fn over_http(app: &TestApp, token: &str, file: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "organisations",
        file.to_str().unwrap(),
        "--url",
        &app.base,
        "--token",
        token,
    ];
    args.extend_from_slice(extra);
    run(&args)
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("an exit code")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A number of the summary table (`created        3`).
fn figure(out: &Output, name: &str) -> u64 {
    let text = stdout(out);
    text.lines()
        .find_map(|l| {
            let mut parts = l.split_whitespace();
            (parts.next() == Some(name)).then(|| parts.next().unwrap().parse().unwrap())
        })
        .unwrap_or_else(|| panic!("no `{name}` in the summary:\n{text}\n{}", stderr(out)))
}

fn organisations(app: &TestApp) -> Vec<Value> {
    app.all_items("/api/v1/organisations?limit=100", Some(&admin()))
}

fn external_ids(app: &TestApp) -> Vec<String> {
    organisations(app)
        .iter()
        .filter_map(|o| o["external_id"].as_str().map(str::to_owned))
        .collect()
}

fn ndjson(rows: impl Iterator<Item = Value>) -> String {
    rows.map(|r| format!("{r}\n")).collect()
}

fn generated(n: usize) -> String {
    ndjson((0..n).map(|i| {
        json!({"name": format!("Förening {i}"), "legal_form": "other", "external_id": format!("gen-{i}")})
    }))
}

const MIXED: &str = "name;organisation_number;legal_form;external_id
Gårdsällskapet;802512-0000;non_profit_association;m-1
Åkerbär;802613-0009;cooperative;m-2
Öarna;;foundation;m-3
Lyktan;;no_such_form;m-4
Bryggan;;other;m-5
";

#[test]
fn a_mixed_file_fails_its_bad_rows_into_a_file_that_imports_once_fixed() {
    let app = spawn_app();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("orgs.csv");
    std::fs::write(&file, MIXED).unwrap();

    let out = over_http(&app, &admin(), &file, &["--chunk-rows", "2"]);
    assert_eq!(code(&out), 1, "{}{}", stdout(&out), stderr(&out));
    assert_eq!(figure(&out, "rows"), 5);
    assert_eq!(figure(&out, "created"), 3);
    assert_eq!(figure(&out, "errors"), 2);
    assert!(stdout(&out).contains("rows/s"), "{}", stdout(&out));
    // Not a terminal: a plain progress line per chunk.
    let progress = stderr(&out)
        .lines()
        .filter(|l| l.starts_with("import: ") && l.contains("rows/s"))
        .count();
    assert_eq!(progress, 3, "{}", stderr(&out));
    assert!(!dir.path().join("orgs.csv.import-state").exists());

    let failed = dir.path().join("orgs.failed.csv");
    let text = std::fs::read_to_string(&failed).expect("a failed-rows file");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "name;organisation_number;legal_form;external_id;error"
    );
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[1].starts_with("Åkerbär;802613-0009;cooperative;m-2;"));
    assert!(lines[1].contains("line 3: organisation_number: "), "{text}");
    assert!(
        lines[2].starts_with("Lyktan;;no_such_form;m-4;line 5: legal_form"),
        "{text}"
    );
    let mut ids = external_ids(&app);
    ids.sort();
    assert_eq!(ids, ["m-1", "m-3", "m-5"]);

    // Fixed in place, the error column left as it is: imported as it is.
    let fixed = text
        .replace("802613-0009", "802714-0006")
        .replace("no_such_form", "other");
    std::fs::write(&failed, fixed).unwrap();
    let out = over_http(&app, &admin(), &failed, &[]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert_eq!(figure(&out, "created"), 2);
    assert!(!dir.path().join("orgs.failed.failed.csv").exists());

    // The whole file again, the bad rows fixed: nothing changes.
    std::fs::write(
        &file,
        MIXED
            .replace("802613-0009", "802714-0006")
            .replace("no_such_form", "other"),
    )
    .unwrap();
    let out = over_http(&app, &admin(), &file, &[]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert_eq!(figure(&out, "unchanged"), 5);
    assert!(!failed.exists(), "no failed rows, no failed-rows file");
    assert_eq!(organisations(&app).len(), 5);
}

#[test]
fn a_partner_or_a_wrong_header_is_refused_with_exit_code_2_and_nothing_written() {
    let app = spawn_app();
    let org = app.create_organisation(json!({"name": "Egen", "legal_form": "other"}));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("orgs.csv");
    std::fs::write(&file, MIXED).unwrap();
    let out = over_http(&app, &partner(&org), &file, &[]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("403"), "{}", stderr(&out));
    assert_eq!(organisations(&app).len(), 1);

    std::fs::write(&file, "namn;legal_form\nA;other\n").unwrap();
    let out = over_http(&app, &admin(), &file, &[]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let message = stderr(&out);
    assert!(message.contains("import_header_mismatch"), "{message}");
    assert!(message.contains("unknown columns: namn"), "{message}");
    assert!(message.contains("missing columns: name"), "{message}");
    assert_eq!(organisations(&app).len(), 1);

    // No service to speak to, or no token: usage errors.
    let out = run(&["organisations", file.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    let out = run(&[
        "organisations",
        file.to_str().unwrap(),
        "--url",
        "http://127.0.0.1:9",
        "--token",
        "x",
    ]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}

#[test]
fn straight_against_the_database_a_clean_file_imports_and_a_rerun_is_unchanged() {
    // The test server's own fresh database (a SQLite file, or a schema of
    // its own on PostgreSQL): the command starts its own service on it.
    let app = spawn_app();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("orgs.ndjson");
    std::fs::write(&file, generated(25)).unwrap();
    let args = [
        "organisations",
        file.to_str().unwrap(),
        "--database-url",
        app.database_url(),
        "--chunk-rows",
        "10",
    ];
    let out = run(&args);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert_eq!(figure(&out, "created"), 25);
    assert_eq!(external_ids(&app).len(), 25);
    let out = run(&args);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert_eq!(figure(&out, "unchanged"), 25);

    // A dry run and an atomic run with a bad row write nothing.
    let bad = format!(
        "{}{}",
        generated(1).replace("gen-0", "new-1"),
        json!({"name": "Fel", "legal_form": "nope", "external_id": "new-2"})
    );
    std::fs::write(&file, bad).unwrap();
    for mode in ["--dry-run", "--atomic"] {
        let out = run(&[
            "organisations",
            file.to_str().unwrap(),
            "--database-url",
            app.database_url(),
            mode,
        ]);
        assert_eq!(code(&out), 1, "{mode}: {}{}", stdout(&out), stderr(&out));
        assert!(stdout(&out).contains("nothing was written"), "{mode}");
        let failed = std::fs::read_to_string(dir.path().join("orgs.failed.ndjson")).unwrap();
        let row: Value = serde_json::from_str(failed.trim()).unwrap();
        assert_eq!(row["external_id"], "new-2");
        assert!(
            row["_error"].as_str().unwrap().contains("legal_form"),
            "{row}"
        );
    }
    assert_eq!(external_ids(&app).len(), 25);
}

fn wait_for(path: &Path, deadline: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < deadline {
        if path.exists() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

#[test]
fn a_killed_import_resumes_after_its_last_confirmed_chunk_with_no_duplicates() {
    let app = spawn_app();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.ndjson");
    let rows = 1500;
    std::fs::write(&file, generated(rows)).unwrap();
    let token = admin();
    let args = [
        "organisations",
        file.to_str().unwrap(),
        "--url",
        &app.base,
        "--token",
        &token,
        "--chunk-rows",
        "50",
    ];
    let state = dir.path().join("big.ndjson.import-state");
    let mut child = command(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    assert!(wait_for(&state, Duration::from_secs(60)), "no state file");
    assert!(
        child.try_wait().unwrap().is_none(),
        "the import ended before it was killed"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    let confirmed = saved["summary"]["rows"].as_u64().unwrap();
    assert!(confirmed > 0 && confirmed < rows as u64, "{saved}");

    let out = run(&args);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert!(
        stderr(&out).contains("resuming after line"),
        "{}",
        stderr(&out)
    );
    assert_eq!(figure(&out, "rows"), rows as u64);
    assert!(!state.exists());
    let ids = external_ids(&app);
    assert_eq!(ids.len(), rows, "exactly the file's records");
    let distinct: HashSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), rows, "no duplicates");
}

#[test]
fn a_windows_1252_file_is_sent_as_such_and_its_failed_rows_stay_in_its_charset() {
    let app = spawn_app();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("excel.csv");
    std::fs::write(
        &file,
        b"name;legal_form;external_id\r\nG\xe5rds\xe4llskapet;other;w-1\r\n\xd6arna;nope;w-2\r\n",
    )
    .unwrap();
    let out = over_http(&app, &admin(), &file, &[]);
    assert_eq!(code(&out), 1, "{}{}", stdout(&out), stderr(&out));
    let orgs = organisations(&app);
    assert_eq!(orgs.len(), 1);
    assert_eq!(orgs[0]["name"], "Gårdsällskapet");
    let failed = std::fs::read(dir.path().join("excel.failed.csv")).unwrap();
    assert!(
        failed.starts_with(
            b"name;legal_form;external_id;error\n\xd6arna;nope;w-2;line 3: legal_form"
        ),
        "{}",
        String::from_utf8_lossy(&failed)
    );
}
