//! One property run: proptest generates scenarios from a fixed seed, each
//! is built into a case and run against the server, and a failure is shrunk
//! by replaying simpler scenarios (real requests, so within a budget of runs
//! and time) down to the smallest that still fails, which is written as a
//! case file.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{
    Config, RngAlgorithm, RngSeed, TestCaseError, TestCaseResult, TestError, TestRunner,
};
use tokio::runtime::Runtime;

use super::build::{About, Built, Role, build};
use super::concurrent::Concurrent;
use super::discover::{self, Discovery};
use super::scenario::{self, Limits, Scenario};
use super::spec::PropertySpec;
use super::{Property, save};
use crate::case::print;
use crate::http::Client;
use crate::run::{
    self, CaseInfo, CaseResult, Counterexample, Fresh, Outcome, PropertyReport, Runnable, SuitePlan,
};

/// How property runs go; the same for every property of a run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The generator's seed: the same seed sends the same requests.
    pub seed: u64,
    /// Generated cases per property.
    pub cases: u32,
    /// Most actions in a stateful sequence.
    pub max_actions: usize,
    /// Write counterexamples under `cases/<suite>/regressions/`.
    pub save_failures: bool,
    /// Most failing-case candidates replayed while shrinking.
    pub shrink_runs: u32,
    /// Most time spent shrinking.
    pub shrink_time: Duration,
    /// The token of `${fresh.*}` values; a random one when `None`.
    pub fresh_token: Option<String>,
    /// Run `concurrent-updates` where a suite declares it (`--concurrency-checks`).
    pub concurrency_checks: bool,
}

impl Settings {
    pub const DEFAULT_CASES: u32 = 100;

    pub fn new(seed: u64) -> Settings {
        Settings {
            seed,
            cases: Settings::DEFAULT_CASES,
            max_actions: 8,
            save_failures: false,
            shrink_runs: 400,
            shrink_time: Duration::from_secs(30),
            fresh_token: None,
            concurrency_checks: true,
        }
    }
}

/// A seed for a run that was given none.
pub fn random_seed() -> u64 {
    // 53 bits: the seed survives a trip through JSON and spreadsheets.
    uuid::Uuid::new_v4().as_u64_pair().0 >> 11
}

pub struct PropertyRun {
    info: CaseInfo,
    plan: Arc<SuitePlan>,
    spec: Arc<PropertySpec>,
    property: Property,
    settings: Settings,
    /// The case name a counterexample gets: unique in the suite.
    regression_name: String,
    /// The values the server lists, shared with the suite's other properties.
    discovery: Arc<Discovery>,
}

/// What the test closure keeps between the runs proptest asks for.
#[derive(Default)]
struct Progress {
    passed: u32,
    requests: u64,
    updates: u64,
    running: Duration,
    /// When the first failure was seen: shrinking runs from then on.
    first_failure: Option<Instant>,
    shrink_runs: u32,
    shrink_steps: u32,
    shrink_limited: bool,
    last_failure: Option<(String, CaseResult)>,
    /// The first generated case that passed with a warning, and its text.
    first_warning: Option<(String, CaseResult)>,
    /// A problem of verity's own (a case it could not write or load).
    internal: Option<String>,
}

/// What a finished property run measured, for benchmarks.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    pub cases_passed: u32,
    pub requests: u64,
    pub updates: u64,
    /// Time spent running generated cases (requests and checks); the rest
    /// went into generating, writing and loading them.
    pub running: Duration,
}

impl PropertyRun {
    pub fn new(
        plan: Arc<SuitePlan>,
        spec: Arc<PropertySpec>,
        property: Property,
        settings: Settings,
    ) -> PropertyRun {
        let info = CaseInfo {
            suite: plan.suite.name.clone(),
            name: property.case_name(),
            description: property.description().to_string(),
            doc: spec.docs.get(&property).cloned().unwrap_or_default(),
            source: spec.sources[&property].clone(),
        };
        let base = format!("regression-{}-{}", property.name(), settings.seed);
        let regression_name = save::unique_name(&plan.suite, &base);
        PropertyRun {
            info,
            plan,
            spec,
            property,
            settings,
            regression_name,
            discovery: Arc::default(),
        }
    }

