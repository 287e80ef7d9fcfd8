//! The case-file syntax, as serde reads and writes it: one struct per
//! YAML/JSON mapping, unknown keys rejected, positions kept with
//! [`Spanned`]. The loader turns these into the validated model of
//! [`super::model`]; a case built in memory (a generated counterexample) is
//! written back through the same types ([`super::print`]), so what verity
//! writes is what it reads. Keys are written in the order of the fields.

use indexmap::IndexMap;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;
use serde_saphyr::{FlowMap, Spanned};
use std::borrow::Cow;
use std::fmt;

use super::boolean;

/// `cases/<suite>/suite.yaml`.
#[derive(Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SuiteDoc {
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Prefix of every step path, after the base URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub base_path: Option<Spanned<String>>,
    /// The embedded reference server that serves this suite when no URL is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub reference: Option<Spanned<String>>,
    /// Headers sent with every request; a step may override or remove them.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(with = "IndexMap<String, Option<String>>")]
    pub headers: IndexMap<String, Spanned<Option<String>>>,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(with = "IndexMap<String, VariableDoc>")]
    pub variables: IndexMap<String, Spanned<VariableDoc>>,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(with = "IndexMap<String, SchemaDoc>")]
    pub schemas: IndexMap<String, Spanned<SchemaDoc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<PacingDoc>")]
    pub pacing: Option<Spanned<PacingDoc>>,
    /// What a snapshot keeps of each answer and what it hides; a suite
    /// without this section is not snapshotted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<SnapshotsDoc>")]
    pub snapshots: Option<Spanned<SnapshotsDoc>>,
}

#[derive(Debug, Deserialize, JsonSchema, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub struct VariableDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(
        default,
        deserialize_with = "boolean::plain",
        skip_serializing_if = "is_false"
    )]
    pub secret: bool,
    /// When set and no value is given, the suite cannot run (exit 2). When
    /// unset and no value is given, cases that use the variable are skipped.
    #[serde(
        default,
        deserialize_with = "boolean::plain",
        skip_serializing_if = "is_false"
    )]
    pub required: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

#[derive(Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaDoc {
    /// A JSON file, relative to the suite directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// A JSON pointer into `file` (for a schema inside an OpenAPI document).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// The schema itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inline: Option<Value>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

#[derive(Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PacingDoc {
    /// Least time between two requests of one case, against real servers.
    pub step_interval_ms: u64,
}

/// `snapshots:` in suite.yaml:
///
/// ```yaml
/// snapshots:
///   headers: [content-type]            # response headers kept (status and body always are)
///   redact:
///     - { path: "$..memberId", as: "[memberId]" }         # every value a JSONPath selects
///     - { regex: "mem_[a-z0-9]{20}", as: "[memberId]" }  # every match inside a string
/// ```
#[derive(Debug, Deserialize, JsonSchema, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SnapshotsDoc {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<String>")]
    pub headers: Vec<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<RedactDoc>")]
    pub redact: Vec<Spanned<RedactDoc>>,
}

/// One redaction: a value that changes from run to run or between targets.
#[derive(Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RedactDoc {
    /// An RFC 9535 JSONPath into the JSON body: each non-null value it selects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// A regex: each match inside body strings, text bodies and kept headers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    /// What the snapshot shows instead (default `[redacted]`).
    #[serde(default, rename = "as", skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// Any other `*.yaml|*.yml|*.json` file of a suite directory.
#[derive(Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFileDoc {
    #[schemars(with = "Vec<CaseDoc>")]
    pub cases: Vec<Spanned<CaseDoc>>,
}

#[derive(Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CaseDoc {
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The documentation statement the case checks, with its source.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub doc: String,
    /// The ids of the documented statements the case checks
    /// (`statements.yaml`); its checks check these unless they name their own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<String>")]
    pub checks: Vec<Spanned<String>>,
    /// Conventional but undocumented behaviour: runs only with `--strict`.
    #[serde(
        default,
        deserialize_with = "boolean::plain",
        skip_serializing_if = "is_false"
    )]
    pub strict: bool,
    /// Values fixed once per case run, e.g. `code: ${fresh.member_code}`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(with = "IndexMap<String, String>")]
    pub vars: IndexMap<String, Spanned<String>>,
    #[schemars(with = "Vec<StepDoc>")]
    pub steps: Vec<Spanned<StepDoc>>,
}

