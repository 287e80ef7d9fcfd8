//! serde-saphyr's errors in words for someone writing a case file: its
//! default messages advise Rust programmers ("set DuplicateKeyPolicy in
//! Options") and print budget breaches as Rust debug output.

use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::{Error, UserMessageFormatter};

/// One line saying what is wrong, without the position (the caller prints it
/// in front).
pub fn describe(error: &Error) -> String {
    let mut error = error;
    // The wrappers add source snippets and alias positions; the location is
    // printed by the caller, so the error inside says it all.
    while let Error::WithSnippet { error: inner, .. } | Error::AliasError { error: inner, .. } =
        error
    {
        error = inner;
    }
    let text = match error {
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
        other => other.render_with_formatter(&UserMessageFormatter),
    };
    plain(&strip_position(&text))
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
    const WORDS: &[(&str, &str)] = &[
        ("expected sequence start", "expected a list"),
        (
            "expected mapping start",
            "expected a mapping (`key: value`)",
        ),
        ("expected string scalar", "expected a text value"),
        ("invalid boolean", "expected true or false"),
        ("invalid u64", "expected a whole number, 0 or more"),
        ("invalid usize", "expected a whole number, 0 or more"),
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
