//! The corpus of broken case, suite, schema, property and statement-registry
//! files (`tests/corpus/bad/`): each one is refused by `verity check` and by
//! `verity run` with exit status 2 and, first, the `file:line:column:
//! reason` line recorded beside it in `NAME.expected`; and no request leaves
//! verity. Neither command may hang on any of them: each gets a minute.
//!
//! Files too big to commit, and what git does not keep (FIFOs, links to
//! directories, names holding a line break), are laid out here.

mod support;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use support::{path_str, repo, text, verity_command};

/// What stands in for the path of the file under test in a `.expected` file,
/// and for the suite directory.
const FILE: &str = "{file}";
const DIR: &str = "{dir}";

/// A suite file of one good case, for the broken suite files to sit beside.
const GOOD_CASE: &str =
    "cases:\n  - name: a\n    steps:\n      - request: { method: GET, path: /x }\n";

/// The suite a broken schema file is read for, as `schemas/<its name>`.
fn schema_suite(file_name: &str) -> String {
    format!("name: corpus\nschemas:\n  Thing: {{ file: schemas/{file_name} }}\n")
}

/// The limit on one verity command: a hang is a failure, not a stuck test.
const PATIENCE: Duration = Duration::from_secs(60);

/// One entry of the corpus: what to write where, and the line verity must say.
struct Entry {
    name: String,
    kind: Kind,
    content: Vec<u8>,
    expected: String,
}

enum Kind {
    /// A case file, loaded with `tests/corpus/suite.yaml`.
    Case { file_name: String },
    /// A case file naming statements, loaded with `tests/corpus/suite.yaml`
    /// and the registry `tests/corpus/statements.yaml`.
    Checks { file_name: String },
    /// A suite file, with one good case file beside it.
    Suite,
    /// A statement registry, beside `tests/corpus/suite.yaml` and one good
    /// case file.
    Statements,
    /// A schema file, `schemas/<file_name>` of a suite that names it; the
    /// error is the suite file's, at the schema's declaration.
    Schema { file_name: String },
    /// A `properties.yaml`, beside `tests/corpus/suite.yaml` and a good case.
    Properties,
    /// Laid out by the function, in the suite directory it is given, with
    /// `tests/corpus/suite.yaml` and a good case; it returns the path of the
    /// file the error names.
    Layout(fn(&Path) -> PathBuf),
}

fn corpus_dir() -> PathBuf {
    repo().join("tests/corpus")
}

fn read_dir_sorted(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    paths
}

/// The committed files, each with its `.expected` line.
fn committed() -> Vec<Entry> {
    let mut entries = Vec::new();
    for sub in KINDS {
        for path in read_dir_sorted(&corpus_dir().join("bad").join(sub)) {
            if path.extension().is_some_and(|e| e == "expected") {
                continue;
            }
            let expected_path = path.with_extension("expected");
            let expected = std::fs::read_to_string(&expected_path)
                .unwrap_or_else(|e| panic!("{}: {e}", expected_path.display()));
            let file_name = path.file_name().unwrap().to_string_lossy().into_owned();
            entries.push(Entry {
                name: format!("{sub}/{file_name}"),
                kind: match sub {
                    "suite" => Kind::Suite,
                    "statements" => Kind::Statements,
                    "checks" => Kind::Checks { file_name },
                    "schema" => Kind::Schema { file_name },
                    "properties" => Kind::Properties,
                    _ => Kind::Case { file_name },
                },
                content: std::fs::read(&path).unwrap(),
                expected: expected.trim_end().to_string(),
            });
        }
    }
    entries
}

/// The subdirectories of `tests/corpus/bad/`, one per kind of file.
const KINDS: [&str; 6] = [
    "case",
    "checks",
    "suite",
    "statements",
    "schema",
    "properties",
];

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

fn symlink(target: &str, link: &Path) -> PathBuf {
    std::os::unix::fs::symlink(target, link).unwrap();
    link.to_path_buf()
}

