//! The HTML report of `verity report compare`: both sides at the top, the
//! line of changes, the filters (one per change) and the search, then each
//! suite's cases with their change, outcomes and times on both sides, the
//! diffs of their normalized answers, and for a failure its whole story as
//! the run report tells it.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::case::{self, outcome_name};
use super::{attr, duration_ms, esc, page, toolbar};
use crate::report::compare::{CaseChange, CaseSide, Change, Comparison, SideInfo};

pub fn render(comparison: &Comparison) -> String {
    let mut out = String::new();
    let verdict = comparison.verdict();
    let _ = writeln!(
        out,
        "<header class=\"{}\"><h1>verity comparison: {}</h1>",
        if comparison.success() {
            "passed"
        } else {
            "failed"
        },
        verdict
    );
    let _ = writeln!(
        out,
        "<p class=\"line\" id=\"counts\">{}</p>",
        esc(&comparison.line())
    );
    sides(&mut out, comparison);
    for note in &comparison.notes {
        let _ = writeln!(out, "<p class=\"stopped\">{}</p>", esc(note));
    }
    out.push_str("</header>\n");
    let counts: Vec<(String, usize)> = Change::ALL
        .iter()
        .map(|c| (c.name().to_string(), comparison.count(*c)))
        .filter(|(_, n)| *n > 0)
        .collect();
    let order: Vec<&str> = Change::ALL.iter().map(|c| c.name()).collect();
    toolbar(
        &mut out,
        &counts,
        &order,
        |name| label_of(name).to_string(),
        comparison.cases.len(),
    );
    out.push_str("<main>\n");
    let mut by_suite: BTreeMap<&str, Vec<&CaseChange>> = BTreeMap::new();
    for case in &comparison.cases {
        by_suite.entry(case.suite.as_str()).or_default().push(case);
    }
    for (suite, cases) in by_suite {
        let _ = writeln!(
            out,
            "<section class=\"group\" data-suite=\"{}\"><h2>{}</h2>",
            attr(suite),
            esc(suite)
        );
        for case in cases {
            item(&mut out, case, comparison.slower_than);
        }
        out.push_str("</section>\n");
    }
    out.push_str("</main>\n");
    page(&format!("verity comparison: {verdict}"), &out)
}

fn label_of(name: &str) -> &'static str {
    Change::ALL
        .iter()
        .find(|c| c.name() == name)
        .map_or("other", |c| c.label())
}

fn sides(out: &mut String, comparison: &Comparison) {
    out.push_str("<table class=\"suites\"><thead><tr><th></th><th>reports</th><th>verity</th><th>started</th><th>duration</th><th>runs</th><th>result</th><th>targets</th></tr></thead><tbody>\n");
    for (name, side) in [("old", &comparison.old), ("new", &comparison.new)] {
        side_row(out, name, side);
    }
    out.push_str("</tbody></table>\n");
}

fn side_row(out: &mut String, name: &str, side: &SideInfo) {
    let targets: Vec<String> = side
        .suites
        .iter()
        .map(|s| format!("{} {}", s.name, s.base_url))
        .collect();
    let _ = writeln!(
        out,
        "<tr><th>{}</th><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td><code>{}</code></td></tr>",
        esc(name),
        esc(&side.files.join(" ")),
        esc(&side.verity),
        esc(&side.started_at),
        duration_ms(side.duration_ms),
        side.runs,
        esc(&side.summary.line()),
        esc(&targets.join(", "))
    );
}

fn outcome_text(side: Option<&CaseSide>) -> String {
    match side {
        None => "—".into(),
        Some(s) if s.runs > 1 && s.failed_runs > 0 => {
            format!(
                "{} ({} of {} runs failed)",
                outcome_name(s.outcome),
                s.failed_runs,
                s.runs
            )
        }
        Some(s) => outcome_name(s.outcome),
    }
}

fn item(out: &mut String, case: &CaseChange, factor: f64) {
    let open = matches!(
        case.change,
        Change::NewlyFailing | Change::FailingDifferently | Change::NewlyWarning
    );
    let _ = write!(
        out,
        "<details class=\"item\" data-kind=\"{}\" id=\"{}\"{}><summary><span class=\"badge\">{}</span> <span class=\"id\">{}</span> <span class=\"outcomes\">{} → {}</span>",
        attr(case.change.name()),
        attr(&case::anchor(&case.id)),
        if open { " open" } else { "" },
        esc(&case.change.label().to_uppercase()),
        esc(&case.id),
        esc(&outcome_text(case.old.as_ref())),
        esc(&outcome_text(case.new.as_ref()))
    );
    let times = match (&case.old, &case.new) {
        (Some(o), Some(n)) => format!(
            "{} → {}",
            duration_ms(o.duration_ms),
            duration_ms(n.duration_ms)
        ),
        (Some(o), None) => duration_ms(o.duration_ms),
        (None, Some(n)) => duration_ms(n.duration_ms),
        (None, None) => String::new(),
    };
    let _ = write!(out, " <span class=\"ms\">{}</span>", esc(&times));
    if let Some(ratio) = case.slower {
        let _ = write!(
            out,
            " <span class=\"tag slow\">slower {ratio:.1}× (over {factor}×)</span>"
        );
    }
    if !case.answers.is_empty() {
        out.push_str(" <span class=\"tag answers\">answers differ</span>");
    }
    out.push_str("</summary><div class=\"body\">\n");
    let _ = writeln!(
        out,
        "<p class=\"loc\">{}:{}</p>",
        esc(&case.file),
        case.line
    );
    if !case.doc.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"doc\"><b>Documented:</b> {}</p>",
            esc(&case.doc)
        );
    }
    for (name, side) in [("old", &case.old), ("new", &case.new)] {
        if let Some(failure) = side.as_ref().and_then(|s| s.failure.as_ref()) {
            let _ = writeln!(
                out,
                "<p class=\"failure\"><b>{name}:</b> {}</p>",
                esc(failure)
            );
        }
        if let Some(why) = side.as_ref().and_then(|s| s.skip_reason.as_ref()) {
            let _ = writeln!(
                out,
                "<p class=\"why\"><b>{name}:</b> skipped: {}</p>",
                esc(why)
            );
        }
    }
    for answer in &case.answers {
        let _ = writeln!(
            out,
            "<div class=\"block\"><h4>step <code>{}</code>: the normalized answers differ</h4>",
            esc(&answer.step)
        );
        super::diff(out, &answer.old, &answer.new, "old", "new");
        out.push_str("</div>\n");
    }
    if let Some(detail) = &case.detail {
        let side = if case.change == Change::Fixed {
            "old"
        } else {
            "new"
        };
        let _ = writeln!(
            out,
            "<div class=\"block detail\"><h4>the {side} run of the case</h4>"
        );
        case::body(out, detail);
        out.push_str("</div>\n");
    }
    out.push_str("</div></details>\n");
}
