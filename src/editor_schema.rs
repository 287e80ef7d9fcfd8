//! JSON Schemas of verity's files for editors (`verity schema KIND`,
//! committed under `docs/schema/`). They are generated from the very types
//! the loader deserializes, so they cannot drift from what verity reads;
//! tests/editor_schema.rs checks the committed copies and validates the
//! committed files against them.

use schemars::{JsonSchema, Schema, SchemaGenerator};

use crate::case::syntax::{CaseFileDoc, SuiteDoc};
use crate::properties::spec::PropertiesDoc;

/// The kinds of file with a schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// `cases/<suite>/suite.yaml`.
    Suite,
    /// A case file: `cases/<suite>/*.yaml` with `cases:`.
    Case,
    /// `cases/<suite>/properties.yaml`.
    Properties,
    /// A baseline of known failures (`--baseline FILE`).
    Baseline,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Suite, Kind::Case, Kind::Properties, Kind::Baseline];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Suite => "suite",
            Kind::Case => "case",
            Kind::Properties => "properties",
            Kind::Baseline => "baseline",
        }
    }

    /// Where the committed copy lives, relative to the repository root.
    pub fn committed_path(self) -> String {
        format!("docs/schema/{}.json", self.name())
    }
}

fn of<T: JsonSchema>(title: &str) -> Schema {
    let mut schema = SchemaGenerator::default().into_root_schema_for::<T>();
    schema.insert("title".into(), title.into());
    schema
}

pub fn schema(kind: Kind) -> Schema {
    match kind {
        Kind::Suite => of::<SuiteDoc>("verity suite.yaml"),
        Kind::Case => of::<CaseFileDoc>("verity case file"),
        Kind::Properties => of::<PropertiesDoc>("verity properties.yaml"),
        Kind::Baseline => {
            let mut schema = crate::run::baseline::editor_schema();
            schema.insert("title".into(), "verity baseline file".into());
            schema
        }
    }
}

/// The text written to `docs/schema/<kind>.json`: pretty, one trailing newline.
pub fn text(kind: Kind) -> String {
    let mut out = serde_json::to_string_pretty(&schema(kind))
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    out.push('\n');
    out
}
