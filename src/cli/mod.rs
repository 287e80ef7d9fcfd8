//! The command line: `verity run | serve | list | check`.

mod args;
mod commands;

use std::process::ExitCode;

use clap::Parser;

pub use args::{Cli, Command};

/// Exit codes: 0 all passed, 1 a case failed, 2 usage or case-file error.
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
    let code = runtime.block_on(commands::dispatch(cli));
    // Do not wait for idle pooled connections or lingering tasks.
    runtime.shutdown_background();
    ExitCode::from(code)
}
