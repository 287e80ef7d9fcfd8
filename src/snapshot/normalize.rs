//! An answer as a snapshot holds it: the status, the headers the suite keeps,
//! and the body (JSON pretty-printed with sorted keys), with every value that
//! changes from run to run or between targets replaced by a label.
//!
//! ```text
//! status: 201
//! content-type: application/json
//!
//! {
//!   "email": "verity+[fresh-1]@example.com",
//!   "memberId": "[memberId]",
//!   ...
//! }
//! ```
//!
//! Values verity generated (`${fresh.*}`, see [`crate::run::Fresh::pattern`])
//! become `[fresh-N]`, numbered by first appearance within the case: the same
//! value keeps its label across the case's steps, and the numbers do not
//! depend on what other cases ran at the same time.

use std::collections::HashMap;

use regex::Regex;
use serde_json::Value;

use crate::case::model::{Case, RedactTarget, Redaction, SnapshotSpec, Step};
use crate::check::json::sort_keys;
use crate::run::result::{CaseResult, ResponseSummary};

/// One step's normalized answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepSnapshot {
    /// Index of the step in its case.
    pub index: usize,
    /// The snapshot's name, which is also its file stem: `case@N` or
    /// `case@N-step` for a named step.
    pub name: String,
    /// `suite::case, step N of M` (and the step's name).
    pub description: String,
    /// The request as the case file writes it, e.g. `PATCH /v1/members/${id}`.
    pub expression: String,
    pub contents: String,
}

pub struct Normalizer<'a> {
    spec: &'a SnapshotSpec,
    fresh: Option<&'a Regex>,
}

/// Labels of the fresh values seen so far in one case.
#[derive(Default)]
pub struct FreshLabels(HashMap<String, usize>);

impl FreshLabels {
    fn label(&mut self, value: &str) -> String {
        let next = self.0.len() + 1;
        let n = *self.0.entry(value.to_string()).or_insert(next);
        format!("[fresh-{n}]")
    }
}

impl<'a> Normalizer<'a> {
    /// `fresh` matches the values the run generated ([`crate::run::Fresh::pattern`]).
    pub fn new(spec: &'a SnapshotSpec, fresh: Option<&'a Regex>) -> Normalizer<'a> {
        Normalizer { spec, fresh }
    }

    /// The snapshots of a finished case: one per step that got an answer.
    /// Steps that did not run, or got no answer, have none.
    pub fn case(&self, case: &Case, result: &CaseResult) -> Vec<StepSnapshot> {
        let mut labels = FreshLabels::default();
        let total = case.steps.len();
        result
            .steps
            .iter()
            .zip(&case.steps)
            .enumerate()
            .filter_map(|(index, (step_result, step))| {
                let response = step_result.response.as_ref()?;
                Some(StepSnapshot {
                    index,
                    name: snapshot_name(&case.name, index, step),
                    description: describe(&result.suite, &case.name, index, total, step),
                    expression: expression(step),
                    contents: self.answer(response, &step.snapshot_redactions, &mut labels),
                })
            })
            .collect()
    }

    /// The normalized text of one answer; `step` holds the redactions the
    /// step adds to the suite's.
    pub fn answer(
        &self,
        response: &ResponseSummary,
        step: &[Redaction],
        labels: &mut FreshLabels,
    ) -> String {
        let redactions: Vec<&Redaction> = self.spec.redactions.iter().chain(step).collect();
        let mut out = format!("status: {}\n", response.status);
        for name in &self.spec.headers {
            for (_, value) in response
                .headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            {
                out.push_str(&format!(
                    "{name}: {}\n",
                    self.text(value, &redactions, labels)
                ));
            }
        }
        out.push('\n');
        out.push_str(&self.body(&response.body, &redactions, labels));
        out.push('\n');
        out
    }

    fn body(&self, body: &str, redactions: &[&Redaction], labels: &mut FreshLabels) -> String {
        if body.trim().is_empty() {
            return "(empty body)".to_string();
        }
        match serde_json::from_str::<Value>(body) {
            Ok(json) => {
                // Sorted first: fresh labels are numbered in key order.
                let mut json = sort_keys(&json);
                redact_paths(&mut json, redactions);
                self.redact_strings(&mut json, redactions, labels);
                serde_json::to_string_pretty(&json).unwrap_or_else(|_| json.to_string())
            }
            Err(_) => self.text(body, redactions, labels),
        }
    }

    /// Walks strings in key order, so fresh labels are numbered the same
    /// whatever order a server writes its keys in.
    fn redact_strings(
        &self,
        json: &mut Value,
        redactions: &[&Redaction],
        labels: &mut FreshLabels,
    ) {
        match json {
            Value::String(s) => *s = self.text(s, redactions, labels),
            Value::Array(items) => items
                .iter_mut()
                .for_each(|v| self.redact_strings(v, redactions, labels)),
            Value::Object(map) => map
                .values_mut()
                .for_each(|v| self.redact_strings(v, redactions, labels)),
            _ => {}
        }
    }

    /// Fresh values, then the regex redactions.
    fn text(&self, text: &str, redactions: &[&Redaction], labels: &mut FreshLabels) -> String {
        let mut out = match self.fresh {
            Some(re) => re
                .replace_all(text, |c: &regex::Captures| labels.label(&c[0]))
                .into_owned(),
            None => text.to_string(),
        };
        for redaction in redactions {
            if let RedactTarget::Regex(re) = &redaction.target {
                out = re
                    .replace_all(&out, regex::NoExpand(&redaction.label))
                    .into_owned();
            }
        }
        out
    }
}

