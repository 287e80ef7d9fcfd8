//! The runner: executes the cases of planned suites, in parallel up to a
//! number of jobs, steps of one case in order. It emits events as cases
//! finish and keeps only the counts; reporters keep what they need.

pub mod baseline;
pub mod event;
pub mod fresh;
pub mod observed;
pub mod plan;
pub mod result;
pub(crate) mod scope;
pub mod secrets;
pub mod shard;
mod step;
pub mod stop;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

pub use event::{Event, Reporter, SuiteInfo};
pub use fresh::Fresh;
pub use plan::{SuitePlan, Target};
pub use result::{CaseResult, Counterexample, Outcome, PropertyReport, StepResult, Summary};
pub use shard::Shard;
pub use step::{Session, Timed, internal_failure, outcome_of};
pub use stop::Stop;

use crate::case::model::{Case, Pos};
use crate::http::Client;
use scope::CaseScope;

/// Work done on each finished case before it is reported, such as comparing
/// its answers with stored snapshots. A hook may add checks and so fail a case.
pub trait CaseHook: Send + Sync {
    fn after_case(&self, plan: &SuitePlan, case: &Case, result: &mut CaseResult);
}

/// Work that is not a case file but runs and reports like one, such as a
/// property run (`crate::properties`): scheduled after the cases under the
/// same `jobs` limit, `--filter`, `--shard` and stops, and reported as a case
/// result of its suite. Hooks do not apply: there is no case file.
pub trait Runnable: Send + Sync {
    fn info(&self) -> &CaseInfo;
    fn run(self: Arc<Self>, client: Client) -> Pin<Box<dyn Future<Output = CaseResult> + Send>>;
}

/// What names a case or a runnable in the run, before it has a result.
#[derive(Debug, Clone)]
pub struct CaseInfo {
    pub suite: String,
    pub name: String,
    pub description: String,
    pub doc: String,
    /// Where it is declared.
    pub source: Pos,
}

#[derive(Clone)]
pub struct RunOptions {
    /// Cases run at the same time.
    pub jobs: usize,
    /// Also run cases of the strict profile.
    pub strict: bool,
    /// Only cases whose `suite::case` id contains one of these.
    pub filters: Vec<String>,
    pub hooks: Vec<Arc<dyn CaseHook>>,
    /// Only the cases of this shard (`--shard I/N`).
    pub shard: Option<Shard>,
    /// Start no case after the first failure (known failures do not count).
    pub fail_fast: bool,
    /// Lets the caller stop the run (Ctrl-C, `--max-time`).
    pub stop: Stop,
    /// Work besides the case files, started after them.
    pub runnables: Vec<Arc<dyn Runnable>>,
}

impl std::fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions")
            .field("jobs", &self.jobs)
            .field("strict", &self.strict)
            .field("filters", &self.filters)
            .field("hooks", &self.hooks.len())
            .field("shard", &self.shard)
            .field("fail_fast", &self.fail_fast)
            .field("runnables", &self.runnables.len())
            .finish()
    }
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            jobs: 8,
            strict: false,
            filters: Vec::new(),
            hooks: Vec::new(),
            shard: None,
            fail_fast: false,
            stop: Stop::new(),
            runnables: Vec::new(),
        }
    }
}

/// Whether the options select this case.
pub fn selected(options: &RunOptions, suite: &str, case: &Case) -> bool {
    if case.strict && !options.strict {
        return false;
    }
    selected_id(options, &format!("{suite}::{}", case.name))
}

/// Whether the options select the case or runnable `suite::name` (`--filter`,
/// `--shard`).
pub fn selected_id(options: &RunOptions, id: &str) -> bool {
    (options.filters.is_empty() || options.filters.iter().any(|f| id.contains(f.as_str())))
        && options.shard.is_none_or(|shard| shard.includes(id))
}

/// How many cases of a plan the options select (runnables not counted).
pub fn selected_cases(options: &RunOptions, plan: &SuitePlan) -> usize {
    plan.suite
        .cases
        .iter()
        .filter(|c| selected(options, &plan.suite.name, c))
        .count()
}

/// The runnables the options select.
fn selected_runnables(options: &RunOptions) -> impl Iterator<Item = &Arc<dyn Runnable>> {
    options.runnables.iter().filter(|t| {
        let info = t.info();
        selected_id(options, &format!("{}::{}", info.suite, info.name))
    })
}

