//! What a JSON report keeps of how its answers are normalized for snapshots
//! (the headers each suite keeps, its redactions and its steps' own, and the
//! pattern of the values the run generated), so that `verity report compare`
//! can normalize the answers of two reports exactly as snapshots do, long
//! after the runs and away from the case files that defined it.
//!
//! In the report (`"normalization"`, optional; older reports lack it):
//!
//! ```json
//! "normalization": {
//!   "fresh": ["k3x9qa-?[0-9]+"],
//!   "suites": {
//!     "onsi": {
//!       "headers": ["content-type"],
//!       "redact": [{ "path": "$..memberId", "as": "[memberId]", "source": { "file": "cases/onsi/suite.yaml", "line": 9, "column": 7 } }],
//!       "steps": { "search-by-status": { "search": [{ "path": "$.members", "as": "[members]", "source": { ... } }] } }
//!     }
//!   }
//! }
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::case::model::{Pos, RedactTarget, Redaction, SnapshotSpec};
use crate::run::Fresh;
use crate::run::plan::SuitePlan;
use crate::snapshot::normalize::{FreshLabels, Normalizer};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Normalization {
    /// Regexes of the values each run generated (`${fresh.*}`): one per
    /// run, several in a report merged from shards.
    pub fresh: Vec<String>,
    /// Each snapshotted suite (one with a `snapshots:` section).
    pub suites: BTreeMap<String, SuiteNormalization>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuiteNormalization {
    /// Lower-case names of the response headers kept.
    pub headers: Vec<String>,
    pub redact: Vec<KeptRedaction>,
    /// The redactions a step adds to the suite's, by case, then step name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub steps: BTreeMap<String, BTreeMap<String, Vec<KeptRedaction>>>,
}

/// A redaction as `suite.yaml` or a step writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptRedaction {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    #[serde(rename = "as")]
    pub label: String,
    pub source: Pos,
}

/// A kept redaction that no longer compiles (the report was edited, or
/// written by a verity that accepted other syntax).
#[derive(Debug, thiserror::Error)]
#[error("{source_pos}: the kept redaction {what} does not compile: {why}")]
pub struct RebuildError {
    source_pos: Pos,
    what: String,
    why: String,
}

impl KeptRedaction {
    fn of(redaction: &Redaction) -> KeptRedaction {
        let (path, regex) = match &redaction.target {
            RedactTarget::Path { source, .. } => (Some(source.clone()), None),
            RedactTarget::Regex(re) => (None, Some(re.as_str().to_string())),
        };
        KeptRedaction {
            path,
            regex,
            label: redaction.label.clone(),
            source: redaction.origin.pos().clone(),
        }
    }

    fn rebuild(&self) -> Result<Redaction, RebuildError> {
        let fail = |what: String, why: String| RebuildError {
            source_pos: self.source.clone(),
            what,
            why,
        };
        let target = match (&self.path, &self.regex) {
            (Some(source), None) => RedactTarget::Path {
                source: source.clone(),
                path: serde_json_path::JsonPath::parse(source)
                    .map_err(|e| fail(format!("path `{source}`"), e.to_string()))?,
            },
            (None, Some(re)) => RedactTarget::Regex(
                Regex::new(re).map_err(|e| fail(format!("regex `{re}`"), e.to_string()))?,
            ),
            _ => {
                return Err(fail(
                    format!("`{}`", self.label),
                    "it needs exactly one of `path` and `regex`".into(),
                ));
            }
        };
        Ok(Redaction {
            target,
            label: self.label.clone(),
            origin: crate::case::Origin::File(self.source.clone()),
        })
    }
}

