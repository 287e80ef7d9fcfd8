//! The run's coverage report (`--report coverage:PATH`): per suite, each
//! statement of its registry with what checks it, each documented
//! operation × status with whether the run saw it, and the schema
//! constraints its requests exercised. Plain data: it is built from the
//! registry and the runner's observations elsewhere.

use super::markdown::cell;
use serde::Serialize;

use super::error::WriteError;

#[derive(Debug, Serialize)]
pub struct CoverageReport {
    pub schema: &'static str,
    pub version: u32,
    pub verity: &'static str,
    pub suites: Vec<SuiteCoverageDoc>,
}

#[derive(Debug, Serialize)]
pub struct SuiteCoverageDoc {
    pub suite: String,
    pub registry: String,
    pub statements: Vec<StatementRow>,
    pub statuses: Vec<StatusRow>,
    /// Empty until a property records the constraints it exercised.
    pub constraints: Vec<ConstraintRow>,
}

#[derive(Debug, Serialize)]
pub struct StatementRow {
    pub id: String,
    pub level: &'static str,
    pub checked_by: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unobservable: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct StatusRow {
    pub operation: String,
    pub method: String,
    pub path: String,
    pub status: u16,
    /// The statements documenting this status for this operation.
    pub statements: Vec<String>,
    /// Whether `--require-coverage` asks the run to see it: a `must`
    /// statement documents it and none of them is unobservable.
    pub required: bool,
    pub observed: bool,
    pub count: u64,
}

#[derive(Debug, Serialize)]
pub struct ConstraintRow {
    pub id: String,
    pub first_value: String,
}

impl CoverageReport {
    pub fn new(suites: Vec<SuiteCoverageDoc>) -> CoverageReport {
        CoverageReport {
            schema: "verity-coverage",
            version: 1,
            verity: env!("CARGO_PKG_VERSION"),
            suites,
        }
    }

    /// Why `--require-coverage` fails, one line each; empty when it holds.
    pub fn shortfalls(&self) -> Vec<String> {
        let mut out = Vec::new();
        for suite in &self.suites {
            for s in &suite.statements {
                if s.level == "must" && s.checked_by.is_empty() && s.unobservable.is_none() {
                    out.push(format!(
                        "{}: must statement {} is checked by no case or property",
                        suite.suite, s.id
                    ));
                }
            }
            for row in suite.statuses.iter().filter(|r| r.required && !r.observed) {
                out.push(format!(
                    "{}: {} {} ({}) was never answered {} in this run (statement {})",
                    suite.suite,
                    row.method,
                    row.path,
                    row.operation,
                    row.status,
                    row.statements.join(", ")
                ));
            }
        }
        out
    }

    /// The statements exempt from `--require-coverage`, with the suite.
    pub fn unobservable(&self) -> Vec<(&str, &str)> {
        self.suites
            .iter()
            .flat_map(|suite| {
                suite
                    .statements
                    .iter()
                    .filter(|s| s.unobservable.is_some())
                    .map(|s| (suite.suite.as_str(), s.id.as_str()))
            })
            .collect()
    }
}

pub fn json(report: &CoverageReport) -> Result<String, WriteError> {
    serde_json::to_string_pretty(report)
        .map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|source| WriteError::Json {
            document: "coverage report",
            source,
        })
}

pub fn markdown(report: &CoverageReport) -> String {
    let mut out = String::from("# verity coverage\n");
    for suite in &report.suites {
        let checked = suite
            .statements
            .iter()
            .filter(|s| !s.checked_by.is_empty())
            .count();
        let seen = suite.statuses.iter().filter(|r| r.observed).count();
        out.push_str(&format!(
            "\n## {}\n\n{} of {} statements checked ({}); {} of {} documented statuses observed.\n",
            cell(&suite.suite),
            checked,
            suite.statements.len(),
            cell(&suite.registry),
            seen,
            suite.statuses.len()
        ));
        out.push_str("\n### Documented statuses\n\n| Operation | Request | Status | Statements | Required | Observed |\n| --- | --- | --- | --- | --- | --- |\n");
        for r in &suite.statuses {
            out.push_str(&format!(
                "| {} | `{} {}` | {} | {} | {} | {} |\n",
                cell(&r.operation),
                r.method,
                cell(&r.path),
                r.status,
                cell(&r.statements.join(", ")),
                if r.required { "yes" } else { "no" },
                if r.observed {
                    format!("yes ({})", r.count)
                } else {
                    "**no**".to_string()
                }
            ));
        }
        out.push_str(
            "\n### Statements\n\n| Statement | Level | Checked by |\n| --- | --- | --- |\n",
        );
        for s in &suite.statements {
            let by = match (&s.unobservable, s.checked_by.is_empty()) {
                (Some(why), true) => format!("unobservable: {}", cell(why)),
                (_, true) => "**nothing**".to_string(),
                (_, false) => cell(&s.checked_by.join(", ")),
            };
            out.push_str(&format!("| {} | {} | {} |\n", cell(&s.id), s.level, by));
        }
        out.push_str("\n### Schema constraints exercised\n\n");
        if suite.constraints.is_empty() {
            out.push_str("none recorded\n");
        } else {
            out.push_str("| Constraint | First value |\n| --- | --- |\n");
            for c in &suite.constraints {
                out.push_str(&format!(
                    "| {} | `{}` |\n",
                    cell(&c.id),
                    cell(&c.first_value)
                ));
            }
        }
    }
    out
}
