//! The JSON report: the [`Report`] document as it is, versioned (`schema`,
//! `version`), described field by field in `docs/report-schema.md` and by
//! the JSON Schema `docs/report.schema.json`. It carries everything the
//! other formats need, so `verity report merge` rebuilds them from it.

use std::io::Write;
use std::path::Path;

use super::document::{Report, SCHEMA, VERSION};
use super::error::{ParseError, ReadError, WriteError};

pub fn render(report: &Report) -> Result<String, WriteError> {
    pretty(report, "report")
}

/// Writes the report as [`render`] would give it; a spooled report's
/// results are read back and written one at a time.
pub fn write(report: &Report, out: &mut dyn Write) -> Result<(), WriteError> {
    serde_json::to_writer_pretty(&mut *out, report)
        .and_then(|()| out.write_all(b"\n").map_err(serde_json::Error::io))
        .map_err(|source| WriteError::Json {
            document: "report",
            source,
        })
}

/// A JSON document as every JSON report is written: indented, a line
/// break at the end; `document` names it in an error.
pub fn pretty(value: &impl serde::Serialize, document: &'static str) -> Result<String, WriteError> {
    serde_json::to_string_pretty(value)
        .map(|s| s + "\n")
        .map_err(|source| WriteError::Json { document, source })
}

/// Reads a JSON report written by this or an older compatible verity.
pub fn read(path: &Path) -> Result<Report, ReadError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text).map_err(|source| ReadError::Parse {
        path: path.to_path_buf(),
        source,
    })
}

pub fn parse(text: &str) -> Result<Report, ParseError> {
    // The two fields that say what the document is, read without building
    // a tree of the whole (a merged report can be large).
    #[derive(serde::Deserialize)]
    struct Head {
        schema: Option<serde_json::Value>,
        version: Option<serde_json::Value>,
    }
    let head = match serde_json::from_str::<Head>(text) {
        Ok(head) => head,
        // JSON, but not an object.
        Err(e) if e.is_data() => Head {
            schema: None,
            version: None,
        },
        Err(e) => return Err(ParseError::NotJson(e)),
    };
    if head.schema.as_ref().and_then(|s| s.as_str()) != Some(SCHEMA) {
        return Err(ParseError::NotAReport);
    }
    let found = head.version.as_ref().and_then(|v| v.as_u64());
    if found != Some(u64::from(VERSION)) {
        return Err(ParseError::Version { found });
    }
    serde_json::from_str(text).map_err(ParseError::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_is_told_apart_from_other_documents() {
        let e = parse("{oops").unwrap_err();
        assert!(e.to_string().starts_with("not JSON"), "{e}");
        for other in ["[1, 2]", "{}", r#"{"schema": "other", "version": 1}"#] {
            let e = parse(other).unwrap_err();
            assert!(
                e.to_string().starts_with(
                    "not a verity JSON report (no \"schema\": \"verity-report\"); write one with --report json:PATH"
                ),
                "{other}: {e}"
            );
        }
        let e = parse(r#"{"schema": "verity-report", "version": 99}"#).unwrap_err();
        assert!(e.to_string().contains("report version 99"), "{e}");
        let e = parse(r#"{"schema": "verity-report"}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("report version (none) is not the version {VERSION} this verity reads")
        );
        let written = render(&crate::report::Collector::new(None).into_report().0).unwrap();
        assert_eq!(parse(&written).unwrap().schema, SCHEMA);
    }
}