/// Each non-null value a path selects becomes the redaction's label.
fn redact_paths(json: &mut Value, redactions: &[&Redaction]) {
    for redaction in redactions {
        let RedactTarget::Path { path, .. } = &redaction.target else {
            continue;
        };
        let pointers: Vec<String> = path
            .query_located(json)
            .into_iter()
            .filter(|node| !node.node().is_null())
            .map(|node| node.location().to_json_pointer())
            .collect();
        for pointer in pointers {
            if let Some(value) = json.pointer_mut(&pointer) {
                *value = Value::String(redaction.label.clone());
            }
        }
    }
}

/// `case@N`, or `case@N-step` for a named step; only characters that are safe
/// in a file name on every system, and never `__` (insta reads a module
/// name before it).
pub fn snapshot_name(case: &str, index: usize, step: &Step) -> String {
    let mut name = format!("{}@{}", sanitize(case), index + 1);
    if !step.name.starts_with('#') {
        name.push('-');
        name.push_str(&sanitize(&step.name));
    }
    name
}

fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let c = if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
            c
        } else {
            '_'
        };
        if !(c == '_' && out.ends_with('_')) {
            out.push(c);
        }
    }
    out
}

fn describe(suite: &str, case: &str, index: usize, total: usize, step: &Step) -> String {
    let mut text = format!("{suite}::{case}, step {} of {total}", index + 1);
    if !step.name.starts_with('#') {
        text.push_str(&format!(" (`{}`)", step.name));
    }
    text
}

/// The request as the case file writes it: `GET /v1/members?skip=0`.
pub fn expression(step: &Step) -> String {
    let request = &step.request;
    let mut text = format!("{} {}", request.method.as_str(), request.path);
    for (i, (name, value)) in request.query.iter().enumerate() {
        text.push(if i == 0 { '?' } else { '&' });
        text.push_str(&format!("{name}={value}"));
    }
    text
}

/// The snapshot name of every step of these cases.
pub fn snapshot_names(cases: &[Case]) -> std::collections::BTreeSet<String> {
    cases
        .iter()
        .flat_map(|case| {
            case.steps
                .iter()
                .enumerate()
                .map(|(index, step)| snapshot_name(&case.name, index, step))
        })
        .collect()
}

