//! `verity report compare OLD NEW`: two runs taken at different times (last
//! release's report against today's), case by case. Cases and properties
//! are matched by `suite::case`, steps by name; each case is classified
//! ([`Change`]), its median time on each side compared, and for steps whose
//! answers both reports kept, the answers normalized as snapshots are
//! (redactions applied) and diffed.
//!
//! A side may be several JSON reports: those that hold distinct cases (the
//! shards of one run, runs of different suites) are merged with
//! [`super::merge::merge`]; a report that repeats cases already there is
//! another run of the same cases, whose times count towards the medians.

pub mod text;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::document::{Counts, Report};
use super::error::{MergeError, ReadError};
use super::merge;
use super::normalization::{RebuildError, Rebuilt, fresh_regex};
use crate::run::SuiteInfo;
use crate::run::result::{CaseResult, Outcome};

/// The `schema` field of the comparison's JSON.
pub const SCHEMA: &str = "verity-compare";
/// Raised when a field changes meaning or goes away.
pub const VERSION: u32 = 1;

/// A case counts as slower only when its median also grew by this much:
/// durations are whole milliseconds, so below this a factor is noise.
pub const SLOWER_FLOOR_MS: u64 = 20;

/// What happened to a case between the two sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Failing now, not before (passed, warned, was skipped).
    NewlyFailing,
    /// Failing on both sides, at other steps or checks.
    FailingDifferently,
    /// Warning now (an advisory check failed), passing or skipped before.
    NewlyWarning,
    /// Failed or warned before, passes now (or only warns, for a failure).
    Fixed,
    /// Failing on both sides, the same checks at the same steps.
    StillFailing,
    /// Only in the new report.
    Added,
    /// Only in the old report.
    Removed,
    /// Skipped on a side, so nothing can be said.
    Skipped,
    Unchanged,
}

impl Change {
    pub const ALL: [Change; 9] = [
        Change::NewlyFailing,
        Change::FailingDifferently,
        Change::NewlyWarning,
        Change::Fixed,
        Change::StillFailing,
        Change::Added,
        Change::Removed,
        Change::Skipped,
        Change::Unchanged,
    ];

    /// The serialized name: `newly_failing`.
    pub fn name(self) -> &'static str {
        match self {
            Change::NewlyFailing => "newly_failing",
            Change::FailingDifferently => "failing_differently",
            Change::NewlyWarning => "newly_warning",
            Change::Fixed => "fixed",
            Change::StillFailing => "still_failing",
            Change::Added => "added",
            Change::Removed => "removed",
            Change::Skipped => "skipped",
            Change::Unchanged => "unchanged",
        }
    }

    /// As people read it: `newly failing`.
    pub fn label(self) -> &'static str {
        match self {
            Change::NewlyFailing => "newly failing",
            Change::FailingDifferently => "failing differently",
            Change::NewlyWarning => "newly warning",
            Change::Fixed => "fixed",
            Change::StillFailing => "still failing",
            Change::Added => "added",
            Change::Removed => "removed",
            Change::Skipped => "skipped",
            Change::Unchanged => "unchanged",
        }
    }
}

/// Where a case stands on one side, for classifying it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Standing {
    Skipped,
    Passing,
    Warning,
    Failing,
}

fn standing(outcome: Outcome) -> Standing {
    match outcome {
        Outcome::Passed => Standing::Passing,
        Outcome::Warned => Standing::Warning,
        Outcome::Failed | Outcome::KnownFailure => Standing::Failing,
        Outcome::Skipped => Standing::Skipped,
    }
}

fn classify(old: Standing, new: Standing, same_failure: bool) -> Change {
    use Standing::*;
    match (old, new) {
        (Failing, Failing) if same_failure => Change::StillFailing,
        (Failing, Failing) => Change::FailingDifferently,
        (_, Failing) => Change::NewlyFailing,
        (Failing | Warning, Passing) | (Failing, Warning) => Change::Fixed,
        (Passing | Skipped, Warning) => Change::NewlyWarning,
        (_, Skipped) | (Skipped, _) => Change::Skipped,
        (Passing, Passing) | (Warning, Warning) => Change::Unchanged,
    }
}

