//! Expectations checked against one exchange. Every check is a pure function
//! of the expectation, the response and the case's captured values: no I/O,
//! so each is testable without a server. Results carry expected and actual
//! values, the place in the body (`path`) and the place in the case file.

mod body;
mod echo;
mod headers;
pub mod json;
mod jsonpath;
mod schema;
mod status;
mod unchanged;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use regex::Regex;

use crate::case::model::{BodyExpect, EchoOf, Expect, Origin, Pattern, Pos, Schema};
use crate::case::template::{JsonTemplate, Template};

/// What a check needs from the run: template rendering and captured values.
pub trait Scope {
    fn render(&self, template: &Template) -> String;
    /// Renders a regex template, escaping the substituted values.
    fn render_regex(&self, template: &Template) -> String;
    /// Renders the templates of a JSON value. A string that is one
    /// placeholder alone takes the value's JSON type (`"${before}"` is the
    /// captured object, not its text).
    fn render_json(&self, value: &JsonTemplate) -> Value {
        match value {
            JsonTemplate::Plain(v) => v.clone(),
            JsonTemplate::String(t) => match t.sole_variable().and_then(|n| self.lookup(n)) {
                Some(v) => v.clone(),
                None => Value::String(self.render(t)),
            },
            JsonTemplate::Array(items) => {
                Value::Array(items.iter().map(|v| self.render_json(v)).collect())
            }
            JsonTemplate::Object(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), self.render_json(v)))
                    .collect(),
            ),
        }
    }
    /// A variable or capture, as JSON (borrowed where the scope holds it
    /// as JSON: a captured member is compared, not copied).
    fn lookup(&self, name: &str) -> Option<&Value>;
    /// The JSON body the step `of` names sent, if it sent one.
    fn sent_body(&self, of: EchoOf) -> Option<&Value>;
}

/// The response as the checks see it.
#[derive(Debug, Clone, Copy)]
pub struct Observed<'a> {
    pub status: u16,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
    /// The body parsed as JSON, when it is JSON.
    pub json: Option<&'a Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    Status,
    Header,
    Body,
    JsonPath,
    Schema,
    Echo,
    Unchanged,
    AnyOf,
    Capture,
    /// The answer against its stored snapshot (`src/snapshot/`).
    Snapshot,
}

/// The outcome of one check, as plain data for the reporters.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckResult {
    pub kind: CheckKind,
    /// What was checked, e.g. `status`, `header content-type`, `$.email equals`.
    pub subject: String,
    /// Where in the response body, as a JSONPath, when the check is about one place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub expected: String,
    pub actual: String,
    pub passed: bool,
    /// More on why it failed, when expected and actual do not say it all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Where the expectation is written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Pos>,
    /// For `any_of`: the results of each alternative.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<Vec<CheckResult>>,
    /// It checks what the docs only show in an example: a failure is a
    /// warning, not a failure (unless `--strict`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub advisory: bool,
}

fn is_false(flag: &bool) -> bool {
    !*flag
}

impl CheckResult {
    pub fn new(
        kind: CheckKind,
        subject: impl Into<String>,
        expected: impl Into<String>,
        actual: impl Into<String>,
        passed: bool,
    ) -> CheckResult {
        CheckResult {
            kind,
            subject: subject.into(),
            path: None,
            expected: expected.into(),
            actual: actual.into(),
            passed,
            message: None,
            source: None,
            alternatives: Vec::new(),
            advisory: false,
        }
    }

    /// Advisory as well when `advisory` (an advisory expectation's checks).
    fn advisory_if(mut self, advisory: bool) -> CheckResult {
        self.advisory |= advisory;
        self
    }

    /// Whether it fails its step: a failed check that is not advisory.
    pub fn fails(&self) -> bool {
        !self.passed && !self.advisory
    }

    /// Whether it is a warning: a failed advisory check.
    pub fn warns(&self) -> bool {
        !self.passed && self.advisory
    }

    pub fn at(mut self, path: impl Into<String>) -> CheckResult {
        self.path = Some(path.into());
        self
    }

    pub fn because(mut self, message: impl Into<String>) -> CheckResult {
        self.message = Some(message.into());
        self
    }

    /// Where the expectation is written, or what it was generated from.
    pub fn from(mut self, origin: &Origin) -> CheckResult {
        self.source = Some(origin.pos().clone());
        self
    }
}

