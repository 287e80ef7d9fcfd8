//! Known failures (`--baseline PATH`): failures listed in a file are
//! reported as known rather than failing the run, each with a reason and
//! an optional expiry date after which it fails again. The file:
//!
//! ```yaml
//! known_failures:
//!   - case: onsi::patch-echoes-every-field     # suite::case, as `verity list` prints it
//!     reason: "ONSI-1234: phone not echoed; fix promised for the 2.3 release"
//!     expires: 2027-01-31                      # optional; it fails again from 2027-02-01
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::Mutex;

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::CaseHook;
use super::plan::SuitePlan;
use super::result::{CaseResult, KnownFailure, Outcome};
use crate::case::LoadErrors;
use crate::case::load::{doc_from_bytes, doc_from_file};
use crate::case::model::{Case, Suite};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct BaselineDoc {
    #[schemars(with = "Vec<EntryDoc>")]
    known_failures: Vec<Spanned<EntryDoc>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct EntryDoc {
    case: String,
    reason: String,
    #[serde(default)]
    expires: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub case: String,
    pub reason: String,
    /// The last day the failure counts as known.
    pub expires: Option<NaiveDate>,
    pub at: EntryAt,
}

/// Where an entry is in the baseline file, shown `file:line`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryAt {
    /// The file as it was named.
    pub file: String,
    pub line: u64,
}

impl fmt::Display for EntryAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// Why a baseline file cannot be used; each names the entry's place.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// Not readable, not YAML, or not the shape of a baseline file.
    #[error(transparent)]
    Load(#[from] LoadErrors),
    #[error("{at}: case `{case}`: write suite::case, as `verity list` shows it")]
    CaseName { at: EntryAt, case: String },
    #[error("{at}: case `{case}`: give a reason")]
    NoReason { at: EntryAt, case: String },
    #[error("{at}: expires `{text}`: write a date as YYYY-MM-DD")]
    Expires {
        at: EntryAt,
        text: String,
        source: chrono::ParseError,
    },
    #[error("{at}: case `{case}` is listed twice (first at {first})")]
    ListedTwice {
        at: EntryAt,
        case: String,
        first: EntryAt,
    },
    /// An entry for a case a loaded suite does not have: a typo would
    /// otherwise hide nothing and say nothing.
    #[error("{at}: suite `{suite}` has no case `{case}` (see `verity list --suite {suite}`)")]
    UnknownCase {
        at: EntryAt,
        suite: String,
        case: String,
    },
}

/// What a baseline file holds, for messages about it.
const WHAT: &str =
    "`known_failures:` with a list of `case`, `reason` and an optional `expires: YYYY-MM-DD`";

#[derive(Debug)]
pub struct Baseline {
    entries: BTreeMap<String, Entry>,
    today: NaiveDate,
    /// Listed cases that passed: their entries can go.
    passed: Mutex<Vec<String>>,
}

impl Baseline {
    /// Read as case files are: size cap, UTF-8, positions, plain messages.
    pub fn load(path: &Path, today: NaiveDate) -> Result<Baseline, BaselineError> {
        let doc = doc_from_file(path, WHAT)?;
        Baseline::from_doc(doc, &path.display().to_string(), today)
    }

    pub fn parse(text: &str, file: &str, today: NaiveDate) -> Result<Baseline, BaselineError> {
        let doc = doc_from_bytes(Path::new(file), text.as_bytes(), WHAT)?;
        Baseline::from_doc(doc, file, today)
    }