/// What a failure is, for telling the same failure from another: which
/// checks failed at which steps (not the values, which carry generated ids).
pub fn failure_signature(case: &CaseResult) -> Vec<String> {
    case.failed_steps()
        .flat_map(|step| {
            let mut lines: Vec<String> = step
                .checks
                .iter()
                .filter(|c| !c.passed)
                .map(|c| format!("step `{}`: {}", step.name, c.subject))
                .collect();
            if step.error.is_some() {
                lines.push(format!("step `{}`: no answer", step.name));
            }
            if lines.is_empty() {
                lines.push(format!("step `{}` failed", step.name));
            }
            lines
        })
        .collect()
}

/// The first failed check of a case, as one line: `step `patch`: status:
/// expected 200, got 500`.
pub fn first_failure(case: &CaseResult) -> Option<String> {
    let step = case.failed_step()?;
    if let Some(error) = &step.error {
        return Some(format!("step `{}`: {error}", step.name));
    }
    Some(match step.checks.iter().find(|c| !c.passed) {
        Some(c) => format!(
            "step `{}`: {}: expected {}, got {}",
            step.name,
            c.subject,
            one_line(&c.expected, 80),
            one_line(&c.actual, 80)
        ),
        None => format!("step `{}` failed", step.name),
    })
}

fn one_line(text: &str, limit: usize) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.chars().count() <= limit {
        return joined;
    }
    let cut: String = joined.chars().take(limit).collect();
    format!("{cut}…")
}

/// One side of the comparison, as the comparison's JSON describes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SideInfo {
    pub files: Vec<String>,
    /// Runs of the same cases on this side (their times give medians).
    pub runs: usize,
    pub verity: String,
    pub started_at: String,
    pub duration_ms: u64,
    pub suites: Vec<SuiteInfo>,
    pub summary: Counts,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
}

/// A case on one side.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseSide {
    pub outcome: Outcome,
    /// Median over the runs in which it ran, milliseconds.
    pub duration_ms: u64,
    /// Runs of this side that hold the case, and how many of them failed it.
    pub runs: usize,
    pub failed_runs: usize,
    /// The first failed check, for a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_reason: Option<String>,
}

/// A step whose normalized answers differ.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AnswerChange {
    pub step: String,
    pub old: String,
    pub new: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseChange {
    /// `suite::case`.
    pub id: String,
    pub suite: String,
    pub case: String,
    pub change: Change,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<CaseSide>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<CaseSide>,
    /// New median over old median, when over `--slower-than`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slower: Option<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<AnswerChange>,
    /// The documented statement and place, from the newer side that has it.
    pub doc: String,
    pub file: String,
    pub line: u64,
    /// The failing result to show in full (the new side's, or for a fix the
    /// old side's); not in the JSON, which points to the reports for it.
    #[serde(skip)]
    pub detail: Option<CaseResult>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Comparison {
    /// Always [`SCHEMA`].
    pub schema: String,
    pub version: u32,
    pub verity: String,
    pub old: SideInfo,
    pub new: SideInfo,
    /// The `--slower-than` factor.
    pub slower_than: f64,
    /// Why the answers were not diffed, for a suite or both reports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Cases of each change (every change, zeros included).
    pub counts: BTreeMap<Change, usize>,
    /// Cases whose median time grew past `--slower-than`.
    pub slower: usize,
    /// Cases with a step whose normalized answers differ.
    pub answers_differ: usize,
    /// By suite, then by place in the case files.
    pub cases: Vec<CaseChange>,
}

impl Comparison {
    pub fn count(&self, change: Change) -> usize {
        self.counts.get(&change).copied().unwrap_or(0)
    }

    /// The verdict in words.
    pub fn verdict(&self) -> &'static str {
        if self.success() {
            "nothing newly failing"
        } else {
            "newly failing cases"
        }
    }

    /// Exit 1 when anything is newly failing.
    pub fn success(&self) -> bool {
        self.count(Change::NewlyFailing) == 0
    }

    /// `2 newly failing, 1 fixed, ..., 88 unchanged; 3 slower; answers differ in 5 cases`:
    /// the changes that happened, unchanged always.
    pub fn line(&self) -> String {
        let mut parts: Vec<String> = Change::ALL
            .iter()
            .filter(|c| self.count(**c) > 0 || **c == Change::Unchanged)
            .map(|c| format!("{} {}", self.count(*c), c.label()))
            .collect();
        if parts.len() == 1 && self.count(Change::NewlyFailing) == 0 {
            parts.insert(0, "0 newly failing".into());
        }
        let mut line = parts.join(", ");
        if self.slower > 0 {
            line.push_str(&format!("; {} slower", self.slower));
        }
        if self.answers_differ > 0 {
            line.push_str(&format!(
                "; answers differ in {} case{}",
                self.answers_differ,
                if self.answers_differ == 1 { "" } else { "s" }
            ));
        }
        line
    }
}

