use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::report::output::ReportSpec;
use crate::run::Shard;

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
  verity run --report junit:verity.xml --report markdown:verity.md --report json:verity.json
  verity run --report html:verity.html         one page: failures, diffs, curl commands, filters
  verity run --base-url https://api.onsi.dev --rate-limit 20/s --retries 3 --max-time 600
  verity run --shard 2/4 --report json:shard-2.json     one quarter of the cases, for a CI matrix
  verity run --baseline known-failures.yaml --fail-fast
  verity run --snapshots update; verity snapshots accept     record changed answers as snapshots
  verity run --base-url http://staging:8080 --snapshots update --snapshot-dir staging-snapshots/
                                               keep snapshots of your own server's answers
  verity run --properties only --property-cases 500 --seed 42 --save-failures
  verity run --base-url https://api.onsi.dev --concurrency-checks off   no requests sent at once

Snapshots: each step's answer, normalized, is compared with snapshots/<suite>/
(insta's .snap files); a difference fails the case with a diff. `update` writes
the new answers as pending .snap.new files: review them with `verity snapshots
pending`, then `accept` or `reject` (or `cargo insta review`). With CI set,
nothing is written and a missing snapshot fails.

Variables: a value comes from --var NAME=VALUE, else from the environment
variable VERITY_VAR_<NAME>, else (embedded servers only) from the reference
server, else from the suite's default. Secret variables are masked in every
output. A case that needs a variable without a value is skipped, with the reason.

Properties: suites with a properties.yaml also get generated partial
updates (property::valid-partial-update, ::invalid-partial-update,
::stateful-sequence, ::unknown-resource, and where a suite allows
requests at once ::concurrent-updates), each reported as one result. A
failure is shrunk to the smallest request sequence found and printed as a
case file; --save-failures writes it under cases/<suite>/regressions/.
--concurrency-checks off leaves out the requests sent at once.

Reports (--report) are written atomically, and also when the run fails or
is stopped by Ctrl-C or --max-time; cases it did not finish are reported as
skipped, with the reason. Under GitHub Actions (GITHUB_ACTIONS=true) each
failure is also an error annotation on its case file and line, and the
Markdown report is appended to the job summary.

Exit status: 0 when every case passed (known failures from --baseline
included), 1 when any failed or --max-time stopped the run, 2 for usage or
case-file errors (nothing is sent then) or a report that could not be
written, 130 when interrupted by Ctrl-C (reports are written first).";

const REPORT_AFTER: &str = "\
Examples:
  verity report merge shard-*.json --report junit:verity.xml --report markdown:verity.md
  verity report merge shard-*.json --report html:verity.html     one page to open in a browser

Every shard of a set (--shard I/N) must be there, and no case may appear
twice. Exit status: 0 when the merged run passed, 1 when a case failed or a
shard's run was stopped, 2 when the reports cannot be read or merged.";

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
    /// List each documented statement of the suites' registries
    /// (statements.yaml) with its level and the cases and properties that
    /// check it, then the statements nothing checks. Sends nothing.
    #[command(after_long_help = COVERAGE_AFTER)]
    Coverage(CoverageArgs),
    /// Work with JSON reports: merge the shards of a run, compare two runs.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Run the same cases against two targets and show where their answers differ.
    #[command(after_long_help = DIFF_AFTER)]
    Diff(DiffArgs),
    /// Review pending snapshots: accept or reject the `.snap.new` files
    /// `verity run --snapshots update` wrote.
    #[command(after_long_help = SNAPSHOTS_AFTER)]
    Snapshots(SnapshotsArgs),
    /// Run the suites against each fault of the catalogue: which cases and
    /// properties catch it, and the kill rate.
    #[command(after_long_help = MUTANTS_AFTER)]
    Mutants(MutantsArgs),
    /// Write the suites built into verity (`cases/`, and the `snapshots/`
    /// recorded from the reference servers) into a directory, for an
    /// installed verity with no checkout at hand. Nothing is overwritten.
    ///
    /// Example: verity init conformance && cd conformance && verity run
    Init(InitArgs),
    /// Print the JSON Schema of a kind of file, for editors (the same as
    /// docs/schema/KIND.json). With no KIND, list the kinds.
    ///
    /// Example: verity schema case > case.schema.json
    Schema(SchemaArgs),
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which file's schema to print.
    #[arg(value_name = "KIND")]
    pub kind: Option<crate::editor_schema::Kind>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write `cases/` and `snapshots/`.
    #[arg(default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Merge the JSON reports of the shards of a run into one report.
    #[command(after_long_help = REPORT_AFTER)]
    Merge(MergeArgs),
    /// Compare two runs' JSON reports (last release's against today's): what
    /// is newly failing, fixed, still failing, added, removed, slower, and
    /// where the answers changed.
    #[command(after_long_help = COMPARE_AFTER)]
    Compare(CompareArgs),
}

