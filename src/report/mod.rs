//! Reporters: they consume the runner's events and results, and know nothing
//! of HTTP. One module per output format.

pub mod comparison;
pub mod console;
pub mod diff;
pub mod snapshots;
pub mod style;

pub use console::Console;
