//! `verity coverage` and the statement registries (`cases/<suite>/statements.yaml`):
//! every statement is listed with what checks it, every `must` statement of
//! the committed suites is checked (or says why no run can show it), and a
//! case taken away leaves its statement unchecked.

mod support;

use std::collections::BTreeMap;
use std::path::Path;

use support::{path_str, repo, text, verity};
use verity::case::statements::{Level, case_refs};

/// One suite's part of `verity coverage`: per statement id its level and
/// checkers, and the ids listed as checked by nothing.
#[derive(Debug, Default)]
struct Listing {
    checked: BTreeMap<String, (String, Vec<String>)>,
    unchecked: BTreeMap<String, (String, String)>,
    naming_none: Vec<String>,
}

fn listings(stdout: &str) -> BTreeMap<String, Listing> {
    let mut out: BTreeMap<String, Listing> = BTreeMap::new();
    let mut suite = String::new();
    let mut in_unchecked = false;
    for line in stdout.lines() {
        if !line.starts_with(' ') && line.contains(": ") {
            suite = line.split(':').next().unwrap().to_string();
            in_unchecked = false;
            out.entry(suite.clone()).or_default();
            continue;
        }
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        let listing = out.get_mut(&suite).expect("a suite line comes first");
        if trimmed.starts_with("checked by nothing") {
            in_unchecked = true;
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix("naming no statement") {
            let names = rest.split_once(": ").map(|(_, n)| n).unwrap_or_default();
            listing.naming_none = names.split(", ").map(String::from).collect();
            continue;
        }
        let mut parts = trimmed.splitn(3, char::is_whitespace);
        let id = parts.next().unwrap().to_string();
        let rest = parts.collect::<Vec<_>>().join(" ");
        let rest = rest.trim_start();
        let (level, tail) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let tail = tail.trim();
        if in_unchecked {
            listing
                .unchecked
                .insert(id, (level.to_string(), tail.to_string()));
        } else {
            let by = tail.split(", ").map(String::from).collect();
            listing.checked.insert(id, (level.to_string(), by));
        }
    }
    out
}

fn coverage_of(cases: &Path) -> BTreeMap<String, Listing> {
    let output = verity(&["coverage", "--cases", &path_str(cases)]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    listings(&stdout)
}

#[test]
fn every_statement_is_listed_with_the_cases_and_properties_naming_it() {
    let listed = coverage_of(&repo().join("cases"));
    let suites = verity::case::load_root(&repo().join("cases"), &[]).unwrap();
    assert_eq!(suites.len(), 2);
    for suite in &suites {
        let registry = suite
            .statements
            .as_ref()
            .unwrap_or_else(|| panic!("{} has no statements.yaml", suite.name));
        let listing = &listed[&suite.name];
        assert_eq!(
            listing.checked.len() + listing.unchecked.len(),
            registry.statements.len(),
            "{}: every statement once",
            suite.name
        );
        for statement in registry.statements.values() {
            let level = listing
                .checked
                .get(&statement.id)
                .map(|(level, _)| level)
                .or_else(|| listing.unchecked.get(&statement.id).map(|(l, _)| l))
                .unwrap_or_else(|| panic!("{} is not listed", statement.id));
            assert_eq!(level, statement.level.as_str(), "{}", statement.id);
        }
        // Each case is listed under each statement it names, and nowhere else.
        for case in &suite.cases {
            let named: Vec<&str> = case_refs(case).iter().map(|r| r.id.as_str()).collect();
            for (id, (_, by)) in &listing.checked {
                assert_eq!(
                    by.contains(&case.name),
                    named.contains(&id.as_str()),
                    "{}::{} under {id}",
                    suite.name,
                    case.name
                );
            }
        }
    }
}

#[test]
fn every_must_statement_is_checked_unless_no_run_can_show_it() {
    let listed = coverage_of(&repo().join("cases"));
    let suites = verity::case::load_root(&repo().join("cases"), &[]).unwrap();
    let mut unobservable_unchecked = Vec::new();
    for suite in &suites {
        let registry = suite.statements.as_ref().unwrap();
        let listing = &listed[&suite.name];
        for (id, (level, why)) in &listing.unchecked {
            let statement = &registry.statements[id];
            assert_eq!(level, statement.level.as_str(), "{id}");
            if statement.level != Level::Must {
                continue;
            }
            assert!(
                statement.unobservable.is_some() && why.starts_with("unobservable: "),
                "{}: the must statement {id} is checked by nothing",
                suite.name
            );
            unobservable_unchecked.push(id.clone());
        }
    }
    // The must statements nothing on the member routes can show (surveys,
    // another API, data of a hidden member, a status no route carries, a
    // 429 past the rate limit). A new one belongs here only with its reason.
    assert_eq!(
        unobservable_unchecked,
        [
            "O-rate-limit",
            "T-add-survey-minimum",
            "T-pii-getsurveys",
            "T-pii-no-survey-invites",
            "T-pii-removes-data",
            "T-practices-status-types",
        ]
    );
}

#[test]
fn every_committed_case_and_property_names_a_statement() {
    let listed = coverage_of(&repo().join("cases"));
    for (suite, listing) in &listed {
        assert!(
            listing.naming_none.is_empty(),
            "{suite}: {:?} name no statement",
            listing.naming_none
        );
    }
    let properties = &listed["onsi"].checked["O-unknown-member"].1;
    assert!(
        properties.contains(&"property::unknown-resource".to_string()),
        "{properties:?}"
    );
    let output = verity(&["check"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stdout.starts_with("ok: 2 suites"), "{stdout}");
    assert!(!stderr.contains("name no statement"), "{stderr}");
}

/// A copy of the committed suites, to change.
fn copy_of_cases() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for suite in ["onsi", "toluna"] {
        let from = repo().join("cases").join(suite);
        let to = dir.path().join(suite);
        copy_dir(&from, &to);
    }
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).unwrap();
        }
    }
}

