//! The committed suites against the reference servers: the correct servers
//! pass every case. That every fault of the catalogue fails at least one
//! case or property is `verity mutants`' test (tests/mutants.rs).

mod support;

use std::collections::BTreeSet;

use support::run_suites;
use verity::reference::Faults;
use verity::run::Outcome;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suites_pass_on_the_reference_servers() {
    let (summary, cases) = run_suites(Faults::none()).await;
    let failed: Vec<String> = cases
        .iter()
        .filter(|c| c.outcome != Outcome::Passed)
        .map(|c| format!("{} ({:?})", c.id(), c.outcome))
        .collect();
    assert!(
        failed.is_empty(),
        "cases not passing on the correct servers: {failed:#?}"
    );
    let suites: BTreeSet<&str> = cases.iter().map(|c| c.suite.as_str()).collect();
    assert_eq!(suites, BTreeSet::from(["onsi", "toluna"]));
    assert_eq!(summary.counts.passed, cases.len());
    assert!(
        summary.counts.passed >= 80,
        "only {} cases ran",
        summary.counts.passed
    );
}

/// A correct server that words every error message otherwise than the docs'
/// examples: no case or property fails on it, and the checks of wording
/// (tied to `example` statements) are warnings, which `--strict` makes fail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_worded_otherwise_passes_with_warnings_and_fails_only_strictly() {
    use support::{ACTIVE_MEMBER, args, text, verity_async};
    use verity::reference::{self, Options, Readings};

    let options = Options {
        readings: Readings::from_names(&["other-wording"]).unwrap(),
        ..Options::default()
    };
    let server = reference::start(([127, 0, 0, 1], 0).into(), &options)
        .await
        .expect("the reference server starts");
    let url = server.url().to_string();
    let active = format!("active_member_id={ACTIVE_MEMBER}");
    let run = |strict: bool| {
        let mut list = vec![
            "run",
            "--base-url",
            url.as_str(),
            "--no-pacing",
            "--var",
            active.as_str(),
            "-q",
        ];
        if strict {
            list.push("--strict");
        }
        verity_async(args(&list))
    };
    let lenient = run(false).await;
    let strict = run(true).await;
    server.stop().await;

    let (stdout, stderr) = text(&lenient);
    assert_eq!(lenient.status.code(), Some(0), "{stdout}{stderr}");
    let summary = support::last_line(&stdout);
    assert!(summary.contains(" 0 failed, 5 warnings"), "{summary}");
    let warned: BTreeSet<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("WARN  "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        warned,
        BTreeSet::from([
            "toluna::get-unknown-pair-400-no-member-found",
            "toluna::get-known-code-other-partner-400",
            "toluna::pii-regulation-hides-member",
            "toluna::pii-regulation-is-permanent",
            "toluna::property::unknown-resource",
        ]),
        "{stdout}"
    );
    assert!(
        stdout.contains("no member found"),
        "the warning says what was expected"
    );

    let (stdout, stderr) = text(&strict);
    assert_eq!(strict.status.code(), Some(1), "{stdout}{stderr}");
    let failed: BTreeSet<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("FAIL  "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(
        warned.iter().all(|w| failed.contains(w)),
        "--strict fails each warning: {failed:?}"
    );
}
