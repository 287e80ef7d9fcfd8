//! `verity run`: load, plan, start the embedded servers where no URL is
//! given, run, report.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::args::{PropertiesMode, RunArgs, Switch, TargetArgs};
use super::report::{Annotations, check_specs, finish, publish, style};
use super::{load_errors, snapshots, usage};
use crate::case::{self, Suite};
use crate::http::{Client, ClientOptions, RetryPolicy, rate};
use crate::properties::{self, PropertySpec, Settings};
use crate::reference;
use crate::report::coverage::{self as report_coverage, CoverageReport};
use crate::report::normalization::Normalization;
use crate::report::output::{self, Format, ReportSpec};
use crate::report::progress::{self, Progress};
use crate::report::{Collector, Console};
use crate::run::baseline::{self, Baseline};
use crate::run::plan::{self, Inputs, SuitePlan, Target};
use crate::run::secrets::Masker;
use crate::run::{self, CaseHook, Fresh, Reporter, RunOptions, Stop};

/// Exit status after Ctrl-C: 128 + SIGINT, as shells report it.
pub const EXIT_INTERRUPTED: u8 = 130;
pub(crate) const CTRL_C: &str = "Ctrl-C";

fn seconds(flag: &str, value: f64) -> Result<Duration, String> {
    if value > 0.0 && value.is_finite() && value < 1e9 {
        Ok(Duration::from_secs_f64(value))
    } else {
        Err(format!("{flag} must be a positive number of seconds"))
    }
}

/// The transport options from the flags, files read.
fn client_options(args: &TargetArgs) -> Result<ClientOptions, String> {
    let ca_pem = match &args.cacert {
        Some(path) => {
            Some(std::fs::read(path).map_err(|e| format!("--cacert {}: {e}", path.display()))?)
        }
        None => None,
    };
    let rate_limit = args
        .rate_limit
        .as_deref()
        .map(rate::parse_rate)
        .transpose()?;
    Ok(ClientOptions {
        timeout: seconds("--timeout", args.timeout)?,
        connect_timeout: seconds("--connect-timeout", args.connect_timeout)?,
        max_body_bytes: args.max_body,
        retry: RetryPolicy {
            max_attempts: args.retries + 1,
            max_delay: seconds("--retry-max-wait", args.retry_max_wait)?,
            ..RetryPolicy::default()
        },
        rate_limit,
        ca_pem,
        insecure: args.insecure,
    })
}

/// Whether anything will read the report of the run: `--report` files, or
/// the job summary under GitHub Actions.
fn wants_report(reports: &[crate::report::output::ReportSpec]) -> bool {
    !reports.is_empty()
        || crate::report::github::Actions::from_env().is_some_and(|a| a.step_summary.is_some())
}

/// Ctrl-C and `--max-time` stop the run; a second Ctrl-C leaves at once.
pub(crate) fn watch_for_stops(stop: &Stop, max_time: Option<Duration>) {
    let on_signal = stop.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!(
                "\ninterrupted by {CTRL_C}: finishing the reports (press it again to quit at once)"
            );
            on_signal.request(CTRL_C, true);
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(i32::from(EXIT_INTERRUPTED));
            }
        }
    });
    if let Some(limit) = max_time {
        let on_time = stop.clone();
        tokio::spawn(async move {
            tokio::time::sleep(limit).await;
            on_time.request(
                format!("--max-time {} s reached", limit.as_secs_f64()),
                true,
            );
        });
    }
}

fn parse_var(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_string(), value.to_string()))
        }
        _ => Err(format!("--var `{text}`: write NAME=VALUE")),
    }
}

/// Splits `SUITE=URL` (a suite name has no `:` or `/`) from a plain `URL`.
fn split_target(text: &str) -> (Option<&str>, &str) {
    match text.split_once('=') {
        Some((name, url)) if !name.contains(':') && !name.contains('/') => (Some(name), url),
        _ => (None, text),
    }
}

/// The suites a list of `--base-url`-style targets names, or `None` when one
/// of them is for every suite.
pub(crate) fn targeted_suites(given: &[String]) -> Option<Vec<String>> {
    let mut names = Vec::new();
    for text in given {
        match split_target(text) {
            (Some(name), _) => names.push(name.to_string()),
            (None, _) => return None,
        }
    }
    Some(names)
}

