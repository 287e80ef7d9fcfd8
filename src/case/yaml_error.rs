//! serde-saphyr's errors in words for someone writing a case file: its
//! default messages advise Rust programmers ("set DuplicateKeyPolicy in
//! Options") and print budget breaches as Rust debug output.

use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::{Error, UserMessageFormatter};

use super::read::line_column;

/// Where the mistake is and what it is: serde-saphyr's position, moved to
/// the token the writer has to change where serde-saphyr's is elsewhere
/// (the end of a tagged value instead of its tag, the document after a
/// `---` instead of the `---`, the end of a string that swallowed the
/// lines after an unclosed quote instead of that quote).
pub fn explain(error: &Error, text: &str) -> (u64, u64, String) {
    let (line, column) = error
        .location()
        .map(|l| (l.line().max(1), l.column().max(1)))
        .unwrap_or((1, 1));
    let at = offset_of(text, line, column);
    let here = |offset: usize| line_column(&text.as_bytes()[..offset]);
    match innermost(error) {
        Error::UnsupportedTag { tag, .. } => {
            let (line, column) = text[..at].rfind(tag.as_str()).map_or((line, column), here);
            (line, column, unknown_tag(tag))
        }
        Error::MultipleDocuments { .. } => {
            let marker = text[..at.min(text.len())]
                .match_indices("---")
                .filter(|(i, _)| *i == 0 || text.as_bytes()[i - 1] == b'\n')
                .last()
                .map(|(i, _)| i);
            let (line, column) = marker.map_or((line, column), here);
            (line, column, describe(error))
        }
        _ => {
            let message = describe(error);
            if super::boolean::is_its_error(&message)
                && let Some(value) = value_after_key(text, at)
            {
                let (line, column) = here(value);
                return (line, column, message);
            }
            if message.starts_with("invalid trailing content after")
                && let Some(opened) = opening_quote(text, at)
            {
                let (open_line, open_column) = here(opened);
                if open_line < line {
                    return (
                        open_line,
                        open_column,
                        format!(
                            "unclosed quote: the text that starts here runs on to line {line}, where the next quote closes it"
                        ),
                    );
                }
            }
            (line, column, message)
        }
    }
}

/// The reason for a tag verity does not read.
pub fn unknown_tag(tag: &str) -> String {
    format!(
        "unknown tag `{tag}`: case files take no YAML tags (no includes, no binary data, no objects of a language); write the value itself"
    )
}

fn innermost(mut error: &Error) -> &Error {
    while let Error::WithSnippet { error: inner, .. } | Error::AliasError { error: inner, .. } =
        error
    {
        error = inner;
    }
    error
}

/// The byte offset of a 1-based line and column (in characters), clamped
/// to the text.
fn offset_of(text: &str, line: u64, column: u64) -> usize {
    let start = if line <= 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(line as usize - 2)
            .map_or(text.len(), |(i, _)| i + 1)
    };
    text[start..]
        .char_indices()
        .nth(column.saturating_sub(1) as usize)
        .map_or(text.len(), |(i, _)| start + i)
}

/// Where the value of the mapping key at `at` starts. serde-saphyr places
/// a field's custom errors at its key; the value is what is wrong.
fn value_after_key(text: &str, at: usize) -> Option<usize> {
    let rest = text.get(at..)?;
    let key = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count();
    let after = rest[key..].trim_start_matches([' ', '\t']);
    let after = after.strip_prefix(':')?;
    let value = after.trim_start_matches([' ', '\t']);
    (key > 0).then(|| text.len() - value.len())
}

/// The opening quote of the quoted string that closes just before `at`:
/// back from its closing quote to the first quote that is not escaped
/// (`\"` in double quotes, `''` in single quotes).
fn opening_quote(text: &str, at: usize) -> Option<usize> {
    let before = &text.as_bytes()[..at.min(text.len())];
    let close = before.iter().rposition(|b| *b == b'"' || *b == b'\'')?;
    let quote = before[close];
    let mut i = close;
    while i > 0 {
        i -= 1;
        if before[i] != quote {
            continue;
        }
        if quote == b'"' {
            let backslashes = before[..i]
                .iter()
                .rev()
                .take_while(|b| **b == b'\\')
                .count();
            if backslashes % 2 == 0 {
                return Some(i);
            }
        } else if i > 0 && before[i - 1] == b'\'' {
            i -= 1;
        } else {
            return Some(i);
        }
    }
    None
}

