//! Every case of every suite as its own test, named `suite::case`, run
//! against the embedded reference servers, its answers asserted against the
//! committed snapshots (`snapshots/<suite>/`) through insta.
//!
//! ```sh
//! cargo test --test conformance                      # all of them
//! cargo test --test conformance -- onsi::            # one suite: filters work as usual
//! cargo test --test conformance -- --list            # the names; nothing is started
//! cargo nextest run --test conformance               # each test in a process of its own
//! cargo insta test --test conformance --review       # record and review changed answers
//! ```
//!
//! Listing only loads the case files. A suite's server starts when the first
//! of its tests runs, once per process, so `--exact NAME` (what nextest
//! runs) starts one server and plans one suite.
//!
//! Each property of a suite with a `properties.yaml` is a trial too, named
//! `suite::property::name` as in `verity run`, with the seed 1 (`VERITY_SEED=N`
//! for another); it gets the suite's running server and plan from
//! [`Harness::suite`].

mod support;

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, OnceLock};

use libtest_mimic::{Arguments, Completion, Failed, Trial};
use regex::Regex;
use verity::case::{self, Case, Suite};
use verity::http::{Client, ClientOptions};
use verity::properties::{self, PropertySpec, Settings};
use verity::reference::{self, Api, Running};
use verity::report::console::{describe_property, describe_step};
use verity::report::diff::unified_between;
use verity::report::style::Style;
use verity::run::plan;
use verity::run::{self, CaseResult, Fresh, Outcome, SuitePlan};
use verity::snapshot::file::{normalize, same_contents};
use verity::snapshot::store::Stored;
use verity::snapshot::{Normalizer, SnapshotStore};

/// What the trials share: one runtime, one client, one run of fresh values,
/// and per suite a server and a plan, made on first use.
struct Harness {
    runtime: tokio::runtime::Runtime,
    client: Client,
    fresh: Arc<Fresh>,
    fresh_pattern: Regex,
    snapshots: SnapshotStore,
    /// Suites as loaded for listing, taken when first planned.
    loaded: Mutex<BTreeMap<String, Suite>>,
    targets: BTreeMap<String, OnceLock<Result<SuiteTarget, String>>>,
}

/// A suite planned against an embedded server of its own.
struct SuiteTarget {
    plan: Arc<SuitePlan>,
    server: Mutex<Option<Running>>,
}

impl Harness {
    fn new(suites: Vec<Suite>) -> Result<Harness, String> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start a tokio runtime: {e}"))?;
        let client = Client::new(ClientOptions::default()).map_err(|e| e.to_string())?;
        let fresh = Arc::new(Fresh::new());
        let fresh_pattern = Regex::new(&fresh.pattern()).map_err(|e| e.to_string())?;
        Ok(Harness {
            runtime,
            client,
            fresh,
            fresh_pattern,
            snapshots: SnapshotStore::new(support::repo().join("snapshots")),
            targets: suites
                .iter()
                .map(|s| (s.name.clone(), OnceLock::new()))
                .collect(),
            loaded: Mutex::new(suites.into_iter().map(|s| (s.name.clone(), s)).collect()),
        })
    }

    /// The suite's plan and server, started on first use.
    fn suite(&self, name: &str) -> Result<&SuiteTarget, String> {
        let cell = self
            .targets
            .get(name)
            .ok_or_else(|| format!("no suite `{name}`"))?;
        cell.get_or_init(|| self.start(name))
            .as_ref()
            .map_err(Clone::clone)
    }

    fn start(&self, name: &str) -> Result<SuiteTarget, String> {
        let suite = self
            .loaded
            .lock()
            .map_err(|_| "a trial panicked while planning".to_string())?
            .remove(name)
            .ok_or_else(|| format!("suite `{name}` was planned already"))?;
        let api = suite
            .reference
            .as_deref()
            .and_then(Api::from_name)
            .ok_or_else(|| format!("suite `{name}` has no embedded reference server"))?;
        let options = reference::Options {
            apis: vec![api],
            ..reference::Options::default()
        };
        let server = self
            .runtime
            .block_on(reference::start(([127, 0, 0, 1], 0).into(), &options))
            .map_err(|e| format!("cannot start the {} reference server: {e}", api.name()))?;
        let plan = plan::build_embedded(vec![suite], &server.url(), &options)
            .map_err(|e| e.to_string())?
            .pop()
            .ok_or("planning gave no plan")?;
        Ok(SuiteTarget {
            plan: Arc::new(plan),
            server: Mutex::new(Some(server)),
        })
    }

    /// Stops the servers that were started.
    fn shutdown(&self) {
        for target in self.targets.values().filter_map(|t| t.get()?.as_ref().ok()) {
            let server = target.server.lock().ok().and_then(|mut s| s.take());
            if let Some(server) = server {
                self.runtime.block_on(server.stop());
            }
        }
    }
}

