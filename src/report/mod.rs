//! Reporters: they consume the runner's events and results, and know nothing
//! of HTTP. One module per output format; the files ones render a
//! [`document::Report`], which is also what the JSON report stores.

pub mod compare;
pub mod comparison;
pub mod console;
pub mod coverage;
pub mod curl;
pub mod diff;
pub mod document;
pub mod error;
pub mod github;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod merge;
pub mod mutants;
pub mod normalization;
pub mod output;
pub mod progress;
pub mod snapshots;
pub mod spool;
pub mod style;

pub use console::Console;
pub use document::{Collector, Report};
pub use error::{ReportError, WriteError};