    fn from_doc(doc: BaselineDoc, file: &str, today: NaiveDate) -> Result<Baseline, BaselineError> {
        let mut entries = BTreeMap::new();
        for spanned in doc.known_failures {
            let at = EntryAt {
                file: file.to_string(),
                line: spanned.referenced.line(),
            };
            let e = spanned.value;
            if !e.case.contains("::") {
                return Err(BaselineError::CaseName { at, case: e.case });
            }
            if e.reason.trim().is_empty() {
                return Err(BaselineError::NoReason { at, case: e.case });
            }
            let expires = match &e.expires {
                None => None,
                Some(text) => Some(NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(
                    |source| BaselineError::Expires {
                        at: at.clone(),
                        text: text.clone(),
                        source,
                    },
                )?),
            };
            let entry = Entry {
                case: e.case.clone(),
                reason: e.reason.trim().to_string(),
                expires,
                at: at.clone(),
            };
            if let Some(first) = entries.insert(e.case.clone(), entry) {
                return Err(BaselineError::ListedTwice {
                    at,
                    case: e.case,
                    first: first.at,
                });
            }
        }
        Ok(Baseline {
            entries,
            today,
            passed: Mutex::new(Vec::new()),
        })
    }

    /// Refuses entries naming a case that a loaded suite does not have
    /// (a typo would otherwise hide nothing and say nothing). Entries of
    /// suites not loaded in this run are left alone.
    pub fn check_cases(&self, suites: &[Suite]) -> Result<(), BaselineError> {
        for entry in self.entries.values() {
            let (suite_name, case_name) = entry.case.split_once("::").unwrap_or_default();
            if let Some(suite) = suites.iter().find(|s| s.name == suite_name)
                && !suite.cases.iter().any(|c| c.name == case_name)
            {
                return Err(BaselineError::UnknownCase {
                    at: entry.at.clone(),
                    suite: suite_name.into(),
                    case: case_name.into(),
                });
            }
        }
        Ok(())
    }

    /// Entries past their date, which fail again.
    pub fn expired(&self) -> Vec<&Entry> {
        self.entries
            .values()
            .filter(|e| e.expires.is_some_and(|d| d < self.today))
            .collect()
    }

    /// Listed cases that passed in this run.
    pub fn passed(&self) -> Vec<String> {
        self.passed.lock().map(|p| p.clone()).unwrap_or_default()
    }

    /// Marks a listed, unexpired failure as known.
    pub fn apply(&self, result: &mut CaseResult) {
        let Some(entry) = self.entries.get(&result.id()) else {
            return;
        };
        match result.outcome {
            Outcome::Failed if entry.expires.is_none_or(|d| d >= self.today) => {
                result.outcome = Outcome::KnownFailure;
                result.known = Some(KnownFailure {
                    reason: entry.reason.clone(),
                    expires: entry.expires.map(|d| d.to_string()),
                });
            }
            Outcome::Passed => {
                if let Ok(mut passed) = self.passed.lock() {
                    passed.push(entry.case.clone());
                }
            }
            _ => {}
        }
    }
}

impl CaseHook for Baseline {
    fn after_case(&self, _plan: &SuitePlan, _case: &Case, result: &mut CaseResult) {
        self.apply(result);
    }
}

/// Today in UTC, for expiry dates.
pub fn today() -> NaiveDate {
    chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now()).date_naive()
}