const COMPARE_AFTER: &str = "\
Examples:
  verity report compare release-2.3.json today.json
  verity report compare release-2.3.json today.json --report html:changes.html --report markdown:changes.md
  verity report compare --old old/shard-1.json --old old/shard-2.json --new new/shard-1.json --new new/shard-2.json
  verity report compare old.json new.json --slower-than 1.5x --report json:changes.json

Cases and properties are matched by `suite::case`, steps by name. Each case
is newly failing, failing differently (failing on both sides, at other
checks or steps), newly warning, fixed, still failing (the same checks at
the same steps), added, removed, skipped (on a side: nothing to say) or
unchanged. A known failure (--baseline) counts as failing.

Several reports per side: those holding distinct cases (the shards of one
run, runs of different suites) are merged as `verity report merge` merges
them, refusing a set with a shard missing; a report that repeats cases is
another run of them, and times are medians over the runs (a case failing in
any run counts as failing, with `N of M runs failed`).

Answers: for each step whose answer both reports kept, the answers are
normalized as snapshots are (status, the suite's kept headers, the JSON body
with sorted keys) with the new report's redactions and each run's generated
values as labels, and the steps whose normalized answers differ are shown
as diffs. Properties' answers (generated inputs) are not diffed. Reports of
a verity that did not record its normalization get no answer diffs, with a
note; their outcomes and times are compared.

A case is slower when its median time grew by the --slower-than factor and
by at least 20 ms (times are whole milliseconds).

--report writes the comparison as markdown, html (one self-contained page:
filters per change, a search, the diffs coloured) or json (schema
\"verity-compare\", version 1, described by docs/compare.schema.json).

Exit status: 0 when nothing is newly failing, 1 when a case is newly
failing, 2 when a report cannot be read, is of another schema version, the
sides share no suite, or a report could not be written.";

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The old and the new run's JSON reports (`verity run --report
    /// json:PATH`), in that order. Or name each side's with --old and --new.
    #[arg(value_name = "OLD.json NEW.json", num_args = 0..=2)]
    pub reports_pair: Vec<PathBuf>,

    /// A report of the old side (repeatable: shards or repeated runs).
    #[arg(long = "old", value_name = "REPORT.json")]
    pub old: Vec<PathBuf>,

    /// A report of the new side (repeatable: shards or repeated runs).
    #[arg(long = "new", value_name = "REPORT.json")]
    pub new: Vec<PathBuf>,

    /// A case whose median time grew by this factor (and by at least 20 ms)
    /// is listed as slower: `2x`, `1.5x`.
    #[arg(long, default_value = "2x", value_name = "FACTOR")]
    pub slower_than: String,

    /// Write the comparison: `markdown:PATH`, `html:PATH` or `json:PATH`
    /// (repeatable). Written atomically.
    #[arg(long = "report", value_name = "FORMAT:PATH")]
    pub reports: Vec<ReportSpec>,

    /// Print only what is newly failing or failing differently, and the summary.
    #[arg(short, long)]
    pub quiet: bool,

    /// Colour the output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// JSON reports written by `verity run --report json:PATH`.
    #[arg(required = true, value_name = "REPORT.json")]
    pub inputs: Vec<PathBuf>,

    /// Write the merged report: `junit:PATH`, `json:PATH`, `markdown:PATH`
    /// or `html:PATH` (repeatable).
    #[arg(long = "report", value_name = "FORMAT:PATH")]
    pub reports: Vec<ReportSpec>,

    /// Print only failures and the summary.
    #[arg(short, long)]
    pub quiet: bool,

    /// Colour the output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PropertiesMode {
    On,
    Off,
    Only,
}

/// A check that is on by default and can be turned off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    On,
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

/// What `verity run` and `verity diff` share: which suites, from where,
/// against what, and how requests are sent.
#[derive(Debug, Args)]
pub struct TargetArgs {
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

    /// Limit for opening each connection (TCP and TLS), in seconds.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    pub connect_timeout: f64,

    /// Retries of a request that failed to connect or was answered 429 or
    /// 503, with exponential backoff from 0.5 s, or the wait its
    /// `Retry-After` asks for. Timeouts are never retried. 0: no retries.
    #[arg(long, default_value_t = 3, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=20))]
    pub retries: u32,

