//! The report of `verity diff`: a line per case (`SAME`, `DIFF`, `SKIP`),
//! for each case that differs a diff of each step whose answers differ (A
//! against B), then the cases that differ and the summary line
//! `N of M cases agree, K differ` last.

use super::console::indent;
use super::diff::unified_between;
use super::style::Style;
use crate::snapshot::compare::{Agreement, CaseComparison, Verdict};

/// The lines of one case; empty for an agreeing or skipped case when quiet.
pub fn case(comparison: &CaseComparison, a: &str, b: &str, style: &Style, quiet: bool) -> String {
    match &comparison.verdict {
        Verdict::Same if quiet => String::new(),
        Verdict::Same => format!("{}  {}\n", style.pass("SAME"), comparison.id),
        Verdict::NotCompared(_) if quiet => String::new(),
        Verdict::NotCompared(why) => format!(
            "{}  {}  {}\n",
            style.skip("SKIP"),
            comparison.id,
            style.dim(&format!("not compared: {why}"))
        ),
        Verdict::Differ(steps) => {
            let mut out = format!("{}  {}\n", style.fail("DIFF"), comparison.id);
            for step in steps {
                let name = if step.step.starts_with('#') {
                    String::new()
                } else {
                    format!(" `{}`", step.step)
                };
                out.push_str(&indent(
                    &format!("step {}{name}: {}", step.index + 1, step.expression),
                    6,
                ));
                out.push_str(&indent(
                    &unified_between(
                        &step.a,
                        &step.b,
                        &format!("A {a}"),
                        &format!("B {b}"),
                        style,
                    ),
                    8,
                ));
            }
            out
        }
    }
}

/// The cases that differ, then the summary line.
pub fn summary(cases: &[CaseComparison], style: &Style) -> String {
    let mut out = String::from("\n");
    let differ: Vec<&str> = cases
        .iter()
        .filter(|c| matches!(c.verdict, Verdict::Differ(_)))
        .map(|c| c.id.as_str())
        .collect();
    if !differ.is_empty() {
        out.push_str(&style.bold("Differ:"));
        out.push('\n');
        for id in differ {
            out.push_str(&format!("  {id}\n"));
        }
    }
    let agreement = Agreement::of(cases);
    let line = agreement.line();
    out.push_str(&if agreement.differ > 0 {
        style.fail(&line)
    } else {
        style.pass(&line)
    });
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::compare::StepDifference;

    fn comparisons() -> Vec<CaseComparison> {
        vec![
            CaseComparison {
                id: "s::same".into(),
                verdict: Verdict::Same,
            },
            CaseComparison {
                id: "s::differs".into(),
                verdict: Verdict::Differ(vec![StepDifference {
                    index: 1,
                    step: "read".into(),
                    expression: "GET /m/${id}".into(),
                    a: "status: 200\n\n{}\n".into(),
                    b: "status: 404\n\n{}\n".into(),
                }]),
            },
            CaseComparison {
                id: "s::skipped".into(),
                verdict: Verdict::NotCompared("skipped on B: needs variable `x`".into()),
            },
        ]
    }

    #[test]
    fn differing_cases_show_each_step_as_a_diff_of_a_against_b() {
        let style = Style::plain();
        let all: String = comparisons()
            .iter()
            .map(|c| case(c, "http://a", "http://b", &style, false))
            .collect();
        assert!(all.contains("SAME  s::same\n"), "{all}");
        assert!(
            all.contains("SKIP  s::skipped  not compared: skipped on B"),
            "{all}"
        );
        assert!(
            all.contains("DIFF  s::differs\n      step 2 `read`: GET /m/${id}\n        --- A http://a\n        +++ B http://b\n"),
            "{all}"
        );
        assert!(
            all.contains("        -status: 200\n        +status: 404\n"),
            "{all}"
        );
        let quiet: String = comparisons()
            .iter()
            .map(|c| case(c, "a", "b", &style, true))
            .collect();
        assert!(
            quiet.starts_with("DIFF  s::differs\n") && !quiet.contains("SAME"),
            "{quiet}"
        );
    }

    #[test]
    fn the_summary_line_comes_last() {
        let text = summary(&comparisons(), &Style::plain());
        assert!(text.contains("Differ:\n  s::differs\n"), "{text}");
        assert!(
            text.ends_with("1 of 2 cases agree, 1 differ, 1 not compared\n"),
            "{text}"
        );
    }
}
