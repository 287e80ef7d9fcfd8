//! From the failures of a run to a verdict: which cases and properties
//! caught a fault. Pure: no servers, no requests.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::{FaultRun, Tally, Verdict};
use crate::case::model::Pos;
use crate::check::json::excerpt;
use crate::reference::FaultInfo;
use crate::run::CaseResult;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CatcherKind {
    Case,
    Property,
}

/// A case or property that failed in a run, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catcher {
    /// `suite::case`, or `suite::property::name`.
    pub id: String,
    pub suite: String,
    /// The case's or property's name within its suite.
    pub name: String,
    pub kind: CatcherKind,
    /// Where it is written.
    pub source: Pos,
    /// The first thing that failed, on one line: the step and its first
    /// failing check, or why no answer came.
    pub why: String,
}

/// Longest expected or actual value kept in [`Catcher::why`].
const WHY_VALUE: usize = 80;

fn one_line(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    excerpt(flat.as_bytes(), WHY_VALUE)
}

impl Catcher {
    /// From a failed or warned result (already masked by the runner).
    pub fn of(result: &CaseResult) -> Catcher {
        let kind = if result.property.is_some() || result.seed.is_some() {
            CatcherKind::Property
        } else {
            CatcherKind::Case
        };
        // A warned result failed no step: its first failing check is advisory.
        let step = result.failed_step().or_else(|| {
            result
                .steps
                .iter()
                .find(|step| step.checks.iter().any(|c| !c.passed))
        });
        let why = match step {
            Some(step) => {
                let what = match (&step.error, step.checks.iter().find(|c| !c.passed)) {
                    (Some(error), _) => one_line(error),
                    (None, Some(check)) => format!(
                        "{}: expected {}, got {}",
                        check.subject,
                        one_line(&check.expected),
                        one_line(&check.actual)
                    ),
                    (None, None) => "failed".into(),
                };
                format!("step `{}`: {what}", step.name)
            }
            None => "failed".into(),
        };
        Catcher {
            id: result.id(),
            suite: result.suite.clone(),
            name: result.case.clone(),
            kind,
            source: result.source.clone(),
            why,
        }
    }

    /// Cases in file order, then properties.
    fn order(&self) -> (CatcherKind, &str, &Pos, &str) {
        (self.kind, &self.suite, &self.source, &self.id)
    }
}

/// What one run (clean or with a fault) observed.
#[derive(Debug, Clone, Default)]
pub struct RunOutcome {
    pub tally: Tally,
    /// Failures on what the server answered.
    pub failures: Vec<Catcher>,
    /// Cases and properties that passed every required check with an
    /// advisory one failing.
    pub warnings: Vec<Catcher>,
    /// Failures inside verity itself.
    pub errors: Vec<Catcher>,
    /// Why the run stopped before it finished.
    pub stopped: Option<String>,
}

impl RunOutcome {
    /// Records a finished case or property.
    pub fn add(&mut self, result: &CaseResult) {
        use crate::run::Outcome;
        match result.outcome {
            Outcome::Passed | Outcome::KnownFailure => self.tally.passed += 1,
            Outcome::Warned => self.add_warned(result),
            Outcome::Skipped => self.tally.skipped += 1,
            Outcome::Failed => {
                self.tally.failed += 1;
                if result.failed_inside_verity() {
                    self.errors.push(Catcher::of(result));
                } else {
                    self.failures.push(Catcher::of(result));
                }
            }
        }
    }

    /// Records a case or property that passed with a warning: it counts as
    /// passed (a warning fails no run) and may catch a fault as a warning.
    pub fn add_warned(&mut self, result: &CaseResult) {
        self.tally.passed += 1;
        self.warnings.push(Catcher::of(result));
    }

    /// Puts failures, warnings and errors in their stable order.
    pub fn settle(&mut self) {
        for list in [&mut self.failures, &mut self.warnings, &mut self.errors] {
            list.sort_by(|a, b| a.order().cmp(&b.order()));
        }
    }
}

/// What the clean servers' run says about each case and property: those
/// that failed there catch nothing, those that warned there catch nothing
/// as a warning.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    pub failed: BTreeSet<String>,
    pub warned: BTreeSet<String>,
}

impl Baseline {
    pub fn of(clean: &super::CleanRun) -> Baseline {
        let ids = |list: &[Catcher]| list.iter().map(|c| c.id.clone()).collect();
        Baseline {
            failed: ids(&clean.false_alarms),
            warned: ids(&clean.warnings),
        }
    }
}