impl Normalization {
    /// What the planned suites and the run's generator normalize.
    pub fn of(plans: &[Arc<SuitePlan>], fresh: &Fresh) -> Normalization {
        let mut suites = BTreeMap::new();
        for plan in plans {
            let Some(spec) = &plan.suite.snapshots else {
                continue;
            };
            let mut steps: BTreeMap<String, BTreeMap<String, Vec<KeptRedaction>>> = BTreeMap::new();
            for case in &plan.suite.cases {
                for step in case
                    .steps
                    .iter()
                    .filter(|s| !s.snapshot_redactions.is_empty())
                {
                    steps.entry(case.name.clone()).or_default().insert(
                        step.name.clone(),
                        step.snapshot_redactions
                            .iter()
                            .map(KeptRedaction::of)
                            .collect(),
                    );
                }
            }
            suites.insert(
                plan.suite.name.clone(),
                SuiteNormalization {
                    headers: spec.headers.clone(),
                    redact: spec.redactions.iter().map(KeptRedaction::of).collect(),
                    steps,
                },
            );
        }
        Normalization {
            fresh: vec![fresh.pattern()],
            suites,
        }
    }

    /// The normalization of reports merged into one: every run's generated
    /// values, and each suite as the first report that has it says.
    pub fn merge<'a>(all: impl IntoIterator<Item = &'a Normalization>) -> Normalization {
        let mut merged = Normalization::default();
        for one in all {
            for pattern in &one.fresh {
                if !merged.fresh.contains(pattern) {
                    merged.fresh.push(pattern.clone());
                }
            }
            for (name, suite) in &one.suites {
                merged
                    .suites
                    .entry(name.clone())
                    .or_insert_with(|| suite.clone());
            }
        }
        merged
    }
}

/// A suite's normalization compiled again: normalizes the answers of one
/// case, step after step, as its snapshots were.
pub struct Rebuilt {
    spec: SnapshotSpec,
    steps: BTreeMap<String, BTreeMap<String, Vec<Redaction>>>,
}

impl Rebuilt {
    pub fn new(suite: &SuiteNormalization) -> Result<Rebuilt, RebuildError> {
        let redactions = suite
            .redact
            .iter()
            .map(KeptRedaction::rebuild)
            .collect::<Result<_, _>>()?;
        let mut steps = BTreeMap::new();
        for (case, named) in &suite.steps {
            let mut of_case = BTreeMap::new();
            for (step, kept) in named {
                of_case.insert(
                    step.clone(),
                    kept.iter()
                        .map(KeptRedaction::rebuild)
                        .collect::<Result<_, _>>()?,
                );
            }
            steps.insert(case.clone(), of_case);
        }
        Ok(Rebuilt {
            spec: SnapshotSpec {
                headers: suite.headers.clone(),
                redactions,
            },
            steps,
        })
    }

    /// The normalized answer of each step of `case` that kept one, by step
    /// name, in step order (fresh values are numbered through the case).
    /// `fresh` matches the values that run generated.
    pub fn answers(
        &self,
        case: &crate::run::CaseResult,
        fresh: Option<&Regex>,
    ) -> Vec<(String, String)> {
        let normalizer = Normalizer::new(&self.spec, fresh);
        let mut labels = FreshLabels::default();
        let none = BTreeMap::new();
        let of_case = self.steps.get(&case.case).unwrap_or(&none);
        case.steps
            .iter()
            .filter_map(|step| {
                let response = step.response.as_ref()?;
                // A slim copy (the results' temporary file failed) lost its body.
                if response.body.is_empty() && response.body_bytes > 0 {
                    return None;
                }
                let extra = of_case.get(&step.name).map_or(&[][..], Vec::as_slice);
                Some((
                    step.name.clone(),
                    normalizer.answer(response, extra, &mut labels),
                ))
            })
            .collect()
    }
}

/// One regex matching every run's generated values.
pub fn fresh_regex(patterns: &[String]) -> Result<Option<Regex>, regex::Error> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let joined: Vec<String> = patterns.iter().map(|p| format!("(?:{p})")).collect();
    Regex::new(&joined.join("|")).map(Some)
}