/// One line saying what is wrong, without the position (the caller prints it
/// in front).
pub fn describe(error: &Error) -> String {
    // The wrappers add source snippets and alias positions; the location is
    // printed by the caller, so the error inside says it all.
    let text = match innermost(error) {
        Error::Budget { breach, .. } => budget(breach),
        Error::AliasReplayLimitExceeded { .. }
        | Error::AliasExpansionLimitExceeded { .. }
        | Error::AliasReplayStackDepthExceeded { .. }
        | Error::AliasReplayCounterOverflow { .. } => {
            "aliases (`*name`) expand to too much: case files may reuse anchors, not multiply them"
                .to_string()
        }
        Error::MultipleDocuments { .. } => {
            "a second YAML document (`---`): a case file holds one document".to_string()
        }
        Error::DuplicateMappingKey { key: Some(key), .. } => {
            format!("duplicate key `{key}`: each key appears once in a mapping")
        }
        Error::Eof { .. } => "unexpected end of file".to_string(),
        Error::UnsupportedTag { tag, .. } => unknown_tag(tag),
        Error::UnknownAnchor { .. } => {
            "an alias (`*name`) that names no anchor (`&name`) defined before it".to_string()
        }
        Error::InvalidScalar { ty, .. } => match *ty {
            "boolean" => "expected true or false".to_string(),
            "u8" => whole(u8::MIN, u8::MAX),
            "u16" => whole(u16::MIN, u16::MAX),
            "u32" => whole(u32::MIN, u32::MAX),
            "u64" | "usize" => whole(u64::MIN, u64::MAX),
            "i8" => whole(i8::MIN, i8::MAX),
            "i16" => whole(i16::MIN, i16::MAX),
            "i32" => whole(i32::MIN, i32::MAX),
            "i64" | "isize" => whole(i64::MIN, i64::MAX),
            "f32" | "f64" | "floating point" => "expected a number".to_string(),
            other => format!("expected a value of type {other}"),
        },
        other => other.render_with_formatter(&UserMessageFormatter),
    };
    plain(&strip_position(&text))
}

/// What a number field takes, in words: `invalid i64` says neither that a
/// whole number was expected nor that this one is too big.
fn whole(min: impl std::fmt::Display, max: impl std::fmt::Display) -> String {
    format!("expected a whole number from {min} to {max}")
}

fn budget(breach: &BudgetBreach) -> String {
    match breach {
        BudgetBreach::Depth { depth } => {
            format!("nested {depth} levels deep: case files nest at most 64 lists and mappings")
        }
        BudgetBreach::Nodes { nodes } => {
            let limit = nodes.saturating_sub(1);
            format!("more than {limit} values (lists, mappings and scalars, aliases expanded): split the file")
        }
        BudgetBreach::Aliases { .. }
        | BudgetBreach::AliasAnchorRatio { .. }
        | BudgetBreach::RecordedAnchorEvents { .. }
        | BudgetBreach::RecordedAnchorBytes { .. } => {
            "too many aliases (`*name`) for the anchors defined: case files may reuse anchors, not multiply them"
                .to_string()
        }
        BudgetBreach::Anchors { anchors } => format!("{anchors} anchors (`&name`): too many"),
        BudgetBreach::ScalarBytes { total_scalar_bytes } => {
            format!("{total_scalar_bytes} bytes of text values: too much for a case file")
        }
        other => format!("the file is too large or too complex to read ({other:?})"),
    }
}

/// serde-saphyr and serde_json end their messages with the position
/// (`at line 3, column 4`, `at line 3 column 4`); we print it in front.
pub(crate) fn strip_position(message: &str) -> String {
    let message = message.trim();
    match message.rfind(" at line ") {
        Some(at)
            if message[at + " at line ".len()..]
                .replace(", column ", " column ")
                .split(" column ")
                .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())) =>
        {
            message[..at].to_string()
        }
        _ => message.to_string(),
    }
}

