//! One walk over the model of a case. Every pass that visits what a case
//! holds (the templates it renders, the names it binds and reads, where its
//! nodes come from) is a [`Visitor`] handed to [`walk_case`] or
//! [`walk_step`], not a recursive function of its own; a node added to the
//! model is walked here once, and every pass sees it.

use super::model::*;
use super::template::{JsonTemplate, Template};

/// What a pass does at each kind of node; every method does nothing unless
/// the pass needs it.
pub trait Visitor {
    /// Every template the case renders (paths, query values, headers,
    /// bodies, expected values, regex patterns, its `vars`).
    fn template(&mut self, _template: &mut Template) {}
    /// The name a capture binds.
    fn binding(&mut self, _name: &mut String) {}
    /// A name read without a template: `unchanged.of`.
    fn reference(&mut self, _name: &mut String) {}
    /// Where a node comes from.
    fn origin(&mut self, _origin: &mut Origin) {}
}

pub fn walk_case(v: &mut dyn Visitor, case: &mut Case) {
    v.origin(&mut case.origin);
    for template in case.vars.values_mut() {
        v.template(template);
    }
    for step in &mut case.steps {
        walk_step(v, step);
    }
    for statement in &mut case.checks {
        v.origin(&mut statement.origin);
    }
}

pub fn walk_step(v: &mut dyn Visitor, step: &mut Step) {
    v.origin(&mut step.origin);
    walk_request(v, &mut step.request);
    walk_expect(v, &mut step.expect);
    for capture in &mut step.captures {
        v.binding(&mut capture.name);
        v.origin(&mut capture.origin);
    }
    for redaction in &mut step.snapshot_redactions {
        v.origin(&mut redaction.origin);
    }
}

pub fn walk_request(v: &mut dyn Visitor, request: &mut Request) {
    v.template(&mut request.path);
    for (_, template) in &mut request.query {
        v.template(template);
    }
    for template in request.headers.values_mut().flatten() {
        v.template(template);
    }
    match &mut request.body {
        Some(Body::Json(json)) => walk_json(v, json),
        Some(Body::Raw(template)) => v.template(template),
        None => {}
    }
}

pub fn walk_expect(v: &mut dyn Visitor, expect: &mut Expect) {
    if let Some(origin) = &mut expect.origin {
        v.origin(origin);
    }
    if let Some(status) = &mut expect.status {
        v.origin(&mut status.origin);
    }
    for header in &mut expect.headers {
        v.origin(&mut header.origin);
        match &mut header.matcher {
            HeaderMatcher::Equals(template) => v.template(template),
            HeaderMatcher::Regex(pattern) => v.template(&mut pattern.source),
            HeaderMatcher::Present | HeaderMatcher::Absent => {}
        }
    }
    for body in &mut expect.body {
        match body {
            BodyExpect::Empty { origin, .. } => v.origin(origin),
            BodyExpect::Json { value, origin } | BodyExpect::Subset { value, origin } => {
                v.origin(origin);
                walk_json(v, value);
            }
            BodyExpect::Path(assert) => walk_path_assert(v, assert),
        }
    }
    if let Some(schema) = &mut expect.schema {
        v.origin(&mut schema.origin);
    }
    if let Some(echo) = &mut expect.echo {
        v.origin(&mut echo.origin);
    }
    if let Some(unchanged) = &mut expect.unchanged {
        v.reference(&mut unchanged.of);
        v.origin(&mut unchanged.origin);
    }
    for alternative in &mut expect.any_of {
        walk_expect(v, alternative);
    }
    for statement in &mut expect.checks {
        v.origin(&mut statement.origin);
    }
}

fn walk_path_assert(v: &mut dyn Visitor, assert: &mut PathAssert) {
    v.origin(&mut assert.origin);
    for predicate in &mut assert.predicates {
        match predicate {
            Predicate::Equals(value) | Predicate::Contains(value) => walk_json(v, value),
            Predicate::OneOf(values) => values.iter_mut().for_each(|value| walk_json(v, value)),
            Predicate::Regex(pattern) => v.template(&mut pattern.source),
            Predicate::Type(_) | Predicate::Present | Predicate::Absent | Predicate::Count(_) => {}
        }
    }
    for statement in &mut assert.checks {
        v.origin(&mut statement.origin);
    }
}

fn walk_json(v: &mut dyn Visitor, json: &mut JsonTemplate) {
    json.templates_mut(&mut |template| v.template(template));
}

/// The variables a case reads, through templates or `unchanged.of`.
#[derive(Default)]
pub struct Variables(pub std::collections::BTreeSet<String>);

impl Visitor for Variables {
    fn template(&mut self, template: &mut Template) {
        self.0.extend(template.variables().map(String::from));
    }
    fn reference(&mut self, name: &mut String) {
        self.0.insert(name.clone());
    }
}

/// Renames the names `map` gives a new name for, wherever they are bound
/// or read.
pub struct Rename<'a>(pub &'a dyn Fn(&str) -> Option<String>);

impl Visitor for Rename<'_> {
    fn template(&mut self, template: &mut Template) {
        template.rename(self.0);
    }
    fn binding(&mut self, name: &mut String) {
        if let Some(new) = (self.0)(name) {
            *name = new;
        }
    }
    fn reference(&mut self, name: &mut String) {
        self.binding(name);
    }
}

/// Makes every origin say the node was generated from where it was written.
pub struct Generated;

impl Visitor for Generated {
    fn origin(&mut self, origin: &mut Origin) {
        *origin = origin.generated();
    }
}

/// The suite variables a case reads, its suite's headers included: the plan
/// skips a case whose variables the run does not give, rather than send
/// `${name}` as text.
pub fn suite_variables_used(suite: &Suite, case: &mut Case) -> Vec<String> {
    let mut used = Variables::default();
    walk_case(&mut used, case);
    for template in suite.headers.values().flatten() {
        used.0.extend(template.variables().map(String::from));
    }
    used.0
        .into_iter()
        .filter(|v| suite.variables.contains_key(v))
        .collect()
}