#[test]
fn removing_a_case_leaves_its_statement_unchecked() {
    let dir = copy_of_cases();
    let before = coverage_of(dir.path());
    assert_eq!(
        before["toluna"].checked["T-minimum-age"].1,
        ["add-below-minimum-age"]
    );
    // The case is the last of add.yaml: cut it off.
    let file = dir.path().join("toluna/add.yaml");
    let text_before = std::fs::read_to_string(&file).unwrap();
    let cut = text_before
        .find("  - name: add-below-minimum-age\n")
        .expect("the case is in add.yaml");
    std::fs::write(&file, &text_before[..cut]).unwrap();

    let after = coverage_of(dir.path());
    let (level, why) = &after["toluna"].unchecked["T-minimum-age"];
    assert_eq!(level, "open");
    assert!(why.starts_with("quote: "), "{why}");
    assert!(!after["toluna"].checked.contains_key("T-minimum-age"));

    // `verity check` warns, and still passes.
    let output = verity(&["check", &path_str(dir.path())]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stdout.starts_with("ok: "), "{stdout}");
    let warning = stderr
        .lines()
        .find(|l| l.starts_with("warning: toluna: "))
        .unwrap_or_else(|| panic!("no warning for toluna: {stderr}"));
    assert!(warning.contains("T-minimum-age"), "{warning}");
}

#[test]
fn a_property_naming_an_unknown_statement_is_refused() {
    let dir = copy_of_cases();
    let file = dir.path().join("toluna/properties.yaml");
    let text_before = std::fs::read_to_string(&file).unwrap();
    let changed = text_before.replacen(
        "  unknown-resource: [T-update-404-unknown-pair,",
        "  unknown-resource: [T-update-404-unknown-pairs,",
        1,
    );
    assert_ne!(changed, text_before);
    std::fs::write(&file, changed).unwrap();
    let line = text_before
        .lines()
        .position(|l| l.starts_with("  unknown-resource: [T-update"))
        .unwrap()
        + 1;
    let output = verity(&["check", &path_str(dir.path())]);
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let want = format!(
        "{}:{line}:22: checks: unknown statement `T-update-404-unknown-pairs` (close: `T-update-404-unknown-pair`",
        path_str(&file)
    );
    assert!(stderr.starts_with(&want), "{stderr}");
}

#[test]
fn a_named_suite_without_a_registry_is_refused_and_others_are_said_to_have_none() {
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("plain");
    std::fs::create_dir(&suite).unwrap();
    std::fs::write(suite.join("suite.yaml"), "name: plain\n").unwrap();
    std::fs::write(
        suite.join("c.yaml"),
        "cases:\n  - name: a\n    steps:\n      - request: { method: GET, path: /x }\n",
    )
    .unwrap();
    let root = path_str(dir.path());
    let output = verity(&["coverage", "--cases", &root]);
    let (stdout, _) = text(&output);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout.trim(), "plain: no statements.yaml, nothing to list");
    let output = verity(&["coverage", "--cases", &root, "--suite", "plain"]);
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr.contains("suite `plain` has no statements.yaml"),
        "{stderr}"
    );
}