    /// Longest wait before a retry, in seconds. An answer whose
    /// `Retry-After` asks for longer is reported as it is.
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    pub retry_max_wait: f64,

    /// Send at most this many requests per second over the whole run,
    /// evenly spaced, retries included: `20/s`, `600/m` or `20`.
    #[arg(long, value_name = "N/s")]
    pub rate_limit: Option<String>,

    /// Trust the CA certificates in this PEM file, on top of the system
    /// roots (a vendor sandbox or a company proxy with a private CA).
    #[arg(long, value_name = "PATH")]
    pub cacert: Option<PathBuf>,

    /// Accept any TLS certificate. Anyone on the network path can then read
    /// and change the traffic, API keys included: only for a sandbox you
    /// control. Prefer --cacert.
    #[arg(long)]
    pub insecure: bool,

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

    /// Strict: also run the strict profile (conventional but undocumented
    /// behaviour), and make warnings fail (advisory checks of what the docs
    /// only show in an example decide like the others).
    #[arg(long)]
    pub strict: bool,

    /// The directory holding one subdirectory per suite.
    #[arg(long, default_value = "cases", value_name = "DIR")]
    pub cases: PathBuf,

    /// Print only failures and the summary.
    #[arg(short, long)]
    pub quiet: bool,

    /// Colour the output (`auto`: on a terminal, unless NO_COLOR is set).
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub target: TargetArgs,

    /// Limit for the whole run, in seconds. When it is reached the cases in
    /// flight are abandoned, the reports are written (unfinished cases as
    /// skipped) and verity exits with status 1.
    #[arg(long, value_name = "SECONDS")]
    pub max_time: Option<f64>,

    /// Write a report: `junit:PATH`, `json:PATH`, `markdown:PATH` or
    /// `html:PATH` (one self-contained page to open in a browser), or
    /// `coverage:PATH` (the run's coverage of the statement registry and of
    /// documented statuses; Markdown, or JSON for a .json path)
    /// (repeatable). Written atomically, even when the run fails or is
    /// stopped.
    #[arg(long = "report", value_name = "FORMAT:PATH")]
    pub reports: Vec<ReportSpec>,

    /// Exit 1 when a `must` statement has no check, or a status a `must`
    /// statement documents for an operation was never answered in this run
    /// (`unobservable` statements are exempt). Reasons go to stderr.
    #[arg(long)]
    pub require_coverage: bool,

    /// Start no case after the first failure; cases in flight finish, the
    /// rest are reported as skipped.
    #[arg(long)]
    pub fail_fast: bool,

    /// Known failures: a YAML file listing `suite::case` entries with a
    /// reason and an optional expiry date (see the README). Listed failures
    /// are reported as known and do not fail the run until they expire.
    #[arg(long, value_name = "PATH")]
    pub baseline: Option<PathBuf>,

    /// Run only shard I of N (1-based): a fixed share of the cases, chosen by
    /// a hash of each `suite::case`, so N machines together run every case
    /// once. Combine their JSON reports with `verity report merge`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,

    /// Generated partial updates, from each suite's `properties.yaml`: `on`
    /// runs them beside the cases, `off` leaves them out, `only` runs them
    /// alone.
    #[arg(long, value_enum, default_value_t = PropertiesMode::On, value_name = "WHEN")]
    pub properties: PropertiesMode,

    /// Generated cases per property (shrinking a failure replays more).
    /// schema-coverage is a sweep: it sends each of its probes once (`verity
    /// check -v` counts them), whatever this says. Against a paced server (Toluna: 1000 ms between calls on a MemberCode)
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

    /// property::concurrent-updates, in suites whose properties.yaml has
    /// `concurrency:` (Onsi; not Toluna, whose docs refuse near-simultaneous
    /// calls): per round it creates a resource, sends partial updates of
    /// different fields all at once (8 for Onsi) and reads it back: every
    /// update answered 2xx must show; then creations sharing one value of a
    /// unique field, at once: at most one admitted. Onsi: 26 requests a run,
    /// against the embedded servers and --base-url alike. `off` leaves it out
    /// (a server that must not see bursts).
    #[arg(long, value_enum, default_value_t = Switch::On, value_name = "WHEN")]
    pub concurrency_checks: Switch,

    /// Also print the requests and checks of passing cases.
    #[arg(short, long, conflicts_with = "quiet")]
    pub verbose: bool,

