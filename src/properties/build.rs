//! A scenario built as a case of the model: the declared steps copied for
//! each resource (with its own names: `a_id`, `b_code`), the generated
//! bodies, and what the resource model says each answer and each read must
//! be. The case runs as built; its text ([`crate::case::print`]) is written
//! only to show or save a counterexample, and reads back as the same case.

use std::collections::BTreeMap;

use indexmap::IndexMap;

use super::coverage::{Edit, Op, Probe};
use super::model::{self, Member, Model, Outcome};
use super::scenario::{Action, Body, Broken, Scenario, Slot, Who};
use super::spec::{EchoIn, PropertySpec};
use super::value::Gen;
use crate::case::template::{Generator, JsonTemplate, Template};
use crate::case::visit;
use crate::case::{self, Capture, Case, Expect, Origin, Pos, StatementRef, Step, Suite};

/// What the generated case says about itself.
#[derive(Debug, Clone)]
pub struct About {
    /// Comment lines opening its file.
    pub header: String,
    pub name: String,
    pub description: String,
    pub doc: String,
    /// The documented statements the property checks.
    pub checks: Vec<StatementRef>,
    /// Where the property is declared.
    pub source: Pos,
}

/// What a step of a generated case does, so that a run counts what it sent
/// without reading step names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Creating, and reading before and after: the scaffolding.
    Setup,
    Read,
    Update,
    /// An earlier keyed update sent again.
    Replay,
    Remove,
}

impl Role {
    /// Whether the step sends an update (a replay is one).
    pub fn updates(self) -> bool {
        matches!(self, Role::Update | Role::Replay)
    }
}

/// A generated case, and what each of its steps does.
#[derive(Debug, Clone)]
pub struct Built {
    pub case: Case,
    pub roles: Vec<Role>,
}

/// Why a scenario could not be built: a declaration that cannot be used as
/// the scenario needs, at its place in `properties.yaml`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{at}: {message}")]
pub struct BuildError {
    pub at: Pos,
    pub message: String,
}

impl BuildError {
    fn at(pos: &Pos, message: impl Into<String>) -> BuildError {
        BuildError {
            at: pos.clone(),
            message: message.into(),
        }
    }
}

/// The case of a scenario, built for `suite` from `spec`.
pub fn build(
    suite: &Suite,
    spec: &PropertySpec,
    scenario: &Scenario,
    about: &About,
) -> Result<Built, BuildError> {
    let mut b = Builder {
        spec,
        model: Model::new(spec),
        parts: Parts::default(),
        steps: Vec::new(),
        roles: Vec::new(),
        keys: 0,
        replayable: Vec::new(),
        number: 0,
        update_refused: None,
        blur: None,
    };
    match scenario {
        Scenario::Actions(actions) => b.actions(actions)?,
        Scenario::Probe { probe, body } => b.probe(*probe, body)?,
        Scenario::Unknown {
            variant,
            values,
            body,
        } => b.unknown(*variant, values, body)?,
    }
    let checks = case_checks(suite, about);
    let mut case = Case {
        name: about.name.clone(),
        description: about.description.clone(),
        doc: about.doc.clone(),
        checks,
        strict: false,
        origin: Origin::Generated(about.source.clone()),
        vars: b.parts.vars,
        steps: b.steps,
        uses_variables: Vec::new(),
    };
    case.uses_variables = visit::suite_variables_used(suite, &mut case);
    // As the loader marks a case file: the same case, the same verdicts.
    if let Some(registry) = &suite.statements {
        case::verdict::mark_case(&mut case, &|refs| registry.advisory(refs));
    }
    Ok(Built {
        case,
        roles: b.roles,
    })
}

/// The statements a generated case names: the property's, but its open
/// ones, which are named where their readings matter (on the declarations):
/// named on the case, every step would check them.
pub fn case_checks(suite: &Suite, about: &About) -> Vec<StatementRef> {
    about
        .checks
        .iter()
        .filter(|r| {
            let level = suite
                .statements
                .as_ref()
                .and_then(|s| s.get(&r.id))
                .map(|s| s.level);
            level != Some(case::statements::Level::Open)
        })
        .cloned()
        .collect()
}

/// A generated case's variables and each resource's names in it (`a_id`,
/// `b_code`): what the scenario builder and concurrent-updates both build.
#[derive(Debug, Default)]
pub struct Parts {
    pub vars: IndexMap<String, Template>,
    /// Per resource label, what each declared name is called in the case.
    pub names: BTreeMap<String, BTreeMap<String, String>>,
    fresh_vars: usize,
}