/// `URL` for every suite, or `SUITE=URL` for one.
fn parse_base_urls(given: &[String], suites: &[Suite]) -> Result<BTreeMap<String, Target>, String> {
    let mut targets = BTreeMap::new();
    for text in given {
        let (suite, url) = split_target(text);
        let url = plan::parse_base_url(url).map_err(|e| e.to_string())?;
        let target = Target {
            base_url: url,
            embedded: false,
        };
        match suite {
            Some(name) => {
                if !suites.iter().any(|s| s.name == name) {
                    let names: Vec<&str> = suites.iter().map(|s| s.name.as_str()).collect();
                    return Err(format!(
                        "--base-url {text}: no selected suite `{name}` (selected: {})",
                        names.join(", ")
                    ));
                }
                targets.insert(name.to_string(), target);
            }
            None => {
                for s in suites {
                    targets
                        .entry(s.name.clone())
                        .or_insert_with(|| target.clone());
                }
            }
        }
    }
    Ok(targets)
}

/// A run ready to start: a plan per selected suite, the HTTP client, and the
/// embedded servers started for suites without a URL (stop them after).
pub(crate) struct Prepared {
    pub plans: Vec<Arc<SuitePlan>>,
    pub client: Client,
    pub embedded: Option<reference::Running>,
}

impl Prepared {
    pub async fn stop(self) {
        if let Some(server) = self.embedded {
            server.stop().await;
        }
    }
}

/// Loads the suites named (all when empty). On error, the message is
/// printed and the exit code returned.
pub(crate) fn load(args: &TargetArgs, suites: &[String]) -> Result<Vec<Suite>, u8> {
    case::load_root(&args.cases, suites).map_err(|e| load_errors(&e))
}

/// Plans `suites` against `base_urls`, starting the embedded servers the
/// others need, and builds the client. On error, the message is printed
/// and the exit code returned.
pub(crate) async fn prepare(
    args: &TargetArgs,
    suites: Vec<Suite>,
    base_urls: &[String],
) -> Result<Prepared, u8> {
    let mut targets = parse_base_urls(base_urls, &suites).map_err(usage)?;
    let mut vars = Vec::new();
    for text in &args.vars {
        vars.push(parse_var(text).map_err(usage)?);
    }
    let client_options = client_options(args).map_err(usage)?;

    // Suites without a URL run against the embedded reference servers.
    let needed = plan::embedded_apis(suites.iter().filter(|s| !targets.contains_key(&s.name)))
        .map_err(|suite| {
            usage(format!(
                "suite `{}` has no embedded reference server: pass --base-url {}=URL",
                suite.name, suite.name
            ))
        })?;
    let options = reference::Options {
        apis: needed.clone(),
        ..reference::Options::default()
    };
    let embedded = if needed.is_empty() {
        None
    } else {
        Some(reference::start_local(&options).await.map_err(usage)?)
    };
    if let Some(server) = &embedded {
        for suite in &suites {
            targets
                .entry(suite.name.clone())
                .or_insert_with(|| Target::embedded(server));
        }
    }
    let inputs = Inputs {
        vars,
        env: std::env::vars()
            .filter(|(k, _)| k.starts_with(plan::ENV_PREFIX))
            .collect(),
        embedded_values: reference::embedded_values(&options),
        no_pacing: args.no_pacing,
        strict: args.strict,
    };
    let insecure = client_options.insecure;
    let prepared = plan::build(suites, &targets, &inputs)
        .map(|p| p.into_iter().map(Arc::new).collect::<Vec<_>>())
        .map_err(usage)
        .and_then(|plans| {
            Client::new(client_options)
                .map(|client| (plans, client))
                .map_err(|e| usage(format!("cannot build the HTTP client: {e}")))
        });
    match prepared {
        Ok((plans, client)) => {
            if insecure {
                eprintln!(
                    "warning: --insecure: TLS certificates are NOT verified. Anyone on the network path can read and change this run's traffic, API keys included. Use --cacert PATH to trust a private CA instead."
                );
            }
            Ok(Prepared {
                plans,
                client,
                embedded,
            })
        }
        Err(code) => {
            if let Some(server) = embedded {
                server.stop().await;
            }
            Err(code)
        }
    }
}

/// The suites' property declarations, unless the properties are off. On
/// error, the messages are printed and the exit code returned.
pub(crate) fn load_specs(
    mode: PropertiesMode,
    suites: &[Suite],
) -> Result<BTreeMap<String, Arc<PropertySpec>>, u8> {
    match mode {
        PropertiesMode::Off => Ok(BTreeMap::new()),
        _ => properties::load_all(suites).map_err(|e| load_errors(&e)),
    }
}

