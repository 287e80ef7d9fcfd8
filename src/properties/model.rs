//! The in-memory model of the resources a scenario acts on: what each
//! update must do under the documented rules, and what a read must then
//! show. Values are kept as they stand in the case file (JSON whose strings
//! are templates), so `${v3}` is the same value wherever it appears.
//!
//! Where the documentation allows more than one outcome, the model answers
//! [`Outcome::Skip`] and the action is left out: a generated case asserts
//! only what every reading agrees on.

use indexmap::IndexMap;
use serde_json::{Map, Value, json};

use super::spec::{Field, PropertySpec, ReadBack};
use super::value::format_date;
use crate::case::template::{Part, Template};
use crate::check::json::{child_path, equal};

/// What an update must be answered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Success, and the fields change.
    Applied,
    /// The documented refusal, and nothing changes.
    Refused,
    /// The resource does not exist.
    NotFound,
    /// The docs allow more than one answer: not sent.
    Skip,
}

#[derive(Debug, Clone)]
pub struct Member {
    /// `a`, `b`, `x` or `u`: the prefix of its names in the case file.
    pub label: &'static str,
    pub exists: bool,
    /// Only updates that must be refused are sent to it.
    pub refused_only: bool,
    pub status: Option<String>,
    /// The value of each field, where the model knows it.
    known: IndexMap<String, Value>,
    /// Fields changed since the resource was first read, with the value a
    /// read must show.
    changed: IndexMap<String, Value>,
    status_changed: bool,
}

impl Member {
    pub fn new(
        label: &'static str,
        exists: bool,
        refused_only: bool,
        status: Option<String>,
    ) -> Member {
        Member {
            label,
            exists,
            refused_only,
            status,
            known: IndexMap::new(),
            changed: IndexMap::new(),
            status_changed: false,
        }
    }

    /// What the creating request set.
    pub fn know(&mut self, field: &str, value: Value) {
        self.known.insert(field.to_string(), value);
    }

    pub fn known(&self, field: &str) -> Option<&Value> {
        self.known.get(field)
    }

    /// The capture holding the resource as first read.
    pub fn before(&self) -> String {
        format!("{}_before", self.label)
    }
}

pub struct Model<'a> {
    spec: &'a PropertySpec,
    pub members: Vec<Member>,
}

impl<'a> Model<'a> {
    pub fn new(spec: &'a PropertySpec) -> Model<'a> {
        Model {
            spec,
            members: Vec::new(),
        }
    }

    pub fn member(&self, label: &str) -> &Member {
        self.members
            .iter()
            .find(|m| m.label == label)
            .expect("members are added before they are used")
    }

    fn member_mut(&mut self, label: &str) -> &mut Member {
        self.members
            .iter_mut()
            .find(|m| m.label == label)
            .expect("members are added before they are used")
    }

    fn field(&self, name: &str) -> Option<&'a Field> {
        self.spec.fields.iter().find(|f| f.name == name)
    }

    /// The outcome of sending `fields` (all valid) to `on`, plus an invalid
    /// part when `broken`.
    pub fn outcome(&self, on: &str, fields: &[(String, Value)], broken: bool) -> Outcome {
        let member = self.member(on);
        if !member.exists {
            return Outcome::NotFound;
        }
        let mut refused = broken;
        for (name, value) in fields {
            let Some(field) = self.field(name) else {
                continue;
            };
            if !field.only_while.is_empty() {
                let allowed = member
                    .status
                    .as_ref()
                    .is_some_and(|s| field.only_while.contains(s));
                if !allowed {
                    // Sending the value it already has may or may not count
                    // as a change: the docs do not say.
                    if member.known(name).is_some_and(|k| same_value(k, value)) {
                        return Outcome::Skip;
                    }
                    refused = true;
                }
            }
            if field.unique && !value.is_null() {
                let taken = self.members.iter().any(|other| {
                    other.label != on
                        && other.exists
                        && other.known(name).is_some_and(|k| same_value(k, value))
                });
                refused |= taken;
            }
        }
        if refused {
            return Outcome::Refused;
        }
        // Whether a removed resource may still be updated, the docs do not say.
        if member.refused_only || self.is_removed(on) {
            return Outcome::Skip;
        }
        Outcome::Applied
    }

