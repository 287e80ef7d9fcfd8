//! Snapshots and `verity diff` as a user meets them: a changed answer fails
//! its snapshot with a readable diff until the new answer is accepted; CI
//! writes nothing; secrets stay out of snapshot files; `verity diff` lists
//! exactly the cases whose answers differ.

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::get;
use support::{
    args, last_line, path_str, suite_dir, text, verity_async, verity_async_env, verity_env,
};
use verity::reference::{self, Faults, Options};

/// Runs the verity binary with `CI` set or not, whatever the test itself
/// runs under.
fn verity_ci(args: &[&str], ci: bool) -> Output {
    verity_env(args, if ci { &[("CI", "true")] } else { &[] })
}

async fn verity_ci_async(args: Vec<String>, ci: bool) -> Output {
    let env = if ci {
        vec![("CI".to_string(), "true".to_string())]
    } else {
        Vec::new()
    };
    verity_async_env(args, env).await
}

/// A server whose greeting the test can change; each answer also carries a
/// new id, which the suite redacts.
async fn greeting_server(greeting: Arc<Mutex<String>>) -> (String, tokio::task::JoinHandle<()>) {
    let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let app = Router::new().route(
        "/greeting",
        get(move || {
            let text = greeting.lock().unwrap().clone();
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            async move { axum::Json(serde_json::json!({"text": text, "id": format!("id-{n}")})) }
        }),
    );
    support::serve(app).await
}

const GREETING_SUITE: &str = "name: s\nsnapshots:\n  headers: [content-type]\n  redact:\n    - { path: $.id, as: \"[id]\" }\n";
const GREETING_CASE: &str = "cases:\n  - name: greet\n    steps:\n      - request: { method: GET, path: /greeting }\n        expect: { status: 200 }\n";

/// `verity run` of these cases against `url` with this snapshot mode.
fn snapshot_run(cases: &str, url: &str, mode: &str, snapshot_dir: &str) -> Vec<String> {
    args(&[
        "run",
        "--cases",
        cases,
        "--base-url",
        url,
        "--snapshots",
        mode,
        "--snapshot-dir",
        snapshot_dir,
    ])
}

