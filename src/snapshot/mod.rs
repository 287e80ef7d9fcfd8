//! Snapshots: each step's answer, normalized (status, the headers a suite
//! keeps, the JSON body with sorted keys and run-to-run values redacted), and
//! stored in insta's `.snap` format under `snapshots/<suite>/`, one file per
//! case step. Cases check documented rules; snapshots catch every other
//! change in what a server answers.
//!
//! - [`normalize`]: an answer as a snapshot holds it;
//! - [`file`](mod@file) and [`store`]: insta's file format and where files live;
//! - [`error`]: what goes wrong with them;
//! - [`hook`]: the check `verity run` applies after each case;
//! - [`compare`]: two targets compared case by case (`verity diff`).

pub mod compare;
pub mod error;
pub mod file;
pub mod hook;
pub mod normalize;
pub mod store;

pub use error::{NotASnapshot, SnapshotError};
pub use hook::{SnapshotHook, Tally};
pub use normalize::{Normalizer, StepSnapshot};
pub use store::SnapshotStore;

/// What `verity run` does with snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Compare; a difference or a missing snapshot fails the case.
    Check,
    /// Compare, and write each differing or missing answer as a pending
    /// `.snap.new` file to review.
    Update,
}
