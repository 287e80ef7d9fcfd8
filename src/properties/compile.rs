//! A scenario as a case file: the declared steps copied for each resource
//! (with its own names: `a_id`, `b_code`), the generated bodies, and what
//! the model says each answer and each read must be. The text is loaded and
//! run like any case file, so what is printed for a failure is what ran.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::{Map, Value, json};
use serde_saphyr::{FlowMap, FlowSeq, Location, Spanned};

use super::model::{Member, Model, Outcome};
use super::scenario::{Action, Body, Broken, Scenario, Slot, Who};
use super::spec::{EchoIn, PropertySpec, Snippet};
use super::value::{Gen, escape_template};
use crate::case::syntax::{CaseDoc, ExpectDoc, StepDoc};
use crate::case::template::{Generator, Part, Template};

/// What the generated case says about itself.
#[derive(Debug, Clone)]
pub struct About {
    /// Comment lines opening the file.
    pub header: String,
    pub name: String,
    pub description: String,
    pub doc: String,
}

/// The text of a case file holding the scenario as one case.
pub fn compile(spec: &PropertySpec, scenario: &Scenario, about: &About) -> Result<String, String> {
    let b = build(spec, scenario)?;
    render(about, &b.vars, &b.steps)
}

/// The case [`compile`] writes, as the loader reads it back from the text,
/// built without writing or parsing text: how generated cases run, since
/// most of them pass and never need their text. Positions are unknown; a
/// failure takes [`compile`]'s text and the positions in it.
pub fn compile_doc(
    spec: &PropertySpec,
    scenario: &Scenario,
    about: &About,
) -> Result<CaseDoc, String> {
    let b = build(spec, scenario)?;
    doc_of(about, b.vars, b.steps)
}

/// What [`render`] writes, as data.
fn doc_of(
    about: &About,
    vars: IndexMap<String, String>,
    built: Vec<Step>,
) -> Result<CaseDoc, String> {
    let mut steps = Vec::with_capacity(built.len());
    for mut step in built {
        // A value, not a YAML node, cannot say where it is: `Spanned`
        // reads it plainly, and cannot read an `Option` so.
        let headers = step.request.remove("headers");
        let mut map = Map::new();
        map.insert("name".into(), Value::String(step.name.clone()));
        map.insert("request".into(), Value::Object(step.request));
        if let Some(expect) = step.expect {
            map.insert("expect".into(), Value::Object(expect));
        }
        if !step.capture.is_empty() {
            map.insert("capture".into(), Value::Object(step.capture));
        }
        let mut doc: StepDoc = serde_json::from_value(Value::Object(map))
            .map_err(|e| format!("step `{}` is not a step: {e}", step.name))?;
        if let Some(headers) = headers {
            let headers: IndexMap<String, Option<String>> = serde_json::from_value(headers)
                .map_err(|e| format!("step `{}`: headers: {e}", step.name))?;
            doc.request.value.headers =
                headers.into_iter().map(|(k, v)| (k, unplaced(v))).collect();
        }
        in_text_order(&mut doc);
        steps.push(unplaced(doc));
    }
    Ok(CaseDoc {
        name: unplaced(about.name.clone()),
        description: about.description.clone(),
        doc: about.doc.clone(),
        checks: Vec::new(),
        strict: false,
        vars: vars.into_iter().map(|(k, v)| (k, unplaced(v))).collect(),
        steps,
    })
}

fn unplaced<T>(value: T) -> Spanned<T> {
    Spanned::new(value, Location::UNKNOWN, Location::UNKNOWN)
}

/// JSON objects hold their keys sorted; the text holds them in [`key_rank`]
/// order, and so the loader keeps them in that order where order counts
/// (query parameters, headers, captures).
fn in_text_order(step: &mut StepDoc) {
    fn sort<V>(map: &mut IndexMap<String, V>) {
        map.sort_by(|a, _, b, _| key_rank(a).cmp(&key_rank(b)));
    }
    fn sort_expect(expect: &mut ExpectDoc) {
        sort(&mut expect.headers);
        for alternative in &mut expect.any_of {
            sort_expect(&mut alternative.value);
        }
    }
    sort(&mut step.request.value.query);
    sort(&mut step.request.value.headers);
    sort(&mut step.capture);
    if let Some(expect) = &mut step.expect {
        sort_expect(&mut expect.value);
    }
}

