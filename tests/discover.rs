//! Values discovered from the server (`valid: { from: ... }` in
//! properties.yaml): refused at their place when badly declared, asked once
//! per run for all the properties of a suite, a failed request or an answer
//! without values failing each property with where and why (the API key
//! never shown), one value only noted and replaced by the fallback, and
//! Onsi's tiers moving members so that a tier update not stored is caught.

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::{Value, json};
use support::{load_suites, path_str, serve, suite_dir, text, verity};
use verity::case;
use verity::http::{Client, ClientOptions};
use verity::properties::{self, Settings};
use verity::reference::{self, Faults, Options};
use verity::report::console::Console;
use verity::report::style::Style;
use verity::run::plan::{self, Inputs, Target};
use verity::run::{CaseResult, Event, Outcome, Reporter};

const KEY: &str = "s3cret-key-4711";

fn suite_yaml() -> String {
    format!(
        "name: s\nheaders: {{ x-key: \"${{key}}\" }}\nvariables:\n  key: {{ secret: true, default: {KEY} }}\n  tier: {{ default: Gold }}\n"
    )
}

/// A resource of the toy API, its `tier` from `GET /tiers`.
fn declarations(tier: &str) -> String {
    format!(
        r#"resource:
  create:
    request: {{ method: POST, path: /m, json: {{ a: 1 }} }}
    expect: {{ status: 201 }}
    capture: {{ id: $.id }}
  read:
    request: {{ method: GET, path: "/m/${{id}}" }}
  update:
    request: {{ method: PATCH, path: "/m/${{id}}" }}
  echo: response
  refused: {{ status: 400 }}
  not_found: {{ read: {{ status: 404 }}, update: {{ status: 404 }} }}
  unknown:
    - name: a random id
      vars: {{ id: {{ regex: "[a-z]{{8}}" }} }}
fields:
  tier:
{tier}
    invalid:
      not a string: {{ one_of: [5] }}
"#
    )
}

const FROM_TIERS: &str = r#"    valid:
      from:
        request: GET /tiers
        path: "$[*].name"
        fallback: { one_of: ["${tier}"] }"#;

#[test]
fn bad_from_declarations_are_refused_with_file_line_and_column() {
    for (valid, expected) in [
        (
            "    valid: { from: { request: POST /tiers, path: \"$[*].name\" } }",
            "field `tier`: valid: from: request `POST /tiers`: only a GET is sent",
        ),
        (
            "    valid: { from: { request: GET /tiers, path: \"$[*\" } }",
            "field `tier`: valid: from: path `$[*` is not a JSONPath",
        ),
        (
            "    valid: { from: { request: \"GET /t/${nope}\", path: $ } }",
            "field `tier`: valid: from: request `GET /t/${nope}`: unknown variable `${nope}`",
        ),
        (
            "    valid: { from: { request: GET /tiers, path: $, fallback: { from: { request: GET /x, path: $ } } } }",
            "field `tier`: valid: from: fallback: a fallback cannot itself come from the server",
        ),
    ] {
        let dir = suite_dir(&suite_yaml(), &[("properties.yaml", &declarations(valid))]);
        let output = verity(&["check", &path_str(dir.path())]);
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(2), "{stdout}{stderr}");
        let file = path_str(&dir.path().join("s").join("properties.yaml"));
        assert!(
            stderr.contains(&format!("{file}:18:12: {expected}")),
            "{expected}: {stderr}"
        );
    }
    // A key `from` does not know stops the file at its place.
    let dir = suite_dir(
        &suite_yaml(),
        &[(
            "properties.yaml",
            &declarations("    valid: { from: { request: GET /tiers, path: $, pick: 1 } }"),
        )],
    );
    let (_, stderr) = text(&verity(&["check", &path_str(dir.path())]));
    assert!(
        stderr.contains(":18:") && stderr.contains("pick"),
        "{stderr}"
    );
}

