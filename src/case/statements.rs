//! The registry of documented statements, `cases/<suite>/statements.yaml`:
//! every behaviour the vendors' pages state, with an id, a level and the
//! vendor's own words. Cases, expectations, JSONPath assertions and
//! properties name the statements they check (`checks: [id, ...]`); this
//! module reads the registry and refuses, at load time, a case that names an
//! id the registry lacks or that pins one reading of an `open` statement.
//!
//! ```yaml
//! sources:                       # the vendors' pages the quotes come from
//!   v2-update: { title: "Toluna Member API v2 (Dynamic): Update Member", url: "https://..." }
//! operations:                    # the documented operations
//!   update: { method: PUT, path: /Respondent }   # after the suite's base_path; {id} marks a path parameter
//! statements:
//!   T-update-404-unknown-pair:
//!     level: must                # must | example | open
//!     source: v2-update
//!     quote: "404 | Not Found. An attempt to update a Member that does not exist."
//!     operation: update          # optional: the operation it documents, or a list of them
//!     status: 404                # optional: the documented status of that operation it is about
//!     unobservable: "..."        # optional: why no run of a correct server shows it
//!     readings:                  # `open` only, and required there: each reading, as a sample answer
//!       - name: "404 NotFound"
//!         answer: { status: 404, json: { code: NotFound, message: "Member not found" } }
//!     decision: "..."            # optional: the review's decision and its reason
//! ```
//!
//! A check's statements are its own `checks`, else those of the expectation
//! holding it (an `any_of` alternative inherits from its expectation), else
//! the case's. A check is *advisory* when every one of its statements is an
//! `example`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::Spanned;

use super::error::{LoadError, LoadErrors};
use super::load::{STATEMENT_FILES, doc_from_file};
use super::model::{
    BodyExpect, Case, EchoOf, Expect, HeaderMatcher, Method, PathAssert, Pattern, Pos, Predicate,
    StatementRef, Suite,
};
use super::template::{JsonTemplate, Template};
use crate::check::{self, CheckKind, CheckResult, Observed, Scope};

/// `statements.yaml`, as serde reads it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryDoc {
    /// The vendors' pages, by the id statements give as `source`.
    #[serde(default)]
    pub sources: IndexMap<String, Spanned<SourceDoc>>,
    /// The documented operations, by the id statements give as `operation`.
    #[serde(default)]
    pub operations: IndexMap<String, Spanned<OperationDoc>>,
    pub statements: IndexMap<String, Spanned<StatementDoc>>,
}

/// `v2-update: { title: "...", url: "https://..." }`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceDoc {
    /// The page's title, as the vendor publishes it.
    pub title: String,
    /// Where the vendor publishes it, when known.
    #[serde(default)]
    pub url: Option<String>,
}

/// `update: { method: PUT, path: /Respondent }`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperationDoc {
    pub method: Spanned<String>,
    /// After the suite's `base_path`; `{name}` marks a path parameter.
    pub path: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatementDoc {
    pub level: Level,
    /// A `sources` id.
    pub source: Spanned<String>,
    /// The vendor's own words, short.
    pub quote: String,
    /// The operation (or operations) the statement documents: `operations` ids.
    #[serde(default)]
    pub operation: Option<Spanned<OneOrMany>>,
    /// The documented status of that operation the statement is about.
    #[serde(default)]
    pub status: Option<Spanned<u16>>,
    /// Why no run of a correct server can show it (a 500, a 429 past the
    /// rate limit); the coverage of a run does not ask for it.
    #[serde(default)]
    pub unobservable: Option<String>,
    /// `open` only, and required there: every reading a check must accept.
    #[serde(default)]
    pub readings: Vec<Spanned<ReadingDoc>>,
    /// The review's decision and its reason: why this level, what a case
    /// asserts or no longer asserts.
    #[serde(default)]
    pub decision: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// `{ name: "404 NotFound", answer: { status: 404, json: {...} } }`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadingDoc {
    pub name: String,
    /// A sample answer a server reading the docs this way gives.
    pub answer: AnswerDoc,
}

/// A sample answer: a status, headers, and a `json` or `raw` body. A `json`
/// body goes with `content-type: application/json` unless `headers` says
/// otherwise.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerDoc {
    pub status: u16,
    #[serde(default)]
    pub headers: IndexMap<String, String>,
    #[serde(default)]
    pub json: Option<Value>,
    #[serde(default)]
    pub raw: Option<String>,
}

