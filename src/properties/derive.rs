//! Constraints of a request-body JSON schema, each with values that break
//! it and only it, and boundary values that satisfy it: the generator the
//! `schema-coverage` property (issue 12) is to draw from.
//!
//! Not wired into a property yet: a derived invalid value is only worth
//! sending if it breaks exactly one constraint, so every generated string is
//! checked here against the schema's own pattern rather than trusted.

use regex::Regex;
use serde_json::{Map, Value, json};

/// What kind of rule a constraint is, for the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Type,
    Enum,
    Pattern,
    Required,
    AdditionalProperties,
    Nullable,
    Branches,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Type => "type",
            Kind::Enum => "enum",
            Kind::Pattern => "pattern",
            Kind::Required => "required",
            Kind::AdditionalProperties => "additionalProperties",
            Kind::Nullable => "nullable",
            Kind::Branches => "anyOf",
        }
    }
}

/// One constraint at a JSON pointer into the body (`/gender`, `/accountDetails`).
#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    pub pointer: String,
    pub kind: Kind,
    /// Values that break this constraint, each named by how it breaks it.
    pub invalid: Vec<(String, Value)>,
    /// Values that satisfy it at its edges (each enum value, each branch).
    pub valid: Vec<Value>,
}

/// Whether a schema marked the rule as one the docs leave open
/// (`x-verity-open: true`), so that no value is derived from it.
fn open(schema: &Value) -> bool {
    schema.get("x-verity-open").and_then(Value::as_bool) == Some(true)
}

/// A single `anyOf`/`oneOf` wrapper around one schema says nothing beyond
/// that schema (OpenAPI generators write `nullable` this way), so it is
/// looked through; `nullable` on either level counts.
pub(super) fn unwrap(schema: &Value) -> (&Value, bool) {
    let mut nullable = schema.get("nullable").and_then(Value::as_bool) == Some(true);
    let mut s = schema;
    while let Some(branches) = branches(s) {
        if branches.len() != 1 {
            break;
        }
        s = &branches[0];
        nullable |= s.get("nullable").and_then(Value::as_bool) == Some(true);
    }
    (s, nullable)
}

pub(super) fn branches(schema: &Value) -> Option<&Vec<Value>> {
    schema
        .get("anyOf")
        .or_else(|| schema.get("oneOf"))
        .and_then(Value::as_array)
}

/// Every constraint of an object body schema, outermost first.
pub fn walk(schema: &Value) -> Vec<Constraint> {
    let mut out = Vec::new();
    object(schema, "", &mut out);
    out
}

fn object(schema: &Value, pointer: &str, out: &mut Vec<Constraint>) {
    let props = schema.get("properties").and_then(Value::as_object);
    if let Some(required) = schema.get("required").and_then(Value::as_array) {
        let invalid = required
            .iter()
            .filter_map(Value::as_str)
            .map(|k| (format!("without {k}"), Value::String(k.to_owned())))
            .collect();
        out.push(Constraint {
            pointer: pointer.to_owned(),
            kind: Kind::Required,
            invalid,
            valid: Vec::new(),
        });
    }
    if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
        out.push(Constraint {
            pointer: pointer.to_owned(),
            kind: Kind::AdditionalProperties,
            invalid: vec![("an unknown key".into(), json!({ "verityUnknownKey": "x" }))],
            valid: Vec::new(),
        });
    }
    for (key, sub) in props.into_iter().flatten() {
        field(sub, &format!("{pointer}/{key}"), out);
    }
}

