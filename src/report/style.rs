//! The one place that decides colours.

use std::io::IsTerminal;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    /// `auto` colours a terminal, unless `NO_COLOR` is set (<https://no-color.org>).
    pub fn for_stdout(choice: ColorChoice) -> Style {
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stdout().is_terminal()
            }
        };
        Style { color }
    }

    pub fn plain() -> Style {
        Style { color: false }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub fn pass(&self, t: &str) -> String {
        self.paint("1;32", t)
    }
    pub fn fail(&self, t: &str) -> String {
        self.paint("1;31", t)
    }
    pub fn skip(&self, t: &str) -> String {
        self.paint("1;33", t)
    }
    pub fn dim(&self, t: &str) -> String {
        self.paint("2", t)
    }
    pub fn bold(&self, t: &str) -> String {
        self.paint("1", t)
    }
    pub fn removed(&self, t: &str) -> String {
        self.paint("31", t)
    }
    pub fn added(&self, t: &str) -> String {
        self.paint("32", t)
    }
}