fn files_under(dir: &Path) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.extend(files_under(&path));
            } else {
                found.insert(path.file_name().unwrap().to_string_lossy().into_owned());
            }
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_answer_fails_its_snapshot_with_a_diff_until_accepted() {
    let greeting = Arc::new(Mutex::new("hello".to_string()));
    let (url, task) = greeting_server(greeting.clone()).await;
    let cases = suite_dir(GREETING_SUITE, &[("c.yaml", GREETING_CASE)]);
    let snapshots = tempfile::tempdir().unwrap();
    let snap_dir = path_str(snapshots.path());
    let cases_dir = path_str(cases.path());
    let run = |mode: &str| snapshot_run(&cases_dir, &url, mode, &snap_dir);
    let accept = args(&["snapshots", "accept", "--snapshot-dir", &snap_dir]);

    // Record the first answer.
    let output = verity_ci_async(run("update"), false).await;
    let (stdout, _) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("no snapshot"), "{stdout}");
    assert!(stdout.contains("1 pending in"), "{stdout}");
    assert_eq!(
        files_under(snapshots.path()),
        BTreeSet::from(["greet@1.snap.new".to_string()])
    );
    let output = verity_ci_async(accept.clone(), false).await;
    assert_eq!(output.status.code(), Some(0), "{:?}", text(&output));
    assert!(text(&output).0.contains("1 snapshot accepted"));
    let stored = std::fs::read_to_string(snapshots.path().join("s/greet@1.snap")).unwrap();
    assert!(stored.contains("\"id\": \"[id]\""), "{stored}");
    assert!(stored.contains("\"text\": \"hello\""), "{stored}");

    // The same answer (a new id, redacted) passes, on CI too.
    let output = verity_ci_async(run("check"), true).await;
    assert_eq!(output.status.code(), Some(0), "{:?}", text(&output));

    // A changed answer fails with a diff of the stored against this run's.
    *greeting.lock().unwrap() = "hullo".to_string();
    let output = verity_ci_async(run("check"), false).await;
    let (stdout, _) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("FAIL  s::greet"), "{stdout}");
    assert!(stdout.contains("✗ snapshot greet@1"), "{stdout}");
    assert!(stdout.contains("the answer differs from"), "{stdout}");
    assert!(stdout.contains("-  \"text\": \"hello\""), "{stdout}");
    assert!(stdout.contains("+  \"text\": \"hullo\""), "{stdout}");
    assert!(
        stdout.contains("   \"id\": \"[id]\""),
        "the diff keeps context: {stdout}"
    );
    assert!(
        last_line(&stdout).ends_with("0 passed, 1 failed"),
        "{stdout}"
    );
    assert!(
        !files_under(snapshots.path()).contains("greet@1.snap.new"),
        "check mode wrote a file"
    );

    // Update writes it pending, `pending` shows it, accept makes it the snapshot.
    let output = verity_ci_async(run("update"), false).await;
    assert_eq!(output.status.code(), Some(1));
    let pending = args(&["snapshots", "pending", "--snapshot-dir", &snap_dir]);
    let output = verity_ci_async(pending, false).await;
    let (stdout, _) = text(&output);
    assert!(stdout.contains("+  \"text\": \"hullo\""), "{stdout}");
    assert!(stdout.contains("1 snapshot pending"), "{stdout}");
    let output = verity_ci_async(accept.clone(), false).await;
    assert_eq!(output.status.code(), Some(0));
    let output = verity_ci_async(run("check"), true).await;
    let (stdout, _) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        last_line(&stdout).ends_with("1 passed, 0 failed"),
        "{stdout}"
    );
    assert_eq!(
        files_under(snapshots.path()),
        BTreeSet::from(["greet@1.snap".to_string()])
    );

    // Rejecting drops a pending answer and keeps the snapshot.
    *greeting.lock().unwrap() = "hey".to_string();
    verity_ci_async(run("update"), false).await;
    let output = verity_ci_async(
        args(&["snapshots", "reject", "--snapshot-dir", &snap_dir]),
        false,
    )
    .await;
    assert!(
        text(&output).0.contains("1 snapshot rejected"),
        "{:?}",
        text(&output)
    );
    let stored = std::fs::read_to_string(snapshots.path().join("s/greet@1.snap")).unwrap();
    assert!(stored.contains("\"text\": \"hullo\""), "{stored}");
    assert_eq!(
        files_under(snapshots.path()),
        BTreeSet::from(["greet@1.snap".to_string()])
    );
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renamed_case_leaves_a_snapshot_that_run_names_and_prune_deletes() {
    let greeting = Arc::new(Mutex::new("hello".to_string()));
    let (url, task) = greeting_server(greeting).await;
    let cases = suite_dir(GREETING_SUITE, &[("c.yaml", GREETING_CASE)]);
    let snapshots = tempfile::tempdir().unwrap();
    let snap_dir = path_str(snapshots.path());
    let cases_dir = path_str(cases.path());
    let run = |mode: &str| snapshot_run(&cases_dir, &url, mode, &snap_dir);
    let prune = |extra: &[&str]| {
        let mut argv = args(&[
            "snapshots",
            "prune",
            "--cases",
            &cases_dir,
            "--snapshot-dir",
            &snap_dir,
        ]);
        argv.extend(args(extra));
        argv
    };
    verity_ci_async(run("update"), false).await;
    let accept = args(&["snapshots", "accept", "--snapshot-dir", &snap_dir]);
    assert_eq!(verity_ci_async(accept, false).await.status.code(), Some(0));
    // Nothing to say while every snapshot has its step.
    let output = verity_ci_async(run("check"), false).await;
    assert_eq!(output.status.code(), Some(0), "{:?}", text(&output));
    assert!(
        !text(&output).1.contains("belongs to no step"),
        "{:?}",
        text(&output)
    );

    std::fs::write(
        cases.path().join("s/c.yaml"),
        GREETING_CASE.replace("name: greet", "name: hail"),
    )
    .unwrap();
    // The renamed case records its answer as pending; the old file stays.
    let output = verity_ci_async(run("update"), false).await;
    let (_, stderr) = text(&output);
    assert!(
        stderr.contains("greet@1.snap belongs to no step of the cases"),
        "{stderr}"
    );
    assert!(
        stderr.contains("`verity snapshots prune` deletes it"),
        "{stderr}"
    );

    let output = verity_ci_async(prune(&["--dry-run"]), false).await;
    let (stdout, _) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("would delete") && stdout.contains("greet@1.snap"),
        "{stdout}"
    );
    assert!(snapshots.path().join("s/greet@1.snap").exists());

    let output = verity_ci_async(prune(&[]), false).await;
    let (stdout, _) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("1 unreferenced snapshot file deleted"),
        "{stdout}"
    );
    let left = files_under(snapshots.path());
    assert!(!left.contains("greet@1.snap"), "{left:?}");
    // The renamed case's own (pending) snapshot is not touched.
    assert!(left.contains("hail@1.snap.new"), "{left:?}");
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_ci_set_nothing_is_written_and_a_missing_snapshot_fails() {
    let (url, task) = greeting_server(Arc::new(Mutex::new("hello".into()))).await;
    let cases = suite_dir(GREETING_SUITE, &[("c.yaml", GREETING_CASE)]);
    let snapshots = tempfile::tempdir().unwrap();
    let base = [
        "run",
        "--cases",
        &path_str(cases.path()),
        "--base-url",
        &url,
        "--snapshot-dir",
        &path_str(snapshots.path()),
    ];
    let output = verity_ci_async(
        args(&[&base[..], &["--snapshots", "update"]].concat()),
        true,
    )
    .await;
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("CI is set"), "{stderr}");

    let output = verity_ci_async(args(&base), true).await;
    let (stdout, _) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("no snapshot"), "{stdout}");
    assert!(
        stdout.contains("CI is set, so nothing is written"),
        "{stdout}"
    );
    assert!(files_under(snapshots.path()).is_empty());
    task.abort();
}