/// `verity run` with `--require-coverage` against the embedded reference
/// servers, writing both coverage reports into `out`.
fn run_with_coverage(cases: &Path, out: &Path, extra: &[&str]) -> (Option<i32>, String, String) {
    let md = out.join("coverage.md");
    let json = out.join("coverage.json");
    let mut args = vec![
        "run".to_string(),
        "-q".to_string(),
        "--cases".to_string(),
        path_str(cases),
        "--require-coverage".to_string(),
        format!("--report=coverage:{}", path_str(&md)),
        format!("--report=coverage:{}", path_str(&json)),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = verity(&args);
    let (stdout, stderr) = text(&output);
    (output.status.code(), stdout, stderr)
}

#[test]
fn the_embedded_run_holds_require_coverage_and_its_report_meets_its_schema() {
    let out = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run_with_coverage(&repo().join("cases"), out.path(), &[]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stderr.contains(
            "coverage: every must statement is checked and every documented status was observed"
        ),
        "{stderr}"
    );
    // The exempt statements are named, not silently skipped.
    assert!(stderr.contains("onsi::O-rate-limit"), "{stderr}");

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("coverage.json")).unwrap())
            .unwrap();
    support::assert_meets_schema(&json, "coverage.schema.json");
    let suites = json["suites"].as_array().unwrap();
    assert_eq!(suites.len(), 2);
    let onsi = suites.iter().find(|s| s["suite"] == "onsi").unwrap();
    let tiers = onsi["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["operation"] == "tiers" && r["status"] == 200)
        .expect("GET /v1/tiers 200 is documented");
    assert_eq!(tiers["observed"], true);
    assert!(tiers["count"].as_u64().unwrap() >= 1);
    // 429 is documented but no bounded run provokes it: listed, not observed.
    let limited = onsi["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["operation"] == "tiers" && r["status"] == 429)
        .expect("the rate limit's 429 is listed");
    assert_eq!(limited["observed"], false);
    assert_eq!(limited["required"], false);

    let md = std::fs::read_to_string(out.path().join("coverage.md")).unwrap();
    assert!(md.contains("## onsi") && md.contains("## toluna"), "{md}");
    assert!(
        md.contains("| tiers | `GET /v1/tiers` | 200 | O-tiers-200 | yes | yes ("),
        "{md}"
    );
    assert!(md.contains("| 429 | O-rate-limit | no | **no** |"), "{md}");
    // schema-coverage notes what it exercised, in both suites.
    assert!(
        md.contains("| PATCH /v1/members/${id} body/gender: enum (broken) | `\"female\"` |"),
        "{md}"
    );
    assert!(
        md.contains("| PUT /Respondent body/BirthDate: pattern (met) |"),
        "{md}"
    );
    assert!(!md.contains("none recorded"), "{md}");
    assert!(!onsi["constraints"].as_array().unwrap().is_empty());
}

#[test]
fn removing_the_only_case_of_a_status_fails_require_coverage_naming_the_statement() {
    // The snapshots sit beside the cases directory: copy both.
    let dir = tempfile::tempdir().unwrap();
    let cases = dir.path().join("cases");
    copy_dir(&repo().join("cases"), &cases);
    copy_dir(&repo().join("snapshots"), &dir.path().join("snapshots"));
    let file = cases.join("onsi/search.yaml");
    let before = std::fs::read_to_string(&file).unwrap();
    let start = before
        .find("  - name: tiers-include-configured-tier\n")
        .expect("the case is in search.yaml");
    let end = start + 1 + before[start + 1..].find("\n  - name: ").unwrap() + 1;
    std::fs::write(&file, format!("{}{}", &before[..start], &before[end..])).unwrap();
    // The other case listing the tiers goes too, and the properties stay
    // off: they ask GET /v1/tiers for Onsi's tiers, and its 200 is observed.
    std::fs::remove_file(cases.join("onsi/tier-change.yaml")).unwrap();

    let out = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run_with_coverage(
        &cases,
        out.path(),
        &["--suite", "onsi", "--properties", "off"],
    );
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    // The cases themselves all pass: coverage alone fails the run.
    assert!(stdout.contains(" 0 failed"), "{stdout}");
    assert!(
        stderr.contains("onsi: must statement O-tiers-200 is checked by no case or property"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "onsi: GET /v1/tiers (tiers) was never answered 200 in this run (statement O-tiers-200)"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("--require-coverage fails: 2 shortfalls"),
        "{stderr}"
    );
    // The reports are written all the same.
    let md = std::fs::read_to_string(out.path().join("coverage.md")).unwrap();
    assert!(
        md.contains("| tiers | `GET /v1/tiers` | 200 | O-tiers-200 | yes | **no** |"),
        "{md}"
    );
}