impl Parts {
    /// The names resource `l` has in the case, bound.
    pub fn name(&mut self, spec: &PropertySpec, l: &str) -> BTreeMap<String, String> {
        let mut names = BTreeMap::new();
        for local in spec.resource.local_names() {
            names.insert(local.clone(), format!("{l}_{local}"));
        }
        self.names.insert(l.to_string(), names.clone());
        names
    }

    /// The resource's variables, with the names of a resource.
    pub fn bind_vars(&mut self, spec: &PropertySpec, names: &BTreeMap<String, String>) {
        for (name, template) in &spec.resource.vars {
            let mut renamed = template.clone();
            renamed.rename(&|n| names.get(n).cloned());
            self.vars.insert(names[name].clone(), renamed);
        }
    }

    /// A case variable bound to a fresh generator: one value, used wherever
    /// the generated value appears (the request and the checks of its echo).
    pub fn fresh_var(&mut self, generator: Generator) -> String {
        self.fresh_vars += 1;
        let name = format!("v{}", self.fresh_vars);
        self.vars.insert(name.clone(), Template::fresh(generator));
        name
    }

    /// A copy of a declared step, with the names of resource `l`, made by
    /// the declaration it comes from.
    pub fn step_from(&self, l: &str, declared: &Step, name: String) -> Step {
        let mut step = declared.clone();
        step.name = name;
        let names = &self.names[l];
        visit::walk_step(&mut visit::Rename(&|n| names.get(n).cloned()), &mut step);
        visit::walk_step(&mut visit::Generated, &mut step);
        step
    }
}

/// A keyed update that succeeded, which a later replay sends again.
struct Replayable {
    label: &'static str,
    number: usize,
    request: case::Request,
    capture: String,
}

struct Builder<'a> {
    spec: &'a PropertySpec,
    model: Model<'a>,
    /// The case's variables and each resource's names in it.
    parts: Parts,
    steps: Vec<Step>,
    roles: Vec<Role>,
    keys: usize,
    replayable: Vec<Replayable>,
    number: usize,
    /// What a refused update gets, when not `resource.refused`.
    update_refused: Option<&'a Expect>,
    /// A field the next applied update leaves unknown to reads.
    blur: Option<String>,
}

fn label(who: Who) -> &'static str {
    match who {
        Who::A => "a",
        Who::B => "b",
        Who::X => "x",
    }
}

