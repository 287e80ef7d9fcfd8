//! verity: a contract-testing and conformance harness for member-update APIs.
pub mod reference;
