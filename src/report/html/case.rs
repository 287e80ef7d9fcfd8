//! One case as the HTML reports show it: a failure with its documented
//! statement, each failed step's request, expected against actual (a
//! coloured diff for multi-line values), the answer, and the `curl`
//! commands that replay it; a passing case as its list of steps.

use std::fmt::Write;

use super::{attr, duration_ms, esc};
use crate::check::CheckResult;
use crate::report::console::answered;
use crate::report::curl;
use crate::run::result::{CaseResult, Outcome, RequestSummary, ResponseSummary, StepResult};

/// The serialized name of an outcome (`known_failure`): the kind its
/// filter and colour go by.
pub fn outcome_name(outcome: Outcome) -> String {
    serde_json::to_value(outcome)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{outcome:?}").to_lowercase())
}

/// How a filter names an outcome; `warned` included, before it exists.
pub fn outcome_label(name: &str) -> String {
    match name {
        "known_failure" => "known failures".into(),
        "warned" => "warnings".into(),
        other => other.replace('_', " "),
    }
}

/// The badge of an outcome: `FAIL`.
pub fn badge(name: &str) -> String {
    match name {
        "passed" => "PASS".into(),
        "failed" => "FAIL".into(),
        "known_failure" => "KNOWN".into(),
        "skipped" => "SKIP".into(),
        "warned" => "WARN".into(),
        other => other.to_uppercase(),
    }
}

/// The order of the filters: what needs attention first.
pub const OUTCOME_ORDER: &[&str] = &["failed", "warned", "known_failure", "passed", "skipped"];

/// What a case's entry holds, below its summary line.
pub fn body(out: &mut String, case: &CaseResult) {
    let _ = writeln!(
        out,
        "<p class=\"loc\">{}:{}</p>",
        esc(&case.source.file.display().to_string()),
        case.source.line
    );
    if !case.doc.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"doc\"><b>Documented:</b> {}</p>",
            esc(&case.doc)
        );
    }
    if !case.description.is_empty() {
        let _ = writeln!(out, "<p class=\"desc\">{}</p>", esc(&case.description));
    }
    if let Some(reason) = &case.skip_reason {
        let _ = writeln!(out, "<p class=\"why\">skipped: {}</p>", esc(reason));
    }
    if let Some(known) = &case.known {
        let until = known
            .expires
            .as_deref()
            .map(|d| format!(" (until {d})"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "<p class=\"why\">known failure (baseline){}: {}</p>",
            esc(&until),
            esc(&known.reason)
        );
    }
    if let Some(seed) = case.seed {
        let _ = writeln!(
            out,
            "<p class=\"seed\">seed <code>{seed}</code> (<code>--seed {seed}</code> replays the generated inputs)</p>"
        );
    }
    let failed = matches!(case.outcome, Outcome::Failed | Outcome::KnownFailure)
        || case.steps.iter().any(|s| !s.passed);
    if failed {
        for step in case.failed_steps() {
            failed_step(out, step);
        }
        if let Some(example) = case
            .property
            .as_ref()
            .and_then(|p| p.counterexample.as_ref())
        {
            let _ = writeln!(
                out,
                "<div class=\"block\"><h4>counterexample ({} shrink steps{})</h4><pre>{}</pre></div>",
                example.shrink_steps,
                if example.shrink_limited {
                    ", stopped at the limit"
                } else {
                    ""
                },
                esc(&example.case_file)
            );
        }
        reproduce(out, case);
    }
    steps(out, case);
}

/// Every step as a line: method, URL, status, time.
fn steps(out: &mut String, case: &CaseResult) {
    if case.steps.is_empty() {
        return;
    }
    out.push_str("<ol class=\"steps\">");
    for step in &case.steps {
        let status = answered(step);
        let _ = write!(
            out,
            "<li class=\"{}\"><code>{}</code> {} {}{} <span class=\"ms\">{}</span></li>",
            if step.passed { "ok" } else { "bad" },
            esc(&step.name),
            esc(&step.request.method),
            esc(&step.request.url),
            esc(&status),
            duration_ms(step.duration.as_millis() as u64)
        );
    }
    out.push_str("</ol>\n");
}

fn failed_step(out: &mut String, step: &StepResult) {
    let status = answered(step);
    let _ = writeln!(
        out,
        "<div class=\"step\"><h4>step <code>{}</code>: {} {}{} <span class=\"loc\">({})</span></h4>",
        esc(&step.name),
        esc(&step.request.method),
        esc(&step.request.url),
        esc(&status),
        esc(&step.source.to_string())
    );
    for retry in &step.retries {
        let _ = writeln!(out, "<p class=\"retry\">retried: {}</p>", esc(retry));
    }
    if let Some(error) = &step.error {
        let _ = writeln!(out, "<p class=\"error\">{}</p>", esc(error));
    }
    for check in step.checks.iter().filter(|c| !c.passed) {
        failed_check(out, check);
    }
    request(out, &step.request);
    if let Some(response) = &step.response {
        answer(out, response);
    }
    out.push_str("</div>\n");
}

