//! Snapshots on the command line: which suites `verity run` checks, and
//! `verity snapshots accept | reject | pending`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::args::{PruneArgs, ReviewArgs, RunArgs, SnapshotMode, SnapshotsAction, SnapshotsArgs};
use super::{EXIT_USAGE, usage};
use crate::report::diff::unified_between;
use crate::report::style::{ColorChoice, Style};
use crate::run::on_ci;
use crate::run::{Fresh, SuitePlan};
use crate::snapshot::normalize::{clashing_names, snapshot_names};
use crate::snapshot::store::{self, Stored};
use crate::snapshot::{Mode, SnapshotError, SnapshotHook, SnapshotStore, file};

pub use crate::report::snapshots::Notes;

/// `snapshots/` beside the cases directory.
fn default_dir(cases: &Path) -> PathBuf {
    cases
        .parent()
        .map(|p| p.join("snapshots"))
        .unwrap_or_else(|| PathBuf::from("snapshots"))
}

/// The snapshot check for this run, if any suite gets one: suites that
/// declare `snapshots:` and run against the embedded servers, or every such
/// suite when --snapshots or --snapshot-dir is given.
pub(crate) fn hook(
    args: &RunArgs,
    plans: &[Arc<SuitePlan>],
    fresh: &Fresh,
) -> Result<Option<Arc<SnapshotHook>>, SnapshotError> {
    let explicit = args.snapshots.is_some() || args.snapshot_dir.is_some();
    let mode = match args.snapshots {
        Some(SnapshotMode::Off) => return Ok(None),
        Some(SnapshotMode::Update) => Mode::Update,
        Some(SnapshotMode::Check) | None => Mode::Check,
    };
    let checked: Vec<&SuitePlan> = plans
        .iter()
        .map(Arc::as_ref)
        .filter(|p| p.suite.snapshots.is_some() && (explicit || p.target.embedded))
        .collect();
    if checked.is_empty() {
        return Ok(None);
    }
    let ci = on_ci();
    if mode == Mode::Update && ci {
        return Err(SnapshotError::UpdateOnCi);
    }
    for plan in &checked {
        if let Some((name, first, second)) = clashing_names(&plan.suite.cases) {
            return Err(SnapshotError::SharedFile {
                suite: plan.suite.name.clone(),
                first,
                second,
                name,
            });
        }
    }
    let dir = args
        .snapshot_dir
        .clone()
        .unwrap_or_else(|| default_dir(&args.target.cases));
    let suites: BTreeSet<String> = checked.iter().map(|p| p.suite.name.clone()).collect();
    SnapshotHook::new(SnapshotStore::new(dir), mode, suites, &fresh.pattern(), ci)
        .map(|hook| Some(Arc::new(hook)))
}

/// The snapshot files of the suites `hook` checks that no step of their
/// cases names; `plans` must hold every case of those suites.
pub(crate) fn unreferenced(
    hook: &SnapshotHook,
    plans: &[Arc<SuitePlan>],
) -> Result<Vec<PathBuf>, SnapshotError> {
    let mut found = Vec::new();
    for plan in plans
        .iter()
        .filter(|p| hook.suites().contains(&p.suite.name))
    {
        let names = snapshot_names(&plan.suite.cases);
        found.extend(hook.store().unreferenced(&plan.suite.name, &names)?);
    }
    Ok(found)
}

/// The store of `dir`, refused when there is no such directory.
fn store_at(dir: &Path) -> Result<SnapshotStore, u8> {
    if dir.is_dir() {
        Ok(SnapshotStore::new(dir))
    } else {
        Err(usage(format!(
            "no snapshot directory {} (pass --snapshot-dir DIR)",
            dir.display()
        )))
    }
}