#[derive(Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StepDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub name: Option<Spanned<String>>,
    #[serde(serialize_with = "flow")]
    #[schemars(with = "RequestDoc")]
    pub request: Spanned<RequestDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<ExpectDoc>")]
    pub expect: Option<Spanned<ExpectDoc>>,
    #[serde(
        default,
        skip_serializing_if = "IndexMap::is_empty",
        serialize_with = "flow"
    )]
    #[schemars(with = "IndexMap<String, CaptureDoc>")]
    pub capture: IndexMap<String, Spanned<CaptureDoc>>,
    /// Redactions for this step's snapshot on top of the suite's, for an
    /// answer that holds what other cases did (a search over the account).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<StepSnapshotDoc>")]
    pub snapshot: Option<Spanned<StepSnapshotDoc>>,
}

/// `snapshot: { redact: [...] }` on a step; same items as the suite's `redact`.
#[derive(Debug, Deserialize, JsonSchema, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub struct StepSnapshotDoc {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<RedactDoc>")]
    pub redact: Vec<Spanned<RedactDoc>>,
}

#[derive(Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RequestDoc {
    #[schemars(with = "String")]
    pub method: Spanned<String>,
    #[schemars(with = "String")]
    pub path: Spanned<String>,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(with = "IndexMap<String, QueryValueDoc>")]
    pub query: IndexMap<String, Spanned<QueryValueDoc>>,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(with = "IndexMap<String, Option<String>>")]
    pub headers: IndexMap<String, Spanned<Option<String>>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<Value>")]
    pub json: Option<Spanned<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub raw: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, JsonSchema, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ExpectDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<StatusDoc>")]
    pub status: Option<Spanned<StatusDoc>>,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(with = "IndexMap<String, HeaderMatchDoc>")]
    pub headers: IndexMap<String, Spanned<HeaderMatchDoc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<BodyDoc>")]
    pub body: Option<Spanned<BodyDoc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub schema: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<EchoDoc>")]
    pub echo: Option<Spanned<EchoDoc>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "flow"
    )]
    #[schemars(with = "Option<UnchangedDoc>")]
    pub unchanged: Option<Spanned<UnchangedDoc>>,
    /// Alternatives, for behaviour the docs allow in several readings: the
    /// step passes when any one of them holds (and everything else above).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<ExpectDoc>")]
    pub any_of: Vec<Spanned<ExpectDoc>>,
    /// The statements this expectation's checks check, instead of the case's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "Vec<String>")]
    pub checks: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize, JsonSchema, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub struct BodyDoc {
    /// `true`: the body is empty (zero bytes, or only whitespace);
    /// `false`: it is not.
    #[serde(
        default,
        deserialize_with = "boolean::plain_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub empty: Option<bool>,
    /// The body is exactly this JSON.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<Value>")]
    pub json: Option<Spanned<Value>>,
    /// The body contains this JSON: every key and array element given here.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<Value>")]
    pub subset: Option<Spanned<Value>>,
    /// JSONPath (RFC 9535) assertions.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        serialize_with = "flow_items"
    )]
    #[schemars(with = "Vec<PathAssertDoc>")]
    pub paths: Vec<Spanned<PathAssertDoc>>,
}

#[derive(Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PathAssertDoc {
    pub path: String,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub equals: Option<Value>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    #[serde(
        default,
        deserialize_with = "boolean::plain_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub present: Option<bool>,
    #[serde(
        default,
        deserialize_with = "boolean::plain_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub absent: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_of: Option<Vec<Value>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub contains: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
    /// The key may be missing altogether; the other predicates apply when it is there.
    #[serde(
        default,
        deserialize_with = "boolean::plain",
        skip_serializing_if = "is_false"
    )]
    pub optional: bool,
    /// The statements this assertion checks, instead of its expectation's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UnchangedDoc {
    /// A capture holding the resource as read earlier.
    pub of: String,
    /// Fields allowed to differ (`name`, or `a.b` for a nested key).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub except: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EchoOptionsDoc {
    /// The step whose request body is echoed; default: this step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub of: Option<String>,
    /// Sent fields not compared.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<String>,
}

