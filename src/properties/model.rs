//! The in-memory model of the resources a scenario acts on: what each
//! update must do under the documented rules, and what a read must then
//! show. Values are kept as the case holds them (JSON templates), so
//! `${v3}` is the same value wherever it appears.
//!
//! Where the documentation allows more than one outcome, the model answers
//! [`Outcome::Skip`] and the action is left out: a generated case asserts
//! only what every reading agrees on.

use indexmap::IndexMap;
use serde_json::Value;

use super::spec::{Field, PropertySpec, ReadBack};
use super::value::format_date;
use crate::case::template::{JsonTemplate, Template};
use crate::case::{Origin, PathAssert, Predicate, Unchanged};
use crate::check::json::{child_path, equal};

/// A generated JSONPath did not parse: verity's mistake, not the file's.
pub type PathError = serde_json_path::ParseError;

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
    known: IndexMap<String, JsonTemplate>,
    /// Fields changed since the resource was first read, with the value a
    /// read must show.
    changed: IndexMap<String, JsonTemplate>,
    status_changed: bool,
    /// Fields an update changed to what no read is known to show (a
    /// documented "no value"): left out of the unchanged check, unasserted.
    blurred: Vec<String>,
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
            blurred: Vec::new(),
        }
    }

    /// What the creating request set.
    pub fn know(&mut self, field: &str, value: JsonTemplate) {
        self.known.insert(field.to_string(), value);
    }

    pub fn known(&self, field: &str) -> Option<&JsonTemplate> {
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
    pub fn outcome(&self, on: &str, fields: &[(String, JsonTemplate)], broken: bool) -> Outcome {
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

    pub fn apply(&mut self, on: &str, fields: &[(String, JsonTemplate)]) {
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

    /// `field` of `on` was changed to a value whose reading the docs leave
    /// open: reads no longer assert it, nor that it is unchanged.
    pub fn blur(&mut self, on: &str, field: &str) {
        let member = self.member_mut(on);
        member.known.shift_remove(field);
        member.changed.shift_remove(field);
        member.blurred.push(field.to_owned());
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
    pub fn read_checks(&self, on: &str) -> Result<(Vec<PathAssert>, Unchanged), PathError> {
        let member = self.member(on);
        let mut paths = Vec::new();
        let mut except: Vec<String> = Vec::new();
        for (name, value) in &member.changed {
            let Some(field) = self.field(name) else {
                continue;
            };
            paths.extend(read_back(field, value)?);
            except.push(name.clone());
            except.extend(field.also_changes.iter().cloned());
        }
        for name in &member.blurred {
            except.push(name.clone());
            if let Some(field) = self.field(name) {
                except.extend(field.also_changes.iter().cloned());
            }
        }
        if let (Some(rule), true) = (&self.spec.resource.status, member.status_changed) {
            paths.extend(status_is(rule, member.status.as_deref())?);
            except.push(rule.field.clone());
        }
        except.dedup();
        let unchanged = Unchanged {
            of: member.before(),
            except,
            origin: self.spec.resource.read.origin.generated(),
        };
        Ok((paths, unchanged))
    }

    /// What the first read of `on` must show: the status the model assumes.
    pub fn first_read_checks(&self, on: &str) -> Result<Vec<PathAssert>, PathError> {
        let member = self.member(on);
        match (&self.spec.resource.status, &member.status) {
            (Some(rule), Some(status)) => status_is(rule, Some(status)),
            _ => Ok(Vec::new()),
        }
    }
}

/// The status field of a read holds `status`.
fn status_is(
    rule: &super::spec::StatusRule,
    status: Option<&str>,
) -> Result<Vec<PathAssert>, PathError> {
    let value = match status {
        Some(s) => JsonTemplate::String(Template::literal(s)),
        None => JsonTemplate::Plain(Value::Null),
    };
    Ok(vec![PathAssert::new(
        child_path("$", &rule.field),
        vec![Predicate::Equals(value)],
        false,
        Origin::Generated(rule.pos.clone()),
    )?])
}

/// Whether two case values are certainly the same value once rendered.
/// A `${fresh.*}` written inline is new at each use, so it equals nothing.
pub fn same_value(a: &JsonTemplate, b: &JsonTemplate) -> bool {
    !a.has_fresh() && !b.has_fresh() && equal(&a.to_value(), &b.to_value())
}

/// Later items replace earlier ones with the same key; the rest stay.
fn merge_items(before: &JsonTemplate, update: &JsonTemplate, key: &str) -> JsonTemplate {
    let (JsonTemplate::Array(before), JsonTemplate::Array(update)) = (before, update) else {
        return update.clone();
    };
    let mut merged = before.clone();
    for item in update {
        match merged.iter_mut().find(|m| m.get(key) == item.get(key)) {
            Some(slot) => *slot = item.clone(),
            None => merged.push(item.clone()),
        }
    }
    JsonTemplate::Array(merged)
}

/// The text of a value that holds no placeholder.
fn literal_text(value: &JsonTemplate) -> Option<String> {
    match value {
        JsonTemplate::String(t) => t.literal_text(),
        _ => None,
    }
}

fn text(text: String) -> JsonTemplate {
    JsonTemplate::String(Template::literal(text))
}

/// The path assertions a read makes of a field sent as `value`.
pub fn read_back(field: &Field, value: &JsonTemplate) -> Result<Vec<PathAssert>, PathError> {
    let path = child_path("$", &field.name);
    let origin = Origin::Generated(field.pos.clone());
    let assert = |path: String, predicate: Predicate, optional: bool| {
        PathAssert::new(path, vec![predicate], optional, origin.clone())
    };
    let equals = |path: String, value: JsonTemplate| assert(path, Predicate::Equals(value), false);
    Ok(match &field.reads_back {
        ReadBack::Nothing => Vec::new(),
        // A null may also come back as a missing key: both say "no value".
        ReadBack::Same if value.is_null() => {
            vec![assert(path, Predicate::Equals(value.clone()), true)?]
        }
        ReadBack::Same => vec![equals(path, value.clone())?],
        ReadBack::Boolean => {
            let flag = match value {
                JsonTemplate::Plain(Value::Bool(b)) => Some(*b),
                other => match literal_text(other) {
                    Some(s) if s.eq_ignore_ascii_case("true") => Some(true),
                    Some(s) if s.eq_ignore_ascii_case("false") => Some(false),
                    _ => None,
                },
            };
            match flag {
                Some(b) => vec![equals(path, JsonTemplate::Plain(Value::Bool(b)))?],
                None => vec![equals(path, value.clone())?],
            }
        }
        ReadBack::NumberOrString => match (value, literal_text(value)) {
            (_, Some(digits)) if is_plain_integer(&digits) => {
                let number: Value = serde_json::from_str(&digits).unwrap_or(Value::Null);
                vec![assert(
                    path,
                    Predicate::OneOf(vec![text(digits), JsonTemplate::Plain(number)]),
                    false,
                )?]
            }
            (JsonTemplate::Plain(Value::Number(n)), _) => vec![assert(
                path,
                Predicate::OneOf(vec![
                    JsonTemplate::Plain(Value::Number(n.clone())),
                    text(n.to_string()),
                ]),
                false,
            )?],
            _ => vec![equals(path, value.clone())?],
        },
        ReadBack::Date { sent, readings } => {
            let date = literal_text(value)
                .and_then(|text| chrono::NaiveDate::parse_from_str(&text, sent).ok());
            match date {
                Some(date) => {
                    let mut shown: Vec<String> =
                        readings.iter().map(|f| format_date(date, f)).collect();
                    shown.dedup();
                    vec![assert(
                        path,
                        Predicate::OneOf(shown.into_iter().map(text).collect()),
                        false,
                    )?]
                }
                None => vec![equals(path, value.clone())?],
            }
        }
        ReadBack::Items { key, value: inner } => {
            let JsonTemplate::Array(items) = value else {
                return Ok(vec![equals(path, value.clone())?]);
            };
            let mut out = Vec::new();
            for item in items {
                let (Some(k), Some(v)) = (item.get(key), item.get(inner)) else {
                    continue;
                };
                let Ok(k) = serde_json::to_string(&k.to_value()) else {
                    continue;
                };
                // The key may sit in more than one list of the read
                // resource (Toluna shows answers twice): look everywhere.
                let filter = format!("$..[?{} == {k}]{}", child_path("@", key), descendant(inner));
                out.push(assert(filter, Predicate::Contains(v.clone()), false)?);
            }
            out
        }
    })
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
    use serde_json::json;

    fn field(reads_back: ReadBack) -> Field {
        Field {
            name: "F".into(),
            valid: super::super::value::ValueSpec::OneOf(vec![t(json!(1))]),
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

    /// A value as a case file writes it.
    fn t(value: Value) -> JsonTemplate {
        JsonTemplate::parse(&value).unwrap()
    }

    /// The assertions a read makes, as a case file writes them.
    fn written(field: &Field, sent: Value) -> Vec<Value> {
        read_back(field, &t(sent))
            .unwrap()
            .iter()
            .map(|a| serde_json::to_value(crate::case::print::path_doc(a)).unwrap())
            .collect()
    }

    #[test]
    fn read_backs_accept_each_documented_form() {
        assert_eq!(
            written(&field(ReadBack::Boolean), json!("false")),
            vec![json!({"path": "$.F", "equals": false})]
        );
        assert_eq!(
            written(&field(ReadBack::NumberOrString), json!("90210")),
            vec![json!({"path": "$.F", "one_of": ["90210", 90210]})]
        );
        assert_eq!(
            written(&field(ReadBack::NumberOrString), json!("01234")),
            vec![json!({"path": "$.F", "equals": "01234"})]
        );
        let date = ReadBack::Date {
            sent: "%m/%d/%Y".into(),
            readings: vec!["%m/%d/%Y".into(), "%-m/%-d/%Y".into(), "%Y-%m-%d".into()],
        };
        assert_eq!(
            written(&field(date), json!("06/01/1985")),
            vec![json!({"path": "$.F", "one_of": ["06/01/1985", "6/1/1985", "1985-06-01"]})]
        );
        assert_eq!(
            written(&field(ReadBack::Same), json!(null)),
            vec![json!({"path": "$.F", "equals": null, "optional": true})]
        );
        let items = ReadBack::Items {
            key: "Q".into(),
            value: "A".into(),
        };
        assert_eq!(
            written(&field(items), json!([{"Q": 7, "A": 9}])),
            vec![json!({"path": "$..[?@.Q == 7]..A", "contains": 9})]
        );
    }

    #[test]
    fn items_merge_by_key() {
        let merged = merge_items(
            &t(json!([{"Q": 1, "A": 1}, {"Q": 2, "A": 2}])),
            &t(json!([{"Q": 2, "A": 5}, {"Q": 3, "A": 3}])),
            "Q",
        );
        assert_eq!(
            merged.to_value(),
            json!([{"Q": 1, "A": 1}, {"Q": 2, "A": 5}, {"Q": 3, "A": 3}])
        );
    }

    #[test]
    fn inline_fresh_values_equal_nothing() {
        assert!(same_value(&t(json!("${v1}")), &t(json!("${v1}"))));
        assert!(!same_value(&t(json!("${v1}")), &t(json!("${v2}"))));
        assert!(!same_value(
            &t(json!("${fresh.id}")),
            &t(json!("${fresh.id}"))
        ));
    }
}