/// What git does not keep: links, FIFOs, names with control characters.
fn laid_out() -> Vec<Entry> {
    let entry = |name: &str, layout: fn(&Path) -> PathBuf, expected: &str| Entry {
        name: format!("layout/{name}"),
        kind: Kind::Layout(layout),
        content: Vec::new(),
        expected: expected.to_string(),
    };
    const LINKED_DIR: &str = " a link to a directory: verity does not follow directory links in a suite (a link back up would read the same files again and again); link the case files themselves, or copy the directory";
    vec![
        entry(
            "link-to-the-suite",
            |s| symlink(".", &s.join("again")),
            LINKED_DIR,
        ),
        entry(
            "links-up-twice",
            |s| {
                std::fs::create_dir(s.join("sub")).unwrap();
                symlink("..", &s.join("sub/b"));
                symlink("..", &s.join("sub/a"))
            },
            LINKED_DIR,
        ),
        entry(
            "fifo-case-file",
            |s| {
                mkfifo(&s.join("x.yaml"));
                s.join("x.yaml")
            },
            " a FIFO (named pipe), not a file: verity reads regular files only",
        ),
        entry(
            "link-to-a-device",
            |s| symlink("/dev/zero", &s.join("zero.yaml")),
            " a character device, not a file: verity reads regular files only",
        ),
        entry(
            "link-to-itself",
            |s| symlink("self.yaml", &s.join("self.yaml")),
            " cannot read: Too many levels of symbolic links (os error 40)",
        ),
        entry(
            "properties-a-directory",
            |s| {
                std::fs::create_dir(s.join("properties.yaml")).unwrap();
                s.join("properties.yaml")
            },
            " a directory, not a file: verity reads regular files only",
        ),
        entry(
            "properties-a-fifo",
            |s| {
                mkfifo(&s.join("properties.yaml"));
                s.join("properties.yaml")
            },
            " a FIFO (named pipe), not a file: verity reads regular files only",
        ),
        entry(
            "schema-a-fifo",
            |s| {
                std::fs::write(s.join("suite.yaml"), schema_suite("thing.json")).unwrap();
                std::fs::create_dir(s.join("schemas")).unwrap();
                mkfifo(&s.join("schemas/thing.json"));
                s.join("suite.yaml")
            },
            "3:10: schema `Thing`: {dir}/schemas/thing.json: a FIFO (named pipe), not a file: verity reads regular files only",
        ),
        entry(
            "schema-over-the-size-limit",
            |s| {
                std::fs::write(s.join("suite.yaml"), schema_suite("big.json")).unwrap();
                std::fs::create_dir(s.join("schemas")).unwrap();
                let big = format!("{{\"description\": \"{}\"}}", "x".repeat(9 << 20));
                std::fs::write(s.join("schemas/big.json"), big).unwrap();
                s.join("suite.yaml")
            },
            "3:10: schema `Thing`: {dir}/schemas/big.json:1:8388609: file goes on past the 8388608 byte limit for schema files",
        ),
        entry(
            "name-with-a-line-break",
            |s| {
                let file = s.join("two\nlines.yaml");
                std::fs::write(&file, "cases: 3\n").unwrap();
                file
            },
            "1:8: expected a list",
        ),
        entry(
            "name-with-a-terminal-escape",
            |s| {
                let file = s.join("red\u{1b}[31m.yaml");
                std::fs::write(&file, "cases: 3\n").unwrap();
                file
            },
            "1:8: expected a list",
        ),
    ]
}

