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

mod case;
mod expect;
mod request;
mod step;
mod suite;

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
    let mut scope = Scope::new(suite, file, std::mem::take(known));
    let step = cx.step(&mut scope, doc, 0);
    *known = scope.known;
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
    let mut scope = Scope::new(suite, file, known.clone());
    scope.steps.push("(this step)".to_string());
    let expect = cx.expect(&scope, doc.value, pos);
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

/// Lowers documents into the model, gathering every error rather than
/// stopping at the first: a user fixes a file in one pass.
#[derive(Default)]
struct Loader {
    errors: Vec<LoadError>,
}

/// How many errors there were when a node's lowering began.
#[derive(Clone, Copy)]
struct Checkpoint(usize);

/// What lowering carries down from a case to its steps, requests and
/// expectations: where they are, and the names in scope so far.
struct Scope<'a> {
    suite: &'a Suite,
    file: &'a Arc<PathBuf>,
    /// Suite variables, the case's `vars:` and earlier steps' captures.
    known: BTreeSet<String>,
    /// The steps so far, which an `echo.of` may name.
    steps: StepNames,
}

impl<'a> Scope<'a> {
    /// The scope before a case's first step.
    fn new(suite: &'a Suite, file: &'a Arc<PathBuf>, known: BTreeSet<String>) -> Self {
        Scope {
            suite,
            file,
            known,
            steps: StepNames::default(),
        }
    }
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

    fn checkpoint(&self) -> Checkpoint {
        Checkpoint(self.errors.len())
    }

    /// Whether anything was refused since `checkpoint`: the node is then
    /// dropped, and the file with it.
    fn refused_since(&self, checkpoint: Checkpoint) -> bool {
        self.errors.len() > checkpoint.0
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
