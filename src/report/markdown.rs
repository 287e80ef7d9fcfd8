//! The Markdown report: what a person reads to act on a regression. A
//! summary table per suite, then each failure with what was expected, what
//! came back (a diff for bodies), and the requests that reproduce it as
//! `curl` commands; then the known failures and the skipped cases.

use std::fmt::Write;

use super::console::{describe_step, describe_warnings};
use super::curl;
use super::document::Report;
use super::style::Style;
use crate::run::result::{CaseResult, Outcome};

/// GitHub refuses step summaries over 1 MiB; a report over this is cut to
/// its tables and list of failures, saying so.
pub const SUMMARY_LIMIT: usize = 1024 * 1024 - 4096;

pub fn render(report: &Report) -> String {
    let mut out = head(report);
    failures(report, &mut out);
    warnings(report, &mut out);
    known_and_skipped(report, &mut out);
    out
}

/// The tables and the names of the failures, with no details: for places
/// with a size limit such as GitHub's step summary.
pub fn render_brief(report: &Report, why: &str) -> String {
    let mut out = head(report);
    let _ = writeln!(out, "> {why}\n");
    let failed: Vec<&CaseResult> = failed(report).collect();
    if !failed.is_empty() {
        out.push_str("## Failures\n\n");
        for case in failed {
            let _ = writeln!(out, "- `{}` ({})", case.id(), location(case));
        }
        out.push('\n');
    }
    out
}

/// The full report when it fits in `limit` bytes, else the brief one.
pub fn render_within(report: &Report, limit: usize) -> String {
    let full = render(report);
    if full.len() <= limit {
        return full;
    }
    render_brief(
        report,
        &format!(
            "The full report ({} KiB) is over the {} KiB this page takes: failure details are left out here; see the Markdown or JSON report file.",
            full.len() / 1024,
            limit / 1024
        ),
    )
}

fn failed(report: &Report) -> impl Iterator<Item = &CaseResult> {
    report
        .results
        .iter()
        .filter(|r| r.outcome == Outcome::Failed)
}

fn location(case: &CaseResult) -> String {
    format!("`{}:{}`", case.source.file.display(), case.source.line)
}

fn head(report: &Report) -> String {
    let mut out = String::new();
    let verdict = if report.success() {
        "✅ passed"
    } else {
        "❌ failed"
    };
    let _ = writeln!(out, "# verity conformance report: {verdict}\n");
    let s = &report.summary;
    let mut line = format!(
        "**{}** of {} cases in {:.1} s",
        report.summary.line(),
        s.total(),
        report.duration_ms as f64 / 1000.0
    );
    if s.known > 0 {
        let _ = write!(line, " · {} known failure(s) from the baseline", s.known);
    }
    let _ = writeln!(out, "{line}  ");
    let mut about = format!("verity {} · started {}", report.verity, report.started_at);
    if !report.shards.is_empty() {
        let _ = write!(about, " · shards {}", report.shards.join(", "));
    }
    let _ = writeln!(out, "{about}\n");
    if let Some(why) = &report.stopped {
        let _ = writeln!(
            out,
            "> **The run stopped early:** {}. Cases it did not finish are listed as skipped.\n",
            cell(why)
        );
    }
    out.push_str("| suite | server | passed | failed | warnings | known | skipped |\n");
    out.push_str("|---|---|---:|---:|---:|---:|---:|\n");
    for suite in &report.suites {
        let c = super::document::Counts::of(report.suite_results(&suite.name));
        let server = target(suite);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            cell(&suite.name),
            cell(&server),
            c.passed,
            c.failed,
            c.warned,
            c.known,
            c.skipped
        );
    }
    out.push('\n');
    out
}

