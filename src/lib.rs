//! verity: a contract-testing and conformance harness for member-update APIs.
//!
//! The pipeline, one module each: [`case`] reads case files (and
//! `properties.yaml`) into one typed model; [`properties`] builds generated
//! cases straight into the same model; [`run`] plans and runs cases with
//! [`http`]'s client and [`check`]'s pure checks, giving results; [`report`]
//! writes them (console, JUnit, JSON, Markdown, HTML, comparisons) and
//! [`snapshot`] keeps and diffs answers. Beside it, [`reference`](mod@reference) holds the
//! embedded servers and their fault catalogue, which [`mutants`] runs the
//! suites against.
//!
//! The command line (`cli`) and the file-writing helpers (`atomic`) are the
//! binary's and the tests', not part of the API.
#[doc(hidden)]
pub mod atomic;
pub mod case;
pub mod check;
#[doc(hidden)]
pub mod cli;
pub mod editor_schema;
pub mod http;
pub mod mutants;
pub mod properties;
pub mod reference;
pub mod report;
pub mod run;
pub mod snapshot;
