//! The runner: executes the cases of planned suites, in parallel up to a
//! number of jobs, steps of one case in order. It emits events as cases
//! finish and keeps only the counts; reporters keep what they need.

pub mod event;
pub mod fresh;
pub mod plan;
pub mod result;
pub(crate) mod scope;
pub mod secrets;
mod step;

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
pub use step::task_failed;

use crate::case::model::{Case, Pos};
use crate::http::Client;
use scope::CaseScope;

/// Work done on each finished case before it is reported, such as comparing
/// its answers with stored snapshots. A hook may add checks and so fail a case.
pub trait CaseHook: Send + Sync {
    fn after_case(&self, plan: &SuitePlan, case: &Case, result: &mut CaseResult);
}

/// Work that is not a case file but runs and reports like one, such as a
/// property run (`crate::properties`): scheduled with the cases, under the
/// same `jobs` limit and `--filter`, and reported as a case result of its suite.
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
    /// Work besides the case files, run after them.
    pub tasks: Vec<Arc<dyn Task>>,
}

impl std::fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions")
            .field("jobs", &self.jobs)
            .field("strict", &self.strict)
            .field("filters", &self.filters)
            .field("hooks", &self.hooks.len())
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
            tasks: Vec::new(),
        }
    }
}

/// Whether the options select this case.
pub fn selected(options: &RunOptions, suite: &str, case: &Case) -> bool {
    if case.strict && !options.strict {
        return false;
    }
    passes_filters(options, &format!("{suite}::{}", case.name))
}

/// Whether `suite::name` is selected by `--filter`.
pub fn passes_filters(options: &RunOptions, id: &str) -> bool {
    options.filters.is_empty() || options.filters.iter().any(|f| id.contains(f.as_str()))
}

/// The tasks the options select.
fn selected_tasks(options: &RunOptions) -> impl Iterator<Item = &Arc<dyn Task>> {
    options.tasks.iter().filter(|t| {
        let info = t.info();
        passes_filters(options, &format!("{}::{}", info.suite, info.name))
    })
}

/// Runs one case on its own, outside a run: how tasks drive cases they build.
pub async fn run_case(
    plan: &SuitePlan,
    case: &Case,
    client: &Client,
    fresh: Arc<Fresh>,
) -> CaseResult {
    step::run_case(plan, case, CaseScope::new(&plan.values, fresh), client).await
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
            cases: p
                .suite
                .cases
                .iter()
                .filter(|c| selected(options, &p.suite.name, c))
                .count()
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
    // What each tokio task runs, so one that panics is still reported.
    let mut task_cases = std::collections::HashMap::new();
    let mut task_work = std::collections::HashMap::new();
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
            let task_plan = plan.clone();
            let client = client.clone();
            let fresh = fresh.clone();
            let permits = permits.clone();
            let hooks = options.hooks.clone();
            emit(
                reporters,
                &Event::CaseStarted {
                    suite: &plan.suite.name,
                    case: &case.name,
                },
            );
            let handle = tasks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                let case = &task_plan.suite.cases[index];
                let scope = CaseScope::new(&task_plan.values, fresh);
                let mut result = step::run_case(&task_plan, case, scope, &client).await;
                for hook in &hooks {
                    hook.after_case(&task_plan, case, &mut result);
                }
                result
            });
            task_cases.insert(handle.id(), (plan.clone(), index));
        }
    }
    for task in selected_tasks(options) {
        let info = task.info();
        emit(
            reporters,
            &Event::CaseStarted {
                suite: &info.suite,
                case: &info.name,
            },
        );
        let work = task.clone();
        let client = client.clone();
        let permits = permits.clone();
        let handle = tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            work.run(client).await
        });
        task_work.insert(handle.id(), task.clone());
    }
    while let Some(joined) = tasks.join_next_with_id().await {
        let result = match joined {
            Ok((_, result)) => result,
            Err(e) if task_work.contains_key(&e.id()) => {
                let info = task_work[&e.id()].info();
                let masker = plans
                    .iter()
                    .find(|p| p.suite.name == info.suite)
                    .map(|p| p.masker.clone())
                    .unwrap_or_default();
                step::task_failed(info, &masker, &e.to_string())
            }
            Err(e) => {
                let (plan, index) = &task_cases[&e.id()];
                step::crashed(plan, &plan.suite.cases[*index], &e.to_string())
            }
        };
        summary.add(&result);
        emit(reporters, &Event::CaseFinished(&result));
    }
    summary.duration = started.elapsed();
    emit(reporters, &Event::RunFinished(&summary));
    summary
}

fn emit(reporters: &mut [&mut dyn Reporter], event: &Event<'_>) {
    for r in reporters.iter_mut() {
        r.event(event);
    }
}
