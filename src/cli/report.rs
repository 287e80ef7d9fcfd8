//! What `verity run` and `verity report merge` do with a finished report:
//! write the files asked for, publish to GitHub Actions, print the verdict.

use std::io::Write;

use super::args::{Color, MergeArgs};
use super::{EXIT_FAILED, EXIT_USAGE};
use crate::report::console::Console;
use crate::report::github::{self, Actions};
use crate::report::output::{self, ReportSpec};
use crate::report::style::{ColorChoice, Style};
use crate::report::{Report, json, merge};
use crate::run::secrets::Masker;
use crate::run::{Event, Reporter, Summary};

pub fn style(color: Color) -> Style {
    Style::for_stdout(match color {
        Color::Auto => ColorChoice::Auto,
        Color::Always => ColorChoice::Always,
        Color::Never => ColorChoice::Never,
    })
}

/// Checks every `--report` up front, so a typo does not cost a whole run.
pub fn check_specs(specs: &[ReportSpec]) -> Result<(), String> {
    for (i, spec) in specs.iter().enumerate() {
        spec.check()?;
        if specs[..i].iter().any(|s| s.path == spec.path) {
            return Err(format!("--report {}: named twice", spec.path.display()));
        }
    }
    Ok(())
}

/// Writes the reports and the GitHub step summary; returns the problems.
pub fn publish(report: &Report, specs: &[ReportSpec], masker: &Masker) -> Vec<String> {
    let mut errors = output::write_all(report, specs, masker);
    if let Some(actions) = Actions::from_env()
        && let Err(e) = actions.publish_summary(report, masker)
    {
        errors.push(e);
    }
    errors
}

/// Under GitHub Actions: an annotation per failure, as cases finish.
pub struct Annotations {
    actions: Actions,
}

impl Annotations {
    pub fn from_env() -> Option<Annotations> {
        Actions::from_env().map(|actions| Annotations { actions })
    }
}

impl Reporter for Annotations {
    fn event(&mut self, event: &Event<'_>) {
        if let Event::CaseFinished(case) = event
            && let Some(line) = github::annotation(case, self.actions.workspace.as_deref())
        {
            let mut out = std::io::stdout();
            let _ = out.write_all(line.as_bytes());
            let _ = out.flush();
        }
    }
}

/// `verity report merge`.
pub fn merge(args: MergeArgs) -> u8 {
    if let Err(e) = check_specs(&args.reports) {
        return super::usage(e);
    }
    let mut inputs = Vec::new();
    for path in &args.inputs {
        match json::read(path) {
            Ok(report) => inputs.push((path.clone(), report)),
            Err(e) => return super::usage(e),
        }
    }
    let report = match merge::merge(inputs) {
        Ok(r) => r,
        Err(e) => return super::usage(e),
    };
    // Replay the merged cases through the console, as a run would print them.
    let mut console = Console::new(std::io::stdout(), style(args.color), args.quiet);
    let mut annotations = Annotations::from_env();
    let mut summary = Summary {
        duration: std::time::Duration::from_millis(report.duration_ms),
        ..Summary::default()
    };
    console.event(&Event::RunStarted {
        suites: &report.suites,
        total: report.results.len(),
    });
    for case in &report.results {
        summary.add(case);
        console.event(&Event::CaseFinished(case));
        if let Some(a) = annotations.as_mut() {
            a.event(&Event::CaseFinished(case));
        }
    }
    summary.stopped = report.stopped.clone();
    let errors = publish(&report, &args.reports, &Masker::default());
    console.event(&Event::RunFinished(&summary));
    finish(&errors, report.success())
}

/// The exit status once the reports are out.
pub fn finish(errors: &[String], success: bool) -> u8 {
    for e in errors {
        eprintln!("error: {e}");
    }
    if !errors.is_empty() {
        EXIT_USAGE
    } else if success {
        0
    } else {
        EXIT_FAILED
    }
}