/// Whether we run on CI, as insta decides it: `CI` set to anything but
/// `false`, `0` or nothing (or Azure's `TF_BUILD`). On CI no snapshot is
/// written and no progress bar drawn.
pub fn on_ci() -> bool {
    ci_says(
        std::env::var("CI").ok().as_deref(),
        std::env::var_os("TF_BUILD").is_some(),
    )
}

/// [`on_ci`] of these values of `CI` and whether `TF_BUILD` is set.
pub fn ci_says(ci: Option<&str>, tf_build: bool) -> bool {
    match ci {
        Some("false") | Some("0") | Some("") => false,
        None => tf_build,
        Some(_) => true,
    }
}

/// Runs every selected case of every plan and reports as it goes.
pub async fn run(
    plans: &[Arc<SuitePlan>],
    client: &Client,
    options: &RunOptions,
    fresh: Arc<Fresh>,
    reporters: &mut [&mut dyn Reporter],
) -> Summary {
    let started = Instant::now();
    let runnables: Vec<&Arc<dyn Runnable>> = selected_runnables(options).collect();
    let infos: Vec<SuiteInfo> = plans
        .iter()
        .map(|p| SuiteInfo {
            name: p.suite.name.clone(),
            base_url: p.masker.mask(p.target.base_url.as_str()),
            embedded: p.target.embedded,
            cases: selected_cases(options, p)
                + runnables
                    .iter()
                    .filter(|t| t.info().suite == p.suite.name)
                    .count(),
        })
        .collect();
    let total = infos.iter().map(|i| i.cases).sum();
    emit(
        reporters,
        &Event::RunStarted {
            suites: &infos,
            total,
        },
    );

    let mut jobs = Jobs {
        permits: Arc::new(Semaphore::new(options.jobs.max(1))),
        tasks: JoinSet::new(),
        work: TaskCases::new(),
    };
    let mut summary = Summary::default();
    for plan in plans {
        for (index, case) in plan.suite.cases.iter().enumerate() {
            if !selected(options, &plan.suite.name, case) {
                continue;
            }
            let info = step::info_of(plan, case);
            if let Some(reason) = plan::skip_reason(plan, case) {
                report(&mut summary, reporters, &step::skipped(&info, reason));
                continue;
            }
            // Cases start in file order, each when a job is free; what
            // finishes meanwhile is reported at once.
            let Some(permit) = jobs.next(&info, options, &mut summary, reporters).await else {
                continue;
            };
            let (plan_of_job, client, fresh) = (plan.clone(), client.clone(), fresh.clone());
            let hooks = options.hooks.clone();
            let run = async move { execute(&plan_of_job, index, &client, fresh, &hooks).await };
            jobs.spawn(permit, info, options, run, Work::Case(plan.clone(), index));
        }
    }
    for runnable in runnables {
        let info = runnable.info().clone();
        let Some(permit) = jobs.next(&info, options, &mut summary, reporters).await else {
            continue;
        };
        let masker = plans
            .iter()
            .find(|p| p.suite.name == info.suite)
            .map(|p| p.masker.clone())
            .unwrap_or_default();
        let work = Work::Runnable(info.clone(), masker);
        jobs.spawn(
            permit,
            info,
            options,
            runnable.clone().run(client.clone()),
            work,
        );
    }
    jobs.drain(options, &mut summary, reporters).await;
    summary.duration = started.elapsed();
    summary.stopped = options.stop.reason().map(|r| r.why);
    emit(reporters, &Event::RunFinished(&summary));
    summary
}

/// Runs a case that is not one of the plan's suite (one a runnable generated)
/// on its own; no hooks. How runnables drive the cases they build.
pub async fn run_generated(
    plan: &SuitePlan,
    case: &Case,
    client: &Client,
    fresh: Arc<Fresh>,
) -> CaseResult {
    step::run_case(plan, case, CaseScope::new(&plan.values, fresh), client).await
}

/// Runs case `index` of a plan on its own, as [`run`] runs each selected case:
/// skipped when a variable it needs has no value, then the hooks. For
/// harnesses that run cases one at a time (`tests/conformance.rs`).
pub async fn run_case(
    plan: &SuitePlan,
    index: usize,
    client: &Client,
    fresh: Arc<Fresh>,
    hooks: &[Arc<dyn CaseHook>],
) -> CaseResult {
    let case = &plan.suite.cases[index];
    match plan::skip_reason(plan, case) {
        Some(reason) => step::skipped(&step::info_of(plan, case), reason),
        None => execute(plan, index, client, fresh, hooks).await,
    }
}

