//! The README's walkthroughs run as written against the demo: the demo data
//! is loaded by the same code `serve --demo` runs (`demo::load` and
//! `demo::DemoSession`), its `export` lines are pasted into a shell, and
//! every `sh` block of the README that speaks to the API runs there with
//! `bash -euo pipefail`, curl and jq. Every HTTP answer must be a success.

use std::process::Command;

use crate::helpers::{spawn_app, test_settings};

const README: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));

/// Blocks that build, test, deploy or benchmark the service itself; they do
/// not speak to a running demo.
fn is_operations_block(block: &str) -> bool {
    ["cargo ", "docker ", "benches/", "openssl ", ".ci/"]
        .iter()
        .any(|word| block.contains(word))
}

fn sh_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_start()) {
            (None, "```sh") => current = Some(String::new()),
            (Some(_), "```") => blocks.push(current.take().unwrap()),
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

/// Wraps curl: refuses an empty `If-Match` (curl would drop it and the
/// guarded change would run unguarded), prints the body as curl would, logs
/// the status, and fails the command on anything but 2xx.
const PRELUDE: &str = r#"
curl() {
  local out status
  out=$(command curl -sS -w '\n@@status@@%{http_code}' "$@")
  status=${out##*@@status@@}
  out=${out%@@status@@*}
  printf '%s' "$out"
  local url=""
  for arg in "$@"; do
    case $arg in
      http*) url=$arg;;
      # a guard read from a failed HEAD would be dropped by curl, unguarded
      "If-Match:"|"If-Match: ") echo "empty If-Match" >&2; return 1;;
    esac
  done
  echo "$status $url" >> "$README_LOG"
  case $status in
    2??) ;;
    *) echo "HTTP $status from $url: $out" >&2; return 1;;
  esac
}
"#;

#[test]
fn every_readme_walkthrough_runs_as_written_against_the_demo() {
    let app = spawn_app();
    let settings = test_settings();
    let url = samverkan::config::DatabaseUrl::parse(app.database_url()).expect("url");
    let pool = samverkan::db::connect(&url, 1, settings.database_timeouts).expect("pool");
    let ids = samverkan::demo::load(&mut pool.get().expect("connection")).expect("demo loads");
    let session =
        samverkan::demo::DemoSession::new(&ids, &settings.jwt, &app.base).expect("tokens");
    let banner = session.banner(&app.base);
    let exports = session.export_lines();
    assert!(banner.contains(&exports), "serve --demo prints the exports");
    for name in [
        "API=",
        "UNIT=",
        "ORG=",
        "PROGRAMME=",
        "ROUND=",
        "PAST_EVENT=",
        "YEAR=",
        "TODAY=",
        "STAFF=",
        "LUNDBY_STAFF=",
        "PARTNER=",
        "ADMIN=",
    ] {
        assert!(
            exports.contains(&format!("export {name}")),
            "{name} exported"
        );
    }

    let blocks: Vec<String> = sh_blocks(README)
        .into_iter()
        .filter(|b| !is_operations_block(b))
        .collect();
    assert_eq!(
        blocks.len(),
        4,
        "the demo, partnership, grant and event walkthroughs"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    for (n, block) in blocks.iter().enumerate() {
        let log = dir.path().join(format!("block-{n}.log"));
        let script = format!(
            "{exports}\nexport README_LOG='{}'\n{PRELUDE}\n{block}",
            log.display()
        );
        let out = Command::new("bash")
            .args(["-euo", "pipefail", "-c", &script])
            .output()
            .expect("bash, curl and jq are installed");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "README block {n} failed:\n{block}\nstdout:\n{stdout}\nstderr:\n{stderr}"
        );
        let statuses = std::fs::read_to_string(&log).unwrap_or_default();
        let calls = block.matches("curl ").count();
        assert!(
            statuses.lines().count() >= calls,
            "every curl of block {n} ran ({statuses})"
        );
        for line in statuses.lines() {
            assert!(
                line.starts_with('2'),
                "block {n}: {line}\n{block}\nstdout:\n{stdout}\nstderr:\n{stderr}"
            );
        }
        check_outcome(n, &stdout);
    }
}

/// What each walkthrough must have reached, read from what it printed.
fn check_outcome(n: usize, stdout: &str) {
    let expect: &[&str] = match n {
        0 => &["Jobs for young people in Tynnered."],
        1 => &["40 walks held", "State PRIO grant", "extended: period"],
        2 => &["\"close\"", "\"partly_granted\""],
        3 => &[
            "BEGIN:VCALENDAR",
            "Passalen and KFUM start a joint summer activity",
        ],
        _ => &[],
    };
    for text in expect {
        assert!(stdout.contains(text), "block {n} printed {text}:\n{stdout}");
    }
}
