//! Results of a run kept in a temporary file rather than in memory, for the
//! JSON report, which holds every request and answer: the report is written
//! by reading them back one at a time, so a run's memory does not grow with
//! its number of cases. The other formats need only a slim copy of a case
//! that passed ([`slim`]).

use crate::run::result::{CaseResult, Order, Outcome, ResponseSummary};
use std::fs::File;
use std::io::{self, Write};

/// Where one result lies in the file, and what orders it in a report.
#[derive(Debug)]
struct Entry {
    order: Order,
    offset: u64,
    len: usize,
}

#[derive(Debug)]
pub struct Spool {
    file: File,
    end: u64,
    entries: Vec<Entry>,
}

impl Spool {
    /// An anonymous temporary file: the system removes it when verity exits,
    /// however it exits.
    pub fn new() -> io::Result<Spool> {
        Ok(Spool {
            file: tempfile::tempfile()?,
            end: 0,
            entries: Vec::new(),
        })
    }

    pub fn push(&mut self, result: &CaseResult) -> io::Result<()> {
        let bytes = serde_json::to_vec(result).map_err(io::Error::other)?;
        self.file.write_all(&bytes)?;
        self.entries.push(Entry {
            order: Order::of(result),
            offset: self.end,
            len: bytes.len(),
        });
        self.end += bytes.len() as u64;
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// In the order of [`super::document::Report::settle`].
    pub fn sort(&mut self) {
        self.entries.sort_by(|a, b| a.order.cmp(&b.order));
    }

    /// The results in their order, read back one at a time.
    pub fn results(&self) -> impl Iterator<Item = io::Result<CaseResult>> + '_ {
        self.entries.iter().map(|e| {
            let mut bytes = vec![0; e.len];
            read_at(&self.file, &mut bytes, e.offset)?;
            serde_json::from_slice(&bytes).map_err(io::Error::other)
        })
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

/// What JUnit and Markdown need of a case that passed or was skipped: its
/// steps' names, places, times, attempts and statuses, not the requests'
/// and answers' headers and bodies, nor the checks. A failure is kept whole.
pub fn slim(result: &CaseResult) -> CaseResult {
    let mut slim = result.clone();
    if matches!(result.outcome, Outcome::Passed | Outcome::Skipped) {
        for step in &mut slim.steps {
            step.request.headers = Vec::new();
            step.request.body = None;
            step.response = step.response.take().map(|r| ResponseSummary {
                status: r.status,
                headers: Vec::new(),
                body: String::new(),
                body_bytes: r.body_bytes,
            });
            step.checks = Vec::new();
        }
    }
    slim
}
