//! Reads suite directories into the validated model. Nothing here sends a
//! request: a bad case file is refused before anything runs.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;
use regex::Regex;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_json_path::JsonPath;
use serde_saphyr::{Location, Spanned};

use super::compiled;
use super::error::{LoadError, LoadErrors};
use super::model::*;
use super::read;
use super::schema;
use super::syntax::*;
use super::template::{JsonTemplate, Template};

/// The suite file's names, in the order they are looked for.
pub const SUITE_FILES: [&str; 3] = ["suite.yaml", "suite.yml", "suite.json"];
/// A suite's schema files live here; they are not case files.
pub const SCHEMA_DIR: &str = "schemas";
/// A suite's field declarations for generated partial updates
/// (`crate::properties`); they are not case files.
pub const PROPERTY_FILES: [&str; 3] = ["properties.yaml", "properties.yml", "properties.json"];
/// A suite's registry of documented statements, which cases name in
/// `checks:`; not a case file.
pub const STATEMENT_FILES: [&str; 3] = ["statements.yaml", "statements.yml", "statements.json"];
/// Case files bigger than this are refused rather than parsed.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Loads every suite under `root` (each subdirectory holding a suite file),
/// or only those named in `only`.
pub fn load_root(root: &Path, only: &[String]) -> Result<Vec<Suite>, LoadErrors> {
    let dirs = suite_dirs(root).map_err(|e| LoadErrors(vec![e]))?;
    let mut suites = Vec::new();
    let mut errors = Vec::new();
    for dir in &dirs {
        match load_suite(dir, None) {
            Ok(suite) => suites.push(suite),
            Err(LoadErrors(mut errs)) => errors.append(&mut errs),
        }
    }
    if !only.is_empty() {
        let known: Vec<String> = suites.iter().map(|s| s.name.clone()).collect();
        for name in only {
            if !known.contains(name) && errors.is_empty() {
                errors.push(LoadError::whole_file(
                    root,
                    format!(
                        "no suite named `{name}` (suites here: {})",
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    ),
                ));
            }
        }
        suites.retain(|s| only.contains(&s.name));
    }
    if errors.is_empty() {
        Ok(suites)
    } else {
        Err(LoadErrors(errors))
    }
}

/// What `verity check PATH` validates: a cases root, a suite directory, or a
/// single case file (together with its suite file, which declares its variables).
pub fn load_path(path: &Path) -> Result<Vec<Suite>, LoadErrors> {
    let one = |e: LoadError| LoadErrors(vec![e]);
    let meta = std::fs::metadata(path)
        .map_err(|e| one(LoadError::whole_file(path, format!("cannot read: {e}"))))?;
    if meta.is_dir() {
        if find_suite_file(path).is_some() {
            return load_suite(path, None).map(|s| vec![s]);
        }
        return load_root(path, &[]);
    }
    let mut dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    loop {
        if find_suite_file(&dir).is_some() {
            break;
        }
        match dir.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => dir = parent.to_path_buf(),
            _ => {
                return Err(one(LoadError::whole_file(
                    path,
                    "no suite file (suite.yaml) in this directory or above it: a case file belongs to a suite",
                )));
            }
        }
    }
    if SUITE_FILES
        .iter()
        .chain(PROPERTY_FILES.iter())
        .chain(STATEMENT_FILES.iter())
        .any(|n| path.file_name() == Some(n.as_ref()))
    {
        return load_suite(&dir, None).map(|s| vec![s]);
    }
    load_suite(&dir, Some(path)).map(|s| vec![s])
}

fn suite_dirs(root: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let entries = std::fs::read_dir(root).map_err(|e| {
        LoadError::whole_file(
            root,
            format!("cannot read the cases directory: {e} (pass --cases DIR; `verity init` writes the built-in suites here)"),
        )
    })?;
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir() && find_suite_file(p).is_some())
        .collect();
    dirs.sort();
    if dirs.is_empty() {
        return Err(LoadError::whole_file(
            root,
            "no suites here: a suite is a subdirectory holding suite.yaml",
        ));
    }
    Ok(dirs)
}

fn find_suite_file(dir: &Path) -> Option<PathBuf> {
    SUITE_FILES
        .iter()
        .map(|name| dir.join(name))
        .find(|p| p.is_file())
}

/// Loads a suite directory; with `only_file`, only that one case file.
pub fn load_suite(dir: &Path, only_file: Option<&Path>) -> Result<Suite, LoadErrors> {
    let Some(suite_file) = find_suite_file(dir) else {
        return Err(LoadErrors(vec![LoadError::whole_file(
            dir,
            "no suite.yaml in this directory",
        )]));
    };
    let mut cx = Loader::default();
    let Some(bytes) = cx.read(&suite_file) else {
        return Err(LoadErrors(cx.errors));
    };
    let Some(mut suite) = cx.suite(dir, &suite_file, &bytes) else {
        return Err(LoadErrors(cx.errors));
    };
    let files = match only_file {
        Some(file) => vec![file.to_path_buf()],
        None => {
            let (files, errors) = read::case_files(dir);
            cx.errors.extend(errors);
            files
        }
    };
    let mut names: BTreeMap<String, Pos> = BTreeMap::new();
    for (cases, errors) in case_files_loaded(&suite, &files) {
        cx.errors.extend(errors);
        cx.add_cases(&suite.name, &mut names, cases, &mut suite.cases);
    }
    cx.finish(suite)
}

/// The cases of one case file and the errors found in it.
type FileLoaded = (Vec<Case>, Vec<LoadError>);

/// Below this many case files a suite loads on one thread.
const FILES_PER_THREAD: usize = 16;

