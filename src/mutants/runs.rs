//! The runs themselves: the clean servers first, then a fresh server per
//! fault, each on 127.0.0.1:0 in this process. One run at a time: a run
//! keeps both cores busy already (`--jobs` inside it), and two at once
//! measured no faster.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use super::judge::{Baseline, RunOutcome, judge_fault};
use super::{CleanRun, DEFAULT_SEED, FaultRun, MutantsReport, SCHEMA, Shape, VERSION};
use crate::case::Suite;
use crate::http::{Client, ClientOptions, TransportError};
use crate::properties::{self, PropertySpec, Settings};
use crate::reference::{self, Api, FaultInfo, Faults, StartError};
use crate::report::document::timestamp;
use crate::run::plan::{self, PlanError, SuitePlan, Target};
use crate::run::secrets::Masker;
use crate::run::{self, Event as RunEvent, Fresh, Reporter, RunOptions, Stop};

/// What to run.
pub struct Setup {
    /// The suites, loaded; each must name an embedded reference server.
    /// Clear their cases to run the properties alone.
    pub suites: Vec<Suite>,
    /// Property declarations by suite name; none: the cases alone.
    pub specs: BTreeMap<String, Arc<PropertySpec>>,
    /// The generator's seed and cases per property. Properties never shrink
    /// here: a failure is all a verdict needs.
    pub settings: Settings,
    /// The faults to run, each on a server of its own.
    pub faults: Vec<&'static FaultInfo>,
    /// Cases run at the same time within a run.
    pub jobs: usize,
    /// Ctrl-C: abandons the run in flight; the faults not run yet are
    /// reported as not run.
    pub stop: Stop,
}

impl Setup {
    /// The cases and properties of the suites, every fault of the
    /// catalogue for their servers, the default seed and number of
    /// generated cases.
    pub fn new(suites: Vec<Suite>, specs: BTreeMap<String, Arc<PropertySpec>>) -> Setup {
        let apis = apis(&suites).unwrap_or_default();
        Setup {
            faults: reference::catalogue()
                .filter(|f| apis.contains(&f.api))
                .collect(),
            suites,
            specs,
            settings: Settings::new(DEFAULT_SEED),
            jobs: RunOptions::default().jobs,
            stop: Stop::new(),
        }
    }
}

