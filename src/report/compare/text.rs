//! The comparison as text: the console's lines (a line per case that
//! changed, the answers' diffs, the summary line last) and the Markdown
//! report (the verdict, both sides, the counts, then each change's cases).

use std::fmt::Write;

use super::{CaseChange, CaseSide, Change, Comparison, SideInfo};
use crate::report::console::indent;
use crate::report::diff::unified_between;
use crate::report::html::case::outcome_name;
use crate::report::markdown::{cell, fenced, inline};
use crate::report::style::Style;

/// Whether a case is worth a line: it changed, got slower, or answers differently.
fn notable(case: &CaseChange) -> bool {
    case.change != Change::Unchanged || case.slower.is_some() || !case.answers.is_empty()
}

/// What needs acting on: shown even with `-q`.
fn urgent(case: &CaseChange) -> bool {
    matches!(
        case.change,
        Change::NewlyFailing | Change::FailingDifferently
    )
}

fn outcome(side: Option<&CaseSide>) -> String {
    match side {
        None => "absent".into(),
        Some(s) if s.runs > 1 && s.failed_runs > 0 => format!(
            "{} ({} of {} runs failed)",
            outcome_name(s.outcome),
            s.failed_runs,
            s.runs
        ),
        Some(s) => outcome_name(s.outcome),
    }
}

fn times(case: &CaseChange) -> String {
    match (&case.old, &case.new, case.slower) {
        (Some(o), Some(n), Some(ratio)) => format!(
            "{} ms → {} ms ({ratio:.1}× slower)",
            o.duration_ms, n.duration_ms
        ),
        _ => String::new(),
    }
}

/// The console's lines for one case; empty when it is not worth one.
pub fn case(case: &CaseChange, style: &Style, quiet: bool) -> String {
    if !notable(case) || (quiet && !urgent(case)) {
        return String::new();
    }
    let label = case.change.label().to_uppercase();
    let painted = match case.change {
        Change::NewlyFailing | Change::FailingDifferently | Change::StillFailing => {
            style.fail(&label)
        }
        Change::Fixed => style.pass(&label),
        Change::Unchanged => style.dim(&label),
        _ => style.skip(&label),
    };
    // Pad by the plain label: colour codes have no width.
    let pad = " ".repeat(20usize.saturating_sub(label.chars().count()));
    let mut out = format!(
        "{painted}{pad}{}  {}",
        case.id,
        style.dim(&format!(
            "{} → {}",
            outcome(case.old.as_ref()),
            outcome(case.new.as_ref())
        ))
    );
    let slower = times(case);
    if !slower.is_empty() {
        let _ = write!(out, "  {}", style.skip(&slower));
    }
    out.push('\n');
    for (name, side) in [("old", &case.old), ("new", &case.new)] {
        if let Some(failure) = side.as_ref().and_then(|s| s.failure.as_ref())
            && (case.change != Change::StillFailing || name == "new")
        {
            out.push_str(&indent(&format!("{name}: {failure}"), 6));
        }
    }
    if !quiet {
        for answer in &case.answers {
            out.push_str(&indent(
                &format!("step `{}`: the normalized answers differ", answer.step),
                6,
            ));
            out.push_str(&indent(
                &unified_between(&answer.old, &answer.new, "old", "new", style),
                8,
            ));
        }
    }
    out
}

/// The notes, then the summary line last.
pub fn summary(comparison: &Comparison, style: &Style) -> String {
    let mut out = String::from("\n");
    for note in &comparison.notes {
        let _ = writeln!(out, "{}", style.dim(&format!("note: {note}")));
    }
    let line = comparison.line();
    out.push_str(&if comparison.success() {
        style.pass(&line)
    } else {
        style.fail(&line)
    });
    out.push('\n');
    out
}

/// The head line the console starts with.
pub fn head(comparison: &Comparison) -> String {
    let side = |s: &SideInfo| {
        format!(
            "{} (verity {}, {}{})",
            s.files.join(" "),
            s.verity,
            s.started_at,
            if s.runs > 1 {
                format!(", {} runs", s.runs)
            } else {
                String::new()
            }
        )
    };
    format!(
        "verity report compare: {} → {}\n\n",
        side(&comparison.old),
        side(&comparison.new)
    )
}

pub fn markdown(comparison: &Comparison) -> String {
    let mut out = String::new();
    let mark = if comparison.success() { "✅" } else { "❌" };
    let _ = writeln!(
        out,
        "# verity comparison: {mark} {}\n",
        comparison.verdict()
    );
    let _ = writeln!(out, "**{}**\n", inline(&comparison.line()));
    out.push_str("| | reports | verity | started | runs | result |\n|---|---|---|---|---:|---|\n");
    for (name, s) in [("old", &comparison.old), ("new", &comparison.new)] {
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {} | {} | {} |",
            cell(&s.files.join(" ")),
            cell(&s.verity),
            cell(&s.started_at),
            s.runs,
            cell(&s.summary.line())
        );
    }
    out.push('\n');
    for note in &comparison.notes {
        let _ = writeln!(out, "> {}\n", inline(note));
    }
    out.push_str("| change | cases |\n|---|---:|\n");
    for change in Change::ALL {
        let _ = writeln!(out, "| {} | {} |", change.label(), comparison.count(change));
    }
    out.push('\n');
    for change in Change::ALL {
        if change == Change::Unchanged {
            continue;
        }
        let cases: Vec<&CaseChange> = comparison
            .cases
            .iter()
            .filter(|c| c.change == change)
            .collect();
        if cases.is_empty() {
            continue;
        }
        let mut title = change.label().to_string();
        title[..1].make_ascii_uppercase();
        let _ = writeln!(out, "## {title}\n");
        for case in cases {
            let _ = writeln!(
                out,
                "- `{}` ({} → {}) `{}:{}`",
                case.id,
                outcome(case.old.as_ref()),
                outcome(case.new.as_ref()),
                case.file,
                case.line
            );
            for (name, side) in [("old", &case.old), ("new", &case.new)] {
                if let Some(failure) = side.as_ref().and_then(|s| s.failure.as_ref()) {
                    let _ = writeln!(out, "  - {name}: {}", inline(failure));
                }
            }
        }
        out.push('\n');
    }
    let slower: Vec<&CaseChange> = comparison
        .cases
        .iter()
        .filter(|c| c.slower.is_some())
        .collect();
    if !slower.is_empty() {
        let _ = writeln!(
            out,
            "## Slower (over {}×, medians)\n\n| case | old | new | factor |\n|---|---:|---:|---:|",
            comparison.slower_than
        );
        for case in slower {
            if let (Some(o), Some(n), Some(r)) = (&case.old, &case.new, case.slower) {
                let _ = writeln!(
                    out,
                    "| `{}` | {} ms | {} ms | {r:.1}× |",
                    case.id, o.duration_ms, n.duration_ms
                );
            }
        }
        out.push('\n');
    }
    let answered: Vec<&CaseChange> = comparison
        .cases
        .iter()
        .filter(|c| !c.answers.is_empty())
        .collect();
    if !answered.is_empty() {
        out.push_str("## Answers that differ (normalized as snapshots)\n\n");
        for case in answered {
            for answer in &case.answers {
                let _ = writeln!(out, "`{}`, step `{}`:\n", case.id, answer.step);
                out.push_str(&fenced(
                    "diff",
                    &unified_between(&answer.old, &answer.new, "old", "new", &Style::plain()),
                ));
            }
        }
    }
    out
}