/// `echo: true` or `echo: { of: step, ignore: [...] }`.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum EchoDoc {
    Flag(bool),
    Options(EchoOptionsDoc),
}

/// `status: 200`, `status: 4xx` or `status: [400, 404]`.
#[derive(Debug)]
pub struct StatusDoc(pub Vec<StatusPatternDoc>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusPatternDoc {
    Code(u16),
    /// `4xx`: the digit of the class.
    Class(u8),
}

/// `header: text` (equals) or `header: { equals | regex | present | absent }`.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum HeaderMatchDoc {
    Equals(String),
    Options(HeaderOptionsDoc),
}

#[derive(Debug, Deserialize, JsonSchema, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub struct HeaderOptionsDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    #[serde(
        default,
        deserialize_with = "boolean::plain_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub present: Option<bool>,
    #[serde(
        default,
        deserialize_with = "boolean::plain_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub absent: Option<bool>,
}

/// `name: $.json.path` or `name: { jsonpath: ... }` / `name: { header: ... }`.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum CaptureDoc {
    JsonPath(String),
    Options(CaptureOptionsDoc),
}

#[derive(Debug, Deserialize, JsonSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CaptureOptionsDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jsonpath: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
}

/// A query parameter: one value, or a list sent as repeated parameters.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum QueryValueDoc {
    One(String),
    Many(Vec<String>),
}

fn is_false(flag: &bool) -> bool {
    !*flag
}

/// Written on one line, as people write requests, captures and `unchanged`.
fn flow<T: Serialize, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    FlowMap(value).serialize(serializer)
}

/// A list of mappings, each written on one line (path assertions).
fn flow_items<T: Serialize, S: Serializer>(items: &[T], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(items.iter().map(FlowMap))
}

/// Keeps a present `null` as `Some(Value::Null)`: `equals: null` means "is null".
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

impl<'de> Deserialize<'de> for EchoDoc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = EchoDoc;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("`true`, or a mapping with `of` and/or `ignore`")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<EchoDoc, E> {
                Ok(EchoDoc::Flag(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<EchoDoc, A::Error> {
                EchoOptionsDoc::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(EchoDoc::Options)
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for StatusPatternDoc {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            StatusPatternDoc::Code(code) => serializer.serialize_u16(*code),
            StatusPatternDoc::Class(class) => serializer.serialize_str(&format!("{class}xx")),
        }
    }
}

/// One status as itself, several as a list (written on one line).
impl Serialize for StatusDoc {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0.as_slice() {
            [one] => one.serialize(serializer),
            many => serde_saphyr::FlowSeq(many).serialize(serializer),
        }
    }
}

fn parse_status_pattern<E: de::Error>(text: &str) -> Result<StatusPatternDoc, E> {
    let text = text.trim();
    let bytes = text.as_bytes();
    if bytes.len() == 3
        && (b'1'..=b'5').contains(&bytes[0])
        && bytes[1..].eq_ignore_ascii_case(b"xx")
    {
        return Ok(StatusPatternDoc::Class(bytes[0] - b'0'));
    }
    match text.parse::<u16>() {
        Ok(code) => status_code(code as u64),
        Err(_) => Err(E::custom(format!(
            "`{text}` is not a status: write a code like 200 or a class like 4xx"
        ))),
    }
}

fn status_code<E: de::Error>(code: u64) -> Result<StatusPatternDoc, E> {
    if (100..=599).contains(&code) {
        Ok(StatusPatternDoc::Code(code as u16))
    } else {
        Err(E::custom(format!(
            "{code} is not an HTTP status (100 to 599)"
        )))
    }
}

struct StatusPatternVisitor;

impl<'de> Visitor<'de> for StatusPatternVisitor {
    type Value = StatusPatternDoc;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a status code like 200 or a class like 4xx")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<StatusPatternDoc, E> {
        status_code(v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<StatusPatternDoc, E> {
        status_code(v.max(0) as u64)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<StatusPatternDoc, E> {
        parse_status_pattern(v)
    }
}

impl<'de> Deserialize<'de> for StatusPatternDoc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StatusPatternVisitor)
    }
}

