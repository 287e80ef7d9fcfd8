//! The reports a CI gate reads: JUnit that a standard XML parser accepts,
//! a JSON report that follows its published schema and can be merged, a
//! Markdown report a person can act on, GitHub annotations and step summary;
//! written even when the run fails, and with no secret anywhere.

mod support;

use std::path::Path;

use support::{args, last_line, path_str, serve, suite_dir, text, verity_async_env};
use verity::report::json;
use verity::run::Outcome;

const SECRET: &str = "s3cr3t-Key/with+odd chars";

const SUITE: &str = "name: s\nheaders:\n  x-api-key: \"${key}\"\nvariables:\n  key: { secret: true, required: true }\n";

const CASES: &str = r#"cases:
  - name: passes
    description: The echo answers 200.
    steps:
      - request: { method: GET, path: /echo/ok }
        expect: { status: 200 }
  - name: fails-on-status
    description: A deliberately wrong expectation.
    doc: "test: the server is expected to answer 201"
    steps:
      - name: create
        request:
          method: POST
          path: "/echo/${key}"
          query: { k: "${key}" }
          json: { key: "${key}", note: "it's here" }
        expect:
          status: 200
        capture: { uri: $.uri }
      - name: read-back
        request: { method: GET, path: "/echo/again" }
        expect:
          status: 201
          body: { json: { key: "${key}" } }
