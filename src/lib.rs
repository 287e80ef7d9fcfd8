//! verity: a contract-testing and conformance harness for member-update APIs.
pub mod atomic;
pub mod case;
pub mod check;
pub mod cli;
pub mod editor_schema;
pub mod http;
pub mod mutants;
pub mod properties;
pub mod reference;
pub mod report;
pub mod run;
pub mod snapshot;