/// The regex of a pattern, rendered and compiled when it holds placeholders.
pub fn compile_pattern(pattern: &Pattern, scope: &dyn Scope) -> Result<Regex, String> {
    match &pattern.fixed {
        Some(re) => Ok(re.clone()),
        None => {
            let text = scope.render_regex(&pattern.source);
            Regex::new(&text)
                .map_err(|e| format!("regex /{text}/ does not compile once rendered: {e}"))
        }
    }
}

/// Checks every expectation of a step against the response.
pub fn evaluate(
    expect: &Expect,
    observed: &Observed,
    scope: &dyn Scope,
    schemas: &BTreeMap<String, Schema>,
) -> Vec<CheckResult> {
    let mut results = Vec::new();
    if let Some(status) = &expect.status {
        results.push(status::check(status, observed.status));
    }
    for header in &expect.headers {
        results.push(headers::check(header, observed.headers, scope));
    }
    // Path assertions name their own statements: they are marked apart.
    let mut paths = Vec::new();
    for body in &expect.body {
        match body {
            BodyExpect::Path(assert) => paths.extend(
                jsonpath::check(assert, observed, scope)
                    .into_iter()
                    .map(|r| r.advisory_if(assert.advisory)),
            ),
            other => results.push(body::check(other, observed, scope)),
        }
    }
    let paths_at = results.len();
    if let Some(schema_ref) = &expect.schema {
        results.extend(schema::check(schema_ref, schemas, observed));
    }
    if let Some(e) = &expect.echo {
        results.extend(echo::check(e, observed, scope));
    }
    if let Some(u) = &expect.unchanged {
        results.extend(unchanged::check(u, observed, scope));
    }
    if !expect.any_of.is_empty() {
        results.push(any_of(expect, observed, scope, schemas));
    }
    let mut results: Vec<CheckResult> = results
        .into_iter()
        .map(|r| r.advisory_if(expect.advisory))
        .collect();
    // In the order the checks are written: the body's paths after its other checks.
    results.splice(paths_at..paths_at, paths);
    results
}

