//! property::concurrent-updates: the clean Onsi server passes it on several
//! seeds, the lost-update fault is caught with a counterexample naming the
//! lost fields and each request's times, Toluna (whose docs refuse
//! near-simultaneous calls) does not get it, and `--concurrency-checks off`
//! leaves it out.

mod support;

use std::sync::Arc;

use serde_json::Value;
use support::{args, cases_copy, load_suites, text, verity, verity_async};
use verity::case::Suite;
use verity::http::{Client, ClientOptions};
use verity::properties::{self, Property, Settings};
use verity::reference::{Options, Running};
use verity::run::plan;
use verity::run::{CaseResult, Outcome};

const NAME: &str = "concurrent-updates";
/// What the Onsi declaration (`concurrency: { updates: 8, rounds: 2,
/// creations: 4 }`) sends: per round a creation, two reads and 8 PATCHes,
/// then 4 invitations; and the one `GET /v1/tiers` that lists the tiers its
/// updates choose from (asked once per run and suite, counted by the first
/// property that needs it: here the only one).
const ONSI_REQUESTS: u64 = 2 * (1 + 2 + 8) + 4 + 1;

async fn server(faults: &[&str]) -> (Running, Options) {
    support::reference_server(faults).await
}

fn suite(name: &str) -> Suite {
    load_suites()
        .into_iter()
        .find(|s| s.name == name)
        .expect("the suite exists")
}

async fn run_onsi(faults: &[&str], seed: u64) -> CaseResult {
    run_onsi_with(faults, seed, ClientOptions::default()).await
}

async fn run_onsi_with(faults: &[&str], seed: u64, client: ClientOptions) -> CaseResult {
    let (server, options) = server(faults).await;
    let suite = suite("onsi");
    let spec = properties::load(&suite).unwrap().unwrap();
    let plan = Arc::new(
        plan::build_embedded(vec![suite], &server.url(), &options)
            .unwrap()
            .remove(0),
    );
    let task = properties::property_run(&plan, &spec, NAME, &Settings::new(seed))
        .expect("onsi declares concurrency");
    let result = task.check(Client::new(client).unwrap()).await;
    server.stop().await;
    result
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clean_onsi_server_passes_on_several_seeds() {
    for seed in 1..=6 {
        let result = run_onsi(&[], seed).await;
        assert_eq!(
            result.outcome,
            Outcome::Passed,
            "seed {seed}: {:#?}",
            result.property
        );
        let report = result.property.unwrap();
        // Two rounds of updates and the creations sharing a workerId.
        assert_eq!(report.cases_passed, 3, "seed {seed}");
        assert_eq!(report.requests, ONSI_REQUESTS, "seed {seed}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_update_is_caught_with_the_lost_field_and_the_times() {
    for seed in [1, 2, 3] {
        let result = run_onsi(&["onsi-patch-lost-update"], seed).await;
        assert_eq!(result.outcome, Outcome::Failed, "seed {seed}: {result:#?}");
        // The read after the group is what fails, on a field an update sent.
        let failed = result.failed_step().unwrap();
        assert_eq!(failed.name, "a after", "seed {seed}");
        let lost: Vec<&str> = failed
            .checks
            .iter()
            .filter(|c| c.fails())
            .filter_map(|c| c.message.as_deref())
            .filter(|m| m.contains("the update was lost"))
            .collect();
        assert!(!lost.is_empty(), "seed {seed}: {:#?}", failed.checks);
        // Each message names the update's field, which its PATCH sent.
        let sent: Vec<String> = result
            .steps
            .iter()
            .filter(|s| s.request.method == "PATCH")
            .filter_map(|s| s.request.body.as_deref())
            .map(|b| {
                let body: Value = serde_json::from_str(b).unwrap();
                body.as_object().unwrap().keys().next().unwrap().clone()
            })
            .collect();
        assert!(sent.len() >= 2, "{sent:?}");
        for message in &lost {
            assert!(
                sent.iter().any(|f| message.contains(&format!("({f})"))),
                "{message} names none of {sent:?}"
            );
            assert!(message.contains("sent at") && message.contains("answered at"));
        }
        // The counterexample tells the times of every request of the group
        // and which update was lost.
        let example = result.property.unwrap().counterexample.unwrap();
        assert!(example.case_file.contains("LOST"), "{}", example.case_file);
        assert_eq!(
            example.case_file.matches(" ms  answered ").count(),
            sent.len(),
            "{}",
            example.case_file
        );
        assert!(
            example
                .case_file
                .contains("all in flight before the first answer: yes"),
            "{}",
            example.case_file
        );
    }
}

/// The send time is taken after the rate limit's wait: spaced by it, the
/// requests of a group are not all in flight together, and the report says
/// that those groups showed no race.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_a_rate_limit_spaces_are_said_to_show_no_race() {
    let limited = ClientOptions {
        rate_limit: Some(40.0),
        ..ClientOptions::default()
    };
    let result = run_onsi_with(&[], 1, limited).await;
    let notes = &result.property.as_ref().unwrap().notes;
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("round 1: ") && n.contains("showed no race")),
        "{notes:?}"
    );
    // Without the limit, the groups do go out together: no such note.
    let plain = run_onsi(&[], 1).await;
    assert!(plain.property.unwrap().notes.is_empty());
}