fn field(schema: &Value, pointer: &str, out: &mut Vec<Constraint>) {
    if open(schema) {
        return;
    }
    let (s, nullable) = unwrap(schema);
    if let Some(bs) = branches(s) {
        let objects = bs.iter().filter(|b| b.get("properties").is_some()).count();
        let valid: Vec<Value> = bs.iter().filter_map(sample).collect();
        let mut invalid = Vec::new();
        // One branch's keys mixed with another's: with closed branches no
        // branch accepts the union.
        if objects >= 2
            && bs
                .iter()
                .all(|b| b.get("additionalProperties") == Some(&Value::Bool(false)))
        {
            let mut mixed = Map::new();
            for b in bs {
                if let Some(Value::Object(m)) = sample(b) {
                    mixed.extend(m);
                }
            }
            invalid.push(("branches mixed".into(), Value::Object(mixed)));
        }
        if !nullable {
            invalid.push(("null".into(), Value::Null));
        }
        out.push(Constraint {
            pointer: pointer.to_owned(),
            kind: Kind::Branches,
            invalid,
            valid,
        });
        for (i, b) in bs.iter().enumerate() {
            object(b, &format!("{pointer}[{i}]"), out);
        }
        return;
    }
    let ty = s.get("type").and_then(Value::as_str);
    if let Some(ty) = ty {
        let invalid = others(ty)
            .into_iter()
            .map(|(n, v)| (format!("a {n}"), v))
            .collect();
        out.push(Constraint {
            pointer: pointer.to_owned(),
            kind: Kind::Type,
            invalid,
            valid: sample(s).into_iter().collect(),
        });
    }
    if !nullable {
        out.push(Constraint {
            pointer: pointer.to_owned(),
            kind: Kind::Nullable,
            invalid: vec![("null".into(), Value::Null)],
            valid: Vec::new(),
        });
    }
    if let Some(values) = s.get("enum").and_then(Value::as_array) {
        let names: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
        let mut invalid = Vec::new();
        for v in &names {
            let near = [
                ("lower case", v.to_lowercase()),
                ("upper case", v.to_uppercase()),
                ("first letter swapped in case", swap_first(v)),
                (
                    "last letter dropped",
                    v[..v.len() - v.chars().last().map_or(0, char::len_utf8)].to_owned(),
                ),
            ];
            for (how, n) in near {
                if !names.contains(&n.as_str())
                    && !invalid
                        .iter()
                        .any(|(_, x): &(String, Value)| x == &Value::String(n.clone()))
                {
                    invalid.push((format!("{v}, {how}"), Value::String(n)));
                }
            }
        }
        out.push(Constraint {
            pointer: pointer.to_owned(),
            kind: Kind::Enum,
            invalid,
            valid: values.clone(),
        });
    }
    if let (Some(p), Some(example)) = (
        s.get("pattern").and_then(Value::as_str),
        s.get("example").and_then(Value::as_str),
    ) && let Ok(re) = Regex::new(p)
        && re.is_match(example)
    {
        let invalid = near_misses(example)
            .into_iter()
            .filter(|(_, m)| !re.is_match(m))
            .map(|(n, m)| (n, Value::String(m)))
            .collect();
        out.push(Constraint {
            pointer: pointer.to_owned(),
            kind: Kind::Pattern,
            invalid,
            valid: vec![Value::String(example.to_owned())],
        });
    }
    if ty == Some("object") {
        object(s, pointer, out);
    }
}

fn swap_first(v: &str) -> String {
    let mut c = v.chars();
    match c.next() {
        Some(f) if f.is_uppercase() => f.to_lowercase().chain(c).collect(),
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A value of every JSON type but `ty`.
fn others(ty: &str) -> Vec<(&'static str, Value)> {
    [
        ("string", json!("1")),
        ("number", json!(1)),
        ("boolean", json!(true)),
        ("array", json!([])),
        ("object", json!({})),
    ]
    .into_iter()
    .filter(|(n, _)| *n != ty && !(ty == "integer" && *n == "number"))
    .collect()
}

/// A value a schema accepts: its example, or its first enum value, or the
/// simplest of its type; an object gets its required keys.
pub(super) fn sample(schema: &Value) -> Option<Value> {
    let (s, _) = unwrap(schema);
    if let Some(e) = s.get("example") {
        return Some(e.clone());
    }
    if let Some(v) = s
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|v| v.first())
    {
        return Some(v.clone());
    }
    match s.get("type").and_then(Value::as_str)? {
        "string" => Some(json!("a")),
        "integer" | "number" => Some(json!(0)),
        "boolean" => Some(json!(true)),
        "object" => {
            let props = s.get("properties").and_then(Value::as_object)?;
            let mut m = Map::new();
            for k in s
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let k = k.as_str()?;
                m.insert(k.to_owned(), sample(props.get(k)?)?);
            }
            Some(Value::Object(m))
        }
        _ => None,
    }
}

