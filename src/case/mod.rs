//! The declarative model: case files, their syntax, and the loader that turns
//! them into validated suites. Nothing here sends a request.

pub mod boolean;
mod compiled;
pub mod error;
pub mod load;
pub mod model;
pub mod print;
mod read;
pub mod schema;
pub mod statements;
pub mod syntax;
pub mod template;
pub mod verdict;
pub mod visit;
mod yaml_error;

pub use error::{LineColumn, LoadError, LoadErrors};
pub use load::{load_path, load_root, load_suite};
pub use model::*;