/// Each case of each suite; strict cases are ignored unless asked for
/// (`--include-ignored`), as `verity run` leaves them to `--strict`.
fn case_trials(harness: &Arc<Harness>, suites: &[(String, Vec<(String, bool)>)]) -> Vec<Trial> {
    let mut trials = Vec::new();
    for (suite, cases) in suites {
        for (index, (case, strict)) in cases.iter().enumerate() {
            let harness = harness.clone();
            let suite = suite.clone();
            trials.push(
                Trial::ignorable_test(format!("{suite}::{case}"), move || {
                    run_case(&harness, &suite, index)
                })
                .with_ignored_flag(*strict),
            );
        }
    }
    trials
}

fn trials(
    harness: &Arc<Harness>,
    suites: &[(String, Vec<(String, bool)>)],
    specs: &BTreeMap<String, Arc<PropertySpec>>,
) -> Vec<Trial> {
    let mut trials = case_trials(harness, suites);
    trials.extend(property_trials(harness, specs));
    trials
}

/// The seed of the property trials: fixed, so that `cargo test` repeats
/// itself; `VERITY_SEED=N` explores others (`verity run` picks a random one).
fn property_seed() -> u64 {
    std::env::var("VERITY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
}

/// Each property of each suite with declarations, named as `verity run`
/// names it: `suite::property::name`.
fn property_trials(
    harness: &Arc<Harness>,
    specs: &BTreeMap<String, Arc<PropertySpec>>,
) -> Vec<Trial> {
    let mut trials = Vec::new();
    for (suite, spec) in specs {
        for property in properties::available(spec) {
            let (harness, suite, spec) = (harness.clone(), suite.clone(), spec.clone());
            let name = format!("{suite}::{}", property.case_name());
            trials.push(Trial::test(name, move || {
                run_property(&harness, &suite, &spec, property.name())
            }));
        }
    }
    trials
}

fn run_property(
    harness: &Harness,
    suite: &str,
    spec: &Arc<PropertySpec>,
    name: &str,
) -> Result<(), Failed> {
    let target = harness.suite(suite)?;
    let task = properties::property_run(&target.plan, spec, name, &Settings::new(property_seed()))
        .ok_or_else(|| format!("suite `{suite}` has no property `{name}`"))?;
    let result = harness.runtime.block_on(task.check(harness.client.clone()));
    match (&result.outcome, &result.property) {
        (Outcome::Passed, _) => Ok(()),
        (_, Some(property)) => Err(format!(
            "{}{}",
            describe_failure(&result),
            describe_property(property, result.seed)
        )
        .into()),
        (_, None) => Err(describe_failure(&result).into()),
    }
}

fn run_case(harness: &Harness, suite: &str, index: usize) -> Result<Completion, Failed> {
    let target = harness.suite(suite)?;
    let plan = &target.plan;
    let result = harness.runtime.block_on(run::run_case(
        plan,
        index,
        &harness.client,
        harness.fresh.clone(),
        &[],
    ));
    match result.outcome {
        Outcome::Skipped => {
            return Ok(Completion::ignored_with(
                result.skip_reason.unwrap_or_default(),
            ));
        }
        Outcome::Failed | Outcome::KnownFailure => return Err(describe_failure(&result).into()),
        // A warning does not fail the test; it is told on stderr.
        Outcome::Warned => eprintln!(
            "warning: {}: advisory checks failed\n{}",
            result.id(),
            verity::report::console::describe_warnings(
                &result,
                &verity::report::style::Style::plain()
            )
        ),
        Outcome::Passed => {}
    }
    assert_snapshots(harness, plan, &plan.suite.cases[index], &result)?;
    Ok(Completion::Completed)
}

fn describe_failure(result: &CaseResult) -> String {
    let mut text = format!("{} failed ({})\n", result.id(), result.source);
    if !result.doc.is_empty() {
        text.push_str(&format!("documented: {}\n", result.doc));
    }
    for step in result.steps.iter().filter(|s| !s.passed) {
        text.push_str(&describe_step(step, &Style::plain()));
    }
    text
}

/// Each step's answer against its snapshot, through insta (which writes a
/// pending `.snap.new` unless CI is set). insta's own report is switched
/// off in `main`: the failure message carries the diff instead, so parallel
/// tests do not interleave their output.
fn assert_snapshots(
    harness: &Harness,
    plan: &SuitePlan,
    case: &Case,
    result: &CaseResult,
) -> Result<(), String> {
    let Some(spec) = &plan.suite.snapshots else {
        return Ok(());
    };
    let suite = &plan.suite.name;
    let mut failures = String::new();
    for snap in Normalizer::new(spec, Some(&harness.fresh_pattern)).case(case, result) {
        let contents = plan.masker.mask(&snap.contents);
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(harness.snapshots.suite_dir(suite));
        settings.set_prepend_module_to_snapshot(false);
        settings.set_description(snap.description.clone());
        settings.set_input_file(relative(&case.origin.pos().file));
        let insta_passed = settings.bind(|| {
            catch_unwind(AssertUnwindSafe(|| {
                insta::assert_snapshot!(
                    snap.name.as_str(),
                    contents.as_str(),
                    snap.expression.as_str()
                )
            }))
            .is_ok()
        });
        let path = harness.snapshots.path(suite, &snap.name);
        let problem = match harness.snapshots.read(suite, &snap.name) {
            Ok(Stored::Contents(stored)) if same_contents(&stored, &contents) => None,
            Ok(Stored::Contents(stored)) => Some(format!(
                "the answer differs from {}:\n{}",
                path.display(),
                unified_between(
                    &normalize(&stored),
                    &normalize(&contents),
                    "stored",
                    "this run",
                    &Style::plain()
                )
            )),
            Ok(Stored::Missing) => Some(format!(
                "no snapshot {} yet; this run answered:\n{}\n",
                path.display(),
                normalize(&contents)
            )),
            Err(e) => Some(e.to_string()),
        };
        match (problem, insta_passed) {
            (Some(problem), _) => failures.push_str(&problem),
            (None, false) => failures.push_str(&format!(
                "insta refused the snapshot {} (see its message above)\n",
                path.display()
            )),
            (None, true) => {}
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        failures.push_str(
            "record the new answers with `cargo insta test --test conformance --review`, \
             or `verity run --snapshots update` and `verity snapshots accept`\n",
        );
        Err(failures)
    }
}

fn relative(path: &Path) -> String {
    let repo = support::repo();
    path.strip_prefix(&repo)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| PathBuf::from(path))
        .to_string_lossy()
        .replace('\\', "/")
}

fn main() -> ExitCode {
    // Before any thread starts (so setting the environment is sound): the
    // failure messages carry the diffs, insta need not print them too.
    if std::env::var_os("INSTA_OUTPUT").is_none() {
        // SAFETY: no other thread exists yet.
        unsafe { std::env::set_var("INSTA_OUTPUT", "none") };
    }
    // insta reports a failed assertion by panicking; the failure message
    // says it all, so only other panics reach the default hook.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if !message.starts_with("snapshot assertion for") {
            default_hook(info);
        }
    }));
    let args = Arguments::from_args();
    let suites = match case::load_root(&support::repo().join("cases"), &[]) {
        Ok(s) => s,
        Err(errors) => {
            for e in &errors.0 {
                eprintln!("{e}");
            }
            return ExitCode::from(2);
        }
    };
    let names: Vec<(String, Vec<(String, bool)>)> = suites
        .iter()
        .map(|s| {
            (
                s.name.clone(),
                s.cases.iter().map(|c| (c.name.clone(), c.strict)).collect(),
            )
        })
        .collect();
    let specs = match properties::load_all(&suites) {
        Ok(s) => s,
        Err(errors) => {
            for e in &errors.0 {
                eprintln!("{e}");
            }
            return ExitCode::from(2);
        }
    };
    let harness = match Harness::new(suites) {
        Ok(h) => Arc::new(h),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let conclusion = libtest_mimic::run(&args, trials(&harness, &names, &specs));
    harness.shutdown();
    conclusion.exit_code()
}
