//! The HTML report of a run (`verity run --report html:PATH`, `verity
//! report merge --report html:PATH`): the summary at the top (counts,
//! suites and their targets, seeds, duration), the filters and the search,
//! then each suite's cases, failures open, passing cases collapsed.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use super::case::{self, OUTCOME_ORDER, outcome_label, outcome_name};
use super::{attr, duration_ms, esc, page, toolbar};
use crate::report::document::Report;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let verdict = if report.success() { "passed" } else { "failed" };
    let _ = writeln!(
        out,
        "<header class=\"{verdict}\"><h1>verity report: {verdict}</h1>"
    );
    let counts = counts(report.results.iter().map(|r| outcome_name(r.outcome)));
    let line: Vec<String> = ordered(&counts)
        .iter()
        .map(|(k, n)| format!("{n} {}", outcome_label(k)))
        .collect();
    let _ = writeln!(
        out,
        "<p class=\"line\" id=\"counts\">{} of {} cases in {}</p>",
        esc(&line.join(", ")),
        report.results.len(),
        duration_ms(report.duration_ms)
    );
    about(&mut out, report);
    suites(&mut out, report);
    out.push_str("</header>\n");
    // Failed and passed always have their filter, if only to show none.
    let mut filters = counts.clone();
    for kind in ["failed", "passed"] {
        filters.entry(kind.to_string()).or_insert(0);
    }
    toolbar(
        &mut out,
        &ordered(&filters),
        OUTCOME_ORDER,
        outcome_label,
        report.results.len(),
    );
    out.push_str("<main>\n");
    for suite in &report.suites {
        let _ = writeln!(
            out,
            "<section class=\"group\" data-suite=\"{}\"><h2>{} <small>{}</small></h2>",
            attr(&suite.name),
            esc(&suite.name),
            esc(&suite.base_url)
        );
        for result in report.suite_results(&suite.name) {
            case::item(&mut out, result);
        }
        out.push_str("</section>\n");
    }
    // Results of a suite the report does not list (an edited report).
    let listed: BTreeSet<&str> = report.suites.iter().map(|s| s.name.as_str()).collect();
    let unlisted: Vec<_> = report
        .results
        .iter()
        .filter(|r| !listed.contains(r.suite.as_str()))
        .collect();
    if !unlisted.is_empty() {
        out.push_str("<section class=\"group\"><h2>other suites</h2>\n");
        for result in unlisted {
            case::item(&mut out, result);
        }
        out.push_str("</section>\n");
    }
    out.push_str("</main>\n");
    page(&format!("verity report: {verdict}"), &out)
}

/// How many of each kind.
pub fn counts(kinds: impl Iterator<Item = String>) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for kind in kinds {
        *counts.entry(kind).or_insert(0) += 1;
    }
    counts
}

/// The counts in the filters' order.
fn ordered(counts: &BTreeMap<String, usize>) -> Vec<(String, usize)> {
    let mut list: Vec<(String, usize)> = OUTCOME_ORDER
        .iter()
        .filter_map(|k| counts.get(*k).map(|n| (k.to_string(), *n)))
        .collect();
    list.extend(
        counts
            .iter()
            .filter(|(k, _)| !OUTCOME_ORDER.contains(&k.as_str()))
            .map(|(k, n)| (k.clone(), *n)),
    );
    list
}

fn about(out: &mut String, report: &Report) {
    out.push_str("<dl class=\"meta\">");
    let mut item = |name: &str, value: &str| {
        let _ = write!(
            out,
            "<div><dt>{}</dt><dd>{}</dd></div>",
            esc(name),
            esc(value)
        );
    };
    item("verity", &report.verity);
    item("started", &report.started_at);
    item("duration", &duration_ms(report.duration_ms));
    let seeds: BTreeSet<u64> = report.results.iter().filter_map(|r| r.seed).collect();
    if !seeds.is_empty() {
        let list: Vec<String> = seeds.iter().map(u64::to_string).collect();
        item("seed", &list.join(", "));
    }
    if !report.shards.is_empty() {
        item("shards", &report.shards.join(", "));
    }
    out.push_str("</dl>\n");
    if let Some(why) = &report.stopped {
        let _ = writeln!(
            out,
            "<p class=\"stopped\">The run stopped early: {}. Cases it did not finish are listed as skipped.</p>",
            esc(why)
        );
    }
}

fn suites(out: &mut String, report: &Report) {
    let all = counts(report.results.iter().map(|r| outcome_name(r.outcome)));
    let kinds = ordered(&all);
    out.push_str("<table class=\"suites\"><thead><tr><th>suite</th><th>target</th>");
    for (kind, _) in &kinds {
        let _ = write!(out, "<th>{}</th>", esc(&outcome_label(kind)));
    }
    out.push_str("</tr></thead><tbody>\n");
    for suite in &report.suites {
        let here = counts(
            report
                .suite_results(&suite.name)
                .map(|r| outcome_name(r.outcome)),
        );
        let target = crate::report::markdown::target(suite);
        let _ = write!(
            out,
            "<tr><td>{}</td><td><code>{}</code></td>",
            esc(&suite.name),
            esc(&target)
        );
        for (kind, _) in &kinds {
            let _ = write!(
                out,
                "<td class=\"n\" data-kind=\"{}\">{}</td>",
                attr(kind),
                here.get(kind).copied().unwrap_or(0)
            );
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n");
}