/// What [`run()`] tells its caller as it goes.
#[derive(Debug)]
pub enum Event<'a> {
    /// Before the clean run.
    Started {
        shape: &'a Shape,
        faults: &'a [&'static FaultInfo],
    },
    /// The clean servers' run is over.
    Clean(&'a CleanRun),
    /// A fault's run is over (or was not run).
    Fault(&'a FaultRun),
}

/// Why `verity mutants` cannot run; found before anything is sent.
#[derive(Debug, thiserror::Error)]
pub enum MutantsError {
    #[error(
        "suite `{suite}` has no embedded reference server (`reference:` in its suite.yaml): mutants runs against the embedded servers only"
    )]
    NoReferenceServer { suite: String },
    /// `api`: the server the fault is in.
    #[error("fault `{fault}` is in the {api} server, which no selected suite tests")]
    FaultNotTested {
        fault: &'static str,
        api: &'static str,
    },
    #[error("cannot build the HTTP client: {0}")]
    Client(#[source] TransportError),
    #[error(transparent)]
    Start(#[from] StartError),
    #[error(transparent)]
    Plan(#[from] PlanError),
}

/// The reference servers the suites need, or which suite has none.
fn apis(suites: &[Suite]) -> Result<Vec<Api>, MutantsError> {
    plan::embedded_apis(suites).map_err(|suite| MutantsError::NoReferenceServer {
        suite: suite.name.clone(),
    })
}

/// Runs the clean servers, then each fault, and returns the matrix with
/// the masker of the suites' secrets (for whatever writes it out).
/// `observe` hears of each run as it ends. An error (a suite without a
/// reference server, a fault of a server no suite tests, the clean server
/// not starting) comes before anything is sent.
pub async fn run(
    setup: Setup,
    observe: &mut dyn FnMut(Event<'_>),
) -> Result<(MutantsReport, Masker), MutantsError> {
    let started = Instant::now();
    let started_at = timestamp(SystemTime::now());
    let apis = apis(&setup.suites)?;
    if let Some(fault) = setup.faults.iter().find(|f| !apis.contains(&f.api)) {
        return Err(MutantsError::FaultNotTested {
            fault: fault.name,
            api: fault.api.name(),
        });
    }
    let server_options = |faults: Faults| reference::Options {
        apis: apis.clone(),
        faults,
        ..reference::Options::default()
    };
    let clean_options = server_options(Faults::none());
    let settings = Settings {
        shrink_runs: 0,
        save_failures: false,
        ..setup.settings.clone()
    };
    let client = Client::new(ClientOptions::default()).map_err(MutantsError::Client)?;

    let server = reference::start_local(&clean_options).await?;
    let plans: Vec<Arc<SuitePlan>> =
        match plan::build_embedded(setup.suites, &server.url(), &clean_options) {
            Ok(plans) => plans.into_iter().map(Arc::new).collect(),
            Err(e) => {
                server.stop().await;
                return Err(e.into());
            }
        };
    let masker = plans
        .iter()
        .fold(Masker::default(), |m, p| m.merge(&p.masker));
    let shape = shape(&plans, &setup.specs, &settings);
    observe(Event::Started {
        shape: &shape,
        faults: &setup.faults,
    });

    let runner = Runner {
        specs: &setup.specs,
        settings: &settings,
        jobs: setup.jobs,
        stop: &setup.stop,
        client: &client,
    };
    let outcome = runner.run(&plans).await;
    server.stop().await;
    let clean = CleanRun {
        tally: outcome.tally,
        // A crash on the clean servers is a false alarm too: they must pass.
        false_alarms: {
            let mut all = outcome.failures;
            all.extend(outcome.errors);
            all
        },
        warnings: outcome.warnings,
        stopped: outcome.stopped,
    };
    observe(Event::Clean(&clean));
    let baseline = Baseline::of(&clean);

    let mut faults = Vec::new();
    for fault in &setup.faults {
        let result = match setup.stop.reason() {
            Some(reason) => FaultRun::not_run(fault, format!("not run: {}", reason.why)),
            None => {
                let options = server_options(Faults::of([fault.fault]));
                match reference::start_local(&options).await {
                    Ok(server) => {
                        let outcome = runner.run(&retarget(&plans, &server)).await;
                        server.stop().await;
                        judge_fault(fault, outcome, &baseline)
                    }
                    Err(e) => FaultRun::not_run(fault, e.to_string()),
                }
            }
        };
        observe(Event::Fault(&result));
        faults.push(result);
    }

    let report = MutantsReport {
        schema: SCHEMA.into(),
        version: VERSION,
        verity: env!("CARGO_PKG_VERSION").into(),
        started_at,
        duration_ms: started.elapsed().as_millis() as u64,
        shape,
        clean,
        faults,
        stopped: setup.stop.reason().map(|r| r.why),
    };
    Ok((report, masker))
}

/// The same plans against another server. The variables' values do not
/// depend on the server's faults (the API key, the seeded members).
fn retarget(plans: &[Arc<SuitePlan>], server: &reference::Running) -> Vec<Arc<SuitePlan>> {
    plans
        .iter()
        .map(|p| {
            Arc::new(SuitePlan {
                suite: p.suite.clone(),
                target: Target::embedded(server),
                values: p.values.clone(),
                masker: p.masker.clone(),
                pacing: p.pacing,
                strict: p.strict,
                // Each fault's run is judged by its results, not its coverage.
                observed: None,
            })
        })
        .collect()
}

fn shape(
    plans: &[Arc<SuitePlan>],
    specs: &BTreeMap<String, Arc<PropertySpec>>,
    settings: &Settings,
) -> Shape {
    let options = RunOptions::default();
    let cases = plans.iter().map(|p| run::selected_cases(&options, p)).sum();
    let properties = plans
        .iter()
        .filter_map(|p| specs.get(&p.suite.name))
        .map(|spec| properties::available(spec).len())
        .sum();
    Shape {
        suites: plans.iter().map(|p| p.suite.name.clone()).collect(),
        cases,
        properties,
        property_cases: (properties > 0).then_some(settings.cases),
        seed: (properties > 0).then_some(settings.seed),
    }
}

/// What every run shares.
struct Runner<'a> {
    specs: &'a BTreeMap<String, Arc<PropertySpec>>,
    settings: &'a Settings,
    jobs: usize,
    stop: &'a Stop,
    client: &'a Client,
}

impl Runner<'_> {
    /// One default run: the cases, then the properties; no snapshots (they
    /// record the clean servers, so any fault would change them).
    async fn run(&self, plans: &[Arc<SuitePlan>]) -> RunOutcome {
        let mut options = RunOptions {
            jobs: self.jobs,
            stop: self.stop.clone(),
            ..RunOptions::default()
        };
        for plan in plans {
            if let Some(spec) = self.specs.get(&plan.suite.name) {
                for property in properties::runnables(plan, spec, self.settings) {
                    options.runnables.push(property);
                }
            }
        }
        let mut outcome = Recorder::default();
        let summary = run::run(
            plans,
            self.client,
            &options,
            Arc::new(Fresh::new()),
            &mut [&mut outcome],
        )
        .await;
        let mut outcome = outcome.0;
        outcome.tally.duration_ms = summary.duration.as_millis() as u64;
        outcome.stopped = summary.stopped;
        outcome.settle();
        outcome
    }
}

/// Keeps what a verdict needs of each finished case, not the whole result.
#[derive(Default)]
struct Recorder(RunOutcome);

impl Reporter for Recorder {
    fn event(&mut self, event: &RunEvent<'_>) {
        if let RunEvent::CaseFinished(result) = event {
            self.0.add(result);
        }
    }
}