/// Against a URL, the committed snapshots (the reference servers' answers)
/// are not checked unless asked: the default run gates on documented rules.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn against_a_url_snapshots_are_checked_only_when_asked() {
    let (url, task) = greeting_server(Arc::new(Mutex::new("hello".into()))).await;
    let cases = suite_dir(GREETING_SUITE, &[("c.yaml", GREETING_CASE)]);
    let output = verity_ci_async(
        args(&[
            "run",
            "--cases",
            &path_str(cases.path()),
            "--base-url",
            &url,
        ]),
        true,
    )
    .await;
    let (stdout, _) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(!stdout.contains("snapshot"), "{stdout}");
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_stay_out_of_snapshot_files_and_diffs() {
    let secret = "s3cr3t-Key/with+odd chars";
    // Each answer differs (`n`), so a diff of two runs shows lines with the key.
    let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let app = Router::new().route(
        "/me",
        get(move |headers: axum::http::HeaderMap| {
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            async move {
                let key = headers
                    .get("x-api-key")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                (
                    [("x-echo", format!("{key} {n}"))],
                    axum::Json(serde_json::json!({ "key": key, "n": n })),
                )
            }
        }),
    );
    let (url, task) = support::serve(app).await;
    let suite = "name: s\nheaders:\n  x-api-key: \"${key}\"\nvariables:\n  key: { secret: true, required: true }\nsnapshots:\n  headers: [x-echo]\n";
    let case = "cases:\n  - name: me\n    steps:\n      - request: { method: GET, path: /me }\n";
    let cases = suite_dir(suite, &[("c.yaml", case)]);
    let snapshots = tempfile::tempdir().unwrap();
    let output = verity_ci_async(
        args(&[
            "run",
            "--cases",
            &path_str(cases.path()),
            "--base-url",
            &url,
            "--var",
            &format!("key={secret}"),
            "--snapshots",
            "update",
            "--snapshot-dir",
            &path_str(snapshots.path()),
        ]),
        false,
    )
    .await;
    assert_eq!(output.status.code(), Some(1), "{:?}", text(&output));
    let written = std::fs::read_to_string(snapshots.path().join("s/me@1.snap.new")).unwrap();
    assert!(written.contains("x-echo: *** 0"), "{written}");
    assert!(written.contains("\"key\": \"***\""), "{written}");
    assert!(!written.contains("s3cr3t"), "{written}");

    let output = verity_ci_async(
        args(&[
            "diff",
            "--cases",
            &path_str(cases.path()),
            "--base-url",
            &url,
            "--against",
            &url,
            "--var",
            &format!("key={secret}"),
        ]),
        false,
    )
    .await;
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("DIFF  s::me"), "{stdout}");
    assert!(stdout.contains("x-echo: ***"), "{stdout}");
    assert!(
        !format!("{stdout}{stderr}").contains("s3cr3t"),
        "{stdout}{stderr}"
    );
    task.abort();
}

