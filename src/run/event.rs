//! What the runner tells reporters as a run goes on. Reporters subscribe to
//! these; the runner keeps only the counts, so memory does not grow with the
//! number of cases.

use serde::{Deserialize, Serialize};

use super::result::{CaseResult, Summary};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuiteInfo {
    pub name: String,
    /// The base URL, masked.
    pub base_url: String,
    pub embedded: bool,
    pub cases: usize,
}

#[derive(Debug)]
pub enum Event<'a> {
    RunStarted {
        suites: &'a [SuiteInfo],
        total: usize,
    },
    CaseStarted {
        suite: &'a str,
        case: &'a str,
    },
    CaseFinished(&'a CaseResult),
    RunFinished(&'a Summary),
}

pub trait Reporter {
    fn event(&mut self, event: &Event<'_>);
}
