//! The committed suites against the reference servers: the correct servers
//! pass every case, and every fault of the catalogue fails at least one case.

mod support;

use std::collections::BTreeSet;

use support::run_suites;
use verity::reference::{self, Faults};
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
    assert_eq!(summary.passed, cases.len());
    assert!(summary.passed >= 80, "only {} cases ran", summary.passed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_of_the_catalogue_is_caught() {
    let mut missed = Vec::new();
    for fault in reference::catalogue() {
        let faults = Faults::from_names(&[fault.name]).unwrap();
        let (summary, cases) = run_suites(faults).await;
        if summary.failed == 0 {
            missed.push(fault.name);
        }
        // A fault breaks its own API only: the other suite still passes.
        let other_failures: Vec<_> = cases
            .iter()
            .filter(|c| c.outcome == Outcome::Failed && c.suite != fault.api.name())
            .map(|c| c.id())
            .collect();
        assert!(
            other_failures.is_empty(),
            "{} failed cases of another API: {other_failures:?}",
            fault.name
        );
    }
    assert!(
        missed.is_empty(),
        "faults no case catches (add a case; never drop the fault): {missed:?}"
    );
}