/// Why two sets of reports cannot be compared.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Merge(#[from] MergeError),
    #[error(
        "no suite in common: the old reports hold {old}, the new ones {new}; compare reports of the same suites"
    )]
    NoSuiteInCommon { old: String, new: String },
    /// `which`: `old` or `new`.
    #[error("the {which} report's pattern of generated values does not compile: {source}")]
    FreshPattern {
        which: &'static str,
        source: regex::Error,
    },
    #[error("the new report: {0}")]
    Redaction(#[source] RebuildError),
}

/// A `--slower-than` that is not a factor above 1.
#[derive(Debug, thiserror::Error)]
#[error("`{text}` is not a factor above 1: write e.g. 2x or 1.5x")]
pub struct FactorError {
    pub text: String,
}

/// One side: its runs, each a merged report.
pub struct Side {
    pub files: Vec<PathBuf>,
    pub runs: Vec<Report>,
}

impl Side {
    /// Groups the reports into runs (a report joins the first run that has
    /// none of its cases nor its shard), and merges each run's reports.
    pub fn of(reports: Vec<(PathBuf, Report)>) -> Result<Side, CompareError> {
        /// The reports of one run, and the cases they hold.
        struct Run {
            ids: BTreeSet<String>,
            members: Vec<(PathBuf, Report)>,
        }
        let files = reports.iter().map(|(p, _)| p.clone()).collect();
        let mut groups: Vec<Run> = Vec::new();
        for (path, report) in reports {
            let ids: BTreeSet<String> = report.results.iter().map(CaseResult::id).collect();
            let fits = groups.iter().position(|run| {
                run.ids.is_disjoint(&ids)
                    && run
                        .members
                        .iter()
                        .all(|(_, r)| r.shards.iter().all(|s| !report.shards.contains(s)))
            });
            match fits {
                Some(i) => {
                    groups[i].ids.extend(ids);
                    groups[i].members.push((path, report));
                }
                None => groups.push(Run {
                    ids,
                    members: vec![(path, report)],
                }),
            }
        }
        let runs = groups
            .into_iter()
            // Even one report: a shard alone is refused, as merge refuses it.
            .map(|run| merge::merge(run.members).map_err(CompareError::Merge))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Side { files, runs })
    }

    fn info(&self) -> SideInfo {
        let first = &self.runs[0];
        SideInfo {
            files: self.files.iter().map(|p| p.display().to_string()).collect(),
            runs: self.runs.len(),
            verity: first.verity.clone(),
            started_at: first.started_at.clone(),
            duration_ms: first.duration_ms,
            suites: first.suites.clone(),
            summary: first.summary.clone(),
            stopped: first.stopped.clone(),
        }
    }

    fn suite_names(&self) -> BTreeSet<String> {
        self.runs
            .iter()
            .flat_map(|r| r.suites.iter().map(|s| s.name.clone()))
            .collect()
    }

    /// Every case of the side: its results in each run, in report order.
    fn cases(&self) -> BTreeMap<String, Vec<(usize, &CaseResult)>> {
        let mut cases: BTreeMap<String, Vec<(usize, &CaseResult)>> = BTreeMap::new();
        for (run, report) in self.runs.iter().enumerate() {
            for result in &report.results {
                cases.entry(result.id()).or_default().push((run, result));
            }
        }
        cases
    }
}

