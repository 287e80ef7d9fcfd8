//! The JSON report: the [`Report`] document as it is, versioned (`schema`,
//! `version`), described field by field in `docs/report-schema.md` and by
//! the JSON Schema `docs/report.schema.json`. It carries everything the
//! other formats need, so `verity report merge` rebuilds them from it.

use std::io::Write;
use std::path::Path;

use super::document::{Report, SCHEMA, VERSION};

pub fn render(report: &Report) -> Result<String, String> {
    let mut out = Vec::new();
    write(report, &mut out)?;
    String::from_utf8(out).map_err(|e| format!("cannot write the JSON report: {e}"))
}

/// Writes the report as [`render`] would give it; a spooled report's
/// results are read back and written one at a time.
pub fn write(report: &Report, out: &mut dyn Write) -> Result<(), String> {
    serde_json::to_writer_pretty(&mut *out, report)
        .and_then(|()| out.write_all(b"\n").map_err(serde_json::Error::io))
        .map_err(|e| format!("cannot write the JSON report: {e}"))
}

/// Reads a JSON report written by this or an older compatible verity.
pub fn read(path: &Path) -> Result<Report, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: {e}"))?;
    parse(&text).map_err(|e| format!("{shown}: {e}"))
}

pub fn parse(text: &str) -> Result<Report, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    match value.get("schema").and_then(|s| s.as_str()) {
        Some(SCHEMA) => {}
        _ => {
            return Err(format!(
                "not a verity JSON report (no \"schema\": \"{SCHEMA}\"); write one with --report json:PATH"
            ));
        }
    }
    let version = value.get("version").and_then(|v| v.as_u64());
    if version != Some(u64::from(VERSION)) {
        return Err(format!(
            "report version {} is not the version {VERSION} this verity reads",
            version.map_or("(none)".to_string(), |v| v.to_string())
        ));
    }
    serde_json::from_value(value).map_err(|e| format!("not a valid verity report: {e}"))
}
