//! `verity report compare`: two reports of the reference servers, one taken
//! with a fault of the catalogue switched on, are told apart by exactly the
//! cases the fault breaks (newly failing one way, fixed the other), with
//! the answers the fault changed as diffs; two clean runs differ in
//! nothing, their generated values and redacted ids notwithstanding.

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;
use support::{assert_meets_schema, path_str, run_with_faults, text, verity};

/// PATCH answers with the member as it was before the update.
const FAULT: &str = "onsi-patch-echo-stale";

/// Few generated cases: the properties run, and stay quick.
const RUN: &[&str] = &["-q", "--seed", "1", "--property-cases", "5"];

async fn report(faults: &[&str], path: &Path) {
    let spec = format!("json:{}", path_str(path));
    let mut extra = RUN.to_vec();
    extra.extend(["--report", spec.as_str()]);
    let output = run_with_faults(faults, &extra).await;
    let (stdout, stderr) = text(&output);
    assert!(
        output.status.code() == Some(0) || output.status.code() == Some(1),
        "{stdout}\n{stderr}"
    );
}

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `suite::case` of every result with this outcome.
fn with_outcome(report: &Value, outcome: &str) -> BTreeSet<String> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"] == outcome)
        .map(|r| {
            format!(
                "{}::{}",
                r["suite"].as_str().unwrap(),
                r["case"].as_str().unwrap()
            )
        })
        .collect()
}