    /// Shares the values discovered from the server with the other
    /// properties of the suite: one request for all of them.
    pub(super) fn sharing(mut self, discovery: Arc<Discovery>) -> PropertyRun {
        self.discovery = discovery;
        self
    }

    /// The declarations with the values discovered from the server. Every
    /// caller runs after `run_blocking` resolved them (or returned on the
    /// failure); before, only declarations without `from:` are complete.
    fn spec(&self) -> &PropertySpec {
        match self.discovery.get() {
            Some(resolved) => &resolved.spec,
            None => {
                debug_assert!(
                    self.spec.discoveries().is_empty(),
                    "generating before the discovered values are known"
                );
                &self.spec
            }
        }
    }

    pub fn property(&self) -> Property {
        self.property
    }

    /// Runs the property against the plan's server (from inside a tokio
    /// runtime with blocking threads, as `#[tokio::main]` and
    /// `Runtime::block_on` give).
    pub async fn check(self: Arc<Self>, client: Client) -> CaseResult {
        self.check_counted(client).await.0
    }

    /// [`Self::check`], with what it sent.
    pub async fn check_counted(self: Arc<Self>, client: Client) -> (CaseResult, Counts) {
        let task = self.clone();
        // proptest's test closure is synchronous: the property runs on a
        // blocking thread of its own, which also drives its requests.
        match tokio::task::spawn_blocking(move || task.run_on_own_thread(&client)).await {
            Ok(done) => done,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => panic!("the property run was cancelled: {e}"),
        }
    }

    fn limits(&self) -> Limits {
        let existing = self.spec().resource.existing.as_ref().is_some_and(|x| {
            x.vars
                .values()
                .all(|t| t.variables().all(|v| self.plan.values.contains_key(v)))
        });
        Limits {
            existing,
            max_actions: self.settings.max_actions,
        }
    }

    fn about(&self) -> About {
        let header = format!(
            "# A counterexample verity found for {}::{} (seed {}), shrunk to\n\
             # the smallest failing request sequence it found. `verity run` runs it\n\
             # with the suite's other cases; it passes once the server is fixed.\n",
            self.plan.suite.name,
            self.property.case_name(),
            self.settings.seed
        );
        About {
            header,
            name: self.regression_name.clone(),
            description: format!(
                "Counterexample to {} (seed {}), {}: {}",
                self.property.case_name(),
                self.settings.seed,
                if self.property == Property::ConcurrentUpdates {
                    "not shrunk (a race does not replay)"
                } else {
                    "shrunk"
                },
                self.property.description()
            ),
            doc: self.info.doc.clone(),
            checks: self
                .spec()
                .checks
                .get(&self.property)
                .cloned()
                .unwrap_or_default(),
            source: self.info.source.clone(),
        }
    }

