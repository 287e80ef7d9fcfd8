//! `verity list` and `verity check`: read the case files, send nothing.

use std::io::Write;

use super::args::{CheckArgs, ListArgs};
use super::load_errors;
use crate::case;

pub fn list(args: ListArgs) -> u8 {
    let suites = match case::load_root(&args.cases, &args.suites) {
        Ok(s) => s,
        Err(e) => return load_errors(&e),
    };
    let mut out = std::io::stdout().lock();
    for suite in &suites {
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
            let _ = writeln!(out, "  {}::{}{strict}  {}", suite.name, case.name, case.pos);
        }
    }
    0
}

pub fn check(args: CheckArgs) -> u8 {
    match case::load_path(&args.path) {
        Ok(suites) => {
            let cases: usize = suites.iter().map(|s| s.cases.len()).sum();
            println!(
                "ok: {} suite{}, {cases} case{}",
                suites.len(),
                if suites.len() == 1 { "" } else { "s" },
                if cases == 1 { "" } else { "s" }
            );
            0
        }
        Err(e) => load_errors(&e),
    }
}
