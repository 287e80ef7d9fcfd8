//! The loader never panics, whatever it is fed: arbitrary bytes, and
//! arbitrary mutations of the committed case, suite, property
//! (`properties.yaml`) and schema files and of the bad corpus. And when it
//! refuses a file, each error names a position inside the file and says
//! what is wrong in one line.
//!
//! The seed is fixed and printed; `VERITY_FUZZ_CASES=N` runs N inputs per
//! property instead of the default (a longer hunt, e.g. before a release:
//! `VERITY_FUZZ_CASES=20000 cargo test --release --test loader_fuzz --
//! --nocapture` feeds 100,000 inputs, 20,000 to each of the five).

mod support;

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use support::repo;
use verity::case::load::{cases_from_bytes, suite_case_files, suite_from_bytes};
use verity::case::{LoadErrors, Suite};

/// A suite's suite file and schemas copied into a scratch directory, so
/// that a test may write its `properties.yaml` or a schema file there.
struct Scratch {
    dir: tempfile::TempDir,
    suite_bytes: Vec<u8>,
}

impl Scratch {
    fn of(suite_dir: &Path) -> Scratch {
        Scratch::with(
            &std::fs::read(suite_dir.join("suite.yaml")).unwrap(),
            suite_dir,
        )
    }

    /// `suite_bytes` as the suite file, the schemas and the statement
    /// registry of `schemas_from`.
    fn with(suite_bytes: &[u8], schemas_from: &Path) -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("suite.yaml"), suite_bytes).unwrap();
        let registry = schemas_from.join("statements.yaml");
        if registry.is_file() {
            std::fs::copy(&registry, dir.path().join("statements.yaml")).unwrap();
        }
        std::fs::create_dir(dir.path().join("schemas")).unwrap();
        if let Ok(entries) = std::fs::read_dir(schemas_from.join("schemas")) {
            for entry in entries {
                let path = entry.unwrap().path();
                std::fs::copy(
                    &path,
                    dir.path().join("schemas").join(path.file_name().unwrap()),
                )
                .unwrap();
            }
        }
        Scratch {
            dir,
            suite_bytes: suite_bytes.to_vec(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn suite_file(&self) -> PathBuf {
        self.path("suite.yaml")
    }

    fn load_suite(&self) -> Result<Suite, LoadErrors> {
        suite_from_bytes(self.dir.path(), &self.suite_file(), &self.suite_bytes)
    }
}

const SEED: u64 = 0x7e41_7e57_c0de_f00d;

fn cases_per_property(default: u32) -> u32 {
    std::env::var("VERITY_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        rng_seed: RngSeed::Fixed(SEED),
        failure_persistence: None,
        // Each input is cheap; shrinking a failure to its core is worth it.
        max_shrink_iters: 10_000,
        ..Config::default()
    })
}

/// A suite directory with its loaded suite file and the files to mutate.
struct Seeds {
    dir: PathBuf,
    suite_file: PathBuf,
    suite: Suite,
    files: Vec<(PathBuf, Vec<u8>)>,
}