#[test]
fn list_shows_where_the_values_come_from_without_asking() {
    let dir = suite_dir(
        &suite_yaml(),
        &[("properties.yaml", &declarations(FROM_TIERS))],
    );
    // No server: nothing is sent.
    let output = verity(&["list", "--cases", &path_str(dir.path())]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains(
            "  s::properties field `tier`: values from GET /tiers at `$[*].name`, its fallback when it lists one only  "
        ),
        "{stdout}"
    );
    assert!(stdout.contains("properties.yaml:19:7"), "{stdout}");
}

/// What the toy server answers to `GET /tiers`, and how often it was asked.
#[derive(Clone)]
struct Tiers {
    status: StatusCode,
    body: Value,
    asked: Arc<AtomicUsize>,
    /// Every request the server got, the discovery's included.
    all: Arc<AtomicUsize>,
}

/// Any other request: counted, and answered 404 (the toy server keeps no
/// members).
async fn elsewhere(State(t): State<Tiers>) -> StatusCode {
    t.all.fetch_add(1, Ordering::SeqCst);
    StatusCode::NOT_FOUND
}

async fn tiers(State(t): State<Tiers>, headers: HeaderMap) -> impl IntoResponse {
    t.asked.fetch_add(1, Ordering::SeqCst);
    t.all.fetch_add(1, Ordering::SeqCst);
    let mut body = t.body.clone();
    // A server that quotes the key it was sent: no message may show it.
    if let Some(key) = headers.get("x-key").and_then(|v| v.to_str().ok())
        && t.status.is_server_error()
    {
        body = json!({ "error": format!("backend refused key {key}") });
    }
    (t.status, axum::Json(body))
}

/// Runs every property of the toy suite, all at once, against a server whose
/// `GET /tiers` answers `status` and `body` (every other route: 404).
/// The properties' results, how often GET /tiers was asked, and how many
/// requests the server got in all.
async fn run_all(status: StatusCode, body: Value) -> (Vec<CaseResult>, usize, usize) {
    let state = Tiers {
        status,
        body,
        asked: Arc::new(AtomicUsize::new(0)),
        all: Arc::new(AtomicUsize::new(0)),
    };
    let (asked, all) = (state.asked.clone(), state.all.clone());
    let app = Router::new()
        .route("/tiers", get(tiers))
        .fallback(elsewhere)
        .with_state(state);
    let (url, server) = serve(app).await;
    let dir = suite_dir(
        &suite_yaml(),
        &[("properties.yaml", &declarations(FROM_TIERS))],
    );
    let suite = case::load_suite(&dir.path().join("s"), None).unwrap();
    let spec = properties::load(&suite).unwrap().unwrap();
    let targets = BTreeMap::from([(
        "s".to_string(),
        Target {
            base_url: url::Url::parse(&url).unwrap(),
            embedded: false,
        },
    )]);
    let plan = Arc::new(
        plan::build(vec![suite], &targets, &Inputs::default())
            .unwrap()
            .remove(0),
    );
    let settings = Settings {
        cases: 2,
        shrink_runs: 2,
        ..Settings::new(1)
    };
    let runs = properties::runnables(&plan, &spec, &settings);
    assert!(runs.len() >= 3, "{}", runs.len());
    let client = Client::new(ClientOptions::default()).unwrap();
    let results = futures_join(runs.into_iter().map(|r| r.check(client.clone()))).await;
    server.abort();
    (
        results,
        asked.load(Ordering::SeqCst),
        all.load(Ordering::SeqCst),
    )
}