/// Files too big to commit.
fn generated() -> Vec<Entry> {
    let one_case = |i: usize| {
        format!("  - name: c{i}\n    steps:\n      - request: {{ method: GET, path: /x }}\n")
    };
    // Past the 8 MiB limit: refused where the limit falls, without parsing.
    let mut over = String::from("cases:\n");
    let mut i = 0;
    while over.len() <= 9 * 1024 * 1024 {
        over.push_str(&one_case(i));
        i += 1;
    }
    let limit = 8 * 1024 * 1024;
    let before = &over.as_bytes()[..limit];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let column = before.len() - before.iter().rposition(|b| *b == b'\n').unwrap();
    // Under the byte limit but over the parser's budget of values.
    let values = vec!["1"; 300_000].join(",");
    let many_values = format!(
        "cases:\n  - name: a\n    steps:\n      - request:\n          method: POST\n          path: /x\n          json: [{values}]\n"
    );
    // The parser counts lists, mappings and scalars: 17 come before the
    // list's values (the mappings, keys and values above it, and the list),
    // so the 250 001st is value number 250 001 - 17, two columns apart.
    let breaching_value = 250_001 - 17;
    let values_column = "          json: [".len() + 1 + 2 * (breaching_value - 1);
    vec![
        Entry {
            name: "generated/over-the-size-limit.yaml".into(),
            kind: Kind::Case {
                file_name: "over-the-size-limit.yaml".into(),
            },
            content: over.into_bytes(),
            expected: format!(
                "{line}:{column}: file goes on past the 8388608 byte limit for case files here"
            ),
        },
        Entry {
            name: "generated/too-many-values.yaml".into(),
            kind: Kind::Case {
                file_name: "too-many-values.yaml".into(),
            },
            content: many_values.into_bytes(),
            expected: format!(
                "7:{values_column}: more than 250000 values (lists, mappings and scalars, aliases expanded): split the file"
            ),
        },
    ]
}

/// Writes the entry into a fresh cases root; returns the root and the path
/// of the file under test as verity will print it.
fn lay_out(entry: &Entry) -> (tempfile::TempDir, String) {
    let root = tempfile::tempdir().unwrap();
    let suite = root.path().join("s");
    std::fs::create_dir(&suite).unwrap();
    let beside_the_corpus_suite = || {
        std::fs::copy(corpus_dir().join("suite.yaml"), suite.join("suite.yaml")).unwrap();
        std::fs::write(suite.join("c.yaml"), GOOD_CASE).unwrap();
    };
    let file = match &entry.kind {
        Kind::Schema { file_name } => {
            std::fs::write(suite.join("c.yaml"), GOOD_CASE).unwrap();
            std::fs::write(suite.join("suite.yaml"), schema_suite(file_name)).unwrap();
            std::fs::create_dir(suite.join("schemas")).unwrap();
            std::fs::write(suite.join("schemas").join(file_name), &entry.content).unwrap();
            suite.join("suite.yaml")
        }
        Kind::Properties => {
            beside_the_corpus_suite();
            let file = suite.join("properties.yaml");
            std::fs::write(&file, &entry.content).unwrap();
            file
        }
        Kind::Layout(layout) => {
            beside_the_corpus_suite();
            layout(&suite)
        }
        Kind::Case { file_name } => {
            std::fs::copy(corpus_dir().join("suite.yaml"), suite.join("suite.yaml")).unwrap();
            let file = suite.join(file_name);
            std::fs::write(&file, &entry.content).unwrap();
            file
        }
        Kind::Checks { file_name } => {
            std::fs::copy(corpus_dir().join("suite.yaml"), suite.join("suite.yaml")).unwrap();
            std::fs::copy(
                corpus_dir().join("statements.yaml"),
                suite.join("statements.yaml"),
            )
            .unwrap();
            let file = suite.join(file_name);
            std::fs::write(&file, &entry.content).unwrap();
            file
        }
        Kind::Suite => {
            std::fs::write(suite.join("c.yaml"), GOOD_CASE).unwrap();
            let file = suite.join("suite.yaml");
            std::fs::write(&file, &entry.content).unwrap();
            file
        }
        Kind::Statements => {
            std::fs::copy(corpus_dir().join("suite.yaml"), suite.join("suite.yaml")).unwrap();
            std::fs::write(suite.join("c.yaml"), GOOD_CASE).unwrap();
            let file = suite.join("statements.yaml");
            std::fs::write(&file, &entry.content).unwrap();
            file
        }
    };
    (root, shown(&path_str(&file)))
}

/// A path as verity prints it: control characters escaped.
fn shown(path: &str) -> String {
    verity::case::error::shown_path(Path::new(path))
}

/// Runs verity, killing it after [`PATIENCE`]: `None` when it hung.
fn verity_bounded(args: &[&str]) -> Option<Output> {
    let mut child = verity_command(args, &[])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the verity binary runs");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > PATIENCE {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(child.wait_with_output().unwrap())
}