/// Snapshot names of every step of every case, to refuse a suite in which two
/// would share a file.
pub fn clashing_names(cases: &[Case]) -> Option<(String, String, String)> {
    let mut seen: HashMap<String, String> = HashMap::new();
    for case in cases {
        for (index, step) in case.steps.iter().enumerate() {
            let name = snapshot_name(&case.name, index, step);
            let owner = format!("{}, step {}", case.name, index + 1);
            if let Some(first) = seen.insert(name.clone(), owner.clone()) {
                return Some((name, first, owner));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::model::{RedactTarget, Redaction};
    use crate::check::testing::pos;

    fn response(status: u16, headers: &[(&str, &str)], body: &str) -> ResponseSummary {
        ResponseSummary {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: body.to_string(),
            body_bytes: body.len(),
        }
    }

    fn spec() -> SnapshotSpec {
        let path = |p: &str, label: &str| Redaction {
            target: RedactTarget::Path {
                source: p.into(),
                path: serde_json_path::JsonPath::parse(p).unwrap(),
            },
            label: label.into(),
            origin: pos(),
        };
        SnapshotSpec {
            headers: vec!["content-type".into(), "location".into()],
            redactions: vec![
                path("$..memberId", "[memberId]"),
                path("$.total", "[total]"),
                Redaction {
                    target: RedactTarget::Regex(Regex::new("mem_[a-z0-9]{6}").unwrap()),
                    label: "[memberId]".into(),
                    origin: pos(),
                },
            ],
        }
    }

    #[test]
    fn answers_keep_the_status_chosen_headers_and_a_sorted_body() {
        let spec = spec();
        let n = Normalizer::new(&spec, None);
        let text = n.answer(
            &response(
                200,
                &[
                    ("date", "Mon, 23 Nov 2026 18:11:13 GMT"),
                    ("content-type", "application/json"),
                ],
                r#"{"z":1,"a":{"y":null,"b":[2,1]}}"#,
            ),
            &[],
            &mut FreshLabels::default(),
        );
        assert_eq!(
            text,
            "status: 200\ncontent-type: application/json\n\n{\n  \"a\": {\n    \"b\": [\n      2,\n      1\n    ],\n    \"y\": null\n  },\n  \"z\": 1\n}\n"
        );
    }

    #[test]
    fn redactions_replace_selected_values_and_matches_but_not_nulls() {
        let spec = spec();
        let n = Normalizer::new(&spec, None);
        let text = n.answer(
            &response(
                400,
                &[("location", "/v1/members/mem_abc123")],
                r#"{"memberId":"mem_zzz999","message":"member mem_abc123 is gone","total":7,"other":{"memberId":null}}"#,
            ),
            &[],
            &mut FreshLabels::default(),
        );
        assert!(
            text.contains("location: /v1/members/[memberId]\n"),
            "{text}"
        );
        assert!(text.contains("\"memberId\": \"[memberId]\""), "{text}");
        assert!(
            text.contains("\"message\": \"member [memberId] is gone\""),
            "{text}"
        );
        assert!(text.contains("\"total\": \"[total]\""), "{text}");
        assert!(text.contains("\"memberId\": null"), "{text}");
        assert!(!text.contains("mem_"), "{text}");
    }

    #[test]
    fn a_step_adds_its_redactions_to_the_suites() {
        let spec = spec();
        let n = Normalizer::new(&spec, None);
        let step = [Redaction {
            target: RedactTarget::Path {
                source: "$.members".into(),
                path: serde_json_path::JsonPath::parse("$.members").unwrap(),
            },
            label: "[members]".into(),
            origin: pos(),
        }];
        let body = r#"{"members":[{"memberId":"mem_a"},{"memberId":"mem_b"}],"total":2}"#;
        let text = n.answer(
            &response(200, &[], body),
            &step,
            &mut FreshLabels::default(),
        );
        assert!(text.contains("\"members\": \"[members]\""), "{text}");
        assert!(text.contains("\"total\": \"[total]\""), "{text}");
        let without = n.answer(&response(200, &[], body), &[], &mut FreshLabels::default());
        assert!(
            without.contains("\"memberId\": \"[memberId]\""),
            "{without}"
        );
    }

    #[test]
    fn fresh_values_are_numbered_by_first_appearance_in_the_case() {
        let spec = SnapshotSpec::default();
        let fresh = Regex::new("tok-?[0-9]+").unwrap();
        let n = Normalizer::new(&spec, Some(&fresh));
        let mut labels = FreshLabels::default();
        let first = n.answer(
            &response(
                201,
                &[],
                r#"{"b":"verity+tok-17@example.com","a":"verity-tok-9"}"#,
            ),
            &[],
            &mut labels,
        );
        let second = n.answer(
            &response(400, &[], "member code verity-tok-9 exists (tok123)"),
            &[],
            &mut labels,
        );
        // Keys are walked in sorted order: `a` first.
        assert!(first.contains("\"a\": \"verity-[fresh-1]\""), "{first}");
        assert!(
            first.contains("\"b\": \"verity+[fresh-2]@example.com\""),
            "{first}"
        );
        assert_eq!(
            second,
            "status: 400\n\nmember code verity-[fresh-1] exists ([fresh-3])\n"
        );
    }

    #[test]
    fn empty_and_text_bodies_say_what_they_are() {
        let spec = SnapshotSpec::default();
        let n = Normalizer::new(&spec, None);
        let mut labels = FreshLabels::default();
        assert_eq!(
            n.answer(&response(201, &[], " \n"), &[], &mut labels),
            "status: 201\n\n(empty body)\n"
        );
        assert_eq!(
            n.answer(&response(500, &[], "oops {"), &[], &mut labels),
            "status: 500\n\noops {\n"
        );
    }

    #[test]
    fn names_are_safe_file_stems() {
        assert_eq!(sanitize("patch-echo"), "patch-echo");
        assert_eq!(sanitize("a b/c__d:é"), "a_b_c_d_");
        assert!(!sanitize("x__y").contains("__"));
    }
}
