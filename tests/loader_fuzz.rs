//! The loader never panics, whatever it is fed: arbitrary bytes, and
//! arbitrary mutations of the committed case and suite files and of the bad
//! corpus. And when it refuses a file, each error names a position inside
//! the file and says what is wrong in one line.
//!
//! The seed is fixed and printed; `VERITY_FUZZ_CASES=N` runs N inputs per
//! property instead of the default (a longer hunt, e.g. before a release).

mod support;

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use support::repo;
use verity::case::load::{cases_from_bytes, suite_case_files, suite_from_bytes};
use verity::case::{LoadErrors, Suite};

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
    let what = format!("mutations of {} suite files", seeds.len());
    let strategy = (0..seeds.len(), prop::collection::vec(mutation(), 1..8));
    fuzz(
        cases_per_property(600),
        &what,
        strategy,
        |(s, mutations)| {
            let seed = &seeds[s];
            let original = std::fs::read(&seed.suite_file).unwrap();
            let bytes = mutated(&original, &mutations);
            match suite_from_bytes(&seed.dir, &seed.suite_file, &bytes) {
                Ok(_) => Ok(()),
                Err(errors) => check_errors(&seed.suite_file, &bytes, &errors),
            }
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
