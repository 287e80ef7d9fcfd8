//! The command line as a user meets it: exit codes, what the console says,
//! case files refused before anything is sent, secrets never printed, and a
//! transport that does not follow redirects, times out and caps bodies.

mod support;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use support::{args, last_line, path_str, serve, suite_dir, text, verity, verity_async};
use verity::reference::{self, Faults, Options};

#[test]
fn run_on_the_embedded_servers_passes_and_ends_with_the_summary_line() {
    let output = verity(&["run"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(
        output.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let summary = last_line(&stdout);
    assert!(
        summary.ends_with("passed, 0 failed"),
        "last line: {summary}"
    );
    assert!(
        !summary.contains("skipped"),
        "the embedded run skips nothing: {summary}"
    );
    assert!(stdout.contains("PASS  onsi::patch-echoes-every-field"));
    assert!(stdout.contains("PASS  toluna::update-partial-leaves-omitted-properties"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_server_fails_with_expected_against_actual() {
    let options = Options {
        faults: Faults::from_names(&["onsi-patch-drops-phone-echo"]).unwrap(),
        ..Options::default()
    };
    let server = reference::start(([127, 0, 0, 1], 0).into(), &options)
        .await
        .unwrap();
    let output = verity_async(args(&[
        "run",
        "--suite",
        "onsi",
        "--base-url",
        &server.base_url(),
        "--var",
        "active_member_id=mem_q5sdae3se6eg9m9dcvug",
        // The hand-written cases only: tests/properties.rs has the properties'.
        "--properties",
        "off",
    ]))
    .await;
    let (stdout, _) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL  onsi::patch-echoes-every-field"),
        "{stdout}"
    );
    // The failure names the check, where it is written, and both sides.
    assert!(
        stdout.contains("✗ echo phone at $.phone  (cases/onsi/patch-echo.yaml:"),
        "{stdout}"
    );
    assert!(stdout.contains("expected: \"+447123456789\""), "{stdout}");
    assert!(
        stdout.contains("documented: onsi-patch-member.txt"),
        "{stdout}"
    );
    assert!(
        last_line(&stdout).ends_with("passed, 2 failed"),
        "{}",
        last_line(&stdout)
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cases_needing_an_unset_variable_are_skipped_with_the_reason() {
    let server = reference::start(([127, 0, 0, 1], 0).into(), &Options::default())
        .await
        .unwrap();
    let output = verity_async(args(&[
        "run",
        "--suite",
        "onsi",
        "--base-url",
        &server.base_url(),
    ]))
    .await;
    let (stdout, _) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(
            "SKIP  onsi::email-change-refused-while-active  needs variable `active_member_id`"
        ),
        "{stdout}"
    );
    assert!(
        last_line(&stdout).contains("0 failed, 4 skipped"),
        "{}",
        last_line(&stdout)
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exact_json_mismatch_is_shown_as_a_diff() {
    let (url, task) = serve(Router::new().route(
        "/thing",
        get(|| async { axum::Json(serde_json::json!({"a": 1, "b": [1, 2], "c": "same"})) }),
    ))
    .await;
    let dir = suite_dir(
        "name: s\n",
        &[(
            "c.yaml",
            "cases:\n  - name: diff\n    steps:\n      - request: { method: GET, path: /thing }\n        expect:\n          body:\n            json: { a: 1, b: [1, 3], c: same }\n",
        )],
    );
    let output = verity_async(args(&[
        "run",
        "--cases",
        &path_str(dir.path()),
        "--base-url",
        &url,
    ]))
    .await;
    let (stdout, _) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("--- expected"), "{stdout}");
    assert!(stdout.contains("-    3"), "{stdout}");
    assert!(stdout.contains("+    2"), "{stdout}");
    assert!(stdout.contains("   \"c\": \"same\""), "{stdout}");
    task.abort();
}

/// Each broken file is refused with `file:line:column: reason`, exit 2, and
/// no request reaches the server.
#[test]
fn bad_case_files_are_refused_before_anything_is_sent() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let suite = "name: s\nvariables:\n  known: { default: x }\nschemas:\n  Thing: { inline: { type: object } }\n";
    let good_step = "      - request: { method: GET, path: /x }\n";
    let cases: &[(&str, String, &str)] = &[
        ("syntax", "cases:\n  - name: [broken\n".into(), "c.yaml:2:"),
        ("unknown key", format!("cases:\n  - name: a\n    stepz: []\n    steps:\n{good_step}"), "c.yaml:3:5: unknown field `stepz`"),
        ("wrong type", "cases:\n  - name: a\n    steps:\n      - request: { method: GET, path: /x }\n        expect: { status: [200, nope] }\n".into(), "c.yaml:5:"),
        ("unknown variable", "cases:\n  - name: a\n    steps:\n      - request: { method: GET, path: \"/x/${nope}\" }\n".into(), "unknown variable `${nope}`"),
        ("unknown schema", "cases:\n  - name: a\n    steps:\n      - request: { method: GET, path: /x }\n        expect: { schema: Nope }\n".into(), "c.yaml:5:27: unknown schema `Nope`"),
        ("bad jsonpath", "cases:\n  - name: a\n    steps:\n      - request: { method: GET, path: /x }\n        expect: { body: { paths: [{ path: \"$[\", present: true }] } }\n".into(), "is not a JSONPath"),
        ("bad regex", "cases:\n  - name: a\n    steps:\n      - request: { method: GET, path: /x }\n        expect: { headers: { x: { regex: \"(\" } } }\n".into(), "is not a valid regex"),
        ("json file", "{\"cases\": [{\"name\": \"a\", \"steps\": [{\"request\": {\"method\": \"GET\", \"path\": \"/x\"}, \"expekt\": {}}]}]}".into(), "c.yaml:1:"),
        ("empty", "".into(), "c.yaml:1:1: empty file"),
        ("duplicate names", format!("cases:\n  - name: a\n    steps:\n{good_step}  - name: a\n    steps:\n{good_step}"), "duplicate case name `a`"),
    ];
    for (what, content, want) in cases {
        let dir = suite_dir(suite, &[("c.yaml", content)]);
        for command in [
            vec!["check", &path_str(dir.path())],
            vec!["run", "--cases", &path_str(dir.path()), "--base-url", &url],
        ] {
            let output = verity(&command);
            let (stdout, stderr) = text(&output);
            assert_eq!(
                output.status.code(),
                Some(2),
                "{what}: {command:?}\nstdout: {stdout}\nstderr: {stderr}"
            );
            assert!(
                stderr.contains(want),
                "{what}: expected `{want}` in:\n{stderr}"
            );
            assert!(stderr.contains("nothing was sent"), "{what}: {stderr}");
        }
        assert!(listener.accept().is_err(), "{what}: a request was sent");
    }
}

#[test]
fn usage_errors_exit_2() {
    for (argv, want) in [
        (
            vec!["run", "--var", "nope=1"],
            "no selected suite declares a variable `nope`",
        ),
        (vec!["run", "--base-url", "not a url"], "is not a URL"),
        (vec!["run", "--suite", "nope"], "no suite named `nope`"),
        (vec!["run", "--var", "novalue"], "write NAME=VALUE"),
        (
            vec!["run", "--base-url", "nope=http://127.0.0.1:1"],
            "no selected suite `nope`",
        ),
        (
            vec!["serve", "--fault", "no-such-fault"],
            "unknown fault `no-such-fault`",
        ),
        (vec!["run", "--jobs", "0"], "0 is not in 1..=256"),
    ] {
        let output = verity(&argv);
        let (_, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(2), "{argv:?}: {stderr}");
        assert!(
            stderr.contains(want),
            "{argv:?}: expected `{want}` in {stderr}"
        );
    }
}

#[test]
fn check_and_list_read_the_committed_suites() {
    let output = verity(&["check"]);
    let (stdout, _) = text(&output);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout.starts_with("ok: 2 suites,"), "{stdout}");
    let output = verity(&["list", "--suite", "toluna"]);
    let (stdout, _) = text(&output);
    assert!(
        stdout.contains("toluna::pii-regulation-hides-member  cases/toluna/pii.yaml:"),
        "{stdout}"
    );
    assert!(!stdout.contains("onsi::"));
}

/// A server that reflects the request back: whatever carries the secret
/// comes back in the answer, and nothing verity prints may show it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_appear_in_the_output() {
    let secret = "s3cr3t-Key/with+odd chars";
    let (url, task) = serve(support::echo_app()).await;
    let suite = "name: s\nheaders:\n  x-api-key: \"${key}\"\nvariables:\n  key: { secret: true, required: true }\n";
    let case = "cases:\n  - name: leak\n    steps:\n      - request:\n          method: POST\n          path: \"/echo/${key}\"\n          query: { k: \"${key}\" }\n          json: { key: \"${key}\" }\n        expect:\n          status: 201\n          body: { json: { key: \"${key}\" } }\n";
    let dir = suite_dir(suite, &[("c.yaml", case)]);
    let output = verity_async(args(&[
        "run",
        "--cases",
        &path_str(dir.path()),
        "--base-url",
        &url,
        "--var",
        &format!("key={secret}"),
    ]))
    .await;
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let all = format!("{stdout}{stderr}");
    let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    for form in [secret, encoded.as_str(), "s3cr3t"] {
        assert!(
            !all.contains(form),
            "`{form}` appears in the output:\n{all}"
        );
    }
    assert!(all.contains("***"), "{all}");
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transport_limits_fail_the_step_with_the_reason() {
    let (url, task) = serve(
        Router::new()
            .route(
                "/redirect",
                get(|| async {
                    (
                        axum::http::StatusCode::FOUND,
                        [("location", "http://127.0.0.1:1/elsewhere")],
                    )
                }),
            )
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(10)).await;
                    "late"
                }),
            )
            .route("/big", get(|| async { "x".repeat(100_000) })),
    )
    .await;
    let case = "cases:\n  - name: redirect-is-an-answer\n    steps:\n      - request: { method: GET, path: /redirect }\n        expect: { status: 302, headers: { location: { present: true } } }\n  - name: slow\n    steps:\n      - request: { method: GET, path: /slow }\n  - name: big\n    steps:\n      - request: { method: GET, path: /big }\n";
    let dir = suite_dir("name: s\n", &[("c.yaml", case)]);
    let started = std::time::Instant::now();
    let output = verity_async(args(&[
        "run",
        "--cases",
        &path_str(dir.path()),
        "--base-url",
        &url,
        "--timeout",
        "1",
        "--max-body",
        "1000",
    ]))
    .await;
    let (stdout, _) = text(&output);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "the timeout did not bound the run"
    );
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("PASS  s::redirect-is-an-answer"),
        "{stdout}"
    );
    assert!(stdout.contains("FAIL  s::slow"), "{stdout}");
    assert!(stdout.contains("timed out after 1.0 s"), "{stdout}");
    assert!(stdout.contains("FAIL  s::big"), "{stdout}");
    assert!(stdout.contains("over the 1000 byte cap"), "{stdout}");
    assert!(
        last_line(&stdout).ends_with("1 passed, 2 failed"),
        "{stdout}"
    );
    task.abort();
}

