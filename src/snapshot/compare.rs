//! Two runs of the same cases compared step by step, on their normalized
//! answers: what `verity diff` reports. Values the suite's redactions cover,
//! and the values each run generated, do not count as differences.

use regex::Regex;

use super::normalize::{FreshLabels, Normalizer, expression};
use crate::case::model::{Case, SnapshotSpec};
use crate::run::result::{CaseResult, Outcome};

/// One side of a comparison: a finished case and the pattern of the values
/// its run generated.
pub struct Side<'a> {
    pub result: &'a CaseResult,
    pub fresh: &'a Regex,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Same,
    Differ(Vec<StepDifference>),
    /// A case that did not run on both sides, and why.
    NotCompared(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepDifference {
    pub index: usize,
    pub step: String,
    /// The request as the case file writes it.
    pub expression: String,
    pub a: String,
    pub b: String,
}

#[derive(Debug, Clone)]
pub struct CaseComparison {
    /// `suite::case`.
    pub id: String,
    pub verdict: Verdict,
}

const NO_ANSWER: &str = "(no answer: the request failed)";
const NOT_RUN: &str = "(not run: the case stopped at an earlier step)";

/// Each step's normalized answer, or why there is none.
fn answers(spec: &SnapshotSpec, case: &Case, side: &Side) -> Vec<String> {
    let normalizer = Normalizer::new(spec, Some(side.fresh));
    let mut labels = FreshLabels::default();
    case.steps
        .iter()
        .enumerate()
        .map(|(i, step)| match side.result.steps.get(i) {
            Some(result) => match &result.response {
                Some(response) => {
                    normalizer.answer(response, &step.snapshot_redactions, &mut labels)
                }
                None => NO_ANSWER.to_string(),
            },
            None => NOT_RUN.to_string(),
        })
        .collect()
}

pub fn compare_case(case: &Case, spec: &SnapshotSpec, a: &Side, b: &Side) -> Verdict {
    for (label, side) in [("A", a), ("B", b)] {
        if side.result.outcome == Outcome::Skipped {
            return Verdict::NotCompared(format!(
                "skipped on {label}: {}",
                side.result
                    .skip_reason
                    .as_deref()
                    .unwrap_or("no reason given")
            ));
        }
    }
    let differences: Vec<StepDifference> = answers(spec, case, a)
        .into_iter()
        .zip(answers(spec, case, b))
        .enumerate()
        .filter(|(_, (x, y))| super::file::normalize(x) != super::file::normalize(y))
        .map(|(index, (x, y))| StepDifference {
            index,
            step: case.steps[index].name.clone(),
            expression: expression(&case.steps[index]),
            a: x,
            b: y,
        })
        .collect();
    if differences.is_empty() {
        Verdict::Same
    } else {
        Verdict::Differ(differences)
    }
}

/// Counts for the summary line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Agreement {
    pub same: usize,
    pub differ: usize,
    pub not_compared: usize,
}

impl Agreement {
    pub fn of(cases: &[CaseComparison]) -> Agreement {
        let mut counts = Agreement::default();
        for case in cases {
            match case.verdict {
                Verdict::Same => counts.same += 1,
                Verdict::Differ(_) => counts.differ += 1,
                Verdict::NotCompared(_) => counts.not_compared += 1,
            }
        }
        counts
    }

    /// `N of M cases agree, K differ[, J not compared]`.
    pub fn line(&self) -> String {
        let compared = self.same + self.differ;
        let mut line = format!(
            "{} of {compared} cases agree, {} differ",
            self.same, self.differ
        );
        if self.not_compared > 0 {
            line.push_str(&format!(", {} not compared", self.not_compared));
        }
        line
    }
}
