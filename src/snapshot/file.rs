//! insta's `.snap` file format, so `cargo insta review` and insta's
//! assertions read what verity writes and verity reads what they write:
//!
//! ```text
//! ---
//! source: cases/onsi/patch-echo.yaml
//! description: "onsi::patch-partial-leaves-other-fields, step 2 of 2"
//! expression: "PATCH /v1/members/${id}"
//! ---
//! status: 200
//! ...
//! ```
//!
//! A YAML header between two `---` lines, then the contents. Two snapshots
//! match when their contents do, as insta compares them: trailing whitespace
//! and `\r\n` line ends do not count, the header does not count at all.

use super::error::NotASnapshot;

/// A snapshot as verity writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotFile {
    /// The case file the answer comes from.
    pub source: String,
    /// `suite::case, step N of M`, for a reviewer.
    pub description: String,
    /// The request, as written in the case file.
    pub expression: String,
    pub contents: String,
}

impl SnapshotFile {
    /// The file's text, header written as insta writes it, so accepting a
    /// file with `cargo insta` does not rewrite its header.
    pub fn render(&self) -> String {
        format!(
            "---\nsource: {}\ndescription: {}\nexpression: {}\n---\n{}\n",
            yaml_scalar(&self.source),
            yaml_scalar(&self.description),
            yaml_scalar(&self.expression),
            normalize(&self.contents)
        )
    }
}

/// A YAML string as insta's emitter writes one: plain unless it would read
/// as something else, double-quoted otherwise.
fn yaml_scalar(text: &str) -> String {
    const WORDS: [&str; 22] = [
        "yes", "Yes", "YES", "no", "No", "NO", "True", "TRUE", "true", "False", "FALSE", "false",
        "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~",
    ];
    let needs_quotes = text.is_empty()
        || text.starts_with(' ')
        || text.ends_with(' ')
        || text.starts_with(['&', '*', '?', '|', '-', '<', '>', '=', '!', '%', '@', '.'])
        || text.starts_with("0x")
        || text.contains(|c: char| {
            matches!(
                c,
                ':' | '{' | '}' | '[' | ']' | ',' | '#' | '`' | '"' | '\'' | '\\'
            ) || (c.is_control() && c != '\x7f')
        })
        || WORDS.contains(&text)
        || text.parse::<i64>().is_ok()
        || text.parse::<f64>().is_ok();
    if !needs_quotes {
        return text.to_string();
    }
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\x08' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\x0c' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\x7f' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The contents of a snapshot file's text, as insta reads them.
pub fn parse(text: &str) -> Result<String, NotASnapshot> {
    let mut lines = text.split_inclusive('\n');
    if lines.next().map(str::trim_end) != Some("---") {
        return Err(NotASnapshot::NoOpeningLine);
    }
    let mut closed = false;
    for line in lines.by_ref() {
        if line.trim_end() == "---" {
            closed = true;
            break;
        }
    }
    if !closed {
        return Err(NotASnapshot::UnclosedHeader);
    }
    let rest: String = lines.collect();
    Ok(rest.lines().collect::<Vec<_>>().join("\n"))
}

/// Contents as insta compares them.
pub fn normalize(contents: &str) -> String {
    contents.trim_end().replace("\r\n", "\n")
}

pub fn same_contents(a: &str, b: &str) -> bool {
    normalize(a) == normalize(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SnapshotFile {
        SnapshotFile {
            source: "cases/onsi/x.yaml".into(),
            description: "onsi::x, step 1 of 2: \"quoted\" #hash".into(),
            expression: "GET /v1/members/${id}".into(),
            contents: "status: 200\n\n{\n  \"a\": 1\n}\n\n".into(),
        }
    }

    #[test]
    fn rendered_files_parse_back_to_their_contents() {
        let file = sample();
        let text = file.render();
        assert!(
            text.starts_with("---\nsource: cases/onsi/x.yaml\n"),
            "{text}"
        );
        assert_eq!(parse(&text).unwrap(), "status: 200\n\n{\n  \"a\": 1\n}");
        assert!(same_contents(&parse(&text).unwrap(), &file.contents));
    }

    /// insta reads what verity writes, and writes it back byte for byte.
    #[test]
    fn insta_reads_and_rewrites_our_files_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        for description in [
            "onsi::x, step 1 of 2 (`first`)",
            "plain words",
            "tab\there, \"quotes\", back\\slash, \u{7f}, é",
            "true",
            "12",
            "-starts with a dash",
        ] {
            let file = SnapshotFile {
                description: description.into(),
                ..sample()
            };
            let ours = dir.path().join("ours.snap");
            let theirs = dir.path().join("theirs.snap");
            std::fs::write(&ours, file.render()).unwrap();
            let snapshot = insta::Snapshot::from_file(&ours).unwrap();
            assert_eq!(snapshot.metadata().description(), Some(description));
            assert_eq!(
                snapshot.metadata().expression(),
                Some("GET /v1/members/${id}")
            );
            let contents = snapshot.contents().as_text().unwrap().to_string();
            assert!(same_contents(&contents, &file.contents), "{contents}");
            snapshot.save(&theirs).unwrap();
            assert_eq!(
                std::fs::read_to_string(&theirs).unwrap(),
                file.render(),
                "{description}"
            );
        }
    }

    #[test]
    fn insta_written_headers_are_read() {
        let text = "---\nsource: tests/conformance.rs\nassertion_line: 12\nexpression: text\n---\nline 1\r\n---\nline 3\n";
        assert_eq!(parse(text).unwrap(), "line 1\n---\nline 3");
    }

    #[test]
    fn trailing_whitespace_and_crlf_do_not_count() {
        assert!(same_contents("a\r\nb\n\n", "a\nb"));
        assert!(!same_contents("a\nb", "a\n b"));
        assert!(!same_contents(" a", "a"));
    }

    #[test]
    fn files_without_the_header_are_refused() {
        let e = parse("status: 200\n").unwrap_err();
        assert!(e.to_string().contains("first line"), "{e}");
        let e = parse("---\nsource: x\n").unwrap_err();
        assert!(e.to_string().contains("closing"), "{e}");
        assert_eq!(parse(""), Err(NotASnapshot::NoOpeningLine));
    }
}
