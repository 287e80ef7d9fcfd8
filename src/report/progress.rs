//! A progress bar (indicatif, on stderr) for people watching a terminal;
//! never on CI or when output goes to a file or a pipe, where it would only
//! add noise to logs.

use std::io::{self, IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::run::result::Outcome;
use crate::run::{Event, Reporter};

/// Whether to draw a bar: both stdout and stderr are terminals, not on CI
/// ([`crate::run::on_ci`]), and `-q` was not given.
pub fn wanted(stdout_tty: bool, stderr_tty: bool, on_ci: bool, quiet: bool) -> bool {
    stdout_tty && stderr_tty && !on_ci && !quiet
}

/// [`wanted`] for this process.
pub fn wanted_here(quiet: bool) -> bool {
    wanted(
        io::stdout().is_terminal(),
        io::stderr().is_terminal(),
        crate::run::on_ci(),
        quiet,
    )
}

pub struct Progress {
    bar: ProgressBar,
    failed: usize,
}

impl Progress {
    pub fn new() -> Progress {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        Progress { bar, failed: 0 }
    }

    /// A writer for the console that clears the bar while a line is printed.
    pub fn writer<W: Write>(&self, inner: W) -> AroundBar<W> {
        AroundBar {
            bar: self.bar.clone(),
            inner,
            pending: Vec::new(),
        }
    }
}

impl Default for Progress {
    fn default() -> Self {
        Progress::new()
    }
}

impl Reporter for Progress {
    fn event(&mut self, event: &Event<'_>) {
        match event {
            Event::RunStarted { total, .. } => self.bar.set_length(*total as u64),
            Event::CaseStarted { .. } => {}
            Event::CaseFinished(result) => {
                if result.outcome == Outcome::Failed {
                    self.failed += 1;
                    self.bar.set_message(format!("{} failed", self.failed));
                }
                self.bar.inc(1);
            }
            Event::RunFinished(_) => self.bar.finish_and_clear(),
        }
    }
}

/// Writes whole lines with the bar hidden, so they do not mix with it.
pub struct AroundBar<W: Write> {
    bar: ProgressBar,
    inner: W,
    pending: Vec<u8>,
}

impl<W: Write> Write for AroundBar<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if let Some(end) = self.pending.iter().rposition(|&b| b == b'\n') {
            let lines: Vec<u8> = self.pending.drain(..=end).collect();
            let inner = &mut self.inner;
            self.bar.suspend(|| inner.write_all(&lines))?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let rest = std::mem::take(&mut self.pending);
        let inner = &mut self.inner;
        self.bar
            .suspend(|| inner.write_all(&rest).and_then(|()| inner.flush()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_interactive_terminal_off_ci_gets_a_bar() {
        use crate::run::ci_says;
        let ci = |value| ci_says(value, false);
        assert!(wanted(true, true, ci(None), false));
        assert!(wanted(true, true, ci(Some("")), false));
        assert!(wanted(true, true, ci(Some("false")), false));
        assert!(!wanted(true, true, ci(Some("true")), false));
        assert!(!wanted(true, true, ci(Some("1")), false));
        assert!(!wanted(true, true, ci_says(None, true), false), "Azure");
        assert!(!wanted(false, true, ci(None), false), "stdout piped");
        assert!(!wanted(true, false, ci(None), false), "stderr piped");
        assert!(!wanted(true, true, ci(None), true), "-q");
    }

    #[test]
    fn lines_pass_through_whole() {
        let bar = Progress {
            bar: ProgressBar::hidden(),
            failed: 0,
        };
        let mut w = bar.writer(Vec::new());
        w.write_all(b"one\ntw").unwrap();
        assert_eq!(w.inner, b"one\n");
        w.write_all(b"o\n").unwrap();
        w.flush().unwrap();
        assert_eq!(w.inner, b"one\ntwo\n");
    }
}