/// `verity snapshots prune`.
fn prune(args: &PruneArgs) -> u8 {
    let store = match store_at(&args.review.snapshot_dir) {
        Ok(store) => store,
        Err(code) => return code,
    };
    let suites = match crate::case::load_root(&args.cases, &args.review.suites) {
        Ok(suites) => suites,
        Err(e) => return super::load_errors(&e),
    };
    let mut failures = 0;
    let mut handled = 0;
    for suite in suites.iter().filter(|s| s.snapshots.is_some()) {
        let found = match store.unreferenced(&suite.name, &snapshot_names(&suite.cases)) {
            Ok(found) => found,
            Err(e) => return usage(e),
        };
        for path in found {
            if args.dry_run {
                println!("would delete {}", path.display());
                handled += 1;
                continue;
            }
            match std::fs::remove_file(&path) {
                Ok(()) => {
                    println!("deleted {}", path.display());
                    handled += 1;
                }
                Err(e) => {
                    failures += 1;
                    eprintln!("error: cannot delete {}: {e}", path.display());
                }
            }
        }
    }
    println!(
        "{handled} unreferenced snapshot file{} {}",
        if handled == 1 { "" } else { "s" },
        if args.dry_run { "found" } else { "deleted" }
    );
    if failures > 0 { EXIT_USAGE } else { 0 }
}

/// What `verity snapshots` does with each pending file.
#[derive(Clone, Copy)]
enum Review {
    Accept,
    Reject,
    Show,
}

/// `verity snapshots accept | reject | pending | prune`.
pub fn review(args: SnapshotsArgs) -> u8 {
    let (action, review) = match &args.action {
        SnapshotsAction::Accept(r) => (Review::Accept, r),
        SnapshotsAction::Reject(r) => (Review::Reject, r),
        SnapshotsAction::Pending(r) => (Review::Show, r),
        SnapshotsAction::Prune(p) => return prune(p),
    };
    let ReviewArgs {
        suites,
        snapshot_dir,
    } = review;
    let store = match store_at(snapshot_dir) {
        Ok(store) => store,
        Err(code) => return code,
    };
    for suite in suites {
        if !store.suite_dir(suite).is_dir() {
            return usage(format!(
                "no snapshots of suite `{suite}` in {}",
                snapshot_dir.display()
            ));
        }
    }
    let pending = match store.pending(suites) {
        Ok(p) => p,
        Err(e) => return usage(e),
    };
    if pending.is_empty() {
        println!("no pending snapshots in {}", snapshot_dir.display());
        return 0;
    }
    let style = Style::for_stdout(ColorChoice::Auto);
    let mut failures = 0;
    for path in &pending {
        let done = match action {
            Review::Accept => store::accept(path).map(|to| format!("accepted {}", to.display())),
            Review::Reject => store::reject(path).map(|()| format!("rejected {}", path.display())),
            Review::Show => show_pending(path, &style),
        };
        match done {
            Ok(line) => println!("{line}"),
            Err(e) => {
                failures += 1;
                eprintln!("error: {e}");
            }
        }
    }
    let handled = pending.len() - failures;
    let verb = match action {
        Review::Accept => "accepted",
        Review::Reject => "rejected",
        Review::Show => "pending",
    };
    println!(
        "{handled} snapshot{} {verb}",
        if handled == 1 { "" } else { "s" }
    );
    if failures > 0 { EXIT_USAGE } else { 0 }
}

/// A pending snapshot as a diff against the stored one.
fn show_pending(pending: &Path, style: &Style) -> Result<String, SnapshotError> {
    let target = store::accepted_path(pending);
    let new = match store::read_path(pending)? {
        Stored::Contents(c) => c,
        Stored::Missing => {
            return Err(SnapshotError::Gone {
                path: pending.to_path_buf(),
            });
        }
    };
    let (old, old_label) = match store::read_path(&target)? {
        Stored::Contents(c) => (c, target.display().to_string()),
        Stored::Missing => (String::new(), "(no snapshot yet)".to_string()),
    };
    let mut text = format!("{}\n", style.bold(&pending.display().to_string()));
    text.push_str(&unified_between(
        &file::normalize(&old),
        &file::normalize(&new),
        &old_label,
        &pending.display().to_string(),
        style,
    ));
    Ok(text)
}
