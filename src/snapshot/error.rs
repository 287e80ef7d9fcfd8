//! What can go wrong with snapshot files: a file that is not one
//! ([`NotASnapshot`]), and reading, writing, reviewing or setting up
//! snapshots ([`SnapshotError`]).

use std::io;
use std::path::PathBuf;

use crate::atomic::AtomicError;

/// Text that is not in insta's `.snap` format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotASnapshot {
    #[error("not an insta snapshot: the first line is not `---`")]
    NoOpeningLine,
    #[error("not an insta snapshot: the header has no closing `---`")]
    UnclosedHeader,
}

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// A file or a directory of snapshots could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    /// A stored or pending file is not a snapshot; never taken for a
    /// missing one.
    #[error("{}: {source}", path.display())]
    Malformed { path: PathBuf, source: NotASnapshot },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: AtomicError },
    #[error("cannot remove {}: {source}", path.display())]
    Remove { path: PathBuf, source: io::Error },
    /// A pending file to accept is not a snapshot: it would replace a good one.
    #[error("{}: {source}; left as it is", path.display())]
    NotAccepted { path: PathBuf, source: NotASnapshot },
    #[error("cannot rename {} to {}: {source}", from.display(), to.display())]
    Rename {
        from: PathBuf,
        to: PathBuf,
        source: io::Error,
    },
    /// A pending file listed for review disappeared before it was shown.
    #[error("{} is gone", path.display())]
    Gone { path: PathBuf },
    /// The run's pattern of generated values, which snapshots redact.
    #[error("fresh-value pattern: {0}")]
    FreshPattern(#[source] regex::Error),
    #[error(
        "--snapshots update writes pending snapshot files, but CI is set and nothing is written on CI: run it with CI unset"
    )]
    UpdateOnCi,
    /// Two steps (`first`, `second`: `case, step N`) whose snapshot file
    /// names would be the same.
    #[error(
        "suite `{suite}`: {first} and {second} would share the snapshot file `{name}.snap`: rename a case or a step"
    )]
    SharedFile {
        suite: String,
        first: String,
        second: String,
        name: String,
    },
}
