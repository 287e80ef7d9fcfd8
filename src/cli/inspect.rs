//! `verity list` and `verity check`: read the case files (and the property
//! declarations), send nothing.

use std::io::Write;

use super::args::{CheckArgs, ListArgs};
use super::load_errors;
use crate::case::load::PROPERTY_FILES;
use crate::case::{self, LoadErrors, Suite};
use crate::properties;

pub fn list(args: ListArgs) -> u8 {
    let suites = match case::load_root(&args.cases, &args.suites) {
        Ok(s) => s,
        Err(e) => return load_errors(&e),
    };
    let mut out = std::io::stdout().lock();
    for suite in &suites {
        let spec = match properties::load(suite) {
            Ok(spec) => spec,
            Err(e) => return load_errors(&e),
        };
        let _ = writeln!(
            out,
            "{}  ({} cases, {})  {}",
            suite.name,
            suite.cases.len(),
            suite.dir.display(),
            suite.description.lines().next().unwrap_or("")
        );
        for case in &suite.cases {
            let strict = if case.strict { " [strict]" } else { "" };
            let _ = writeln!(
                out,
                "  {}::{}{strict}  {}",
                suite.name, case.name, case.origin
            );
        }
        if let Some(spec) = spec {
            for property in properties::available(&spec) {
                let _ = writeln!(
                    out,
                    "  {}::{}  {}",
                    suite.name,
                    property.case_name(),
                    spec.sources[&property]
                );
            }
        }
    }
    0
}

/// The property declarations of the suites `path` names: every suite of a
/// directory, or the one whose `properties.yaml` it is.
fn check_properties(path: &std::path::Path, suites: &[Suite]) -> Result<usize, LoadErrors> {
    let is_property_file = PROPERTY_FILES
        .iter()
        .any(|n| path.file_name() == Some(n.as_ref()));
    if !(path.is_dir() || is_property_file) {
        return Ok(0);
    }
    let specs = properties::load_all(suites)?;
    Ok(specs
        .values()
        .map(|spec| properties::available(spec).len())
        .sum())
}

pub fn check(args: CheckArgs) -> u8 {
    let suites = match case::load_path(&args.path) {
        Ok(suites) => suites,
        Err(e) => return load_errors(&e),
    };
    let properties = match check_properties(&args.path, &suites) {
        Ok(n) => n,
        Err(e) => return load_errors(&e),
    };
    let cases: usize = suites.iter().map(|s| s.cases.len()).sum();
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut line = format!(
        "ok: {}, {}",
        plural(suites.len(), "suite", "suites"),
        plural(cases, "case", "cases")
    );
    if properties > 0 {
        line.push_str(&format!(
            ", {}",
            plural(properties, "property", "properties")
        ));
    }
    println!("{line}");
    0
}
