//! Generated partial updates: the properties pass on the reference servers,
//! each catches a server that breaks it with a minimal counterexample, a
//! saved counterexample runs as a case file, and a seed repeats a run.

mod support;

use std::sync::Arc;

use serde_json::Value;
use support::{args, cases_copy, load_suites, path_str, suite_dir, text, verity, verity_async};
use verity::case::{self, Suite};
use verity::http::{Client, ClientOptions};
use verity::properties::{self, Settings};
use verity::reference::{self, Faults, Options, Running};
use verity::run::plan;
use verity::run::{CaseResult, Outcome};

async fn server(faults: &[&str]) -> (Running, Options) {
    support::reference_server(faults).await
}

/// The plan of one suite against `server`, as `verity run` builds it for an
/// embedded server.
fn plan_for(suite: Suite, server: &Running, options: &Options) -> Arc<plan::SuitePlan> {
    Arc::new(
        plan::build_embedded(vec![suite], &server.url(), options)
            .unwrap()
            .remove(0),
    )
}

fn suite(name: &str) -> Suite {
    load_suites()
        .into_iter()
        .find(|s| s.name == name)
        .expect("the suite exists")
}

fn settings(seed: u64, cases: u32) -> Settings {
    Settings {
        cases,
        ..Settings::new(seed)
    }
}

/// Runs one property of a committed suite against a server with `faults`.
async fn run_property(
    faults: &[&str],
    suite_name: &str,
    property: &str,
    settings: Settings,
) -> CaseResult {
    let (server, options) = server(faults).await;
    let suite = suite(suite_name);
    let spec = properties::load(&suite)
        .unwrap()
        .expect("the suite declares properties");
    let plan = plan_for(suite, &server, &options);
    let task =
        properties::property_run(&plan, &spec, property, &settings).expect("the property exists");
    let client = Client::new(ClientOptions::default()).unwrap();
    let result = task.check(client).await;
    server.stop().await;
    result
}

/// The steps of the counterexample's case file, as JSON.
fn counterexample_steps(result: &CaseResult) -> Vec<Value> {
    let report = result.property.as_ref().expect("a property result");
    let example = report
        .counterexample
        .as_ref()
        .unwrap_or_else(|| panic!("{} has no counterexample", result.id()));
    let file: Value = serde_saphyr::from_str(&example.case_file).unwrap();
    file["cases"][0]["steps"].as_array().unwrap().clone()
}

/// The bodies the counterexample's updates send (replays included).
fn update_bodies(result: &CaseResult) -> Vec<Value> {
    counterexample_steps(result)
        .into_iter()
        .filter(|s| {
            let name = s["name"].as_str().unwrap();
            name.contains(". update ") || name.contains(". replay of ")
        })
        .map(|s| s["request"]["json"].clone())
        .collect()
}

