//! Expected-against-actual renderings shared by the reporters.

use similar::udiff::UnifiedHunkHeader;
use similar::{ChangeTag, TextDiff};

use super::style::Style;

/// A unified diff of two texts, `-` for expected and `+` for actual lines.
pub fn unified(expected: &str, actual: &str, style: &Style) -> String {
    unified_between(expected, actual, "expected", "actual", style)
}

/// One line of a unified diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffLine {
    /// `@@ -line,count +line,count @@`: where the hunk is in a long text.
    Hunk(String),
    Removed(String),
    Added(String),
    Same(String),
}

/// The hunks of a unified diff of `old` against `new`, three lines of
/// context each: what the console prints and the HTML report colours.
pub fn lines(old: &str, new: &str) -> Vec<DiffLine> {
    let diff = TextDiff::from_lines(old, new);
    let mut out = Vec::new();
    for group in diff.grouped_ops(3) {
        out.push(DiffLine::Hunk(UnifiedHunkHeader::new(&group).to_string()));
        for op in group {
            for change in diff.iter_changes(&op) {
                let line = change.value().trim_end_matches('\n').to_string();
                out.push(match change.tag() {
                    ChangeTag::Delete => DiffLine::Removed(line),
                    ChangeTag::Insert => DiffLine::Added(line),
                    ChangeTag::Equal => DiffLine::Same(line),
                });
            }
        }
    }
    out
}

/// A unified diff of two texts, `-` lines from `old`, `+` lines from `new`.
pub fn unified_between(
    old: &str,
    new: &str,
    old_label: &str,
    new_label: &str,
    style: &Style,
) -> String {
    let mut out = String::new();
    out.push_str(&style.removed(&format!("--- {old_label}")));
    out.push('\n');
    out.push_str(&style.added(&format!("+++ {new_label}")));
    out.push('\n');
    for line in lines(old, new) {
        match line {
            DiffLine::Hunk(header) => out.push_str(&style.dim(&header)),
            DiffLine::Removed(line) => out.push_str(&style.removed(&format!("-{line}"))),
            DiffLine::Added(line) => out.push_str(&style.added(&format!("+{line}"))),
            DiffLine::Same(line) => out.push_str(&format!(" {line}")),
        }
        out.push('\n');
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
        assert!(s.contains("@@ -1,4 +1,4 @@\n"), "{s}");
    }

    #[test]
    fn distant_changes_get_a_hunk_each() {
        let old: String = (1..=20).map(|i| format!("line {i}\n")).collect();
        let new = old
            .replace("line 2\n", "line two\n")
            .replace("line 19\n", "line nineteen\n");
        let s = unified_between(&old, &new, "A", "B", &Style::plain());
        assert!(s.starts_with("--- A\n+++ B\n@@ -1,5 +1,5 @@\n"), "{s}");
        assert!(s.contains("@@ -16,5 +16,5 @@\n"), "{s}");
        assert!(!s.contains("line 10"), "{s}");
    }
}
