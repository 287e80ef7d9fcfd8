//! The runner: executes the cases of planned suites, in parallel up to a
//! number of jobs, steps of one case in order. It emits events as cases
//! finish and keeps only the counts; reporters keep what they need.

pub mod baseline;
pub mod event;
pub mod fresh;
pub mod plan;
pub mod result;
mod scope;
pub mod secrets;
pub mod shard;
mod step;
pub mod stop;

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

pub use event::{Event, Reporter, SuiteInfo};
pub use fresh::Fresh;
pub use plan::{SuitePlan, Target};
pub use result::{CaseResult, Outcome, StepResult, Summary};
pub use shard::Shard;
pub use stop::Stop;

use crate::case::model::Case;
use crate::http::Client;
use scope::CaseScope;

/// Work done on each finished case before it is reported, such as comparing
/// its answers with stored snapshots. A hook may add checks and so fail a case.
pub trait CaseHook: Send + Sync {
    fn after_case(&self, plan: &SuitePlan, case: &Case, result: &mut CaseResult);
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
        }
    }
}

/// Whether the options select this case.
pub fn selected(options: &RunOptions, suite: &str, case: &Case) -> bool {
    if case.strict && !options.strict {
        return false;
    }
    let id = format!("{suite}::{}", case.name);
    (options.filters.is_empty() || options.filters.iter().any(|f| id.contains(f.as_str())))
        && options.shard.is_none_or(|shard| shard.includes(&id))
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
            let permit = loop {
                tokio::select! {
                    biased;
                    permit = permits.clone().acquire_owned() => break permit,
                    Some(joined) = tasks.join_next_with_id() => {
                        finish(joined, &task_cases, options, &mut summary, reporters);
                    }
                }
            };
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
            task_cases.insert(handle.id(), (plan.clone(), index));
        }
    }
    while let Some(joined) = tasks.join_next_with_id().await {
        finish(joined, &task_cases, options, &mut summary, reporters);
    }
    summary.duration = started.elapsed();
    summary.stopped = options.stop.reason().map(|r| r.why);
    emit(reporters, &Event::RunFinished(&summary));
    summary
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

type TaskCases = std::collections::HashMap<tokio::task::Id, (Arc<SuitePlan>, usize)>;

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
            let (plan, index) = &task_cases[&e.id()];
            let result = step::crashed(plan, &plan.suite.cases[*index], &e.to_string());
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
