use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const ABOUT: &str = "Contract-testing and conformance harness for the Toluna Member API v2 and the Onsi Members API.";

const LONG_ABOUT: &str = "\
verity checks an HTTP server against the documented behaviour of Toluna's \
Integrated Panel Member API v2 and Onsi's Members API. It runs declarative \
case files (cases/<suite>/*.yaml) against any base URL; with no URL it starts \
its own embedded reference servers, so `verity run` works on a fresh machine.";

const RUN_AFTER: &str = "\
Examples:
  verity run                                   every suite against the embedded reference servers
  verity run --suite onsi --base-url https://api.onsi.dev --var api_key=$ONSI_KEY
  verity run --base-url toluna=http://127.0.0.1:8080 --base-url onsi=http://127.0.0.1:9090
  VERITY_VAR_API_KEY=... verity run --base-url http://127.0.0.1:8080 --var active_member_id=mem_...
  verity run --properties only --property-cases 500 --seed 42 --save-failures

Variables: a value comes from --var NAME=VALUE, else from the environment
variable VERITY_VAR_<NAME>, else (embedded servers only) from the reference
server, else from the suite's default. Secret variables are masked in every
output. A case that needs a variable without a value is skipped, with the reason.

Properties: suites with a properties.yaml also get generated partial
updates (property::valid-partial-update, ::invalid-partial-update,
::stateful-sequence, ::unknown-resource), each reported as one result. A
failure is shrunk to the smallest request sequence found and printed as a
case file; --save-failures writes it under cases/<suite>/regressions/.

Exit status: 0 when every case passed, 1 when any failed, 2 for usage or
case-file errors (nothing is sent then).";

#[derive(Debug, Parser)]
#[command(name = "verity", version, about = ABOUT, long_about = LONG_ABOUT)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the case suites against a server (the embedded ones by default).
    #[command(after_long_help = RUN_AFTER)]
    Run(RunArgs),
    /// Serve the embedded reference servers until Ctrl-C.
    Serve(ServeArgs),
    /// List the suites and their cases.
    List(ListArgs),
    /// Validate case files without sending anything.
    Check(CheckArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PropertiesMode {
    On,
    Off,
    Only,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Run only this suite (repeatable). Default: every suite.
    #[arg(long = "suite", value_name = "NAME")]
    pub suites: Vec<String>,

    /// Base URL of the server under test: `URL` for every suite, or
    /// `SUITE=URL` for one (repeatable). Suites without one run against the
    /// embedded reference servers.
    #[arg(long = "base-url", value_name = "[SUITE=]URL")]
    pub base_urls: Vec<String>,

    /// Set a suite variable, e.g. `--var api_key=...` (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,

    /// Cases run at the same time.
    #[arg(long, default_value_t = 8, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: u16,

    /// Limit for each request, in seconds.
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    pub timeout: f64,

    /// Responses with a body larger than this many bytes fail their step.
    #[arg(long, default_value_t = 10 * 1024 * 1024, value_name = "BYTES")]
    pub max_body: usize,

    /// Only cases whose `suite::case` name contains this text (repeatable).
    #[arg(long = "filter", value_name = "TEXT")]
    pub filters: Vec<String>,

    /// Do not pace requests, even where a suite asks for it against real
    /// servers (Toluna: 1000 ms between calls on one MemberCode). For local
    /// servers that do not need it.
    #[arg(long)]
    pub no_pacing: bool,

    /// Also run the strict profile: conventional but undocumented behaviour.
    #[arg(long)]
    pub strict: bool,

    /// The directory holding one subdirectory per suite.
    #[arg(long, default_value = "cases", value_name = "DIR")]
    pub cases: PathBuf,

    /// Generated partial updates, from each suite's `properties.yaml`: `on`
    /// runs them beside the cases, `off` leaves them out, `only` runs them
    /// alone.
    #[arg(long, value_enum, default_value_t = PropertiesMode::On, value_name = "WHEN")]
    pub properties: PropertiesMode,

    /// Generated cases per property (shrinking a failure replays more).
    /// Against a paced server (Toluna: 1000 ms between calls on a MemberCode)
    /// each case takes seconds: lower it there.
    #[arg(long, default_value_t = crate::properties::Settings::DEFAULT_CASES, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub property_cases: u32,

    /// Seed of the property generator. The same seed generates the same
    /// requests; values that must be new on the server (emails, member
    /// codes, idempotency keys) stay fresh at each run. Default: a random
    /// seed, printed at the start.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Write each shrunk counterexample as a case file under
    /// `<cases>/<suite>/regressions/` (never over an existing file); plain
    /// `verity run` then runs it with the other cases.
    #[arg(long)]
    pub save_failures: bool,

    /// Print only failures and the summary.
    #[arg(short, long)]
    pub quiet: bool,

    /// Colour the output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Serve only this API: `toluna` or `onsi` (repeatable). Default: both.
    #[arg(long = "suite", value_name = "NAME")]
    pub suites: Vec<String>,

    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    /// The x-api-key the Onsi server accepts. Default: the public demo key
    /// `verity-demo-key`, which the onsi suite uses by default.
    #[arg(
        long,
        value_name = "KEY",
        env = "VERITY_SERVE_API_KEY",
        hide_env_values = true
    )]
    pub api_key: Option<String>,

    /// Switch on a named fault (a deliberate deviation from the docs), to see
    /// the suites catch it (repeatable). `--fault list` lists them.
    #[arg(long = "fault", value_name = "NAME")]
    pub faults: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only this suite (repeatable).
    #[arg(long = "suite", value_name = "NAME")]
    pub suites: Vec<String>,

    /// The directory holding one subdirectory per suite.
    #[arg(long, default_value = "cases", value_name = "DIR")]
    pub cases: PathBuf,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// A cases directory, a suite directory or one case file.
    #[arg(default_value = "cases")]
    pub path: PathBuf,
}