/// The newcomer's loop: `verity serve` in one terminal, `curl` of the docs'
/// examples, then `verity run --base-url` against it in another.
#[test]
fn serve_then_run_against_it() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    /// Stops the server however the test ends.
    struct Killed(std::process::Child);
    impl Drop for Killed {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut serve = Killed(
        Command::new(env!("CARGO_BIN_EXE_verity"))
            .args(["serve", "--addr", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(serve.0.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first.rsplit(' ').next().unwrap().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{first}");

    let rt = tokio::runtime::Runtime::new().unwrap();
    let get = |path: &str, header: (&str, &str)| {
        let client = verity::http::Client::new(verity::http::ClientOptions::default()).unwrap();
        let request = verity::http::OutgoingRequest {
            method: "GET",
            url: url::Url::parse(&format!("{url}{path}")).unwrap(),
            headers: vec![(header.0.to_string(), header.1.to_string())],
            body: None,
        };
        let response = rt.block_on(client.send(request)).unwrap();
        (
            response.status,
            serde_json::from_slice::<serde_json::Value>(&response.body).unwrap(),
        )
    };
    let toluna = get(
        "/IntegratedPanelService/api/Respondent/?memberCode=AUniquePartnerCode&partnerGUID=93A6D55C-D4E7-49FC-8D68-671165ADE463",
        ("accept", "application/json;version=2.0"),
    );
    let onsi = get(
        "/v1/members/mem_q5sdae3se6eg9m9dcvug",
        ("x-api-key", "verity-demo-key"),
    );
    assert_eq!(toluna.0, 200);
    assert_eq!(toluna.1["MemberCode"], "AUniquePartnerCode");
    assert_eq!(onsi.0, 200);
    assert_eq!(onsi.1["status"], "active");

    let output = verity(&[
        "run",
        "--base-url",
        &url,
        "--no-pacing",
        "--var",
        "active_member_id=mem_q5sdae3se6eg9m9dcvug",
    ]);
    drop(serve);
    let (stdout, _) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(last_line(&stdout).ends_with("passed, 0 failed"), "{stdout}");
}

/// Every file under `dir`, relative to it, with its bytes.
fn tree(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut std::collections::BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if !path.to_string_lossy().ends_with(".snap.new") {
                let bytes = std::fs::read(&path).unwrap();
                out.insert(path.strip_prefix(root).unwrap().to_path_buf(), bytes);
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn init_writes_the_built_in_suites_which_run_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let root = support::path_str(dir.path());
    let output = support::verity(&["init", &root]);
    let (stdout, stderr) = support::text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("next: verity run --cases"), "{stdout}");
    for name in ["cases", "snapshots"] {
        assert!(
            tree(&dir.path().join(name)) == tree(&support::repo().join(name)),
            "`verity init` wrote other {name} than the repository's"
        );
    }

    // They run as the checkout's do, their snapshots included.
    let cases = support::path_str(&dir.path().join("cases"));
    let output = support::verity(&["run", "--cases", &cases, "--properties", "off", "-q"]);
    let (stdout, stderr) = support::text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        support::last_line(&stdout).ends_with("passed, 0 failed"),
        "{stdout}"
    );

    // A second init changes nothing, a changed suite least of all.
    let changed = dir.path().join("cases/onsi/auth.yaml");
    std::fs::write(&changed, "# mine\n").unwrap();
    let output = support::verity(&["init", &root]);
    let (_, stderr) = support::text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("already exists"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&changed).unwrap(), "# mine\n");
}