pub async fn run(args: RunArgs) -> u8 {
    let mut suites = match load(&args.target, &args.target.suites) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let specs = match load_specs(args.properties, &suites) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let max_time = match args.max_time.map(|t| seconds("--max-time", t)).transpose() {
        Ok(t) => t,
        Err(e) => return usage(e),
    };
    if let Err(e) = check_specs(&args.reports) {
        return usage(e);
    }
    let baseline = match &args.baseline {
        Some(path) => match Baseline::load(path, baseline::today())
            .and_then(|b| b.check_cases(&suites).map(|()| b))
        {
            Ok(b) => Some(Arc::new(b)),
            Err(e) => return usage(format!("--baseline {e}")),
        },
        None => None,
    };
    // Before `--properties only` empties the suites: a statement checked by a
    // case is checked whether or not this run runs the case.
    let wants_coverage =
        args.require_coverage || args.reports.iter().any(|r| r.format.is_coverage());
    let mut coverage_docs: Vec<_> = if wants_coverage {
        suites
            .iter()
            .filter_map(|suite| {
                super::coverage::document(suite, specs.get(&suite.name).map(|s| s.as_ref()))
            })
            .collect()
    } else {
        Vec::new()
    };
    if args.properties == PropertiesMode::Only {
        for suite in &mut suites {
            suite.cases.clear();
        }
    }
    let prepared = match prepare(&args.target, suites, &args.target.base_urls).await {
        Ok(p) => p,
        Err(code) => return code,
    };
    let plans = &prepared.plans;
    let fresh = Arc::new(Fresh::new());
    let snapshots = match snapshots::hook(&args, plans, &fresh) {
        Ok(hook) => hook,
        Err(e) => {
            prepared.stop().await;
            return usage(e);
        }
    };
    // With `--properties only` the plans hold no case to name a snapshot.
    if let Some(hook) = snapshots
        .as_ref()
        .filter(|_| args.properties != PropertiesMode::Only)
        && !args.target.quiet
    {
        match snapshots::unreferenced(hook, plans) {
            Ok(stale) if !stale.is_empty() => {
                for path in &stale {
                    eprintln!(
                        "note: {} belongs to no step of the cases (a renamed or removed case or step?)",
                        path.display()
                    );
                }
                eprintln!(
                    "note: `verity snapshots prune` deletes {}",
                    if stale.len() == 1 { "it" } else { "them" }
                );
            }
            Ok(_) => {}
            Err(e) => eprintln!("warning: {e}"),
        }
    }
    if let Some(b) = &baseline {
        for entry in b.expired() {
            eprintln!(
                "warning: {}: the known failure {} expired on {}: it fails the run again",
                entry.at,
                entry.case,
                entry.expires.map(|d| d.to_string()).unwrap_or_default()
            );
        }
    }
    let stop = Stop::new();
    let mut hooks: Vec<Arc<dyn CaseHook>> = Vec::new();
    if let Some(hook) = &snapshots {
        hooks.push(hook.clone());
    }
    // Last, so it sees what every other hook decided.
    if let Some(b) = &baseline {
        hooks.push(b.clone());
    }
    let mut run_options = RunOptions {
        jobs: args.target.jobs as usize,
        strict: args.target.strict,
        filters: args.target.filters.clone(),
        hooks,
        shard: args.shard,
        fail_fast: args.fail_fast,
        stop: stop.clone(),
        runnables: Vec::new(),
    };
    let settings = Settings {
        cases: args.property_cases,
        save_failures: args.save_failures,
        concurrency_checks: args.concurrency_checks == Switch::On,
        ..Settings::new(args.seed.unwrap_or_else(properties::random_seed))
    };
    for plan in plans {
        if let Some(spec) = specs.get(&plan.suite.name) {
            for property in properties::runnables(plan, spec, &settings) {
                let id = format!("{}::{}", plan.suite.name, property.property().case_name());
                if run::selected_id(&run_options, &id) {
                    run_options.runnables.push(property);
                }
            }
        }
    }
    if !args.target.quiet && !run_options.runnables.is_empty() {
        println!(
            "properties: seed {} (--seed {} repeats the same generated requests), {} generated cases each",
            settings.seed, settings.seed, settings.cases
        );
    }
    watch_for_stops(&stop, max_time);

    let style = style(args.target.color);
    let mut progress = progress::wanted_here(args.target.quiet).then(Progress::new);
    let out: Box<dyn std::io::Write> = match &progress {
        Some(bar) => Box::new(bar.writer(std::io::stdout())),
        None => Box::new(std::io::stdout()),
    };
    let mut console = Console::new(out, style, args.target.quiet).verbose(args.verbose);
    let mut collector = Collector::new(args.shard.map(|s| s.to_string())).spooled();
    let mut annotations = Annotations::from_env();
    let mut notes = snapshots::Notes::new(
        snapshots.clone(),
        std::io::stdout(),
        style,
        args.target.quiet,
    );
    let mut reporters: Vec<&mut dyn Reporter> = Vec::new();
    // Results are kept only for a report that will be written: otherwise
    // memory stays flat however many cases run.
    if wants_report(&args.reports) {
        reporters.push(&mut collector);
    }
    if let Some(bar) = progress.as_mut() {
        reporters.push(bar);
    }
    if let Some(a) = annotations.as_mut() {
        reporters.push(a);
    }
    // After the progress bar has cleared, before the console's summary.
    reporters.push(&mut notes);
    // The console last: its summary line ends the output.
    reporters.push(&mut console);
    let normalization = Normalization::of(plans, &fresh);
    let summary = run::run(plans, &prepared.client, &run_options, fresh, &mut reporters).await;
    let masker = plans
        .iter()
        .fold(Masker::default(), |m, p| m.merge(&p.masker));
    for doc in &mut coverage_docs {
        if let Some(observed) = plans
            .iter()
            .find(|p| p.suite.name == doc.suite)
            .and_then(|p| p.observed.as_ref())
        {
            super::coverage::fill(doc, observed);
        }
    }
    prepared.stop().await;
    let (mut report, lost) = collector.into_report();
    report.normalization = Some(normalization);
    let mut errors = publish(&report, &args.reports, &masker);
    errors.extend(lost);
    let coverage = CoverageReport::new(coverage_docs);
    errors.extend(write_coverage(&coverage, &args.reports, &masker));
    let short = args.require_coverage && !require_coverage(&coverage);
    if let Some(b) = &baseline {
        for case in b.passed() {
            eprintln!("note: {case} is listed in the baseline but passed: remove its entry");
        }
    }
    let code = finish(&errors, summary.success() && !short);
    if code != super::EXIT_USAGE && summary.stopped.as_deref() == Some(CTRL_C) {
        EXIT_INTERRUPTED
    } else {
        code
    }
}

