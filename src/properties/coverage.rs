//! `schema-coverage`: the request-body schemas a suite names under
//! `schema_coverage:` in `properties.yaml`, walked constraint by constraint
//! ([`super::derive`]), each derived value turned into a probe: one edit of a
//! valid body (the resource's update, its creation, or a full replacement)
//! that breaks one constraint only, or meets one at its edge.
//!
//! Probes are derived once, when the declarations are read, so a schema a
//! probe cannot be made from is reported at its place in `properties.yaml`,
//! and a run sends every probe (they are few: a sweep, not a sample).

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::Spanned;

use super::derive::{self, Constraint, Kind};
use super::spec::Field;
use crate::case::syntax::{ExpectDoc, StepDoc};
use crate::case::{Expect, Pos, Step};

/// `schema_coverage:`: per request that carries a body, the suite schema
/// (`suite.yaml` `schemas:`) of that body.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CoverageDoc {
    /// The resource's `update` (a partial update); refused as
    /// `resource.refused` says unless `refused` is given.
    #[serde(default)]
    #[schemars(with = "Option<TargetDoc>")]
    pub update: Option<Spanned<TargetDoc>>,
    /// The resource's `create`, with its body; needs `refused`.
    #[serde(default)]
    #[schemars(with = "Option<TargetDoc>")]
    pub create: Option<Spanned<TargetDoc>>,
    /// A full replacement of a created resource, whose body is `create`'s
    /// with the resource's own values; needs `step` and `refused`.
    #[serde(default)]
    #[schemars(with = "Option<TargetDoc>")]
    pub replace: Option<Spanned<TargetDoc>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetDoc {
    /// The suite schema of the body.
    #[schemars(with = "String")]
    pub schema: Spanned<String>,
    /// The request (replace only): its body is added.
    #[serde(default)]
    #[schemars(with = "Option<StepDoc>")]
    pub step: Option<Spanned<StepDoc>>,
    /// What a body that breaks the schema gets.
    #[serde(default)]
    #[schemars(with = "Option<ExpectDoc>")]
    pub refused: Option<Spanned<ExpectDoc>>,
    /// A request (create only) showing that a refused creation left
    /// nothing behind, sent after each one: Onsi's search by email.
    #[serde(default)]
    #[schemars(with = "Option<StepDoc>")]
    pub absent: Option<Spanned<StepDoc>>,
}

/// Which request a probe edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Op {
    Update,
    Create,
    Replace,
}

impl Op {
    pub fn key(self) -> &'static str {
        match self {
            Op::Update => "update",
            Op::Create => "create",
            Op::Replace => "replace",
        }
    }
}

/// A body request, lowered.
#[derive(Debug, Clone)]
pub struct Target {
    pub op: Op,
    pub schema: String,
    /// The declared step (replace); the resource's own otherwise.
    pub step: Option<Step>,
    /// The declared refusal; `resource.refused` for `update` when `None`.
    pub refused: Option<Expect>,
    /// After a refused creation: the request that shows nothing was made.
    pub absent: Option<Step>,
    /// How the constraint ids name the request: `PATCH /v1/members/${id}`.
    pub request: String,
    pub pos: Pos,
}

/// One edit of a valid body.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    Set { key: String, value: Value },
    Drop { key: String },
}