async fn futures_join<F: std::future::Future<Output = CaseResult> + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<CaseResult> {
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

fn error_of(result: &CaseResult) -> String {
    result
        .steps
        .iter()
        .filter_map(|s| s.error.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_values_are_asked_once_for_all_the_properties() {
    let (results, asked, all) = run_all(
        StatusCode::OK,
        json!([{ "name": "Gold" }, { "name": "Silver" }]),
    )
    .await;
    assert_eq!(asked, 1, "GET /tiers asked {asked} times");
    for r in &results {
        // The toy server has no members: the properties that create one
        // fail at `create`, none at the discovery, and none notes anything.
        assert!(!error_of(r).contains("/tiers"), "{}", error_of(r));
        assert!(r.property.as_ref().unwrap().notes.is_empty(), "{r:?}");
    }
    let requests: u64 = results
        .iter()
        .map(|r| r.property.as_ref().unwrap().requests)
        .sum();
    // Counted as sent, once: the requests the properties report are the
    // requests the server got, the one discovery among them.
    assert_eq!(requests, all as u64, "{results:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_request_fails_every_property_with_where_and_why() {
    let (results, asked, _) = run_all(StatusCode::INTERNAL_SERVER_ERROR, json!({})).await;
    assert_eq!(asked, 1);
    for r in &results {
        assert_eq!(r.outcome, Outcome::Failed);
        let error = error_of(r);
        assert!(
            error.contains("field `tier`: its values come from GET /tiers (declared at ")
                && error.contains("properties.yaml:19:7), which answered 500, not a success: "),
            "{error}"
        );
        assert!(error.contains("backend refused key"), "{error}");
        let shown = format!("{r:?}");
        assert!(!shown.contains(KEY), "the key is shown: {shown}");
        assert_eq!(r.steps[0].source.line, 19, "{:?}", r.steps[0].source);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_without_values_fails_every_property() {
    for body in [
        json!([]),
        json!({ "tiers": ["Gold"] }),
        json!([{ "title": "Gold" }]),
    ] {
        let (results, _, _) = run_all(StatusCode::OK, body.clone()).await;
        for r in &results {
            assert_eq!(r.outcome, Outcome::Failed);
            let error = error_of(r);
            assert!(
                error.contains("field `tier`: `$[*].name` selects no value in the answer to GET /tiers (declared at ")
                    && error.contains(&body.to_string()),
                "{body}: {error}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_value_only_is_noted_and_the_fallback_generated() {
    let (results, asked, _) = run_all(StatusCode::OK, json!([{ "name": "Tin" }])).await;
    assert_eq!(asked, 1);
    for r in &results {
        let notes = &r.property.as_ref().unwrap().notes;
        assert_eq!(notes.len(), 1, "{r:?}");
        assert!(
            notes[0].starts_with(
                "field `tier`: GET /tiers lists one value only (\"Tin\"), so updates cannot move it to another; the declared fallback is generated instead ("
            ),
            "{notes:?}"
        );
        // It fails at create (no members here), not at the discovery.
        assert!(!error_of(r).contains("/tiers"), "{}", error_of(r));
    }
    // The console tells the note under the result, passed or failed.
    let mut console = Console::new(Vec::new(), Style::plain(), false);
    for r in &results {
        console.event(&Event::CaseFinished(r));
    }
    let out = String::from_utf8(console.into_inner()).unwrap();
    let notes = out
        .matches("\n      note: field `tier`: GET /tiers lists one value only")
        .count();
    assert_eq!(notes, results.len(), "{out}");
}

/// The committed Onsi suite against the embedded server (Gold, Silver,
/// Bronze): a PATCH that answers the new tier but keeps the old one is
/// caught by the valid partial update, with the tier alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onsi_tier_updates_move_members_between_the_listed_tiers() {
    let options = Options {
        faults: Faults::from_names(&["onsi-tier-update-not-stored"]).unwrap(),
        ..Options::default()
    };
    let server = reference::start(([127, 0, 0, 1], 0).into(), &options)
        .await
        .unwrap();
    let suite = load_suites()
        .into_iter()
        .find(|s| s.name == "onsi")
        .unwrap();
    let spec = properties::load(&suite).unwrap().unwrap();
    let plan = Arc::new(
        plan::build_embedded(vec![suite], &server.url(), &options)
            .unwrap()
            .remove(0),
    );
    let settings = Settings {
        cases: 30,
        ..Settings::new(1)
    };
    let task = properties::property_run(&plan, &spec, "valid-partial-update", &settings).unwrap();
    let result = task
        .check(Client::new(ClientOptions::default()).unwrap())
        .await;
    server.stop().await;
    assert_eq!(result.outcome, Outcome::Failed, "{result:?}");
    let example = &result
        .property
        .as_ref()
        .unwrap()
        .counterexample
        .as_ref()
        .unwrap()
        .case_file;
    assert!(
        example.contains("json: {tier: Silver}") || example.contains("json: {tier: Bronze}"),
        "{example}"
    );
}