    pub fn apply(&mut self, on: &str, fields: &[(String, Value)]) {
        let spec = self.spec;
        let member = self.member_mut(on);
        for (name, value) in fields {
            let Some(field) = spec.fields.iter().find(|f| &f.name == name) else {
                continue;
            };
            member.known.insert(name.clone(), value.clone());
            let shown = match (&field.reads_back, member.changed.get(name)) {
                (ReadBack::Items { key, .. }, Some(before)) => merge_items(before, value, key),
                _ => value.clone(),
            };
            member.changed.insert(name.clone(), shown);
        }
    }

    /// The status `remove` leaves.
    fn removed_status(&self) -> Option<&'a String> {
        self.spec.resource.status.as_ref()?.removed.as_ref()
    }

    pub fn remove(&mut self, on: &str) {
        let removed = self.removed_status().cloned();
        let member = self.member_mut(on);
        member.status = removed;
        member.status_changed = true;
    }

    /// Whether `on` is in the status `remove` leaves.
    pub fn is_removed(&self, on: &str) -> bool {
        let removed = self.removed_status();
        removed.is_some() && self.member(on).status.as_ref() == removed
    }

    /// What a read of `on` must show: path assertions, and the rest equal
    /// to the first read except what changed.
    pub fn read_checks(&self, on: &str) -> (Vec<Value>, Value) {
        let member = self.member(on);
        let mut paths = Vec::new();
        let mut except: Vec<String> = Vec::new();
        for (name, value) in &member.changed {
            let Some(field) = self.field(name) else {
                continue;
            };
            paths.extend(read_back(field, value));
            except.push(name.clone());
            except.extend(field.also_changes.iter().cloned());
        }
        if let (Some(rule), true) = (&self.spec.resource.status, member.status_changed) {
            paths.push(json!({ "path": child_path("$", &rule.field), "equals": member.status }));
            except.push(rule.field.clone());
        }
        except.dedup();
        let mut unchanged = Map::new();
        unchanged.insert("of".into(), Value::String(member.before()));
        if !except.is_empty() {
            unchanged.insert("except".into(), json!(except));
        }
        (paths, Value::Object(unchanged))
    }

    /// What the first read of `on` must show: the status the model assumes.
    pub fn first_read_checks(&self, on: &str) -> Vec<Value> {
        let member = self.member(on);
        match (&self.spec.resource.status, &member.status) {
            (Some(rule), Some(status)) => {
                vec![json!({ "path": child_path("$", &rule.field), "equals": status })]
            }
            _ => Vec::new(),
        }
    }
}

/// Whether two case-file values are certainly the same value once rendered.
/// A `${fresh.*}` written inline is new at each use, so it equals nothing.
pub fn same_value(a: &Value, b: &Value) -> bool {
    !has_inline_fresh(a) && !has_inline_fresh(b) && equal(a, b)
}

fn has_inline_fresh(value: &Value) -> bool {
    match value {
        Value::String(text) => Template::parse(text)
            .map(|t| t.parts().iter().any(|p| matches!(p, Part::Fresh(_))))
            .unwrap_or(false),
        Value::Array(items) => items.iter().any(has_inline_fresh),
        Value::Object(map) => map.values().any(has_inline_fresh),
        _ => false,
    }
}

/// Later items replace earlier ones with the same key; the rest stay.
fn merge_items(before: &Value, update: &Value, key: &str) -> Value {
    let (Value::Array(before), Value::Array(update)) = (before, update) else {
        return update.clone();
    };
    let mut merged = before.clone();
    for item in update {
        match merged.iter_mut().find(|m| m.get(key) == item.get(key)) {
            Some(slot) => *slot = item.clone(),
            None => merged.push(item.clone()),
        }
    }
    Value::Array(merged)
}

