//! The runner: executes the cases of planned suites, in parallel up to a
//! number of jobs, steps of one case in order. It emits events as cases
//! finish and keeps only the counts; reporters keep what they need.

pub mod baseline;
pub mod event;
pub mod fresh;
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
pub use step::task_failed;
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
pub trait Task: Send + Sync {
    fn info(&self) -> &TaskInfo;
    fn run(self: Arc<Self>, client: Client) -> Pin<Box<dyn Future<Output = CaseResult> + Send>>;
}

/// What names a task in the run, before it has a result.
#[derive(Debug, Clone)]
pub struct TaskInfo {
    pub suite: String,
    pub name: String,
    pub description: String,
    pub doc: String,
    /// Where the task is declared.
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
    pub tasks: Vec<Arc<dyn Task>>,
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
            .field("tasks", &self.tasks.len())
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
            tasks: Vec::new(),
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

/// Whether the options select the case or task `suite::name` (`--filter`,
/// `--shard`).
pub fn selected_id(options: &RunOptions, id: &str) -> bool {
    (options.filters.is_empty() || options.filters.iter().any(|f| id.contains(f.as_str())))
        && options.shard.is_none_or(|shard| shard.includes(id))
}

/// How many cases of a plan the options select (tasks not counted).
pub fn selected_cases(options: &RunOptions, plan: &SuitePlan) -> usize {
    plan.suite
        .cases
        .iter()
        .filter(|c| selected(options, &plan.suite.name, c))
        .count()
}

/// The tasks the options select.
fn selected_tasks(options: &RunOptions) -> impl Iterator<Item = &Arc<dyn Task>> {
    options.tasks.iter().filter(|t| {
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
    let infos: Vec<SuiteInfo> = plans
        .iter()
        .map(|p| SuiteInfo {
            name: p.suite.name.clone(),
            base_url: p.masker.mask(p.target.base_url.as_str()),
            embedded: p.target.embedded,
            cases: selected_cases(options, p)
                + selected_tasks(options)
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

    let permits = Arc::new(Semaphore::new(options.jobs.max(1)));
    let mut tasks: JoinSet<CaseResult> = JoinSet::new();
    let mut summary = Summary::default();
    // Which case each task runs, so a task that panics is still reported.
    let mut task_cases = TaskCases::new();
    for plan in plans {
        for (index, case) in plan.suite.cases.iter().enumerate() {
            if !selected(options, &plan.suite.name, case) {
                continue;
            }
            if let Some(reason) = plan::skip_reason(plan, case) {
                let result = step::skipped(plan, case, reason);
                summary.add(&result);
                emit(reporters, &Event::CaseFinished(&result));
                continue;
            }
            // Cases start in file order, each when a job is free; what
            // finishes meanwhile is reported at once.
            let permit = free_job(
                &permits,
                &mut tasks,
                &task_cases,
                options,
                &mut summary,
                reporters,
            )
            .await;
            if let Some(reason) = options.stop.reason() {
                let result = step::skipped(plan, case, format!("not run: {}", reason.why));
                summary.add(&result);
                emit(reporters, &Event::CaseFinished(&result));
                continue;
            }
            let task_plan = plan.clone();
            let client = client.clone();
            let fresh = fresh.clone();
            let hooks = options.hooks.clone();
            let stop = options.stop.clone();
            let fail_fast = options.fail_fast;
            emit(
                reporters,
                &Event::CaseStarted {
                    suite: &plan.suite.name,
                    case: &case.name,
                },
            );
            let handle = tasks.spawn(async move {
                let _permit = permit;
                let case = &task_plan.suite.cases[index];
                let result = tokio::select! {
                    biased;
                    reason = stop.aborted() => {
                        return step::skipped(
                            &task_plan,
                            case,
                            format!("interrupted: {}", reason.why),
                        );
                    }
                    result = execute(&task_plan, index, &client, fresh, &hooks) => result,
                };
                // Before the permit goes, so the next case already sees it.
                if fail_fast && result.outcome == Outcome::Failed {
                    stop.request(format!("--fail-fast: {} failed", result.id()), false);
                }
                result
            });
            task_cases.insert(handle.id(), Work::Case(plan.clone(), index));
        }
    }
    for task in selected_tasks(options) {
        let info = task.info();
        let permit = free_job(
            &permits,
            &mut tasks,
            &task_cases,
            options,
            &mut summary,
            reporters,
        )
        .await;
        if let Some(reason) = options.stop.reason() {
            let result = task_skipped(info, format!("not run: {}", reason.why));
            summary.add(&result);
            emit(reporters, &Event::CaseFinished(&result));
            continue;
        }
        emit(
            reporters,
            &Event::CaseStarted {
                suite: &info.suite,
                case: &info.name,
            },
        );
        let work = task.clone();
        let client = client.clone();
        let stop = options.stop.clone();
        let fail_fast = options.fail_fast;
        let handle = tasks.spawn(async move {
            let _permit = permit;
            let info = work.info().clone();
            let result = tokio::select! {
                biased;
                reason = stop.aborted() => {
                    return task_skipped(&info, format!("interrupted: {}", reason.why));
                }
                result = work.run(client) => result,
            };
            if fail_fast && result.outcome == Outcome::Failed {
                stop.request(format!("--fail-fast: {} failed", result.id()), false);
            }
            result
        });
        let masker = plans
            .iter()
            .find(|p| p.suite.name == info.suite)
            .map(|p| p.masker.clone())
            .unwrap_or_default();
        task_cases.insert(handle.id(), Work::Task(info.clone(), masker));
    }
    while let Some(joined) = tasks.join_next_with_id().await {
        finish(joined, &task_cases, options, &mut summary, reporters);
    }
    summary.duration = started.elapsed();
    summary.stopped = options.stop.reason().map(|r| r.why);
    emit(reporters, &Event::RunFinished(&summary));
    summary
}

fn task_skipped(info: &TaskInfo, reason: String) -> CaseResult {
    CaseResult {
        outcome: Outcome::Skipped,
        skip_reason: Some(reason),
        ..CaseResult::named(info.clone())
    }
}

/// Runs a case that is not one of the plan's suite (one a task generated)
/// on its own; no hooks. How tasks drive the cases they build.
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
        Some(reason) => step::skipped(plan, case, reason),
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
    Task(TaskInfo, secrets::Masker),
}

type TaskCases = std::collections::HashMap<tokio::task::Id, Work>;

/// A free job (the run never closes the semaphore: never an error),
/// reporting what finishes while it waits for one.
async fn free_job(
    permits: &Arc<Semaphore>,
    tasks: &mut JoinSet<CaseResult>,
    task_cases: &TaskCases,
    options: &RunOptions,
    summary: &mut Summary,
    reporters: &mut [&mut dyn Reporter],
) -> Result<tokio::sync::OwnedSemaphorePermit, tokio::sync::AcquireError> {
    loop {
        tokio::select! {
            biased;
            permit = permits.clone().acquire_owned() => return permit,
            Some(joined) = tasks.join_next_with_id() => {
                finish(joined, task_cases, options, summary, reporters);
            }
        }
    }
}

/// Reports a finished task's case; a task that panicked is a failed case.
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
                Work::Case(plan, index) => {
                    step::crashed(plan, &plan.suite.cases[*index], &e.to_string())
                }
                Work::Task(info, masker) => step::task_failed(info, masker, &e.to_string()),
            };
            if options.fail_fast {
                options
                    .stop
                    .request(format!("--fail-fast: {} failed", result.id()), false);
            }
            result
        }
    };
    summary.add(&result);
    emit(reporters, &Event::CaseFinished(&result));
}

fn emit(reporters: &mut [&mut dyn Reporter], event: &Event<'_>) {
    for r in reporters.iter_mut() {
        r.event(event);
    }
}
