//! Results of a run, as plain data: what the reporters consume. Nothing here
//! refers to HTTP machinery; secrets are masked before a result is built.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::CaseInfo;
use crate::case::model::Pos;
use crate::check::CheckResult;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    /// Every check that decides passed, but an advisory one (a check of
    /// what the docs only show in an example) failed: a warning, which
    /// fails the run only with `--strict`.
    Warned,
    Failed,
    Skipped,
    /// Failed, but listed in the known-failures baseline (`--baseline`): it
    /// does not fail the run.
    KnownFailure,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseResult {
    pub suite: String,
    pub case: String,
    pub description: String,
    pub doc: String,
    pub source: Pos,
    pub outcome: Outcome,
    /// Why a case was skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_reason: Option<String>,
    pub steps: Vec<StepResult>,
    #[serde(serialize_with = "millis", deserialize_with = "from_millis")]
    pub duration: Duration,
    /// The baseline entry that made a failure known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known: Option<KnownFailure>,
    /// The seed that reproduces a property's generated inputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// What a property run adds: what it checked, its counterexample.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub property: Option<PropertyReport>,
}

/// Why a failure is known: from an entry of the baseline file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownFailure {
    pub reason: String,
    /// `YYYY-MM-DD`: the last day the failure is known; it fails again after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

impl CaseResult {
    /// A failed result with no steps yet, named after a case or runnable.
    pub fn named(info: CaseInfo) -> CaseResult {
        CaseResult {
            suite: info.suite,
            case: info.name,
            description: info.description,
            doc: info.doc,
            source: info.source,
            outcome: Outcome::Failed,
            skip_reason: None,
            steps: Vec::new(),
            duration: Duration::ZERO,
            known: None,
            seed: None,
            property: None,
        }
    }

    pub fn id(&self) -> String {
        format!("{}::{}", self.suite, self.case)
    }

    /// The first step that failed, if any.
    pub fn failed_step(&self) -> Option<&StepResult> {
        self.failed_steps().next()
    }

    /// Every step that failed: snapshot checks run after the case, so steps
    /// after the first failed one can fail too.
    pub fn failed_steps(&self) -> impl Iterator<Item = &StepResult> {
        self.steps.iter().filter(|s| !s.passed)
    }

    /// Every step with a warning (an advisory check that failed).
    pub fn warned_steps(&self) -> impl Iterator<Item = &StepResult> {
        self.steps.iter().filter(|s| s.warned())
    }

    /// Whether it failed inside verity (a panic, a generated case that could
    /// not be built) rather than on what a server answered.
    pub fn failed_inside_verity(&self) -> bool {
        self.steps.iter().any(|s| s.kind == StepKind::Internal)
    }
}

/// Where a result stands in a report: by suite, then by place in the case
/// files (then by name, for runnables that share a place).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Order {
    suite: String,
    file: std::sync::Arc<std::path::PathBuf>,
    line: u64,
    case: String,
}

impl Order {
    pub fn of(result: &CaseResult) -> Order {
        Order {
            suite: result.suite.clone(),
            file: result.source.file.clone(),
            line: result.source.line,
            case: result.case.clone(),
        }
    }
}

/// The name shown for the step that reports a failure inside verity.
pub const INTERNAL_STEP: &str = "(internal)";

/// What a step result reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// A request sent (or that could not be built) and its answer.
    #[default]
    Exchange,
    /// A failure inside verity itself, not a step of the case.
    Internal,
}