/// The first line of a step in a generated case file, and the declaration
/// the step comes from.
pub type StepStart = (usize, &'static str);

/// Like [`compile`], with the first line of each step in the text and the
/// declaration it comes from: where to point when the case does not load.
pub fn compile_located(
    spec: &PropertySpec,
    scenario: &Scenario,
    about: &About,
) -> Result<(String, Vec<StepStart>), String> {
    let b = build(spec, scenario)?;
    let text = render(about, &b.vars, &b.steps)?;
    let mut starts = Vec::new();
    for (i, step) in b.steps.iter().enumerate() {
        // The text of the steps before this one is a prefix of the whole
        // (with no steps, `steps: []` takes the line `steps:` takes).
        let before = render(about, &b.vars, &b.steps[..i])?.lines().count() + 1;
        starts.push((before, step.origin));
    }
    Ok((text, starts))
}

fn build<'a>(spec: &'a PropertySpec, scenario: &Scenario) -> Result<Builder<'a>, String> {
    let mut b = Builder {
        spec,
        model: Model::new(spec),
        vars: IndexMap::new(),
        names: BTreeMap::new(),
        steps: Vec::new(),
        fresh_vars: 0,
        keys: 0,
        replayable: Vec::new(),
        number: 0,
    };
    match scenario {
        Scenario::Actions(actions) => b.actions(actions)?,
        Scenario::Unknown {
            variant,
            values,
            body,
        } => b.unknown(*variant, values, body)?,
    }
    Ok(b)
}

struct Step {
    name: String,
    /// The declaration it comes from (`resource.read`), for messages.
    origin: &'static str,
    request: Map<String, Value>,
    expect: Option<Map<String, Value>>,
    capture: Map<String, Value>,
}

struct Replayable {
    label: &'static str,
    number: usize,
    request: Map<String, Value>,
    capture: String,
}

struct Builder<'a> {
    spec: &'a PropertySpec,
    model: Model<'a>,
    vars: IndexMap<String, String>,
    /// Per resource label, what each declared name is called in the case.
    names: BTreeMap<&'static str, BTreeMap<String, String>>,
    steps: Vec<Step>,
    fresh_vars: usize,
    keys: usize,
    replayable: Vec<Replayable>,
    number: usize,
}

fn label(who: Who) -> &'static str {
    match who {
        Who::A => "a",
        Who::B => "b",
        Who::X => "x",
    }
}