/// Parser jargon for the shapes a case file is made of.
fn plain(message: &str) -> String {
    const STARTS: &[(&str, &str)] = &[
        (
            "simple key expected ':'",
            "expected `key: value`: a `:` is missing after the key",
        ),
        (
            "mapping values are not allowed in this context",
            "a `: ` inside a plain value: quote the value, or start a nested mapping on a new, indented line",
        ),
        (
            "while parsing a block mapping, did not find expected key",
            "expected a key here: the keys of one mapping start at the same column",
        ),
        (
            "while parsing a block collection, did not find expected '-' indicator",
            "expected a list item (`- `) here: the items of one list start at the same column",
        ),
        (
            "while parsing a quoted scalar, found unknown escape character",
            "an unknown escape (`\\`) in double quotes: write `\\\\` for a backslash, or use single quotes",
        ),
        (
            "tabs disallowed within this context",
            "a tab in the indentation: YAML indents with spaces",
        ),
        (
            "unexpected character: `",
            "a plain value cannot start with this character: quote the value",
        ),
        (
            "recursion limit exceeded",
            "nested too deep: case files nest at most 64 lists and mappings",
        ),
        (
            "reference to unknown value",
            "an alias (`*name`) that names no anchor (`&name`) defined before it",
        ),
    ];
    if message.starts_with("invalid ") && message.ends_with(", expected true or false") {
        return "expected true or false".to_string();
    }
    for (jargon, words) in STARTS {
        if message.starts_with(jargon) {
            return (*words).to_string();
        }
    }
    const WORDS: &[(&str, &str)] = &[
        ("expected sequence start", "expected a list"),
        (
            "expected mapping start",
            "expected a mapping (`key: value`)",
        ),
        ("expected string scalar", "expected a text value"),
        ("invalid boolean", "expected true or false"),
    ];
    for (jargon, words) in WORDS {
        if message == *jargon {
            return (*words).to_string();
        }
    }
    message.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(yaml: &str) -> String {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Doc {
            a: Vec<serde_json::Value>,
        }
        describe(&serde_saphyr::from_str::<Doc>(yaml).unwrap_err())
    }

    #[test]
    fn messages_speak_of_the_file_not_of_the_parser_api() {
        assert_eq!(
            error_of("a: []\na: []\n"),
            "duplicate key `a`: each key appears once in a mapping"
        );
        assert_eq!(
            error_of("a: []\n---\na: []\n"),
            "a second YAML document (`---`): a case file holds one document"
        );
        assert_eq!(error_of("a: x\n"), "expected a list");
        let deep = format!("a: [{}{}]\n", "[".repeat(100), "]".repeat(100));
        assert!(
            error_of(&deep).starts_with("nested 65 levels deep"),
            "{}",
            error_of(&deep)
        );
        for message in [error_of("a: []\na: []\n"), error_of(&deep)] {
            assert!(!message.contains(" at line "), "{message}");
            assert!(!message.contains("Options"), "{message}");
        }
    }

    fn explained(yaml: &str) -> (u64, u64, String) {
        let e = serde_saphyr::from_str::<serde_json::Value>(yaml).unwrap_err();
        explain(&e, yaml)
    }

    #[test]
    fn a_second_document_is_shown_at_its_marker() {
        let (line, column, message) = explained("a: 1\n\n# two\n\n---\n\nb: 2\n");
        assert_eq!((line, column), (5, 1), "{message}");
        assert!(message.starts_with("a second YAML document"), "{message}");
    }

    #[test]
    fn an_unclosed_quote_is_shown_where_it_opens() {
        for yaml in [
            "a:\n  b: \"it's\n  c: [\"x\"]\n",
            "a:\n  b: 'it''s\n  c: ['x']\n",
        ] {
            let (line, column, message) = explained(yaml);
            assert_eq!((line, column), (2, 6), "{yaml:?}: {message}");
            assert!(
                message.starts_with("unclosed quote: the text that starts here runs on to line 3"),
                "{message}"
            );
        }
    }

    #[test]
    fn parser_jargon_becomes_plain_words() {
        for (yaml, want) in [
            (
                "a: b\nc\n",
                "expected `key: value`: a `:` is missing after the key",
            ),
            (
                "a: *nope\n",
                "an alias (`*name`) that names no anchor (`&name`) defined before it",
            ),
            ("a: b: c\n", "a `: ` inside a plain value: quote the value"),
            (&format!("a: {}\n", "[".repeat(100_000)), "nested too deep"),
        ] {
            let (_, _, message) = explained(yaml);
            assert!(message.starts_with(want), "{yaml:?}: {message}");
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Numbers {
            i: Option<i64>,
            u: Option<u64>,
        }
        for (yaml, want) in [
            (
                "i: 99999999999999999999\n",
                "expected a whole number from -9223372036854775808 to 9223372036854775807",
            ),
            (
                "u: -1\n",
                "expected a whole number from 0 to 18446744073709551615",
            ),
        ] {
            let e = serde_saphyr::from_str::<Numbers>(yaml).unwrap_err();
            assert_eq!(describe(&e), want);
        }
    }

    #[test]
    fn positions_are_stripped_only_at_the_end() {
        assert_eq!(strip_position("bad at line 3, column 4"), "bad");
        assert_eq!(
            strip_position("trailing comma at line 1 column 80"),
            "trailing comma"
        );
        assert_eq!(strip_position("bad at line three"), "bad at line three");
    }
}