/// The result that speaks for a case on a side: the worst of its runs (a
/// failure in one run of three is a failure worth seeing), the first of equals.
fn representative<'a>(results: &[(usize, &'a CaseResult)]) -> (usize, &'a CaseResult) {
    let mut best = results[0];
    for &candidate in &results[1..] {
        if standing(candidate.1.outcome) > standing(best.1.outcome) {
            best = candidate;
        }
    }
    best
}

fn median(mut values: Vec<u64>) -> u64 {
    values.sort_unstable();
    match values.len() {
        0 => 0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2,
    }
}

fn case_side(results: &[(usize, &CaseResult)]) -> CaseSide {
    let (_, shown) = representative(results);
    let ran: Vec<u64> = results
        .iter()
        .filter(|(_, r)| r.outcome != Outcome::Skipped)
        .map(|(_, r)| r.duration.as_millis() as u64)
        .collect();
    CaseSide {
        outcome: shown.outcome,
        duration_ms: median(ran),
        runs: results.len(),
        failed_runs: results
            .iter()
            .filter(|(_, r)| standing(r.outcome) == Standing::Failing)
            .count(),
        failure: first_failure(shown),
        skip_reason: shown.skip_reason.clone(),
    }
}

/// The answers normalization of each suite, and the generated values of
/// each run, for both sides; `None` for a suite whose answers are not diffed.
struct Answers {
    suites: BTreeMap<String, Rebuilt>,
    old_fresh: Vec<Option<Regex>>,
    new_fresh: Vec<Option<Regex>>,
}

impl Answers {
    /// The new side's redactions (the current definition of what varies)
    /// for both sides, each run's own generated values.
    fn of(old: &Side, new: &Side, notes: &mut Vec<String>) -> Result<Answers, CompareError> {
        let fresh = |side: &Side, which: &'static str, notes: &mut Vec<String>| {
            if side.runs.iter().any(|r| r.normalization.is_none()) {
                notes.push(format!(
                    "answers not compared: a {which} report does not say how its answers are normalized (written by an older verity); the outcomes and times are"
                ));
            }
            side.runs
                .iter()
                .map(|r| match &r.normalization {
                    Some(n) => fresh_regex(&n.fresh)
                        .map_err(|source| CompareError::FreshPattern { which, source }),
                    None => Ok(None),
                })
                .collect::<Result<Vec<_>, _>>()
        };
        let old_fresh = fresh(old, "old", notes)?;
        let new_fresh = fresh(new, "new", notes)?;
        let mut suites = BTreeMap::new();
        if notes.is_empty() {
            for (name, suite) in new
                .runs
                .iter()
                .filter_map(|r| r.normalization.as_ref())
                .flat_map(|n| &n.suites)
            {
                if !suites.contains_key(name) {
                    let rebuilt = Rebuilt::new(suite).map_err(CompareError::Redaction)?;
                    suites.insert(name.clone(), rebuilt);
                }
            }
        }
        Ok(Answers {
            suites,
            old_fresh,
            new_fresh,
        })
    }

    fn differences(
        &self,
        old: (usize, &CaseResult),
        new: (usize, &CaseResult),
    ) -> Vec<AnswerChange> {
        // A property's answers are those of generated inputs: noise.
        if new.1.property.is_some() || old.1.property.is_some() {
            return Vec::new();
        }
        let Some(rebuilt) = self.suites.get(&new.1.suite) else {
            return Vec::new();
        };
        let before: BTreeMap<String, String> = rebuilt
            .answers(old.1, self.old_fresh[old.0].as_ref())
            .into_iter()
            .collect();
        rebuilt
            .answers(new.1, self.new_fresh[new.0].as_ref())
            .into_iter()
            .filter_map(|(step, after)| {
                let earlier = before.get(&step)?;
                (!crate::snapshot::file::same_contents(earlier, &after)).then(|| AnswerChange {
                    step,
                    old: earlier.clone(),
                    new: after,
                })
            })
            .collect()
    }
}