/// Strings that nearly match the shape of `example`: each run of digits or
/// letters one shorter, one longer, and with its class swapped; each
/// separator changed. The caller keeps those the pattern refuses.
fn near_misses(example: &str) -> Vec<(String, String)> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let chars: Vec<char> = example.chars().collect();
    let class = |c: char| {
        if c.is_ascii_digit() {
            1
        } else if c.is_alphabetic() {
            2
        } else {
            0
        }
    };
    let mut i = 0;
    while i < chars.len() {
        let k = class(chars[i]);
        let mut j = i + 1;
        while j < chars.len() && k != 0 && class(chars[j]) == k {
            j += 1;
        }
        runs.push((i, j));
        i = j;
    }
    let mut out = Vec::new();
    let splice = |a: usize, b: usize, with: &str| {
        let mut s: String = chars[..a].iter().collect();
        s.push_str(with);
        s.extend(&chars[b..]);
        s
    };
    for (n, &(a, b)) in runs.iter().enumerate() {
        match class(chars[a]) {
            0 => {
                let other = if chars[a] == '-' { "/" } else { "-" };
                out.push((format!("separator {} changed", n + 1), splice(a, b, other)));
            }
            k => {
                if b - a > 1 {
                    out.push((format!("part {} one shorter", n + 1), splice(a, a + 1, "")));
                }
                let last = chars[b - 1].to_string();
                out.push((format!("part {} one longer", n + 1), splice(b, b, &last)));
                let swapped = if k == 1 {
                    "x".repeat(b - a)
                } else {
                    "1".repeat(b - a)
                };
                out.push((
                    format!("part {} class swapped", n + 1),
                    splice(a, b, &swapped),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn onsi(method: &str) -> Value {
        let doc: Value = serde_json::from_str(include_str!(
            "../../cases/onsi/schemas/onsi-openapi-members.json"
        ))
        .unwrap();
        let path = if method == "post" {
            "/v1/members"
        } else {
            "/v1/members/{id}"
        };
        doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"].clone()
    }

    fn find<'a>(cs: &'a [Constraint], pointer: &str, kind: Kind) -> &'a Constraint {
        cs.iter()
            .find(|c| c.pointer == pointer && c.kind == kind)
            .unwrap_or_else(|| panic!("no {} at {pointer}", kind.name()))
    }

    #[test]
    fn dob_near_misses_include_one_digit_month_and_day_and_all_break_the_pattern() {
        let re = Regex::new(r"^\d{4}-\d{2}-\d{2}$").unwrap();
        for m in ["post", "patch", "put"] {
            let cs = walk(&onsi(m));
            let c = find(&cs, "/dob", Kind::Pattern);
            let values: Vec<&str> = c.invalid.iter().filter_map(|(_, v)| v.as_str()).collect();
            assert!(values.contains(&"1990-1-01"), "{values:?}");
            assert!(values.contains(&"1990-01-1"), "{values:?}");
            assert!(values.contains(&"1990/01-01"), "{values:?}");
            assert!(values.iter().all(|v| !re.is_match(v)));
            assert_eq!(c.valid, vec![json!("1990-01-01")]);
        }
    }

    #[test]
    fn gender_enum_gets_case_changes_and_near_neighbours_never_a_listed_value() {
        let cs = walk(&onsi("put"));
        let c = find(&cs, "/gender", Kind::Enum);
        let values: Vec<&str> = c.invalid.iter().filter_map(|(_, v)| v.as_str()).collect();
        for v in ["female", "MALE", "nonBinary", "Femal"] {
            assert!(values.contains(&v), "{v} missing from {values:?}");
        }
        for listed in ["Female", "Male", "NonBinary"] {
            assert!(!values.contains(&listed));
        }
        assert_eq!(c.valid.len(), 3);
        // gender is nullable through its one-branch anyOf: no null as invalid.
        assert!(
            !cs.iter()
                .any(|c| c.pointer == "/gender" && c.kind == Kind::Nullable)
        );
    }

    #[test]
    fn required_unknown_key_and_mixed_branches_come_from_the_post_body() {
        let cs = walk(&onsi("post"));
        let r = find(&cs, "", Kind::Required);
        let keys: Vec<&str> = r.invalid.iter().filter_map(|(_, v)| v.as_str()).collect();
        assert_eq!(keys, ["email", "firstName", "lastName", "tier"]);
        find(&cs, "", Kind::AdditionalProperties);
        let b = find(&cs, "/accountDetails", Kind::Branches);
        let (_, mixed) = &b.invalid[0];
        assert!(mixed.get("sortCode").is_some() && mixed.get("iban").is_some());
        assert_eq!(b.valid.len(), 2);
        // Each branch's own rules are walked too.
        find(&cs, "/accountDetails[0]", Kind::Required);
        find(&cs, "/accountDetails[1]", Kind::AdditionalProperties);
        // The PATCH body requires nothing.
        assert!(
            !walk(&onsi("patch"))
                .iter()
                .any(|c| c.kind == Kind::Required && c.pointer.is_empty())
        );
    }

    #[test]
    fn a_rule_marked_open_yields_nothing() {
        let s = json!({ "type": "object", "properties": {
            "year": { "type": "integer", "x-verity-open": true },
            "name": { "type": "string" } } });
        let cs = walk(&s);
        assert!(cs.iter().all(|c| !c.pointer.starts_with("/year")));
        find(&cs, "/name", Kind::Type);
    }
}