/// The editor schema of a baseline file (`verity schema baseline`), from the
/// type the loader reads, so the two cannot drift.
pub fn editor_schema(generator: schemars::SchemaGenerator) -> schemars::Schema {
    generator.into_root_schema_for::<BaselineDoc>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::model::Pos;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn failed(id: &str) -> CaseResult {
        let (suite, case) = id.split_once("::").unwrap();
        CaseResult::named(crate::run::CaseInfo {
            suite: suite.into(),
            name: case.into(),
            description: String::new(),
            doc: String::new(),
            source: Pos {
                file: std::sync::Arc::new("x.yaml".into()),
                line: 1,
                column: 1,
            },
        })
    }

    const FILE: &str = "known_failures:\n  - case: s::a\n    reason: ticket 1\n  - case: s::b\n    reason: ticket 2\n    expires: 2026-06-30\n";

    #[test]
    fn listed_failures_are_known_until_their_date() {
        let b = Baseline::parse(FILE, "b.yaml", day("2026-06-30")).unwrap();
        for id in ["s::a", "s::b"] {
            let mut r = failed(id);
            b.apply(&mut r);
            assert_eq!(r.outcome, Outcome::KnownFailure, "{id}");
        }
        let mut other = failed("s::c");
        b.apply(&mut other);
        assert_eq!(other.outcome, Outcome::Failed);
        assert!(b.expired().is_empty());

        let later = Baseline::parse(FILE, "b.yaml", day("2026-07-01")).unwrap();
        let mut r = failed("s::b");
        later.apply(&mut r);
        assert_eq!(r.outcome, Outcome::Failed, "expired: fails again");
        assert_eq!(later.expired().len(), 1);
        assert_eq!(
            r.known, None,
            "an expired entry leaves the failure as it was"
        );
    }

    #[test]
    fn known_failures_carry_the_reason_and_date() {
        let b = Baseline::parse(FILE, "b.yaml", day("2026-01-01")).unwrap();
        let mut r = failed("s::b");
        b.apply(&mut r);
        assert_eq!(
            r.known,
            Some(KnownFailure {
                reason: "ticket 2".into(),
                expires: Some("2026-06-30".into())
            })
        );
    }

    #[test]
    fn listed_cases_that_pass_are_noted() {
        let b = Baseline::parse(FILE, "b.yaml", day("2026-01-01")).unwrap();
        let mut r = failed("s::a");
        r.outcome = Outcome::Passed;
        b.apply(&mut r);
        assert_eq!(r.outcome, Outcome::Passed);
        assert_eq!(b.passed(), vec!["s::a".to_string()]);
    }

    #[test]
    fn bad_files_say_where_and_why() {
        let today = day("2026-01-01");
        let e = Baseline::parse(
            "known_failures:\n  - case: a\n    reason: r\n",
            "b.yaml",
            today,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("b.yaml:2: case `a`: write suite::case"),
            "{e}"
        );
        let e = Baseline::parse(
            "known_failures:\n  - case: s::a\n    reason: r\n    expires: 31/01/2027\n",
            "b.yaml",
            today,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("write a date as YYYY-MM-DD"), "{e}");
        let e = Baseline::parse(
            "known_failures:\n  - case: s::a\n    reason: r\n    why: x\n",
            "b.yaml",
            today,
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("b.yaml:4:"), "{e}");
        let e = Baseline::parse(
            "known_failures:\n  - case: s::a\n    reason: r\n  - case: s::a\n    reason: q\n",
            "b.yaml",
            today,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("listed twice (first at b.yaml:2)"), "{e}");
        let e = Baseline::parse(
            "known_failures:\n  - case: s::a\n    reason: ' '\n",
            "b.yaml",
            today,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("give a reason"), "{e}");
        // Read as case files are: a duplicate key in plain words, a file of
        // comments alone named as such.
        let e = Baseline::parse(
            "known_failures:\n  - case: s::a\n    case: s::b\n    reason: r\n",
            "b.yaml",
            today,
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("b.yaml:3:"), "{e}");
        assert!(!e.contains("Options"), "no Rust API in the message: {e}");
        let e = Baseline::parse("# nothing\n", "b.yaml", today)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("b.yaml:1:1: only comments"), "{e}");
    }

    #[test]
    fn an_error_keeps_the_place_and_the_cause() {
        let e = Baseline::parse(
            "known_failures:\n  - case: s::a\n    reason: r\n    expires: 2027-02-30\n",
            "b.yaml",
            day("2026-01-01"),
        )
        .unwrap_err();
        let BaselineError::Expires { at, text, source } = &e else {
            panic!("{e:?}");
        };
        assert_eq!(at.to_string(), "b.yaml:2");
        assert_eq!(text, "2027-02-30");
        assert!(std::error::Error::source(&e).is_some(), "{source}");
    }
}