/// Compares the two sides. `slower_than` is the factor over which a
/// case's median time counts as slower.
pub fn compare(old: Side, new: Side, slower_than: f64) -> Result<Comparison, CompareError> {
    let (old_suites, new_suites) = (old.suite_names(), new.suite_names());
    if old_suites.is_disjoint(&new_suites) {
        let list = |s: &BTreeSet<String>| {
            if s.is_empty() {
                "no suite".to_string()
            } else {
                s.iter().cloned().collect::<Vec<_>>().join(", ")
            }
        };
        return Err(CompareError::NoSuiteInCommon {
            old: list(&old_suites),
            new: list(&new_suites),
        });
    }
    let mut notes = Vec::new();
    let answers = Answers::of(&old, &new, &mut notes)?;
    for suite in old_suites.symmetric_difference(&new_suites) {
        let here = if old_suites.contains(suite) {
            "old"
        } else {
            "new"
        };
        notes.push(format!(
            "suite `{suite}` is only in the {here} reports: its cases are listed as {}",
            if here == "old" { "removed" } else { "added" }
        ));
    }
    let (old_cases, new_cases) = (old.cases(), new.cases());
    let ids: BTreeSet<&String> = old_cases.keys().chain(new_cases.keys()).collect();
    let mut cases = Vec::new();
    for id in ids {
        let before = old_cases.get(id);
        let after = new_cases.get(id);
        let shown = after
            .or(before)
            .map(|r| representative(r).1)
            .expect("on a side");
        let (change, slower, answer_changes, detail) = match (before, after) {
            (None, Some(a)) => {
                let (_, n) = representative(a);
                (Change::Added, None, Vec::new(), failing(n))
            }
            (Some(_), None) => (Change::Removed, None, Vec::new(), None),
            (Some(b), Some(a)) => {
                let (o, n) = (representative(b), representative(a));
                let same = failure_signature(o.1) == failure_signature(n.1);
                let change = classify(standing(o.1.outcome), standing(n.1.outcome), same);
                let (os, ns) = (case_side(b), case_side(a));
                let slower = slower_by(&os, &ns, slower_than);
                let detail = match change {
                    Change::Fixed => failing(o.1),
                    _ => failing(n.1),
                };
                (change, slower, answers.differences(o, n), detail)
            }
            (None, None) => unreachable!("an id comes from a side"),
        };
        cases.push((
            crate::run::result::Order::of(shown),
            CaseChange {
                id: id.clone(),
                suite: shown.suite.clone(),
                case: shown.case.clone(),
                change,
                old: before.map(|r| case_side(r)),
                new: after.map(|r| case_side(r)),
                slower,
                answers: answer_changes,
                doc: shown.doc.clone(),
                file: shown.source.file.display().to_string(),
                line: shown.source.line,
                detail,
            },
        ));
    }
    cases.sort_by(|a, b| a.0.cmp(&b.0));
    let cases: Vec<CaseChange> = cases.into_iter().map(|(_, c)| c).collect();
    let mut counts: BTreeMap<Change, usize> = Change::ALL.iter().map(|c| (*c, 0)).collect();
    for case in &cases {
        *counts.entry(case.change).or_default() += 1;
    }
    Ok(Comparison {
        schema: SCHEMA.into(),
        version: VERSION,
        verity: env!("CARGO_PKG_VERSION").into(),
        old: old.info(),
        new: new.info(),
        slower_than,
        notes,
        counts,
        slower: cases.iter().filter(|c| c.slower.is_some()).count(),
        answers_differ: cases.iter().filter(|c| !c.answers.is_empty()).count(),
        cases,
    })
}