fn with_change(comparison: &Value, change: &str) -> BTreeSet<String> {
    comparison["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["change"] == change)
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

/// Runs `verity report compare` with `args` and reads its JSON.
fn compare(args: &[&str], json: &Path) -> (Option<i32>, String, String, Value) {
    let spec = format!("json:{}", path_str(json));
    let mut list = vec!["report", "compare"];
    list.extend_from_slice(args);
    list.extend(["--report", spec.as_str()]);
    let output = verity(&list);
    let (stdout, stderr) = text(&output);
    let value = if json.exists() {
        let value = read(json);
        assert_meets_schema(&value, "compare.schema.json");
        value
    } else {
        Value::Null
    };
    (output.status.code(), stdout, stderr, value)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_shows_as_exactly_the_cases_it_breaks() {
    let dir = tempfile::tempdir().unwrap();
    let (clean, again, faulty) = (
        dir.path().join("clean.json"),
        dir.path().join("again.json"),
        dir.path().join("faulty.json"),
    );
    report(&[], &clean).await;
    report(&[], &again).await;
    report(&[FAULT], &faulty).await;
    let clean_report = read(&clean);
    let faulty_report = read(&faulty);
    assert!(with_outcome(&clean_report, "failed").is_empty());
    let broken = with_outcome(&faulty_report, "failed");
    // The catalogue says PATCH echoes: the echo cases catch it.
    assert!(
        broken.contains("onsi::patch-echoes-every-field"),
        "{broken:?}"
    );
    assert!(
        broken.iter().all(|id| id.starts_with("onsi::")),
        "{broken:?}"
    );

    // Old clean, new faulty: exactly the broken cases are newly failing.
    let json = dir.path().join("forward.json");
    let (code, stdout, stderr, forward) = compare(&[&path_str(&clean), &path_str(&faulty)], &json);
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    assert_eq!(with_change(&forward, "newly_failing"), broken, "{stdout}");
    assert!(with_change(&forward, "fixed").is_empty(), "{stdout}");
    let unchanged = with_change(&forward, "unchanged");
    let total = clean_report["results"].as_array().unwrap().len();
    assert_eq!(unchanged.len() + broken.len(), total, "{stdout}");
    for id in &broken {
        let line = stdout
            .lines()
            .find(|l| l.starts_with("NEWLY FAILING") && l.contains(id.as_str()))
            .unwrap_or_else(|| panic!("{id} is not listed as newly failing:\n{stdout}"));
        assert!(line.contains("passed → failed"), "{line}");
    }
    let summary = stdout.trim_end().lines().last().unwrap();
    assert!(
        summary.starts_with(&format!("{} newly failing, ", broken.len())),
        "{summary}"
    );
    // What the fault changed in the answers: the PATCH answer of an echo case.
    let echo = forward["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "onsi::patch-echoes-every-field")
        .unwrap();
    let diffs = echo["answers"].as_array().unwrap();
    assert!(!diffs.is_empty(), "{echo:#}");
    assert!(diffs.iter().all(|d| d["old"] != d["new"]), "{diffs:#?}");
    assert!(
        echo["new"]["failure"].as_str().unwrap().contains("step"),
        "{echo:#}"
    );
    // The diff is printed, normalized: no member id, no generated value.
    assert!(stdout.contains("the normalized answers differ"), "{stdout}");
    assert!(!stdout.contains("+  \"memberId\": \"mem_"), "{stdout}");

    // The other way round: the same cases, fixed; nothing newly failing.
    let json = dir.path().join("backward.json");
    let (code, stdout, stderr, backward) = compare(&[&path_str(&faulty), &path_str(&clean)], &json);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert_eq!(with_change(&backward, "fixed"), broken, "{stdout}");
    assert!(
        with_change(&backward, "newly_failing").is_empty(),
        "{stdout}"
    );
    for id in &broken {
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with("FIXED") && l.contains(id.as_str())),
            "{id}:\n{stdout}"
        );
    }

    // Two clean runs: every value that differs between runs (generated
    // values, member ids) is normalized away, so no answer differs.
    let json = dir.path().join("clean-clean.json");
    let (code, stdout, stderr, same) = compare(&[&path_str(&clean), &path_str(&again)], &json);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert_eq!(with_change(&same, "unchanged").len(), total, "{stdout}");
    assert_eq!(same["answers_differ"], 0, "{stdout}");
    assert!(same["notes"].is_null(), "{same:#}");

    sides_of_several_reports(dir.path(), &clean, &again, &faulty, &broken);
    refusals(dir.path(), &clean);
}

/// Shards of one run are merged; a report repeating cases is another run.
fn sides_of_several_reports(
    dir: &Path,
    clean: &Path,
    again: &Path,
    faulty: &Path,
    broken: &BTreeSet<String>,
) {
    let whole = read(clean);
    let results = whole["results"].as_array().unwrap();
    for (i, part) in results.chunks(results.len() / 2 + 1).enumerate() {
        let mut shard = whole.clone();
        shard["shards"] = Value::from(vec![format!("{}/2", i + 1)]);
        shard["results"] = Value::from(part.to_vec());
        std::fs::write(dir.join(format!("shard-{}.json", i + 1)), shard.to_string()).unwrap();
    }
    let (s1, s2) = (
        path_str(&dir.join("shard-1.json")),
        path_str(&dir.join("shard-2.json")),
    );
    let json = dir.join("sharded.json");
    let (code, stdout, stderr, sharded) = compare(
        &[
            "--old",
            &s1,
            "--old",
            &s2,
            "--old",
            &path_str(again),
            "--new",
            &path_str(faulty),
        ],
        &json,
    );
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    assert_eq!(sharded["old"]["runs"], 2, "{stdout}");
    assert_eq!(&with_change(&sharded, "newly_failing"), broken, "{stdout}");
    let first = &sharded["cases"][0]["old"];
    assert_eq!(first["runs"], 2, "{sharded:#}");

    // A shard missing from the set: refused as merge refuses it, alone or
    // in a second run of the cases.
    let json = dir.join("missing.json");
    let (code, _, stderr, _) = compare(&["--old", &s1, "--new", &path_str(faulty)], &json);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("shard 2/2 missing"), "{stderr}");
    let mut only_first = read(&dir.join("shard-1.json"));
    only_first["shards"] = Value::from(vec!["1/2"]);
    let extra = dir.join("shard-1-again.json");
    std::fs::write(&extra, only_first.to_string()).unwrap();
    let (code, _, stderr, _) = compare(
        &[
            "--old",
            &s1,
            "--old",
            &path_str(&extra),
            "--old",
            &s2,
            "--new",
            &path_str(faulty),
        ],
        &json,
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("shard 2/2 missing"), "{stderr}");
}

/// Reports of another version, and sides without a suite in common.
fn refusals(dir: &Path, clean: &Path) {
    let mut newer = read(clean);
    newer["version"] = Value::from(2);
    let newer_path = dir.join("v2.json");
    std::fs::write(&newer_path, newer.to_string()).unwrap();
    let json = dir.join("refused.json");
    let (code, _, stderr, _) = compare(&[&path_str(clean), &path_str(&newer_path)], &json);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("report version 2 is not the version 1"),
        "{stderr}"
    );
    assert!(!json.exists());

    let mut other = read(clean);
    for suite in other["suites"].as_array_mut().unwrap() {
        suite["name"] = Value::from(format!("other-{}", suite["name"].as_str().unwrap()));
    }
    for result in other["results"].as_array_mut().unwrap() {
        result["suite"] = Value::from(format!("other-{}", result["suite"].as_str().unwrap()));
    }
    let other_path = dir.join("other.json");
    std::fs::write(&other_path, other.to_string()).unwrap();
    let (code, _, stderr, _) = compare(&[&path_str(clean), &path_str(&other_path)], &json);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("no suite in common"), "{stderr}");
    assert!(stderr.contains("onsi, toluna"), "{stderr}");

    let output = verity(&["report", "compare", &path_str(clean)]);
    assert_eq!(output.status.code(), Some(2));
    let (_, stderr) = text(&output);
    assert!(stderr.contains("name two reports"), "{stderr}");
}
