//! `verity mutants`: the suites against the clean reference servers and
//! each fault of the catalogue, the matrix printed as the runs end, then
//! the kill rate.

use super::args::{MutantsArgs, PropertiesMode};
use super::report::{check_specs, finish, style};
use super::run::{CTRL_C, EXIT_INTERRUPTED, load_specs, watch_for_stops};
use super::serve::print_catalogue;
use super::{EXIT_USAGE, load_errors, usage};
use crate::case::{self, Suite};
use crate::mutants::{self, Setup};
use crate::properties::Settings;
use crate::reference::{self, Api, Faults};
use crate::report::mutants::{MatrixPrinter, render};
use crate::report::{WriteError, output};
use crate::run::Stop;

/// The suites to run: those named, or every suite with an embedded
/// server (the others are left out, saying so).
fn suites(args: &MutantsArgs) -> Result<Vec<Suite>, u8> {
    let loaded = case::load_root(&args.cases, &args.suites).map_err(|e| load_errors(&e))?;
    if !args.suites.is_empty() {
        return Ok(loaded);
    }
    let (kept, left): (Vec<Suite>, Vec<Suite>) = loaded
        .into_iter()
        .partition(|s| s.reference.as_deref().and_then(Api::from_name).is_some());
    for suite in &left {
        eprintln!(
            "note: suite `{}` has no embedded reference server: mutants leaves it out",
            suite.name
        );
    }
    if kept.is_empty() {
        return Err(usage(format!(
            "no suite under {} has an embedded reference server (`reference: toluna` or `onsi` in suite.yaml)",
            args.cases.display()
        )));
    }
    Ok(kept)
}

pub async fn mutants(args: MutantsArgs) -> u8 {
    if args.faults.iter().any(|f| f == "list") {
        print_catalogue();
        return 0;
    }
    if let Err(e) = check_specs(&args.reports).and_then(|()| {
        output::refuse_formats(
            &args.reports,
            crate::report::mutants::MUTANTS_FORMATS,
            "verity mutants",
        )
    }) {
        return usage(e);
    }
    let chosen = match Faults::from_names(&args.faults) {
        Ok(f) => f,
        Err(e) => return usage(e),
    };
    let mut suites = match suites(&args) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let specs = match load_specs(args.properties, &suites) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if args.properties == PropertiesMode::Only {
        for suite in &mut suites {
            suite.cases.clear();
        }
    }
    let stop = Stop::new();
    let mut setup = Setup {
        settings: Settings {
            cases: args.property_cases,
            ..Settings::new(args.seed)
        },
        jobs: usize::from(args.jobs),
        stop: stop.clone(),
        ..Setup::new(suites, specs)
    };
    if !args.faults.is_empty() {
        setup.faults = reference::catalogue()
            .filter(|f| chosen.has(f.fault))
            .collect();
    }
    if setup.faults.is_empty() {
        return usage("no fault of the catalogue is in the selected suites' servers");
    }
    watch_for_stops(&stop, None);

    let mut printer = MatrixPrinter::new(
        std::io::stdout(),
        style(args.color),
        args.quiet,
        args.verbose,
    );
    let (report, masker) = match mutants::run(setup, &mut |event| printer.event(&event)).await {
        Ok(done) => done,
        Err(e) => return usage(e),
    };
    printer.finish(&report);
    let errors = output::write_each(&args.reports, &masker, |spec, out| {
        let text = render(spec.format, &report)?;
        out.write_all(text.as_bytes()).map_err(WriteError::io)
    });
    let code = finish(&errors, report.success());
    if code != EXIT_USAGE && report.stopped.as_deref() == Some(CTRL_C) {
        EXIT_INTERRUPTED
    } else {
        code
    }
}
