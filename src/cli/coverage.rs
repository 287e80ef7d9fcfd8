//! `verity coverage`: each documented statement of a suite's registry
//! (`statements.yaml`) with its level and the cases and properties that
//! check it, then the statements nothing checks. Reads files, sends nothing.

use std::io::Write;

use super::args::CoverageArgs;
use super::{EXIT_USAGE, load_errors, usage};
use crate::case::statements::{Level, Registry, Statement, case_refs};
use crate::case::{self, Suite};
use crate::properties::{self, PropertySpec};
use crate::report::coverage as coverage_doc;
use crate::run::observed::Observed;

/// What checks each statement of one suite's registry.
pub(crate) struct SuiteCoverage<'a> {
    pub registry: &'a Registry,
    /// Every statement, in registry order, with the cases and properties
    /// (`property::NAME`) naming it.
    pub rows: Vec<(&'a Statement, Vec<String>)>,
    /// Cases and properties that name no statement at all.
    pub naming_none: Vec<String>,
}

impl<'a> SuiteCoverage<'a> {
    /// `None` when the suite has no registry.
    pub fn of(suite: &'a Suite, spec: Option<&PropertySpec>) -> Option<SuiteCoverage<'a>> {
        let registry = suite.statements.as_ref()?;
        let mut checkers: Vec<(String, Vec<&str>)> = suite
            .cases
            .iter()
            .map(|case| {
                let ids = case_refs(case).into_iter().map(|r| r.id.as_str()).collect();
                (case.name.clone(), ids)
            })
            .collect();
        if let Some(spec) = spec {
            for property in properties::available(spec) {
                let ids = spec
                    .checks
                    .get(&property)
                    .map(|refs| refs.iter().map(|r| r.id.as_str()).collect())
                    .unwrap_or_default();
                checkers.push((property.case_name(), ids));
            }
        }
        let rows = registry
            .statements
            .values()
            .map(|statement| {
                let by = checkers
                    .iter()
                    .filter(|(_, ids)| ids.contains(&statement.id.as_str()))
                    .map(|(name, _)| name.clone())
                    .collect();
                (statement, by)
            })
            .collect();
        let naming_none = checkers
            .iter()
            .filter(|(_, ids)| ids.is_empty())
            .map(|(name, _)| name.clone())
            .collect();
        Some(SuiteCoverage {
            registry,
            rows,
            naming_none,
        })
    }

    pub fn unchecked(&self) -> impl Iterator<Item = &'a Statement> + '_ {
        self.rows
            .iter()
            .filter(|(_, by)| by.is_empty())
            .map(|(statement, _)| *statement)
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The first line of a statement's quote, cut to `max` characters.
fn short(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or_default();
    if line.chars().count() <= max && !text.contains('\n') {
        return line.to_string();
    }
    let cut: String = line.chars().take(max.saturating_sub(3)).collect();
    format!("{}...", cut.trim_end())
}

fn print_suite(
    out: &mut impl Write,
    suite: &Suite,
    coverage: &SuiteCoverage,
) -> std::io::Result<()> {
    let registry = coverage.registry;
    let count = |level: Level| {
        registry
            .statements
            .values()
            .filter(|s| s.level == level)
            .count()
    };
    let unchecked: Vec<&Statement> = coverage.unchecked().collect();
    let levels: Vec<String> = Level::ALL
        .iter()
        .map(|l| format!("{} {}", count(*l), l.as_str()))
        .collect();
    writeln!(
        out,
        "{}: {} in {} ({}): {} checked, {} checked by nothing",
        suite.name,
        plural(registry.statements.len(), "statement", "statements"),
        registry.file.display(),
        levels.join(", "),
        registry.statements.len() - unchecked.len(),
        unchecked.len()
    )?;
    let width = registry
        .statements
        .keys()
        .map(|id| id.chars().count())
        .max()
        .unwrap_or(0);
    writeln!(out)?;
    for (statement, by) in coverage.rows.iter().filter(|(_, by)| !by.is_empty()) {
        writeln!(
            out,
            "  {:width$}  {:7}  {}",
            statement.id,
            statement.level.as_str(),
            by.join(", ")
        )?;
    }
    if !unchecked.is_empty() {
        writeln!(out)?;
        writeln!(out, "  checked by nothing ({}):", unchecked.len())?;
        for statement in unchecked {
            let why = match &statement.unobservable {
                Some(reason) => format!("unobservable: {}", short(reason, 70)),
                None => format!("quote: {}", short(&statement.quote, 70)),
            };
            writeln!(
                out,
                "  {:width$}  {:7}  {why}  ({})",
                statement.id,
                statement.level.as_str(),
                statement.pos
            )?;
        }
    }
    if !coverage.naming_none.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "  naming no statement ({}): {}",
            coverage.naming_none.len(),
            coverage.naming_none.join(", ")
        )?;
    }
    Ok(())
}

pub fn coverage(args: CoverageArgs) -> u8 {
    let suites = match case::load_root(&args.cases, &args.suites) {
        Ok(s) => s,
        Err(e) => return load_errors(&e),
    };
    let specs = match properties::load_all(&suites) {
        Ok(specs) => specs,
        Err(e) => return load_errors(&e),
    };
    let mut out = std::io::stdout().lock();
    let mut first = true;
    for suite in &suites {
        let spec = specs.get(&suite.name).map(|s| s.as_ref());
        let Some(coverage) = SuiteCoverage::of(suite, spec) else {
            if args.suites.contains(&suite.name) {
                return usage(format!(
                    "suite `{}` has no statements.yaml in {}: there is nothing to list (README: \"Statements\")",
                    suite.name,
                    suite.dir.display()
                ));
            }
            let _ = writeln!(out, "{}: no statements.yaml, nothing to list", suite.name);
            continue;
        };
        if !first {
            let _ = writeln!(out);
        }
        first = false;
        if print_suite(&mut out, suite, &coverage).is_err() {
            return EXIT_USAGE;
        }
    }
    0
}

/// `verity check`'s warnings: statements nothing checks, and cases or
/// properties that name no statement. Printed on stderr; the exit status
/// does not change.
pub(crate) fn warn(suite: &Suite, spec: Option<&PropertySpec>) {
    let Some(coverage) = SuiteCoverage::of(suite, spec) else {
        return;
    };
    let unchecked: Vec<&str> = coverage.unchecked().map(|s| s.id.as_str()).collect();
    if !unchecked.is_empty() {
        eprintln!(
            "warning: {}: {} checked by no case or property: {} (`verity coverage --suite {}` lists them)",
            suite.name,
            plural(unchecked.len(), "statement is", "statements are"),
            unchecked.join(", "),
            suite.name
        );
    }
    if !coverage.naming_none.is_empty() {
        eprintln!(
            "warning: {}: {} no statement (add `checks: [...]`): {}",
            suite.name,
            plural(
                coverage.naming_none.len(),
                "case or property names",
                "cases or properties name"
            ),
            coverage.naming_none.join(", ")
        );
    }
}

/// The coverage report's rows for a suite, before the run: what checks each
/// statement, and each documented operation × status, none observed yet.
/// `None` when the suite has no registry.
pub(crate) fn document(
    suite: &Suite,
    spec: Option<&PropertySpec>,
) -> Option<coverage_doc::SuiteCoverageDoc> {
    let coverage = SuiteCoverage::of(suite, spec)?;
    let registry = coverage.registry;
    let statements = coverage
        .rows
        .iter()
        .map(|(s, by)| coverage_doc::StatementRow {
            id: s.id.clone(),
            level: s.level.as_str(),
            checked_by: by.clone(),
            unobservable: s.unobservable.clone(),
        })
        .collect();
    let mut statuses: Vec<coverage_doc::StatusRow> = Vec::new();
    for statement in registry.statements.values() {
        let Some(status) = statement.status else {
            continue;
        };
        for op_id in &statement.operations {
            let Some(op) = registry.operations.get(op_id) else {
                continue;
            };
            let must = statement.level == Level::Must && statement.unobservable.is_none();
            match statuses
                .iter_mut()
                .find(|r| &r.operation == op_id && r.status == status)
            {
                Some(row) => {
                    row.statements.push(statement.id.clone());
                    row.required |= must;
                }
                None => statuses.push(coverage_doc::StatusRow {
                    operation: op_id.clone(),
                    method: op.method.as_str().to_string(),
                    path: op.path.clone(),
                    status,
                    statements: vec![statement.id.clone()],
                    required: must,
                    observed: false,
                    count: 0,
                }),
            }
        }
    }
    // An unobservable statement exempts its status even when another
    // statement documents it too: the run cannot provoke it either way.
    for row in &mut statuses {
        if row.statements.iter().any(|id| {
            registry
                .statements
                .get(id)
                .is_some_and(|s| s.unobservable.is_some())
        }) {
            row.required = false;
        }
    }
    Some(coverage_doc::SuiteCoverageDoc {
        suite: suite.name.clone(),
        registry: registry.file.display().to_string(),
        statements,
        statuses,
        constraints: Vec::new(),
    })
}

/// Fills a suite's rows with what the run observed.
pub(crate) fn fill(doc: &mut coverage_doc::SuiteCoverageDoc, observed: &Observed) {
    let counts = observed.counts();
    for row in &mut doc.statuses {
        row.count = counts
            .get(&row.operation)
            .and_then(|c| c.get(&row.status))
            .copied()
            .unwrap_or(0);
        row.observed = row.count > 0;
    }
    doc.constraints = observed
        .constraints()
        .into_iter()
        .map(|(id, first_value)| coverage_doc::ConstraintRow { id, first_value })
        .collect();
}
