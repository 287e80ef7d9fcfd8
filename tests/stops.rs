//! Runs that stop early or fail on purpose: --fail-fast, --max-time, Ctrl-C
//! and a known-failures baseline. Each still writes its reports, and says
//! what it did not run.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use support::{args, last_line, path_str, serve, suite_dir, text, verity_async};
use verity::report::json;
use verity::run::Outcome;

/// `/ok` answers 200 at once, `/slow` after 30 s; counts the slow calls.
async fn slow_server() -> (String, tokio::task::JoinHandle<()>, Arc<AtomicUsize>) {
    let slow_calls = Arc::new(AtomicUsize::new(0));
    let calls = slow_calls.clone();
    let app = Router::new().route("/ok", get(|| async { "ok" })).route(
        "/slow",
        get(move || {
            let calls = calls.clone();
            async move {
                calls.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_secs(30)).await;
                "late"
            }
        }),
    );
    let (url, task) = serve(app).await;
    (url, task, slow_calls)
}

fn case(name: &str, path: &str, status: u16) -> String {
    format!(
        "  - name: {name}\n    steps:\n      - request: {{ method: GET, path: {path} }}\n        expect: {{ status: {status} }}\n"
    )
}

/// A suite of two cases: `quick` (on /ok) and `slow` (on /slow).
fn quick_and_slow() -> tempfile::TempDir {
    let cases = format!(
        "cases:\n{}{}",
        case("quick", "/ok", 200),
        case("slow", "/slow", 200)
    );
    suite_dir("name: s\n", &[("c.yaml", &cases)])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fail_fast_starts_nothing_after_the_first_failure() {
    let (url, task, _) = slow_server().await;
    let mut cases = String::from("cases:\n");
    cases.push_str(&case("a-fails", "/ok", 201));
    for i in 0..5 {
        cases.push_str(&case(&format!("b-{i}"), "/ok", 200));
    }
    let dir = suite_dir("name: s\n", &[("c.yaml", &cases)]);
    let out = tempfile::tempdir().unwrap();
    let report = out.path().join("r.json");
    let output = verity_async(args(&[
        "run",
        "--cases",
        &path_str(dir.path()),
        "--base-url",
        &url,
        "--jobs",
        "1",
        "--fail-fast",
        "--report",
        &format!("json:{}", report.display()),
    ]))
    .await;
    let (stdout, _) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("FAIL  s::a-fails"), "{stdout}");
    assert!(
        stdout.contains("SKIP  s::b-0  not run: --fail-fast: s::a-fails failed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("run stopped: --fail-fast: s::a-fails failed"),
        "{stdout}"
    );
    assert_eq!(last_line(&stdout), "0 passed, 1 failed, 5 skipped");
    let report = json::read(&report).unwrap();
    assert_eq!(
        report.stopped.as_deref(),
        Some("--fail-fast: s::a-fails failed")
    );
    assert_eq!(report.summary.skipped, 5);
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_time_stops_the_run_and_still_writes_the_reports() {
    let (url, task, slow_calls) = slow_server().await;
    let dir = quick_and_slow();
    let out = tempfile::tempdir().unwrap();
    let report = out.path().join("r.json");
    let junit = out.path().join("r.xml");
    let started = Instant::now();
    let output = verity_async(args(&[
        "run",
        "--cases",
        &path_str(dir.path()),
        "--base-url",
        &url,
        "--max-time",
        "1",
        "--report",
        &format!("json:{}", report.display()),
        "--report",
        &format!("junit:{}", junit.display()),
    ]))
    .await;
    let (stdout, _) = text(&output);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "--max-time did not end the run"
    );
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert_eq!(slow_calls.load(Ordering::SeqCst), 1);
    assert!(
        stdout.contains("run stopped: --max-time 1 s reached"),
        "{stdout}"
    );
    let report = json::read(&report).unwrap();
    let slow = report.results.iter().find(|r| r.case == "slow").unwrap();
    assert_eq!(slow.outcome, Outcome::Skipped);
    assert_eq!(
        slow.skip_reason.as_deref(),
        Some("interrupted: --max-time 1 s reached")
    );
    let quick = report.results.iter().find(|r| r.case == "quick").unwrap();
    assert_eq!(quick.outcome, Outcome::Passed);
    let xml = std::fs::read_to_string(&junit).unwrap();
    roxmltree::Document::parse(&xml).expect("well-formed JUnit after a stop");
    assert!(xml.contains("interrupted: --max-time 1 s reached"), "{xml}");
    task.abort();
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_writes_the_reports_and_exits_130() {
    let (url, task, slow_calls) = slow_server().await;
    let dir = quick_and_slow();
    let out = tempfile::tempdir().unwrap();
    let report = out.path().join("r.md");
    let argv = args(&[
        "run",
        "--cases",
        &path_str(dir.path()),
        "--base-url",
        &url,
        "--report",
        &format!("markdown:{}", report.display()),
    ]);
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let mut child = support::verity_command(&argv, &[])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while slow_calls.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < deadline, "the slow case never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let started = Instant::now();
    let output = tokio::task::spawn_blocking(move || {
        child.wait().unwrap();
        child
    })
    .await
    .unwrap()
    .wait_with_output()
    .unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(130), "{stdout}\n{stderr}");
    assert!(stderr.contains("interrupted by Ctrl-C"), "{stderr}");
    let md = std::fs::read_to_string(&report).unwrap();
    assert!(md.contains("The run stopped early:** Ctrl-C."), "{md}");
    assert!(md.contains("| `s::slow` | interrupted: Ctrl-C |"), "{md}");
    task.abort();
}

const FAILING: &str = "cases:\n  - name: known-bug\n    steps:\n      - request: { method: GET, path: /ok }\n        expect: { status: 201 }\n  - name: fine\n    steps:\n      - request: { method: GET, path: /ok }\n        expect: { status: 200 }\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_baseline_turns_listed_failures_into_known_ones_until_they_expire() {
    let (url, task, _) = slow_server().await;
    let dir = suite_dir("name: s\n", &[("c.yaml", FAILING)]);
    let out = tempfile::tempdir().unwrap();
    let baseline = out.path().join("baseline.yaml");
    let junit = out.path().join("r.xml");
    let run = |extra: Vec<String>| {
        let mut argv = args(&[
            "run",
            "--cases",
            &path_str(dir.path()),
            "--base-url",
            &url,
            "--baseline",
            &path_str(&baseline),
        ]);
        argv.extend(extra);
        verity_async(argv)
    };

    std::fs::write(
        &baseline,
        "known_failures:\n  - case: s::known-bug\n    reason: TICKET-7 status is 200\n    expires: 2999-12-31\n  - case: s::fine\n    reason: was flaky\n",
    )
    .unwrap();
    let output = run(args(&["--report", &format!("junit:{}", junit.display())])).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains(
            "KNOWN  s::known-bug  known failure: TICKET-7 status is 200 (until 2999-12-31)"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("1 known failure (listed in the baseline)"),
        "{stdout}"
    );
    assert_eq!(last_line(&stdout), "1 passed, 0 failed");
    assert!(
        stderr.contains("note: s::fine is listed in the baseline but passed: remove its entry"),
        "{stderr}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let known = doc
        .descendants()
        .find(|n| n.attribute("name") == Some("known-bug"))
        .unwrap();
    let skipped = known
        .children()
        .find(|n| n.has_tag_name("skipped"))
        .unwrap();
    assert_eq!(
        skipped.attribute("message"),
        Some("known failure (baseline): TICKET-7 status is 200")
    );

    // Expired: it fails the run again, and says so.
    std::fs::write(
        &baseline,
        "known_failures:\n  - case: s::known-bug\n    reason: TICKET-7\n    expires: 2020-01-31\n",
    )
    .unwrap();
    let output = run(Vec::new()).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("FAIL  s::known-bug"), "{stdout}");
    assert!(
        stderr.contains("the known failure s::known-bug expired on 2020-01-31"),
        "{stderr}"
    );

    // A case the suite does not have is refused before anything runs.
    std::fs::write(
        &baseline,
        "known_failures:\n  - case: s::known-bug\n    reason: r\n  - case: s::no-such-case\n    reason: typo\n",
    )
    .unwrap();
    let output = run(Vec::new()).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stdout}");
    assert!(
        stderr.contains("baseline.yaml:4: suite `s` has no case `no-such-case`"),
        "{stderr}"
    );
    task.abort();
}