#[test]
fn bad_snapshot_sections_are_refused_with_their_place() {
    let step = "cases:\n  - name: a\n    steps:\n      - request: { method: GET, path: /x }\n";
    let suite = |snapshots: &str| format!("name: s\nsnapshots:\n{snapshots}");
    for (suite_yaml, case, want) in [
        (
            suite("  redact:\n    - { path: \"$[\" }\n"),
            step.to_string(),
            "suite.yaml:4:7: `$[` is not a JSONPath",
        ),
        (
            suite("  redact:\n    - { regex: \"(\" }\n"),
            step.to_string(),
            "suite.yaml:4:7: `(` is not a valid regex",
        ),
        (
            suite("  redact:\n    - { path: $.a, regex: a }\n"),
            step.to_string(),
            "give exactly one of `path` or `regex`",
        ),
        (
            suite("  headers: [\"bad header\"]\n"),
            step.to_string(),
            "`bad header` is not a header name",
        ),
        (
            suite("  keep: []\n"),
            step.to_string(),
            "unknown field `keep`",
        ),
        (
            suite("  {}\n"),
            format!(
                "{step}        snapshot:\n          redact:\n            - {{ path: \"$[\" }}\n"
            ),
            "c.yaml:7:15: `$[` is not a JSONPath",
        ),
    ] {
        let dir = suite_dir(&suite_yaml, &[("c.yaml", &case)]);
        let output = verity_ci(&["check", &path_str(dir.path())], false);
        let (_, stderr) = text(&output);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{suite_yaml}{case}: {stderr}"
        );
        assert!(
            stderr.contains(want),
            "{suite_yaml}{case}: expected `{want}` in {stderr}"
        );
    }
}

#[test]
fn cases_that_would_share_a_snapshot_file_are_refused() {
    let case = "cases:\n  - name: a b\n    steps:\n      - request: { method: GET, path: /x }\n  - name: a/b\n    steps:\n      - request: { method: GET, path: /x }\n";
    let dir = suite_dir("name: s\nsnapshots: {}\n", &[("c.yaml", case)]);
    let output = verity_ci(
        &[
            "run",
            "--cases",
            &path_str(dir.path()),
            "--base-url",
            "http://127.0.0.1:1",
            "--snapshots",
            "check",
        ],
        false,
    );
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("would share the snapshot file `a_b@1.snap`"),
        "{stderr}"
    );
}

#[test]
fn the_committed_snapshots_hold_no_run_specific_value() {
    let root = support::repo().join("snapshots");
    let fresh = regex::Regex::new(r"verity[-+][a-z0-9]{6}-[0-9]|mem_[a-z0-9]{20}").unwrap();
    let mut count = 0;
    for suite in ["onsi", "toluna"] {
        for entry in std::fs::read_dir(root.join(suite)).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(
                path.extension().is_some_and(|e| e == "snap"),
                "{} is not a snapshot (pending files are not committed)",
                path.display()
            );
            assert!(!fresh.is_match(&text), "{}: {text}", path.display());
            count += 1;
        }
    }
    assert!(count >= 200, "only {count} snapshots committed");
}

#[test]
fn every_committed_snapshot_belongs_to_a_step() {
    let suites = verity::case::load_root(&support::repo().join("cases"), &[]).unwrap();
    let store = verity::snapshot::SnapshotStore::new(support::repo().join("snapshots"));
    for suite in &suites {
        let names = verity::snapshot::normalize::snapshot_names(&suite.cases);
        let stale = store.unreferenced(&suite.name, &names).unwrap();
        assert!(
            stale.is_empty(),
            "{stale:?}: no step names them (verity snapshots prune)"
        );
    }
}

