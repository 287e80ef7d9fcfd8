//! What `verity run` and `verity report merge` do with a finished report:
//! write the files asked for, publish to GitHub Actions, print the verdict.

use std::io::Write;

use super::args::{Color, CompareArgs, MergeArgs};
use super::{EXIT_FAILED, EXIT_USAGE};
use crate::report::compare::{self, CompareError, Side, text};
use crate::report::console::Console;
use crate::report::error::SpecError;
use crate::report::github::{self, Actions};
use crate::report::output::Format;
use crate::report::output::{self, ReportSpec};
use crate::report::style::{ColorChoice, Style};
use crate::report::{Report, ReportError, WriteError, html, json, merge};
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
pub fn check_specs(specs: &[ReportSpec]) -> Result<(), SpecError> {
    for (i, spec) in specs.iter().enumerate() {
        spec.check()?;
        if specs[..i].iter().any(|s| s.path == spec.path) {
            return Err(SpecError::NamedTwice {
                path: spec.path.clone(),
            });
        }
    }
    Ok(())
}

/// Writes the reports and the GitHub step summary; returns the problems.
pub fn publish(report: &Report, specs: &[ReportSpec], masker: &Masker) -> Vec<ReportError> {
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
    if let Err(e) = check_specs(&args.reports).and_then(|()| {
        output::refuse_formats(
            &args.reports,
            &[Format::Junit, Format::Json, Format::Markdown, Format::Html],
            "verity report merge",
        )
    }) {
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

/// `verity report compare`.
pub fn compare(args: CompareArgs) -> u8 {
    let checked = check_specs(&args.reports).and_then(|()| {
        output::refuse_formats(
            &args.reports,
            &[Format::Markdown, Format::Html, Format::Json],
            "verity report compare",
        )
    });
    if let Err(e) = checked {
        return super::usage(e);
    }
    let factor = match compare::parse_factor(&args.slower_than) {
        Ok(f) => f,
        Err(e) => return super::usage(format!("--slower-than {e}")),
    };
    let (mut old, mut new) = (Vec::new(), Vec::new());
    match args.reports_pair.as_slice() {
        [] => {}
        [a, b] => {
            old.push(a.clone());
            new.push(b.clone());
        }
        _ => {
            return super::usage(
                "name two reports, OLD.json NEW.json, or each side's with --old and --new",
            );
        }
    }
    old.extend(args.old.iter().cloned());
    new.extend(args.new.iter().cloned());
    if old.is_empty() || new.is_empty() {
        return super::usage(
            "name two reports, OLD.json NEW.json, or each side's with --old and --new",
        );
    }
    let read_side = |paths: &[std::path::PathBuf]| -> Result<Side, CompareError> {
        let mut reports = Vec::new();
        for path in paths {
            reports.push((path.clone(), json::read(path)?));
        }
        Side::of(reports)
    };
    let sides = read_side(&old).and_then(|o| read_side(&new).map(|n| (o, n)));
    let comparison = match sides.and_then(|(o, n)| compare::compare(o, n, factor)) {
        Ok(c) => c,
        Err(e) => return super::usage(e),
    };
    let style = style(args.color);
    let mut out = std::io::stdout();
    let mut printed = text::head(&comparison);
    for case in &comparison.cases {
        printed.push_str(&text::case(case, &style, args.quiet));
    }
    printed.push_str(&text::summary(&comparison, &style));
    let _ = out.write_all(printed.as_bytes());
    let _ = out.flush();
    // The reports compared were masked when written; this command knows no
    // secret of its own to mask.
    let errors = output::write_each(&args.reports, &Masker::default(), |spec, out| {
        let text = match spec.format {
            Format::Json => json::pretty(&comparison, "comparison")?,
            Format::Markdown => text::markdown(&comparison),
            Format::Html => html::compare::render(&comparison),
            Format::Junit => {
                return Err(WriteError::Unsupported {
                    command: "verity report compare",
                    format: "JUnit",
                });
            }
            Format::CoverageJson | Format::CoverageMarkdown => {
                return Err(WriteError::Unsupported {
                    command: "verity report compare",
                    format: "coverage report",
                });
            }
        };
        out.write_all(text.as_bytes()).map_err(WriteError::io)
    });
    finish(&errors, comparison.success())
}

/// The exit status once the reports are out.
pub fn finish(errors: &[ReportError], success: bool) -> u8 {
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
