//! What can go wrong with reports, one enum per concern: writing one
//! report file ([`WriteError`]) and publishing a run's reports
//! ([`ReportError`], what `verity` prints as `error: ...` and exits 2 for).

use std::io;
use std::path::PathBuf;

use crate::atomic::AtomicError;

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