/// How firmly the docs state a behaviour, which decides a check's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Stated as a rule: status tables, "must", "required", schema constraints.
    Must,
    /// Only shown in an example: a message's wording, a sample value.
    Example,
    /// Left open, or contradicted: every reading listed must be accepted.
    Open,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Must, Level::Example, Level::Open];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "must",
            Level::Example => "example",
            Level::Open => "open",
        }
    }
}

/// A suite's validated registry.
#[derive(Debug)]
pub struct Registry {
    pub file: Arc<PathBuf>,
    pub sources: IndexMap<String, Source>,
    pub operations: IndexMap<String, Operation>,
    pub statements: IndexMap<String, Statement>,
}

#[derive(Debug)]
pub struct Source {
    pub title: String,
    pub url: Option<String>,
}

#[derive(Debug)]
pub struct Operation {
    pub method: Method,
    pub path: String,
    pub pos: Pos,
}

#[derive(Debug)]
pub struct Statement {
    pub id: String,
    pub level: Level,
    pub source: String,
    pub quote: String,
    /// `operations` ids; empty when the statement is about no one operation.
    pub operations: Vec<String>,
    pub status: Option<u16>,
    pub unobservable: Option<String>,
    pub readings: Vec<Reading>,
    pub decision: Option<String>,
    pub pos: Pos,
}

/// One reading of an `open` statement, as the answer a server reading the
/// docs that way gives.
#[derive(Debug)]
pub struct Reading {
    pub name: String,
    pub status: u16,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub json: Option<Value>,
    pub pos: Pos,
}

impl Reading {
    fn observed(&self) -> Observed<'_> {
        Observed {
            status: self.status,
            headers: &self.headers,
            body: &self.body,
            json: self.json.as_ref(),
        }
    }
}

impl Registry {
    pub fn get(&self, id: &str) -> Option<&Statement> {
        self.statements.get(id)
    }

    /// Whether a check naming `refs` is advisory: it names statements and
    /// every one is an `example` (an unknown id counts as not one).
    pub fn advisory(&self, refs: &[StatementRef]) -> bool {
        !refs.is_empty()
            && refs
                .iter()
                .all(|r| self.get(&r.id).is_some_and(|s| s.level == Level::Example))
    }

    /// The ids closest to `id`, best first, for "did you mean".
    fn close_to(&self, id: &str) -> Vec<&str> {
        let mut scored: Vec<(f64, &str)> = self
            .statements
            .keys()
            .map(|known| (strsim::jaro_winkler(id, known), known.as_str()))
            .filter(|(score, _)| *score >= 0.85)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        scored.into_iter().take(3).map(|(_, id)| id).collect()
    }
}

/// The statements a check names: its own, else those it inherits.
pub fn effective<'a>(own: &'a [StatementRef], inherited: &'a [StatementRef]) -> &'a [StatementRef] {
    if own.is_empty() { inherited } else { own }
}

/// Every statement reference a case holds, in file order.
pub fn case_refs(case: &Case) -> Vec<&StatementRef> {
    let mut out: Vec<&StatementRef> = case.checks.iter().collect();
    for step in &case.steps {
        out.extend(expect_refs(&step.expect));
    }
    out
}

/// Every statement reference an expectation holds: its own, its path
/// assertions' and its alternatives'.
pub fn expect_refs(expect: &Expect) -> Vec<&StatementRef> {
    let mut out: Vec<&StatementRef> = expect.checks.iter().collect();
    for body in &expect.body {
        if let BodyExpect::Path(assert) = body {
            out.extend(&assert.checks);
        }
    }
    for alternative in &expect.any_of {
        out.extend(expect_refs(alternative));
    }
    out
}

/// The registry file of a suite directory, if it has one.
pub fn find(dir: &Path) -> Option<PathBuf> {
    STATEMENT_FILES
        .iter()
        .map(|name| dir.join(name))
        .find(|p| p.is_file())
}