/// The cases and errors of each file, in the order of `files`. Files are
/// independent and a big suite is mostly YAML parsing, so they load on
/// every core.
fn case_files_loaded(suite: &Suite, files: &[PathBuf]) -> Vec<FileLoaded> {
    let load = |file: &PathBuf| -> FileLoaded {
        let mut cx = Loader::default();
        let cases = cx.case_file(suite, file);
        (cases, cx.errors)
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(files.len() / FILES_PER_THREAD)
        .max(1);
    if threads == 1 {
        return files.iter().map(load).collect();
    }
    // Each thread takes the next file not taken: files differ in size.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut loaded: Vec<(usize, FileLoaded)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(file) = files.get(i) else {
                            return mine;
                        };
                        mine.push((i, load(file)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| {
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    loaded.sort_by_key(|(i, _)| *i);
    loaded.into_iter().map(|(_, l)| l).collect()
}

/// Validates the content of a suite file as if read from `file` in `dir`
/// (schema files are read from `dir`); the suite has no cases yet. For tools
/// and tests that hold the text rather than a file; `load_suite` reads files.
pub fn suite_from_bytes(dir: &Path, file: &Path, bytes: &[u8]) -> Result<Suite, LoadErrors> {
    let mut cx = Loader::default();
    match cx.suite(dir, file, bytes) {
        Some(suite) => cx.finish(suite),
        None => Err(LoadErrors(cx.errors)),
    }
}

/// Validates the content of one case file as if read from `file`, against
/// `suite` (its variables and schemas), and returns its cases.
pub fn cases_from_bytes(suite: &Suite, file: &Path, bytes: &[u8]) -> Result<Vec<Case>, LoadErrors> {
    let mut cx = Loader::default();
    let cases = cx.case_bytes(suite, file, bytes);
    let mut kept = Vec::new();
    cx.add_cases(&suite.name, &mut BTreeMap::new(), cases, &mut kept);
    cx.finish(kept)
}

/// Validates a case built in memory rather than read from text (such as a
/// generated one) as if it came from `file`, against `suite`: the checks
/// [`cases_from_bytes`] makes, without writing or parsing text. Every
/// position is unknown (line 0).
pub fn case_from_doc(suite: &Suite, file: &Path, doc: CaseDoc) -> Result<Case, LoadErrors> {
    let mut cx = Loader::default();
    let file = Arc::new(file.to_path_buf());
    let unknown = Location::UNKNOWN;
    match cx.case(suite, &file, Spanned::new(doc, unknown, unknown)) {
        Some(case) => cx.finish(case),
        None => Err(LoadErrors(cx.errors)),
    }
}

/// Lowers one step written outside a case file (a declaration of
/// `properties.yaml`) as a case file's first step, against `suite`: `known`
/// holds the names it may read, and gains the names it captures.
pub fn step_from_doc(
    suite: &Suite,
    file: &Arc<PathBuf>,
    doc: Spanned<StepDoc>,
    known: &mut BTreeSet<String>,
) -> Result<Step, LoadErrors> {
    let mut cx = Loader::default();
    let step = cx.step(
        suite,
        file,
        doc,
        0,
        known,
        &mut StepNames::default(),
        &mut BTreeSet::new(),
    );
    match step {
        Some(step) => cx.finish(step),
        None => Err(LoadErrors(cx.errors)),
    }
}

/// Lowers one expectation written outside a case file, as the expectation
/// of a first step that may read `known`.
pub fn expect_from_doc(
    suite: &Suite,
    file: &Arc<PathBuf>,
    doc: Spanned<ExpectDoc>,
    known: &BTreeSet<String>,
) -> Result<Expect, LoadErrors> {
    let mut cx = Loader::default();
    let pos = spanned_pos(file, &doc);
    let mut this_step = StepNames::default();
    this_step.push("(this step)".to_string());
    let expect = cx.expect(
        suite,
        file,
        doc.value,
        pos,
        known,
        &this_step,
        &mut BTreeSet::new(),
    );
    cx.finish(expect)
}

/// Reads and parses another YAML or JSON file of a suite (such as its
/// property declarations) with the same limits and messages as case files.
pub fn doc_from_file<T: DeserializeOwned>(file: &Path, what: &str) -> Result<T, LoadErrors> {
    let mut cx = Loader::default();
    match cx
        .read(file)
        .and_then(|bytes| cx.parse_bytes(file, &bytes, what))
    {
        Some(doc) => cx.finish(doc),
        None => Err(LoadErrors(cx.errors)),
    }
}

/// [`doc_from_file`] of bytes held rather than read, as if read from `file`.
pub fn doc_from_bytes<T: DeserializeOwned>(
    file: &Path,
    bytes: &[u8],
    what: &str,
) -> Result<T, LoadErrors> {
    let mut cx = Loader::default();
    match cx.parse_bytes(file, bytes, what) {
        Some(doc) => cx.finish(doc),
        None => Err(LoadErrors(cx.errors)),
    }
}

const SUITE_FILE_WHAT: &str = "a suite (name, base_path, variables, ...)";
const CASE_FILE_WHAT: &str = "`cases:` with a list of cases";

#[derive(Default)]
struct Loader {
    errors: Vec<LoadError>,
}

impl Loader {
    /// Adds cases to the suite, refusing a name already taken in it.
    fn add_cases(
        &mut self,
        suite: &str,
        names: &mut BTreeMap<String, Pos>,
        cases: Vec<Case>,
        kept: &mut Vec<Case>,
    ) {
        for case in cases {
            if let Some(first) = names.get(&case.name) {
                self.error(
                    case.origin.pos(),
                    format!(
                        "duplicate case name `{}` in suite `{suite}` (first at {first})",
                        case.name
                    ),
                );
                continue;
            }
            names.insert(case.name.clone(), case.origin.pos().clone());
            kept.push(case);
        }
    }

    /// What was loaded, unless anything was refused.
    fn finish<T>(self, loaded: T) -> Result<T, LoadErrors> {
        if self.errors.is_empty() {
            Ok(loaded)
        } else {
            Err(LoadErrors(self.errors))
        }
    }
}

fn pos_of(file: &Arc<PathBuf>, loc: &Location) -> Pos {
    Pos {
        file: file.clone(),
        line: loc.line(),
        column: loc.column(),
    }
}

fn spanned_pos<T>(file: &Arc<PathBuf>, s: &Spanned<T>) -> Pos {
    pos_of(file, &s.referenced)
}

impl Loader {
    fn error(&mut self, pos: &Pos, message: impl Into<String>) {
        self.errors.push(LoadError::new(
            &pos.file,
            pos.line,
            pos.column,
            message.into(),
        ));
    }

    fn read(&mut self, file: &Path) -> Option<Vec<u8>> {
        read::read(file).map_err(|e| self.errors.push(e)).ok()
    }

    fn parse_bytes<T: DeserializeOwned>(
        &mut self,
        file: &Path,
        bytes: &[u8],
        what: &str,
    ) -> Option<T> {
        read::parse_bytes(file, bytes, what)
            .map_err(|e| self.errors.push(e))
            .ok()
    }

    fn suite(&mut self, dir: &Path, suite_file: &Path, bytes: &[u8]) -> Option<Suite> {
        let doc: SuiteDoc = self.parse_bytes(suite_file, bytes, SUITE_FILE_WHAT)?;
        let file = Arc::new(suite_file.to_path_buf());
        let name = doc.name.value.trim().to_string();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            self.error(
                &spanned_pos(&file, &doc.name),
                format!("suite name `{name}` must be letters, digits, `_` or `-`"),
            );
        }
        let mut variables = IndexMap::new();
        for (var_name, decl) in doc.variables {
            let pos = spanned_pos(&file, &decl);
            if !valid_name(&var_name) {
                self.error(
                    &pos,
                    format!("variable name `{var_name}` must be letters, digits, `_` or `-`"),
                );
            }
            let decl = decl.value;
            if decl.required && decl.default.is_some() {
                self.error(
                    &pos,
                    format!("variable `{var_name}` is `required` and has a `default`: keep one"),
                );
            }
            variables.insert(
                var_name,
                Variable {
                    default: decl.default,
                    secret: decl.secret,
                    required: decl.required,
                    description: decl.description,
                },
            );
        }
        let known: BTreeSet<String> = variables.keys().cloned().collect();
        let mut headers = IndexMap::new();
        for (header, value) in doc.headers {
            let pos = spanned_pos(&file, &value);
            if !is_header_name(&header) {
                self.error(&pos, not_a_header_name(&header));
                continue;
            }
            let template = value
                .value
                .as_deref()
                .and_then(|text| self.header_value(text, &pos, &known, &header));
            headers.insert(header.to_ascii_lowercase(), template);
        }
        let mut schemas = BTreeMap::new();
        for (schema_name, decl) in doc.schemas {
            let pos = spanned_pos(&file, &decl);
            if let Some(schema) = self.schema(dir, &schema_name, decl.value, &pos) {
                schemas.insert(schema_name, schema);
            }
        }
        let snapshots = doc.snapshots.map(|spec| self.snapshot_spec(&file, spec));
        let base_path = match doc.base_path {
            Some(given) => {
                let path = given.value.trim_end_matches('/').to_string();
                if !path.is_empty() && !path.starts_with('/') {
                    self.error(
                        &spanned_pos(&file, &given),
                        format!("base_path `{path}` must start with `/`"),
                    );
                }
                path
            }
            None => String::new(),
        };
        // A bad registry stops the suite here, as a bad suite file does:
        // every `checks:` would otherwise be refused as well.
        let statements = match super::statements::load(dir) {
            Ok(registry) => registry,
            Err(LoadErrors(errors)) => {
                self.errors.extend(errors);
                return None;
            }
        };
        Some(Suite {
            name,
            description: doc.description,
            dir: dir.to_path_buf(),
            base_path,
            reference: doc.reference.map(|r| r.value),
            headers,
            variables,
            schemas,
            pacing: doc.pacing.map(|p| Pacing {
                step_interval_ms: p.value.step_interval_ms,
            }),
            snapshots,
            statements,
            cases: Vec::new(),
        })
    }

    fn redactions(
        &mut self,
        file: &Arc<PathBuf>,
        docs: Vec<Spanned<RedactDoc>>,
        what: &str,
    ) -> Vec<Redaction> {
        let mut redactions = Vec::new();
        for redaction in docs {
            let pos = spanned_pos(file, &redaction);
            let RedactDoc { path, regex, label } = redaction.value;
            let target = match (path, regex) {
                (Some(source), None) => self
                    .jsonpath(&source, &pos)
                    .map(|path| RedactTarget::Path { source, path }),
                (None, Some(re)) => self.regex(&re, &pos).map(RedactTarget::Regex),
                _ => {
                    self.error(
                        &pos,
                        format!("{what}: give exactly one of `path` or `regex`"),
                    );
                    None
                }
            };
            let label = label.unwrap_or_else(|| "[redacted]".to_string());
            if label.is_empty() {
                self.error(
                    &pos,
                    format!("{what}: `as` is empty: a redacted value needs a visible label"),
                );
                continue;
            }
            if let Some(target) = target {
                redactions.push(Redaction {
                    target,
                    label,
                    origin: Origin::File(pos),
                });
            }
        }
        redactions
    }

    fn snapshot_spec(&mut self, file: &Arc<PathBuf>, doc: Spanned<SnapshotsDoc>) -> SnapshotSpec {
        let mut spec = SnapshotSpec::default();
        for header in doc.value.headers {
            let pos = spanned_pos(file, &header);
            let name = header.value.trim().to_ascii_lowercase();
            if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
                self.error(
                    &pos,
                    format!("snapshots.headers: `{name}` is not a header name"),
                );
            } else if !spec.headers.contains(&name) {
                spec.headers.push(name);
            }
        }
        spec.redactions = self.redactions(file, doc.value.redact, "snapshots.redact");
        spec
    }

    fn schema(&mut self, dir: &Path, name: &str, decl: SchemaDoc, pos: &Pos) -> Option<Schema> {
        let document = match (&decl.file, decl.inline) {
            (Some(_), Some(_)) => {
                self.error(
                    pos,
                    format!("schema `{name}`: give `file` or `inline`, not both"),
                );
                return None;
            }
            (None, None) => {
                self.error(
                    pos,
                    format!("schema `{name}`: give `file` (a JSON file) or `inline`"),
                );
                return None;
            }
            (None, Some(inline)) => inline,
            (Some(path), None) => {
                let full = dir.join(path);
                match read::json_file(&full) {
                    Ok(v) => v,
                    Err(e) => {
                        self.error(pos, format!("schema `{name}`: {e}"));
                        return None;
                    }
                }
            }
        };
        let root = match schema::schema_from_document(document, decl.pointer.as_deref()) {
            Ok(root) => root,
            Err(e) => {
                self.error(pos, format!("schema `{name}`: {e}"));
                return None;
            }
        };
        match schema::compile(&root) {
            Ok(validator) => Some(Schema {
                name: name.to_string(),
                description: decl.description,
                validator,
            }),
            Err(e) => {
                self.error(
                    pos,
                    format!("schema `{name}` is not a valid JSON Schema: {e}"),
                );
                None
            }
        }
    }

    /// A header value's template; its written parts must be valid in a
    /// header (no line break: it would end the header, or be refused at
    /// send time), substituted values are checked when sent.
    fn header_value(
        &mut self,
        text: &str,
        pos: &Pos,
        known: &BTreeSet<String>,
        name: &str,
    ) -> Option<Template> {
        let template = self.template(text, pos, known, &format!("header `{name}`"))?;
        let bad = template.parts().iter().any(|part| {
            matches!(part, super::template::Part::Literal(text)
                if reqwest::header::HeaderValue::from_bytes(text.as_bytes()).is_err())
        });
        if bad {
            self.error(
                pos,
                format!("header `{name}`: the value holds a line break or another control character; a header value is one line of text"),
            );
            return None;
        }
        Some(template)
    }

    /// An echo compares the fields of the JSON body a step sent: refused
    /// when that step sends no body, which would fail every run.
    fn echoes_of_bodies(&mut self, steps: &[Step]) {
        fn echoes<'a>(expect: &'a Expect, out: &mut Vec<&'a Echo>) {
            out.extend(expect.echo.iter());
            for alternative in &expect.any_of {
                echoes(alternative, out);
            }
        }
        for (index, step) in steps.iter().enumerate() {
            let mut found = Vec::new();
            echoes(&step.expect, &mut found);
            for echo in found {
                let Some(sent) = steps.get(echo.of.index(index)) else {
                    continue;
                };
                if sent.request.body.is_none() {
                    self.error(
                        echo.origin.pos(),
                        format!("echo of step `{}`, which sends no body: echo compares the fields of the JSON object a request sends (give that request `json:`, or drop the echo)", sent.name),
                    );
                }
            }
        }
    }

    fn template(
        &mut self,
        text: &str,
        pos: &Pos,
        known: &BTreeSet<String>,
        what: &str,
    ) -> Option<Template> {
        match Template::parse(text) {
            Ok(t) => {
                let mut ok = true;
                for var in t.variables() {
                    if !known.contains(var) {
                        ok = false;
                        self.error(pos, unknown_variable(var, known, what));
                    }
                }
                ok.then_some(t)
            }
            Err(e) => {
                self.error(pos, format!("in {what}: {e}"));
                None
            }
        }
    }

    /// Parses the strings of a JSON value as templates, checking their
    /// variables; a string in error stands as `null` (the case is refused).
    fn json_template(
        &mut self,
        value: &Value,
        pos: &Pos,
        known: &BTreeSet<String>,
        what: &str,
        uses: &mut BTreeSet<String>,
    ) -> JsonTemplate {
        fn walk(
            cx: &mut Loader,
            value: &Value,
            pos: &Pos,
            known: &BTreeSet<String>,
            what: &str,
            at: &str,
            uses: &mut BTreeSet<String>,
        ) -> JsonTemplate {
            match value {
                Value::String(text) => {
                    let place = if at.is_empty() {
                        what.to_string()
                    } else {
                        format!("{what} at {at}")
                    };
                    match cx.template(text, pos, known, &place) {
                        Some(t) => {
                            uses.extend(t.variables().map(String::from));
                            JsonTemplate::String(t)
                        }
                        None => JsonTemplate::Plain(Value::Null),
                    }
                }
                Value::Array(items) => JsonTemplate::Array(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, item)| {
                            walk(cx, item, pos, known, what, &format!("{at}/{i}"), uses)
                        })
                        .collect(),
                ),
                Value::Object(map) => JsonTemplate::Object(
                    map.iter()
                        .map(|(k, v)| {
                            let item = walk(cx, v, pos, known, what, &format!("{at}/{k}"), uses);
                            (k.clone(), item)
                        })
                        .collect(),
                ),
                plain => JsonTemplate::Plain(plain.clone()),
            }
        }
        walk(self, value, pos, known, what, "", uses)
    }

    fn case_file(&mut self, suite: &Suite, path: &Path) -> Vec<Case> {
        match self.read(path) {
            Some(bytes) => self.case_bytes(suite, path, &bytes),
            None => Vec::new(),
        }
    }

    fn case_bytes(&mut self, suite: &Suite, path: &Path, bytes: &[u8]) -> Vec<Case> {
        let Some(doc) = self.parse_bytes::<CaseFileDoc>(path, bytes, CASE_FILE_WHAT) else {
            return Vec::new();
        };
        let file = Arc::new(path.to_path_buf());
        if doc.cases.is_empty() {
            self.errors.push(LoadError::new(
                path,
                1,
                1,
                "`cases:` is empty: a case file holds at least one case",
            ));
        }
        doc.cases
            .into_iter()
            .filter_map(|case| self.case(suite, &file, case))
            .collect()
    }

    fn case(&mut self, suite: &Suite, file: &Arc<PathBuf>, doc: Spanned<CaseDoc>) -> Option<Case> {
        let pos = spanned_pos(file, &doc);
        let errors_before = self.errors.len();
        let doc = doc.value;
        let name = doc.name.value.trim().to_string();
        if name.is_empty() {
            self.error(&spanned_pos(file, &doc.name), "case name is empty");
        }
        let suite_vars: BTreeSet<String> = suite.variables.keys().cloned().collect();
        let mut known = suite_vars.clone();
        let mut uses: BTreeSet<String> = suite
            .headers
            .values()
            .flatten()
            .flat_map(|t| t.variables().map(String::from).collect::<Vec<_>>())
            .collect();
        let mut vars = IndexMap::new();
        for (var_name, text) in doc.vars {
            let vpos = spanned_pos(file, &text);
            if !valid_name(&var_name) {
                self.error(
                    &vpos,
                    format!("variable name `{var_name}` must be letters, digits, `_` or `-`"),
                );
            }
            if let Some(t) = self.template(&text.value, &vpos, &known, &format!("vars.{var_name}"))
            {
                uses.extend(t.variables().map(String::from));
                vars.insert(var_name.clone(), t);
            }
            known.insert(var_name);
        }
        if doc.steps.is_empty() {
            self.error(&pos, format!("case `{name}` has no steps"));
        }
        let mut steps: Vec<Step> = Vec::new();
        let mut step_names = StepNames::default();
        for (index, step_doc) in doc.steps.into_iter().enumerate() {
            if let Some(step) = self.step(
                suite,
                file,
                step_doc,
                index,
                &mut known,
                &mut step_names,
                &mut uses,
            ) {
                steps.push(step);
            }
        }
        if self.errors.len() == errors_before {
            self.echoes_of_bodies(&steps);
        }
        if self.errors.len() > errors_before {
            return None;
        }
        let mut case = Case {
            name,
            description: doc.description.trim().to_string(),
            doc: doc.doc.trim().to_string(),
            checks: statement_refs(file, doc.checks),
            strict: doc.strict,
            origin: Origin::File(pos),
            vars,
            steps,
            uses_variables: uses
                .into_iter()
                .filter(|v| suite_vars.contains(v))
                .collect(),
        };
        let refused = super::statements::check_case(suite, &case);
        if !refused.is_empty() {
            self.errors.extend(refused);
            return None;
        }
        if let Some(registry) = &suite.statements {
            super::verdict::mark_case(&mut case, &|refs| registry.advisory(refs));
        }
        Some(case)
    }

    #[allow(clippy::too_many_arguments)]
    fn step(
        &mut self,
        suite: &Suite,
        file: &Arc<PathBuf>,
        doc: Spanned<StepDoc>,
        index: usize,
        known: &mut BTreeSet<String>,
        step_names: &mut StepNames,
        uses: &mut BTreeSet<String>,
    ) -> Option<Step> {
        let pos = spanned_pos(file, &doc);
        let errors_before = self.errors.len();
        let doc = doc.value;
        let name = match &doc.name {
            Some(n) => {
                let text = n.value.trim().to_string();
                if step_names.contains(&text) {
                    self.error(
                        &spanned_pos(file, n),
                        format!("duplicate step name `{text}` in this case"),
                    );
                }
                text
            }
            None => format!("#{}", index + 1),
        };
        let request = self.request(file, doc.request, known, uses);
        step_names.push(name.clone());
        let expect = match doc.expect {
            Some(e) => {
                let epos = spanned_pos(file, &e);
                self.expect(suite, file, e.value, epos, known, step_names, uses)
            }
            None => Expect::default(),
        };
        let mut captures = Vec::new();
        for (cap_name, cap) in doc.capture {
            let cpos = spanned_pos(file, &cap);
            if !valid_name(&cap_name) {
                self.error(
                    &cpos,
                    format!("capture name `{cap_name}` must be letters, digits, `_` or `-`"),
                );
            }
            if suite.variables.contains_key(&cap_name) {
                self.error(
                    &cpos,
                    format!("capture `{cap_name}` would hide the suite variable of that name"),
                );
            }
            let source = match cap.value {
                CaptureDoc::JsonPath(p) => self
                    .jsonpath(&p, &cpos)
                    .map(|path| CaptureSource::JsonPath { source: p, path }),
                CaptureDoc::Options(o) => {
                    match (o.jsonpath, o.header) {
                        (Some(p), None) => self
                            .jsonpath(&p, &cpos)
                            .map(|path| CaptureSource::JsonPath { source: p, path }),
                        (None, Some(h)) if !is_header_name(&h) => {
                            self.error(
                                &cpos,
                                format!("capture `{cap_name}`: {}", not_a_header_name(&h)),
                            );
                            None
                        }
                        (None, Some(h)) => Some(CaptureSource::Header(h.to_ascii_lowercase())),
                        _ => {
                            self.error(&cpos, format!("capture `{cap_name}`: give exactly one of `jsonpath` or `header`"));
                            None
                        }
                    }
                }
            };
            if let Some(source) = source {
                captures.push(Capture {
                    name: cap_name.clone(),
                    source,
                    origin: Origin::File(cpos),
                });
            }
            known.insert(cap_name);
        }
        let snapshot_redactions = match doc.snapshot {
            Some(snapshot) => self.redactions(file, snapshot.value.redact, "snapshot.redact"),
            None => Vec::new(),
        };
        if self.errors.len() > errors_before {
            return None;
        }
        Some(Step {
            name,
            origin: Origin::File(pos),
            request: request?,
            expect,
            captures,
            snapshot_redactions,
        })
    }

    fn request(
        &mut self,
        file: &Arc<PathBuf>,
        doc: Spanned<RequestDoc>,
        known: &BTreeSet<String>,
        uses: &mut BTreeSet<String>,
    ) -> Option<Request> {
        let pos = spanned_pos(file, &doc);
        let doc = doc.value;
        let method_pos = spanned_pos(file, &doc.method);
        let method = Method::parse(doc.method.value.trim());
        if method.is_none() {
            self.error(
                &method_pos,
                format!(
                    "`{}` is not an HTTP method (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS)",
                    doc.method.value
                ),
            );
        }
        let path_pos = spanned_pos(file, &doc.path);
        if !doc.path.value.starts_with('/') {
            self.error(
                &path_pos,
                format!("path `{}` must start with `/`", doc.path.value),
            );
        }
        if doc.path.value.contains('?') {
            self.error(
                &path_pos,
                "put query parameters under `query:`, not in the path",
            );
        }
        let path = self.template(&doc.path.value, &path_pos, known, "path");
        let mut query = Vec::new();
        for (qname, value) in doc.query {
            let qpos = spanned_pos(file, &value);
            let texts = match value.value {
                QueryValueDoc::One(v) => vec![v],
                QueryValueDoc::Many(vs) => vs,
            };
            for text in texts {
                if let Some(t) = self.template(&text, &qpos, known, &format!("query `{qname}`")) {
                    query.push((qname.clone(), t));
                }
            }
        }
        let mut headers = IndexMap::new();
        for (hname, value) in doc.headers {
            let hpos = spanned_pos(file, &value);
            if !is_header_name(&hname) {
                self.error(&hpos, not_a_header_name(&hname));
                continue;
            }
            let template = match value.value {
                Some(text) => self.header_value(&text, &hpos, known, &hname).map(Some),
                None => Some(None),
            };
            if let Some(t) = template {
                headers.insert(hname.to_ascii_lowercase(), t);
            }
        }
        let body = match (doc.json, doc.raw) {
            (Some(_), Some(r)) => {
                self.error(
                    &spanned_pos(file, &r),
                    "give `json` or `raw` as the body, not both",
                );
                None
            }
            (Some(json), None) => {
                let jpos = spanned_pos(file, &json);
                Some(Body::Json(self.json_template(
                    &json.value,
                    &jpos,
                    known,
                    "json body",
                    uses,
                )))
            }
            (None, Some(raw)) => {
                let rpos = spanned_pos(file, &raw);
                self.template(&raw.value, &rpos, known, "raw body")
                    .map(Body::Raw)
            }
            (None, None) => None,
        };
        for t in path
            .iter()
            .chain(query.iter().map(|(_, t)| t))
            .chain(headers.values().flatten())
        {
            uses.extend(t.variables().map(String::from));
        }
        if let Some(Body::Raw(t)) = &body {
            uses.extend(t.variables().map(String::from));
        }
        let _ = pos;
        Some(Request {
            method: method?,
            path: path?,
            query,
            headers,
            body,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn expect(
        &mut self,
        suite: &Suite,
        file: &Arc<PathBuf>,
        doc: ExpectDoc,
        pos: Pos,
        known: &BTreeSet<String>,
        steps: &StepNames,
        uses: &mut BTreeSet<String>,
    ) -> Expect {
        let mut expect = Expect {
            checks: statement_refs(file, doc.checks),
            origin: Some(Origin::File(pos)),
            ..Expect::default()
        };
        if let Some(status) = doc.status {
            let spos = spanned_pos(file, &status);
            expect.status = Some(StatusExpect {
                patterns: status
                    .value
                    .0
                    .into_iter()
                    .map(|p| match p {
                        StatusPatternDoc::Code(c) => StatusPattern::Code(c),
                        StatusPatternDoc::Class(c) => StatusPattern::Class(c),
                    })
                    .collect(),
                origin: Origin::File(spos),
            });
        }
        for (hname, matcher) in doc.headers {
            let hpos = spanned_pos(file, &matcher);
            if !is_header_name(&hname) {
                self.error(&hpos, not_a_header_name(&hname));
                continue;
            }
            let name = hname.to_ascii_lowercase();
            let m = match matcher.value {
                HeaderMatchDoc::Equals(text) => self
                    .template(&text, &hpos, known, &format!("header `{hname}`"))
                    .map(HeaderMatcher::Equals),
                HeaderMatchDoc::Options(o) => {
                    let given = [
                        o.equals.is_some(),
                        o.regex.is_some(),
                        o.present.is_some(),
                        o.absent.is_some(),
                    ]
                    .iter()
                    .filter(|b| **b)
                    .count();
                    if given != 1 {
                        self.error(&hpos, format!("header `{hname}`: give exactly one of equals, regex, present, absent"));
                        None
                    } else if let Some(text) = o.equals {
                        self.template(&text, &hpos, known, &format!("header `{hname}`"))
                            .map(HeaderMatcher::Equals)
                    } else if let Some(re) = o.regex {
                        self.pattern(&re, &hpos, known).map(HeaderMatcher::Regex)
                    } else if o.present == Some(true) || o.absent == Some(false) {
                        Some(HeaderMatcher::Present)
                    } else {
                        Some(HeaderMatcher::Absent)
                    }
                }
            };
            if let Some(matcher) = m {
                match &matcher {
                    HeaderMatcher::Equals(t) => uses.extend(t.variables().map(String::from)),
                    HeaderMatcher::Regex(p) => uses.extend(p.source.variables().map(String::from)),
                    _ => {}
                }
                expect.headers.push(HeaderExpect {
                    name,
                    matcher,
                    origin: Origin::File(hpos),
                });
            }
        }
        if let Some(body) = doc.body {
            let bpos = spanned_pos(file, &body);
            let body = body.value;
            if let Some(empty) = body.empty {
                expect.body.push(BodyExpect::Empty {
                    empty,
                    origin: Origin::File(bpos.clone()),
                });
            }
            if let Some(json) = body.json {
                let jpos = spanned_pos(file, &json);
                let value = self.json_template(&json.value, &jpos, known, "body.json", uses);
                expect.body.push(BodyExpect::Json {
                    value,
                    origin: Origin::File(jpos),
                });
            }
            if let Some(subset) = body.subset {
                let spos = spanned_pos(file, &subset);
                let value = self.json_template(&subset.value, &spos, known, "body.subset", uses);
                expect.body.push(BodyExpect::Subset {
                    value,
                    origin: Origin::File(spos),
                });
            }
            for assert in body.paths {
                let apos = spanned_pos(file, &assert);
                if let Some(a) = self.path_assert(assert.value, apos, known, uses) {
                    expect.body.push(BodyExpect::Path(a));
                }
            }
        }
        if let Some(schema) = doc.schema {
            let spos = spanned_pos(file, &schema);
            if suite.schemas.contains_key(&schema.value) {
                expect.schema = Some(SchemaRef {
                    name: schema.value,
                    origin: Origin::File(spos),
                });
            } else {
                let known: Vec<&String> = suite.schemas.keys().collect();
                self.error(
                    &spos,
                    format!(
                        "unknown schema `{}` (suite `{}` declares: {})",
                        schema.value,
                        suite.name,
                        if known.is_empty() {
                            "none".into()
                        } else {
                            known
                                .iter()
                                .map(|s| s.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        }
                    ),
                );
            }
        }
        if let Some(echo) = doc.echo {
            let epos = spanned_pos(file, &echo);
            let current = steps.len() - 1;
            match echo.value {
                EchoDoc::Flag(false) => {}
                EchoDoc::Flag(true) => {
                    expect.echo = Some(Echo {
                        of: EchoOf::ThisStep,
                        ignore: Vec::new(),
                        origin: Origin::File(epos),
                    })
                }
                EchoDoc::Options(o) => {
                    let of = match &o.of {
                        None => Some(EchoOf::ThisStep),
                        Some(of) => {
                            let found = steps.position(of);
                            if found.is_none() {
                                self.error(
                                    &epos,
                                    format!(
                                        "echo of unknown step `{of}` (steps so far: {})",
                                        steps.list.join(", ")
                                    ),
                                );
                            }
                            found.map(|i| {
                                if i == current {
                                    EchoOf::ThisStep
                                } else {
                                    EchoOf::Step(i)
                                }
                            })
                        }
                    };
                    if let Some(of) = of {
                        expect.echo = Some(Echo {
                            of,
                            ignore: o.ignore,
                            origin: Origin::File(epos),
                        });
                    }
                }
            }
        }
        if let Some(unchanged) = doc.unchanged {
            let upos = spanned_pos(file, &unchanged);
            let u = unchanged.value;
            if !known.contains(&u.of) {
                self.error(&upos, unknown_variable(&u.of, known, "unchanged.of"));
            } else {
                uses.insert(u.of.clone());
                expect.unchanged = Some(Unchanged {
                    of: u.of,
                    except: u.except,
                    origin: Origin::File(upos),
                });
            }
        }
        for alternative in doc.any_of {
            let apos = spanned_pos(file, &alternative);
            expect.any_of.push(self.expect(
                suite,
                file,
                alternative.value,
                apos,
                known,
                steps,
                uses,
            ));
        }
        expect
    }

    fn path_assert(
        &mut self,
        doc: PathAssertDoc,
        pos: Pos,
        known: &BTreeSet<String>,
        uses: &mut BTreeSet<String>,
    ) -> Option<PathAssert> {
        let errors_before = self.errors.len();
        let path = self.jsonpath(&doc.path, &pos)?;
        let mut predicates = Vec::new();
        if let Some(v) = doc.equals {
            let value = self.json_template(&v, &pos, known, "equals", uses);
            predicates.push(Predicate::Equals(value));
        }
        if let Some(t) = doc.type_ {
            match JsonType::parse(&t) {
                Some(t) => predicates.push(Predicate::Type(t)),
                None => {
                    let names: Vec<&str> = JsonType::NAMES.iter().map(|(n, _)| *n).collect();
                    self.error(
                        &pos,
                        format!("unknown type `{t}` (one of {})", names.join(", ")),
                    );
                }
            }
        }
        if let Some(re) = doc.regex.and_then(|re| self.pattern(&re, &pos, known)) {
            uses.extend(re.source.variables().map(String::from));
            predicates.push(Predicate::Regex(re));
        }
        match (doc.present, doc.absent) {
            (Some(true), _) | (_, Some(false)) => predicates.push(Predicate::Present),
            (Some(false), _) | (_, Some(true)) => predicates.push(Predicate::Absent),
            _ => {}
        }
        if let Some(values) = doc.one_of {
            if values.is_empty() {
                self.error(&pos, "`one_of` is empty: nothing could match");
            }
            let values = values
                .iter()
                .map(|v| self.json_template(v, &pos, known, "one_of", uses))
                .collect();
            predicates.push(Predicate::OneOf(values));
        }
        if let Some(v) = doc.contains {
            let value = self.json_template(&v, &pos, known, "contains", uses);
            predicates.push(Predicate::Contains(value));
        }
        if let Some(n) = doc.count {
            predicates.push(Predicate::Count(n));
        }
        if self.errors.len() > errors_before {
            // A predicate was refused: "asserts nothing" would only add noise.
            return None;
        }
        if predicates.is_empty() {
            self.error(
                &pos,
                format!("path `{}` asserts nothing: add equals, type, regex, present, absent, one_of, contains or count", doc.path),
            );
            return None;
        }
        if doc.optional
            && predicates.iter().any(|p| {
                matches!(
                    p,
                    Predicate::Present | Predicate::Absent | Predicate::Count(_)
                )
            })
        {
            self.error(
                &pos,
                "`optional` cannot be combined with present, absent or count",
            );
            return None;
        }
        Some(PathAssert {
            source: doc.path,
            path,
            predicates,
            optional: doc.optional,
            checks: doc
                .checks
                .into_iter()
                .map(|id| StatementRef {
                    id: id.trim().to_string(),
                    origin: Origin::File(pos.clone()),
                })
                .collect(),
            advisory: false,
            origin: Origin::File(pos),
        })
    }

    fn jsonpath(&mut self, text: &str, pos: &Pos) -> Option<JsonPath> {
        match compiled::jsonpath(text) {
            Ok(p) => Some(p),
            Err(e) => {
                let hint = if text.trim_start().starts_with('$') {
                    ""
                } else {
                    " (a JSONPath starts with `$`, e.g. `$.memberId`)"
                };
                self.error(
                    pos,
                    format!("`{text}` is not a JSONPath (RFC 9535): {e}{hint}"),
                );
                None
            }
        }
    }

    fn pattern(&mut self, text: &str, pos: &Pos, known: &BTreeSet<String>) -> Option<Pattern> {
        let source = self.template(text, pos, known, "regex")?;
        if source.is_literal() {
            let fixed = self.regex(&source.literal_text().unwrap_or_default(), pos)?;
            return Some(Pattern {
                source,
                fixed: Some(fixed),
            });
        }
        // Placeholders become plain text at run time; a probe value shows
        // whether the rest of the pattern compiles.
        let probe: String = source
            .parts()
            .iter()
            .map(|p| match p {
                super::template::Part::Literal(t) => t.clone(),
                _ => "x".to_string(),
            })
            .collect();
        self.regex(&probe, pos)?;
        Some(Pattern {
            source,
            fixed: None,
        })
    }

    fn regex(&mut self, text: &str, pos: &Pos) -> Option<Regex> {
        match compiled::regex(text) {
            Ok(r) => Some(r),
            Err(e) => {
                let message = e.to_string();
                let first = message.lines().last().unwrap_or_default().trim();
                let first = first.strip_prefix("error: ").unwrap_or(first);
                self.error(pos, format!("`{text}` is not a valid regex: {first}"));
                None
            }
        }
    }
}

fn statement_refs(file: &Arc<PathBuf>, ids: Vec<Spanned<String>>) -> Vec<StatementRef> {
    ids.into_iter()
        .map(|id| StatementRef {
            origin: Origin::File(spanned_pos(file, &id)),
            id: id.value.trim().to_string(),
        })
        .collect()
}

fn is_header_name(name: &str) -> bool {
    reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_ok()
}

fn not_a_header_name(name: &str) -> String {
    let hint = if name.trim_end().ends_with(':') {
        ": write it without the `:`"
    } else if name.contains(char::is_whitespace) {
        ": a header name holds no spaces"
    } else {
        ""
    };
    format!("`{name}` is not a valid header name{hint}")
}

/// The names of a case's steps so far, indexed: looking a name up was a
/// scan of all of them, and each step copied the list, so `verity check`
/// grew with the square of a case's steps (20 s at 34,000).
#[derive(Default)]
struct StepNames {
    list: Vec<String>,
    first: HashMap<String, usize>,
}

impl StepNames {
    fn push(&mut self, name: String) {
        self.first.entry(name.clone()).or_insert(self.list.len());
        self.list.push(name);
    }

    fn contains(&self, name: &str) -> bool {
        self.first.contains_key(name)
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.first.get(name).copied()
    }

    fn len(&self) -> usize {
        self.list.len()
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn unknown_variable(name: &str, known: &BTreeSet<String>, what: &str) -> String {
    let list: Vec<&str> = known.iter().map(String::as_str).collect();
    format!(
        "unknown variable `${{{name}}}` in {what} (known here: {})",
        if list.is_empty() {
            "none".to_string()
        } else {
            list.join(", ")
        }
    )
}

/// Names of every case file the loader would read, for `verity list`.
pub fn suite_case_files(dir: &Path) -> Vec<PathBuf> {
    read::case_files(dir).0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Big suites load on several threads; what they load, and what they
    /// refuse, comes out in file order as one thread would give it.
    #[test]
    fn a_suite_of_many_files_loads_in_file_order() {
        let dir = tempfile::tempdir().unwrap();
        let suite = dir.path().join("s");
        std::fs::create_dir(&suite).unwrap();
        std::fs::write(suite.join("suite.yaml"), "name: s\n").unwrap();
        let case = |name: &str| {
            format!(
                "cases:\n  - name: {name}\n    steps:\n      - request: {{method: GET, path: /x}}\n"
            )
        };
        let files = FILES_PER_THREAD * 4 + 3;
        for i in 0..files {
            let text = match i {
                5 => "cases: [{name: broken}]\n".to_string(),
                40 => case("c10"),
                _ => case(&format!("c{i}")),
            };
            std::fs::write(suite.join(format!("f{i:03}.yaml")), text).unwrap();
        }
        let errors = load_suite(&suite, None).unwrap_err().0;
        let places: Vec<String> = errors
            .iter()
            .map(|e| {
                let text = e.to_string();
                text.split(':')
                    .next()
                    .unwrap_or_default()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(places, ["f005.yaml", "f040.yaml"], "{errors:?}");
        assert!(
            errors[1].to_string().contains("duplicate case name `c10`"),
            "{errors:?}"
        );

        std::fs::write(suite.join("f005.yaml"), case("c5")).unwrap();
        std::fs::write(suite.join("f040.yaml"), case("c40")).unwrap();
        let loaded = load_suite(&suite, None).unwrap();
        let names: Vec<&str> = loaded.cases.iter().map(|c| c.name.as_str()).collect();
        let expected: Vec<String> = (0..files).map(|i| format!("c{i}")).collect();
        assert_eq!(names, expected);
    }
}
