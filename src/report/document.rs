//! The report of one run (or of several shards merged) as data: what the
//! JSON report stores and what the JUnit, Markdown and GitHub renderings are
//! made from. A [`Collector`] builds it from the runner's events.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::error::ReportError;
use super::normalization::Normalization;
use super::spool::{self, Spool};
pub use crate::run::result::Counts;
use crate::run::result::{CaseResult, Order};
use crate::run::{Event, Reporter, SuiteInfo};

/// The `schema` field of every JSON report.
pub const SCHEMA: &str = "verity-report";
/// Raised when a field changes meaning or goes away; new optional fields
/// keep the version.
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// [`VERSION`] of the writer.
    pub version: u32,
    /// The verity version that ran the cases.
    pub verity: String,
    /// RFC 3339, UTC.
    pub started_at: String,
    pub duration_ms: u64,
    /// `I/N` of each shard this report covers; empty for an unsharded run.
    #[serde(default)]
    pub shards: Vec<String>,
    /// Why the run stopped before every case ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    pub suites: Vec<SuiteInfo>,
    pub summary: Counts,
    /// How the answers are normalized for snapshots, so that `verity report
    /// compare` can normalize them again; absent in older reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normalization: Option<Normalization>,
    /// Sorted by suite, then by place in the case files.
    pub results: Results,
}

/// A report's results. Of a run whose results went to a [`Spool`], a case
/// that passed or was skipped is held in its [`spool::slim`] form (what
/// JUnit and Markdown need) and serialized whole from the spool, one at a
/// time: the JSON report of any run costs no more memory than its slim
/// copies.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct Results {
    held: Vec<CaseResult>,
    #[serde(skip)]
    spool: Option<Arc<Spool>>,
}

impl Serialize for Results {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let Some(spool) = &self.spool else {
            return self.held.serialize(serializer);
        };
        let mut seq = serializer.serialize_seq(Some(spool.len()))?;
        for result in spool.results() {
            let result =
                result.map_err(|e| S::Error::custom(format!("reading back the results: {e}")))?;
            seq.serialize_element(&result)?;
        }
        seq.end()
    }
}

impl From<Vec<CaseResult>> for Results {
    fn from(held: Vec<CaseResult>) -> Results {
        Results { held, spool: None }
    }
}

impl std::ops::Deref for Results {
    type Target = Vec<CaseResult>;
    fn deref(&self) -> &Vec<CaseResult> {
        &self.held
    }
}

impl<'a> IntoIterator for &'a Results {
    type Item = &'a CaseResult;
    type IntoIter = std::slice::Iter<'a, CaseResult>;
    fn into_iter(self) -> Self::IntoIter {
        self.held.iter()
    }
}

impl std::ops::DerefMut for Results {
    fn deref_mut(&mut self) -> &mut Vec<CaseResult> {
        &mut self.held
    }
}

impl Report {
    /// Every case that ran passed or failed as known, and the run was whole.
    pub fn success(&self) -> bool {
        self.summary.success(self.stopped.as_deref())
    }

    pub fn suite_results<'a>(&'a self, suite: &'a str) -> impl Iterator<Item = &'a CaseResult> {
        self.results.iter().filter(move |r| r.suite == suite)
    }

    /// Puts the results in their stable order and recounts them.
    pub fn settle(&mut self) {
        self.results.sort_by_cached_key(Order::of);
        self.summary = Counts::of(&self.results);
    }
}

/// RFC 3339 in UTC, to the second.
pub fn timestamp(at: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(at).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Keeps what the reports need as the run goes.
pub struct Collector {
    report: Report,
    spool: Option<Spool>,
    /// Why some results kept only their slim form.
    lost: Option<ReportError>,
}

impl Collector {
    /// Holds every result in memory.
    pub fn new(shard: Option<String>) -> Collector {
        Collector {
            report: Report {
                schema: SCHEMA.into(),
                version: VERSION,
                verity: env!("CARGO_PKG_VERSION").into(),
                started_at: timestamp(SystemTime::now()),
                duration_ms: 0,
                shards: shard.into_iter().collect(),
                stopped: None,
                suites: Vec::new(),
                summary: Counts::default(),
                normalization: None,
                results: Results::default(),
            },
            spool: None,
            lost: None,
        }
    }

    /// Keeps whole results in a temporary file and slim copies of those that
    /// passed in memory, so memory stays flat however many cases run; holds
    /// them in memory when no temporary file can be made.
    pub fn spooled(mut self) -> Collector {
        self.spool = Spool::new().ok();
        self
    }

    /// The report of the run, without a copy of every result; an error
    /// when some results could not be kept whole.
    pub fn into_report(mut self) -> (Report, Option<ReportError>) {
        self.report.settle();
        if let Some(mut spool) = self.spool.take() {
            spool.sort();
            self.report.results.spool = Some(Arc::new(spool));
        }
        (self.report, self.lost)
    }

    fn keep(&mut self, result: &CaseResult) {
        let Some(spool) = self.spool.as_mut() else {
            self.report.results.push(result.clone());
            return;
        };
        match spool.push(result) {
            Ok(()) => self.report.results.push(spool::slim(result)),
            Err(e) => {
                // A full disk: back to memory, with what was spooled so far.
                self.unspool(e);
                self.report.results.push(result.clone());
            }
        }
    }

    fn unspool(&mut self, why: std::io::Error) {
        let Some(spool) = self.spool.take() else {
            return;
        };
        let mut whole = Vec::with_capacity(spool.len());
        for result in spool.results() {
            match result {
                Ok(r) => whole.push(r),
                Err(source) => {
                    self.lost = Some(ReportError::ResultsLost { spool: why, source });
                    return;
                }
            }
        }
        *self.report.results = whole;
    }
}

impl Reporter for Collector {
    fn event(&mut self, event: &Event<'_>) {
        match event {
            Event::RunStarted { suites, .. } => {
                self.report.started_at = timestamp(SystemTime::now());
                self.report.suites = suites.to_vec();
            }
            Event::CaseStarted { .. } => {}
            Event::CaseFinished(result) => self.keep(result),
            Event::RunFinished(summary) => {
                self.report.duration_ms = millis(summary.duration);
                self.report.stopped = summary.stopped.clone();
            }
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