impl Builder<'_> {
    fn actions(&mut self, actions: &[Action]) -> Result<(), String> {
        let mut used = Vec::new();
        for action in actions {
            match action {
                Action::Update { on, .. } | Action::Read { on } | Action::Remove { on } => {
                    used.push(*on)
                }
                Action::Collide { on, from, .. } => used.extend([*on, *from]),
                Action::Replay { .. } => {}
            }
        }
        if used.is_empty() {
            // A case needs a step: create and read one resource.
            used.push(Who::A);
        }
        used.sort();
        used.dedup();
        for who in &used {
            self.begin(*who)?;
        }
        for action in actions {
            self.action(action)?;
        }
        for who in &used {
            self.final_read(label(*who))?;
        }
        Ok(())
    }

    fn unknown(&mut self, variant: usize, values: &[Gen], body: &Body) -> Result<(), String> {
        let spec = self.spec;
        let unknown = spec
            .resource
            .unknown
            .get(variant)
            .ok_or("no such unknown variant")?;
        if unknown.of_created {
            self.begin(Who::A)?;
        }
        let mut names = BTreeMap::new();
        for local in spec.resource.local_names() {
            if unknown.of_created {
                names.insert(local.clone(), format!("a_{local}"));
            }
        }
        for ((name, _), value) in unknown.vars.iter().zip(values) {
            let var = format!("u_{name}");
            let text = self
                .var_text(value)
                .ok_or_else(|| format!("unknown `{}`: `{name}` must be a string", unknown.name))?;
            self.vars.insert(var.clone(), text);
            names.insert(name.clone(), var);
        }
        self.names.insert("u", names);
        self.model
            .members
            .push(Member::new("u", false, false, None));
        let fields = self.body_fields(body, None);
        self.update("u", fields, None, false, "")?;
        self.number += 1;
        let read = self.step_from("u", &spec.resource.read, format!("{}. read u", self.number))?;
        let expect = Some(self.expectation("u", &spec.resource.not_found_read));
        self.steps.push(Step {
            expect,
            origin: spec.resource.not_found_read.what,
            ..read
        });
        if unknown.of_created {
            self.final_read("a")?;
        }
        Ok(())
    }

    /// Creates (or, for the existing one, names) a resource and reads it.
    fn begin(&mut self, who: Who) -> Result<(), String> {
        let spec = self.spec;
        let l = label(who);
        let mut names = BTreeMap::new();
        for local in spec.resource.local_names() {
            names.insert(local.clone(), format!("{l}_{local}"));
        }
        self.names.insert(l, names.clone());
        let status_rule = spec.resource.status.as_ref();
        if who == Who::X {
            let existing = spec
                .resource
                .existing
                .as_ref()
                .ok_or("no existing resource is declared")?;
            for (name, template) in &existing.vars {
                let var = names
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| format!("{l}_{name}"));
                self.vars.insert(var, template.clone());
            }
            self.model
                .members
                .push(Member::new(l, true, true, Some(existing.status.clone())));
        } else {
            for (name, template) in &spec.resource.vars {
                let renamed = rename_template(template, &names)?;
                self.vars.insert(names[name].clone(), renamed);
            }
            let mut member = Member::new(l, true, false, status_rule.map(|s| s.created.clone()));
            let create = self.step_from(l, &spec.resource.create, format!("create {l}"))?;
            if let Some(Value::Object(sent)) = create.request.get("json") {
                for field in &spec.fields {
                    if let Some(value) = sent.get(&field.name) {
                        member.know(&field.name, value.clone());
                    }
                }
            }
            self.model.members.push(member);
            self.steps.push(create);
        }
        let mut read = self.step_from(l, &spec.resource.read, format!("{l} before"))?;
        let checks = self.model.first_read_checks(l);
        add_checks(read.expect.get_or_insert_with(Map::new), checks, None)?;
        let before = self.model.member(l).before();
        read.capture.insert(before, Value::String("$".into()));
        self.steps.push(read);
        Ok(())
    }

    fn final_read(&mut self, l: &'static str) -> Result<(), String> {
        let read = self.read_step(l, format!("{l} after"))?;
        self.steps.push(read);
        Ok(())
    }

    /// A read of `l` with what the model says it must show.
    fn read_step(&mut self, l: &'static str, name: String) -> Result<Step, String> {
        let mut read = self.step_from(l, &self.spec.resource.read, name)?;
        let (paths, unchanged) = self.model.read_checks(l);
        add_checks(
            read.expect.get_or_insert_with(Map::new),
            paths,
            Some(unchanged),
        )?;
        Ok(read)
    }

    fn action(&mut self, action: &Action) -> Result<(), String> {
        match action {
            Action::Update {
                on,
                body,
                broken,
                keyed,
            } => {
                let skip = match broken.as_ref().map(|b| &b.slot) {
                    Some(Slot::Field(i)) => Some(*i),
                    _ => None,
                };
                let fields = self.body_fields(body, skip);
                self.update(label(*on), fields, broken.as_ref(), *keyed, "")
            }
            Action::Collide {
                on,
                from,
                field,
                body,
            } => {
                let name = &self.spec.fields[*field].name;
                let taken = self.model.member(label(*from)).known(name).cloned();
                let Some(taken) = taken.filter(|v| !v.is_null() && on != from) else {
                    return Ok(());
                };
                let mut fields = self.body_fields(body, Some(*field));
                fields.push((name.clone(), taken));
                let why = format!(" ({name} of {})", label(*from));
                self.update(label(*on), fields, None, false, &why)
            }
            Action::Read { on } => {
                self.number += 1;
                let l = label(*on);
                let read = self.read_step(l, format!("{}. read {l}", self.number))?;
                self.steps.push(read);
                Ok(())
            }
            Action::Replay { which } => {
                if self.replayable.is_empty() {
                    return Ok(());
                }
                let earlier = &self.replayable[which % self.replayable.len()];
                let (l, request, capture, of) = (
                    earlier.label,
                    earlier.request.clone(),
                    earlier.capture.clone(),
                    earlier.number,
                );
                self.number += 1;
                let name = format!("{}. replay of {of}", self.number);
                // The earlier answer again: its status, and the same body.
                let update = self.step_from(l, &self.spec.resource.update, name)?;
                let mut expect = update.expect.clone().unwrap_or_default();
                add_checks(&mut expect, Vec::new(), Some(json!({ "of": capture })))?;
                self.steps.push(Step {
                    request,
                    expect: Some(expect),
                    ..update
                });
                Ok(())
            }
            Action::Remove { on } => {
                let l = label(*on);
                let Some(remove) = &self.spec.resource.remove else {
                    return Ok(());
                };
                let member = self.model.member(l);
                if member.refused_only || self.model.is_removed(l) {
                    return Ok(());
                }
                self.number += 1;
                let step = self.step_from(l, remove, format!("{}. remove {l}", self.number))?;
                self.model.remove(l);
                self.steps.push(step);
                Ok(())
            }
        }
    }

    /// An update of `l` sending `fields` (and `broken`), with the answer and
    /// checks the model gives; nothing when the model skips it.
    fn update(
        &mut self,
        l: &'static str,
        mut fields: Vec<(String, Value)>,
        broken: Option<&Broken>,
        keyed: bool,
        why: &str,
    ) -> Result<(), String> {
        if fields.is_empty() && broken.is_none() {
            return Ok(());
        }
        let outcome = self.model.outcome(l, &fields, broken.is_some());
        if outcome == Outcome::Skip {
            return Ok(());
        }
        self.number += 1;
        let mut sent: Vec<String> = fields.iter().map(|(n, _)| n.clone()).collect();
        let valid_fields = fields.clone();
        if let Some(broken) = broken {
            let value = broken.value.to_case_json(&mut |g| self.fresh_var(g));
            let key = match &broken.slot {
                Slot::Field(i) => self.spec.fields[*i].name.clone(),
                Slot::UnknownKey(key) => key.clone(),
            };
            sent.push(format!("{key} [{}]", broken.form));
            fields.push((key, value));
        }
        let verdict = match outcome {
            Outcome::Applied => "",
            Outcome::Refused => ", refused",
            Outcome::NotFound => ", not found",
            Outcome::Skip => unreachable!("skipped above"),
        };
        let name = format!(
            "{}. update {l}: {}{why}{verdict}",
            self.number,
            sent.join(", ")
        );
        let mut step = self.step_from(l, &self.spec.resource.update, name)?;
        let json = step
            .request
            .entry("json")
            .or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(body) = json else {
            return Err("resource.update: its json must be a mapping".into());
        };
        for (name, value) in fields {
            body.insert(name, value);
        }
        if keyed && let Some(header) = &self.spec.resource.idempotency_key {
            self.keys += 1;
            let var = format!("key{}", self.keys);
            self.vars.insert(var.clone(), "${fresh.id}".into());
            let headers = step
                .request
                .entry("headers")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(headers) = headers {
                headers.insert(header.clone(), Value::String(format!("${{{var}}}")));
            }
        }
        match outcome {
            Outcome::Applied => {
                self.model.apply(l, &valid_fields);
                if self.spec.resource.echo == EchoIn::Response {
                    let (paths, unchanged) = self.model.read_checks(l);
                    add_checks(
                        step.expect.get_or_insert_with(Map::new),
                        paths,
                        Some(unchanged),
                    )?;
                }
                if keyed && self.spec.resource.idempotency_key.is_some() {
                    let capture = format!("result{}", self.number);
                    step.capture
                        .insert(capture.clone(), Value::String("$".into()));
                    self.replayable.push(Replayable {
                        label: l,
                        number: self.number,
                        request: step.request.clone(),
                        capture,
                    });
                }
            }
            Outcome::Refused => {
                step.expect = Some(self.expectation(l, &self.spec.resource.refused));
                step.origin = self.spec.resource.refused.what;
            }
            Outcome::NotFound => {
                step.expect = Some(self.expectation(l, &self.spec.resource.not_found_update));
                step.origin = self.spec.resource.not_found_update.what;
            }
            Outcome::Skip => {}
        }
        self.steps.push(step);
        Ok(())
    }

    /// The valid fields of a body, as case-file JSON, leaving out `skip`.
    fn body_fields(&mut self, body: &Body, skip: Option<usize>) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        for (i, slot) in body.0.iter().enumerate() {
            if Some(i) == skip {
                continue;
            }
            if let Some(value) = slot {
                let json = value.to_case_json(&mut |g| self.fresh_var(g));
                out.push((self.spec.fields[i].name.clone(), json));
            }
        }
        out
    }

    /// A case variable bound to a fresh generator: one value, used wherever
    /// the generated value appears (the request and the checks of its echo).
    fn fresh_var(&mut self, generator: Generator) -> String {
        self.fresh_vars += 1;
        let name = format!("v{}", self.fresh_vars);
        self.vars
            .insert(name.clone(), format!("${{fresh.{}}}", generator.name()));
        name
    }

    /// A generated value as the text of a case variable.
    fn var_text(&mut self, value: &Gen) -> Option<String> {
        match value.to_case_json(&mut |g| self.fresh_var(g)) {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    /// A declared step, with the names of resource `l`.
    fn step_from(&self, l: &str, snippet: &Snippet, name: String) -> Result<Step, String> {
        let names = &self.names[l];
        let value = rename(&Value::Object(snippet.value.clone()), names, None)
            .map_err(|e| format!("{}: {e}", snippet.what))?;
        let Value::Object(mut map) = value else {
            unreachable!("renaming keeps a mapping a mapping")
        };
        let request = match map.remove("request") {
            Some(Value::Object(r)) => r,
            _ => {
                return Err(format!(
                    "{}: a step needs a `request` mapping",
                    snippet.what
                ));
            }
        };
        let expect = match map.remove("expect") {
            Some(Value::Object(e)) => Some(e),
            None => None,
            Some(_) => return Err(format!("{}: `expect` must be a mapping", snippet.what)),
        };
        let capture = match map.remove("capture") {
            Some(Value::Object(c)) => c,
            None => Map::new(),
            Some(_) => return Err(format!("{}: `capture` must be a mapping", snippet.what)),
        };
        map.remove("name");
        if let Some(key) = map.keys().next() {
            return Err(format!("{}: unknown key `{key}` in a step", snippet.what));
        }
        Ok(Step {
            name,
            origin: snippet.what,
            request,
            expect,
            capture,
        })
    }

    /// A declared expectation, with the names of resource `l`.
    fn expectation(&self, l: &str, snippet: &Snippet) -> Map<String, Value> {
        match rename(&Value::Object(snippet.value.clone()), &self.names[l], None) {
            Ok(Value::Object(map)) => map,
            _ => snippet.value.clone(),
        }
    }
}

/// Renames the variables of a template.
fn rename_template(text: &str, names: &BTreeMap<String, String>) -> Result<String, String> {
    let template = Template::parse(text).map_err(|e| format!("`{text}`: {e}"))?;
    if template.is_literal() {
        return Ok(text.to_string());
    }
    Ok(template
        .parts()
        .iter()
        .map(|part| match part {
            Part::Literal(t) => escape_template(t),
            Part::Variable(n) => format!("${{{}}}", names.get(n).unwrap_or(n)),
            Part::Fresh(g) => format!("${{fresh.{}}}", g.name()),
        })
        .collect())
}

/// Renames a declared step's names: in templates, capture keys and
/// `unchanged.of`.
fn rename(
    value: &Value,
    names: &BTreeMap<String, String>,
    parent: Option<&str>,
) -> Result<Value, String> {
    Ok(match value {
        Value::String(text) if parent == Some("of") => {
            Value::String(names.get(text).cloned().unwrap_or_else(|| text.clone()))
        }
        Value::String(text) => Value::String(rename_template(text, names)?),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| rename(v, names, None))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, v) in map {
                let key = if parent == Some("capture") {
                    names.get(key).cloned().unwrap_or_else(|| key.clone())
                } else {
                    key.clone()
                };
                let renamed = rename(v, names, Some(&key))?;
                out.insert(key, renamed);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

/// Adds generated path assertions and an `unchanged` check to an expectation.
fn add_checks(
    expect: &mut Map<String, Value>,
    paths: Vec<Value>,
    unchanged: Option<Value>,
) -> Result<(), String> {
    if !paths.is_empty() {
        let body = expect
            .entry("body")
            .or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(body) = body else {
            return Err("expect.body must be a mapping".into());
        };
        let list = body
            .entry("paths")
            .or_insert_with(|| Value::Array(Vec::new()));
        let Value::Array(list) = list else {
            return Err("expect.body.paths must be a list".into());
        };
        list.extend(paths);
    }
    if let Some(unchanged) = unchanged {
        if expect.contains_key("unchanged") {
            return Err(
                "a declared read or update cannot say `unchanged` itself: the properties add it"
                    .into(),
            );
        }
        expect.insert("unchanged".into(), unchanged);
    }
    Ok(())
}

/// The keys of case files in the order people write them; others follow
/// alphabetically.
const KEY_ORDER: &[&str] = &[
    "cases",
    "name",
    "description",
    "doc",
    "vars",
    "steps",
    "method",
    "path",
    "query",
    "headers",
    "json",
    "raw",
    "request",
    "expect",
    "status",
    "schema",
    "body",
    "empty",
    "subset",
    "paths",
    "equals",
    "type",
    "regex",
    "present",
    "absent",
    "one_of",
    "contains",
    "count",
    "optional",
    "echo",
    "unchanged",
    "of",
    "except",
    "any_of",
    "capture",
];

/// Where a key goes among its siblings in a written case file.
fn key_rank(key: &str) -> (usize, &str) {
    let known = KEY_ORDER.iter().position(|o| *o == key);
    (known.unwrap_or(usize::MAX), key)
}

/// A JSON value serialized with [`KEY_ORDER`]; path assertions and
/// `unchanged` in flow style, one line each, as people write them.
struct Ordered<'a>(&'a Value);

/// Keys whose value reads best on one line.
const FLOW_VALUES: &[&str] = &["unchanged", "except", "one_of"];

impl Serialize for Ordered<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self.0 {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort_by_key(|k| key_rank(k));
                let mut out = serializer.serialize_map(Some(keys.len()))?;
                for k in keys {
                    let value = &map[k];
                    match (k.as_str(), value) {
                        ("paths", Value::Array(items)) => {
                            let flow: Vec<FlowMap<Ordered>> =
                                items.iter().map(|i| FlowMap(Ordered(i))).collect();
                            out.serialize_entry(k, &flow)?;
                        }
                        (key, Value::Object(_)) if FLOW_VALUES.contains(&key) => {
                            out.serialize_entry(k, &FlowMap(Ordered(value)))?;
                        }
                        (key, Value::Array(_)) if FLOW_VALUES.contains(&key) => {
                            out.serialize_entry(k, &FlowSeq(Ordered(value)))?;
                        }
                        _ => out.serialize_entry(k, &Ordered(value))?,
                    }
                }
                out.end()
            }
            Value::Array(items) => {
                let mut out = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    out.serialize_element(&Ordered(item))?;
                }
                out.end()
            }
            other => other.serialize(serializer),
        }
    }
}