fn any_of(
    expect: &Expect,
    observed: &Observed,
    scope: &dyn Scope,
    schemas: &BTreeMap<String, Schema>,
) -> CheckResult {
    let alternatives: Vec<Vec<CheckResult>> = expect
        .any_of
        .iter()
        .map(|alt| evaluate(alt, observed, scope, schemas))
        .collect();
    let clean = alternatives.iter().any(|r| r.iter().all(|c| c.passed));
    // An alternative whose failed checks are all advisory holds, with a
    // warning; a clean one wins over it. Warnings of alternatives that do
    // not hold say nothing of the answer.
    let holds = alternatives.iter().any(|r| r.iter().all(|c| !c.fails()));
    let actual = match (clean, holds) {
        (true, _) => "one holds",
        (false, true) => "one holds only with a warning",
        (false, false) => "none holds",
    };
    let mut result = CheckResult::new(
        CheckKind::AnyOf,
        "any_of",
        format!("one of {} alternatives to hold", alternatives.len()),
        actual,
        clean,
    );
    result.advisory = !clean && holds;
    result.alternatives = alternatives;
    if let Some(origin) = &expect.origin {
        result = result.from(origin);
    }
    result
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use std::collections::HashMap;

    /// A scope over fixed values, for tests of checks.
    #[derive(Default)]
    pub struct MapScope {
        pub values: HashMap<String, Value>,
        pub sent: Vec<Option<Value>>,
    }

    impl Scope for MapScope {
        fn render(&self, template: &Template) -> String {
            use crate::case::template::Part;
            template
                .parts()
                .iter()
                .map(|p| match p {
                    Part::Literal(t) => t.clone(),
                    Part::Variable(n) => match self.values.get(n) {
                        Some(Value::String(s)) => s.clone(),
                        Some(v) => v.to_string(),
                        None => String::new(),
                    },
                    Part::Fresh(_) => "fresh".into(),
                })
                .collect()
        }
        fn render_regex(&self, template: &Template) -> String {
            use crate::case::template::Part;
            template
                .parts()
                .iter()
                .map(|p| match p {
                    Part::Literal(t) => t.clone(),
                    Part::Variable(n) => {
                        regex::escape(self.values.get(n).and_then(|v| v.as_str()).unwrap_or(""))
                    }
                    Part::Fresh(_) => "fresh".into(),
                })
                .collect()
        }
        fn lookup(&self, name: &str) -> Option<&Value> {
            self.values.get(name)
        }
        fn sent_body(&self, of: EchoOf) -> Option<&Value> {
            match of {
                EchoOf::ThisStep => self.sent.last(),
                EchoOf::Step(index) => self.sent.get(index),
            }
            .and_then(|v| v.as_ref())
        }
    }

    pub fn pos() -> Origin {
        Origin::File(Pos {
            file: std::sync::Arc::new("case.yaml".into()),
            line: 1,
            column: 1,
        })
    }

    /// A JSON value as a case file writes it: its strings are templates.
    pub fn tj(value: Value) -> JsonTemplate {
        JsonTemplate::parse(&value).expect("a valid template")
    }

    pub fn observed<'a>(status: u16, body: &'a [u8], json: Option<&'a Value>) -> Observed<'a> {
        Observed {
            status,
            headers: &[],
            body,
            json,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::testing::{MapScope, observed, pos, tj};
    use super::*;
    use crate::case::model::{PathAssert, Predicate, StatusExpect, StatusPattern};

    fn status(code: u16) -> StatusExpect {
        StatusExpect {
            patterns: vec![StatusPattern::Code(code)],
            origin: pos(),
        }
    }

    fn message_is(text: &str, advisory: bool) -> BodyExpect {
        let mut assert = PathAssert::new(
            "$.Message",
            vec![Predicate::Equals(tj(json!(text)))],
            false,
            pos(),
        )
        .unwrap();
        assert.advisory = advisory;
        BodyExpect::Path(assert)
    }

    fn run(expect: &Expect, status_code: u16, body: serde_json::Value) -> Vec<CheckResult> {
        let text = body.to_string();
        let scope = MapScope::default();
        evaluate(
            expect,
            &observed(status_code, text.as_bytes(), Some(&body)),
            &scope,
            &BTreeMap::new(),
        )
    }

    #[test]
    fn an_advisory_check_that_fails_warns_and_decides_nothing() {
        let expect = Expect {
            status: Some(status(400)),
            body: vec![message_is("No member found", true)],
            ..Expect::default()
        };
        let results = run(&expect, 400, json!({"Message": "Unknown member"}));
        assert!(results.iter().all(|c| !c.fails()), "{results:#?}");
        assert_eq!(results.iter().filter(|c| c.warns()).count(), 1);
        // The same check, required, fails.
        let expect = Expect {
            body: vec![message_is("No member found", false)],
            ..expect
        };
        let results = run(&expect, 400, json!({"Message": "Unknown member"}));
        assert!(results.iter().any(CheckResult::fails));
        // An advisory expectation makes its own checks advisory.
        let expect = Expect {
            advisory: true,
            ..expect
        };
        let results = run(&expect, 404, json!({"Message": "Unknown member"}));
        let status_check = &results[0];
        assert!(status_check.warns(), "{status_check:#?}");
        assert!(results[1].fails(), "the path assertion decides for itself");
    }

    #[test]
    fn an_alternative_that_holds_only_with_a_warning_warns_and_a_clean_one_wins() {
        let alternative = |code: u16, advisory_message: bool| Expect {
            status: Some(status(code)),
            body: vec![message_is("No member found", advisory_message)],
            ..Expect::default()
        };
        let expect = Expect {
            any_of: vec![alternative(404, false), alternative(400, true)],
            ..Expect::default()
        };
        let warned = run(&expect, 400, json!({"Message": "Unknown member"}));
        assert_eq!(warned.len(), 1);
        assert!(warned[0].warns(), "{warned:#?}");
        let clean = run(&expect, 400, json!({"Message": "No member found"}));
        assert!(clean[0].passed && !clean[0].advisory);
        // Warnings of an alternative that does not hold say nothing.
        let other = Expect {
            any_of: vec![
                Expect {
                    status: Some(status(400)),
                    ..Expect::default()
                },
                alternative(404, true),
            ],
            ..Expect::default()
        };
        let results = run(&other, 400, json!({"Message": "Unknown member"}));
        assert!(results[0].passed && !results[0].warns(), "{results:#?}");
        let none = run(&expect, 500, json!({}));
        assert!(none[0].fails());
    }
}
