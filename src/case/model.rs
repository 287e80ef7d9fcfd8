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

use super::template::Template;

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
    pub cases: Vec<Case>,
}

impl Suite {
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

#[derive(Debug)]
pub struct Redaction {
    pub target: RedactTarget,
    /// What stands in place of a redacted value.
    pub label: String,
    pub pos: Pos,
}

#[derive(Debug)]
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
    pub pos: Pos,
}

#[derive(Debug)]
pub struct Case {
    pub name: String,
    pub description: String,
    pub doc: String,
    /// The statements the case checks; its checks check these unless their
    /// expectation or assertion names its own.
    pub checks: Vec<StatementRef>,
    pub strict: bool,
    pub pos: Pos,
    pub vars: IndexMap<String, Template>,
    pub steps: Vec<Step>,
    /// Suite variables the case reads (directly or through its steps).
    pub uses_variables: Vec<String>,
}

impl Case {
    /// Every position the case holds, in one fixed order: the case, then
    /// each step with what it expects, captures and redacts. Two cases of
    /// the same shape list theirs alike, which is how positions move from
    /// a case built in memory to the same case read from its text.
    pub fn positions_mut(&mut self) -> Vec<&mut Pos> {
        let mut out = vec![&mut self.pos];
        for step in &mut self.steps {
            out.push(&mut step.pos);
            step.expect.positions_mut(&mut out);
            out.extend(step.captures.iter_mut().map(|c| &mut c.pos));
            out.extend(step.snapshot_redactions.iter_mut().map(|r| &mut r.pos));
        }
        out
    }
}

#[derive(Debug)]
pub struct Step {
    pub name: String,
    pub pos: Pos,
    pub request: Request,
    pub expect: Expect,
    pub captures: Vec<Capture>,
    /// Redactions of this step's snapshot, after the suite's.
    pub snapshot_redactions: Vec<Redaction>,
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

#[derive(Debug)]
pub struct Request {
    pub method: Method,
    pub path: Template,
    pub query: Vec<(String, Template)>,
    /// Step headers; `None` removes a suite default header.
    pub headers: IndexMap<String, Option<Template>>,
    pub body: Option<Body>,
}

#[derive(Debug)]
pub enum Body {
    /// JSON whose strings may hold templates.
    Json(Value),
    Raw(Template),
}

#[derive(Debug, Default)]
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
    pub pos: Option<Pos>,
}

impl Expect {
    fn positions_mut<'a>(&'a mut self, out: &mut Vec<&'a mut Pos>) {
        out.extend(self.pos.as_mut());
        out.extend(self.status.as_mut().map(|s| &mut s.pos));
        out.extend(self.headers.iter_mut().map(|h| &mut h.pos));
        for body in &mut self.body {
            out.push(match body {
                BodyExpect::Empty { pos, .. }
                | BodyExpect::Json { pos, .. }
                | BodyExpect::Subset { pos, .. } => pos,
                BodyExpect::Path(assert) => &mut assert.pos,
            });
        }
        out.extend(self.schema.as_mut().map(|s| &mut s.pos));
        out.extend(self.echo.as_mut().map(|e| &mut e.pos));
        out.extend(self.unchanged.as_mut().map(|u| &mut u.pos));
        for alternative in &mut self.any_of {
            alternative.positions_mut(out);
        }
    }
}

#[derive(Debug, Clone)]
pub struct StatusExpect {
    pub patterns: Vec<StatusPattern>,
    pub pos: Pos,
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

#[derive(Debug)]
pub struct HeaderExpect {
    /// Lower-case header name.
    pub name: String,
    pub matcher: HeaderMatcher,
    pub pos: Pos,
}

#[derive(Debug)]
pub enum HeaderMatcher {
    Present,
    Absent,
    Equals(Template),
    Regex(Pattern),
}

/// A regular expression that may hold `${...}` placeholders; the values
/// substituted into it are escaped, so they match literally.
#[derive(Debug)]
pub struct Pattern {
    pub source: Template,
    /// The compiled regex, when the pattern holds no placeholder.
    pub fixed: Option<Regex>,
}

#[derive(Debug)]
pub enum BodyExpect {
    /// `empty: true` or `empty: false` (the body has content).
    Empty {
        empty: bool,
        pos: Pos,
    },
    Json {
        value: Value,
        pos: Pos,
    },
    Subset {
        value: Value,
        pos: Pos,
    },
    Path(PathAssert),
}

#[derive(Debug)]
pub struct PathAssert {
    pub source: String,
    pub path: JsonPath,
    pub predicates: Vec<Predicate>,
    pub optional: bool,
    /// The statements this assertion checks, instead of its expectation's.
    pub checks: Vec<StatementRef>,
    pub pos: Pos,
}

#[derive(Debug)]
pub enum Predicate {
    /// JSON whose strings may hold templates.
    Equals(Value),
    Type(JsonType),
    Regex(Pattern),
    Present,
    Absent,
    OneOf(Vec<Value>),
    Contains(Value),
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
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct Echo {
    /// Index of the step whose request body is echoed.
    pub of_step: usize,
    pub ignore: Vec<String>,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct Unchanged {
    pub of: String,
    pub except: Vec<String>,
    pub pos: Pos,
}

#[derive(Debug)]
pub struct Capture {
    pub name: String,
    pub source: CaptureSource,
    pub pos: Pos,
}

#[derive(Debug)]
pub enum CaptureSource {
    JsonPath { source: String, path: JsonPath },
    Header(String),
}
