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