impl<'de> Deserialize<'de> for StatusDoc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StatusDoc;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a status code (200), a class (4xx) or a list of them")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<StatusDoc, E> {
                StatusPatternVisitor
                    .visit_u64(v)
                    .map(|p| StatusDoc(vec![p]))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<StatusDoc, E> {
                StatusPatternVisitor
                    .visit_i64(v)
                    .map(|p| StatusDoc(vec![p]))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StatusDoc, E> {
                parse_status_pattern(v).map(|p| StatusDoc(vec![p]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StatusDoc, A::Error> {
                let mut patterns = Vec::new();
                while let Some(p) = seq.next_element::<StatusPatternDoc>()? {
                    patterns.push(p);
                }
                if patterns.is_empty() {
                    return Err(de::Error::custom(
                        "an empty list of statuses matches nothing",
                    ));
                }
                Ok(StatusDoc(patterns))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for HeaderMatchDoc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = HeaderMatchDoc;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("the exact value, or a mapping with equals, regex, present or absent")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<HeaderMatchDoc, E> {
                Ok(HeaderMatchDoc::Equals(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<HeaderMatchDoc, E> {
                Ok(HeaderMatchDoc::Equals(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<HeaderMatchDoc, A::Error> {
                HeaderOptionsDoc::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(HeaderMatchDoc::Options)
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for CaptureDoc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CaptureDoc;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSONPath like $.memberId, or a mapping with `jsonpath` or `header`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<CaptureDoc, E> {
                Ok(CaptureDoc::JsonPath(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<CaptureDoc, A::Error> {
                CaptureOptionsDoc::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(CaptureDoc::Options)
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for QueryValueDoc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = QueryValueDoc;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value or a list of values")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<QueryValueDoc, E> {
                Ok(QueryValueDoc::One(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<QueryValueDoc, E> {
                Ok(QueryValueDoc::One(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<QueryValueDoc, E> {
                Ok(QueryValueDoc::One(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<QueryValueDoc, E> {
                Ok(QueryValueDoc::One(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<QueryValueDoc, A::Error> {
                let mut values = Vec::new();
                while let Some(v) = seq.next_element::<String>()? {
                    values.push(v);
                }
                Ok(QueryValueDoc::Many(values))
            }
        }
        d.deserialize_any(V)
    }
}

// The shorthand forms below have hand-written Deserialize impls, so their
// editor schemas are written by hand too, to accept exactly what those
// visitors accept (tests/editor_schema.rs holds the two together).

impl JsonSchema for EchoDoc {
    fn schema_name() -> Cow<'static, str> {
        "EchoDoc".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let options = g.subschema_for::<EchoOptionsDoc>();
        json_schema!({ "anyOf": [{ "type": "boolean" }, options] })
    }
}

/// A code 100..=599 (as a number or as text, as `str::parse` reads it) or a class `1xx`..`5xx`.
fn status_pattern_schema() -> Schema {
    json_schema!({
        "anyOf": [
            { "type": "integer", "minimum": 100, "maximum": 599 },
            { "type": "string", "pattern": "^\\s*(\\+?0*[1-5][0-9]{2}|[1-5][xX]{2})\\s*$" }
        ]
    })
}

impl JsonSchema for StatusDoc {
    fn schema_name() -> Cow<'static, str> {
        "StatusDoc".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let one = status_pattern_schema();
        json_schema!({
            "anyOf": [one.clone(), { "type": "array", "items": one, "minItems": 1 }]
        })
    }
}

impl JsonSchema for HeaderMatchDoc {
    fn schema_name() -> Cow<'static, str> {
        "HeaderMatchDoc".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let options = g.subschema_for::<HeaderOptionsDoc>();
        json_schema!({
            "anyOf": [{ "type": "string" }, { "type": "integer", "minimum": 0 }, options]
        })
    }
}

impl JsonSchema for CaptureDoc {
    fn schema_name() -> Cow<'static, str> {
        "CaptureDoc".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let options = g.subschema_for::<CaptureOptionsDoc>();
        json_schema!({ "anyOf": [{ "type": "string" }, options] })
    }
}

impl JsonSchema for QueryValueDoc {
    fn schema_name() -> Cow<'static, str> {
        "QueryValueDoc".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "anyOf": [
                { "type": ["string", "integer", "boolean"] },
                { "type": "array", "items": { "type": "string" } }
            ]
        })
    }
}
