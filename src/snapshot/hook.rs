//! The snapshot check of `verity run`: after each case, every step that got an
//! answer is compared with its stored snapshot, and a difference fails the
//! case like any other check, expected (stored) against actual (this run).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use regex::Regex;

use super::Mode;
use super::error::SnapshotError;
use super::file::{SnapshotFile, normalize, same_contents};
use super::normalize::{Normalizer, StepSnapshot};
use super::store::{SnapshotStore, Stored};
use crate::case::model::Case;
use crate::check::{CheckKind, CheckResult};
use crate::run::result::{CaseResult, Outcome};
use crate::run::{CaseHook, SuitePlan};

/// What the snapshot checks of a run came to.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub matched: usize,
    pub changed: usize,
    pub missing: usize,
    /// Pending snapshots written (update mode), in the order written.
    pub written: Vec<PathBuf>,
    /// Files that could not be read or written (shared: each is also
    /// the reason of a failed check).
    pub errors: Vec<Arc<SnapshotError>>,
}

impl Tally {
    pub fn checked(&self) -> usize {
        self.matched + self.changed + self.missing
    }
}

pub struct SnapshotHook {
    store: SnapshotStore,
    mode: Mode,
    /// Suites whose answers are compared (they declare `snapshots:`).
    suites: BTreeSet<String>,
    /// Matches the values this run generated.
    fresh: Regex,
    ci: bool,
    tally: Mutex<Tally>,
}

impl SnapshotHook {
    /// `fresh` is the run's [`crate::run::Fresh::pattern`]; `ci` says that
    /// nothing may be written (only changes the advice in messages: the
    /// caller refuses update mode on CI).
    pub fn new(
        store: SnapshotStore,
        mode: Mode,
        suites: BTreeSet<String>,
        fresh: &str,
        ci: bool,
    ) -> Result<SnapshotHook, SnapshotError> {
        let fresh = Regex::new(fresh).map_err(SnapshotError::FreshPattern)?;
        Ok(SnapshotHook {
            store,
            mode,
            suites,
            fresh,
            ci,
            tally: Mutex::new(Tally::default()),
        })
    }

    pub fn store(&self) -> &SnapshotStore {
        &self.store
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The suites whose answers are compared.
    pub fn suites(&self) -> &BTreeSet<String> {
        &self.suites
    }

    pub fn tally(&self) -> Tally {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tally> {
        // A panicking case task cannot leave the counts half-updated.
        self.tally.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn check(&self, suite: &str, source: &str, snap: &StepSnapshot) -> CheckResult {
        let path = self.store.path(suite, &snap.name);
        let shown = path.display();
        let subject = format!("snapshot {}", snap.name);
        let stored = match self.store.read(suite, &snap.name) {
            Ok(stored) => stored,
            Err(e) => {
                let because = e.to_string();
                self.lock().errors.push(Arc::new(e));
                return CheckResult::new(
                    CheckKind::Snapshot,
                    subject,
                    "a readable snapshot",
                    "a file verity cannot read",
                    false,
                )
                .because(because);
            }
        };
        let stored = match stored {
            Stored::Contents(c) if same_contents(&c, &snap.contents) => {
                if self.mode == Mode::Update
                    && let Err(e) = self.store.clear_pending(suite, &snap.name)
                {
                    self.lock().errors.push(Arc::new(e));
                }
                self.lock().matched += 1;
                return CheckResult::new(
                    CheckKind::Snapshot,
                    subject,
                    format!("the answer stored in {shown}"),
                    "the same answer",
                    true,
                );
            }
            Stored::Contents(c) => Some(c),
            Stored::Missing => None,
        };
        let (expected, why) = match &stored {
            Some(c) => {
                self.lock().changed += 1;
                (normalize(c), format!("the answer differs from {shown}"))
            }
            None => {
                self.lock().missing += 1;
                (String::new(), format!("no snapshot {shown} yet"))
            }
        };
        let next = match self.mode {
            Mode::Update => {
                let file = SnapshotFile {
                    source: source.to_string(),
                    description: snap.description.clone(),
                    expression: snap.expression.clone(),
                    contents: snap.contents.clone(),
                };
                match self.store.write_pending(suite, &snap.name, &file) {
                    Ok(pending) => {
                        let next = format!(
                            "the new answer is pending in {}: review it with `verity snapshots accept|reject` or `cargo insta review`",
                            pending.display()
                        );
                        self.lock().written.push(pending);
                        next
                    }
                    Err(e) => {
                        let next = e.to_string();
                        self.lock().errors.push(Arc::new(e));
                        next
                    }
                }
            }
            _ if self.ci => "CI is set, so nothing is written: record the answer locally with `verity run --snapshots update`, then `verity snapshots accept`".to_string(),
            _ => "record the answer with `verity run --snapshots update`, then `verity snapshots accept`".to_string(),
        };
        CheckResult::new(
            CheckKind::Snapshot,
            subject,
            expected,
            normalize(&snap.contents),
            false,
        )
        .because(format!("{why}; {next}"))
    }
}

impl CaseHook for SnapshotHook {
    fn after_case(&self, plan: &SuitePlan, case: &Case, result: &mut CaseResult) {
        if result.outcome == Outcome::Skipped || !self.suites.contains(&plan.suite.name) {
            return;
        }
        let Some(spec) = &plan.suite.snapshots else {
            return;
        };
        let source = relative(&case.origin.pos().file);
        for mut snap in Normalizer::new(spec, Some(&self.fresh)).case(case, result) {
            // Built from masked results already; masking again costs little
            // and keeps a secret out of files whatever the redactions do.
            snap.contents = plan.masker.mask(&snap.contents);
            let check = self
                .check(&plan.suite.name, &source, &snap)
                .from(&case.steps[snap.index].origin);
            let step = &mut result.steps[snap.index];
            if !check.passed {
                step.passed = false;
                result.outcome = Outcome::Failed;
            }
            step.checks.push(check);
        }
    }
}

/// A path relative to the working directory when it lies below it, so
/// committed snapshots do not carry one machine's absolute paths.
pub fn relative(path: &Path) -> String {
    let shown = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf());
    shown.to_string_lossy().replace('\\', "/")
}