    /// Snapshots of each step's normalized answer: `check` compares the
    /// answers with the stored snapshots (a difference fails the case),
    /// `update` also writes each new answer as a pending `.snap.new` file to
    /// review with `verity snapshots accept|reject`, `off` ignores them.
    /// Default: `check` for suites run against the embedded reference servers,
    /// whose answers the committed snapshots record; against a URL, only when
    /// --snapshots or --snapshot-dir is given. With CI set, nothing is written.
    #[arg(long, value_enum, value_name = "MODE")]
    pub snapshots: Option<SnapshotMode>,

    /// The snapshot directory, one subdirectory per suite. Default:
    /// `snapshots` beside the cases directory.
    #[arg(long, value_name = "DIR")]
    pub snapshot_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SnapshotMode {
    Check,
    Update,
    Off,
}

const DIFF_AFTER: &str = "\
Examples:
  verity diff --against http://127.0.0.1:8080          the embedded servers against yours
  verity diff --base-url https://api.onsi.dev --against https://api.onsi.com --suite onsi \\
              --var api_key=$ONSI_KEY --var active_member_id=mem_...

Both targets get the same cases, variables and options. Each step's answer is
normalized as for snapshots (status, the headers the suite keeps, the JSON body
with sorted keys) and the values the suite redacts, and those verity generated,
do not count as differences. The report lists each case that differs, with a
diff of each step whose answers differ (A: --base-url, B: --against), and ends
with `N of M cases agree, K differ`.

Exit status: 0 when every compared case agrees, 1 when any differs, 2 for
usage or case-file errors.";

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The second target (B): `URL` for every suite, or `SUITE=URL` for one
    /// (repeatable). Only suites with a second target are compared.
    #[arg(long, value_name = "[SUITE=]URL", required = true)]
    pub against: Vec<String>,

    /// The first target (A) is --base-url; suites without one run against
    /// the embedded reference servers.
    #[command(flatten)]
    pub target: TargetArgs,
}

const SNAPSHOTS_AFTER: &str = "\
`verity run --snapshots update` writes each answer that differs from its
snapshot, or has none, beside it as NAME.snap.new. `accept` renames each
pending file over its snapshot, `reject` deletes it, as `cargo insta review`
would (which reads the same files). Commit the snapshots you accept.";

#[derive(Debug, Args)]
pub struct SnapshotsArgs {
    #[command(subcommand)]
    pub action: SnapshotsAction,
}

#[derive(Debug, Subcommand)]
pub enum SnapshotsAction {
    /// Make every pending snapshot the stored one.
    Accept(ReviewArgs),
    /// Delete every pending snapshot.
    Reject(ReviewArgs),
    /// Show each pending snapshot as a diff against the stored one.
    Pending(ReviewArgs),
    /// Delete the snapshot files that no step of the suites' cases names
    /// any more: those a renamed or removed case or step left behind
    /// (`verity run` lists them).
    ///
    /// Example: verity snapshots prune --dry-run
    Prune(PruneArgs),
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    #[command(flatten)]
    pub review: ReviewArgs,

    /// The directory of the suites whose cases name the snapshots.
    #[arg(long, default_value = "cases", value_name = "DIR")]
    pub cases: PathBuf,

    /// List what would be deleted; delete nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// Only this suite (repeatable). Default: every suite.
    #[arg(long = "suite", value_name = "NAME")]
    pub suites: Vec<String>,

    /// The snapshot directory, one subdirectory per suite.
    #[arg(long, default_value = "snapshots", value_name = "DIR")]
    pub snapshot_dir: PathBuf,
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