fn failures(report: &Report, out: &mut String) {
    let failed: Vec<&CaseResult> = failed(report).collect();
    if failed.is_empty() {
        return;
    }
    out.push_str("## Failures\n\n");
    if failed.iter().flat_map(|c| &c.steps).any(|s| {
        s.request.headers.iter().any(|(_, v)| v.contains("***")) || s.request.url.contains("***")
    }) {
        out.push_str("`***` stands for a secret variable's value: put yours in its place to replay a request.\n\n");
    }
    for case in failed {
        let _ = writeln!(out, "### ❌ `{}`\n", case.id());
        let _ = writeln!(out, "{}  ", location(case));
        if !case.doc.is_empty() {
            let _ = writeln!(out, "Documented: {}  ", inline(&case.doc));
        }
        if !case.description.is_empty() {
            let _ = writeln!(out, "{}", inline(&case.description));
        }
        if let Some(seed) = case.seed {
            let _ = writeln!(out, "Seed: `{seed}` (replays the generated inputs)");
        }
        out.push('\n');
        for step in case.failed_steps() {
            out.push_str(&fenced("text", &describe_step(step, &Style::plain())));
        }
        let commands = curl::reproduce(case);
        if !commands.is_empty() {
            let _ = writeln!(
                out,
                "Reproduce ({}):\n",
                if commands.len() == 1 {
                    "the failing request".to_string()
                } else {
                    format!(
                        "the case's {} requests, in order; later ones use what earlier ones created",
                        commands.len()
                    )
                }
            );
            out.push_str(&fenced("sh", &commands.join("\n\n")));
        }
    }
}

/// Cases that passed with advisory checks failed: what the docs show only
/// in an example (a message's wording, a sample value) differs.
fn warnings(report: &Report, out: &mut String) {
    let warned: Vec<&CaseResult> = report
        .results
        .iter()
        .filter(|r| r.outcome == Outcome::Warned)
        .collect();
    if warned.is_empty() {
        return;
    }
    out.push_str("## Warnings\n\n");
    out.push_str("Advisory checks failed: they check what the docs only show in an example, so they do not fail the run (`--strict` makes them fail).\n\n");
    for case in warned {
        let _ = writeln!(out, "### ⚠️ `{}`\n", case.id());
        let _ = writeln!(out, "{}  \n", location(case));
        out.push_str(&fenced("text", &describe_warnings(case, &Style::plain())));
    }
}

fn known_and_skipped(report: &Report, out: &mut String) {
    let known: Vec<&CaseResult> = report
        .results
        .iter()
        .filter(|r| r.outcome == Outcome::KnownFailure)
        .collect();
    if !known.is_empty() {
        out.push_str("## Known failures (baseline)\n\n| case | reason | until | fails at |\n|---|---|---|---|\n");
        for case in known {
            let entry = case.known.as_ref();
            let at = case
                .failed_step()
                .map(|s| format!("step `{}`", s.name))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} |",
                case.id(),
                cell(entry.map_or("", |k| k.reason.as_str())),
                cell(entry.and_then(|k| k.expires.as_deref()).unwrap_or("")),
                cell(&at)
            );
        }
        out.push('\n');
    }
    let skipped: Vec<&CaseResult> = report
        .results
        .iter()
        .filter(|r| r.outcome == Outcome::Skipped)
        .collect();
    if !skipped.is_empty() {
        out.push_str("## Skipped\n\n| case | why |\n|---|---|\n");
        for case in skipped {
            let _ = writeln!(
                out,
                "| `{}` | {} |",
                case.id(),
                cell(case.skip_reason.as_deref().unwrap_or(""))
            );
        }
        out.push('\n');
    }
}

/// Where a suite's requests went: `URL`, or `URL (embedded)`.
pub(crate) fn target(suite: &crate::run::SuiteInfo) -> String {
    if suite.embedded {
        format!("{} (embedded)", suite.base_url)
    } else {
        suite.base_url.clone()
    }
}

/// Text for a table cell: one line, pipes escaped.
pub(crate) fn cell(text: &str) -> String {
    inline(text).replace('|', r"\|")
}

/// Text on one line.
pub(crate) fn inline(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A fenced code block whose fence no line of the text can close.
pub(crate) fn fenced(lang: &str, text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}{lang}\n{}\n{fence}\n\n", text.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_outgrow_the_backticks_inside() {
        assert_eq!(fenced("sh", "echo hi"), "```sh\necho hi\n```\n\n");
        assert!(fenced("text", "a ```` b").starts_with("`````text\n"));
    }

    #[test]
    fn cells_stay_on_one_line_and_keep_pipes() {
        assert_eq!(cell("a | b\nc"), r"a \| b c");
    }
}