/// The verdict on a fault from its run. What failed or warned on the clean
/// servers too ([`Baseline`]) proves nothing.
pub fn judge_fault(fault: &FaultInfo, mut outcome: RunOutcome, clean: &Baseline) -> FaultRun {
    outcome.settle();
    let caught_by: Vec<Catcher> = outcome
        .failures
        .into_iter()
        .filter(|c| !clean.failed.contains(&c.id))
        .collect();
    // A case that failed on the clean servers may still warn there: a
    // warning proves nothing unless the case passed cleanly.
    let warned_by: Vec<Catcher> = outcome
        .warnings
        .into_iter()
        .filter(|c| !clean.failed.contains(&c.id) && !clean.warned.contains(&c.id))
        .collect();
    // A failure (or warning) before the stop still counts: the fault was seen.
    let verdict = match (caught_by.is_empty(), warned_by.is_empty(), &outcome.stopped) {
        (false, _, _) => Verdict::Caught,
        (true, false, _) => Verdict::Warned,
        (true, true, Some(_)) => Verdict::NotRun,
        (true, true, None) => Verdict::Survived,
    };
    FaultRun {
        fault: fault.name.to_string(),
        api: fault.api.name().to_string(),
        summary: fault.summary.to_string(),
        verdict,
        caught_by,
        warned_by,
        errors: outcome.errors,
        tally: outcome.tally,
        not_run: match verdict {
            Verdict::NotRun => outcome.stopped,
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::Arc;

    use super::*;
    use crate::check::{CheckKind, CheckResult};
    use crate::run::result::{RequestSummary, StepResult};
    use crate::run::{CaseInfo, Outcome};

    fn fault() -> &'static FaultInfo {
        crate::reference::catalogue()
            .find(|f| f.name == "onsi-patch-drops-phone-echo")
            .unwrap()
    }

    fn step(name: &str, error: Option<&str>, checks: Vec<CheckResult>) -> StepResult {
        StepResult {
            name: name.into(),
            kind: crate::run::result::StepKind::Exchange,
            source: pos(3),
            request: RequestSummary {
                method: "PATCH".into(),
                url: "http://127.0.0.1:1/v1/members/mem_1".into(),
                headers: Vec::new(),
                body: None,
            },
            response: None,
            error: error.map(String::from),
            checks,
            passed: false,
            duration: std::time::Duration::ZERO,
            attempts: 1,
            retries: Vec::new(),
        }
    }

    fn pos(line: u64) -> Pos {
        Pos {
            file: Arc::new(PathBuf::from("cases/onsi/patch-echo.yaml")),
            line,
            column: 5,
        }
    }

    fn result(name: &str, line: u64, outcome: Outcome, steps: Vec<StepResult>) -> CaseResult {
        CaseResult {
            outcome,
            steps,
            ..CaseResult::named(CaseInfo {
                suite: "onsi".into(),
                name: name.into(),
                description: String::new(),
                doc: String::new(),
                source: pos(line),
            })
        }
    }

    fn phone_check() -> CheckResult {
        CheckResult::new(
            CheckKind::JsonPath,
            "$.phone equals",
            "\"+447700900123\"",
            "(missing)\n   over two lines",
            false,
        )
    }

    #[test]
    fn a_failure_names_its_step_and_first_failing_check_on_one_line() {
        let r = result(
            "patch-echo",
            9,
            Outcome::Failed,
            vec![step("2", None, vec![phone_check()])],
        );
        let c = Catcher::of(&r);
        assert_eq!(c.id, "onsi::patch-echo");
        assert_eq!(c.kind, CatcherKind::Case);
        assert_eq!(
            c.why,
            "step `2`: $.phone equals: expected \"+447700900123\", got (missing) over two lines"
        );
        let r = result(
            "timeout",
            9,
            Outcome::Failed,
            vec![step("1", Some("timed out after 30 s"), Vec::new())],
        );
        assert_eq!(Catcher::of(&r).why, "step `1`: timed out after 30 s");
    }

    #[test]
    fn only_cases_passing_on_the_clean_servers_catch_a_fault() {
        let mut outcome = RunOutcome::default();
        let failing = |name, line| {
            result(
                name,
                line,
                Outcome::Failed,
                vec![step("1", None, vec![phone_check()])],
            )
        };
        let mut property = failing("property::valid-partial-update", 1);
        property.seed = Some(1);
        // Finished in this order; reported cases first, in file order.
        for r in [
            &property,
            &failing("late", 40),
            &failing("early", 8),
            &failing("broken-anyway", 20),
            &result("passes", 30, Outcome::Passed, Vec::new()),
        ] {
            outcome.add(r);
        }
        let clean = Baseline {
            failed: BTreeSet::from(["onsi::broken-anyway".to_string()]),
            ..Baseline::default()
        };
        let run = judge_fault(fault(), outcome.clone(), &clean);
        assert_eq!(run.verdict, Verdict::Caught);
        let ids: Vec<&str> = run.caught_by.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "onsi::early",
                "onsi::late",
                "onsi::property::valid-partial-update"
            ]
        );
        assert_eq!(run.catcher_counts(), (2, 1));
        assert_eq!(run.tally.line(), "1 passed, 4 failed");

        // Caught only by a case that fails on the clean servers: survived.
        let mut only_broken = RunOutcome::default();
        only_broken.add(&failing("broken-anyway", 20));
        let run = judge_fault(fault(), only_broken, &clean);
        assert_eq!(run.verdict, Verdict::Survived);
        assert!(run.caught_by.is_empty());
    }

    #[test]
    fn verity_failing_on_its_own_is_no_catch_and_a_stop_is_no_survival() {
        let mut outcome = RunOutcome::default();
        let mut crashed = result(
            "property::stateful-sequence",
            1,
            Outcome::Failed,
            vec![crate::run::result::StepResult {
                kind: crate::run::result::StepKind::Internal,
                ..step(
                    crate::run::result::INTERNAL_STEP,
                    Some("internal error in verity: boom"),
                    Vec::new(),
                )
            }],
        );
        crashed.seed = Some(1);
        outcome.add(&crashed);
        let run = judge_fault(fault(), outcome.clone(), &Baseline::default());
        assert_eq!(run.verdict, Verdict::Survived);
        assert_eq!(run.errors.len(), 1);
        assert_eq!(run.errors[0].kind, CatcherKind::Property);

        outcome.stopped = Some("Ctrl-C".into());
        let run = judge_fault(fault(), outcome, &Baseline::default());
        assert_eq!(run.verdict, Verdict::NotRun);
        assert_eq!(run.not_run.as_deref(), Some("Ctrl-C"));
    }

    /// A result that passed with one advisory check failing, as issue 11's
    /// `Outcome::Warned` will be; until it exists, recorded by `add_warned`.
    fn warned(name: &str, line: u64) -> CaseResult {
        let mut step = step("get", None, vec![wording_check()]);
        step.passed = true;
        result(name, line, Outcome::Passed, vec![step])
    }

    fn wording_check() -> CheckResult {
        CheckResult::new(
            CheckKind::JsonPath,
            "$.Message regex",
            "matches /(?i)no member found/",
            "\"Unknown member\"",
            false,
        )
    }

    #[test]
    fn a_fault_that_only_warns_is_caught_as_a_warning() {
        let mut outcome = RunOutcome::default();
        outcome.add_warned(&warned("get-unknown-pair", 40));
        outcome.add_warned(&warned("warns-anyway", 8));
        outcome.add(&result("passes", 30, Outcome::Passed, Vec::new()));
        let clean = Baseline {
            warned: BTreeSet::from(["onsi::warns-anyway".to_string()]),
            ..Baseline::default()
        };
        let run = judge_fault(fault(), outcome.clone(), &clean);
        assert_eq!(run.verdict, Verdict::Warned);
        assert!(run.caught_by.is_empty());
        let ids: Vec<&str> = run.warned_by.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["onsi::get-unknown-pair"]);
        assert_eq!(
            run.warned_by[0].why,
            "step `get`: $.Message regex: expected matches /(?i)no member found/, got \"Unknown member\""
        );
        assert_eq!(run.tally.line(), "3 passed, 0 failed");

        // A failure wins over warnings: caught, with both listed.
        outcome.add(&result(
            "late",
            50,
            Outcome::Failed,
            vec![step("1", None, vec![phone_check()])],
        ));
        let run = judge_fault(fault(), outcome, &clean);
        assert_eq!(run.verdict, Verdict::Caught);
        assert_eq!(run.caught_by.len(), 1);
        assert_eq!(run.warned_by.len(), 1);

        // Warnings only from what warned on the clean servers: survived.
        let mut only_clean = RunOutcome::default();
        only_clean.add_warned(&warned("warns-anyway", 8));
        let run = judge_fault(fault(), only_clean, &clean);
        assert_eq!(run.verdict, Verdict::Survived);
    }
}