fn keys(body: &Value) -> Vec<String> {
    let mut keys: Vec<String> = body.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

/// Toluna's update body always names the member.
fn without_identity(body: &Value) -> Vec<String> {
    keys(body)
        .into_iter()
        .filter(|k| k != "PartnerGUID" && k != "MemberCode")
        .collect()
}

/// The name of the step that failed.
fn failed_at(result: &CaseResult) -> &str {
    &result.failed_step().expect("a failed step").name
}

/// Runs a property against a server with `fault`, which it must catch.
async fn caught(fault: &str, suite_name: &str, property: &str, settings: Settings) -> CaseResult {
    let result = run_property(&[fault], suite_name, property, settings).await;
    assert_eq!(
        result.outcome,
        Outcome::Failed,
        "{} passed on a server with {fault}",
        result.id()
    );
    result
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_property_passes_on_the_reference_servers() {
    for (suite_name, expected) in [
        (
            "onsi",
            &[
                "valid-partial-update",
                "invalid-partial-update",
                "stateful-sequence",
                "unknown-resource",
                "schema-coverage",
                "concurrent-updates",
            ][..],
        ),
        // Toluna's docs refuse near-simultaneous calls: no concurrent-updates.
        (
            "toluna",
            &[
                "valid-partial-update",
                "invalid-partial-update",
                "stateful-sequence",
                "unknown-resource",
                "schema-coverage",
            ][..],
        ),
    ] {
        let spec = properties::load(&suite(suite_name)).unwrap().unwrap();
        let names = properties::available(&spec);
        let listed: Vec<&str> = names.iter().map(|p| p.name()).collect();
        assert_eq!(listed, expected, "{suite_name} declares every property");
        for seed in [1, 2] {
            // Its rounds are not generated cases: tests/concurrent.rs.
            for property in names
                .iter()
                .filter(|p| **p != properties::Property::ConcurrentUpdates)
            {
                let result = run_property(
                    &[],
                    suite_name,
                    property.name(),
                    settings(seed, Settings::DEFAULT_CASES),
                )
                .await;
                assert_eq!(
                    result.outcome,
                    Outcome::Passed,
                    "{} (seed {seed}) failed on the correct server: {:#?}",
                    result.id(),
                    result.property
                );
                let report = result.property.clone().unwrap();
                // schema-coverage sends each of its probes once, whatever
                // the number of cases asked for.
                let cases = match &spec.coverage {
                    Some(c) if property.name() == "schema-coverage" => c.probes.len() as u32,
                    _ => Settings::DEFAULT_CASES,
                };
                assert_eq!(report.cases_passed, cases, "{}", result.id());
                assert!(report.requests >= 2 * u64::from(cases));
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn omitted_fields_reset_is_caught_with_a_single_field_body() {
    for (fault, suite_name) in [
        ("onsi-patch-resets-omitted", "onsi"),
        ("toluna-put-resets-omitted", "toluna"),
    ] {
        let result = caught(fault, suite_name, "valid-partial-update", settings(3, 48)).await;
        let bodies = update_bodies(&result);
        assert_eq!(bodies.len(), 1, "{fault}: {bodies:?}");
        assert_eq!(without_identity(&bodies[0]).len(), 1, "{fault}: {bodies:?}");
        // The failing check is the one about fields left out.
        let step = result.failed_step().unwrap();
        assert!(
            step.checks
                .iter()
                .any(|c| !c.passed && c.subject.starts_with("unchanged")),
            "{fault}: {:#?}",
            step.checks
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_field_not_echoed_is_caught_with_that_field_alone() {
    // The stale answer leaves out every field: any one shows it.
    for (fault, only) in [
        ("onsi-patch-drops-phone-echo", Some("phone")),
        ("onsi-patch-echo-stale", None),
    ] {
        let result = caught(fault, "onsi", "valid-partial-update", settings(4, 48)).await;
        let bodies = update_bodies(&result);
        assert_eq!(bodies.len(), 1, "{fault}: {bodies:?}");
        assert_eq!(keys(&bodies[0]).len(), 1, "{fault}: {bodies:?}");
        if let Some(field) = only {
            assert_eq!(keys(&bodies[0]), vec![field], "{fault}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_applied_refusal_is_caught_with_one_valid_and_one_invalid_field() {
    for (fault, suite_name) in [
        ("onsi-patch-half-applied", "onsi"),
        ("toluna-put-half-applied", "toluna"),
    ] {
        let result = caught(fault, suite_name, "invalid-partial-update", settings(5, 48)).await;
        let steps = counterexample_steps(&result);
        let updates: Vec<&Value> = steps
            .iter()
            .filter(|s| s["name"].as_str().unwrap().contains(". update "))
            .collect();
        assert_eq!(updates.len(), 1, "{fault}: {steps:#?}");
        // One valid field carried along, one broken: the least that shows it.
        assert_eq!(
            without_identity(&updates[0]["request"]["json"]).len(),
            2,
            "{fault}: {updates:#?}"
        );
        assert!(
            updates[0]["name"].as_str().unwrap().contains("refused"),
            "{fault}: {updates:#?}"
        );
        // The read after the refusal shows the change.
        assert!(
            failed_at(&result).ends_with(" after"),
            "{fault}: {}",
            failed_at(&result)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reprocessed_replay_is_caught_with_three_single_field_updates() {
    let result = caught(
        "onsi-idempotency-reprocessed",
        "onsi",
        "stateful-sequence",
        settings(6, 300),
    )
    .await;
    let steps = counterexample_steps(&result);
    let names: Vec<&str> = steps
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .filter(|n| n.contains(". update ") || n.contains(". replay of "))
        .collect();
    // A keyed update, a change in between, and the replay of the first.
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names[2].contains("replay of 1"), "{names:?}");
    for body in update_bodies(&result) {
        assert_eq!(keys(&body).len(), 1, "{body}");
    }
    assert!(
        steps[..]
            .iter()
            .any(|s| s["request"]["headers"]["x-idempotency-key"].is_string()),
        "the replayed update carries its key"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_rules_between_members_are_caught_by_the_stateful_sequence() {
    // A workerId another member holds; an email change of the active member.
    for (fault, field) in [
        ("onsi-workerid-not-unique", "workerId"),
        ("onsi-email-change-any-status", "email"),
    ] {
        let result = caught(fault, "onsi", "stateful-sequence", settings(7, 300)).await;
        let bodies = update_bodies(&result);
        let last = bodies.last().unwrap();
        assert_eq!(keys(last), vec![field.to_string()], "{fault}: {bodies:?}");
        assert!(
            failed_at(&result).contains("refused"),
            "{fault}: {}",
            failed_at(&result)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_resources_must_be_not_found() {
    for (fault, suite_name) in [
        ("toluna-existence-by-member-code", "toluna"),
        ("toluna-unknown-pair-put-200", "toluna"),
        ("onsi-unknown-member-500", "onsi"),
    ] {
        let result = caught(fault, suite_name, "unknown-resource", settings(8, 48)).await;
        // The request to the unknown resource is the one that fails.
        assert!(
            failed_at(&result).contains(" u"),
            "{fault}: {}",
            failed_at(&result)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_finds_the_same_counterexample() {
    let run = |seed| {
        let mut s = settings(seed, 48);
        s.fresh_token = Some("same".into());
        run_property(
            &["onsi-patch-half-applied"],
            "onsi",
            "invalid-partial-update",
            s,
        )
    };
    let (first, second) = (run(9).await, run(9).await);
    let example = |r: &CaseResult| {
        let p = r.property.clone().unwrap();
        (p.cases_passed, p.counterexample.unwrap().case_file)
    };
    assert_eq!(example(&first), example(&second));
    // The failing requests themselves are the same, byte for byte.
    let request = |r: &CaseResult| {
        let s = r.failed_step().unwrap();
        (s.request.method.clone(), s.request.body.clone())
    };
    assert_eq!(request(&first), request(&second));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shrinking_stops_at_its_budget() {
    let mut s = settings(10, 48);
    s.shrink_runs = 2;
    let result = caught(
        "onsi-patch-resets-omitted",
        "onsi",
        "valid-partial-update",
        s,
    )
    .await;
    let example = result.property.unwrap().counterexample.unwrap();
    assert!(example.shrink_limited);
    assert!(example.shrink_steps <= 2, "{}", example.shrink_steps);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_counterexample_runs_as_a_case_and_fails_only_on_the_broken_server() {
    let copy = cases_copy();
    let cases = copy.path().join("cases");
    let (broken, broken_options) = server(&["onsi-patch-resets-omitted"]).await;
    let suite = case::load_root(&cases, &["onsi".to_string()])
        .unwrap()
        .remove(0);
    let spec = properties::load(&suite).unwrap().unwrap();
    let plan = plan_for(suite, &broken, &broken_options);
    let mut s = settings(11, 48);
    s.save_failures = true;
    let task = properties::property_run(&plan, &spec, "valid-partial-update", &s).unwrap();
    let result = task
        .check(Client::new(ClientOptions::default()).unwrap())
        .await;
    assert_eq!(result.outcome, Outcome::Failed);
    let example = result.property.unwrap().counterexample.unwrap();
    let saved = std::path::PathBuf::from(example.saved_to.expect("saved"));
    assert!(saved.starts_with(cases.join("onsi").join("regressions")));
    assert_eq!(std::fs::read_to_string(&saved).unwrap(), example.case_file);

    let check = verity(&["check", &path_str(&saved)]);
    assert_eq!(check.status.code(), Some(0), "{:?}", text(&check));

    // Plain `verity run` runs it like any case: it fails on the broken
    // server and passes on a correct one.
    let run_against = |url: String| {
        verity_async(args(&[
            "run",
            "--cases",
            &path_str(&cases),
            "--suite",
            "onsi",
            "--base-url",
            &url,
            "--var",
            "active_member_id=mem_q5sdae3se6eg9m9dcvug",
            "--properties",
            "off",
            "--filter",
            "regression-",
        ]))
    };
    let on_broken = run_against(broken.base_url()).await;
    let (stdout, _) = text(&on_broken);
    assert_eq!(on_broken.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL  onsi::regression-valid-partial-update-11"),
        "{stdout}"
    );
    assert!(
        stdout.trim_end().ends_with("0 passed, 1 failed"),
        "{stdout}"
    );
    let (correct, _) = server(&[]).await;
    let on_correct = run_against(correct.base_url()).await;
    let (stdout, _) = text(&on_correct);
    assert_eq!(on_correct.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.trim_end().ends_with("1 passed, 0 failed"),
        "{stdout}"
    );

    // A second failure with the same seed never overwrites the first file:
    // it gets another name.
    let suite = case::load_root(&cases, &["onsi".to_string()])
        .unwrap()
        .remove(0);
    let plan = plan_for(suite, &broken, &broken_options);
    let task = properties::property_run(&plan, &spec, "valid-partial-update", &s).unwrap();
    let again = task
        .check(Client::new(ClientOptions::default()).unwrap())
        .await;
    let saved_again = again
        .property
        .unwrap()
        .counterexample
        .unwrap()
        .saved_to
        .unwrap();
    assert!(
        saved_again.ends_with("regression-valid-partial-update-11-2.yaml"),
        "{saved_again}"
    );
    assert_eq!(std::fs::read_to_string(&saved).unwrap(), example.case_file);
    broken.stop().await;
    correct.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_run_reports_the_seed_and_the_counterexample_and_masks_the_key() {
    let key = "s3cret-key-for-verity";
    let options = Options {
        faults: Faults::from_names(&["onsi-patch-drops-phone-echo"]).unwrap(),
        onsi_api_key: key.into(),
        ..Options::default()
    };
    let server = reference::start(([127, 0, 0, 1], 0).into(), &options)
        .await
        .unwrap();
    let reports = tempfile::tempdir().unwrap();
    let json_path = reports.path().join("verity.json");
    let junit_path = reports.path().join("verity.xml");
    let output = verity_async(args(&[
        "run",
        "--suite",
        "onsi",
        "--base-url",
        &server.base_url(),
        "--var",
        &format!("api_key={key}"),
        "--var",
        "active_member_id=mem_q5sdae3se6eg9m9dcvug",
        "--properties",
        "only",
        "--seed",
        "12",
        "--filter",
        "partial-update",
        "--report",
        &format!("json:{}", path_str(&json_path)),
        "--report",
        &format!("junit:{}", path_str(&junit_path)),
    ]))
    .await;
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("properties: seed 12 (--seed 12"),
        "{stdout}"
    );
    assert!(
        stdout.contains("FAIL  onsi::property::valid-partial-update"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "PASS  onsi::property::invalid-partial-update  (100 generated cases, seed 12;"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("seed 12: "), "{stdout}");
    assert!(
        stdout.contains("- name: regression-valid-partial-update-12"),
        "{stdout}"
    );
    assert!(stdout.contains("json: {phone: "), "{stdout}");

    // The JSON report follows its published schema and carries the case file.
    let json_text = std::fs::read_to_string(&json_path).unwrap();
    let report: Value = serde_json::from_str(&json_text).unwrap();
    support::assert_meets_schema(&report, "report.schema.json");
    assert!(
        json_text.contains("regression-valid-partial-update-12"),
        "{json_text}"
    );
    let junit = std::fs::read_to_string(&junit_path).unwrap();
    assert!(junit.contains(r#"name="seed" value="12""#), "{junit}");

    for (what, text) in [
        ("stdout", &stdout),
        ("stderr", &stderr),
        ("JSON", &json_text),
        ("JUnit", &junit),
    ] {
        assert!(!text.contains(key), "the API key leaked into {what}");
    }
    server.stop().await;
}

#[test]
fn properties_off_and_only_choose_what_runs() {
    let off = verity(&["run", "--suite", "toluna", "--properties", "off"]);
    let (stdout, _) = text(&off);
    assert_eq!(off.status.code(), Some(0), "{stdout}");
    assert!(!stdout.contains("property::"), "{stdout}");
    assert!(!stdout.contains("properties: seed"), "{stdout}");
    let only = verity(&[
        "run",
        "--suite",
        "toluna",
        "--properties",
        "only",
        "--property-cases",
        "5",
    ]);
    let (stdout, _) = text(&only);
    assert_eq!(only.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("PASS  toluna::property::stateful-sequence  (5 generated cases"),
        "{stdout}"
    );
    assert!(
        stdout.trim_end().ends_with("5 passed, 0 failed"),
        "{stdout}"
    );
}

#[test]
fn bad_declarations_are_refused_with_file_line_and_column() {
    let suite_yaml = "name: s\nvariables: { tier: { default: Gold } }\n";
    let declarations = r#"resource:
  create:
    request: { method: POST, path: /m, json: { a: 1 } }
    capture: { id: $.id }
  read:
    request: { method: GET, path: "/m/${idd}" }
  update:
    request: { method: PATCH, path: "/m/${id}" }
  echo: response
  refused: { status: 400 }
  not_found: { read: { status: 404 }, update: { status: 404 } }
fields:
  name:
    valid: { regex: "^[a-z]+$" }
  size:
    valid: { integer: { min: 5, max: 1 } }
  tier:
    valid: { one_of: ["${tier}"] }
    invalid:
      bad: { nope: 1 }
"#;
    let dir = suite_dir(suite_yaml, &[("properties.yaml", declarations)]);
    let output = verity(&["check", &path_str(dir.path())]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stdout}{stderr}");
    let file = path_str(&dir.path().join("s").join("properties.yaml"));
    // A syntax error stops the file at its place.
    assert!(stderr.contains(&format!("{file}:20:")), "{stderr}");
    assert!(stderr.contains("nope"), "{stderr}");
    let fixed = declarations.replace("      bad: { nope: 1 }\n", "      bad: { one_of: [1] }\n");
    let dir = suite_dir(suite_yaml, &[("properties.yaml", &fixed)]);
    let output = verity(&["check", &path_str(dir.path())]);
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let file = path_str(&dir.path().join("s").join("properties.yaml"));
    assert!(
        stderr.contains(&format!(
            "{file}:14:12: field `name`: valid: regex `^[a-z]+$`: leave out `^` and `$`"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{file}:16:12: field `size`: valid: integer: min 5 is above max 1"
        )),
        "{stderr}"
    );
    let fixed = fixed
        .replace("\"^[a-z]+$\"", "\"[a-z]+\"")
        .replace("{ min: 5, max: 1 }", "{ min: 1, max: 5 }");
    let dir = suite_dir(suite_yaml, &[("properties.yaml", &fixed)]);
    let output = verity(&["check", &path_str(dir.path())]);
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let file = path_str(&dir.path().join("s").join("properties.yaml"));
    // A step is checked as the case loader checks it, at the place in the
    // step (the path's value) that is wrong.
    assert!(
        stderr.contains(&format!(
            "{file}:6:35: resource.read: unknown variable `${{idd}}`"
        )),
        "{stderr}"
    );
    // And nothing is mistaken for a case file.
    assert!(!stderr.contains("expected `cases`"), "{stderr}");
}

/// The schema-derived property catches what no hand declaration states: a
/// dob pattern checked too loosely (PATCH), and an enum matched in any case
/// (POST and PUT only), each shrunk to the one probed field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schema_coverage_catches_a_loose_pattern_and_an_enum_in_any_case() {
    let result = caught(
        "onsi-dob-pattern-loose",
        "onsi",
        "schema-coverage",
        settings(3, 1),
    )
    .await;
    let failed = failed_at(&result).to_string();
    assert!(failed.contains("update a: dob ["), "{failed}");
    let bodies = update_bodies(&result);
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    // Shrunk: the loose dob alone, no other field of the drawn body.
    assert_eq!(keys(&bodies[0]), vec!["dob".to_string()], "{bodies:?}");
    let dob = bodies[0]["dob"].as_str().unwrap();
    assert!(
        regex::Regex::new(r"^\d{4}-\d{1,2}-\d{1,2}$")
            .unwrap()
            .is_match(dob)
            && !regex::Regex::new(r"^\d{4}-\d{2}-\d{2}$")
                .unwrap()
                .is_match(dob),
        "{dob}"
    );

    let result = caught(
        "onsi-gender-any-case",
        "onsi",
        "schema-coverage",
        settings(3, 1),
    )
    .await;
    let failed = failed_at(&result).to_string();
    // PATCH refuses it even with the fault: the first catch is a creation
    // or a replacement.
    assert!(
        (failed.contains("create a: gender [") || failed.contains("replace a: gender ["))
            && failed.ends_with(", refused"),
        "{failed}"
    );
    // A refusal that still invites the member: the search after it finds one.
    let result = caught(
        "onsi-invite-refused-still-created",
        "onsi",
        "schema-coverage",
        settings(3, 1),
    )
    .await;
    assert_eq!(failed_at(&result), "no a was created");
}

/// The property reports each constraint it exercised with its first value,
/// in the coverage report's own rows.
#[test]
fn schema_coverage_reports_each_constraint_it_exercised() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("coverage.json");
    let target = format!("coverage:{}", path_str(&report));
    let output = verity(&[
        "run",
        "--suite",
        "onsi",
        "--filter",
        "schema-coverage",
        "--seed",
        "4",
        "--report",
        &target,
    ]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let rows = json["suites"][0]["constraints"].as_array().unwrap().clone();
    let first = |id: &str| {
        rows.iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("no row {id} in {rows:#?}"))["first_value"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        first("PATCH /v1/members/${id} body/gender: enum (broken)"),
        "\"female\""
    );
    assert_eq!(
        first("PUT /v1/members/${id} body/dob: pattern (met)"),
        "\"1990-01-01\""
    );
    assert_eq!(
        first("POST /v1/members body: required (broken)"),
        "without email"
    );
    // Every operation the declarations name, and both account branches.
    for prefix in ["PATCH ", "PUT ", "POST "] {
        assert!(
            rows.iter()
                .any(|r| r["id"].as_str().unwrap().starts_with(prefix))
        );
    }
    assert!(
        rows.iter()
            .any(|r| r["id"].as_str().unwrap().contains("accountDetails[1]/iban")),
        "{rows:#?}"
    );
}

/// `schema_coverage:` mistakes are told at their place: an unknown schema, a
/// replacement without its request, a creation without its refusal, and a
/// creating body whose inline fresh value a replacement could not repeat.
#[test]
fn bad_schema_coverage_declarations_are_refused_where_they_are() {
    let suite_yaml = "name: s\nschemas: { B: { inline: { type: object, properties: { name: { type: string, enum: [a, b] } } } } }\n";
    let declarations = r#"resource:
  create:
    request: { method: POST, path: /m, json: { email: "${fresh.email}" } }
    capture: { id: $.id }
  read:
    request: { method: GET, path: "/m/${id}" }
  update:
    request: { method: PATCH, path: "/m/${id}" }
  echo: response
  refused: { status: 400 }
  not_found: { read: { status: 404 }, update: { status: 404 } }
fields:
  name:
    valid: { one_of: [a] }
schema_coverage:
  update: { schema: Nope }
  create: { schema: B }
  replace: { schema: B, refused: { status: 4xx } }
"#;
    let dir = suite_dir(suite_yaml, &[("properties.yaml", declarations)]);
    let output = verity(&["check", &path_str(dir.path())]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stdout}{stderr}");
    let file = path_str(&dir.path().join("s").join("properties.yaml"));
    for expected in [
        format!(
            "{file}:16:21: schema_coverage.update.schema: suite `s` declares no schema `Nope` (it declares: B)"
        ),
        format!("{file}:17:11: schema_coverage.create: give `refused`"),
        format!("{file}:18:12: schema_coverage.replace: give `step`"),
        "schema_coverage.replace: create's json writes a ${fresh.*} value inline".to_string(),
    ] {
        assert!(stderr.contains(&expected), "{expected}\nnot in\n{stderr}");
    }
    // Fixed, the declarations are checked, and `check -v` counts the probes.
    let fixed = declarations
        .replace("\"${fresh.email}\"", "\"${email}\"")
        .replace(
            "resource:\n",
            "resource:\n  vars: { email: \"${fresh.email}\" }\n",
        )
        .replace("schema: Nope", "schema: B")
        .replace(
            "create: { schema: B }",
            "create: { schema: B, refused: { status: 400 } }",
        )
        .replace(
            "replace: { schema: B,",
            "replace: { schema: B, step: { request: { method: PUT, path: \"/m/${id}\" } },",
        );
    let dir = suite_dir(suite_yaml, &[("properties.yaml", &fixed)]);
    let output = verity(&["check", "-v", &path_str(dir.path())]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("s: schema-coverage: PATCH /m/${id} (update, schema B): "),
        "{stdout}"
    );
    // `name` broken as the four other JSON types, null, and the enum's
    // near neighbours (A, B and the empty string), and met by each value.
    for request in [
        "PATCH /m/${id} (update",
        "POST /m (create",
        "PUT /m/${id} (replace",
    ] {
        assert!(
            stdout.contains(&format!(
                "{request}, schema B): 10 probes (8 breaking one constraint, 2 meeting one at its edge)"
            )),
            "{stdout}"
        );
    }
}

/// No false alarm on 30 seeds: every property of both suites passes on the
/// correct reference servers with each seed (fewer cases per seed than a
/// default run: the seeds, not the cases, are what varies here).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_property_passes_on_thirty_seeds() {
    let mut runs = 0;
    for suite_name in ["onsi", "toluna"] {
        let spec = properties::load(&suite(suite_name)).unwrap().unwrap();
        let (server, options) = server(&[]).await;
        let plan = plan_for(suite(suite_name), &server, &options);
        let client = Client::new(ClientOptions::default()).unwrap();
        for seed in 100..130 {
            for property in properties::available(&spec) {
                let task =
                    properties::property_run(&plan, &spec, property.name(), &settings(seed, 12))
                        .unwrap();
                let result = task.check(client.clone()).await;
                assert!(
                    matches!(result.outcome, Outcome::Passed),
                    "{} (seed {seed}) failed on the correct server: {:#?}\n{:#?}",
                    result.id(),
                    result.property,
                    result.failed_step()
                );
                runs += 1;
            }
        }
        server.stop().await;
    }
    assert_eq!(runs, 30 * 11, "every property of both suites, each seed");
}