/// The path assertions a read makes of a field sent as `value`.
pub fn read_back(field: &Field, value: &Value) -> Vec<Value> {
    let path = child_path("$", &field.name);
    match &field.reads_back {
        ReadBack::Nothing => Vec::new(),
        ReadBack::Same if value.is_null() => {
            // A null may also come back as a missing key: both say "no value".
            vec![json!({ "path": path, "equals": null, "optional": true })]
        }
        ReadBack::Same => vec![json!({ "path": path, "equals": value })],
        ReadBack::Boolean => {
            let flag = match value {
                Value::Bool(b) => Some(*b),
                Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
                Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
                _ => None,
            };
            match flag {
                Some(b) => vec![json!({ "path": path, "equals": b })],
                None => vec![json!({ "path": path, "equals": value })],
            }
        }
        ReadBack::NumberOrString => match value {
            Value::String(text) if is_plain_integer(text) => {
                let number: Value = serde_json::from_str(text).unwrap_or(Value::Null);
                vec![json!({ "path": path, "one_of": [text, number] })]
            }
            Value::Number(n) => vec![json!({ "path": path, "one_of": [n, n.to_string()] })],
            _ => vec![json!({ "path": path, "equals": value })],
        },
        ReadBack::Date { sent, readings } => {
            let date = value
                .as_str()
                .and_then(|text| chrono::NaiveDate::parse_from_str(text, sent).ok());
            match date {
                Some(date) => {
                    let mut shown: Vec<String> =
                        readings.iter().map(|f| format_date(date, f)).collect();
                    shown.dedup();
                    vec![json!({ "path": path, "one_of": shown })]
                }
                None => vec![json!({ "path": path, "equals": value })],
            }
        }
        ReadBack::Items { key, value: inner } => {
            let Value::Array(items) = value else {
                return vec![json!({ "path": path, "equals": value })];
            };
            items
                .iter()
                .filter_map(|item| {
                    let k = item.get(key)?;
                    let v = item.get(inner)?;
                    // The key may sit in more than one list of the read
                    // resource (Toluna shows answers twice): look everywhere.
                    let filter = format!(
                        "$..[?{} == {}]{}",
                        child_path("@", key),
                        serde_json::to_string(k).ok()?,
                        descendant(inner)
                    );
                    Some(json!({ "path": filter, "contains": v }))
                })
                .collect()
        }
    }
}

/// `..name` (or `..['odd name']`): a key at any depth below.
fn descendant(key: &str) -> String {
    let child = child_path("", key);
    if child.starts_with('.') {
        format!(".{child}")
    } else {
        format!("..{child}")
    }
}

/// Digits without a leading zero (or `0`): text a number reads back the same.
fn is_plain_integer(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty()
        && digits.len() <= 15
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(reads_back: ReadBack) -> Field {
        Field {
            name: "F".into(),
            valid: super::super::value::ValueSpec::OneOf(vec![json!(1)]),
            invalid: Vec::new(),
            reads_back,
            also_changes: Vec::new(),
            only_while: Vec::new(),
            unique: false,
            pos: crate::case::Pos {
                file: std::sync::Arc::new("p.yaml".into()),
                line: 1,
                column: 1,
            },
        }
    }

    #[test]
    fn read_backs_accept_each_documented_form() {
        assert_eq!(
            read_back(&field(ReadBack::Boolean), &json!("false")),
            vec![json!({"path": "$.F", "equals": false})]
        );
        assert_eq!(
            read_back(&field(ReadBack::NumberOrString), &json!("90210")),
            vec![json!({"path": "$.F", "one_of": ["90210", 90210]})]
        );
        assert_eq!(
            read_back(&field(ReadBack::NumberOrString), &json!("01234")),
            vec![json!({"path": "$.F", "equals": "01234"})]
        );
        let date = ReadBack::Date {
            sent: "%m/%d/%Y".into(),
            readings: vec!["%m/%d/%Y".into(), "%-m/%-d/%Y".into(), "%Y-%m-%d".into()],
        };
        assert_eq!(
            read_back(&field(date), &json!("06/01/1985")),
            vec![json!({"path": "$.F", "one_of": ["06/01/1985", "6/1/1985", "1985-06-01"]})]
        );
        assert_eq!(
            read_back(&field(ReadBack::Same), &json!(null)),
            vec![json!({"path": "$.F", "equals": null, "optional": true})]
        );
        let items = ReadBack::Items {
            key: "Q".into(),
            value: "A".into(),
        };
        assert_eq!(
            read_back(&field(items), &json!([{"Q": 7, "A": 9}])),
            vec![json!({"path": "$..[?@.Q == 7]..A", "contains": 9})]
        );
    }

    #[test]
    fn items_merge_by_key() {
        let merged = merge_items(
            &json!([{"Q": 1, "A": 1}, {"Q": 2, "A": 2}]),
            &json!([{"Q": 2, "A": 5}, {"Q": 3, "A": 3}]),
            "Q",
        );
        assert_eq!(
            merged,
            json!([{"Q": 1, "A": 1}, {"Q": 2, "A": 5}, {"Q": 3, "A": 3}])
        );
    }

    #[test]
    fn inline_fresh_values_equal_nothing() {
        assert!(same_value(&json!("${v1}"), &json!("${v1}")));
        assert!(!same_value(&json!("${v1}"), &json!("${v2}")));
        assert!(!same_value(&json!("${fresh.id}"), &json!("${fresh.id}")));
    }
}
