//! The validated model of suites and cases: what the runner executes.
//!
//! Everything here has been checked by the loader: templates parsed and their
//! variables known, JSONPaths and regexes compiled, schemas compiled, step
//! references resolved. Every node that can fail keeps its source position.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use indexmap::IndexMap;
use regex::Regex;
use serde_json::Value;
use serde_json_path::JsonPath;

use super::template::{JsonTemplate, Template};

/// A place in a case file, for `file:line:column` messages.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pos {
    pub file: Arc<PathBuf>,
    pub line: u64,
    pub column: u64,
}

impl serde::Serialize for Pos {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Pos", 3)?;
        s.serialize_field("file", &self.file.display().to_string())?;
        s.serialize_field("line", &self.line)?;
        s.serialize_field("column", &self.column)?;
        s.end()
    }
}

/// Reports read back (`verity report merge`) carry positions as written.
impl<'de> serde::Deserialize<'de> for Pos {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct Raw {
            file: String,
            line: u64,
            column: u64,
        }
        let raw = Raw::deserialize(deserializer)?;
        Ok(Pos {
            file: Arc::new(PathBuf::from(raw.file)),
            line: raw.line,
            column: raw.column,
        })
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = super::error::shown_path(&self.file);
        write!(f, "{file}:{}:{}", self.line, self.column)
    }
}

/// Where a node of the model comes from: written in a case file, or made by
/// verity (a generated case) from a declaration. Results point at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Written at this place of a case file.
    File(Pos),
    /// Generated from the declaration at this place (in `properties.yaml`).
    Generated(Pos),
}

impl Origin {
    /// The place to point at: the text, or the declaration it was made from.
    pub fn pos(&self) -> &Pos {
        match self {
            Origin::File(pos) | Origin::Generated(pos) => pos,
        }
    }

    /// The same place, as the origin of what is generated from it.
    pub fn generated(&self) -> Origin {
        Origin::Generated(self.pos().clone())
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File(pos) => write!(f, "{pos}"),
            Origin::Generated(pos) => write!(f, "generated from {pos}"),
        }
    }
}

#[derive(Debug)]
pub struct Suite {
    pub name: String,
    pub description: String,
    pub dir: PathBuf,
    pub base_path: String,
    /// The embedded reference server for this suite, by name.
    pub reference: Option<String>,
    pub headers: IndexMap<String, Option<Template>>,
    pub variables: IndexMap<String, Variable>,
    pub schemas: BTreeMap<String, Schema>,
    pub pacing: Option<Pacing>,
    /// `None`: the suite declares no `snapshots:` section and is not snapshotted.
    pub snapshots: Option<SnapshotSpec>,
    /// The documented statements its cases name in `checks:`
    /// (`statements.yaml`); `None` when the suite has no registry.
    pub statements: Option<super::statements::Registry>,
    pub cases: Vec<Case>,
}

impl Suite {
    /// The schemas it declares, for a message about one it does not.
    pub fn schema_names(&self) -> String {
        if self.schemas.is_empty() {
            return "none".into();
        }
        let names: Vec<&str> = self.schemas.keys().map(String::as_str).collect();
        names.join(", ")
    }