    /// Answer as a correct server that reads the docs another way where they
    /// allow it (repeatable, or comma-separated). `other-wording`: every error
    /// message in other words than the docs' examples, statuses, codes and
    /// shapes unchanged; a suite that checks only what the docs state passes
    /// against it. `--readings list` lists them.
    #[arg(long = "readings", value_name = "NAME", value_delimiter = ',')]
    pub readings: Vec<String>,
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

const COVERAGE_AFTER: &str = "\
Examples:
  verity coverage                        every suite with a statements.yaml
  verity coverage --suite toluna         one suite
  verity coverage --cases my-suites      suites kept elsewhere

Each suite may keep a registry of the vendors' documented statements,
cases/<suite>/statements.yaml: per statement an id, the vendor's words
(`quote`, with its `source` page), and a level:
  must     the docs state it as a rule (status tables, \"required\", schemas);
  example  the docs only show it in an example (a message's wording);
  open     the docs leave it open or contradict themselves; the entry lists
           each reading a check must accept, as a sample answer.
Cases, expectations, JSONPath assertions and properties name the statements
they check with `checks: [ID, ...]`; a check inherits the ids of its
expectation, an expectation those of its case. `verity check` and `verity
run` refuse an unknown id and a check against an `open` statement that fails
one of its readings; `verity check` warns about statements nothing checks.

Output, per suite: a summary line (statements by level, how many are
checked), then each checked statement with its level and the cases and
properties (property::NAME) that check it, then the statements checked by
nothing, each with its quote or, when no run of a correct server can show
it, why (`unobservable`), and its file:line:column.

Exit status: 0, also when statements are unchecked; 2 when the case files
cannot be loaded or a suite named with --suite has no statements.yaml.";

#[derive(Debug, Args)]
pub struct CoverageArgs {
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
    /// Also say what schema-coverage derives from each request schema, the
    /// constraints it leaves out and why, and which hand-declared invalid
    /// values of `properties.yaml` a derived probe already sends.
    #[arg(short, long)]
    pub verbose: bool,
}

const MUTANTS_AFTER: &str = "\
Examples:
  verity mutants                                   every suite, every fault, cases and properties
  verity mutants --suite onsi --fault onsi-patch-echo-stale --fault onsi-patch-half-applied -v
  verity mutants --properties off                  what the hand-written cases alone catch
  verity mutants --property-cases 20 --report markdown:mutants.md --report json:mutants.json

Each run is the default `verity run` (the cases, then the properties with the
same seed and number of generated cases) on a fresh in-process server on
127.0.0.1: first the clean reference servers, then one server per fault with
that fault alone switched on (`verity serve --fault list` lists the catalogue).
A fault is caught when a case or property that passes on the clean servers
fails with it; a case failing on the clean servers is a false alarm and
catches nothing. Snapshots are off: they record the clean servers' answers, so
any fault would change them. Properties stop at their first failure (no
shrinking: `verity serve --fault NAME` and `verity run --base-url ... --seed N`
show a shrunk counterexample). --var and VERITY_VAR_* do not apply: the
embedded servers provide every value.

The matrix prints a line per fault: CAUGHT with the cases and properties that
failed (the first three and a count; -v lists each with what failed),
SURVIVED (a case is missing: add one, never drop the fault) or NOT RUN; then
how many faults the cases alone and the properties alone catch, and last the
kill rate with the clean servers' result. --report writes the matrix as json,
markdown or junit (one test case per fault), atomically, also after Ctrl-C.

Exit status: 0 when the clean servers pass and every fault is caught, 1 when a
fault survived, a case failed on the clean servers or verity failed on its
own, 2 for usage or case-file errors (nothing is sent then) or a report that
could not be written, 130 when interrupted by Ctrl-C (reports written first).";

#[derive(Debug, Args)]
pub struct MutantsArgs {
    /// Run only this suite (repeatable), against the faults of its server.
    /// Default: every suite with an embedded reference server.
    #[arg(long = "suite", value_name = "NAME")]
    pub suites: Vec<String>,

    /// Run only this fault of the catalogue (repeatable); `--fault list`
    /// lists them. Default: every fault of the selected suites' servers.
    #[arg(long = "fault", value_name = "NAME")]
    pub faults: Vec<String>,

    /// The directory holding one subdirectory per suite.
    #[arg(long, default_value = "cases", value_name = "DIR")]
    pub cases: PathBuf,

    /// The properties in each run: `on` beside the cases, `off` the cases
    /// alone, `only` the properties alone.
    #[arg(long, value_enum, default_value_t = PropertiesMode::On, value_name = "WHEN")]
    pub properties: PropertiesMode,

    /// Generated cases per property, in each run (schema-coverage sends
    /// each of its probes once, whatever this says).
    #[arg(long, default_value_t = crate::properties::Settings::DEFAULT_CASES, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub property_cases: u32,

    /// Seed of the property generator, the same in every run. Fixed by
    /// default, so the matrix is the same from one day to the next.
    #[arg(long, default_value_t = crate::mutants::DEFAULT_SEED, value_name = "N")]
    pub seed: u64,

    /// Cases run at the same time within each run (the runs themselves go
    /// one after the other).
    #[arg(long, default_value_t = 8, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: u16,

    /// Write the matrix: `json:PATH`, `markdown:PATH` or `junit:PATH`
    /// (repeatable). Written atomically, also when a fault survives or the
    /// runs are stopped.
    #[arg(long = "report", value_name = "FORMAT:PATH")]
    pub reports: Vec<ReportSpec>,

    /// Print only what needs work (surviving faults, false alarms) and the
    /// kill rate.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Also print, under each caught fault, every case and property that
    /// caught it and what failed.
    #[arg(short, long)]
    pub verbose: bool,

    /// Colour the output (`auto`: on a terminal, unless NO_COLOR is set).
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}