fn failed_check(out: &mut String, check: &CheckResult) {
    out.push_str("<div class=\"check\">");
    let mut head = format!("✗ {}", check.subject);
    if let Some(path) = check
        .path
        .as_ref()
        .filter(|p| !check.subject.contains(p.as_str()))
    {
        let _ = write!(head, " at {path}");
    }
    let _ = write!(out, "<p class=\"subject\">{}", esc(&head));
    if let Some(src) = &check.source {
        let _ = write!(
            out,
            " <span class=\"loc\">({})</span>",
            esc(&src.to_string())
        );
    }
    out.push_str("</p>\n");
    if let Some(message) = &check.message {
        let _ = writeln!(out, "<p class=\"message\">{}</p>", esc(message));
    }
    if check.alternatives.is_empty() {
        if check.expected.contains('\n') || check.actual.contains('\n') {
            super::diff(out, &check.expected, &check.actual, "expected", "actual");
        } else {
            let _ = writeln!(
                out,
                "<table class=\"ea\"><tr><th>expected</th><td><code>{}</code></td></tr><tr><th>actual</th><td><code>{}</code></td></tr></table>",
                esc(&check.expected),
                esc(&check.actual)
            );
        }
    } else {
        for (i, alternative) in check.alternatives.iter().enumerate() {
            let _ = writeln!(out, "<div class=\"alt\"><p>alternative {}:</p>", i + 1);
            for c in alternative.iter().filter(|c| !c.passed) {
                failed_check(out, c);
            }
            out.push_str("</div>\n");
        }
    }
    out.push_str("</div>\n");
}

/// A body as people read it: JSON pretty-printed, anything else as it came.
fn readable(body: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(body) {
        Ok(json) => serde_json::to_string_pretty(&json).unwrap_or_else(|_| body.to_string()),
        Err(_) => body.to_string(),
    }
}

fn headers(list: &[(String, String)]) -> String {
    list.iter().map(|(n, v)| format!("{n}: {v}\n")).collect()
}

fn request(out: &mut String, request: &RequestSummary) {
    let mut text = format!(
        "{} {}\n{}",
        request.method,
        request.url,
        headers(&request.headers)
    );
    if let Some(body) = &request.body {
        text.push('\n');
        text.push_str(&readable(body));
    }
    let _ = writeln!(
        out,
        "<details class=\"block\"><summary>request</summary><pre>{}</pre></details>",
        esc(&text)
    );
}

fn answer(out: &mut String, response: &ResponseSummary) {
    let body = if response.body.is_empty() {
        "(empty body)".to_string()
    } else {
        readable(&response.body)
    };
    let cut = if response.body_bytes > response.body.len() {
        format!(
            " (first {} of {} bytes)",
            response.body.len(),
            response.body_bytes
        )
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "<details class=\"block\" open><summary>response {}{}</summary><pre>{}\n{}</pre></details>",
        response.status,
        esc(&cut),
        esc(&headers(&response.headers)),
        esc(&body)
    );
}

/// The `curl` commands that replay the case, with a copy button.
fn reproduce(out: &mut String, case: &CaseResult) {
    let commands = curl::reproduce(case);
    if commands.is_empty() {
        return;
    }
    let what = if commands.len() == 1 {
        "the failing request".to_string()
    } else {
        format!(
            "the case's {} requests, in order; later ones use what earlier ones created",
            commands.len()
        )
    };
    let secret = commands.iter().any(|c| c.contains("***"));
    let _ = writeln!(
        out,
        "<div class=\"block curl\"><h4>reproduce ({}){}</h4><button type=\"button\" class=\"copy\" title=\"copy the commands\">copy</button><pre>{}</pre></div>",
        esc(&what),
        if secret {
            " <span class=\"note\">*** stands for a secret: put yours in its place</span>"
        } else {
            ""
        },
        esc(&commands.join("\n\n"))
    );
}

/// The summary line of a case's entry: badge, id, time.
pub fn summary_line(out: &mut String, case: &CaseResult, kind: &str) {
    let _ = write!(
        out,
        "<summary><span class=\"badge\">{}</span> <span class=\"id\">{}</span> <span class=\"ms\">{}</span></summary>",
        esc(&badge(kind)),
        esc(&case.id()),
        duration_ms(case.duration.as_millis() as u64)
    );
}

/// A case's whole entry.
pub fn item(out: &mut String, case: &CaseResult) {
    let kind = outcome_name(case.outcome);
    let open = matches!(case.outcome, Outcome::Failed);
    let _ = write!(
        out,
        "<details class=\"item\" data-kind=\"{}\" id=\"{}\"{}>",
        attr(&kind),
        attr(&anchor(&case.id())),
        if open { " open" } else { "" }
    );
    summary_line(out, case, &kind);
    out.push_str("<div class=\"body\">\n");
    body(out, case);
    out.push_str("</div></details>\n");
}

/// A fragment id for a case: `case-onsi--patch-echo`.
pub fn anchor(id: &str) -> String {
    let safe: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("case-{safe}")
}