impl Edit {
    pub fn key(&self) -> &str {
        match self {
            Edit::Set { key, .. } | Edit::Drop { key } => key,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Probe {
    /// Index into [`Coverage::targets`], which says the request.
    pub target: usize,
    /// The constraint, as the coverage report names it.
    pub constraint: String,
    /// How the value breaks or meets it: `Female, lower case`.
    pub form: String,
    pub edit: Edit,
    /// A value that meets every constraint, to be accepted; else refused.
    pub valid: bool,
    /// The declared field (`fields:`) the edited top-level key is.
    pub field: Option<usize>,
    /// The value as the report shows it: compact JSON, or `without tier`.
    pub shown: String,
    /// A valid value whose reading the docs leave open (a "no value"):
    /// it must be accepted, and reads no longer assert the field.
    pub blurs: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Coverage {
    pub targets: Vec<Target>,
    pub probes: Vec<Probe>,
    /// Constraints no probe could be made for, and why (`verity check -v`).
    pub skipped: Vec<String>,
}

impl Coverage {
    /// The request a probe edits.
    pub fn op(&self, probe: &Probe) -> Op {
        self.targets[probe.target].op
    }
}

/// The probes of one target, from its schema as written (`document`).
/// `fixed`: the keys the request's declared body always holds (Toluna's
/// update names the member in its body): breaking them would name another
/// resource, so they are left to the not-found checks.
pub fn probes_of(
    index: usize,
    target: &Target,
    document: &Value,
    fields: &[Field],
    fixed: &[String],
    coverage: &mut Coverage,
) {
    for c in derive::walk(document) {
        let id = format!(
            "{} body{}: {}",
            target.request,
            if c.pointer.is_empty() { "" } else { &c.pointer },
            c.kind.name()
        );
        let mut left_out = None;
        for (form, value) in &c.invalid {
            match edit_for(document, &c, value) {
                Some(edits) => {
                    for edit in edits {
                        if fixed.iter().any(|k| k == edit.key()) {
                            left_out = Some(format!(
                                "{id}: `{}` names the resource in every request",
                                edit.key()
                            ));
                        } else if target.op == Op::Update && matches!(edit, Edit::Drop { .. }) {
                            left_out = Some(format!(
                                "{id}: a partial update leaves out any key it likes"
                            ));
                        } else {
                            coverage
                                .probes
                                .push(probe(index, &id, form, edit, false, fields));
                        }
                    }
                }
                None => coverage
                    .skipped
                    .push(format!("{id}: {form}: no valid body to carry it")),
            }
        }
        coverage.skipped.extend(left_out);
        if top_key(&c.pointer).is_some_and(|k| fixed.iter().any(|f| f == k)) {
            continue;
        }
        // A type's sample is no edge the docs state, and the rules about
        // keys and nulls have none: only the edges of the others are sent
        // as valid (each enum value and branch, a pattern's example, the
        // shortest and longest, the bounds, the no-value).
        if matches!(
            c.kind,
            Kind::Type | Kind::Nullable | Kind::Required | Kind::AdditionalProperties
        ) || c.valid.is_empty()
        {
            continue;
        }
        if let Some(why) = no_valid_probes(&c, fields) {
            coverage
                .skipped
                .push(format!("{id}: its valid values: {why}"));
            continue;
        }
        for value in &c.valid {
            let form = format!("meets it: {value}");
            if let Some(edits) = edit_for(document, &c, value) {
                for edit in edits {
                    let mut p = probe(index, &id, &form, edit, true, fields);
                    p.blurs = c.kind == Kind::NoValue;
                    coverage.probes.push(p);
                }
            }
        }
    }
}

fn probe(target: usize, id: &str, form: &str, edit: Edit, valid: bool, fields: &[Field]) -> Probe {
    let field = fields.iter().position(|f| f.name == edit.key());
    let shown = match &edit {
        Edit::Set { value, .. } => value.to_string(),
        Edit::Drop { key } => format!("without {key}"),
    };
    Probe {
        target,
        constraint: id.to_owned(),
        form: form.to_owned(),
        edit,
        valid,
        field,
        shown,
        blurs: false,
    }
}

/// Why a constraint's valid values are not sent, if they are not: a field
/// the server ties to other state (unique, or changeable only in some
/// status) would be refused for reasons of its own, and an undeclared one
/// has no rule for how it reads back.
fn no_valid_probes(c: &Constraint, fields: &[Field]) -> Option<&'static str> {
    let top = top_key(&c.pointer)?;
    let Some(field) = fields.iter().find(|f| f.name == top) else {
        return Some("no declared field says how it reads back");
    };
    if field.unique {
        return Some("the field is unique: a fixed value would collide");
    }
    if !field.only_while.is_empty() {
        // An update may refuse it by status, and a creation needs a new one.
        return Some("the field changes only in some statuses");
    }
    None
}

/// The first key of a pointer (`/accountDetails[0]/iban` → `accountDetails`).
fn top_key(pointer: &str) -> Option<&str> {
    let first = pointer.strip_prefix('/')?.split('/').next()?;
    Some(first.split('[').next().unwrap_or(first))
}

/// One step of a pointer: a key, and the branch of its `anyOf` taken.
struct Seg<'a> {
    key: &'a str,
    branch: Option<usize>,
}

fn segments(pointer: &str) -> Option<Vec<Seg<'_>>> {
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    pointer
        .strip_prefix('/')?
        .split('/')
        .map(|s| match s.split_once('[') {
            Some((key, rest)) => Some(Seg {
                key,
                branch: Some(rest.strip_suffix(']')?.parse().ok()?),
            }),
            None => Some(Seg {
                key: s,
                branch: None,
            }),
        })
        .collect()
}

/// The top-level edits that carry `value` to where the constraint is: a
/// nested value travels inside a valid sample of each object around it.
fn edit_for(document: &Value, c: &Constraint, value: &Value) -> Option<Vec<Edit>> {
    let segs = segments(&c.pointer)?;
    // Where the change applies: the object itself for rules about its keys,
    // else the key of its parent object.
    let (object, changes): (&[Seg], Vec<Edit>) = match c.kind {
        Kind::Required => (
            &segs,
            vec![Edit::Drop {
                key: value.as_str()?.to_owned(),
            }],
        ),
        Kind::AdditionalProperties => (
            &segs,
            value
                .as_object()?
                .iter()
                .map(|(k, v)| Edit::Set {
                    key: k.clone(),
                    value: v.clone(),
                })
                .collect(),
        ),
        _ => {
            let (last, parent) = segs.split_last()?;
            if last.branch.is_some() {
                return None;
            }
            let key = last.key.to_owned();
            (
                parent,
                vec![Edit::Set {
                    key,
                    value: value.clone(),
                }],
            )
        }
    };
    // At the top, the change is the edit; deeper, it is made inside a
    // valid sample of the top-level value.
    let Some((top, rest)) = object.split_first() else {
        return Some(changes);
    };
    let schema = document.get("properties")?.get(top.key)?;
    changes
        .into_iter()
        .map(|change| {
            Some(Edit::Set {
                key: top.key.to_owned(),
                value: nested(schema, top.branch, rest, change)?,
            })
        })
        .collect()
}

/// A valid sample of `schema` (at `branch`), with `change` made at `rest`:
/// objects by key, arrays by index (the walk names an array's items by the
/// first item of its sample: `/AnsweredQuestions/0/AnswerID`).
fn nested(schema: &Value, branch: Option<usize>, rest: &[Seg], change: Edit) -> Option<Value> {
    let (mut s, _) = derive::unwrap(schema);
    if let Some(i) = branch {
        s = derive::unwrap(derive::branches(s)?.get(i)?).0;
    }
    let mut container = derive::sample(s)?;
    match rest.split_first() {
        None => match change {
            Edit::Set { key, value } => *slot(&mut container, &key)? = value,
            Edit::Drop { key } => {
                container.as_object_mut()?.remove(&key)?;
            }
        },
        Some((next, deeper)) => {
            let child = match container {
                Value::Array(_) => s.get("items")?,
                _ => s.get("properties")?.get(next.key)?,
            };
            let value = nested(child, next.branch, deeper, change)?;
            *slot(&mut container, next.key)? = value;
        }
    }
    Some(container)
}

/// The place of `key` in an object (made if missing) or of index `key` in
/// an array (which must have it).
fn slot<'v>(container: &'v mut Value, key: &str) -> Option<&'v mut Value> {
    match container {
        Value::Object(map) => Some(map.entry(key.to_owned()).or_insert(Value::Null)),
        Value::Array(items) => items.get_mut(key.parse::<usize>().ok()?),
        _ => None,
    }
}