async fn diff_against(faults: &[&str]) -> (Option<i32>, String) {
    let start = |faults: Faults| async move {
        let options = Options {
            faults,
            ..Options::default()
        };
        reference::start(([127, 0, 0, 1], 0).into(), &options)
            .await
            .unwrap()
    };
    let a = start(Faults::none()).await;
    let b = start(Faults::from_names(faults).unwrap()).await;
    let output = verity_async(args(&[
        "diff",
        "--base-url",
        &a.base_url(),
        "--against",
        &b.base_url(),
        "--var",
        "active_member_id=mem_q5sdae3se6eg9m9dcvug",
        "--no-pacing",
    ]))
    .await;
    a.stop().await;
    b.stop().await;
    let (stdout, stderr) = text(&output);
    (output.status.code(), format!("{stdout}{stderr}"))
}

fn differing(output: &str) -> BTreeSet<String> {
    output
        .lines()
        .filter_map(|l| l.strip_prefix("DIFF  "))
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diff_lists_exactly_the_cases_whose_answers_differ() {
    // Two correct servers: every answer agrees once redacted.
    let (code, output) = diff_against(&[]).await;
    assert_eq!(code, Some(0), "{output}");
    assert!(differing(&output).is_empty(), "{output}");
    assert!(
        last_line(&output).ends_with("cases agree, 0 differ"),
        "{output}"
    );
    let total: usize = last_line(&output)
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(total >= 80, "{output}");

    // An unknown member id answers 500: the four cases of not-found.yaml
    // are the only ones that ask for an unknown member.
    let (code, output) = diff_against(&["onsi-unknown-member-500"]).await;
    assert_eq!(code, Some(1), "{output}");
    let want: BTreeSet<String> = ["get", "patch", "put", "delete"]
        .iter()
        .map(|m| format!("onsi::unknown-member-{m}"))
        .collect();
    assert_eq!(differing(&output), want, "{output}");
    assert!(output.contains("-status: 404\n"), "{output}");
    assert!(output.contains("+status: 500"), "{output}");
    assert!(
        output.contains("+  \"code\": \"InternalServerError\""),
        "{output}"
    );
    assert!(
        last_line(&output).ends_with(&format!("{} of {total} cases agree, 4 differ", total - 4)),
        "{output}"
    );

    // PATCH answers with the old phone: only the two cases whose PATCH
    // changes the phone see another answer.
    let (code, output) = diff_against(&["onsi-patch-drops-phone-echo"]).await;
    assert_eq!(code, Some(1), "{output}");
    assert_eq!(
        differing(&output),
        BTreeSet::from([
            "onsi::patch-echoes-every-field".to_string(),
            "onsi::patch-scalar-fields-echoed".to_string()
        ]),
        "{output}"
    );
}

#[test]
fn diff_needs_a_second_target_and_refuses_the_flags_of_a_run() {
    let output = verity_ci(&["diff"], false);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).1.contains("--against"), "{:?}", text(&output));
    // Every option of `verity run` alone is refused by name, none ignored.
    for (flag, value) in [
        ("--snapshots", Some("check")),
        ("--snapshot-dir", Some("x")),
        ("--report", Some("json:x.json")),
        ("--fail-fast", None),
        ("--baseline", Some("b.yaml")),
        ("--shard", Some("1/2")),
        ("--max-time", Some("5")),
        ("--properties", Some("off")),
        ("--property-cases", Some("3")),
        ("--seed", Some("1")),
        ("--save-failures", None),
        ("--verbose", None),
    ] {
        let mut argv = vec!["diff", "--against", "http://127.0.0.1:1", flag];
        argv.extend(value);
        let output = verity_ci(&argv, false);
        let (_, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(2), "{flag}: {stderr}");
        assert!(
            stderr.contains(&format!("unexpected argument '{flag}'")),
            "{flag}: {stderr}"
        );
    }
}