"#;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn assert_no_secret(what: &str, text: &str) {
    let encoded: String = url::form_urlencoded::byte_serialize(SECRET.as_bytes()).collect();
    for form in [SECRET, encoded.as_str(), "s3cr3t"] {
        assert!(!text.contains(form), "`{form}` appears in {what}:\n{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_run_writes_every_report_and_no_secret() {
    let (url, task) = serve(support::echo_app()).await;
    let dir = suite_dir(SUITE, &[("c.yaml", CASES)]);
    let out = tempfile::tempdir().unwrap();
    let junit = out.path().join("r.xml");
    let json_path = out.path().join("r.json");
    let markdown = out.path().join("r.md");
    let html = out.path().join("r.html");
    let step_summary = out.path().join("summary.md");
    let output = verity_async_env(
        args(&[
            "run",
            "--cases",
            &path_str(dir.path()),
            "--base-url",
            &url,
            "--var",
            &format!("key={SECRET}"),
            "--report",
            &format!("junit:{}", junit.display()),
            "--report",
            &format!("json:{}", json_path.display()),
            "--report",
            &format!("markdown:{}", markdown.display()),
            "--report",
            &format!("html:{}", html.display()),
        ]),
        vec![
            ("GITHUB_ACTIONS".into(), "true".into()),
            ("GITHUB_STEP_SUMMARY".into(), path_str(&step_summary)),
            ("GITHUB_WORKSPACE".into(), path_str(dir.path())),
        ],
    )
    .await;
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert_eq!(last_line(&stdout), "1 passed, 1 failed", "{stdout}");

    // JUnit, read back with a standard XML parser.
    let xml = read(&junit);
    let doc = roxmltree::Document::parse(&xml).expect("the JUnit report is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(root.attribute("tests"), Some("2"));
    assert_eq!(root.attribute("failures"), Some("1"));
    let suite = root
        .children()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(suite.attribute("name"), Some("s"));
    let cases: Vec<_> = suite
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 2);
    let passed = cases
        .iter()
        .find(|c| c.attribute("name") == Some("passes"))
        .unwrap();
    assert!(!passed.children().any(|n| n.has_tag_name("failure")));
    let failed = cases
        .iter()
        .find(|c| c.attribute("name") == Some("fails-on-status"))
        .unwrap();
    assert_eq!(failed.attribute("classname"), Some("s"));
    assert_eq!(failed.attribute("line"), Some("7"));
    let failure = failed
        .children()
        .find(|n| n.has_tag_name("failure"))
        .expect("the failing case has a <failure>");
    let message = failure.attribute("message").unwrap();
    assert!(
        message.contains("step `read-back`: status: expected 201, got 200"),
        "{message}"
    );
    let body = failure.text().unwrap_or("");
    assert!(body.contains("expected: 201"), "{body}");
    assert!(body.contains("actual:   200"), "{body}");
    assert!(body.contains("curl -sS -i"), "{body}");

    // JSON: the published schema, and the data to rebuild the rest.
    let json_text = read(&json_path);
    let value: serde_json::Value = serde_json::from_str(&json_text).unwrap();
    support::assert_meets_schema(&value, "report.schema.json");
    let report = json::parse(&json_text).unwrap();
    assert_eq!(report.summary.passed, 1);
    assert_eq!(report.summary.failed, 1);
    let case = report
        .results
        .iter()
        .find(|r| r.case == "fails-on-status")
        .unwrap();
    assert_eq!(case.outcome, Outcome::Failed);
    assert_eq!(case.steps.len(), 2);
    assert_eq!(case.steps[0].request.method, "POST");
    assert!(case.steps[0].request.url.starts_with(&url));
    assert_eq!(case.steps[1].response.as_ref().unwrap().status, 200);
    assert_eq!(case.steps[1].attempts, 1);
    // A passing case is kept whole too (verity holds only a slim copy of it
    // in memory and streams the whole from a temporary file).
    let passed = report.results.iter().find(|r| r.case == "passes").unwrap();
    let step = &passed.steps[0];
    assert!(
        step.request
            .headers
            .iter()
            .any(|(k, v)| k == "x-api-key" && v == "***"),
        "{:?}",
        step.request.headers
    );
    assert!(!step.response.as_ref().unwrap().body.is_empty());
    assert!(!step.checks.is_empty());
    // The streamed document is the one serde writes of the same report.
    assert_eq!(json::render(&report).unwrap(), json_text);

    // Markdown a person can act on.
    let md = read(&markdown);
    assert!(
        md.starts_with("# verity conformance report: ❌ failed"),
        "{md}"
    );
    assert!(md.contains("| s | "), "{md}");
    assert!(md.contains("| 1 | 1 | 0 | 0 |"), "{md}");
    assert!(md.contains("### ❌ `s::fails-on-status`"), "{md}");
    assert!(
        md.contains("Documented: test: the server is expected to answer 201"),
        "{md}"
    );
    assert!(md.contains("expected: 201"), "{md}");
    assert!(
        md.contains("```sh\n# step `create`\ncurl -sS -i \\\n  -X POST"),
        "{md}"
    );
    assert!(md.contains("-H 'x-api-key: ***'"), "{md}");
    assert!(
        md.contains(r#"--data-raw '{"key":"***","note":"it'\''s here"}'"#),
        "{md}"
    );
    assert!(md.contains("`***` stands for a secret"), "{md}");

    // GitHub: an annotation on the failing check's line, and the summary.
    let annotation = stdout
        .lines()
        .find(|l| l.starts_with("::error "))
        .unwrap_or_else(|| panic!("no annotation in:\n{stdout}"));
    assert!(
        annotation.starts_with("::error file=s/c.yaml,line=23,col=19,title="),
        "{annotation}"
    );
    assert!(
        annotation.contains("title=verity%3A s%3A%3Afails-on-status::"),
        "{annotation}"
    );
    assert!(
        annotation.contains("%0A"),
        "multi-line messages are escaped"
    );
    assert_eq!(stdout.matches("::error ").count(), 1, "{stdout}");
    let summary = read(&step_summary);
    assert_eq!(summary, md, "the step summary is the Markdown report");

    // The HTML page (tests/html_report.rs opens it in a browser).
    let page = read(&html);
    assert!(page.starts_with("<!doctype html>"), "{page}");
    assert!(page.contains("s::fails-on-status"), "{page}");
    assert!(page.contains("-H 'x-api-key: ***'"), "{page}");

    // No secret anywhere, and no progress bar when output is piped.
    for (what, content) in [
        ("stdout", &stdout),
        ("stderr", &stderr),
        ("the JUnit report", &xml),
        ("the JSON report", &json_text),
        ("the Markdown report", &md),
        ("the HTML report", &page),
        ("the step summary", &summary),
    ] {
        assert_no_secret(what, content);
    }
    assert!(
        !stderr.contains('\r') && !stderr.contains("\x1b["),
        "{stderr:?}"
    );
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_into_a_missing_directory_is_refused_before_the_run() {
    let (url, task) = serve(support::echo_app()).await;
    let dir = suite_dir(SUITE, &[("c.yaml", CASES)]);
    for (spec, want) in [
        (
            "junit:/no/such/dir/r.xml",
            "the directory /no/such/dir does not exist",
        ),
        ("pdf:r.pdf", "unknown format `pdf`"),
        ("r.xml", "write FORMAT:PATH"),
    ] {
        let output = verity_async_env(
            args(&[
                "run",
                "--cases",
                &path_str(dir.path()),
                "--base-url",
                &url,
                "--var",
                "key=k",
                "--report",
                spec,
            ]),
            Vec::new(),
        )
        .await;
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(2), "{spec}: {stdout}{stderr}");
        assert!(stderr.contains(want), "{spec}: {stderr}");
        assert!(!stdout.contains("PASS"), "{spec}: nothing runs: {stdout}");
    }
    task.abort();
}

#[test]
fn verbose_shows_the_checks_of_passing_cases() {
    let output = support::verity(&[
        "run",
        "-v",
        "--suite",
        "toluna",
        "--filter",
        "get-unknown-pair",
    ]);
    let (stdout, _) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("PASS  toluna::get-unknown-pair-400-no-member-found"),
        "{stdout}"
    );
    assert!(stdout.contains("      step `"), "{stdout}");
    assert!(stdout.contains("        ✓ status: 400"), "{stdout}");
    let quiet = support::verity(&["run", "-q", "--suite", "toluna"]);
    let (stdout, _) = text(&quiet);
    assert!(!stdout.contains("PASS"), "{stdout}");
    let both = support::verity(&["run", "-q", "-v"]);
    assert_eq!(both.status.code(), Some(2));
}