/// What `verity check -v` says of a suite's schema coverage: the probes per
/// request, the constraints left out and why, and each hand-declared
/// invalid value that a derived probe already sends (the declaration may
/// go, unless it says more than the schema).
pub fn explain(coverage: &Coverage, fields: &[Field]) -> Vec<String> {
    let mut lines = Vec::new();
    for (i, target) in coverage.targets.iter().enumerate() {
        let of = coverage.probes.iter().filter(|p| p.target == i);
        let (all, valid) = of.fold((0, 0), |(n, v), p| (n + 1, v + usize::from(p.valid)));
        lines.push(format!(
            "schema-coverage: {} ({}, schema {}): {all} probes ({} breaking one constraint, {valid} meeting one at its edge)",
            target.request,
            target.op.key(),
            target.schema,
            all - valid,
        ));
    }
    for why in &coverage.skipped {
        lines.push(format!("schema-coverage: left out: {why}"));
    }
    for (index, field) in fields.iter().enumerate() {
        for (form, spec) in &field.invalid {
            let super::value::ValueSpec::OneOf(values) = spec else {
                continue;
            };
            for value in values
                .iter()
                .filter(|v| v.templates().iter().all(|t| t.is_literal()))
            {
                let value = value.to_value();
                let derived = coverage.probes.iter().find(|p| {
                    !p.valid
                        && coverage.op(p) == Op::Update
                        && p.field == Some(index)
                        && matches!(&p.edit, Edit::Set { value: v, .. } if *v == value)
                });
                if let Some(p) = derived {
                    lines.push(format!(
                        "{}: field `{}`, invalid form `{form}`: {} is also derived from the schema ({}: {})",
                        field.pos,
                        field.name,
                        value,
                        p.constraint,
                        p.form
                    ));
                }
            }
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn onsi_patch() -> Value {
        let doc: Value = serde_json::from_str(include_str!(
            "../../cases/onsi/schemas/onsi-openapi-members.json"
        ))
        .unwrap();
        doc["paths"]["/v1/members/{id}"]["patch"]["requestBody"]["content"]["application/json"]
            ["schema"]
            .clone()
    }

    fn constraint(pointer: &str, kind: Kind) -> Constraint {
        Constraint {
            pointer: pointer.into(),
            kind,
            invalid: Vec::new(),
            valid: Vec::new(),
        }
    }

    #[test]
    fn a_nested_value_travels_inside_a_valid_sample_of_its_branch() {
        let schema = onsi_patch();
        let c = constraint("/accountDetails[1]/iban", Kind::Type);
        let edits = edit_for(&schema, &c, &json!(7)).unwrap();
        assert_eq!(
            edits,
            vec![Edit::Set {
                key: "accountDetails".into(),
                value: json!({ "accountHolder": "John Smith", "iban": 7 }),
            }]
        );
        // A required key of a branch left out of its sample.
        let c = constraint("/accountDetails[0]", Kind::Required);
        let edits = edit_for(&schema, &c, &json!("sortCode")).unwrap();
        assert_eq!(
            edits[0],
            Edit::Set {
                key: "accountDetails".into(),
                value: json!({ "accountHolder": "John Smith", "accountNumber": "12345678" }),
            }
        );
        // A top-level rule edits the body itself.
        let c = constraint("", Kind::AdditionalProperties);
        let edits = edit_for(&schema, &c, &json!({ "k": "x" })).unwrap();
        assert_eq!(
            edits,
            vec![Edit::Set {
                key: "k".into(),
                value: json!("x")
            }]
        );
        let c = constraint("", Kind::Required);
        assert_eq!(
            edit_for(&schema, &c, &json!("tier")).unwrap(),
            vec![Edit::Drop { key: "tier".into() }]
        );
        // A pointer the schema does not have gives nothing, not a guess.
        let c = constraint("/nowhere[0]/x", Kind::Type);
        assert_eq!(edit_for(&schema, &c, &json!(1)), None);
    }
}
