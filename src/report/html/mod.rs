//! The HTML reports: one self-contained file a person opens from disk (CSS
//! and a small script inline, no external asset, a Content-Security-Policy
//! that forbids loading any), for a run ([`run::render`]) and for a
//! comparison of two runs ([`compare::render`]).
//!
//! Everything a server answered is hostile input: every text goes through
//! [`esc`], and no data goes into the script, which only reads the page
//! (filters by `data-kind`, a text search, copy buttons). Each case or
//! comparison entry is an `<details class="item" data-kind="...">`: the
//! kind is the serialized outcome (`failed`, `passed`, ...) or change
//! (`newly_failing`, ...), so a new outcome gets its filter by itself.
//! The state of the filters lives in the URL's fragment
//! (`report.html#show=failed&q=patch`), so a filtered view can be shared.

pub mod case;
pub mod compare;
pub mod run;

use std::fmt::Write;

const STYLE: &str = include_str!("report.css");
const SCRIPT: &str = include_str!("report.js");

/// Text made safe for HTML text. Control characters other than line
/// breaks and tabs show as `\u{..}`, so a byte a server slipped in is
/// visible, not acted on.
pub fn esc(text: &str) -> String {
    escape(text, false)
}

/// [`esc`], also safe inside an attribute value in double or single quotes.
pub fn attr(text: &str) -> String {
    escape(text, true)
}

fn escape(text: &str, quotes: bool) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if quotes => out.push_str("&quot;"),
            '\'' if quotes => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            // CRLF line ends are line ends.
            '\r' if chars.peek() == Some(&'\n') => {}
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:04x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// The whole page: `body` is already HTML.
pub fn page(title: &str, body: &str) -> String {
    let mut out = String::with_capacity(body.len() + STYLE.len() + SCRIPT.len() + 1024);
    out.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    // Nothing outside this file may load: not a font, an image or a script
    // that a hostile answer could name.
    out.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "<title>{}</title>", esc(title));
    let _ = writeln!(out, "<style>\n{STYLE}</style>\n</head>\n<body>");
    out.push_str(body);
    let _ = writeln!(out, "<script>\n{SCRIPT}</script>\n</body>\n</html>");
    out
}

/// A filter button per kind present, in `order` first, then any other kind;
/// `counts` holds the kinds present; `label` names a kind.
pub fn toolbar(
    out: &mut String,
    counts: &[(String, usize)],
    order: &[&str],
    label: impl Fn(&str) -> String,
    total: usize,
) {
    out.push_str("<nav class=\"toolbar\" aria-label=\"filters\">\n<span class=\"filters\">");
    let mut kinds: Vec<&(String, usize)> = Vec::new();
    for want in order {
        kinds.extend(counts.iter().filter(|(k, _)| k == want));
    }
    kinds.extend(counts.iter().filter(|(k, _)| !order.contains(&k.as_str())));
    for (kind, n) in kinds {
        let _ = write!(
            out,
            "<button type=\"button\" class=\"filter\" data-kind=\"{}\" aria-pressed=\"true\"><span class=\"dot\"></span>{} <b>{n}</b></button>",
            attr(kind),
            esc(&label(kind))
        );
    }
    out.push_str("</span>\n<input type=\"search\" id=\"q\" placeholder=\"search cases, URLs, bodies…\" aria-label=\"search\">\n");
    out.push_str("<button type=\"button\" id=\"expand\">expand all</button><button type=\"button\" id=\"collapse\">collapse all</button>\n");
    let _ = writeln!(
        out,
        "<span id=\"shown\" aria-live=\"polite\">{total} of {total} shown</span>\n</nav>"
    );
    out.push_str("<p id=\"none\" hidden>Nothing matches the filters.</p>\n");
}

/// A unified diff of `old` against `new`, coloured by line: the diff the
/// console prints ([`super::diff::lines`]).
pub fn diff(out: &mut String, old: &str, new: &str, old_label: &str, new_label: &str) {
    use super::diff::DiffLine;
    out.push_str("<pre class=\"diff\">");
    // The line break inside the span: a block's last line break draws no
    // empty line, and copied text keeps its lines.
    let _ = write!(
        out,
        "<span class=\"del\">--- {}\n</span><span class=\"add\">+++ {}\n</span>",
        esc(old_label),
        esc(new_label)
    );
    for line in super::diff::lines(old, new) {
        let _ = match line {
            DiffLine::Hunk(h) => write!(out, "<span class=\"hunk\">{}\n</span>", esc(&h)),
            DiffLine::Removed(l) => write!(out, "<span class=\"del\">-{}\n</span>", esc(&l)),
            DiffLine::Added(l) => write!(out, "<span class=\"add\">+{}\n</span>", esc(&l)),
            DiffLine::Same(l) => writeln!(out, " {}", esc(&l)),
        };
    }
    out.push_str("</pre>\n");
}

/// `1.2 s` or `35 ms`.
pub fn duration_ms(ms: u64) -> String {
    if ms >= 1000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else {
        format!("{ms} ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_is_inert() {
        assert_eq!(
            attr("</script><img src=x onerror='a'>&\"é"),
            "&lt;/script&gt;&lt;img src=x onerror=&#39;a&#39;&gt;&amp;&quot;é"
        );
        assert_eq!(esc("</script>'\""), "&lt;/script&gt;'\"");
        assert_eq!(
            esc("a\r\nb\u{0}c\u{1b}[31m\u{85}"),
            "a\nb\\u{0000}c\\u{001b}[31m\\u{0085}"
        );
        assert_eq!(esc("tab\there"), "tab\there");
    }

    #[test]
    fn the_page_loads_nothing_from_outside() {
        let html = page("t", "<p>x</p>");
        assert!(html.contains("default-src 'none'"), "{html}");
        for outside in ["src=\"http", "href=\"http", "@import", "url("] {
            assert!(!html.contains(outside), "{outside}");
        }
    }

    #[test]
    fn diffs_are_coloured_by_line_and_escaped() {
        let mut out = String::new();
        diff(
            &mut out,
            "{\n  \"a\": 1\n}\n",
            "{\n  \"a\": \"<b>\"\n}\n",
            "old",
            "new",
        );
        assert!(
            out.contains("<span class=\"del\">-  \"a\": 1\n</span>"),
            "{out}"
        );
        assert!(
            out.contains("<span class=\"add\">+  \"a\": \"&lt;b&gt;\"\n</span>"),
            "{out}"
        );
        assert!(
            out.contains("<span class=\"hunk\">@@ -1,3 +1,3 @@\n</span>"),
            "{out}"
        );
    }
}