    pub fn secret_names(&self) -> impl Iterator<Item = &str> {
        self.variables
            .iter()
            .filter(|(_, v)| v.secret)
            .map(|(n, _)| n.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct Variable {
    pub default: Option<String>,
    pub secret: bool,
    pub required: bool,
    pub description: String,
}

pub struct Schema {
    pub name: String,
    pub description: String,
    pub validator: jsonschema::Validator,
    /// The schema as written, at its pointer (OpenAPI's `nullable` kept):
    /// what `schema-coverage` walks.
    pub document: serde_json::Value,
}

impl fmt::Debug for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Schema").field("name", &self.name).finish()
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Pacing {
    pub step_interval_ms: u64,
}

/// What a snapshot keeps of an answer and what it hides.
#[derive(Debug, Default)]
pub struct SnapshotSpec {
    /// Lower-case names of the response headers kept, in the order given.
    pub headers: Vec<String>,
    pub redactions: Vec<Redaction>,
}

#[derive(Debug, Clone)]
pub struct Redaction {
    pub target: RedactTarget,
    /// What stands in place of a redacted value.
    pub label: String,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub enum RedactTarget {
    /// Each non-null value the JSONPath selects in a JSON body.
    Path { source: String, path: JsonPath },
    /// Each match inside body strings, text bodies and kept header values.
    Regex(Regex),
}

/// A documented statement a case or check names (`checks: [T-update-404]`),
/// by its id in the suite's `statements.yaml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRef {
    pub id: String,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub description: String,
    pub doc: String,
    /// The statements the case checks; its checks check these unless their
    /// expectation or assertion names its own.
    pub checks: Vec<StatementRef>,
    pub strict: bool,
    pub origin: Origin,
    pub vars: IndexMap<String, Template>,
    pub steps: Vec<Step>,
    /// Suite variables the case reads (directly or through its steps).
    pub uses_variables: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Step {
    pub name: String,
    pub origin: Origin,
    pub request: Request,
    pub expect: Expect,
    pub captures: Vec<Capture>,
    /// Redactions of this step's snapshot, after the suite's.
    pub snapshot_redactions: Vec<Redaction>,
}

impl Step {
    /// A GET of `path` that expects nothing: what verity sends of its own
    /// (a discovery request) and what stands for a step that did not lower.
    pub fn get(name: String, origin: Origin, path: Template) -> Step {
        Step {
            name,
            origin,
            request: Request {
                method: Method::Get,
                path,
                query: Vec::new(),
                headers: IndexMap::new(),
                body: None,
            },
            expect: Expect::default(),
            captures: Vec::new(),
            snapshot_redactions: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
    Options,
}

impl Method {
    pub fn parse(text: &str) -> Option<Method> {
        Some(match text.to_ascii_uppercase().as_str() {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            "HEAD" => Method::Head,
            "OPTIONS" => Method::Options,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub path: Template,
    pub query: Vec<(String, Template)>,
    /// Step headers; `None` removes a suite default header.
    pub headers: IndexMap<String, Option<Template>>,
    pub body: Option<Body>,
}

#[derive(Debug, Clone)]
pub enum Body {
    Json(JsonTemplate),
    Raw(Template),
}

#[derive(Debug, Clone, Default)]
pub struct Expect {
    pub status: Option<StatusExpect>,
    pub headers: Vec<HeaderExpect>,
    pub body: Vec<BodyExpect>,
    pub schema: Option<SchemaRef>,
    pub echo: Option<Echo>,
    pub unchanged: Option<Unchanged>,
    pub any_of: Vec<Expect>,
    /// The statements these checks check, instead of the case's.
    pub checks: Vec<StatementRef>,
    /// Its own checks (not its path assertions' nor its alternatives')
    /// check only what the docs show in an example: a failure is a warning.
    pub advisory: bool,
    /// `None` for an expectation no file writes (a step without `expect:`).
    pub origin: Option<Origin>,
}

#[derive(Debug, Clone)]
pub struct StatusExpect {
    pub patterns: Vec<StatusPattern>,
    pub origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusPattern {
    Code(u16),
    Class(u8),
}

impl StatusPattern {
    pub fn matches(self, status: u16) -> bool {
        match self {
            StatusPattern::Code(code) => code == status,
            StatusPattern::Class(class) => status / 100 == class as u16,
        }
    }
}

impl fmt::Display for StatusPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatusPattern::Code(code) => write!(f, "{code}"),
            StatusPattern::Class(class) => write!(f, "{class}xx"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct HeaderExpect {
    /// Lower-case header name.
    pub name: String,
    pub matcher: HeaderMatcher,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub enum HeaderMatcher {
    Present,
    Absent,
    Equals(Template),
    Regex(Pattern),
}

/// A regular expression that may hold `${...}` placeholders; the values
/// substituted into it are escaped, so they match literally.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub source: Template,
    /// The compiled regex, when the pattern holds no placeholder.
    pub fixed: Option<Regex>,
}

#[derive(Debug, Clone)]
pub enum BodyExpect {
    /// `empty: true` or `empty: false` (the body has content).
    Empty {
        empty: bool,
        origin: Origin,
    },
    Json {
        value: JsonTemplate,
        origin: Origin,
    },
    Subset {
        value: JsonTemplate,
        origin: Origin,
    },
    Path(PathAssert),
}

#[derive(Debug, Clone)]
pub struct PathAssert {
    pub source: String,
    pub path: JsonPath,
    pub predicates: Vec<Predicate>,
    pub optional: bool,
    /// The statements this assertion checks, instead of its expectation's.
    pub checks: Vec<StatementRef>,
    /// It checks only what the docs show in an example: a failure is a warning.
    pub advisory: bool,
    pub origin: Origin,
}

impl PathAssert {
    /// An assertion built in memory (a generated case) rather than read.
    pub fn new(
        path: impl Into<String>,
        predicates: Vec<Predicate>,
        optional: bool,
        origin: Origin,
    ) -> Result<PathAssert, serde_json_path::ParseError> {
        let source = path.into();
        Ok(PathAssert {
            path: super::compiled::jsonpath(&source)?,
            source,
            predicates,
            optional,
            checks: Vec::new(),
            advisory: false,
            origin,
        })
    }
}

#[derive(Debug, Clone)]
pub enum Predicate {
    Equals(JsonTemplate),
    Type(JsonType),
    Regex(Pattern),
    Present,
    Absent,
    OneOf(Vec<JsonTemplate>),
    Contains(JsonTemplate),
    Count(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    String,
    Number,
    Integer,
    Boolean,
    Null,
    Object,
    Array,
}

impl JsonType {
    pub const NAMES: [(&'static str, JsonType); 7] = [
        ("string", JsonType::String),
        ("number", JsonType::Number),
        ("integer", JsonType::Integer),
        ("boolean", JsonType::Boolean),
        ("null", JsonType::Null),
        ("object", JsonType::Object),
        ("array", JsonType::Array),
    ];

    pub fn parse(name: &str) -> Option<JsonType> {
        JsonType::NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
    }

    pub fn name(self) -> &'static str {
        JsonType::NAMES
            .iter()
            .find(|(_, t)| *t == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }

    pub fn of(value: &Value) -> JsonType {
        match value {
            Value::String(_) => JsonType::String,
            Value::Number(n) if n.is_i64() || n.is_u64() => JsonType::Integer,
            Value::Number(_) => JsonType::Number,
            Value::Bool(_) => JsonType::Boolean,
            Value::Null => JsonType::Null,
            Value::Object(_) => JsonType::Object,
            Value::Array(_) => JsonType::Array,
        }
    }

    pub fn admits(self, value: &Value) -> bool {
        let actual = JsonType::of(value);
        actual == self || (self == JsonType::Number && actual == JsonType::Integer)
    }
}

#[derive(Debug, Clone)]
pub struct SchemaRef {
    pub name: String,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct Echo {
    pub of: EchoOf,
    pub ignore: Vec<String>,
    pub origin: Origin,
}

/// Whose request body an answer echoes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EchoOf {
    /// The step's own: the same step wherever the step is placed.
    ThisStep,
    /// An earlier step of the case, by index.
    Step(usize),
}

impl EchoOf {
    /// The index of the echoed step, for the step at `current`.
    pub fn index(self, current: usize) -> usize {
        match self {
            EchoOf::ThisStep => current,
            EchoOf::Step(index) => index,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Unchanged {
    pub of: String,
    pub except: Vec<String>,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct Capture {
    pub name: String,
    pub source: CaptureSource,
    pub origin: Origin,
}

impl Capture {
    /// A capture of the JSON a JSONPath selects, built in memory.
    pub fn json_path(
        name: impl Into<String>,
        path: impl Into<String>,
        origin: Origin,
    ) -> Result<Capture, serde_json_path::ParseError> {
        let source = path.into();
        Ok(Capture {
            name: name.into(),
            source: CaptureSource::JsonPath {
                path: super::compiled::jsonpath(&source)?,
                source,
            },
            origin,
        })
    }
}

#[derive(Debug, Clone)]
pub enum CaptureSource {
    JsonPath { source: String, path: JsonPath },
    Header(String),
}
