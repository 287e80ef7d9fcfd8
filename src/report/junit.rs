//! The JUnit XML report (quick-junit): one `<testsuite>` per suite, one
//! `<testcase>` per case or property. A failure carries the failing check as
//! its message and, as its text, expected against actual (a diff for
//! bodies), the request and the answer, and the `curl` commands that replay
//! it. Known failures and skipped cases are `<skipped>` with the reason.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};

use super::console::{describe_step, describe_warnings};
use super::curl;
use super::document::Report;
use super::error::WriteError;
use super::style::Style;
use crate::run::result::{CaseResult, Outcome};

pub fn render(report: &Report) -> Result<String, WriteError> {
    let mut junit = quick_junit::Report::new("verity");
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(&report.started_at) {
        junit.set_timestamp(at);
    }
    junit.set_time(Duration::from_millis(report.duration_ms));
    for suite in &report.suites {
        let mut ts = TestSuite::new(suite.name.as_str());
        ts.add_property(Property::new("base_url", suite.base_url.as_str()));
        let mut time = Duration::ZERO;
        for case in report.suite_results(&suite.name) {
            time += case.duration;
            ts.add_test_case(test_case(case));
        }
        ts.set_time(time);
        junit.add_test_suite(ts);
    }
    junit.to_string().map_err(WriteError::Junit)
}

fn test_case(case: &CaseResult) -> TestCase {
    let status = match case.outcome {
        Outcome::Passed => TestCaseStatus::success(),
        Outcome::Failed => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let (message, ty) = failure_message(case);
            status.set_message(message);
            status.set_type(ty);
            status.set_description(failure_text(case));
            status
        }
        Outcome::KnownFailure => {
            let mut status = TestCaseStatus::skipped();
            let reason = case.known.as_ref().map_or("", |k| k.reason.as_str());
            status.set_message(format!("known failure (baseline): {reason}"));
            status.set_type("known_failure");
            status.set_description(failure_text(case));
            status
        }
        Outcome::Skipped => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(case.skip_reason.clone().unwrap_or_default());
            status
        }
        // JUnit has no warning: a success, with the warnings told beside it.
        Outcome::Warned => TestCaseStatus::success(),
    };
    let mut tc = TestCase::new(case.case.as_str(), status);
    tc.set_classname(case.suite.as_str());
    tc.set_time(case.duration);
    tc.extra
        .insert("file".into(), case.source.file.display().to_string().into());
    tc.extra
        .insert("line".into(), case.source.line.to_string().into());
    if !case.doc.is_empty() {
        tc.add_property(Property::new("documented", case.doc.as_str()));
    }
    if let Some(seed) = case.seed {
        tc.add_property(Property::new("seed", seed.to_string()));
    }
    if case.outcome == Outcome::Warned {
        let warnings = case
            .steps
            .iter()
            .flat_map(|s| &s.checks)
            .filter(|c| c.warns())
            .count();
        tc.add_property(Property::new("warnings", warnings.to_string()));
        tc.set_system_out(format!(
            "warning: advisory checks failed (the docs show what they check only in an example)\n{}",
            describe_warnings(case, &Style::plain())
        ));
    }
    let attempts: u32 = case.steps.iter().map(|s| s.attempts).sum();
    if attempts as usize > case.steps.len() {
        tc.add_property(Property::new("requests_sent", attempts.to_string()));
    }
    tc
}

/// The failing check in one line, and its kind.
pub(crate) fn failure_message(case: &CaseResult) -> (String, String) {
    let Some(step) = case.failed_step() else {
        return ("failed".into(), "failure".into());
    };
    if let Some(error) = &step.error {
        return (format!("step `{}`: {error}", step.name), "transport".into());
    }
    match step.checks.iter().find(|c| !c.passed) {
        Some(check) => {
            let kind = serde_json::to_value(check.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_else(|| "check".into());
            let short = |t: &str| {
                let line = t.lines().next().unwrap_or("");
                if line.chars().count() > 120 || t.contains('\n') {
                    format!("{}…", line.chars().take(120).collect::<String>())
                } else {
                    line.to_string()
                }
            };
            (
                format!(
                    "step `{}`: {}: expected {}, got {}",
                    step.name,
                    check.subject,
                    short(&check.expected),
                    short(&check.actual)
                ),
                kind,
            )
        }
        None => (format!("step `{}` failed", step.name), "failure".into()),
    }
}

fn failure_text(case: &CaseResult) -> String {
    let mut text = format!("{}\n", case.source);
    if !case.doc.is_empty() {
        text.push_str(&format!("documented: {}\n", case.doc));
    }
    for step in case.failed_steps() {
        text.push_str(&describe_step(step, &Style::plain()));
    }
    text.push_str("\nreproduce:\n");
    for command in curl::reproduce(case) {
        text.push_str(&command);
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::check::testing::pos;
    use crate::run::CaseInfo;
    use crate::run::result::{RequestSummary, StepResult};

    fn failed(name: &str, why: &str) -> StepResult {
        StepResult {
            name: name.into(),
            kind: crate::run::result::StepKind::Exchange,
            source: pos().pos().clone(),
            request: RequestSummary {
                method: "GET".into(),
                url: "http://127.0.0.1:1/x".into(),
                headers: Vec::new(),
                body: None,
            },
            response: None,
            error: Some(why.into()),
            checks: Vec::new(),
            passed: false,
            duration: Duration::ZERO,
            attempts: 1,
            retries: Vec::new(),
        }
    }

    /// Snapshot checks fail steps after the first failed one: each is told.
    #[test]
    fn every_failed_step_is_in_the_failure_text_and_the_markdown() {
        let mut case = CaseResult::named(CaseInfo {
            suite: "s".into(),
            name: "c".into(),
            description: String::new(),
            doc: String::new(),
            source: pos().pos().clone(),
        });
        case.steps = vec![failed("first", "first-why"), failed("second", "second-why")];
        let text = failure_text(&case);
        assert!(
            text.contains("first-why") && text.contains("second-why"),
            "{text}"
        );
        let mut report = crate::report::Collector::new(None).into_report().0;
        report.results.push(case);
        let md = crate::report::markdown::render(&report);
        assert!(
            md.contains("first-why") && md.contains("second-why"),
            "{md}"
        );
    }
}
