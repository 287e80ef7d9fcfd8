//! `verity mutants`: how many bugs the suites catch. The default run (the
//! hand-written cases and the properties, with a fixed seed) goes against
//! the clean embedded reference servers, then against a server with one
//! fault of the catalogue ([`crate::reference::catalogue`]) switched on, for
//! each fault in turn. A fault is *caught* when a case or property that
//! passes on the clean servers fails with the fault on, and *caught as a
//! warning* ([`Verdict::Warned`]) when none fails but one that passes
//! cleanly there ends with only an advisory check failing (a fault that
//! changes only what the docs show in an example, such as a message's
//! words); the kill rate is the share of faults caught either way. The
//! clean servers must pass every case: a failure there is a false alarm,
//! and it proves nothing about any fault.
//!
//! [`run`] does the runs and returns a [`MutantsReport`]: plain data, which
//! the reporters (`crate::report::mutants`) render as the console matrix,
//! JSON (described by `docs/mutants.schema.json`), Markdown and JUnit.
//! Nothing here prints.

mod judge;
mod runs;

use serde::{Deserialize, Serialize};

use crate::case::model::Pos;

pub use judge::{Baseline, Catcher, CatcherKind, RunOutcome, judge_fault};
pub use runs::{Event, MutantsError, Setup, run};

/// The `schema` field of the JSON matrix.
pub const SCHEMA: &str = "verity-mutants";
/// Raised when a field changes meaning or goes away; new optional fields
/// keep the version.
pub const VERSION: u32 = 1;

/// The seed `verity mutants` uses unless given one: a fixed seed, so the
/// kill rate is the same from one run to the next.
pub const DEFAULT_SEED: u64 = 1;

/// Everything a `verity mutants` run found.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MutantsReport {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// [`VERSION`] of the writer.
    pub version: u32,
    /// The verity version that ran.
    pub verity: String,
    /// RFC 3339, UTC.
    pub started_at: String,
    pub duration_ms: u64,
    /// What each run ran.
    pub shape: Shape,
    /// The run against the clean servers.
    pub clean: CleanRun,
    /// One entry per fault, in catalogue order.
    pub faults: Vec<FaultRun>,
    /// Why the runs stopped before every fault ran (Ctrl-C).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
}

/// What one run holds: the same for the clean servers and every fault.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shape {
    /// The suites run, by name.
    pub suites: Vec<String>,
    /// Hand-written cases per run.
    pub cases: usize,
    /// Properties per run.
    pub properties: usize,
    /// Generated cases per property.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub property_cases: Option<u32>,
    /// The property generator's seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

/// Counts of one run, as `verity run` would print them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub duration_ms: u64,
}

impl Tally {
    /// `N passed, N failed[, N skipped]`.
    pub fn line(&self) -> String {
        crate::run::result::Counts {
            passed: self.passed,
            failed: self.failed,
            skipped: self.skipped,
            ..Default::default()
        }
        .line()
    }
}

/// The run against the clean servers.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CleanRun {
    pub tally: Tally,
    /// Cases and properties that failed on the clean servers: false alarms.
    /// They do not count as catching any fault.
    #[serde(default)]
    pub false_alarms: Vec<Catcher>,
    /// Cases and properties whose advisory checks failed on the clean
    /// servers: no false alarm (a warning fails no run), but their warnings
    /// with a fault on prove nothing either.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Catcher>,
    /// Why it did not finish (Ctrl-C).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
}

impl CleanRun {
    /// Every case ran and passed.
    pub fn passed(&self) -> bool {
        self.false_alarms.is_empty() && self.stopped.is_none()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// A case or property that passes on the clean servers failed.
    Caught,
    /// None failed, but one that passes cleanly on the clean servers ended
    /// with an advisory check failing (its outcome `warned`): the fault
    /// breaks only what the docs show in an example. Counts as caught.
    Warned,
    /// Everything that passes on the clean servers passed with the fault on:
    /// a case is missing.
    Survived,
    /// The run did not happen or did not finish (Ctrl-C, a server that
    /// could not start).
    NotRun,
}

/// One fault's run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FaultRun {
    /// Its name in the catalogue (`verity serve --fault NAME`).
    pub fault: String,
    /// The reference server it breaks (`toluna`, `onsi`).
    pub api: String,
    /// What it breaks, from the catalogue.
    pub summary: String,
    pub verdict: Verdict,
    /// The cases and properties that caught it: cases in file order, then
    /// properties.
    #[serde(default)]
    pub caught_by: Vec<Catcher>,
    /// Those that warned with it (and not on the clean servers), in the same
    /// order; with verdict `warned` the only catchers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warned_by: Vec<Catcher>,
    /// Failures inside verity itself (a panic, a generated case that would
    /// not load): not catches; they fail `verity mutants`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<Catcher>,
    pub tally: Tally,
    /// Why it did not run or finish.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_run: Option<String>,
}