fn failing(case: &CaseResult) -> Option<CaseResult> {
    (standing(case.outcome) >= Standing::Warning).then(|| case.clone())
}

fn slower_by(old: &CaseSide, new: &CaseSide, factor: f64) -> Option<f64> {
    if old.outcome == Outcome::Skipped || new.outcome == Outcome::Skipped {
        return None;
    }
    let ratio = new.duration_ms as f64 / old.duration_ms.max(1) as f64;
    (ratio >= factor && new.duration_ms >= old.duration_ms + SLOWER_FLOOR_MS).then_some(ratio)
}

/// `2x`, `2`, `1.5x`: a factor above 1.
pub fn parse_factor(text: &str) -> Result<f64, FactorError> {
    let number = text.trim().trim_end_matches(['x', 'X', '×']);
    match number.parse::<f64>() {
        Ok(f) if f > 1.0 && f.is_finite() => Ok(f),
        _ => Err(FactorError { text: text.into() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_covers_every_pair() {
        use Standing::*;
        assert_eq!(classify(Passing, Failing, false), Change::NewlyFailing);
        assert_eq!(classify(Skipped, Failing, false), Change::NewlyFailing);
        assert_eq!(classify(Warning, Failing, false), Change::NewlyFailing);
        assert_eq!(classify(Failing, Passing, false), Change::Fixed);
        assert_eq!(classify(Failing, Warning, false), Change::Fixed);
        assert_eq!(classify(Warning, Passing, false), Change::Fixed);
        assert_eq!(classify(Failing, Failing, true), Change::StillFailing);
        assert_eq!(
            classify(Failing, Failing, false),
            Change::FailingDifferently
        );
        assert_eq!(classify(Passing, Warning, false), Change::NewlyWarning);
        assert_eq!(classify(Skipped, Warning, false), Change::NewlyWarning);
        assert_eq!(classify(Passing, Skipped, false), Change::Skipped);
        assert_eq!(classify(Failing, Skipped, false), Change::Skipped);
        assert_eq!(classify(Skipped, Passing, false), Change::Skipped);
        assert_eq!(classify(Passing, Passing, false), Change::Unchanged);
        assert_eq!(classify(Warning, Warning, false), Change::Unchanged);
    }

    #[test]
    fn medians_and_factors() {
        assert_eq!(median(vec![5, 1, 3]), 3);
        assert_eq!(median(vec![4, 1, 3, 2]), 2);
        assert_eq!(parse_factor("2x").unwrap(), 2.0);
        assert_eq!(parse_factor("1.5").unwrap(), 1.5);
        assert_eq!(
            parse_factor("1x").unwrap_err().to_string(),
            "`1x` is not a factor above 1: write e.g. 2x or 1.5x"
        );
        assert!(parse_factor("fast").is_err());
        let side = |ms| CaseSide {
            outcome: Outcome::Passed,
            duration_ms: ms,
            runs: 1,
            failed_runs: 0,
            failure: None,
            skip_reason: None,
        };
        assert_eq!(slower_by(&side(10), &side(40), 2.0), Some(4.0));
        // Grown by the factor but by less than the floor: noise.
        assert_eq!(slower_by(&side(2), &side(9), 2.0), None);
        assert_eq!(slower_by(&side(100), &side(150), 2.0), None);
    }

    #[test]
    fn every_change_has_its_serialized_name() {
        for change in Change::ALL {
            assert_eq!(
                serde_json::to_value(change).unwrap(),
                serde_json::Value::String(change.name().into())
            );
        }
    }
}
