//! The command line: `verity run | serve | list | check | coverage | diff | snapshots | mutants | init`.

mod args;
mod coverage;
mod diff;
mod init;
mod inspect;
mod mutants;
mod report;
mod run;
mod schema;
mod serve;
mod snapshots;

use std::process::ExitCode;

use clap::Parser;

pub use args::{Cli, Command};

use crate::case::LoadErrors;

/// Exit codes: 0 all passed, 1 a case failed, 2 usage or case-file error
/// (or a report not written), 130 interrupted by Ctrl-C.
pub const EXIT_FAILED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let code = runtime.block_on(async {
        match cli.command {
            Command::Run(args) => run::run(args).await,
            Command::Serve(args) => serve::serve(args).await,
            Command::List(args) => inspect::list(args),
            Command::Check(args) => inspect::check(args),
            Command::Coverage(args) => coverage::coverage(args),
            Command::Report(args::ReportCommand::Merge(args)) => report::merge(args),
            Command::Report(args::ReportCommand::Compare(args)) => report::compare(args),
            Command::Diff(args) => diff::diff(args).await,
            Command::Snapshots(args) => snapshots::review(args),
            Command::Mutants(args) => mutants::mutants(args).await,
            Command::Init(args) => init::init(args),
            Command::Schema(args) => schema::schema(args),
        }
    });
    // Do not wait for idle pooled connections or lingering tasks.
    runtime.shutdown_background();
    ExitCode::from(code)
}

pub(crate) fn usage(message: impl std::fmt::Display) -> u8 {
    eprintln!("error: {message}");
    EXIT_USAGE
}

pub(crate) fn load_errors(errors: &LoadErrors) -> u8 {
    for e in &errors.0 {
        eprintln!("{e}");
    }
    eprintln!(
        "error: {} problem{} in the case files; nothing was sent",
        errors.0.len(),
        if errors.0.len() == 1 { "" } else { "s" }
    );
    EXIT_USAGE
}