impl FaultRun {
    /// A fault that was never run, with the reason.
    pub fn not_run(fault: &crate::reference::FaultInfo, why: impl Into<String>) -> FaultRun {
        FaultRun {
            fault: fault.name.to_string(),
            api: fault.api.name().to_string(),
            summary: fault.summary.to_string(),
            verdict: Verdict::NotRun,
            caught_by: Vec::new(),
            warned_by: Vec::new(),
            errors: Vec::new(),
            tally: Tally::default(),
            not_run: Some(why.into()),
        }
    }

    /// What its verdict rests on: the catchers that failed, or with
    /// verdict `warned` those that warned.
    pub fn catchers(&self) -> &[Catcher] {
        match self.verdict {
            Verdict::Warned => &self.warned_by,
            _ => &self.caught_by,
        }
    }

    /// How many of [`Self::catchers`] are cases and how many properties.
    pub fn catcher_counts(&self) -> (usize, usize) {
        let catchers = self.catchers();
        let properties = catchers
            .iter()
            .filter(|c| c.kind == CatcherKind::Property)
            .count();
        (catchers.len() - properties, properties)
    }
}

/// The kill rate: faults caught out of the faults run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KillRate {
    /// Caught by a failure or as a warning: `warned` is a part of it.
    pub caught: usize,
    /// Caught only as a warning.
    pub warned: usize,
    pub survived: usize,
    pub not_run: usize,
}

impl KillRate {
    pub fn of(faults: &[FaultRun]) -> KillRate {
        let mut rate = KillRate::default();
        for f in faults {
            match f.verdict {
                Verdict::Caught => rate.caught += 1,
                Verdict::Warned => {
                    rate.caught += 1;
                    rate.warned += 1;
                }
                Verdict::Survived => rate.survived += 1,
                Verdict::NotRun => rate.not_run += 1,
            }
        }
        rate
    }

    pub fn total(&self) -> usize {
        self.caught + self.survived + self.not_run
    }

    /// The percentage caught out of every fault, cut (never rounded up) to
    /// one decimal, so 99.96% never shows as 100%.
    pub fn percent(&self) -> String {
        if self.total() == 0 {
            return "0.0%".into();
        }
        let tenths = self.caught * 1000 / self.total();
        format!("{}.{}%", tenths / 10, tenths % 10)
    }
}

impl MutantsReport {
    pub fn kill_rate(&self) -> KillRate {
        KillRate::of(&self.faults)
    }

    /// Failures inside verity, over every fault run.
    pub fn errors(&self) -> impl Iterator<Item = (&FaultRun, &Catcher)> {
        self.faults
            .iter()
            .flat_map(|f| f.errors.iter().map(move |e| (f, e)))
    }

    /// The clean servers passed, every fault ran and was caught, and
    /// verity did not fail on its own.
    pub fn success(&self) -> bool {
        let rate = self.kill_rate();
        self.clean.passed()
            && self.stopped.is_none()
            && rate.survived == 0
            && rate.not_run == 0
            && self.errors().next().is_none()
    }
}

/// Where a catcher is written, for the reports.
pub fn location(pos: &Pos) -> String {
    format!("{}:{}", pos.file.display(), pos.line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(verdict: Verdict) -> FaultRun {
        FaultRun {
            verdict,
            ..FaultRun::not_run(crate::reference::catalogue().next().unwrap(), "")
        }
    }

    #[test]
    fn the_kill_rate_is_never_rounded_up_to_every_fault() {
        let mut faults = vec![fault(Verdict::Caught); 2499];
        faults.push(fault(Verdict::Survived));
        let rate = KillRate::of(&faults);
        assert_eq!((rate.caught, rate.survived, rate.total()), (2499, 1, 2500));
        assert_eq!(rate.percent(), "99.9%");
        assert_eq!(KillRate::of(&faults[..3]).percent(), "100.0%");
        let two_of_three = [
            fault(Verdict::Caught),
            fault(Verdict::Caught),
            fault(Verdict::NotRun),
        ];
        assert_eq!(KillRate::of(&two_of_three).percent(), "66.6%");
        assert_eq!(KillRate::of(&[]).percent(), "0.0%");
    }

    #[test]
    fn a_fault_caught_as_a_warning_counts_as_caught() {
        let faults = [fault(Verdict::Caught), fault(Verdict::Warned)];
        let rate = KillRate::of(&faults);
        assert_eq!((rate.caught, rate.warned, rate.total()), (2, 1, 2));
        assert_eq!(rate.percent(), "100.0%");
        let report = MutantsReport {
            schema: SCHEMA.into(),
            version: VERSION,
            verity: String::new(),
            started_at: String::new(),
            duration_ms: 0,
            shape: Shape::default(),
            clean: CleanRun::default(),
            faults: faults.to_vec(),
            stopped: None,
        };
        assert!(report.success());
        let json = serde_json::to_value(&report.faults[1]).unwrap();
        assert_eq!(json["verdict"], "warned");
    }
}