/// Reads and validates a suite's registry; `None` when it has none.
pub fn load(dir: &Path) -> Result<Option<Registry>, LoadErrors> {
    let Some(path) = find(dir) else {
        return Ok(None);
    };
    let doc: RegistryDoc = doc_from_file(
        &path,
        "a statement registry (sources, operations, statements)",
    )?;
    let mut cx = Reader {
        file: Arc::new(path),
        errors: Vec::new(),
    };
    let registry = cx.registry(doc);
    if cx.errors.is_empty() {
        Ok(Some(registry))
    } else {
        Err(LoadErrors(cx.errors))
    }
}

struct Reader {
    file: Arc<PathBuf>,
    errors: Vec<LoadError>,
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn known_list<V>(map: &IndexMap<String, V>) -> String {
    if map.is_empty() {
        "none".to_string()
    } else {
        map.keys()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Reader {
    fn pos<T>(&self, s: &Spanned<T>) -> Pos {
        Pos {
            file: self.file.clone(),
            line: s.referenced.line(),
            column: s.referenced.column(),
        }
    }

    fn error(&mut self, pos: &Pos, message: impl Into<String>) {
        self.errors
            .push(LoadError::new(&pos.file, pos.line, pos.column, message));
    }

    fn registry(&mut self, doc: RegistryDoc) -> Registry {
        let mut sources = IndexMap::new();
        for (id, source) in doc.sources {
            let pos = self.pos(&source);
            if !valid_id(&id) {
                self.error(
                    &pos,
                    format!("source id `{id}` must be letters, digits, `-`, `_` or `.`"),
                );
            }
            sources.insert(
                id,
                Source {
                    title: source.value.title,
                    url: source.value.url,
                },
            );
        }
        let mut operations = IndexMap::new();
        for (id, operation) in doc.operations {
            let pos = self.pos(&operation);
            if let Some(op) = self.operation(&id, operation.value, pos) {
                operations.insert(id, op);
            }
        }
        let mut statements = IndexMap::new();
        for (id, statement) in doc.statements {
            let pos = self.pos(&statement);
            if let Some(s) = self.statement(&id, statement.value, pos, &sources, &operations) {
                statements.insert(id, s);
            }
        }
        Registry {
            file: self.file.clone(),
            sources,
            operations,
            statements,
        }
    }

    fn operation(&mut self, id: &str, doc: OperationDoc, pos: Pos) -> Option<Operation> {
        if !valid_id(id) {
            self.error(
                &pos,
                format!("operation id `{id}` must be letters, digits, `-`, `_` or `.`"),
            );
        }
        let method = Method::parse(doc.method.value.trim());
        if method.is_none() {
            self.error(
                &self.pos(&doc.method),
                format!(
                    "operation `{id}`: `{}` is not an HTTP method (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS)",
                    doc.method.value
                ),
            );
        }
        if !doc.path.value.starts_with('/') {
            self.error(
                &self.pos(&doc.path),
                format!(
                    "operation `{id}`: path `{}` must start with `/` (it follows the suite's base_path)",
                    doc.path.value
                ),
            );
        }
        Some(Operation {
            method: method?,
            path: doc.path.value,
            pos,
        })
    }

    fn statement(
        &mut self,
        id: &str,
        doc: StatementDoc,
        pos: Pos,
        sources: &IndexMap<String, Source>,
        operations: &IndexMap<String, Operation>,
    ) -> Option<Statement> {
        let errors_before = self.errors.len();
        if !valid_id(id) {
            self.error(
                &pos,
                format!("statement id `{id}` must be letters, digits, `-`, `_` or `.`"),
            );
        }
        if !sources.contains_key(&doc.source.value) {
            self.error(
                &self.pos(&doc.source),
                format!(
                    "statement `{id}`: unknown source `{}` (sources here: {})",
                    doc.source.value,
                    known_list(sources)
                ),
            );
        }
        if doc.quote.trim().is_empty() {
            self.error(
                &pos,
                format!("statement `{id}`: `quote` is empty: give the vendor's own words"),
            );
        }
        let mut ops = Vec::new();
        if let Some(operation) = &doc.operation {
            let opos = self.pos(operation);
            let names = match &operation.value {
                OneOrMany::One(one) => vec![one.clone()],
                OneOrMany::Many(many) => many.clone(),
            };
            if names.is_empty() {
                self.error(
                    &opos,
                    format!("statement `{id}`: `operation` is an empty list"),
                );
            }
            for name in names {
                if operations.contains_key(&name) {
                    ops.push(name);
                } else {
                    self.error(
                        &opos,
                        format!(
                            "statement `{id}`: unknown operation `{name}` (operations here: {})",
                            known_list(operations)
                        ),
                    );
                }
            }
        }
        if let Some(status) = &doc.status {
            let spos = self.pos(status);
            if !(100..=599).contains(&status.value) {
                self.error(
                    &spos,
                    format!(
                        "statement `{id}`: status {} is no HTTP status",
                        status.value
                    ),
                );
            }
            if doc.operation.is_none() {
                self.error(
                    &spos,
                    format!("statement `{id}`: `status` needs `operation`: the documented status of which operation?"),
                );
            }
        }
        let level = doc.level;
        match (level, doc.readings.is_empty()) {
            (Level::Open, true) => self.error(
                &pos,
                format!("statement `{id}` is `open` but lists no `readings`: give each reading a check must accept, as a sample answer"),
            ),
            (Level::Must | Level::Example, false) => self.error(
                &self.pos(&doc.readings[0]),
                format!(
                    "statement `{id}` is `{}`: only an `open` statement has `readings`",
                    level.as_str()
                ),
            ),
            _ => {}
        }
        if level == Level::Open && doc.readings.len() == 1 {
            self.error(
                &self.pos(&doc.readings[0]),
                format!("statement `{id}` is `open` with one reading: a statement the docs allow one reading of is `must`"),
            );
        }
        let mut readings: Vec<Reading> = Vec::new();
        for reading in doc.readings {
            let rpos = self.pos(&reading);
            let ReadingDoc { name, answer } = reading.value;
            if readings.iter().any(|r| r.name == name) {
                self.error(
                    &rpos,
                    format!("statement `{id}`: two readings named `{name}`"),
                );
            }
            if let Some(r) = self.reading(id, name, answer, rpos) {
                readings.push(r);
            }
        }
        if self.errors.len() > errors_before {
            return None;
        }
        Some(Statement {
            id: id.to_string(),
            level,
            source: doc.source.value,
            quote: doc.quote.trim().to_string(),
            operations: ops,
            status: doc.status.map(|s| s.value),
            unobservable: doc.unobservable,
            readings,
            decision: doc.decision.map(|d| d.trim().to_string()),
            pos,
        })
    }

    fn reading(&mut self, id: &str, name: String, answer: AnswerDoc, pos: Pos) -> Option<Reading> {
        if !(100..=599).contains(&answer.status) {
            self.error(
                &pos,
                format!(
                    "statement `{id}`, reading `{name}`: status {} is no HTTP status",
                    answer.status
                ),
            );
            return None;
        }
        let mut headers: Vec<(String, String)> = answer
            .headers
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect();
        let (body, json) = match (answer.json, answer.raw) {
            (Some(_), Some(_)) => {
                self.error(
                    &pos,
                    format!("statement `{id}`, reading `{name}`: give `json` or `raw` as the body, not both"),
                );
                return None;
            }
            (Some(json), None) => {
                if !headers.iter().any(|(k, _)| k == "content-type") {
                    headers.push(("content-type".into(), "application/json".into()));
                }
                (json.to_string().into_bytes(), Some(json))
            }
            (None, Some(raw)) => {
                let json = serde_json::from_str(&raw).ok();
                (raw.into_bytes(), json)
            }
            (None, None) => (Vec::new(), None),
        };
        Some(Reading {
            name,
            status: answer.status,
            headers,
            body,
            json,
            pos,
        })
    }
}

/// What the loader refuses in a case's `checks`: an id the suite's registry
/// lacks (or any id, when the suite has none), and a check against an
/// `open` statement that fails one of its readings.
pub fn check_case(suite: &Suite, case: &Case) -> Vec<LoadError> {
    let mut errors = check_refs(suite, case_refs(case));
    if let Some(registry) = &suite.statements
        && errors.is_empty()
    {
        errors.extend(pinned_readings(suite, registry, case));
    }
    errors
}

/// An id the suite's registry lacks, or any id when it has none, refused.
pub fn check_refs<'a>(
    suite: &Suite,
    refs: impl IntoIterator<Item = &'a StatementRef>,
) -> Vec<LoadError> {
    let mut refs = refs.into_iter().peekable();
    let Some(first) = refs.peek() else {
        return Vec::new();
    };
    let Some(registry) = &suite.statements else {
        return vec![error_at(
            first.origin.pos(),
            format!(
                "`checks:` names `{}`, but there is no statements.yaml in this suite ({}): add the registry, or leave `checks:` out",
                first.id,
                suite.dir.display()
            ),
        )];
    };
    refs.filter(|r| registry.get(&r.id).is_none())
        .map(|r| error_at(r.origin.pos(), unknown_statement(registry, &r.id)))
        .collect()
}

fn error_at(pos: &Pos, message: String) -> LoadError {
    LoadError::new(&pos.file, pos.line, pos.column, message)
}

fn unknown_statement(registry: &Registry, id: &str) -> String {
    let close = registry.close_to(id);
    let hint = if close.is_empty() {
        format!(
            "{} has {} statements; `verity coverage` lists them",
            registry.file.display(),
            registry.statements.len()
        )
    } else {
        format!(
            "close: {}",
            close
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    format!("checks: unknown statement `{id}` ({hint})")
}

/// Each check against an `open` statement, evaluated against every reading's
/// sample answer with the pure checks; a reading it fails is refused.
fn pinned_readings(suite: &Suite, registry: &Registry, case: &Case) -> Vec<LoadError> {
    let mut open: Vec<&Statement> = Vec::new();
    for r in case_refs(case) {
        if let Some(s) = registry.get(&r.id)
            && s.level == Level::Open
            && !open.iter().any(|o| o.id == s.id)
        {
            open.push(s);
        }
    }
    let mut errors = Vec::new();
    for statement in open {
        for step in &case.steps {
            let Some(sample) = sample_of(&step.expect, &case.checks, &statement.id) else {
                continue;
            };
            for reading in &statement.readings {
                let results =
                    check::evaluate(&sample, &reading.observed(), &SampleScope, &suite.schemas);
                if let Some(failed) = results.iter().find(|r| !r.passed) {
                    let pos = failed
                        .source
                        .clone()
                        .or_else(|| step.expect.origin.as_ref().map(|o| o.pos().clone()))
                        .unwrap_or_else(|| step.origin.pos().clone());
                    let names: Vec<String> = statement
                        .readings
                        .iter()
                        .map(|r| format!("`{}`", r.name))
                        .collect();
                    errors.push(error_at(
                        &pos,
                        format!(
                            "check against open statement `{}` pins one reading: `{}` fails {} (accept every reading it lists: {})",
                            statement.id,
                            reading.name,
                            describe(failed),
                            names.join(", ")
                        ),
                    ));
                    break;
                }
            }
        }
    }
    errors
}

fn describe(result: &CheckResult) -> String {
    if result.kind == CheckKind::AnyOf {
        return format!(
            "any_of: none of its {} alternatives holds",
            result.alternatives.len()
        );
    }
    let subject = result.path.as_ref().map_or(result.subject.clone(), |path| {
        if result.subject.starts_with(path.as_str()) {
            result.subject.clone()
        } else {
            format!("{} at {path}", result.subject)
        }
    });
    format!(
        "{subject}: expected {}, got {}",
        result.expected, result.actual
    )
}

fn names(refs: &[StatementRef], id: &str) -> bool {
    refs.iter().any(|r| r.id == id)
}

/// Whether any check of `expect` (inheriting `inherited`) names `id`.
fn tied(expect: &Expect, inherited: &[StatementRef], id: &str) -> bool {
    let own = effective(&expect.checks, inherited);
    names(own, id)
        || expect.body.iter().any(|body| match body {
            BodyExpect::Path(assert) => names(effective(&assert.checks, own), id),
            _ => false,
        })
        || expect.any_of.iter().any(|alt| tied(alt, own, id))
}

/// The part of `expect` that names `id` and can be evaluated on a sample
/// answer; `None` when no check names it. `echo` and `unchanged` need the
/// request sent and earlier captures, and a check holding `${...}` needs the
/// run's values: none of them can be judged on a sample, so they are left out
/// (they may still pin a reading; nothing here can tell).
fn sample_of(expect: &Expect, inherited: &[StatementRef], id: &str) -> Option<Expect> {
    if !tied(expect, inherited, id) {
        return None;
    }
    let own = effective(&expect.checks, inherited);
    let whole = names(own, id);
    let mut sample = Expect {
        origin: expect.origin.clone(),
        ..Expect::default()
    };
    if whole {
        sample.status = expect.status.clone();
        sample.schema = expect.schema.clone();
        sample.headers = expect
            .headers
            .iter()
            .filter(|h| matcher_literal(&h.matcher))
            .cloned()
            .collect();
    }
    for body in &expect.body {
        let keep = match body {
            BodyExpect::Empty { .. } => whole,
            BodyExpect::Json { value, .. } | BodyExpect::Subset { value, .. } => {
                whole && json_literal(value)
            }
            BodyExpect::Path(assert) => {
                names(effective(&assert.checks, own), id) && path_literal(assert)
            }
        };
        if keep {
            sample.body.push(body.clone());
        }
    }
    if !expect.any_of.is_empty() && (whole || expect.any_of.iter().any(|alt| tied(alt, own, id))) {
        // The alternatives together say what passes: each is judged whole.
        sample.any_of = expect.any_of.iter().map(evaluable).collect();
    }
    Some(sample)
}

/// All of `expect` that a sample answer can show.
fn evaluable(expect: &Expect) -> Expect {
    Expect {
        status: expect.status.clone(),
        headers: expect
            .headers
            .iter()
            .filter(|h| matcher_literal(&h.matcher))
            .cloned()
            .collect(),
        body: expect
            .body
            .iter()
            .filter(|b| match b {
                BodyExpect::Empty { .. } => true,
                BodyExpect::Json { value, .. } | BodyExpect::Subset { value, .. } => {
                    json_literal(value)
                }
                BodyExpect::Path(assert) => path_literal(assert),
            })
            .cloned()
            .collect(),
        schema: expect.schema.clone(),
        echo: None,
        unchanged: None,
        any_of: expect.any_of.iter().map(evaluable).collect(),
        checks: expect.checks.clone(),
        advisory: expect.advisory,
        origin: expect.origin.clone(),
    }
}

fn pattern_literal(pattern: &Pattern) -> bool {
    pattern.fixed.is_some()
}

fn matcher_literal(matcher: &HeaderMatcher) -> bool {
    match matcher {
        HeaderMatcher::Present | HeaderMatcher::Absent => true,
        HeaderMatcher::Equals(t) => t.is_literal(),
        HeaderMatcher::Regex(p) => pattern_literal(p),
    }
}

fn json_literal(value: &JsonTemplate) -> bool {
    value.templates().iter().all(|t| t.is_literal())
}

fn path_literal(assert: &PathAssert) -> bool {
    assert.predicates.iter().all(|p| match p {
        Predicate::Equals(v) | Predicate::Contains(v) => json_literal(v),
        Predicate::OneOf(vs) => vs.iter().all(json_literal),
        Predicate::Regex(p) => pattern_literal(p),
        Predicate::Type(_) | Predicate::Present | Predicate::Absent | Predicate::Count(_) => true,
    })
}

/// The scope of a sample answer: no variables, no captures, nothing sent.
/// Only checks without placeholders are evaluated against it.
struct SampleScope;

impl Scope for SampleScope {
    fn render(&self, template: &Template) -> String {
        template.literal_text().unwrap_or_default()
    }

    fn render_regex(&self, template: &Template) -> String {
        regex::escape(&self.render(template))
    }

    fn lookup(&self, _name: &str) -> Option<&Value> {
        None
    }

    fn sent_body(&self, _of: EchoOf) -> Option<&Value> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suite_with(statements: &str, case: &str) -> Result<Suite, LoadErrors> {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(
            root.join("suite.yaml"),
            "name: s\nschemas:\n  Error: { inline: { type: object, required: [code] } }\n",
        )
        .unwrap();
        std::fs::write(root.join("statements.yaml"), statements).unwrap();
        std::fs::write(root.join("c.yaml"), case).unwrap();
        crate::case::load_suite(root, None)
    }

    const REGISTRY: &str = "\
sources:
  page: { title: A page }
operations:
  get: { method: GET, path: \"/m/{id}\" }
statements:
  S-found:
    level: must
    source: page
    quote: \"200 | OK\"
    operation: get
    status: 200
  S-wording:
    level: example
    source: page
    quote: '{\"message\": \"Member not found\"}'
  S-unknown:
    level: open
    source: page
    quote: \"not pinned down\"
    operation: get
    readings:
      - name: 404 NotFound
        answer: { status: 404, json: { code: NotFound } }
      - name: 400 MemberNotFound
        answer: { status: 400, json: { code: MemberNotFound } }
";

    fn messages(result: Result<Suite, LoadErrors>) -> Vec<String> {
        result.err().map_or_else(Vec::new, |e| {
            e.0.iter()
                .map(|e| {
                    let at =
                        e.at.unwrap_or(crate::case::LineColumn { line: 0, column: 0 });
                    format!("{}:{}: {}", at.line, at.column, e.message)
                })
                .collect()
        })
    }

    #[test]
    fn a_check_accepting_every_reading_loads_and_one_pinning_a_reading_is_refused() {
        let accepting = "\
cases:
  - name: c
    checks: [S-unknown]
    steps:
      - request: { method: GET, path: /m/x }
        expect:
          schema: Error
          any_of:
            - { status: 404, body: { paths: [{ path: $.code, equals: NotFound }] } }
            - { status: 400, body: { paths: [{ path: $.code, equals: MemberNotFound }] } }
";
        assert_eq!(
            messages(suite_with(REGISTRY, accepting)),
            Vec::<String>::new()
        );
        let pinning = "\
cases:
  - name: c
    checks: [S-unknown]
    steps:
      - request: { method: GET, path: /m/x }
        expect: { status: 404, schema: Error }
";
        assert_eq!(
            messages(suite_with(REGISTRY, pinning)),
            [
                "6:27: check against open statement `S-unknown` pins one reading: `400 MemberNotFound` fails status: expected 404, got 400 (accept every reading it lists: `404 NotFound`, `400 MemberNotFound`)"
            ]
        );
    }

    #[test]
    fn only_the_checks_naming_the_open_statement_are_evaluated() {
        // The first step is the fixture; the advisory wording check names
        // its own statement, and a templated check cannot be judged.
        let case = "\
cases:
  - name: c
    checks: [S-found]
    steps:
      - request: { method: GET, path: /m/x }
        expect: { status: 200 }
      - request: { method: GET, path: /m/y }
        expect:
          checks: [S-unknown]
          status: [400, 404]
          body:
            paths:
              - { path: $.message, regex: 'not found', checks: [S-wording] }
              - { path: $.code, equals: '${fresh.id}' }
";
        assert_eq!(messages(suite_with(REGISTRY, case)), Vec::<String>::new());
    }

    #[test]
    fn unknown_ids_are_refused_with_the_close_ones() {
        let case = "cases:\n  - name: c\n    checks: [S-foundd]\n    steps:\n      - request: { method: GET, path: /m/x }\n";
        assert_eq!(
            messages(suite_with(REGISTRY, case)),
            ["3:14: checks: unknown statement `S-foundd` (close: `S-found`)"]
        );
    }

    #[test]
    fn a_registry_naming_what_it_lacks_is_refused() {
        let bad = "\
sources: { page: { title: A page } }
statements:
  S-a: { level: must, source: pagee, quote: x }
  S-b: { level: open, source: page, quote: x }
  S-c: { level: example, source: page, quote: x, operation: nope, status: 200 }
  S-d:
    level: must
    source: page
    quote: x
    readings: [{ name: r, answer: { status: 200 } }]
";
        let case =
            "cases:\n  - name: c\n    steps:\n      - request: { method: GET, path: /m/x }\n";
        let got = messages(suite_with(bad, case));
        let expected = [
            "unknown source `pagee` (sources here: page)",
            "`open` but lists no `readings`",
            "unknown operation `nope` (operations here: none)",
            "only an `open` statement has `readings`",
        ];
        assert_eq!(got.len(), expected.len(), "{got:#?}");
        for (message, fragment) in got.iter().zip(expected) {
            assert!(message.contains(fragment), "{got:#?}");
        }
    }

    #[test]
    fn advisory_means_every_statement_is_an_example() {
        let suite = suite_with(
            REGISTRY,
            "cases:\n  - name: c\n    steps:\n      - request: { method: GET, path: /m/x }\n",
        )
        .unwrap();
        let registry = suite.statements.as_ref().unwrap();
        let r = |id: &str| StatementRef {
            id: id.into(),
            origin: crate::case::Origin::File(registry.get("S-found").unwrap().pos.clone()),
        };
        assert!(registry.advisory(&[r("S-wording")]));
        assert!(!registry.advisory(&[r("S-wording"), r("S-found")]));
        assert!(!registry.advisory(&[]));
    }
}