/// The files with their bytes, sorted.
fn with_bytes(mut paths: Vec<PathBuf>) -> Vec<(PathBuf, Vec<u8>)> {
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

fn load_suite_file(dir: &Path, file: &Path) -> Suite {
    let bytes = std::fs::read(file).unwrap();
    suite_from_bytes(dir, file, &bytes).unwrap_or_else(|e| panic!("{e}"))
}

/// The committed suites, and the bad corpus with the suite it is loaded with.
fn seeds() -> Vec<Seeds> {
    let mut seeds = Vec::new();
    for name in ["toluna", "onsi"] {
        let dir = repo().join("cases").join(name);
        let suite_file = dir.join("suite.yaml");
        seeds.push(Seeds {
            suite: load_suite_file(&dir, &suite_file),
            // The files the loader reads for a suite, as it finds them.
            files: with_bytes(suite_case_files(&dir)),
            dir,
            suite_file,
        });
    }
    let corpus = repo().join("tests/corpus");
    let suite_file = corpus.join("suite.yaml");
    seeds.push(Seeds {
        suite: load_suite_file(&corpus, &suite_file),
        // Every broken file, whatever its name (not only what a suite reads).
        files: with_bytes(
            std::fs::read_dir(corpus.join("bad/case"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.is_file() && p.extension().is_none_or(|e| e != "expected"))
                .collect(),
        ),
        dir: corpus,
        suite_file,
    });
    seeds
}

/// Fragments that matter to YAML, JSON, templates, JSONPath and regexes.
const TOKENS: &[&str] = &[
    ":",
    ": ",
    "- ",
    "-",
    "[",
    "]",
    "{",
    "}",
    ",",
    "\"",
    "'",
    "#",
    "&a ",
    "*a",
    "&b [*a, *a]",
    "!!str ",
    "!!binary ",
    "!custom ",
    "---\n",
    "...\n",
    "\t",
    "\n",
    "\r\n",
    "  ",
    "    ",
    "? ",
    "|\n",
    ">-\n",
    "<<: *a\n",
    "%YAML 1.2\n",
    "%TAG ! tag:x,2000:\n",
    "${",
    "}",
    "${nope}",
    "${fresh.guid}",
    "${fresh.}",
    "$${",
    "$",
    "$.",
    "$..*",
    "$[?@.a == 1]",
    "$['a']",
    "(?i)",
    "(",
    ")",
    "\\",
    "\\u",
    "\\ud800",
    "null",
    "~",
    "true",
    "yes",
    "0x1F",
    "1e999",
    "-0",
    "18446744073709551616",
    "999",
    "4xx",
    "\u{feff}",
    "\u{0}",
    "\u{85}",
    "\u{2028}",
    "é",
    "🦀",
    "cases:",
    "steps:",
    "request:",
    "expect:",
    "status:",
    "schema:",
    "echo:",
    "unchanged:",
    "any_of:",
    "capture:",
    "paths:",
    "optional: true",
    "json:",
    "raw:",
    "headers:",
    "query:",
    "vars:",
    "variables:",
    "schemas:",
    "inline:",
    "pointer: /",
    "file: ../../x",
    "file: /dev/zero",
    "!include x.yaml",
    "!!python/object:os.system",
    "\"off\"",
    "'yes'",
    "\"$ref\": \"#\"",
    "{\"$ref\": \"#/components/schemas/Member\"}",
    "\"$ref\": \"https://example.com/x.json\"",
    "\"allOf\": [{\"$ref\": \"#\"}]",
    "\"nullable\": true",
    "{ regex: \"[a&&b]\" }",
    "{ regex: \"[a-z]{100000000}\" }",
    "{ regex: \"(a{1000}){1000}\" }",
    "{ one_of: [] }",
    "{ date: { format: \"%Y\", from: 2000-01-01, to: 1999-01-01 } }",
    "only_while: [nope]",
    "valid:",
    "invalid:",
    "fields:",
    "resource:",
    "x-a:b: \"a\\nb\"",
];

#[derive(Debug, Clone)]
enum Mutation {
    Replace(Index, u8),
    Delete(Index, usize),
    Insert(Index, Vec<u8>),
    InsertToken(Index, usize),
    /// Replaces what follows `: ` on a line with a token, keeping the
    /// structure: the file still parses, and the loader's rules get a say.
    ReplaceValue(Index, usize),
    /// Copies a slice to another place: repeated keys, nested structure.
    Duplicate(Index, usize, Index),
    Truncate(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let text = || prop::collection::vec(0x20u8..0x7f, 1..16);
    prop_oneof![
        3 => (any::<Index>(), 0x20u8..0x7f).prop_map(|(at, b)| Mutation::Replace(at, b)),
        1 => (any::<Index>(), any::<u8>()).prop_map(|(at, b)| Mutation::Replace(at, b)),
        2 => (any::<Index>(), 1usize..64).prop_map(|(at, n)| Mutation::Delete(at, n)),
        3 => (any::<Index>(), text()).prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        1 => (any::<Index>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        5 => (any::<Index>(), 0..TOKENS.len()).prop_map(|(at, t)| Mutation::InsertToken(at, t)),
        8 => (any::<Index>(), 0..TOKENS.len()).prop_map(|(at, t)| Mutation::ReplaceValue(at, t)),
        2 => (any::<Index>(), 1usize..400, any::<Index>())
            .prop_map(|(from, n, to)| Mutation::Duplicate(from, n, to)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let at = |i: &Index, len: usize| if len == 0 { 0 } else { i.index(len + 1) };
    match m {
        Mutation::Replace(i, b) if !bytes.is_empty() => {
            let i = i.index(bytes.len());
            bytes[i] = *b;
        }
        Mutation::Replace(..) => {}
        Mutation::Delete(i, n) => {
            let start = at(i, bytes.len()).min(bytes.len());
            let end = (start + n).min(bytes.len());
            bytes.drain(start..end);
        }
        Mutation::Insert(i, new) => {
            let start = at(i, bytes.len());
            bytes.splice(start..start, new.iter().copied());
        }
        Mutation::InsertToken(i, t) => {
            let start = at(i, bytes.len());
            bytes.splice(start..start, TOKENS[*t].bytes());
        }
        Mutation::ReplaceValue(i, t) => {
            let values: Vec<(usize, usize)> = bytes
                .windows(2)
                .enumerate()
                .filter(|(_, w)| w == b": ")
                .map(|(start, _)| {
                    let from = start + 2;
                    let end = bytes[from..]
                        .iter()
                        .position(|b| *b == b'\n')
                        .map_or(bytes.len(), |n| from + n);
                    (from, end)
                })
                .collect();
            if !values.is_empty() {
                let (from, end) = values[i.index(values.len())];
                bytes.splice(from..end, TOKENS[*t].bytes());
            }
        }
        Mutation::Duplicate(from, n, to) => {
            let start = at(from, bytes.len()).min(bytes.len());
            let slice: Vec<u8> = bytes[start..(start + n).min(bytes.len())].to_vec();
            let to = at(to, bytes.len());
            bytes.splice(to..to, slice);
        }
        Mutation::Truncate(i) => {
            let len = at(i, bytes.len());
            bytes.truncate(len);
        }
    }
}

/// What every refusal must look like: a position inside the file (1-based,
/// at most one line past the end) and a one-line reason.
fn check_errors(file: &Path, bytes: &[u8], errors: &LoadErrors) -> Result<(), TestCaseError> {
    prop_assert!(!errors.0.is_empty(), "an Err without errors");
    let lines = bytes.iter().filter(|b| **b == b'\n').count() as u64 + 1;
    for e in &errors.0 {
        prop_assert_eq!(&e.file, file, "{}", e);
        let Some(at) = e.at else {
            return Err(TestCaseError::fail(format!("no position: {e}")));
        };
        prop_assert!(at.line >= 1 && at.column >= 1, "no position: {}", e);
        prop_assert!(at.line <= lines + 1, "line {} of {}: {}", at.line, lines, e);
        prop_assert!(!e.message.trim().is_empty(), "no reason: {}", e);
        prop_assert!(
            !e.message.contains('\n'),
            "a reason over several lines: {:?}",
            e.message
        );
    }
    Ok(())
}

fn load_case_bytes(seed: &Seeds, file: &Path, bytes: &[u8]) -> Result<(), TestCaseError> {
    match cases_from_bytes(&seed.suite, file, bytes) {
        Ok(_) => Ok(()),
        Err(errors) => check_errors(file, bytes, &errors),
    }
}

/// Runs `test` on `cases` inputs of `strategy` (each run says what it fed,
/// with the seed), and fails with the smallest failing input.
fn fuzz<S: Strategy>(
    cases: u32,
    what: &str,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    let result = runner(cases).run(&strategy, test);
    println!("seed {SEED:#x}: {cases} {what}");
    if let Err(e) = result {
        panic!("{what}: {e}");
    }
}

fn mutated(original: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = original.to_vec();
    for m in mutations {
        apply(&mut bytes, m);
    }
    bytes
}

#[test]
fn arbitrary_bytes_never_panic_the_loader() {
    let seeds = seeds();
    let file = seeds[2].dir.join("fuzz.yaml");
    let strategy = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..2048),
        // Mostly printable text, so the parser gets further than byte one.
        "[ -~\n\t]{0,2048}".prop_map(String::into_bytes),
    ];
    fuzz(
        cases_per_property(3000),
        "arbitrary inputs",
        strategy,
        |bytes| load_case_bytes(&seeds[2], &file, &bytes),
    );
}

#[test]
fn mutated_case_files_never_panic_the_loader() {
    let seeds = seeds();
    let picks: Vec<(usize, usize)> = seeds
        .iter()
        .enumerate()
        .flat_map(|(s, seed)| (0..seed.files.len()).map(move |f| (s, f)))
        .collect();
    let what = format!("mutations of {} case files", picks.len());
    let strategy = (
        prop::sample::select(picks),
        prop::collection::vec(mutation(), 1..8),
    );
    fuzz(
        cases_per_property(3000),
        &what,
        strategy,
        |((s, f), mutations)| {
            let (path, original) = &seeds[s].files[f];
            load_case_bytes(&seeds[s], path, &mutated(original, &mutations))
        },
    );
}

#[test]
fn mutated_suite_files_never_panic_the_loader() {
    let seeds = seeds();
    // The committed suite files, and the bad ones of the corpus.
    let mut originals: Vec<(PathBuf, PathBuf, Vec<u8>)> = seeds
        .iter()
        .map(|seed| {
            let bytes = std::fs::read(&seed.suite_file).unwrap();
            (seed.dir.clone(), seed.suite_file.clone(), bytes)
        })
        .collect();
    let bad = repo().join("tests/corpus/bad/suite");
    for path in corpus_files(&bad) {
        let bytes = std::fs::read(&path).unwrap();
        originals.push((bad.clone(), bad.join("suite.yaml"), bytes));
    }
    let what = format!("mutations of {} suite files", originals.len());
    let strategy = (0..originals.len(), prop::collection::vec(mutation(), 1..8));
    fuzz(
        cases_per_property(600),
        &what,
        strategy,
        |(s, mutations)| {
            let (dir, file, original) = &originals[s];
            let bytes = mutated(original, &mutations);
            match suite_from_bytes(dir, file, &bytes) {
                Ok(_) => Ok(()),
                Err(errors) => check_errors(file, &bytes, &errors),
            }
        },
    );
}

/// The files of a corpus directory, without their `.expected` partners.
fn corpus_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_none_or(|e| e != "expected"))
        .collect();
    files.sort();
    files
}

/// `properties.yaml`: the committed suites', the corpus's good one and its
/// broken ones, each beside the suite it belongs to, read and checked as
/// `verity check` does (the declarations, then the generated cases).
#[test]
fn mutated_property_files_never_panic_the_loader() {
    let corpus = repo().join("tests/corpus");
    let mut seeds: Vec<(Scratch, Suite, Vec<u8>)> = Vec::new();
    let mut add = |scratch: Scratch, file: &Path| {
        let suite = scratch.load_suite().unwrap_or_else(|e| panic!("{e}"));
        seeds.push((scratch, suite, std::fs::read(file).unwrap()));
    };
    for name in ["toluna", "onsi"] {
        let dir = repo().join("cases").join(name);
        add(Scratch::of(&dir), &dir.join("properties.yaml"));
    }
    let corpus_suite = std::fs::read(corpus.join("suite.yaml")).unwrap();
    add(
        Scratch::with(&corpus_suite, &corpus),
        &corpus.join("properties.yaml"),
    );
    for file in corpus_files(&corpus.join("bad/properties")) {
        add(Scratch::with(&corpus_suite, &corpus), &file);
    }
    // The committed ones and the corpus's good one come first.
    fuzz_written(
        "property files",
        seeds.len(),
        3,
        |s| &seeds[s].2,
        |s, bytes| {
            let (scratch, suite, _) = &seeds[s];
            let file = scratch.path("properties.yaml");
            std::fs::write(&file, bytes).unwrap();
            let loaded = verity::properties::load(suite).map(|_| ());
            (loaded, file, bytes.to_vec())
        },
    );
}

/// Mutations of files a load reads from disk: each input is written, then
/// `load` reads it and says what it made of it, which file its errors must
/// name, and that file's bytes. Half the inputs are of the first `good`
/// seeds (files that load as they are: their mutations reach past the
/// syntax), half of the broken ones.
fn fuzz_written<'a>(
    what: &str,
    seeds: usize,
    good: usize,
    original: impl Fn(usize) -> &'a Vec<u8>,
    load: impl Fn(usize, &[u8]) -> (Result<(), LoadErrors>, PathBuf, Vec<u8>),
) {
    let strategy = (
        prop_oneof![0..good, good..seeds],
        prop::collection::vec(mutation(), 1..8),
    );
    let reach = Reach::default();
    fuzz(
        cases_per_property(300),
        &format!("mutations of {seeds} {what}"),
        strategy,
        |(s, mutations)| {
            let bytes = mutated(original(s), &mutations);
            let (loaded, file, text) = load(s, &bytes);
            reach.count(&loaded, s < good);
            match loaded {
                Ok(()) => Ok(()),
                Err(errors) => check_errors(&file, &text, &errors),
            }
        },
    );
    reach.assert_explored(what);
}

/// How many fuzzed inputs still loaded: a fuzzer whose every input is
/// refused at the first byte tests only that byte.
#[derive(Default)]
struct Reach {
    loaded: std::sync::atomic::AtomicUsize,
    total: std::sync::atomic::AtomicUsize,
}

impl Reach {
    /// Counts a mutation of a good file (a broken one stays broken).
    fn count<T>(&self, result: &Result<T, LoadErrors>, of_a_good_file: bool) {
        use std::sync::atomic::Ordering::Relaxed;
        if !of_a_good_file {
            return;
        }
        self.total.fetch_add(1, Relaxed);
        if result.is_ok() {
            self.loaded.fetch_add(1, Relaxed);
        }
    }

    /// Shrinking replays inputs too; what counts is the share: about one
    /// in twenty loads (schema files: 4.4% of 10,000 in a long run).
    fn assert_explored(&self, what: &str) {
        use std::sync::atomic::Ordering::Relaxed;
        let (loaded, total) = (self.loaded.load(Relaxed), self.total.load(Relaxed));
        println!("{what}: {loaded} of {total} mutated inputs still loaded");
        assert!(
            loaded * 50 >= total,
            "{what}: only {loaded} of {total} still load"
        );
    }
}

/// Schema files, each under `schemas/` of the suite that names it (the
/// corpus's broken ones under a suite naming each): an error is the suite
/// file's, at the schema's declaration.
#[test]
fn mutated_schema_files_never_panic_the_loader() {
    let mut seeds: Vec<(Scratch, String, Vec<u8>)> = Vec::new();
    for name in ["toluna", "onsi"] {
        let dir = repo().join("cases").join(name);
        for file in corpus_files(&dir.join("schemas")) {
            let file_name = file.file_name().unwrap().to_string_lossy().into_owned();
            seeds.push((Scratch::of(&dir), file_name, std::fs::read(&file).unwrap()));
        }
    }
    let good = seeds.len();
    let bad = repo().join("tests/corpus/bad/schema");
    for file in corpus_files(&bad) {
        let file_name = file.file_name().unwrap().to_string_lossy().into_owned();
        let suite = format!("name: corpus\nschemas:\n  Thing: {{ file: schemas/{file_name} }}\n");
        seeds.push((
            Scratch::with(suite.as_bytes(), &bad),
            file_name,
            std::fs::read(&file).unwrap(),
        ));
    }
    fuzz_written(
        "schema files",
        seeds.len(),
        good,
        |s| &seeds[s].2,
        |s, bytes| {
            let (scratch, file_name, _) = &seeds[s];
            std::fs::write(scratch.path("schemas").join(file_name), bytes).unwrap();
            let loaded = scratch.load_suite().map(|_| ());
            (loaded, scratch.suite_file(), scratch.suite_bytes.clone())
        },
    );
}

/// The mutations do reach deep into the loader: a fair share of mutated
/// files still load, and many are refused for reasons past the YAML syntax.
#[test]
fn mutations_explore_past_the_syntax() {
    let seeds = seeds();
    let mut runner = runner(1);
    let strategy = prop::collection::vec(mutation(), 1..4);
    let (mut loaded, mut refused_by_rules, mut total) = (0, 0, 0);
    for seed in &seeds[..2] {
        for (path, original) in &seed.files {
            for _ in 0..20 {
                let mutations = strategy.new_tree(&mut runner).unwrap().current();
                let bytes = mutated(original, &mutations);
                total += 1;
                match cases_from_bytes(&seed.suite, path, &bytes) {
                    Ok(_) => loaded += 1,
                    Err(e) if e.0.iter().any(|e| is_rule(&e.message)) => refused_by_rules += 1,
                    Err(e) => {
                        if std::env::var("FUZZ_DEBUG").is_ok() {
                            eprintln!(
                                "MSG {}",
                                e.0[0].message.chars().take(50).collect::<String>()
                            );
                        }
                    }
                }
            }
        }
    }
    println!(
        "{total} mutated files: {loaded} loaded, {refused_by_rules} refused by a rule past the syntax"
    );
    assert!(loaded * 20 >= total, "only {loaded} of {total} still load");
    assert!(
        refused_by_rules * 20 >= total,
        "only {refused_by_rules} of {total} reach the rules"
    );
}

/// Messages of the loader's own rules (not the parser's).
fn is_rule(message: &str) -> bool {
    [
        "unknown variable",
        "is not a JSONPath",
        "is not a valid regex",
        "unknown schema",
        "duplicate",
        "must start with",
        "in path:",
        "in json body",
        "unknown step",
        "is not a status",
        "is not an HTTP",
        "unknown statement",
        "pins one reading",
    ]
    .iter()
    .any(|m| message.contains(m))
}