async fn execute(
    plan: &SuitePlan,
    index: usize,
    client: &Client,
    fresh: Arc<Fresh>,
    hooks: &[Arc<dyn CaseHook>],
) -> CaseResult {
    let case = &plan.suite.cases[index];
    let scope = CaseScope::new(&plan.values, fresh);
    let mut result = step::run_case(plan, case, scope, client).await;
    for hook in hooks {
        hook.after_case(plan, case, &mut result);
    }
    result
}

/// What a tokio task of the run works on.
enum Work {
    Case(Arc<SuitePlan>, usize),
    /// A [`Task`], with the masker of its suite.
    Runnable(CaseInfo, secrets::Masker),
}

type TaskCases = std::collections::HashMap<tokio::task::Id, Work>;

/// The jobs of a run: at most `--jobs` tokio tasks at once, and what each works on.
struct Jobs {
    permits: Arc<Semaphore>,
    tasks: JoinSet<CaseResult>,
    work: TaskCases,
}

type Permit = Result<tokio::sync::OwnedSemaphorePermit, tokio::sync::AcquireError>;

impl Jobs {
    /// A free job for `info`, reporting what finishes while it waits for
    /// one; `None` (and `info` reported as not run) once the run is stopped.
    async fn next(
        &mut self,
        info: &CaseInfo,
        options: &RunOptions,
        summary: &mut Summary,
        reporters: &mut [&mut dyn Reporter],
    ) -> Option<Permit> {
        // The run never closes the semaphore: never an error.
        let permit = loop {
            tokio::select! {
                biased;
                permit = self.permits.clone().acquire_owned() => break permit,
                Some(joined) = self.tasks.join_next_with_id() => {
                    finish(joined, &self.work, options, summary, reporters);
                }
            }
        };
        if let Some(reason) = options.stop.reason() {
            let result = step::skipped(info, format!("not run: {}", reason.why));
            report(summary, reporters, &result);
            return None;
        }
        emit(
            reporters,
            &Event::CaseStarted {
                suite: &info.suite,
                case: &info.name,
            },
        );
        Some(permit)
    }

    /// Waits for every job left, reporting each as it finishes.
    async fn drain(
        &mut self,
        options: &RunOptions,
        summary: &mut Summary,
        reporters: &mut [&mut dyn Reporter],
    ) {
        while let Some(joined) = self.tasks.join_next_with_id().await {
            finish(joined, &self.work, options, summary, reporters);
        }
    }

    /// Runs `run` on the job `permit` holds: abandoned as skipped when the
    /// run is aborted; a failure under --fail-fast stops the run before the
    /// job is freed, so the next case already sees it.
    fn spawn(
        &mut self,
        permit: Permit,
        info: CaseInfo,
        options: &RunOptions,
        run: impl Future<Output = CaseResult> + Send + 'static,
        work: Work,
    ) {
        let stop = options.stop.clone();
        let fail_fast = options.fail_fast;
        let handle = self.tasks.spawn(async move {
            let _permit = permit;
            let result = tokio::select! {
                biased;
                reason = stop.aborted() => {
                    return step::skipped(&info, format!("interrupted: {}", reason.why));
                }
                result = run => result,
            };
            if fail_fast && result.outcome == Outcome::Failed {
                stop.request(format!("--fail-fast: {} failed", result.id()), false);
            }
            result
        });
        self.work.insert(handle.id(), work);
    }
}

/// Counts a finished case or runnable and tells the reporters.
fn report(summary: &mut Summary, reporters: &mut [&mut dyn Reporter], result: &CaseResult) {
    summary.add(result);
    emit(reporters, &Event::CaseFinished(result));
}

/// Reports a finished runnable, a tokio task; one that panicked is a failed case.
fn finish(
    joined: Result<(tokio::task::Id, CaseResult), tokio::task::JoinError>,
    task_cases: &TaskCases,
    options: &RunOptions,
    summary: &mut Summary,
    reporters: &mut [&mut dyn Reporter],
) {
    let result = match joined {
        Ok((_, result)) => result,
        Err(e) => {
            let result = match &task_cases[&e.id()] {
                Work::Case(plan, index) => step::internal_failure(
                    &step::info_of(plan, &plan.suite.cases[*index]),
                    &plan.masker,
                    &e.to_string(),
                ),
                Work::Runnable(info, masker) => {
                    step::internal_failure(info, masker, &e.to_string())
                }
            };
            if options.fail_fast {
                options
                    .stop
                    .request(format!("--fail-fast: {} failed", result.id()), false);
            }
            result
        }
    };
    report(summary, reporters, &result);
}

fn emit(reporters: &mut [&mut dyn Reporter], event: &Event<'_>) {
    for r in reporters.iter_mut() {
        r.event(event);
    }
}
