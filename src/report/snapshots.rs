//! What the snapshot checks of a run came to, printed just before the
//! console's summary: how many matched, differed or were missing, the pending
//! files written for review, and files that could not be read or written.

use std::io::Write;
use std::sync::Arc;

use super::style::Style;
use crate::run::{Event, Reporter};
use crate::snapshot::{Mode, SnapshotHook, Tally};

pub struct Notes<W: Write> {
    hook: Option<Arc<SnapshotHook>>,
    out: W,
    style: Style,
    quiet: bool,
}

impl<W: Write> Notes<W> {
    /// `hook` is `None` when the run checks no snapshots: nothing is printed.
    pub fn new(hook: Option<Arc<SnapshotHook>>, out: W, style: Style, quiet: bool) -> Notes<W> {
        Notes {
            hook,
            out,
            style,
            quiet,
        }
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

/// The lines describing a tally; empty when there is nothing to say.
pub fn describe(tally: &Tally, mode: Mode, dir: &str, style: &Style, quiet: bool) -> String {
    let trouble = tally.changed + tally.missing + tally.errors.len();
    if tally.checked() == 0 && tally.errors.is_empty() || quiet && trouble == 0 {
        return String::new();
    }
    let mut counts = format!(
        "snapshots: {} checked, {} match",
        tally.checked(),
        tally.matched
    );
    if tally.changed > 0 {
        counts.push_str(&format!(", {} differ", tally.changed));
    }
    if tally.missing > 0 {
        counts.push_str(&format!(", {} missing", tally.missing));
    }
    let mut out = if trouble == 0 {
        style.dim(&counts)
    } else {
        style.bold(&counts)
    };
    out.push('\n');
    if !tally.written.is_empty() {
        out.push_str(&format!(
            "  {} pending in {dir}: review with `verity snapshots pending`, then `verity snapshots accept` or `reject` (or `cargo insta review`)\n",
            tally.written.len()
        ));
    } else if mode == Mode::Check && tally.changed + tally.missing > 0 {
        out.push_str(
            "  to record these answers: `verity run --snapshots update`, then `verity snapshots accept`\n",
        );
    }
    for error in &tally.errors {
        out.push_str(&format!("  {} {error}\n", style.fail("error:")));
    }
    out
}

impl<W: Write> Reporter for Notes<W> {
    fn event(&mut self, event: &Event<'_>) {
        let (Event::RunFinished(_), Some(hook)) = (event, &self.hook) else {
            return;
        };
        let text = describe(
            &hook.tally(),
            hook.mode(),
            &hook.store().root().display().to_string(),
            &self.style,
            self.quiet,
        );
        if !text.is_empty() {
            let _ = write!(self.out, "\n{text}");
            let _ = self.out.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::atomic::AtomicError;
    use crate::snapshot::SnapshotError;

    #[test]
    fn nothing_is_said_when_nothing_was_checked_or_all_match_quietly() {
        let style = Style::plain();
        assert_eq!(
            describe(&Tally::default(), Mode::Check, "s", &style, false),
            ""
        );
        let all_match = Tally {
            matched: 3,
            ..Tally::default()
        };
        assert_eq!(describe(&all_match, Mode::Check, "s", &style, true), "");
        assert_eq!(
            describe(&all_match, Mode::Check, "s", &style, false),
            "snapshots: 3 checked, 3 match\n"
        );
    }

    #[test]
    fn differences_come_with_the_way_to_record_or_review_them() {
        let style = Style::plain();
        let tally = Tally {
            matched: 1,
            changed: 1,
            missing: 1,
            written: Vec::new(),
            errors: vec![Arc::new(SnapshotError::Write {
                path: "x".into(),
                source: AtomicError::Write(std::io::Error::other("disk full")),
            })],
        };
        let text = describe(&tally, Mode::Check, "snapshots", &style, true);
        assert!(
            text.starts_with("snapshots: 3 checked, 1 match, 1 differ, 1 missing\n"),
            "{text}"
        );
        assert!(text.contains("--snapshots update"), "{text}");
        assert!(
            text.contains("error: cannot write x: cannot write: disk full"),
            "{text}"
        );
        let written = Tally {
            written: vec!["snapshots/s/x@1.snap.new".into()],
            ..tally
        };
        let text = describe(&written, Mode::Update, "snapshots", &style, false);
        assert!(text.contains("1 pending in snapshots: review"), "{text}");
    }
}
