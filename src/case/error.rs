//! Errors in case files: each names a file, a line and a column, and says in
//! one line what is wrong.

use std::fmt;
use std::path::{Path, PathBuf};

use super::model::Pos;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub file: PathBuf,
    /// Where in the file; `None` when the error concerns the file as a whole.
    pub at: Option<LineColumn>,
    pub message: String,
}

/// A place in a file: 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineColumn {
    pub line: u64,
    pub column: u64,
}

impl LoadError {
    pub fn new(file: &Path, line: u64, column: u64, message: impl Into<String>) -> LoadError {
        LoadError {
            file: file.to_path_buf(),
            // serde-saphyr says line 0 when it does not know the place.
            at: (line > 0).then_some(LineColumn {
                line,
                column: column.max(1),
            }),
            message: one_line(&message.into()),
        }
    }

    /// An error at a place of the model.
    pub fn at(pos: &Pos, message: impl Into<String>) -> LoadError {
        LoadError::new(&pos.file, pos.line, pos.column, message)
    }

    pub fn whole_file(file: &Path, message: impl Into<String>) -> LoadError {
        LoadError {
            file: file.to_path_buf(),
            at: None,
            message: one_line(&message.into()),
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = shown_path(&self.file);
        match self.at {
            None => write!(f, "{file}: {}", self.message),
            Some(LineColumn { line, column }) => {
                write!(f, "{file}:{line}:{column}: {}", self.message)
            }
        }
    }
}

impl std::error::Error for LoadError {}

/// A path as messages print it: a file name may hold a line break or a
/// terminal escape too, and is written as escapes like quoted text.
pub fn shown_path(path: &Path) -> String {
    one_line(&path.display().to_string())
}

/// Messages quote the file's text, which may hold line breaks or terminal
/// escapes: written as escapes, each error stays on its one line.
fn one_line(message: &str) -> String {
    message
        .chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// All the errors found in one load, in file order.
#[derive(Debug, Clone, Default)]
pub struct LoadErrors(pub Vec<LoadError>);

impl fmt::Display for LoadErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_text_cannot_break_the_line_or_reach_the_terminal() {
        let e = LoadError::new(Path::new("c.yaml"), 2, 3, "`a\nb\u{1b}[31m` is bad");
        assert_eq!(e.to_string(), "c.yaml:2:3: `a\\nb\\u{1b}[31m` is bad");
    }

    #[test]
    fn file_names_cannot_break_the_line_or_reach_the_terminal_either() {
        let e = LoadError::new(Path::new("a\nb\u{1b}[2J.yaml"), 1, 1, "bad");
        assert_eq!(e.to_string(), "a\\nb\\u{1b}[2J.yaml:1:1: bad");
        let whole = LoadError::whole_file(Path::new("x\r.yaml"), "bad");
        assert_eq!(whole.to_string(), "x\\r.yaml: bad");
    }
}
