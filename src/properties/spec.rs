//! `cases/<suite>/properties.yaml`: what a suite's resource is, how to
//! create, read and update it, and its updatable fields, declared once. The
//! properties generate partial updates from it; adding a field is a few
//! lines here, no code.
//!
//! The requests and expectations are written as case-file steps (the same
//! keys, templates and checks: the syntax types of `crate::case::syntax`),
//! and lowered into the case model when the file is read, so a mistake in
//! one is reported at its place in `properties.yaml`. Names bound in
//! `resource.vars` and by the captures of `create` belong to one resource,
//! and each generated resource gets its own copy of them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::Property;
use super::coverage::{self, Coverage, CoverageDoc, Op, Target};
use super::value::{self, ValueDoc, ValueSpec};
use crate::case::boolean;
use crate::case::load::{PROPERTY_FILES, doc_from_file, expect_from_doc, step_from_doc};
use crate::case::syntax::{ExpectDoc, StepDoc};
use crate::case::template::{JsonTemplate, Template};
use crate::case::{Body, Expect, LoadError, LoadErrors, Origin, Pos, StatementRef, Step, Suite};
use crate::case::{statements, verdict};

/// The file's syntax, as serde reads it.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PropertiesDoc {
    /// Per property, the documentation statement it checks.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, String>")]
    pub doc: IndexMap<String, Spanned<String>>,
    /// Per property, the ids of the documented statements it checks
    /// (`statements.yaml`).
    #[serde(default)]
    #[schemars(with = "IndexMap<String, Vec<String>>")]
    pub checks: IndexMap<String, Vec<Spanned<String>>>,
    #[schemars(with = "ResourceDoc")]
    pub resource: Spanned<ResourceDoc>,
    /// A schema of `suite.yaml` every generated valid body must meet: a
    /// check of these declarations against the vendor's own schema.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub request_schema: Option<Spanned<String>>,
    /// Whether a key no field declares makes an update refused.
    #[serde(default)]
    #[schemars(with = "Option<UnknownKeys>")]
    pub unknown_keys: Option<Spanned<UnknownKeys>>,
    #[schemars(with = "IndexMap<String, FieldDoc>")]
    pub fields: IndexMap<String, Spanned<FieldDoc>>,
    /// The request-body schemas `schema-coverage` derives its values from.
    #[serde(default)]
    #[schemars(with = "Option<CoverageDoc>")]
    pub schema_coverage: Option<Spanned<CoverageDoc>>,
    /// The docs allow requests on one resource at the same moment: how many
    /// `concurrent-updates` sends at once. Leave it out where they do not.
    #[serde(default)]
    #[schemars(with = "Option<super::concurrent::ConcurrencyDoc>")]
    pub concurrency: Option<Spanned<super::concurrent::ConcurrencyDoc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnknownKeys {
    Refused,
    Ignored,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EchoIn {
    /// The update's answer is the updated resource.
    Response,
    /// Only a following read shows the update.
    Read,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceDoc {
    /// Values bound once per resource, e.g. `code: "${fresh.member_code}"`.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, String>")]
    pub vars: IndexMap<String, Spanned<String>>,
    /// Steps (request, expect, capture), as in case files.
    #[schemars(with = "StepDoc")]
    pub create: Spanned<StepDoc>,
    #[schemars(with = "StepDoc")]
    pub read: Spanned<StepDoc>,
    /// The update request; generated fields are added to its `json`.
    #[schemars(with = "StepDoc")]
    pub update: Spanned<StepDoc>,
    #[schemars(with = "EchoIn")]
    pub echo: Spanned<EchoIn>,
    /// Expectations (an `expect:` mapping) for a refused update.
    #[schemars(with = "ExpectDoc")]
    pub refused: Spanned<ExpectDoc>,
    #[schemars(with = "NotFoundDoc")]
    pub not_found: Spanned<NotFoundDoc>,
    /// Ways to name a resource that does not exist.
    #[serde(default)]
    #[schemars(with = "Vec<UnknownDoc>")]
    pub unknown: Vec<Spanned<UnknownDoc>>,
    #[serde(default)]
    #[schemars(with = "Option<StepDoc>")]
    pub remove: Option<Spanned<StepDoc>>,
    /// The header that makes a replayed update idempotent.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub idempotency_key: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Option<StatusDoc>")]
    pub status: Option<Spanned<StatusDoc>>,
    /// A resource no API creates (given by a variable); only updates that
    /// must be refused are sent to it.
    #[serde(default)]
    #[schemars(with = "Option<ExistingDoc>")]
    pub existing: Option<Spanned<ExistingDoc>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NotFoundDoc {
    #[schemars(with = "ExpectDoc")]
    pub read: Spanned<ExpectDoc>,
    #[schemars(with = "ExpectDoc")]
    pub update: Spanned<ExpectDoc>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnknownDoc {
    pub name: String,
    /// Starts from a created resource's names and changes `vars` only.
    #[serde(default, deserialize_with = "boolean::plain")]
    pub of_created: bool,
    #[schemars(with = "IndexMap<String, ValueDoc>")]
    pub vars: IndexMap<String, Spanned<ValueDoc>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusDoc {
    /// The field holding the status.
    pub field: String,
    /// The status of a created resource.
    pub created: String,
    /// The status after `remove`.
    #[serde(default)]
    pub removed: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExistingDoc {
    pub name: String,
    pub vars: IndexMap<String, String>,
    pub status: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldDoc {
    #[schemars(with = "ValueDoc")]
    pub valid: Spanned<ValueDoc>,
    /// Named invalid forms: each breaks this field alone.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, ValueDoc>")]
    pub invalid: IndexMap<String, Spanned<ValueDoc>>,
    /// How a read shows the value sent (default `same`).
    #[serde(default)]
    #[schemars(with = "Option<ReadBackDoc>")]
    pub reads_back: Option<Spanned<ReadBackDoc>>,
    /// Other fields of the read resource that change with this one.
    #[serde(default)]
    pub also_changes: Vec<String>,
    /// Statuses in which this field may change (`resource.status`).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub only_while: Vec<Spanned<String>>,
    /// No two resources hold the same (non-null) value.
    #[serde(default, deserialize_with = "boolean::plain")]
    pub unique: bool,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ReadBackDoc {
    Same,
    Boolean,
    NumberOrString,
    Nothing,
    Date(Vec<String>),
    Items { key: String, value: String },
}

/// A suite's validated declarations.
#[derive(Debug, Clone)]
pub struct PropertySpec {
    pub file: Arc<PathBuf>,
    pub docs: BTreeMap<Property, String>,
    /// Per property, the documented statements it checks.
    pub checks: BTreeMap<Property, Vec<StatementRef>>,
    /// Where each property is declared (its `doc:` entry, else the file).
    pub sources: BTreeMap<Property, Pos>,
    pub resource: Resource,
    pub fields: Vec<Field>,
    pub unknown_keys: UnknownKeys,
    pub request_schema: Option<String>,
    /// What `schema-coverage` sends; `None` without `schema_coverage:`.
    pub coverage: Option<Coverage>,
    /// `concurrency:`, when the suite opts in to `concurrent-updates`.
    pub concurrency: Option<super::concurrent::Concurrency>,
}

/// The declared steps and expectations, lowered into the case model with
/// the names of a resource unrenamed (`${id}`): each generated resource gets
/// a copy with its own names (`${a_id}`).
#[derive(Debug, Clone)]
pub struct Resource {
    pub vars: IndexMap<String, Template>,
    pub create: Step,
    pub read: Step,
    /// Its body, when it has one, is a JSON object.
    pub update: Step,
    pub echo: EchoIn,
    pub refused: Expect,
    pub not_found_read: Expect,
    pub not_found_update: Expect,
    pub unknown: Vec<Unknown>,
    pub remove: Option<Step>,
    pub idempotency_key: Option<String>,
    pub status: Option<StatusRule>,
    pub existing: Option<Existing>,
}

impl Resource {
    /// The names each resource has its own copy of: its `vars` and the
    /// captures of `create`.
    pub fn local_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.vars.keys().cloned().collect();
        names.extend(self.create.captures.iter().map(|c| c.name.clone()));
        names
    }
}

#[derive(Debug, Clone)]
pub struct Unknown {
    pub name: String,
    pub of_created: bool,
    pub vars: Vec<(String, ValueSpec)>,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct StatusRule {
    pub field: String,
    pub created: String,
    pub removed: Option<String>,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct Existing {
    pub name: String,
    pub vars: IndexMap<String, Template>,
    pub status: String,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub valid: ValueSpec,
    pub invalid: Vec<(String, ValueSpec)>,
    pub reads_back: ReadBack,
    pub also_changes: Vec<String>,
    pub only_while: Vec<String>,
    pub unique: bool,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ReadBack {
    /// The read shows the value sent (a `null` may also be left out).
    Same,
    /// `true`/`false` sent as JSON or as strings read back as JSON booleans.
    Boolean,
    /// Digits sent as a string may read back as a number.
    NumberOrString,
    /// Reads do not show the field.
    Nothing,
    /// A date sent in `sent` format reads back in one of `readings`.
    Date { sent: String, readings: Vec<String> },
    /// A list of objects: each sent item's `value` is found under its `key`;
    /// later updates of a key replace its value, other keys stay.
    Items { key: String, value: String },
}

impl PropertySpec {
    /// Each value declared `from` an answer of the server, with what it is
    /// the value of (`field \`tier\``).
    pub fn discoveries(&self) -> Vec<(String, &value::Discover)> {
        let mut out = Vec::new();
        for field in &self.fields {
            for d in field.valid.discoveries() {
                out.push((format!("field `{}`", field.name), d));
            }
            for (form, spec) in &field.invalid {
                for d in spec.discoveries() {
                    out.push((format!("field `{}` invalid `{form}`", field.name), d));
                }
            }
        }
        for unknown in &self.resource.unknown {
            for (name, spec) in &unknown.vars {
                for d in spec.discoveries() {
                    out.push((format!("unknown `{}`: {name}", unknown.name), d));
                }
            }
        }
        out
    }

    /// A copy in which each `from` is what `resolve` makes of it.
    pub fn with_discovered(
        &self,
        resolve: &mut dyn FnMut(&value::Discover) -> ValueSpec,
    ) -> PropertySpec {
        let mut spec = self.clone();
        for field in &mut spec.fields {
            field.valid.replace_discovered(resolve);
            for (_, s) in &mut field.invalid {
                s.replace_discovered(resolve);
            }
        }
        for unknown in &mut spec.resource.unknown {
            for (_, s) in &mut unknown.vars {
                s.replace_discovered(resolve);
            }
        }
        spec
    }

    /// The start of the file, for what concerns it as a whole.
    pub fn file_pos(&self) -> Pos {
        Pos {
            file: self.file.clone(),
            line: 1,
            column: 1,
        }
    }
}

/// The declaration file of a suite, if it has one: whatever is there under
/// that name, so that a directory or a FIFO called `properties.yaml` is
/// refused when read rather than passed over as no declarations at all.
pub fn find(dir: &Path) -> Option<PathBuf> {
    PROPERTY_FILES
        .iter()
        .map(|name| dir.join(name))
        .find(|p| p.symlink_metadata().is_ok())
}

/// Reads and checks the file's syntax and meaning (not yet its steps: see
/// `super::check`).
pub fn read(suite: &Suite, path: &Path) -> Result<PropertySpec, LoadErrors> {
    let doc: PropertiesDoc = doc_from_file(path, "property declarations (resource, fields, ...)")?;
    let mut cx = Checker {
        file: Arc::new(path.to_path_buf()),
        errors: Vec::new(),
    };
    let spec = cx.spec(suite, doc);
    if cx.errors.is_empty() {
        Ok(spec)
    } else {
        Err(LoadErrors(cx.errors))
    }
}

struct Checker {
    file: Arc<PathBuf>,
    errors: Vec<LoadError>,
}

impl Checker {
    fn pos<T>(&self, s: &Spanned<T>) -> Pos {
        Pos {
            file: self.file.clone(),
            line: s.referenced.line(),
            column: s.referenced.column(),
        }
    }

    fn error(&mut self, pos: &Pos, message: impl Into<String>) {
        self.errors
            .push(LoadError::new(&pos.file, pos.line, pos.column, message));
    }

    fn spec(&mut self, suite: &Suite, doc: PropertiesDoc) -> PropertySpec {
        let file_pos = Pos {
            file: self.file.clone(),
            line: 1,
            column: 1,
        };
        let mut docs = BTreeMap::new();
        let mut sources = BTreeMap::new();
        for (name, text) in &doc.doc {
            let pos = self.pos(text);
            match Property::from_name(name) {
                Some(p) => {
                    docs.insert(p, text.value.trim().to_string());
                    sources.insert(p, pos);
                }
                None => self.error(
                    &pos,
                    format!(
                        "doc: no property `{name}` (properties: {})",
                        Property::names().join(", ")
                    ),
                ),
            }
        }
        for p in Property::ALL {
            sources.entry(p).or_insert_with(|| file_pos.clone());
        }
        let mut checks = BTreeMap::new();
        for (name, ids) in doc.checks {
            match Property::from_name(&name) {
                Some(p) => {
                    let refs = ids
                        .into_iter()
                        .map(|id| StatementRef {
                            origin: Origin::File(self.pos(&id)),
                            id: id.value.trim().to_string(),
                        })
                        .collect();
                    checks.insert(p, refs);
                }
                None => {
                    let pos = ids
                        .first()
                        .map(|id| self.pos(id))
                        .unwrap_or(file_pos.clone());
                    self.error(
                        &pos,
                        format!(
                            "checks: no property `{name}` (properties: {})",
                            Property::names().join(", ")
                        ),
                    );
                }
            }
        }
        let resource = self.resource(suite, doc.resource);
        let suite_known = |name: &str| suite.variables.contains_key(name);
        let mut fields = Vec::new();
        for (name, field) in doc.fields {
            let pos = self.pos(&field);
            if let Some(f) = self.field(&name, field.value, pos, &suite_known, &resource) {
                fields.push(f);
            }
        }
        if fields.is_empty() {
            self.error(&file_pos, "fields: declare at least one updatable field");
        }
        for field in &fields {
            for other in &field.also_changes {
                if other == &field.name {
                    self.error(
                        &field.pos,
                        format!("field `{other}`: also_changes names the field itself"),
                    );
                }
            }
        }
        if let Some(Body::Json(body)) = &resource.update.request.body {
            for field in &fields {
                if body.get(&field.name).is_some() {
                    self.error(
                        resource.update.origin.pos(),
                        format!(
                            "resource.update: its json already holds `{}`, a generated field",
                            field.name
                        ),
                    );
                }
            }
        }
        let request_schema = doc.request_schema.map(|s| {
            let pos = self.pos(&s);
            if !suite.schemas.contains_key(&s.value) {
                self.error(
                    &pos,
                    format!(
                        "request_schema: suite `{}` declares no schema `{}` (it declares: {})",
                        suite.name,
                        s.value,
                        suite.schema_names()
                    ),
                );
            }
            s.value
        });
        let coverage = doc
            .schema_coverage
            .map(|c| self.coverage(suite, c, &resource, &fields));
        let concurrency = doc.concurrency.and_then(|c| {
            let pos = self.pos(&c);
            c.value
                .lower(pos.clone(), suite.pacing.is_some())
                .map_err(|e| self.error(&pos, format!("concurrency: {e}")))
                .ok()
        });
        PropertySpec {
            concurrency,
            file: self.file.clone(),
            docs,
            checks,
            sources,
            resource,
            fields,
            coverage,
            unknown_keys: doc
                .unknown_keys
                .map(|u| u.value)
                .unwrap_or(UnknownKeys::Ignored),
            request_schema,
        }
    }

    /// `schema_coverage:`, lowered, and its probes derived from the schemas.
    fn coverage(
        &mut self,
        suite: &Suite,
        doc: Spanned<CoverageDoc>,
        resource: &Resource,
        fields: &[Field],
    ) -> Coverage {
        let mut known: BTreeSet<String> = suite.variables.keys().cloned().collect();
        known.extend(resource.local_names());
        let doc = doc.value;
        let mut out = Coverage::default();
        for (op, target) in [
            (Op::Update, doc.update),
            (Op::Create, doc.create),
            (Op::Replace, doc.replace),
        ] {
            let Some(target) = target else { continue };
            let pos = self.pos(&target);
            let what = format!("schema_coverage.{}", op.key());
            let target = target.value;
            let step = target
                .step
                .map(|s| self.step(suite, s, &mut known.clone(), &format!("{what}.step")));
            let refused = target
                .refused
                .map(|r| self.expect(suite, r, &known, &format!("{what}.refused")));
            let absent = target
                .absent
                .map(|s| self.step(suite, s, &mut known.clone(), &format!("{what}.absent")));
            if let (Op::Update | Op::Replace, Some(a)) = (op, &absent) {
                self.error(
                    a.origin.pos(),
                    format!("{what}.absent: only a creation can leave something behind"),
                );
            }
            match (op, &step, &refused) {
                (Op::Replace, None, _) => {
                    self.error(&pos, format!("{what}: give `step`, the replacing request"))
                }
                (Op::Update | Op::Create, Some(s), _) => self.error(
                    s.origin.pos(),
                    format!(
                        "{what}.step: the resource's own `{}` step is used",
                        op.key()
                    ),
                ),
                (Op::Create | Op::Replace, _, None) => self.error(
                    &pos,
                    format!("{what}: give `refused`, what a broken body gets"),
                ),
                _ => {}
            }
            if op == Op::Replace
                && let Some(Body::Json(body)) = &resource.create.request.body
                && body.has_fresh()
            {
                self.error(
                    resource.create.origin.pos(),
                    format!(
                        "{what}: create's json writes a ${{fresh.*}} value inline, which would be a new value in the replacement: bind it in resource.vars (`email: ${{fresh.email}}`) and write `${{email}}`"
                    ),
                );
            }
            if let Some(Step { request, .. }) = &step
                && request.body.is_some()
            {
                self.error(
                    &pos,
                    format!("{what}.step: no body: it is `create`'s, with the resource's values"),
                );
            }
            let sends = match op {
                Op::Update => &resource.update,
                Op::Create => &resource.create,
                Op::Replace => step.as_ref().unwrap_or(&resource.update),
            };
            let request = format!("{} {}", sends.request.method.as_str(), sends.request.path);
            // The keys the request's own body names the resource by.
            let mut fixed: Vec<String> = match (op, &sends.request.body) {
                (Op::Update, Some(Body::Json(JsonTemplate::Object(entries)))) => {
                    entries.iter().map(|(k, _)| k.clone()).collect()
                }
                _ => Vec::new(),
            };
            let schema = target.schema.value.clone();
            let Some(document) = suite.schemas.get(&schema).map(|s| s.document.clone()) else {
                let at = self.pos(&target.schema);
                self.error(
                    &at,
                    format!(
                        "{what}.schema: suite `{}` declares no schema `{schema}` (it declares: {})",
                        suite.name,
                        suite.schema_names()
                    ),
                );
                continue;
            };
            // And those its schema marks (`x-verity-key`), but where a
            // resource is made.
            if op != Op::Create {
                fixed.extend(super::derive::keys(&document));
            }
            let target = Target {
                op,
                schema,
                step,
                refused,
                absent,
                request,
                pos,
            };
            coverage::probes_of(
                out.targets.len(),
                &target,
                &document,
                fields,
                &fixed,
                &mut out,
            );
            out.targets.push(target);
        }
        out
    }

    /// What lowering a declaration gave; its errors name the declaration.
    fn lowered<T>(
        &mut self,
        lowered: Result<T, LoadErrors>,
        what: &str,
        or: impl FnOnce() -> T,
    ) -> T {
        match lowered {
            Ok(t) => t,
            Err(LoadErrors(errors)) => {
                for mut e in errors {
                    e.message = format!("{what}: {}", e.message);
                    self.errors.push(e);
                }
                or()
            }
        }
    }

    /// A declared step, lowered; `what` names its key for messages.
    fn step(
        &mut self,
        suite: &Suite,
        doc: Spanned<StepDoc>,
        known: &mut BTreeSet<String>,
        what: &str,
    ) -> Step {
        let pos = self.pos(&doc);
        let file = self.file.clone();
        let lowered = step_from_doc(suite, &file, doc, known);
        let mut step = self.lowered(lowered, what, || placeholder_step(&pos));
        self.no_unchanged(&step.expect, what);
        self.statements(suite, &mut step.expect);
        step
    }

    /// A declared expectation, lowered.
    fn expect(
        &mut self,
        suite: &Suite,
        doc: Spanned<ExpectDoc>,
        known: &BTreeSet<String>,
        what: &str,
    ) -> Expect {
        let file = self.file.clone();
        let lowered = expect_from_doc(suite, &file, doc, known);
        let mut expect = self.lowered(lowered, what, Expect::default);
        self.no_unchanged(&expect, what);
        self.statements(suite, &mut expect);
        expect
    }

    /// The statements a declared expectation names must be the registry's;
    /// those of what the docs only show in an example make its checks warn.
    /// It inherits nothing: one declaration serves several properties.
    fn statements(&mut self, suite: &Suite, expect: &mut Expect) {
        let refused = statements::check_refs(suite, statements::expect_refs(expect));
        self.errors.extend(refused);
        if let Some(registry) = &suite.statements {
            verdict::mark_expect(expect, &[], &|refs| registry.advisory(refs));
        }
    }

    /// The properties say what must be unchanged; a declaration that says
    /// it too would be overridden.
    fn no_unchanged(&mut self, expect: &Expect, what: &str) {
        if let Some(unchanged) = &expect.unchanged {
            self.error(
                unchanged.origin.pos(),
                format!(
                    "{what}: a declared step cannot say `unchanged` itself: the properties add it"
                ),
            );
        }
        for alternative in &expect.any_of {
            self.no_unchanged(alternative, what);
        }
    }

    fn resource(&mut self, suite: &Suite, doc: Spanned<ResourceDoc>) -> Resource {
        let doc = doc.value;
        let mut known: BTreeSet<String> = suite.variables.keys().cloned().collect();
        let mut vars = IndexMap::new();
        for (name, text) in doc.vars {
            let pos = self.pos(&text);
            match Template::parse(&text.value) {
                Ok(t) => {
                    for var in t.variables() {
                        if !known.contains(var) {
                            self.error(
                                &pos,
                                format!("resource.vars.{name}: unknown variable `${{{var}}}`"),
                            );
                        }
                    }
                    vars.insert(name.clone(), t);
                }
                Err(e) => self.error(&pos, format!("resource.vars.{name}: {e}")),
            }
            known.insert(name);
        }
        let status = doc.status.map(|s| {
            let pos = self.pos(&s);
            StatusRule {
                field: s.value.field,
                created: s.value.created,
                removed: s.value.removed,
                pos,
            }
        });
        let create = self.step(suite, doc.create, &mut known, "resource.create");
        let read = self.step(suite, doc.read, &mut known.clone(), "resource.read");
        let update = self.step(suite, doc.update, &mut known.clone(), "resource.update");
        match &update.request.body {
            None | Some(Body::Json(crate::case::template::JsonTemplate::Object(_))) => {}
            Some(_) => self.error(
                update.origin.pos(),
                "resource.update: its body must be a `json` mapping: the generated fields are added to it",
            ),
        }
        let remove = doc
            .remove
            .map(|r| self.step(suite, r, &mut known.clone(), "resource.remove"));
        if let (Some(remove), Some(status)) = (&remove, &status)
            && status.removed.is_none()
        {
            let pos = remove.origin.pos().clone();
            self.error(
                &pos,
                format!(
                    "resource.remove: say which status it leaves in resource.status.removed (field `{}`)",
                    status.field
                ),
            );
        }
        let existing = doc.existing.map(|e| {
            let pos = self.pos(&e);
            if status.is_none() {
                self.error(
                    &pos,
                    "resource.existing needs resource.status: only updates its status refuses are sent to it",
                );
            }
            let suite_vars: BTreeSet<String> = suite.variables.keys().cloned().collect();
            let mut vars = IndexMap::new();
            for (name, text) in e.value.vars {
                match Template::parse(&text) {
                    Ok(t) => {
                        for var in t.variables() {
                            if !suite_vars.contains(var) {
                                self.error(
                                    &pos,
                                    format!("resource.existing.vars.{name}: unknown suite variable `${{{var}}}`"),
                                );
                            }
                        }
                        vars.insert(name, t);
                    }
                    Err(e) => self.error(&pos, format!("resource.existing.vars.{name}: {e}")),
                }
            }
            Existing {
                name: e.value.name,
                vars,
                status: e.value.status,
                pos,
            }
        });
        let suite_known = |name: &str| suite.variables.contains_key(name);
        let mut unknown = Vec::new();
        for u in doc.unknown {
            let pos = self.pos(&u);
            let mut specs = Vec::new();
            for (name, value) in u.value.vars {
                let vpos = self.pos(&value);
                if !known.contains(&name) {
                    self.error(
                        &vpos,
                        format!(
                            "unknown `{}`: `{name}` is no name of the resource (resource.vars, the captures of create) nor a suite variable",
                            u.value.name
                        ),
                    );
                    continue;
                }
                match value.value.validate(&suite_known) {
                    Ok(mut spec) => {
                        spec.locate_discoveries(&vpos);
                        specs.push((name, spec))
                    }
                    Err(e) => self.error(&vpos, format!("unknown `{}`: {name}: {e}", u.value.name)),
                }
            }
            if specs.is_empty() {
                self.error(
                    &pos,
                    format!(
                        "unknown `{}`: give vars naming a resource that does not exist",
                        u.value.name
                    ),
                );
            }
            unknown.push(Unknown {
                name: u.value.name,
                of_created: u.value.of_created,
                vars: specs,
                pos,
            });
        }
        let not_found = doc.not_found.value;
        Resource {
            vars,
            refused: self.expect(suite, doc.refused, &known, "resource.refused"),
            not_found_read: self.expect(suite, not_found.read, &known, "resource.not_found.read"),
            not_found_update: self.expect(
                suite,
                not_found.update,
                &known,
                "resource.not_found.update",
            ),
            create,
            read,
            update,
            echo: doc.echo.value,
            unknown,
            remove,
            idempotency_key: doc.idempotency_key.map(|k| k.value.to_ascii_lowercase()),
            status,
            existing,
        }
    }

    fn field(
        &mut self,
        name: &str,
        doc: FieldDoc,
        pos: Pos,
        known: &dyn Fn(&str) -> bool,
        resource: &Resource,
    ) -> Option<Field> {
        let before = self.errors.len();
        let vpos = self.pos(&doc.valid);
        let valid = match doc.valid.value.validate(known) {
            Ok(mut spec) => {
                spec.locate_discoveries(&vpos);
                Some(spec)
            }
            Err(e) => {
                self.error(&vpos, format!("field `{name}`: valid: {e}"));
                None
            }
        };
        let mut invalid = Vec::new();
        for (form, spec) in doc.invalid {
            let ipos = self.pos(&spec);
            match spec.value.validate(known) {
                Ok(mut spec) => {
                    spec.locate_discoveries(&ipos);
                    invalid.push((form, spec))
                }
                Err(e) => self.error(&ipos, format!("field `{name}`: invalid `{form}`: {e}")),
            }
        }
        let reads_back = match doc.reads_back {
            None => ReadBack::Same,
            Some(r) => {
                let rpos = self.pos(&r);
                match r.value {
                    ReadBackDoc::Same => ReadBack::Same,
                    ReadBackDoc::Boolean => ReadBack::Boolean,
                    ReadBackDoc::NumberOrString => ReadBack::NumberOrString,
                    ReadBackDoc::Nothing => ReadBack::Nothing,
                    ReadBackDoc::Date(readings) => {
                        // Each reading prints the sent date: a bad format
                        // panicked inside chrono when the check was built.
                        for reading in &readings {
                            if let Err(e) = value::check_printable(reading) {
                                self.error(&rpos, format!("field `{name}`: reads_back date: {e}"));
                            }
                        }
                        match valid.as_ref().and_then(ValueSpec::date_format) {
                            Some(sent) if !readings.is_empty() => ReadBack::Date {
                                sent: sent.to_string(),
                                readings,
                            },
                            Some(_) => {
                                self.error(&rpos, format!("field `{name}`: reads_back date: list the formats a read may show"));
                                ReadBack::Same
                            }
                            None => {
                                self.error(&rpos, format!("field `{name}`: reads_back date needs `valid` declared as a date"));
                                ReadBack::Same
                            }
                        }
                    }
                    ReadBackDoc::Items { key, value } => {
                        let fits = matches!(&valid, Some(ValueSpec::Array { items, .. })
                            if items.always_has_key(&key) && items.always_has_key(&value));
                        if !fits {
                            self.error(&rpos, format!("field `{name}`: reads_back items needs `valid` declared as an array of objects with `{key}` and `{value}`"));
                        }
                        ReadBack::Items { key, value }
                    }
                }
            }
        };
        if !doc.only_while.is_empty() && resource.status.is_none() {
            self.error(
                &pos,
                format!("field `{name}`: only_while needs resource.status (the field holding the status)"),
            );
        }
        if let Some(rule) = &resource.status {
            // A status no resource can be in makes the model refuse every
            // change of the field, and the properties fail a correct server.
            let declared: Vec<&str> = [Some(rule.created.as_str()), rule.removed.as_deref()]
                .into_iter()
                .chain([resource.existing.as_ref().map(|e| e.status.as_str())])
                .flatten()
                .collect();
            for status in &doc.only_while {
                if !declared.contains(&status.value.as_str()) {
                    let spos = self.pos(status);
                    self.error(
                        &spos,
                        format!(
                            "field `{name}`: only_while names status `{}`, which resource.status and resource.existing do not declare (declared: {})",
                            status.value,
                            declared.join(", ")
                        ),
                    );
                }
            }
        }
        if self.errors.len() > before {
            return None;
        }
        Some(Field {
            name: name.to_string(),
            valid: valid?,
            invalid,
            reads_back,
            also_changes: doc.also_changes,
            only_while: doc.only_while.into_iter().map(|s| s.value).collect(),
            unique: doc.unique,
            pos,
        })
    }
}

/// What stands for a declared step that did not lower (the file is refused).
fn placeholder_step(pos: &Pos) -> Step {
    Step::get(
        String::new(),
        Origin::File(pos.clone()),
        Template::literal("/"),
    )
}
