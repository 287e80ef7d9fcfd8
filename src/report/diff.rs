//! Expected-against-actual renderings shared by the reporters.

use similar::{ChangeTag, TextDiff};

use super::style::Style;

/// A unified diff of two texts, `-` for expected and `+` for actual lines.
pub fn unified(expected: &str, actual: &str, style: &Style) -> String {
    let diff = TextDiff::from_lines(expected, actual);
    let mut out = String::new();
    out.push_str(&style.removed("--- expected"));
    out.push('\n');
    out.push_str(&style.added("+++ actual"));
    out.push('\n');
    for group in diff.grouped_ops(3) {
        for op in group {
            for change in diff.iter_changes(&op) {
                let line = change.value().trim_end_matches('\n');
                match change.tag() {
                    ChangeTag::Delete => out.push_str(&style.removed(&format!("-{line}"))),
                    ChangeTag::Insert => out.push_str(&style.added(&format!("+{line}"))),
                    ChangeTag::Equal => out.push_str(&format!(" {line}")),
                }
                out.push('\n');
            }
        }
    }
    out
}

/// Expected and actual: side by side lines for short values, a diff for
/// multi-line ones.
pub fn expected_actual(expected: &str, actual: &str, style: &Style) -> String {
    if expected.contains('\n') || actual.contains('\n') {
        unified(expected, actual, style)
    } else {
        format!(
            "{} {}\n{} {}\n",
            style.removed("expected:"),
            expected,
            style.added("actual:  "),
            actual
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_values_are_shown_side_by_side() {
        let s = expected_actual("200", "404", &Style::plain());
        assert_eq!(s, "expected: 200\nactual:   404\n");
    }

    #[test]
    fn long_values_are_diffed() {
        let s = expected_actual(
            "{\n  \"a\": 1,\n  \"b\": 2\n}",
            "{\n  \"a\": 1,\n  \"b\": 3\n}",
            &Style::plain(),
        );
        assert!(s.contains("-  \"b\": 2"), "{s}");
        assert!(s.contains("+  \"b\": 3"), "{s}");
        assert!(s.contains("   \"a\": 1,"), "{s}");
    }
}
