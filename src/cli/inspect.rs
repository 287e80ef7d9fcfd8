//! `verity list` and `verity check`: read the case files (and the property
//! declarations), send nothing.

use std::io::Write;

use super::args::{CheckArgs, ListArgs};
use super::load_errors;
use crate::case;
use crate::case::load::{PROPERTY_FILES, STATEMENT_FILES};
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
            // Where they come from, not what they are: listing sends nothing.
            for (what, from) in spec.discoveries() {
                let fallback = if from.fallback.is_some() {
                    ", its fallback when it lists one only"
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    "  {}::properties {what}: values from {} at `{}`{fallback}  {}",
                    suite.name,
                    from.request,
                    from.select,
                    from.place()
                );
            }
        }
    }
    0
}

/// Whether `path` names whole suites (a directory, or a suite's own file
/// such as `properties.yaml`) rather than one case file.
fn names_whole_suites(path: &std::path::Path) -> bool {
    path.is_dir()
        || PROPERTY_FILES
            .iter()
            .chain(STATEMENT_FILES.iter())
            .any(|n| path.file_name() == Some(n.as_ref()))
}

pub fn check(args: CheckArgs) -> u8 {
    let suites = match case::load_path(&args.path) {
        Ok(suites) => suites,
        Err(e) => return load_errors(&e),
    };
    let whole = names_whole_suites(&args.path);
    let specs = if whole {
        match properties::load_all(&suites) {
            Ok(specs) => specs,
            Err(e) => return load_errors(&e),
        }
    } else {
        Default::default()
    };
    let properties: usize = specs
        .values()
        .map(|spec| properties::available(spec).len())
        .sum();
    if args.verbose {
        for (suite, spec) in &specs {
            for line in properties::explain_coverage(spec) {
                println!("{suite}: {line}");
            }
        }
    }
    // One case file's cases say nothing of what its suite leaves unchecked.
    if whole {
        for suite in &suites {
            super::coverage::warn(suite, specs.get(&suite.name).map(|s| s.as_ref()));
        }
    }
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
