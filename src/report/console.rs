//! The console reporter: a line per case as it finishes, the details of each
//! failure (expected against actual, the request, the answer), and the
//! summary line `N passed, N failed[, N skipped]` last.

use std::io::Write;

use super::diff::expected_actual;
use super::style::Style;
use crate::check::CheckResult;
use crate::check::json::excerpt;
use crate::run::result::{CaseResult, Outcome, PropertyReport, StepResult};
use crate::run::{Event, Reporter};

pub struct Console<W: Write> {
    out: W,
    style: Style,
    /// Print only failures and the summary.
    quiet: bool,
    /// Also print each passing case's requests and checks.
    verbose: bool,
}

impl<W: Write> Console<W> {
    pub fn new(out: W, style: Style, quiet: bool) -> Console<W> {
        Console {
            out,
            style,
            quiet,
            verbose: false,
        }
    }

    /// Show the steps and checks of passing cases too (`-v`).
    pub fn verbose(mut self, verbose: bool) -> Console<W> {
        self.verbose = verbose;
        self
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

pub(crate) fn indent(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    text.lines().map(|l| format!("{pad}{l}\n")).collect()
}

/// The lines describing a failed check (a warning, when it is advisory).
pub fn describe_check(check: &CheckResult, style: &Style) -> String {
    let mut out = String::new();
    let mut head = if check.advisory {
        format!(
            "⚠ {} (warning: the docs show this only in an example)",
            check.subject
        )
    } else {
        format!("✗ {}", check.subject)
    };
    if let Some(path) = check
        .path
        .as_ref()
        .filter(|p| !check.subject.contains(p.as_str()))
    {
        head.push_str(&format!(" at {path}"));
    }
    if let Some(src) = &check.source {
        head.push_str(&style.dim(&format!("  ({src})")));
    }
    out.push_str(&head);
    out.push('\n');
    if let Some(message) = &check.message {
        out.push_str(&indent(message, 4));
    }
    if check.alternatives.is_empty() {
        out.push_str(&indent(
            &expected_actual(&check.expected, &check.actual, style),
            4,
        ));
    } else {
        for (i, alternative) in check.alternatives.iter().enumerate() {
            out.push_str(&format!("    alternative {}:\n", i + 1));
            for c in alternative.iter().filter(|c| !c.passed) {
                out.push_str(&indent(&describe_check(c, style), 6));
            }
        }
    }
    out
}

/// The warnings of a case: each step with an advisory check that failed,
/// and those checks.
pub fn describe_warnings(case: &CaseResult, style: &Style) -> String {
    let mut out = String::new();
    for step in case.warned_steps() {
        out.push_str(&format!(
            "step `{}`: {} {}{}  {}\n",
            step.name,
            step.request.method,
            step.request.url,
            answered(step),
            style.dim(&format!("({})", step.source))
        ));
        for check in step.checks.iter().filter(|c| c.warns()) {
            out.push_str(&indent(&describe_check(check, style), 2));
        }
    }
    out
}

/// ` → 200`, ` → no answer`, or nothing for a request never sent.
pub fn answered(step: &StepResult) -> String {
    match (&step.response, &step.error) {
        (Some(r), _) => format!(" → {}", r.status),
        (None, Some(_)) => " → no answer".to_string(),
        _ => String::new(),
    }
}

pub fn describe_step(step: &StepResult, style: &Style) -> String {
    let mut out = String::new();
    let answer = answered(step);
    out.push_str(&format!(
        "step `{}`: {} {}{}  {}\n",
        step.name,
        step.request.method,
        step.request.url,
        answer,
        style.dim(&format!("({})", step.source))
    ));
    for retry in &step.retries {
        out.push_str(&indent(&style.dim(&format!("retried: {retry}")), 2));
    }
    if let Some(error) = &step.error {
        out.push_str(&indent(&style.fail(error), 2));
    }
    for check in step.checks.iter().filter(|c| !c.passed) {
        out.push_str(&indent(&describe_check(check, style), 2));
    }
    if let Some(body) = &step.request.body {
        out.push_str(&indent(
            &format!("request body: {}", excerpt(body.as_bytes(), 1000)),
            2,
        ));
    }
    if let Some(response) = &step.response {
        let body = if response.body.is_empty() {
            "(empty)".to_string()
        } else {
            excerpt(response.body.as_bytes(), 1000)
        };
        out.push_str(&indent(&format!("response body: {body}"), 2));
    }
    out
}

/// What a failed property run adds: how far it got, and the shrunk
/// counterexample as a case file.
pub fn describe_property(property: &PropertyReport, seed: Option<u64>) -> String {
    let seed_text = seed.map(|s| format!("seed {s}: ")).unwrap_or_default();
    let mut out = format!(
        "{seed_text}{} generated case{} passed before one failed",
        property.cases_passed,
        if property.cases_passed == 1 { "" } else { "s" }
    );
    let Some(example) = &property.counterexample else {
        out.push('\n');
        return out;
    };
    out.push_str(&format!(
        "; shrunk in {} step{}{}\n",
        example.shrink_steps,
        if example.shrink_steps == 1 { "" } else { "s" },
        if example.shrink_limited {
            " (shrinking stopped at its limit: a smaller one may exist)"
        } else {
            ""
        }
    ));
    let repeat = seed
        .map(|s| format!("--seed {s} repeats the run; "))
        .unwrap_or_default();
    match (&example.saved_to, &example.save_error) {
        (Some(path), _) => out.push_str(&format!(
            "counterexample, saved as {path} (`verity run` now runs it):\n"
        )),
        (None, Some(error)) => {
            out.push_str(&format!("counterexample (not saved: {error}):\n"))
        }
        (None, None) => out.push_str(&format!(
            "counterexample ({repeat}--save-failures keeps it under the suite's regressions/ for `verity run`):\n"
        )),
    }
    out.push_str(&indent(&example.case_file, 2));
    out
}

/// `, retried` when a step needed more than one attempt.
fn retried_note(case: &CaseResult) -> String {
    let extra: u32 = case
        .steps
        .iter()
        .map(|s| s.attempts.saturating_sub(1))
        .sum();
    match extra {
        0 => String::new(),
        1 => ", 1 retry".into(),
        n => format!(", {n} retries"),
    }
}

/// A passing step for `-v`: the request, the answer and each check.
fn passed_step(step: &StepResult, style: &Style) -> String {
    let status = step
        .response
        .as_ref()
        .map(|r| format!(" → {}", r.status))
        .unwrap_or_default();
    let mut out = format!(
        "step `{}`: {} {}{status}  {}\n",
        step.name,
        step.request.method,
        step.request.url,
        style.dim(&format!("({} ms)", step.duration.as_millis()))
    );
    for retry in &step.retries {
        out.push_str(&indent(&style.dim(&format!("retried: {retry}")), 2));
    }
    for check in &step.checks {
        out.push_str(&indent(
            &format!("✓ {}: {}", check.subject, check.expected),
            2,
        ));
    }
    out
}

impl<W: Write> Console<W> {
    fn case(&mut self, case: &CaseResult) {
        let s = self.style;
        let millis = case.duration.as_millis();
        let mut line = match case.outcome {
            Outcome::Passed if self.quiet => return,
            Outcome::Passed => {
                let mut text = format!(
                    "{}  {}  {}",
                    s.pass("PASS"),
                    case.id(),
                    s.dim(&match (&case.property, case.seed) {
                        (Some(p), Some(seed)) => format!(
                            "({} generated cases, seed {seed}; {millis} ms{})",
                            p.cases_passed,
                            retried_note(case)
                        ),
                        _ => format!("({millis} ms{})", retried_note(case)),
                    })
                );
                if self.verbose {
                    for step in &case.steps {
                        text.push('\n');
                        text.push_str(indent(&passed_step(step, &s), 6).trim_end());
                    }
                }
                text
            }
            Outcome::KnownFailure => {
                let known = case.known.as_ref();
                format!(
                    "{}  {}  {}",
                    s.skip("KNOWN"),
                    case.id(),
                    s.dim(&format!(
                        "known failure: {}{}",
                        known.map_or("", |k| k.reason.as_str()),
                        known
                            .and_then(|k| k.expires.as_deref())
                            .map(|d| format!(" (until {d})"))
                            .unwrap_or_default()
                    ))
                )
            }
            Outcome::Warned => {
                let mut text = format!(
                    "{}  {}  {}\n",
                    s.skip("WARN"),
                    case.id(),
                    s.dim(&format!("({millis} ms)"))
                );
                text.push_str(&indent(&s.dim(&case.source.to_string()), 6));
                text.push_str(&indent(&describe_warnings(case, &s), 6));
                text.trim_end().to_string()
            }
            Outcome::Skipped if self.quiet => return,
            Outcome::Skipped => format!(
                "{}  {}  {}",
                s.skip("SKIP"),
                case.id(),
                s.dim(case.skip_reason.as_deref().unwrap_or(""))
            ),
            Outcome::Failed => {
                let mut text = format!(
                    "{}  {}  {}\n",
                    s.fail("FAIL"),
                    case.id(),
                    s.dim(&format!("({millis} ms)"))
                );
                text.push_str(&indent(&s.dim(&case.source.to_string()), 6));
                if !case.doc.is_empty() {
                    text.push_str(&indent(&format!("documented: {}", case.doc), 6));
                }
                for step in case.failed_steps() {
                    text.push_str(&indent(&describe_step(step, &s), 6));
                }
                if let Some(property) = &case.property {
                    text.push_str(&indent(&describe_property(property, case.seed), 6));
                }
                text.trim_end().to_string()
            }
        };
        for note in case.property.iter().flat_map(|p| &p.notes) {
            line.push('\n');
            line.push_str(indent(&s.dim(&format!("note: {note}")), 6).trim_end());
        }
        let _ = writeln!(self.out, "{line}");
    }
}

impl<W: Write> Reporter for Console<W> {
    fn event(&mut self, event: &Event<'_>) {
        match event {
            Event::RunStarted { suites, total } => {
                if self.quiet {
                    return;
                }
                let _ = writeln!(
                    self.out,
                    "verity {} — {total} cases in {} suites",
                    env!("CARGO_PKG_VERSION"),
                    suites.len()
                );
                for suite in suites.iter() {
                    let embedded = if suite.embedded {
                        " (embedded reference server)"
                    } else {
                        ""
                    };
                    let _ = writeln!(
                        self.out,
                        "  {}: {} cases against {}{embedded}",
                        suite.name, suite.cases, suite.base_url
                    );
                }
                let _ = writeln!(self.out);
            }
            Event::CaseStarted { .. } => {}
            Event::CaseFinished(case) => self.case(case),
            Event::RunFinished(summary) => {
                let s = self.style;
                let _ = writeln!(self.out);
                if !summary.failures.is_empty() {
                    let _ = writeln!(self.out, "{}", s.bold("Failed:"));
                    for id in &summary.failures {
                        let _ = writeln!(self.out, "  {id}");
                    }
                }
                if !summary.warnings.is_empty() {
                    let _ = writeln!(
                        self.out,
                        "{}",
                        s.bold("Warnings (advisory checks; they fail the run only with --strict):")
                    );
                    for id in &summary.warnings {
                        let _ = writeln!(self.out, "  {id}");
                    }
                }
                if summary.counts.known > 0 {
                    let _ = writeln!(
                        self.out,
                        "{}",
                        s.skip(&format!(
                            "{} known failure{} (listed in the baseline)",
                            summary.counts.known,
                            if summary.counts.known == 1 { "" } else { "s" }
                        ))
                    );
                }
                if let Some(why) = &summary.stopped {
                    let _ = writeln!(self.out, "{}", s.fail(&format!("run stopped: {why}")));
                }
                let _ = writeln!(
                    self.out,
                    "{}",
                    s.dim(&format!(
                        "finished in {:.2} s",
                        summary.duration.as_secs_f64()
                    ))
                );
                let line = summary.line();
                let painted = if summary.counts.failed > 0 {
                    s.fail(&line)
                } else {
                    s.pass(&line)
                };
                let _ = writeln!(self.out, "{painted}");
                let _ = self.out.flush();
            }
        }
    }
}