fn write_coverage(
    coverage: &CoverageReport,
    specs: &[ReportSpec],
    masker: &Masker,
) -> Vec<crate::report::ReportError> {
    let wanted: Vec<ReportSpec> = specs
        .iter()
        .filter(|s| s.format.is_coverage())
        .cloned()
        .collect();
    output::write_each(&wanted, masker, |spec, out| {
        let text = match spec.format {
            Format::CoverageJson => report_coverage::json(coverage)?,
            _ => report_coverage::markdown(coverage),
        };
        out.write_all(text.as_bytes())
            .map_err(crate::report::WriteError::io)
    })
}

/// `--require-coverage`: says on stderr what falls short; true when nothing does.
fn require_coverage(coverage: &CoverageReport) -> bool {
    let short = coverage.shortfalls();
    for line in &short {
        eprintln!("coverage: {line}");
    }
    let exempt = coverage.unobservable();
    if !exempt.is_empty() {
        let ids: Vec<String> = exempt.iter().map(|(s, id)| format!("{s}::{id}")).collect();
        eprintln!(
            "coverage: {} unobservable statements exempt: {}",
            ids.len(),
            ids.join(", ")
        );
    }
    if short.is_empty() {
        eprintln!(
            "coverage: every must statement is checked and every documented status was observed"
        );
    } else {
        eprintln!(
            "coverage: --require-coverage fails: {} shortfall{}",
            short.len(),
            if short.len() == 1 { "" } else { "s" }
        );
    }
    short.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vars_need_a_name_and_an_equals_sign() {
        assert_eq!(parse_var("a=b=c").unwrap(), ("a".into(), "b=c".into()));
        assert_eq!(parse_var("a=").unwrap(), ("a".into(), "".into()));
        assert!(parse_var("a").is_err());
        assert!(parse_var("=b").is_err());
    }
}