#[derive(Serialize)]
struct FileOut<'a> {
    cases: Vec<CaseOut<'a>>,
}

#[derive(Serialize)]
struct CaseOut<'a> {
    name: &'a str,
    description: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    doc: &'a str,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    vars: &'a IndexMap<String, String>,
    steps: Vec<StepOut<'a>>,
}

#[derive(Serialize)]
struct StepOut<'a> {
    name: &'a str,
    request: FlowMap<Ordered<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expect: Option<Ordered<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    capture: Option<FlowMap<Ordered<'a>>>,
}

fn render(
    about: &About,
    vars: &IndexMap<String, String>,
    steps: &[Step],
) -> Result<String, String> {
    let values: Vec<(Value, Option<Value>, Value)> = steps
        .iter()
        .map(|s| {
            (
                Value::Object(s.request.clone()),
                s.expect.clone().map(Value::Object),
                Value::Object(s.capture.clone()),
            )
        })
        .collect();
    let file = FileOut {
        cases: vec![CaseOut {
            name: &about.name,
            description: &about.description,
            doc: &about.doc,
            vars,
            steps: steps
                .iter()
                .zip(&values)
                .map(|(s, (request, expect, capture))| StepOut {
                    name: &s.name,
                    request: FlowMap(Ordered(request)),
                    expect: expect.as_ref().map(Ordered),
                    capture: (!s.capture.is_empty()).then_some(FlowMap(Ordered(capture))),
                })
                .collect(),
        }],
    };
    serde_saphyr::to_string(&file)
        .map(|text| format!("{}{text}", about.header))
        .map_err(|e| format!("cannot write the case file: {e}"))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use proptest::prelude::*;

    use super::*;
    use crate::case::Body;
    use std::path::Path;

    use crate::case::load::{cases_from_bytes, suite_from_bytes};
    use crate::check::Scope;
    use crate::run::Fresh;
    use crate::run::scope::CaseScope;

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            // What YAML would read as something else, unquoted.
            prop::sample::select(vec![
                "null",
                "~",
                "true",
                "False",
                "1e3",
                "0x1F",
                "-",
                "- a",
                "? x",
                ": y",
                "#c",
                "a: b",
                "{x}",
                "[1]",
                "${x}",
                "$${y",
                "'",
                "\"",
                " lead",
                "trail ",
                "\t",
                "06/21/1985",
                "1985-06-21",
                "2001-12-14t21:59:43.10-05:00",
                "@",
                "`",
                "%",
                "|",
                ">",
                "&a",
                "*a",
                "!tag",
                "\u{feff}x",
                "\r\n",
            ])
            .prop_map(String::from),
        ]
    }

    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("JSON numbers are finite", |f| f.is_finite())
                .prop_map(Value::from),
            text().prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(text(), inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Generated text as a case file holds it: every string escaped.
    fn as_generated(value: &Value) -> Gen {
        match value {
            Value::String(s) => Gen::Text(s.clone()),
            Value::Array(items) => Gen::Array(items.iter().map(as_generated).collect()),
            Value::Object(map) => Gen::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), as_generated(v)))
                    .collect(),
            ),
            other => Gen::Json(other.clone()),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 400,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// Whatever a generator produces reaches the server as generated:
        /// the case file written, loaded and rendered gives the same JSON.
        #[test]
        fn generated_values_survive_the_case_file(body in json()) {
            let sent = as_generated(&body).to_case_json(&mut |_| unreachable!());
            let mut request = Map::new();
            request.insert("method".into(), json!("POST"));
            request.insert("path".into(), json!("/x"));
            request.insert("json".into(), sent);
            let steps = [Step {
                name: "s".into(),
                origin: "test",
                request,
                expect: None,
                capture: Map::new(),
            }];
            let about = About {
                header: "# a comment\n".into(),
                name: "c".into(),
                description: "d: e".into(),
                doc: "#f".into(),
            };
            let text = render(&about, &IndexMap::new(), &steps).unwrap();
            let suite = suite_from_bytes(Path::new("cases/t"), Path::new("cases/t/suite.yaml"), b"name: t\n").unwrap();
            let cases = cases_from_bytes(&suite, Path::new("t.yaml"), text.as_bytes())
                .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
            let Some(Body::Json(loaded)) = &cases[0].steps[0].request.body else {
                return Err(TestCaseError::fail(format!("no JSON body in\n{text}")));
            };
            let scope = CaseScope::new(&IndexMap::new(), Arc::new(Fresh::with_token("t")));
            prop_assert_eq!(scope.render_json(loaded), body, "{}", text);
            prop_assert_eq!(&cases[0].description, "d: e");
        }
    }

    fn shape(mut case: crate::case::Case) -> String {
        let nowhere = crate::case::Pos {
            file: Arc::new("x".into()),
            line: 0,
            column: 0,
        };
        for pos in case.positions_mut() {
            *pos = nowhere.clone();
        }
        format!("{case:#?}")
    }

    /// Keys that are also words of the case-file syntax come first in the
    /// text; the case built in memory keeps the text's order.
    #[test]
    fn a_case_built_in_memory_keeps_the_order_of_its_text() {
        use crate::case::load::case_from_doc;
        let object = |pairs: &[(&str, Value)]| -> Map<String, Value> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect()
        };
        let request = object(&[
            ("method", json!("GET")),
            ("path", json!("/x")),
            (
                "query",
                json!({"zeta": "1", "status": "2", "name": "3", "alpha": "4"}),
            ),
            ("headers", json!({"x-b": "1", "path": "2", "a": null})),
        ]);
        let expect = object(&[
            ("status", json!(200)),
            (
                "headers",
                json!({"x-b": {"present": true}, "type": {"present": true}}),
            ),
            (
                "any_of",
                json!([{"headers": {"z": {"present": true}, "count": {"absent": true}}}]),
            ),
        ]);
        let capture = object(&[
            ("zz", json!("$.a")),
            ("name", json!("$.b")),
            ("aa", json!("$.c")),
        ]);
        let step = || Step {
            name: "s".into(),
            origin: "test",
            request: request.clone(),
            expect: Some(expect.clone()),
            capture: capture.clone(),
        };
        let about = About {
            header: String::new(),
            name: "c".into(),
            description: "d".into(),
            doc: String::new(),
        };
        let mut vars = IndexMap::new();
        vars.insert("later".to_string(), "1".to_string());
        vars.insert("early".to_string(), "${later}".to_string());
        let suite = suite_from_bytes(
            Path::new("cases/t"),
            Path::new("cases/t/suite.yaml"),
            b"name: t\n",
        )
        .unwrap();
        let text = render(&about, &vars, &[step()]).unwrap();
        let from_text = cases_from_bytes(&suite, Path::new("t"), text.as_bytes())
            .unwrap()
            .remove(0);
        let built = case_from_doc(
            &suite,
            Path::new("t"),
            doc_of(&about, vars, vec![step()]).unwrap(),
        )
        .unwrap();
        let from_text = shape(from_text);
        assert!(
            from_text.find("\"status\"") < from_text.find("\"alpha\""),
            "{from_text}"
        );
        assert_eq!(shape(built), from_text, "{text}");
    }

    /// A generated case runs as [`compile_doc`] builds it, and is printed as
    /// [`compile`] writes it: for every property of the committed suites,
    /// the two are the same case, but for positions.
    #[test]
    fn a_case_built_in_memory_is_the_case_its_text_holds() {
        use crate::case::load::case_from_doc;
        use crate::properties::{self, scenario::Limits};
        use proptest::strategy::ValueTree;
        use proptest::test_runner::{Config, RngAlgorithm, RngSeed, TestRunner};

        let about = About {
            header: "# generated\n".into(),
            name: "generated".into(),
            description: "what: it is".into(),
            doc: "#doc".into(),
        };
        let mut compared = 0;
        for suite in crate::case::load_root(Path::new("cases"), &[]).unwrap() {
            let Some(spec) = properties::load(&suite).unwrap() else {
                continue;
            };
            for property in properties::available(&spec) {
                let limits = Limits {
                    existing: spec.resource.existing.is_some(),
                    max_actions: 8,
                };
                let strategy = super::super::scenario::strategy(&spec, property, limits);
                let mut runner = TestRunner::new(Config {
                    rng_seed: RngSeed::Fixed(7),
                    rng_algorithm: RngAlgorithm::ChaCha,
                    ..Config::default()
                });
                for _ in 0..150 {
                    let scenario = strategy.new_tree(&mut runner).unwrap().current();
                    let text = compile(&spec, &scenario, &about).unwrap();
                    let from_text = cases_from_bytes(&suite, Path::new("g"), text.as_bytes())
                        .unwrap()
                        .remove(0);
                    let doc = compile_doc(&spec, &scenario, &about).unwrap();
                    let built = case_from_doc(&suite, Path::new("g"), doc).unwrap();
                    assert_eq!(shape(built), shape(from_text), "{text}");
                    compared += 1;
                }
            }
        }
        assert_eq!(compared, 8 * 150, "every property of both suites");
    }
}