impl Builder<'_> {
    fn push(&mut self, step: Step, role: Role) {
        self.steps.push(step);
        self.roles.push(role);
    }

    fn actions(&mut self, actions: &[Action]) -> Result<(), BuildError> {
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

    fn unknown(&mut self, variant: usize, values: &[Gen], body: &Body) -> Result<(), BuildError> {
        let spec = self.spec;
        let Some(unknown) = spec.resource.unknown.get(variant) else {
            return Err(BuildError::at(&spec.file_pos(), "no such unknown variant"));
        };
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
            let template = self.var_template(value).ok_or_else(|| {
                BuildError::at(
                    &unknown.pos,
                    format!("unknown `{}`: `{name}` must be a string", unknown.name),
                )
            })?;
            self.parts.vars.insert(var.clone(), template);
            names.insert(name.clone(), var);
        }
        self.parts.names.insert("u".into(), names);
        self.model
            .members
            .push(Member::new("u", false, false, None));
        let fields = self.body_fields(body, None);
        self.update("u", fields, None, false, "")?;
        self.number += 1;
        let mut read = self.step_from("u", &spec.resource.read, format!("{}. read u", self.number));
        read.expect = self.expectation("u", &spec.resource.not_found_read);
        self.push(read, Role::Read);
        if unknown.of_created {
            self.final_read("a")?;
        }
        Ok(())
    }

    /// Creates (or, for the existing one, names) a resource and reads it.
    fn begin(&mut self, who: Who) -> Result<(), BuildError> {
        self.begin_edited(who, None, false)
    }

    fn name(&mut self, l: &'static str) -> BTreeMap<String, String> {
        self.parts.name(self.spec, l)
    }

    fn bind_vars(&mut self, names: &BTreeMap<String, String>) {
        self.parts.bind_vars(self.spec, names)
    }

    /// [`Self::begin`], with one edit of the creating body (a valid one:
    /// the first read shows the edited field, if `read_shows_edit`).
    fn begin_edited(
        &mut self,
        who: Who,
        edit: Option<&Edit>,
        read_shows_edit: bool,
    ) -> Result<(), BuildError> {
        let spec = self.spec;
        let l = label(who);
        let names = self.name(l);
        let status_rule = spec.resource.status.as_ref();
        if who == Who::X {
            let existing = spec.resource.existing.as_ref().ok_or_else(|| {
                BuildError::at(&spec.file_pos(), "no existing resource is declared")
            })?;
            for (name, template) in &existing.vars {
                let var = names
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| format!("{l}_{name}"));
                self.parts.vars.insert(var, template.clone());
            }
            self.model
                .members
                .push(Member::new(l, true, true, Some(existing.status.clone())));
        } else {
            self.bind_vars(&names);
            let mut member = Member::new(l, true, false, status_rule.map(|s| s.created.clone()));
            let mut create = self.step_from(l, &spec.resource.create, format!("create {l}"));
            if let Some(edit) = edit {
                edit_body(&mut create.request.body, edit);
                create.name = format!("create {l}: {}", edit.key());
            }
            if let Some(case::Body::Json(sent)) = &create.request.body {
                for field in &spec.fields {
                    if let Some(value) = sent.get(&field.name) {
                        member.know(&field.name, value.clone());
                    }
                }
            }
            self.model.members.push(member);
            self.push(create, Role::Setup);
        }
        let mut read = self.step_from(l, &spec.resource.read, format!("{l} before"));
        let checks = self
            .model
            .first_read_checks(l)
            .map_err(|e| self.path_error(e))?;
        read.expect
            .body
            .extend(checks.into_iter().map(case::BodyExpect::Path));
        if let Some(Edit::Set { key, value }) = edit.filter(|_| read_shows_edit)
            && let Some(field) = spec.fields.iter().find(|f| &f.name == key)
        {
            let shown = model::read_back(field, &JsonTemplate::literal(value))
                .map_err(|e| self.path_error(e))?;
            read.expect
                .body
                .extend(shown.into_iter().map(case::BodyExpect::Path));
        }
        let before = self.model.member(l).before();
        let origin = spec.resource.read.origin.generated();
        read.captures
            .push(Capture::json_path(before, "$", origin).map_err(|e| self.path_error(e))?);
        self.push(read, Role::Setup);
        Ok(())
    }

    fn final_read(&mut self, l: &'static str) -> Result<(), BuildError> {
        let read = self.read_step(l, format!("{l} after"))?;
        self.push(read, Role::Setup);
        Ok(())
    }

    /// A read of `l` with what the model says it must show.
    fn read_step(&mut self, l: &'static str, name: String) -> Result<Step, BuildError> {
        let mut read = self.step_from(l, &self.spec.resource.read, name);
        self.add_read_checks(l, &mut read.expect)?;
        Ok(read)
    }

    /// What a read of `l` must show, added to `expect`.
    fn add_read_checks(&self, l: &str, expect: &mut Expect) -> Result<(), BuildError> {
        let (paths, unchanged) = self.model.read_checks(l).map_err(|e| self.path_error(e))?;
        expect
            .body
            .extend(paths.into_iter().map(case::BodyExpect::Path));
        expect.unchanged = Some(unchanged);
        Ok(())
    }

    fn action(&mut self, action: &Action) -> Result<(), BuildError> {
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
                self.push(read, Role::Read);
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
                let mut step = self.step_from(l, &self.spec.resource.update, name);
                step.request = request;
                step.expect.unchanged = Some(case::Unchanged {
                    of: capture,
                    except: Vec::new(),
                    origin: self.spec.resource.update.origin.generated(),
                });
                self.push(step, Role::Replay);
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
                let step = self.step_from(l, remove, format!("{}. remove {l}", self.number));
                self.model.remove(l);
                self.push(step, Role::Remove);
                Ok(())
            }
        }
    }

    /// An update of `l` sending `fields` (and `broken`), with the answer and
    /// checks the model gives; nothing when the model skips it.
    fn update(
        &mut self,
        l: &'static str,
        mut fields: Vec<(String, JsonTemplate)>,
        broken: Option<&Broken>,
        keyed: bool,
        why: &str,
    ) -> Result<(), BuildError> {
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
            let value = broken.value.to_template(&mut |g| self.fresh_var(g));
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
        let mut step = self.step_from(l, &self.spec.resource.update, name);
        match &mut step.request.body {
            Some(case::Body::Json(body)) => body.extend(fields),
            // The spec allows only a JSON object or no body here.
            _ => step.request.body = Some(case::Body::Json(JsonTemplate::object(fields))),
        }
        if keyed && let Some(header) = &self.spec.resource.idempotency_key {
            self.keys += 1;
            let var = format!("key{}", self.keys);
            self.parts
                .vars
                .insert(var.clone(), Template::fresh(Generator::Id));
            step.request
                .headers
                .insert(header.clone(), Some(Template::variable(var)));
        }
        match outcome {
            Outcome::Applied => {
                self.model.apply(l, &valid_fields);
                if let Some(field) = self.blur.take() {
                    self.model.blur(l, &field);
                }
                if self.spec.resource.echo == EchoIn::Response {
                    self.add_read_checks(l, &mut step.expect)?;
                }
                if keyed && self.spec.resource.idempotency_key.is_some() {
                    let capture = format!("result{}", self.number);
                    let origin = self.spec.resource.update.origin.generated();
                    step.captures.push(
                        Capture::json_path(capture.clone(), "$", origin)
                            .map_err(|e| self.path_error(e))?,
                    );
                    self.replayable.push(Replayable {
                        label: l,
                        number: self.number,
                        request: step.request.clone(),
                        capture,
                    });
                }
            }
            Outcome::Refused => {
                let refused = self.update_refused.unwrap_or(&self.spec.resource.refused);
                step.expect = self.expectation(l, refused)
            }
            Outcome::NotFound => {
                step.expect = self.expectation(l, &self.spec.resource.not_found_update)
            }
            Outcome::Skip => {}
        }
        self.push(step, Role::Update);
        Ok(())
    }

    /// A `schema-coverage` probe: one edit of a valid body, sent as an
    /// update, a creation or a replacement, and what it must get.
    fn probe(&mut self, index: usize, body: &Body) -> Result<(), BuildError> {
        let spec = self.spec;
        let coverage = spec.coverage.as_ref();
        let Some((probe, target)) = coverage
            .and_then(|c| Some((c.probes.get(index)?, c.targets.get(c.probes[index].target)?)))
        else {
            return Err(BuildError::at(
                &spec.file_pos(),
                "no such schema-coverage probe",
            ));
        };
        match target.op {
            Op::Update => {
                self.begin(Who::A)?;
                self.update_refused = target.refused.as_ref();
                self.probe_update(probe, body)?;
                self.final_read("a")
            }
            Op::Create if probe.valid => {
                self.begin_edited(Who::A, Some(&probe.edit), !probe.blurs)?;
                self.final_read("a")
            }
            Op::Create => {
                let names = self.name("a");
                self.bind_vars(&names);
                self.number += 1;
                let name = format!(
                    "{}. create a: {} [{}], refused",
                    self.number,
                    probe.edit.key(),
                    probe.form
                );
                let mut step = self.step_from("a", &spec.resource.create, name);
                edit_body(&mut step.request.body, &probe.edit);
                // Nothing is created, so nothing is captured.
                step.captures.clear();
                if let Some(refused) = &target.refused {
                    step.expect = self.expectation("a", refused);
                }
                self.push(step, Role::Update);
                if let Some(absent) = &target.absent {
                    let step = self.step_from("a", absent, "no a was created".into());
                    self.push(step, Role::Read);
                }
                Ok(())
            }
            Op::Replace => {
                self.begin(Who::A)?;
                let declared = target.step.as_ref().ok_or_else(|| {
                    BuildError::at(&target.pos, "schema_coverage.replace has no step")
                })?;
                let mut body = self.steps[0].request.body.clone();
                edit_body(&mut body, &probe.edit);
                let Some(case::Body::Json(JsonTemplate::Object(fields))) = body else {
                    return Err(BuildError::at(
                        &target.pos,
                        "schema_coverage.replace: create's body must be a `json` mapping",
                    ));
                };
                let outcome = if probe.valid {
                    self.model.outcome("a", &fields, false)
                } else {
                    Outcome::Refused
                };
                if outcome == Outcome::Skip {
                    return self.final_read("a");
                }
                self.number += 1;
                let verdict = if outcome == Outcome::Refused {
                    ", refused"
                } else {
                    ""
                };
                let name = format!(
                    "{}. replace a: {} [{}]{verdict}",
                    self.number,
                    probe.edit.key(),
                    probe.form
                );
                let mut step = self.step_from("a", declared, name);
                step.request.body = Some(case::Body::Json(JsonTemplate::Object(fields.clone())));
                match outcome {
                    Outcome::Applied => {
                        self.model.apply("a", &fields);
                        if probe.blurs {
                            self.model.blur("a", probe.edit.key());
                        }
                    }
                    _ => {
                        if let Some(refused) = &target.refused {
                            step.expect = self.expectation("a", refused);
                        }
                    }
                }
                self.push(step, Role::Update);
                self.final_read("a")
            }
        }
    }

    /// A probe of the partial update: the probed field among valid ones.
    fn probe_update(&mut self, probe: &Probe, body: &Body) -> Result<(), BuildError> {
        let Edit::Set { key, value } = &probe.edit else {
            return Err(BuildError::at(
                &self.spec.file_pos(),
                "a partial update cannot leave a key out",
            ));
        };
        let value = Gen::Json(JsonTemplate::literal(value));
        if probe.valid {
            let Some(i) = probe.field else {
                return Err(BuildError::at(
                    &self.spec.file_pos(),
                    format!("schema-coverage: `{key}` is no declared field"),
                ));
            };
            let mut body = body.clone();
            body.0[i] = Some(value);
            let fields = self.body_fields(&body, None);
            let why = format!(" ({key} {})", probe.form);
            if probe.blurs {
                self.blur = Some(key.clone());
            }
            return self.update("a", fields, None, false, &why);
        }
        let broken = Broken {
            slot: match probe.field {
                Some(i) => Slot::Field(i),
                None => Slot::UnknownKey(key.clone()),
            },
            form: probe.form.clone(),
            value,
        };
        let fields = self.body_fields(body, probe.field);
        self.update("a", fields, Some(&broken), false, "")
    }

    /// The valid fields of a body, leaving out `skip`.
    fn body_fields(&mut self, body: &Body, skip: Option<usize>) -> Vec<(String, JsonTemplate)> {
        let mut out = Vec::new();
        for (i, slot) in body.0.iter().enumerate() {
            if Some(i) == skip {
                continue;
            }
            if let Some(value) = slot {
                let json = value.to_template(&mut |g| self.fresh_var(g));
                out.push((self.spec.fields[i].name.clone(), json));
            }
        }
        out
    }

    fn fresh_var(&mut self, generator: Generator) -> String {
        self.parts.fresh_var(generator)
    }

    /// A generated value as the template of a case variable.
    fn var_template(&mut self, value: &Gen) -> Option<Template> {
        match value.to_template(&mut |g| self.fresh_var(g)) {
            JsonTemplate::String(template) => Some(template),
            _ => None,
        }
    }

    fn step_from(&self, l: &str, declared: &Step, name: String) -> Step {
        self.parts.step_from(l, declared, name)
    }

    /// A copy of a declared expectation, with the names of resource `l`.
    fn expectation(&self, l: &str, declared: &Expect) -> Expect {
        let mut expect = declared.clone();
        let names = &self.parts.names[l];
        visit::walk_expect(&mut visit::Rename(&|n| names.get(n).cloned()), &mut expect);
        visit::walk_expect(&mut visit::Generated, &mut expect);
        expect
    }

    fn path_error(&self, error: serde_json_path::ParseError) -> BuildError {
        BuildError::at(
            &self.spec.file_pos(),
            format!("a generated JSONPath does not parse: {error}"),
        )
    }
}