#[test]
fn every_corpus_file_has_its_expectation_and_the_corpus_covers_each_kind_of_problem() {
    let mut names = Vec::new();
    for sub in KINDS {
        let dir = corpus_dir().join("bad").join(sub);
        let paths = read_dir_sorted(&dir);
        for path in &paths {
            let pair = if path.extension().is_some_and(|e| e == "expected") {
                // Its case file has some extension; find it.
                let stem = path.file_stem().unwrap();
                paths
                    .iter()
                    .find(|p| p.file_stem() == Some(stem) && *p != path)
                    .cloned()
            } else {
                Some(path.with_extension("expected"))
            };
            assert!(
                pair.as_ref().is_some_and(|p| p.is_file()),
                "{} has no partner (NAME.yaml with NAME.expected)",
                path.display()
            );
            if path.extension().is_none_or(|e| e != "expected") {
                names.push(format!(
                    "{sub}/{}",
                    path.file_name().unwrap().to_string_lossy()
                ));
            }
        }
    }
    // The kinds of problem the issue names, each by at least one file.
    for kind in [
        "syntax-",
        "unknown-key-",
        "wrong-type-",
        "unknown-variable-",
        "unknown-schema",
        "bad-jsonpath-",
        "bad-regex-",
        "duplicate-case-names",
        "empty",
        "invalid-utf8",
    ] {
        assert!(
            names.iter().any(|n| n.starts_with(&format!("case/{kind}"))),
            "no corpus file for `{kind}`"
        );
    }
    // And each refusal of the statement registry and of `checks:`, and
    // those of the hardening issue.
    for kind in [
        "checks/unknown-statement",
        "checks/pins-one-reading",
        "case/checks-without-registry",
        "statements/unknown-source",
        "statements/unknown-operation",
        "statements/readings-on-must",
        "statements/open-without-readings",
        "statements/duplicate-id",
        "case/tag-",
        "case/quoted-bool-",
        "case/echo-",
        "case/capture-header-",
        "case/expected-header-",
        "case/header-value-",
        "suite/header-",
        "suite/schema-ref-",
        "schema/ref-",
        "properties/regex-",
        "properties/date-",
        "properties/one-of-",
        "properties/only-while-",
    ] {
        assert!(
            names.iter().any(|n| n.starts_with(kind)),
            "no corpus file for `{kind}`"
        );
    }
    assert!(names.len() >= 150, "{} files", names.len());
}

#[test]
fn every_bad_file_is_refused_with_its_position_and_reason_and_nothing_is_sent() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let entries: Vec<Entry> = committed()
        .into_iter()
        .chain(generated())
        .chain(laid_out())
        .collect();
    let mut wrong = Vec::new();
    for entry in &entries {
        let (root, file) = lay_out(entry);
        let root_text = path_str(root.path());
        let suite_dir = shown(&path_str(&root.path().join("s")));
        let want = format!(
            "{file}:{}",
            entry.expected.replace(FILE, &file).replace(DIR, &suite_dir)
        );
        for command in [
            vec!["check", root_text.as_str()],
            vec!["run", "--cases", &root_text, "--base-url", &url],
        ] {
            let Some(output) = verity_bounded(&command) else {
                wrong.push(format!(
                    "{} ({}): still running after {PATIENCE:?}: it hangs",
                    entry.name, command[0]
                ));
                continue;
            };
            let (stdout, stderr) = text(&output);
            let first = stderr.lines().next().unwrap_or_default();
            let problems = [
                (output.status.code() != Some(2))
                    .then(|| format!("exit {:?}", output.status.code())),
                (first != want).then(|| format!("first line\n    {first}\n  expected\n    {want}")),
                (!stderr.trim_end().ends_with("nothing was sent"))
                    .then(|| "the last line does not say that nothing was sent".to_string()),
                stderr
                    .contains("panicked")
                    .then(|| format!("a panic:\n{stderr}")),
                (!stdout.is_empty()).then(|| format!("stdout is not empty: {stdout}")),
            ];
            for problem in problems.into_iter().flatten() {
                wrong.push(format!("{} ({}): {problem}", entry.name, command[0]));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} corpus files misbehave:\n{}",
        wrong.len(),
        entries.len(),
        wrong.join("\n")
    );
    assert!(
        listener.accept().is_err(),
        "a request reached the server although the case files were refused"
    );
}
