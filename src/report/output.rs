//! `--report FORMAT:PATH`: which reports to write, and writing them
//! atomically (a temporary file beside the target, then a rename), so a
//! reader never sees half a report and an old one is replaced whole.

use std::io::Write;
use std::path::PathBuf;
use std::str::FromStr;

use super::document::Report;
use super::error::{ReportError, SpecError, WriteError};
use super::{html, json, junit, markdown};
use crate::atomic::{self, Existing};
use crate::run::secrets::Masker;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Junit,
    Json,
    Markdown,
    Html,
    /// `verity run`'s coverage report (`coverage:PATH`), not the results.
    CoverageJson,
    CoverageMarkdown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSpec {
    pub format: Format,
    pub path: PathBuf,
}

impl FromStr for ReportSpec {
    type Err = SpecError;

    fn from_str(text: &str) -> Result<ReportSpec, SpecError> {
        let (format, path) = text
            .split_once(':')
            .ok_or_else(|| SpecError::NoFormat { text: text.into() })?;
        let format = match format.to_ascii_lowercase().as_str() {
            "junit" | "xml" => Format::Junit,
            "json" => Format::Json,
            "markdown" | "md" => Format::Markdown,
            "html" | "htm" => Format::Html,
            "coverage-json" => Format::CoverageJson,
            "coverage-md" | "coverage-markdown" => Format::CoverageMarkdown,
            // By extension; Markdown unless it ends in .json.
            "coverage" if path.to_ascii_lowercase().ends_with(".json") => Format::CoverageJson,
            "coverage" => Format::CoverageMarkdown,
            other => {
                return Err(SpecError::UnknownFormat {
                    text: text.into(),
                    format: other.into(),
                });
            }
        };
        if path.is_empty() {
            return Err(SpecError::EmptyPath { text: text.into() });
        }
        Ok(ReportSpec {
            format,
            path: PathBuf::from(path),
        })
    }
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Junit => "junit",
            Format::Json => "json",
            Format::Markdown => "markdown",
            Format::Html => "html",
            Format::CoverageJson => "coverage-json",
            Format::CoverageMarkdown => "coverage-md",
        }
    }

    pub fn is_coverage(self) -> bool {
        matches!(self, Format::CoverageJson | Format::CoverageMarkdown)
    }
}

/// Refuses, up front, a report in a format `command` does not write.
pub fn refuse_formats(
    specs: &[ReportSpec],
    allowed: &[Format],
    command: &'static str,
) -> Result<(), SpecError> {
    match specs.iter().find(|s| !allowed.contains(&s.format)) {
        Some(spec) => Err(SpecError::FormatNotWritten {
            format: spec.format,
            path: spec.path.clone(),
            command,
            allowed: allowed.to_vec(),
        }),
        None => Ok(()),
    }
}

impl ReportSpec {
    /// Refuses, before anything runs, a report that could not be written at
    /// the end: its directory must exist.
    pub fn check(&self) -> Result<(), SpecError> {
        let dir = atomic::dir_of(&self.path);
        if !dir.is_dir() {
            return Err(SpecError::NoDirectory {
                path: self.path.clone(),
                dir: dir.to_path_buf(),
            });
        }
        if self.path.is_dir() {
            return Err(SpecError::IsDirectory {
                path: self.path.clone(),
            });
        }
        Ok(())
    }

    /// Writes the report in this spec's format to `out`.
    pub fn write(&self, report: &Report, out: &mut dyn Write) -> Result<(), WriteError> {
        let text = match self.format {
            Format::Junit => junit::render(report)?,
            Format::Json => return json::write(report, out),
            Format::Markdown => markdown::render(report),
            Format::Html => html::run::render(report),
            // Written by `verity run` from its coverage, never from results.
            Format::CoverageJson | Format::CoverageMarkdown => {
                return Err(WriteError::Unsupported {
                    command: "this command",
                    format: "coverage report",
                });
            }
        };
        out.write_all(text.as_bytes()).map_err(WriteError::io)
    }
}

/// Writes every report; one that fails does not stop the others. The text
/// goes through the masker once more, so a secret that slipped past the
/// runner still never reaches a file.
pub fn write_all(report: &Report, specs: &[ReportSpec], masker: &Masker) -> Vec<ReportError> {
    let results: Vec<ReportSpec> = specs
        .iter()
        .filter(|s| !s.format.is_coverage())
        .cloned()
        .collect();
    write_each(&results, masker, |spec, out| spec.write(report, out))
}

/// [`write_all`] for any document: `write` writes each spec's text.
pub fn write_each(
    specs: &[ReportSpec],
    masker: &Masker,
    write: impl Fn(&ReportSpec, &mut dyn Write) -> Result<(), WriteError>,
) -> Vec<ReportError> {
    let mut errors = Vec::new();
    for spec in specs {
        let written = atomic::write_with(&spec.path, Existing::Replace, |out| {
            let mut masked = masker.writer(out);
            write(spec, &mut masked)?;
            masked.finish().map_err(WriteError::io)
        });
        if let Err(source) = written {
            errors.push(ReportError::NotWritten {
                path: spec.path.clone(),
                source,
            });
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse() {
        let s: ReportSpec = "junit:out/r.xml".parse().unwrap();
        assert_eq!(s.format, Format::Junit);
        assert_eq!(s.path, PathBuf::from("out/r.xml"));
        assert_eq!(
            "md:r.md".parse::<ReportSpec>().unwrap().format,
            Format::Markdown
        );
        assert_eq!(
            "JSON:r.json".parse::<ReportSpec>().unwrap().format,
            Format::Json
        );
        assert_eq!(
            "html:r.html".parse::<ReportSpec>().unwrap().format,
            Format::Html
        );
        let e = "pdf:r.pdf".parse::<ReportSpec>().unwrap_err();
        assert!(e.to_string().contains("unknown format `pdf`"), "{e}");
        let c = |t: &str| t.parse::<ReportSpec>().unwrap().format;
        assert_eq!(c("coverage:c.json"), Format::CoverageJson);
        assert_eq!(c("coverage:c.md"), Format::CoverageMarkdown);
        assert_eq!(c("coverage-json:c.txt"), Format::CoverageJson);
        assert_eq!(c("coverage-md:c.txt"), Format::CoverageMarkdown);
        assert!("r.xml".parse::<ReportSpec>().is_err());
        assert!("junit:".parse::<ReportSpec>().is_err());
    }

    #[test]
    fn a_missing_directory_is_refused_up_front() {
        let spec: ReportSpec = "json:/no/such/dir/r.json".parse().unwrap();
        assert!(
            spec.check()
                .unwrap_err()
                .to_string()
                .contains("does not exist")
        );
        let here: ReportSpec = "json:r.json".parse().unwrap();
        assert!(here.check().is_ok());
    }
}