    /// Generation, requests and checks on this one thread, with its own
    /// runtime and connections: handing each generated case to the shared
    /// runtime and waiting for it cost two thread wake-ups per case.
    fn run_on_own_thread(&self, client: &Client) -> (CaseResult, Counts) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the property's runtime: {e}"));
        // A pooled connection is served by the runtime that opened it.
        let client = client
            .with_own_pool()
            .map_err(|e| format!("cannot make the property's HTTP client: {e}"));
        match (runtime, client) {
            (Ok(runtime), Ok(client)) => self.run_blocking(&runtime, &client),
            (Err(why), _) | (_, Err(why)) => (
                run::internal_failure(&self.info, &self.plan.masker, &why),
                Counts::default(),
            ),
        }
    }

    fn run_blocking(&self, runtime: &Runtime, client: &Client) -> (CaseResult, Counts) {
        let started = Instant::now();
        let fresh = Arc::new(match &self.settings.fresh_token {
            Some(token) => Fresh::with_token(token.clone()),
            None => Fresh::new(),
        });
        let (resolved, discovery_requests) = self
            .discovery
            .resolve(&self.plan, &self.spec, runtime, client, &fresh);
        let notes = match resolved {
            Ok(resolved) => resolved.notes.clone(),
            Err(failure) => {
                let mut result = discover::failed(&self.info, failure, self.settings.seed);
                result.duration = started.elapsed();
                let counts = Counts {
                    requests: discovery_requests,
                    ..Counts::default()
                };
                return (result, counts);
            }
        };
        if self.property == Property::ConcurrentUpdates {
            let about = self.about();
            let concurrent = Concurrent {
                plan: &self.plan,
                spec: self.spec(),
                settings: &self.settings,
                info: &self.info,
                about: &about,
            };
            let (mut result, mut counts) = concurrent.run(runtime, client, &fresh);
            counts.requests += discovery_requests;
            // Also when it failed inside verity: the seed, what was sent,
            // and what the discovery noted.
            result.seed = Some(self.settings.seed);
            let report = result.property.get_or_insert_with(|| PropertyReport {
                cases_passed: counts.cases_passed,
                requests: counts.requests - discovery_requests,
                counterexample: None,
                notes: Vec::new(),
            });
            report.requests += discovery_requests;
            report.notes.extend(notes);
            return (result, counts);
        }
        let strategy = scenario::strategy(self.spec(), self.property, self.limits());
        let mut runner = TestRunner::new(Config {
            cases: self.settings.cases.max(1),
            rng_seed: RngSeed::Fixed(self.settings.seed),
            rng_algorithm: RngAlgorithm::ChaCha,
            failure_persistence: None,
            // The budget is enforced by `check_one`, which stops sending
            // once it is spent; these only keep proptest from looping.
            max_shrink_iters: 1_000_000,
            max_shrink_time: 0,
            max_local_rejects: 100_000,
            max_global_rejects: 10_000,
            verbose: 0,
            source_file: None,
            test_name: None,
            ..Config::default()
        });
        let about = self.about();
        let progress = RefCell::new(Progress::default());
        let outcome = if self.property == Property::SchemaCoverage {
            self.sweep(&mut runner, &about, &progress, runtime, client, &fresh)
        } else {
            runner.run(&strategy, |scenario| {
                self.check_one(&scenario, &about, &progress, runtime, client, &fresh)
            })
        };
        let mut progress = progress.into_inner();
        progress.requests += discovery_requests;
        let mut result = CaseResult::named(self.info.clone());
        result.outcome = Outcome::Passed;
        let mut counterexample = None;
        match outcome {
            Ok(()) => {
                if let Some((text, warned)) = progress.first_warning.take() {
                    result.outcome = Outcome::Warned;
                    result.steps = warned.steps;
                    counterexample = Some(Counterexample {
                        case_file: self.plan.masker.mask(&text),
                        shrink_steps: 0,
                        shrink_limited: false,
                        saved_to: None,
                        save_error: None,
                    });
                }
            }
            Err(_) if progress.internal.is_some() => {
                let why = progress.internal.take().unwrap_or_default();
                result = run::internal_failure(&self.info, &self.plan.masker, &why);
            }
            Err(TestError::Abort(reason)) => {
                result = run::internal_failure(
                    &self.info,
                    &self.plan.masker,
                    &format!("generation gave up: {reason}"),
                );
            }
            Err(TestError::Fail(why, minimal)) => {
                match self.minimal_failure(&minimal, &about, &mut progress, runtime, client, &fresh)
                {
                    Some((text, failed)) => {
                        result.outcome = Outcome::Failed;
                        result.steps = failed.steps;
                        counterexample = Some(self.counterexample(&text, &progress));
                    }
                    // The test itself panicked: no run failed.
                    None => {
                        result = run::internal_failure(&self.info, &self.plan.masker, why.message())
                    }
                }
            }
        }
        result.duration = started.elapsed();
        result.seed = Some(self.settings.seed);
        result.property = Some(PropertyReport {
            cases_passed: progress.passed,
            requests: progress.requests,
            counterexample,
            notes,
        });
        let counts = Counts {
            cases_passed: progress.passed,
            requests: progress.requests,
            updates: progress.updates,
            running: progress.running,
        };
        (result, counts)
    }

    /// `schema-coverage`: every probe in turn, each with a valid body drawn
    /// from the seed, up to the first that fails; a failing partial update
    /// is shrunk by proptest's own simplification of its body, down to the
    /// probed field alone where that still fails.
    fn sweep(
        &self,
        runner: &mut TestRunner,
        about: &About,
        progress: &RefCell<Progress>,
        runtime: &Runtime,
        client: &Client,
        fresh: &Arc<Fresh>,
    ) -> Result<(), TestError<Scenario>> {
        let Some(coverage) = self.spec().coverage.as_ref() else {
            return Ok(());
        };
        let bodies = scenario::body(self.spec());
        for (probe, p) in coverage.probes.iter().enumerate() {
            let mut tree = bodies.new_tree(runner).map_err(TestError::Abort)?;
            let scenario = Scenario::Probe {
                probe,
                body: tree.current(),
            };
            let Err(why) = self.check_one(&scenario, about, progress, runtime, client, fresh)
            else {
                continue;
            };
            let mut minimal = scenario;
            if coverage.op(p) == super::coverage::Op::Update && tree.simplify() {
                loop {
                    let candidate = Scenario::Probe {
                        probe,
                        body: tree.current(),
                    };
                    let failed = self
                        .check_one(&candidate, about, progress, runtime, client, fresh)
                        .is_err();
                    let more = if failed {
                        minimal = candidate;
                        tree.simplify()
                    } else {
                        tree.complicate()
                    };
                    if !more {
                        break;
                    }
                }
            }
            let message = match why {
                TestCaseError::Fail(m) | TestCaseError::Reject(m) => m,
            };
            return Err(TestError::Fail(message, minimal));
        }
        Ok(())
    }

    /// One generated case: written, loaded and run.
    fn check_one(
        &self,
        scenario: &Scenario,
        about: &About,
        progress: &RefCell<Progress>,
        runtime: &Runtime,
        client: &Client,
        fresh: &Arc<Fresh>,
    ) -> TestCaseResult {
        {
            let mut p = progress.borrow_mut();
            if p.internal.is_some() {
                return Ok(());
            }
            if let Some(since) = p.first_failure {
                if p.shrink_runs >= self.settings.shrink_runs
                    || since.elapsed() >= self.settings.shrink_time
                {
                    // Spent: report every further candidate as passing, so
                    // proptest settles on the smallest failure found.
                    p.shrink_limited = true;
                    return Ok(());
                }
                p.shrink_runs += 1;
            }
        }
        let ran = self.run_scenario(scenario, about, runtime, client, fresh);
        let mut p = progress.borrow_mut();
        let (text, result, updates) = match ran {
            Ok((text, result, updates)) => (text.unwrap_or_default(), result, updates),
            Err(why) => {
                p.internal = Some(why.clone());
                return Err(TestCaseError::fail(why));
            }
        };
        p.requests += result.steps.len() as u64;
        p.updates += updates;
        p.running += result.duration;
        if matches!(result.outcome, Outcome::Passed | Outcome::Warned) {
            if p.first_failure.is_none() {
                p.passed += 1;
            }
            // A warning does not fail the property: the first one is told.
            if result.outcome == Outcome::Warned && p.first_warning.is_none() {
                p.first_warning = Some((text, result));
            }
            return Ok(());
        }
        if p.first_failure.is_some() {
            p.shrink_steps += 1;
        } else {
            p.first_failure = Some(Instant::now());
        }
        let reason = result
            .failed_step()
            .map(|s| format!("step `{}` failed", s.name))
            .unwrap_or_else(|| "a step failed".into());
        p.last_failure = Some((text, result));
        Err(TestCaseError::fail(reason))
    }

    /// Runs a scenario: its result, the updates it sent (those of steps that
    /// ran), and for a failure the text of its case file. The case runs as
    /// built; its text is written only for a failure.
    fn run_scenario(
        &self,
        scenario: &Scenario,
        about: &About,
        runtime: &Runtime,
        client: &Client,
        fresh: &Arc<Fresh>,
    ) -> Result<(Option<String>, CaseResult, u64), String> {
        let Built { case, roles } = self.build(scenario, about)?;
        let result = runtime.block_on(run::run_generated(&self.plan, &case, client, fresh.clone()));
        self.note_constraint(scenario, &roles, &result);
        let updates = roles
            .iter()
            .take(result.steps.len())
            .filter(|r| r.updates())
            .count() as u64;
        if result.outcome == Outcome::Passed {
            return Ok((None, result, updates));
        }
        let text = print::case_file(&about.header, &[&case]).map_err(|e| e.to_string())?;
        Ok((Some(text), result, updates))
    }

    /// For the coverage report: the constraint a probe exercised, once its
    /// request was sent.
    fn note_constraint(&self, scenario: &Scenario, roles: &[Role], result: &CaseResult) {
        let (Scenario::Probe { probe, .. }, Some(observed)) = (scenario, &self.plan.observed)
        else {
            return;
        };
        let Some(p) = self
            .spec()
            .coverage
            .as_ref()
            .and_then(|c| c.probes.get(*probe))
        else {
            return;
        };
        // A valid creation's probe is the creating step itself.
        let at = roles.iter().position(|r| *r == Role::Update).unwrap_or(0);
        let sent = at < result.steps.len();
        if sent {
            let kind = if p.valid { "met" } else { "broken" };
            observed.constraint(
                &format!("{} ({kind})", p.constraint),
                &self.plan.masker.mask(&p.shown),
            );
        }
    }

    fn build(&self, scenario: &Scenario, about: &About) -> Result<Built, String> {
        build(&self.plan.suite, self.spec(), scenario, about)
            .map_err(|e| format!("cannot build the generated case: {e}"))
    }

    /// The text of a scenario's case file.
    fn text(&self, scenario: &Scenario, about: &About) -> Result<String, String> {
        let built = self.build(scenario, about)?;
        print::case_file(&about.header, &[&built.case]).map_err(|e| e.to_string())
    }

    /// The case file of the smallest failing scenario and its result: the
    /// last failure seen is the smallest one proptest kept, unless shrinking
    /// ended on a candidate it was not shown.
    fn minimal_failure(
        &self,
        minimal: &Scenario,
        about: &About,
        progress: &mut Progress,
        runtime: &Runtime,
        client: &Client,
        fresh: &Arc<Fresh>,
    ) -> Option<(String, CaseResult)> {
        let last = progress.last_failure.take();
        let text = self.text(minimal, about).ok();
        match (last, text) {
            (Some((seen, result)), Some(text)) if seen == text => Some((seen, result)),
            (last, _) => {
                if let Ok((text, result, updates)) =
                    self.run_scenario(minimal, about, runtime, client, fresh)
                {
                    progress.requests += result.steps.len() as u64;
                    progress.updates += updates;
                    if let Some(text) = text.filter(|_| result.outcome == Outcome::Failed) {
                        return Some((text, result));
                    }
                }
                last
            }
        }
    }

    fn counterexample(&self, text: &str, progress: &Progress) -> Counterexample {
        let case_file = self.plan.masker.mask(text);
        let (saved_to, save_error) = if self.settings.save_failures {
            match save::write(&self.plan.suite.dir, &self.regression_name, &case_file) {
                Ok(path) => (Some(path.display().to_string()), None),
                Err(e) => (None, Some(e)),
            }
        } else {
            (None, None)
        };
        Counterexample {
            case_file,
            shrink_steps: progress.shrink_steps,
            shrink_limited: progress.shrink_limited,
            saved_to,
            save_error,
        }
    }
}

impl Runnable for PropertyRun {
    fn info(&self) -> &CaseInfo {
        &self.info
    }

    fn run(self: Arc<Self>, client: Client) -> Pin<Box<dyn Future<Output = CaseResult> + Send>> {
        Box::pin(self.check(client))
    }
}
