//! Under GitHub Actions: an `::error` annotation per failure, pointing at
//! the case file and line of the failing check, a `::warning` per known
//! failure, and the Markdown report appended to the job's step summary.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::console::{describe_step, describe_warnings};
use super::document::Report;
use super::error::ReportError;
use super::junit::failure_message;
use super::markdown;
use super::style::Style;
use crate::case::model::Pos;
use crate::run::result::{CaseResult, Outcome};
use crate::run::secrets::Masker;

/// Longest annotation text kept; GitHub shows annotations in a small box.
const MESSAGE_LIMIT: usize = 4000;

/// What GitHub Actions tells a step about itself.
#[derive(Debug, Clone, Default)]
pub struct Actions {
    /// The repository checkout (`GITHUB_WORKSPACE`), to make paths relative.
    pub workspace: Option<PathBuf>,
    /// The file of the job's step summary (`GITHUB_STEP_SUMMARY`).
    pub step_summary: Option<PathBuf>,
}

impl Actions {
    /// `Some` when running under GitHub Actions (`GITHUB_ACTIONS=true`).
    pub fn from_env() -> Option<Actions> {
        if std::env::var("GITHUB_ACTIONS").ok().as_deref() != Some("true") {
            return None;
        }
        let path = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        Some(Actions {
            workspace: path("GITHUB_WORKSPACE"),
            step_summary: path("GITHUB_STEP_SUMMARY"),
        })
    }

    /// Appends the Markdown report to the step summary, masked.
    pub fn publish_summary(&self, report: &Report, masker: &Masker) -> Result<(), ReportError> {
        if let Some(path) = &self.step_summary {
            let text = masker.mask(&markdown::render_within(report, markdown::SUMMARY_LIMIT));
            // GitHub owns this file and collects it after the step: append.
            std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(path)
                .and_then(|mut f| f.write_all(text.as_bytes()))
                .map_err(|source| ReportError::StepSummary {
                    path: path.clone(),
                    source,
                })?;
        }
        Ok(())
    }
}

/// An `::error` for a failure, a `::warning` for a known failure or a
/// case that passed with advisory checks failed.
pub fn annotation(case: &CaseResult, workspace: Option<&Path>) -> Option<String> {
    let level = match case.outcome {
        Outcome::Failed => "error",
        Outcome::KnownFailure | Outcome::Warned => "warning",
        _ => return None,
    };
    let at = place(case);
    let mut text = if case.outcome == Outcome::Warned {
        format!(
            "advisory checks failed (the docs show what they check only in an example)\n{}",
            describe_warnings(case, &Style::plain())
        )
    } else {
        failure_message(case).0
    };
    if let Some(k) = &case.known {
        text = format!("known failure (baseline): {}\n{text}", k.reason);
    }
    if !case.doc.is_empty() {
        text.push_str(&format!("\ndocumented: {}", case.doc));
    }
    for step in case.failed_steps() {
        text.push('\n');
        text.push_str(&describe_step(step, &Style::plain()));
    }
    if text.len() > MESSAGE_LIMIT {
        let mut cut = MESSAGE_LIMIT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("\n… (cut; the full failure is in the reports)");
    }
    Some(format!(
        "::{level} file={},line={},col={},title={}::{}\n",
        property(&relative(&at.file, workspace)),
        at.line,
        at.column,
        property(&format!("verity: {}", case.id())),
        data(text.trim_end())
    ))
}

/// The most precise place: the failing check, else the failing step, else
/// the case (for a warning: the first warning's).
fn place(case: &CaseResult) -> Pos {
    let step = case.failed_step().or_else(|| case.warned_steps().next());
    step.and_then(|s| s.checks.iter().find(|c| !c.passed))
        .and_then(|c| c.source.clone())
        .or_else(|| step.map(|s| s.source.clone()))
        .unwrap_or_else(|| case.source.clone())
}

fn relative(file: &Path, workspace: Option<&Path>) -> String {
    let shown = workspace
        .and_then(|w| file.strip_prefix(w).ok())
        .unwrap_or(file);
    shown.display().to_string()
}

/// Escapes a workflow command's message.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_the_workflow_command_rules() {
        assert_eq!(data("50%\r\nnext"), "50%25%0D%0Anext");
        assert_eq!(property("a:b,c%"), "a%3Ab%2Cc%25");
    }

    #[test]
    fn paths_are_made_relative_to_the_workspace() {
        let ws = Path::new("/home/runner/work/repo");
        assert_eq!(
            relative(
                Path::new("/home/runner/work/repo/cases/onsi/a.yaml"),
                Some(ws)
            ),
            "cases/onsi/a.yaml"
        );
        assert_eq!(
            relative(Path::new("cases/x.yaml"), Some(ws)),
            "cases/x.yaml"
        );
        assert_eq!(
            relative(Path::new("/elsewhere/x.yaml"), Some(ws)),
            "/elsewhere/x.yaml"
        );
    }
}
