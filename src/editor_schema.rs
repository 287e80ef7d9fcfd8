//! JSON Schemas of verity's files for editors (`verity schema KIND`,
//! committed under `docs/schema/`). They are generated from the very types
//! the loader deserializes, so they cannot drift from what verity reads;
//! tests/editor_schema.rs checks the committed copies and validates the
//! committed files against them.

use schemars::generate::SchemaSettings;
use schemars::transform::RecursiveTransform;
use schemars::{JsonSchema, Schema, SchemaGenerator};

use serde_json::Value;

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

/// Editors and validators do not check `format: uint64` and the like, but
/// the loader refuses a number out of its type's range: so the range is
/// spelt out as `minimum`/`maximum`.
fn ranges(schema: &mut Schema) {
    let range: (Value, Value) = match schema.get("format").and_then(Value::as_str) {
        Some("uint" | "uint64") => (0.into(), u64::MAX.into()),
        Some("uint32") => (0.into(), u32::MAX.into()),
        Some("uint16") => (0.into(), u16::MAX.into()),
        Some("uint8") => (0.into(), u8::MAX.into()),
        Some("int" | "int64") => (i64::MIN.into(), i64::MAX.into()),
        Some("int32") => (i32::MIN.into(), i32::MAX.into()),
        _ => return,
    };
    if schema.get("minimum").is_none() {
        schema.insert("minimum".into(), range.0);
    }
    if schema.get("maximum").is_none() {
        schema.insert("maximum".into(), range.1);
    }
}

fn generator() -> SchemaGenerator {
    SchemaSettings::default()
        .with_transform(RecursiveTransform(ranges))
        .into_generator()
}

fn of<T: JsonSchema>(title: &str) -> Schema {
    let mut schema = generator().into_root_schema_for::<T>();
    schema.insert("title".into(), title.into());
    schema
}

pub fn schema(kind: Kind) -> Schema {
    match kind {
        Kind::Suite => of::<SuiteDoc>("verity suite.yaml"),
        Kind::Case => of::<CaseFileDoc>("verity case file"),
        Kind::Properties => of::<PropertiesDoc>("verity properties.yaml"),
        Kind::Baseline => {
            let mut schema = crate::run::baseline::editor_schema(generator());
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
