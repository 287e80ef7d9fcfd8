//! `verity diff`: the same cases against two targets (A: --base-url, or the
//! embedded servers; B: --against), compared on their normalized answers.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

use regex::Regex;

use super::args::DiffArgs;
use super::report::style;
use super::run::{Prepared, load, prepare, targeted_suites};
use super::{EXIT_FAILED, usage};
use crate::case::model::SnapshotSpec;
use crate::report::comparison;
use crate::run::{self, CaseResult, Event, Fresh, Reporter, RunOptions, SuitePlan};
use crate::snapshot::compare::{Agreement, CaseComparison, Side, compare_case};

/// Keeps every finished case, by `suite::case`.
#[derive(Default)]
struct Collect(HashMap<String, CaseResult>);

impl Reporter for Collect {
    fn event(&mut self, event: &Event<'_>) {
        if let Event::CaseFinished(case) = event {
            self.0.insert(case.id(), (*case).clone());
        }
    }
}

fn describe_target(plan: &SuitePlan) -> String {
    let url = plan.masker.mask(plan.target.base_url.as_str());
    if plan.target.embedded {
        format!("{url} (embedded reference server)")
    } else {
        url
    }
}

pub async fn diff(args: DiffArgs) -> u8 {
    let run_args = &args.target;
    // Only suites with a second target are compared.
    let suites = match targeted_suites(&args.against) {
        None => run_args.suites.clone(),
        Some(named) if run_args.suites.is_empty() => named,
        Some(named) => {
            let both: Vec<String> = named
                .into_iter()
                .filter(|n| run_args.suites.contains(n))
                .collect();
            if both.is_empty() {
                return usage(
                    "no suite both selected with --suite and given a target with --against",
                );
            }
            both
        }
    };
    // Each side loads the suites: a plan owns its suite.
    let loaded_a = match load(run_args, &suites) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let loaded_b = match load(run_args, &suites) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let a = match prepare(run_args, loaded_a, &run_args.base_urls).await {
        Ok(p) => p,
        Err(code) => return code,
    };
    let b = match prepare(run_args, loaded_b, &args.against).await {
        Ok(p) => p,
        Err(code) => {
            a.stop().await;
            return code;
        }
    };
    let code = compare_targets(&args, &a, &b).await;
    a.stop().await;
    b.stop().await;
    code
}

async fn compare_targets(args: &DiffArgs, a: &Prepared, b: &Prepared) -> u8 {
    let style = style(args.target.color);
    let mut out = std::io::stdout().lock();
    let options = RunOptions {
        jobs: args.target.jobs as usize,
        strict: args.target.strict,
        filters: args.target.filters.clone(),
        ..RunOptions::default()
    };
    let total: usize = a
        .plans
        .iter()
        .map(|p| run::selected_cases(&options, p))
        .sum();
    if !args.target.quiet {
        let _ = writeln!(
            out,
            "verity diff — {total} cases in {} suites",
            a.plans.len()
        );
        for (pa, pb) in a.plans.iter().zip(&b.plans) {
            let _ = writeln!(out, "  {}: A {}", pa.suite.name, describe_target(pa));
            let _ = writeln!(out, "  {}: B {}", pb.suite.name, describe_target(pb));
        }
        let _ = writeln!(out);
        let _ = out.flush();
    }

    let (fresh_a, fresh_b) = (Arc::new(Fresh::new()), Arc::new(Fresh::new()));
    let patterns = [fresh_a.pattern(), fresh_b.pattern()].map(|p| Regex::new(&p));
    let [Ok(pattern_a), Ok(pattern_b)] = patterns else {
        return usage("cannot build the fresh-value patterns");
    };
    let (mut collect_a, mut collect_b) = (Collect::default(), Collect::default());
    {
        let mut reporters_a: [&mut dyn Reporter; 1] = [&mut collect_a];
        let mut reporters_b: [&mut dyn Reporter; 1] = [&mut collect_b];
        tokio::join!(
            run::run(&a.plans, &a.client, &options, fresh_a, &mut reporters_a),
            run::run(&b.plans, &b.client, &options, fresh_b, &mut reporters_b),
        );
    }

    let no_spec = SnapshotSpec::default();
    let mut comparisons = Vec::new();
    for (pa, pb) in a.plans.iter().zip(&b.plans) {
        let spec = pa.suite.snapshots.as_ref().unwrap_or(&no_spec);
        let (label_a, label_b) = (describe_target(pa), describe_target(pb));
        for case in pa
            .suite
            .cases
            .iter()
            .filter(|c| run::selected(&options, &pa.suite.name, c))
        {
            let id = format!("{}::{}", pa.suite.name, case.name);
            let (Some(ra), Some(rb)) = (collect_a.0.get(&id), collect_b.0.get(&id)) else {
                continue;
            };
            let comparison = CaseComparison {
                verdict: compare_case(
                    case,
                    spec,
                    &Side {
                        result: ra,
                        fresh: &pattern_a,
                    },
                    &Side {
                        result: rb,
                        fresh: &pattern_b,
                    },
                ),
                id,
            };
            let _ = write!(
                out,
                "{}",
                comparison::case(&comparison, &label_a, &label_b, &style, args.target.quiet)
            );
            comparisons.push(comparison);
        }
    }
    let _ = write!(out, "{}", comparison::summary(&comparisons, &style));
    let _ = out.flush();
    if Agreement::of(&comparisons).differ == 0 {
        0
    } else {
        EXIT_FAILED
    }
}
