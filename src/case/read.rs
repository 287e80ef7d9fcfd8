//! Reading: from the files of a suite directory to parsed documents. Which
//! files are case files, reading one with a size cap, and parsing its bytes
//! as YAML or JSON with positions and plain messages. What the documents
//! mean is the lowering's business (`super::load`).

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use super::error::LoadError;
use super::load::{MAX_FILE_BYTES, PROPERTY_FILES, SCHEMA_DIR, STATEMENT_FILES, SUITE_FILES};
use super::yaml_error;

/// Case files of a suite: YAML and JSON files in its directory and below,
/// except the suite file and the schema directory; sorted, so runs are stable.
pub fn case_files(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, top: bool, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            let name = entry.file_name();
            if path.is_dir() {
                if !(top && name == SCHEMA_DIR) {
                    walk(&path, false, out);
                }
                continue;
            }
            let is_case_ext = matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "json")
            );
            let is_suite_file = top
                && SUITE_FILES
                    .iter()
                    .chain(PROPERTY_FILES.iter())
                    .chain(STATEMENT_FILES.iter())
                    .any(|n| name == *n);
            if is_case_ext && !is_suite_file {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, true, &mut out);
    out.sort();
    out
}

/// 1-based line and column of the position just after `before`, in characters.
pub fn line_column(before: &[u8]) -> (u64, u64) {
    let line = before.iter().filter(|b| **b == b'\n').count() as u64 + 1;
    let last_line = before.rsplit(|b| *b == b'\n').next().unwrap_or_default();
    // Count characters, not bytes: continuation bytes do not start one.
    let column = last_line.iter().filter(|b| (**b & 0xC0) != 0x80).count() as u64 + 1;
    (line, column)
}

/// Reads at most one byte past the limit, so that a huge file (or one
/// that never ends, such as a FIFO) is neither read whole nor parsed.
pub fn read(file: &Path) -> Result<Vec<u8>, LoadError> {
    use std::io::Read;
    let mut bytes = Vec::new();
    let read =
        std::fs::File::open(file).and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes));
    match read {
        Ok(_) => Ok(bytes),
        Err(e) => Err(LoadError::whole_file(file, format!("cannot read: {e}"))),
    }
}

/// Parses the content of a YAML or JSON file; `file` names it in errors.
pub fn parse_bytes<T: DeserializeOwned>(
    file: &Path,
    bytes: &[u8],
    what: &str,
) -> Result<T, LoadError> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        let (line, column) = line_column(&bytes[..MAX_FILE_BYTES as usize]);
        return Err(LoadError::new(
            file,
            line,
            column,
            format!("file goes on past the {MAX_FILE_BYTES} byte limit for case files here"),
        ));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let (line, column) = line_column(&bytes[..e.valid_up_to()]);
            return Err(LoadError::new(
                file,
                line,
                column,
                "not valid UTF-8: case files are UTF-8 text",
            ));
        }
    };
    if text
        .lines()
        .all(|line| line.trim().is_empty() || line.trim_start().starts_with('#'))
    {
        return Err(LoadError::new(
            file,
            1,
            1,
            if text.trim().is_empty() {
                format!("empty file: expected {what}")
            } else {
                format!("only comments: expected {what}")
            },
        ));
    }
    // YAML reads a superset of JSON (trailing commas, comments, ...):
    // a `.json` file must be JSON, so JSON's own parser has the first word.
    if file.extension().is_some_and(|e| e == "json")
        && let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(text)
    {
        let message = yaml_error::strip_position(&e.to_string());
        return Err(LoadError::new(
            file,
            e.line().max(1) as u64,
            e.column().max(1) as u64,
            format!("not JSON: {message}"),
        ));
    }
    // serde-saphyr is built without its `comments` feature: nothing uses
    // a comment's text, and keeping them slowed parsing.
    serde_saphyr::from_str::<T>(text).map_err(|e| {
        let (line, column) = e
            .location()
            .map(|l| (l.line().max(1), l.column().max(1)))
            .unwrap_or((1, 1));
        LoadError::new(file, line, column, yaml_error::describe(&e))
    })
}