/// A JSON object body with one edit made; other bodies are left as they are
/// (the declarations are checked to give an object).
fn edit_body(body: &mut Option<case::Body>, edit: &Edit) {
    let Some(case::Body::Json(JsonTemplate::Object(entries))) = body else {
        return;
    };
    let mut entries = std::mem::take(entries);
    match edit {
        Edit::Set { key, value } => entries.push((key.clone(), JsonTemplate::literal(value))),
        Edit::Drop { key } => entries.retain(|(k, _)| k != key),
    }
    *body = Some(case::Body::Json(JsonTemplate::object(entries)));
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use indexmap::IndexMap;
    use proptest::prelude::*;
    use serde_json::Value;

    use super::*;
    use crate::case::load::{cases_from_bytes, suite_from_bytes};
    use crate::case::print;
    use crate::case::visit::Visitor;
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

    /// Generated text: no string of it is a template.
    fn as_generated(value: &Value) -> Gen {
        match value {
            Value::String(s) => Gen::Text(s.clone()),
            Value::Array(items) => Gen::Array(items.iter().map(as_generated).collect()),
            Value::Object(map) => Gen::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), as_generated(v)))
                    .collect(),
            ),
            other => Gen::Json(JsonTemplate::Plain(other.clone())),
        }
    }

    fn suite() -> Suite {
        suite_from_bytes(
            Path::new("cases/t"),
            Path::new("cases/t/suite.yaml"),
            b"name: t\n",
        )
        .unwrap()
    }

    /// A case as the model holds it, wherever it came from.
    fn shape(mut case: Case) -> String {
        struct Nowhere;
        impl Visitor for Nowhere {
            fn origin(&mut self, origin: &mut Origin) {
                *origin = Origin::File(Pos {
                    file: Arc::new("x".into()),
                    line: 0,
                    column: 0,
                });
            }
        }
        visit::walk_case(&mut Nowhere, &mut case);
        // A step written without `expect:` and one with an empty one differ
        // only there.
        for step in &mut case.steps {
            step.expect.origin = None;
        }
        format!("{case:#?}")
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 400,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// Whatever a generator produces reaches the server as generated:
        /// the case written, read back and rendered sends the same JSON.
        #[test]
        fn generated_values_survive_the_case_file(body in json()) {
            let sent = as_generated(&body).to_template(&mut |_| unreachable!());
            let case = Case {
                name: "c".into(),
                description: "d: e".into(),
                doc: "#f".into(),
                checks: Vec::new(),
                strict: false,
                origin: Origin::Generated(Pos { file: Arc::new("p".into()), line: 1, column: 1 }),
                vars: IndexMap::new(),
                steps: vec![Step {
                    name: "s".into(),
                    origin: Origin::Generated(Pos { file: Arc::new("p".into()), line: 1, column: 1 }),
                    request: case::Request {
                        method: case::Method::Post,
                        path: Template::literal("/x"),
                        query: Vec::new(),
                        headers: IndexMap::new(),
                        body: Some(case::Body::Json(sent)),
                    },
                    expect: Expect::default(),
                    captures: Vec::new(),
                    snapshot_redactions: Vec::new(),
                }],
                uses_variables: Vec::new(),
            };
            let text = print::case_file("# a comment\n", &[&case]).unwrap();
            let cases = cases_from_bytes(&suite(), Path::new("t.yaml"), text.as_bytes())
                .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
            let Some(case::Body::Json(loaded)) = &cases[0].steps[0].request.body else {
                return Err(TestCaseError::fail(format!("no JSON body in\n{text}")));
            };
            let scope = CaseScope::new(&IndexMap::new(), Arc::new(Fresh::with_token("t")));
            prop_assert_eq!(scope.render_json(loaded), body, "{}", text);
            prop_assert_eq!(&cases[0].description, "d: e");
        }
    }

    /// What the printer writes reads back as the case it printed: keys
    /// whose order counts (query parameters, headers, captures, vars) keep
    /// it, whatever their names.
    #[test]
    fn a_case_file_printed_from_the_model_reads_back_as_the_same_case() {
        let text = r#"
cases:
  - name: c
    description: d
    checks: [S-1]
    vars: { later: "1", early: "${later}" }
    steps:
      - name: s
        request:
          method: GET
          path: /x/${early}
          query: { zeta: "1", status: ["2", "3"], name: "$${lit}", alpha: "4" }
          headers: { x-b: "1", path: "2", a: null }
        expect:
          status: [200, 2xx]
          headers: { x-b: { present: true }, type: { regex: "^a${early}$" }, c: "v" }
          body:
            subset: { a: [1, "${early}"] }
            paths:
              - { path: $.a, equals: null, optional: true, checks: [S-2] }
              - { path: $.b, one_of: [1, "x"] }
              - { path: $.c, type: string, regex: "^x" }
          schema: S
          any_of:
            - { status: 200, checks: [S-3] }
            - { headers: { z: { absent: true } } }
        capture: { zz: $.a, name: { header: x-n }, aa: $.c }
      - name: t
        request: { method: PUT, path: /y, json: { "k": "${zz}", n: 1.5, l: [true, null] } }
        expect: { echo: { ignore: [n] }, unchanged: { of: aa, except: [b.c] } }
      - name: u
        request: { method: POST, path: /z, raw: "{\"a\": \"${name}\"}" }
        expect: { echo: { of: t }, body: { empty: false } }
"#;
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("statements.yaml"),
            "sources: { p: { title: P } }\nstatements:\n  S-1: { level: must, source: p, quote: q }\n  S-2: { level: example, source: p, quote: q }\n  S-3: { level: must, source: p, quote: q }\n",
        )
        .unwrap();
        let suite = suite_from_bytes(
            dir.path(),
            &dir.path().join("suite.yaml"),
            b"name: t\nschemas: { S: { inline: { type: object } } }\n",
        )
        .unwrap();
        let read = cases_from_bytes(&suite, Path::new("t"), text.as_bytes())
            .unwrap()
            .remove(0);
        let printed = print::case_file("", &[&read]).unwrap();
        let again = cases_from_bytes(&suite, Path::new("t"), printed.as_bytes())
            .unwrap()
            .remove(0);
        let (read, again) = (shape(read), shape(again));
        assert!(read.find("\"zeta\"") < read.find("\"alpha\""), "{read}");
        assert_eq!(again, read, "{printed}");
    }

    /// A refused creation is followed by the declared request that shows it
    /// left nothing behind, asking after this member's own email.
    #[test]
    fn a_refused_creation_probe_then_looks_for_what_it_must_not_have_made() {
        let suite = crate::case::load_root(Path::new("cases"), &[])
            .unwrap()
            .into_iter()
            .find(|s| s.name == "onsi")
            .unwrap();
        let spec = crate::properties::load(&suite).unwrap().unwrap();
        let coverage = spec.coverage.as_ref().unwrap();
        let probe = coverage
            .probes
            .iter()
            .position(|p| coverage.op(p) == Op::Create && !p.valid)
            .unwrap();
        let about = About {
            header: String::new(),
            name: "g".into(),
            description: "d".into(),
            doc: String::new(),
            checks: Vec::new(),
            source: spec.file_pos(),
        };
        let scenario = Scenario::Probe {
            probe,
            body: Body(vec![None; spec.fields.len()]),
        };
        let built = build(&suite, &spec, &scenario, &about).unwrap();
        let names: Vec<&str> = built.case.steps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(names[0].ends_with(", refused"), "{names:?}");
        assert!(built.case.steps[0].captures.is_empty());
        let absent = &built.case.steps[1];
        assert_eq!(absent.name, "no a was created");
        let email = absent
            .request
            .query
            .iter()
            .find(|(k, _)| k == "emails")
            .unwrap();
        assert_eq!(email.1.to_string(), "${a_email}");
        assert_eq!(built.roles, vec![Role::Update, Role::Read]);
    }

    /// A generated case runs as [`build`] makes it and is printed from the
    /// same model: for every property of the committed suites, the printed
    /// text reads back as the same case, but for where its nodes come from.
    #[test]
    fn a_case_built_in_memory_is_the_case_its_text_holds() {
        use crate::properties::{self, scenario::Limits};
        use proptest::strategy::ValueTree;
        use proptest::test_runner::{Config, RngAlgorithm, RngSeed, TestRunner};

        let mut compared = 0;
        for suite in crate::case::load_root(Path::new("cases"), &[]).unwrap() {
            let Some(spec) = properties::load(&suite).unwrap() else {
                continue;
            };
            // concurrent-updates is not built from scenarios.
            for property in properties::available(&spec)
                .into_iter()
                .filter(|p| *p != properties::Property::ConcurrentUpdates)
            {
                let about = About {
                    header: "# generated\n".into(),
                    name: "generated".into(),
                    description: "what: it is".into(),
                    doc: "#doc".into(),
                    checks: spec.checks.get(&property).cloned().unwrap_or_default(),
                    source: spec.sources[&property].clone(),
                };
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
                    let built = build(&suite, &spec, &scenario, &about).unwrap();
                    let text = print::case_file(&about.header, &[&built.case]).unwrap();
                    let from_text = cases_from_bytes(&suite, Path::new("g"), text.as_bytes())
                        .unwrap()
                        .remove(0);
                    assert_eq!(built.roles.len(), built.case.steps.len());
                    assert_eq!(shape(built.case), shape(from_text), "{text}");
                    compared += 1;
                }
            }
        }
        assert_eq!(compared, 10 * 150, "every property of both suites");
    }
}
