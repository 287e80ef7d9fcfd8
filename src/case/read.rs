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
///
/// Links to directories are not followed, none of them: a link back up (to
/// `.` or `..`) made the walk read every file again at each level, and
/// two of them an exponential number of times. Each one found is refused,
/// so that cases behind it are not silently left out. Links to files are
/// read as the files they name. Entries that are neither files nor
/// directories (FIFOs, sockets, devices) are listed when their name says
/// case file, so that [`read`] refuses them by name instead of the walk
/// passing them over.
pub fn case_files(dir: &Path) -> (Vec<PathBuf>, Vec<LoadError>) {
    fn walk(dir: &Path, top: bool, out: &mut Vec<PathBuf>, errors: &mut Vec<LoadError>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            let name = entry.file_name();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let skipped_dir = top && name == SCHEMA_DIR;
            if kind.is_dir() {
                if !skipped_dir {
                    walk(&path, false, out, errors);
                }
                continue;
            }
            if kind.is_symlink() && path.is_dir() {
                if !skipped_dir {
                    errors.push(LoadError::whole_file(
                        &path,
                        "a link to a directory: verity does not follow directory links in a suite (a link back up would read the same files again and again); link the case files themselves, or copy the directory",
                    ));
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
    let mut errors = Vec::new();
    walk(dir, true, &mut out, &mut errors);
    out.sort();
    errors.sort_by(|a, b| a.file.cmp(&b.file));
    (out, errors)
}

/// 1-based line and column of the position just after `before`, in characters.
pub fn line_column(before: &[u8]) -> (u64, u64) {
    let line = before.iter().filter(|b| **b == b'\n').count() as u64 + 1;
    let last_line = before.rsplit(|b| *b == b'\n').next().unwrap_or_default();
    // Count characters, not bytes: continuation bytes do not start one.
    let column = last_line.iter().filter(|b| (**b & 0xC0) != 0x80).count() as u64 + 1;
    (line, column)
}

/// Reads at most one byte past the limit, so that a huge file is neither
/// read whole nor parsed. Only regular files are opened: opening a FIFO
/// waits for a writer, for ever, and a device such as `/dev/zero` never
/// ends.
pub fn read(file: &Path) -> Result<Vec<u8>, LoadError> {
    use std::io::Read;
    let cannot = |e: std::io::Error| LoadError::whole_file(file, format!("cannot read: {e}"));
    let meta = std::fs::metadata(file).map_err(cannot)?;
    if let Some(kind) = not_regular(&meta.file_type()) {
        return Err(LoadError::whole_file(
            file,
            format!("{kind}, not a file: verity reads regular files only"),
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(cannot)?;
    Ok(bytes)
}

/// What a file that is not a regular file is, in words; `None` for a
/// regular file.
fn not_regular(kind: &std::fs::FileType) -> Option<&'static str> {
    #[cfg(unix)]
    use std::os::unix::fs::FileTypeExt;
    if kind.is_file() {
        return None;
    }
    if kind.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        if kind.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if kind.is_socket() {
            return Some("a socket");
        }
        if kind.is_char_device() {
            return Some("a character device");
        }
        if kind.is_block_device() {
            return Some("a block device");
        }
    }
    Some("not a regular file")
}

/// A JSON file (a schema) read as case files are: regular files only, the
/// same size cap, a byte order mark skipped; errors at their place in it.
pub fn json_file(file: &Path) -> Result<serde_json::Value, LoadError> {
    let bytes = read(file)?;
    within_the_cap(file, &bytes, "schema files")?;
    let bytes = bytes.strip_prefix(BOM.as_bytes()).unwrap_or(&bytes);
    serde_json::from_slice(bytes).map_err(|e| {
        LoadError::new(
            file,
            e.line().max(1) as u64,
            e.column().max(1) as u64,
            format!("not JSON: {}", yaml_error::strip_position(&e.to_string())),
        )
    })
}

/// The first `!!binary` tag, with its position: serde-saphyr knows it, and
/// would decode the base64 text after it into the value, so a case file
/// would send something no one reads in it. Only a text that names it is
/// parsed a second time, for its events.
fn binary_tag(text: &str) -> Option<(u64, u64, String)> {
    use serde_saphyr::granit_parser::{Event, Parser};
    if !text.contains("binary") {
        return None;
    }
    for event in Parser::new_from_str(text) {
        let Ok((event, span)) = event else {
            // The parse proper reports it, with its message.
            return None;
        };
        let tag = match &event {
            Event::Scalar(_, _, _, tag)
            | Event::SequenceStart(_, _, tag)
            | Event::MappingStart(_, _, tag) => tag.as_deref(),
            _ => None,
        };
        if let Some(tag) = tag
            && tag.suffix_in_namespace("tag:yaml.org,2002:").as_deref() == Some("binary")
        {
            let at = span.tag_start.unwrap_or(span.start);
            return Some((
                at.line() as u64,
                at.col() as u64 + 1,
                "!!binary".to_string(),
            ));
        }
    }
    None
}

/// Refuses what [`read`] read past the limit, where the limit falls.
fn within_the_cap(file: &Path, bytes: &[u8], files: &str) -> Result<(), LoadError> {
    if bytes.len() as u64 <= MAX_FILE_BYTES {
        return Ok(());
    }
    let (line, column) = line_column(&bytes[..MAX_FILE_BYTES as usize]);
    Err(LoadError::new(
        file,
        line,
        column,
        format!("file goes on past the {MAX_FILE_BYTES} byte limit for {files}"),
    ))
}

/// A UTF-8 byte order mark: editors on Windows write one at the start of a
/// file. It is no part of the text.
const BOM: &str = "\u{feff}";

/// Parses the content of a YAML or JSON file; `file` names it in errors.
pub fn parse_bytes<T: DeserializeOwned>(
    file: &Path,
    bytes: &[u8],
    what: &str,
) -> Result<T, LoadError> {
    within_the_cap(file, bytes, "case files here")?;
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
    let text = text.strip_prefix(BOM).unwrap_or(text);
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
    if let Some((line, column, tag)) = binary_tag(text) {
        return Err(LoadError::new(
            file,
            line,
            column,
            yaml_error::unknown_tag(&tag),
        ));
    }
    // serde-saphyr is built without its `comments` feature: nothing uses
    // a comment's text, and keeping them slowed parsing. Tags it does not
    // know (`!include`, `!!python/object`, ...) would be read as plain
    // strings: refused instead, there is no such thing in a case file.
    let options = serde_saphyr::options! {
        reject_unsupported_tags: true,
        with_snippet: false,
    };
    serde_saphyr::from_str_with_options::<T>(text, options).map_err(|e| {
        let (line, column, message) = yaml_error::explain(&e, text);
        LoadError::new(file, line, column, message)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(name: &str, text: &str) -> String {
        parse_bytes::<serde_json::Value>(Path::new(name), text.as_bytes(), "a document")
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn directory_links_are_refused_not_walked_and_files_behind_links_read() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("a.yaml"), "x").unwrap();
        std::fs::create_dir(root.join("sub")).unwrap();
        std::fs::write(root.join("sub/b.yaml"), "x").unwrap();
        std::os::unix::fs::symlink(".", root.join("here")).unwrap();
        std::os::unix::fs::symlink("..", root.join("sub/up")).unwrap();
        std::os::unix::fs::symlink("sub/b.yaml", root.join("link.yaml")).unwrap();
        let (files, errors) = case_files(root);
        let names: Vec<_> = files
            .iter()
            .map(|f| f.strip_prefix(root).unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["a.yaml", "link.yaml", "sub/b.yaml"]);
        let refused: Vec<_> = errors
            .iter()
            .map(|e| e.file.strip_prefix(root).unwrap().display().to_string())
            .collect();
        assert_eq!(refused, ["here", "sub/up"]);
        assert!(
            errors[0]
                .message
                .contains("does not follow directory links")
        );
    }

    #[test]
    fn only_regular_files_are_opened() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("x.yaml");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            let e = read(&fifo).unwrap_err();
            assert!(
                e.message.starts_with("a FIFO (named pipe), not a file"),
                "{e}"
            );
        }
        let e = read(Path::new("/dev/zero")).unwrap_err();
        assert!(
            e.message.starts_with("a character device, not a file"),
            "{e}"
        );
        let e = read(dir.path()).unwrap_err();
        assert!(e.message.starts_with("a directory, not a file"), "{e}");
        let e = json_file(Path::new("/dev/zero")).unwrap_err();
        assert!(e.message.starts_with("a character device"), "{e}");
    }

    #[test]
    fn a_byte_order_mark_is_no_part_of_the_text() {
        let text = "\u{feff}{\"a\": 1}";
        let doc: serde_json::Value =
            parse_bytes(Path::new("c.json"), text.as_bytes(), "x").unwrap();
        assert_eq!(doc, serde_json::json!({"a": 1}));
        let e = error_of("c.json", "\u{feff}{\"a\": 1,}");
        assert!(e.starts_with("c.json:1:9: not JSON"), "{e}");
    }

    #[test]
    fn tags_are_refused_at_the_tag() {
        for (text, want) in [
            (
                "a: !include other.yaml\n",
                "c.yaml:1:4: unknown tag `!include`",
            ),
            (
                "a:\n  b: !!python/object:os.system x\n",
                "c.yaml:2:6: unknown tag `!!python/object:os.system`",
            ),
            ("a: [1, !custom 2]\n", "c.yaml:1:8: unknown tag `!custom`"),
            (
                "a: !!binary aGVsbG8=\n",
                "c.yaml:1:4: unknown tag `!!binary`",
            ),
        ] {
            let e = error_of("c.yaml", text);
            assert!(e.starts_with(want), "{text:?}: {e}");
        }
        // The core schema's own tags say what a scalar is, nothing more.
        let doc: serde_json::Value =
            parse_bytes(Path::new("c.yaml"), b"a: !!str 3\nb: binary\n", "x").unwrap();
        assert_eq!(doc, serde_json::json!({"a": "3", "b": "binary"}));
    }

    #[test]
    fn binary_tags_are_found_at_the_tag() {
        let text = "cases:\n  - name: a\n    description: !!binary aGVsbG8=\n";
        assert_eq!(binary_tag(text), Some((3, 18, "!!binary".to_string())));
    }
}