/// Invitations sent together with one workerId: a server that checks the
/// uniqueness before it stores, under another lock, admits more than one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_members_admitted_with_one_worker_id_are_caught() {
    for seed in 1..=3 {
        let result = run_onsi(&["onsi-invite-unique-check-race"], seed).await;
        assert_eq!(result.outcome, Outcome::Failed, "seed {seed}");
        let failed = result.failed_step().expect("a failed step");
        assert!(failed.name.contains("(workerId shared)"), "{}", failed.name);
    }
}

#[test]
fn toluna_does_not_get_the_property_and_onsi_does() {
    let toluna = properties::load(&suite("toluna")).unwrap().unwrap();
    assert!(!properties::available(&toluna).contains(&Property::ConcurrentUpdates));
    let onsi = properties::load(&suite("onsi")).unwrap().unwrap();
    assert!(properties::available(&onsi).contains(&Property::ConcurrentUpdates));
}

/// The ids of the property results in a JSON report.
fn property_ids(report: &std::path::Path) -> Vec<String> {
    let json: Value = serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    let mut ids = Vec::new();
    for result in json["results"].as_array().unwrap() {
        let name = result["case"].as_str().unwrap();
        if name.starts_with("property::") {
            ids.push(format!("{}::{name}", result["suite"].as_str().unwrap()));
        }
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_checks_off_leaves_the_property_out() {
    let out = tempfile::tempdir().unwrap();
    let mut seen = Vec::new();
    for switch in ["on", "off"] {
        let report = out.path().join(format!("{switch}.json"));
        let output = verity_async(args(&[
            "run",
            "--suite",
            "onsi",
            "--properties",
            "only",
            "--property-cases",
            "2",
            "--seed",
            "4",
            "--concurrency-checks",
            switch,
            "--report",
            &format!("json:{}", report.display()),
        ]))
        .await;
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
        seen.push(property_ids(&report));
    }
    let id = "onsi::property::concurrent-updates".to_string();
    assert!(seen[0].contains(&id), "{:?}", seen[0]);
    assert!(!seen[1].contains(&id), "{:?}", seen[1]);
    assert_eq!(seen[0].len(), seen[1].len() + 1);
}

#[test]
fn the_flag_refuses_anything_but_on_and_off() {
    let output = verity(&["run", "--concurrency-checks", "maybe"]);
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--concurrency-checks"), "{stderr}");
}

/// The load errors of one suite of a copy of `cases/` whose
/// `properties.yaml` ends with `extra`.
fn load_errors_with(suite_name: &str, extra: &str) -> String {
    let copy = cases_copy();
    let cases = copy.path().join("cases");
    let file = cases.join(suite_name).join("properties.yaml");
    let mut text = std::fs::read_to_string(&file).unwrap();
    text = text.replace(
        "\nconcurrency: { updates: 8, rounds: 2, creations: 4 }\n",
        "\n",
    );
    text.push_str(extra);
    std::fs::write(&file, text).unwrap();
    let suite = verity::case::load_root(&cases, &[suite_name.to_string()])
        .unwrap()
        .remove(0);
    match properties::load(&suite) {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_declaration_out_of_range_or_on_a_paced_suite_is_refused_at_its_place() {
    for (suite_name, extra, wanted) in [
        (
            "onsi",
            "concurrency: { updates: 1 }\n",
            "updates: 1 is not between 2 and 32",
        ),
        (
            "onsi",
            "concurrency: { rounds: 0 }\n",
            "rounds: 0 is not between 1 and 20",
        ),
        (
            "onsi",
            "concurrency: { creations: 1 }\n",
            "creations: 1 is neither 0",
        ),
        // Toluna paces calls on a MemberCode 1000 ms apart, as its docs ask.
        (
            "toluna",
            "concurrency: {}\n",
            "the suite paces its requests",
        ),
    ] {
        let errors = load_errors_with(suite_name, extra);
        assert!(errors.contains(wanted), "{extra}: {errors}");
        assert!(errors.contains("properties.yaml:"), "a place: {errors}");
    }
    assert_eq!(
        load_errors_with("onsi", "concurrency: { creations: 0 }\n"),
        ""
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_refused_while_others_are_in_flight_is_reported_not_assumed() {
    // With this fault a PATCH of workerId null is answered 400: the property
    // warns about that update and checks nothing of its field in the read.
    let mut warned = 0;
    for seed in 1..=6 {
        let result = run_onsi(&["onsi-workerid-null-refused"], seed).await;
        assert_ne!(result.outcome, Outcome::Failed, "seed {seed}: {result:#?}");
        if result.outcome != Outcome::Warned {
            continue;
        }
        warned += 1;
        let step = result.steps.iter().find(|s| s.warned()).unwrap();
        assert!(step.name.contains("update workerId"), "{}", step.name);
        assert_eq!(step.response.as_ref().unwrap().status, 400);
        let read = result.steps.last().unwrap();
        assert_eq!(read.name, "a after");
        assert!(
            read.checks
                .iter()
                .all(|c| !c.subject.starts_with("$.workerId")),
            "{:#?}",
            read.checks
        );
        let example = result.property.unwrap().counterexample.unwrap();
        assert!(
            example.case_file.contains("not 2xx: reported, not assumed"),
            "{}",
            example.case_file
        );
    }
    assert!(warned > 0, "no seed sent workerId null");
}
