//! What can go wrong with reports, one enum per concern: the `--report`
//! arguments ([`SpecError`]), writing one report file ([`WriteError`]),
//! publishing a run's reports ([`ReportError`], what `verity` prints as
//! `error: ...` and exits 2 for), reading a JSON report back
//! ([`ReadError`], [`ParseError`]) and merging reports ([`MergeError`]).

use std::io;
use std::path::PathBuf;

use super::document::{SCHEMA, VERSION};
use super::output::Format;
use crate::atomic::AtomicError;
use crate::run::Shard;
use crate::run::shard::ShardError;

/// Why one report's text was not produced or not written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// `document` names what was serialized: `report`, `matrix`, ...
    #[error("cannot write the JSON {document}: {source}")]
    Json {
        document: &'static str,
        source: serde_json::Error,
    },
    #[error("cannot write JUnit XML: {0}")]
    Junit(#[source] quick_junit::SerializeError),
    #[error(transparent)]
    File(#[from] AtomicError),
    /// A format the command refuses before it runs (`--report` is
    /// checked up front); `format` as the message names it.
    #[error("{command} writes no {format}")]
    Unsupported {
        command: &'static str,
        format: &'static str,
    },
}

impl WriteError {
    /// Writing the text out failed.
    pub fn io(source: io::Error) -> WriteError {
        WriteError::File(AtomicError::Write(source))
    }
}

/// A problem with a run's reports, found when they are written: the
/// run's verdict stands, but verity exits 2.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("report {}: {source}", path.display())]
    NotWritten { path: PathBuf, source: WriteError },
    #[error("cannot append to the step summary {}: {source}", path.display())]
    StepSummary { path: PathBuf, source: io::Error },
    /// The temporary file that keeps results failed (`spool`), and so did
    /// reading back what it held (`source`).
    #[error(
        "the temporary file of results failed ({spool}; then {source}): the cases that passed before are reported without their requests and answers"
    )]
    ResultsLost { spool: io::Error, source: io::Error },
}

/// A `--report FORMAT:PATH` that cannot be written, refused before
/// anything runs.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("--report `{text}`: write FORMAT:PATH, e.g. junit:report.xml")]
    NoFormat { text: String },
    #[error("--report `{text}`: unknown format `{format}` (junit, json, markdown or html)")]
    UnknownFormat { text: String, format: String },
    #[error("--report `{text}`: the path is empty")]
    EmptyPath { text: String },
    /// A format this command does not write; `allowed` are those it does.
    #[error(
        "--report {}:{}: {command} writes {}",
        format.name(),
        path.display(),
        allowed.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ")
    )]
    FormatNotWritten {
        format: Format,
        path: PathBuf,
        command: &'static str,
        allowed: Vec<Format>,
    },
    #[error("--report {}: the directory {} does not exist", path.display(), dir.display())]
    NoDirectory { path: PathBuf, dir: PathBuf },
    #[error("--report {}: is a directory; name a file", path.display())]
    IsDirectory { path: PathBuf },
    #[error("--report {}: named twice", path.display())]
    NamedTwice { path: PathBuf },
}

/// Why a JSON report file could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("{}: {source}", path.display())]
    Parse { path: PathBuf, source: ParseError },
}

/// Why a text is not a JSON report this verity reads.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("not JSON: {0}")]
    NotJson(#[source] serde_json::Error),
    #[error(
        "not a verity JSON report (no \"schema\": \"{schema}\"); write one with --report json:PATH",
        schema = SCHEMA
    )]
    NotAReport,
    /// `found`: the report's `version`, if it has a number there.
    #[error(
        "report version {} is not the version {VERSION} this verity reads",
        found.map_or("(none)".to_string(), |v| v.to_string())
    )]
    Version { found: Option<u64> },
    #[error("not a valid verity report: {0}")]
    Invalid(#[source] serde_json::Error),
}

/// Why reports cannot be merged into one (`verity report merge`): a merged
/// report that silently lacked or doubled cases would mislead a gate.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("no report to merge")]
    NoReport,
    #[error("{}: `{}` is not a shard I/N", path.display(), source.text)]
    BadShard { path: PathBuf, source: ShardError },
    #[error("shard {shard} is in both {} and {}", first.display(), second.display())]
    ShardTwice {
        shard: Shard,
        first: PathBuf,
        second: PathBuf,
    },
    #[error(
        "case {id} is in both {} and {}: merge the reports of distinct shards or suites",
        first.display(),
        second.display()
    )]
    CaseTwice {
        id: String,
        first: PathBuf,
        second: PathBuf,
    },
    /// `counts`: the shard counts found, `N` of each `I/N`.
    #[error(
        "the reports come from different shardings ({}): merge the shards of one run",
        counts.iter().map(|c| format!("/{c}")).collect::<Vec<_>>().join(", ")
    )]
    Shardings { counts: Vec<u32> },
    #[error(
        "shard {} missing: pass the report of every shard",
        missing.iter().map(Shard::to_string).collect::<Vec<_>>().join(", ")
    )]
    MissingShards { missing: Vec<Shard> },
}
