//! The values a case sees while it runs: suite variables, its own `vars`,
//! captures, and the bodies its steps sent.

use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::Value;

use super::fresh::Fresh;
use super::secrets::percent_encode_path;
use crate::case::model::EchoOf;
use crate::case::template::{Part, Template};
use crate::check::Scope;

pub struct CaseScope {
    values: IndexMap<String, Value>,
    sent: Vec<Option<Value>>,
    fresh: Arc<Fresh>,
}

impl CaseScope {
    pub fn new(variables: &IndexMap<String, String>, fresh: Arc<Fresh>) -> CaseScope {
        CaseScope {
            values: variables
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect(),
            sent: Vec::new(),
            fresh,
        }
    }

    /// Binds a case's own `vars`, rendered in order (each may use the ones
    /// before it).
    pub fn bind_vars(&mut self, vars: &IndexMap<String, Template>) {
        for (name, template) in vars {
            let value = self.render_with(template, None);
            self.set(name, Value::String(value));
        }
    }

    pub fn set(&mut self, name: &str, value: Value) {
        self.values.insert(name.to_string(), value);
    }

    pub fn record_sent(&mut self, body: Option<Value>) {
        self.sent.push(body);
    }

    /// `encode`, when given, is applied to each substituted value.
    fn render_with(&self, template: &Template, encode: Option<fn(&str) -> String>) -> String {
        let mut out = String::new();
        let push = |out: &mut String, text: &str| match encode {
            Some(encode) => out.push_str(&encode(text)),
            None => out.push_str(text),
        };
        for part in template.parts() {
            match part {
                Part::Literal(text) => out.push_str(text),
                // The loader guarantees the name is known; a value can still
                // be missing when a capture failed, which fails its step first.
                Part::Variable(name) => match self.values.get(name) {
                    Some(Value::String(s)) => push(&mut out, s),
                    Some(other) => push(&mut out, &other.to_string()),
                    None => {}
                },
                Part::Fresh(generator) => push(&mut out, &self.fresh.generate(*generator)),
            }
        }
        out
    }

    /// Renders a URL path: substituted values are percent-encoded, so a value
    /// holding `/` or `?` stays one path segment.
    pub fn render_path(&self, template: &Template) -> String {
        self.render_with(template, Some(percent_encode_path))
    }
}

impl Scope for CaseScope {
    fn render(&self, template: &Template) -> String {
        self.render_with(template, None)
    }

    fn render_regex(&self, template: &Template) -> String {
        self.render_with(template, Some(regex::escape))
    }

    fn lookup(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }

    /// The step running now recorded its body before its checks run.
    fn sent_body(&self, of: EchoOf) -> Option<&Value> {
        match of {
            EchoOf::ThisStep => self.sent.last(),
            EchoOf::Step(index) => self.sent.get(index),
        }
        .and_then(Option::as_ref)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::tj;
    use serde_json::json;

    fn scope() -> CaseScope {
        let mut vars = IndexMap::new();
        vars.insert("code".to_string(), "a/b".to_string());
        let mut s = CaseScope::new(&vars, Arc::new(Fresh::with_token("t")));
        s.set("before", json!({"x": 1}));
        s.set("flag", json!(true));
        s
    }

    #[test]
    fn sole_placeholders_keep_their_json_type() {
        let s = scope();
        let v = s.render_json(&tj(
            json!({"b": "${before}", "f": "${flag}", "t": "c=${code}", "n": 3}),
        ));
        assert_eq!(v, json!({"b": {"x": 1}, "f": true, "t": "c=a/b", "n": 3}));
    }

    #[test]
    fn escaped_placeholders_in_json_are_literal_text() {
        let s = scope();
        let v = s.render_json(&tj(json!({"a": "$${before}", "b": ["x$${y"]})));
        assert_eq!(v, json!({"a": "${before}", "b": ["x${y"]}));
    }

    #[test]
    fn paths_encode_values_not_literals() {
        let s = scope();
        let t = Template::parse("/m/${code}/x").unwrap();
        assert_eq!(s.render_path(&t), "/m/a%2Fb/x");
        assert_eq!(s.render(&t), "/m/a/b/x");
    }

    #[test]
    fn fresh_values_differ_at_each_use() {
        let s = scope();
        let t = Template::parse("${fresh.id}").unwrap();
        assert_ne!(s.render(&t), s.render(&t));
    }
}