impl StepKind {
    fn is_exchange(&self) -> bool {
        *self == StepKind::Exchange
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepResult {
    pub name: String,
    /// A report written before `kind` existed holds exchanges only.
    #[serde(default, skip_serializing_if = "StepKind::is_exchange")]
    pub kind: StepKind,
    pub source: Pos,
    pub request: RequestSummary,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<ResponseSummary>,
    /// Why no response could be read (timeout, connection refused, ...), or
    /// why the request could not be built.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub checks: Vec<CheckResult>,
    pub passed: bool,
    #[serde(serialize_with = "millis", deserialize_with = "from_millis")]
    pub duration: Duration,
    /// Requests sent for this step: more than 1 when it was retried.
    pub attempts: u32,
    /// Why each retry happened, e.g. `attempt 1: 429, waited 1.0 s`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retries: Vec<String>,
}

impl StepResult {
    /// Whether an advisory check of it failed.
    pub fn warned(&self) -> bool {
        self.checks.iter().any(CheckResult::warns)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RequestSummary {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResponseSummary {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body as text, cut at [`BODY_KEPT`] bytes.
    pub body: String,
    pub body_bytes: usize,
}

/// A property run (`crate::properties`): generated cases checked against
/// the server, and for a failure the smallest request sequence found.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PropertyReport {
    /// Generated cases that passed (before the first failure, if any).
    pub cases_passed: u32,
    /// Requests sent, shrinking included.
    pub requests: u64,
    /// The shrunk failure; for a property that only warned, the first
    /// generated case that warned, as it ran (not shrunk, never saved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterexample: Option<Counterexample>,
    /// What the run should know of how it generated, that is no failure
    /// (a field the server lists one value of).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The shrunk failure of a property, as a ready-to-run case file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Counterexample {
    /// A case file (YAML) that reproduces the failure; secrets masked.
    pub case_file: String,
    /// Failing runs found while shrinking (each one simpler than the last).
    pub shrink_steps: u32,
    /// Whether shrinking stopped at its limit of runs or time, so a smaller
    /// counterexample may exist.
    pub shrink_limited: bool,
    /// Where `--save-failures` wrote the case file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saved_to: Option<String>,
    /// Why it could not be written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save_error: Option<String>,
}

/// How much of a response body a result keeps for the reports.
pub const BODY_KEPT: usize = 64 * 1024;

/// How many cases (and runnables) ended each way.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub known: usize,
    pub skipped: usize,
    /// Passed with a warning: an advisory check failed.
    #[serde(default)]
    pub warned: usize,
}

impl Counts {
    pub fn of<'a>(results: impl IntoIterator<Item = &'a CaseResult>) -> Counts {
        let mut counts = Counts::default();
        for r in results {
            counts.add(r.outcome);
        }
        counts
    }

    pub fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Passed => self.passed += 1,
            Outcome::Warned => self.warned += 1,
            Outcome::Failed => self.failed += 1,
            Outcome::KnownFailure => self.known += 1,
            Outcome::Skipped => self.skipped += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.passed + self.failed + self.known + self.skipped + self.warned
    }

    /// Every case that ran passed (or failed as known) and the run, stopped
    /// for `stopped` if at all, was not cut short.
    pub fn success(&self, stopped: Option<&str>) -> bool {
        self.failed == 0 && stopped.is_none()
    }

    /// `N passed, N failed[, N warnings][, N skipped]`, as the console ends
    /// (CI systems read that line); known failures are told on a line of
    /// their own.
    pub fn line(&self) -> String {
        let mut line = format!("{} passed, {} failed", self.passed, self.failed);
        if self.warned > 0 {
            let s = if self.warned == 1 { "" } else { "s" };
            line.push_str(&format!(", {} warning{s}", self.warned));
        }
        if self.skipped > 0 {
            line.push_str(&format!(", {} skipped", self.skipped));
        }
        line
    }
}

/// The counts of a finished run.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub counts: Counts,
    /// `suite::case` of each failure, in the order they finished.
    pub failures: Vec<String>,
    /// `suite::case` of each case that passed with a warning.
    pub warnings: Vec<String>,
    pub duration: Duration,
    /// Why the run stopped before every case ran (Ctrl-C, `--max-time`,
    /// `--fail-fast`); the cases it did not finish are reported as skipped.
    pub stopped: Option<String>,
}

impl Summary {
    pub fn add(&mut self, case: &CaseResult) {
        self.counts.add(case.outcome);
        match case.outcome {
            Outcome::Failed => self.failures.push(case.id()),
            Outcome::Warned => self.warnings.push(case.id()),
            _ => {}
        }
    }

    pub fn success(&self) -> bool {
        self.counts.success(self.stopped.as_deref())
    }

    pub fn line(&self) -> String {
        self.counts.line()
    }
}

fn from_millis<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    u64::deserialize(d).map(Duration::from_millis)
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}
