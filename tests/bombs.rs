//! Inputs made to take all memory or all time: verity refuses each at load
//! (exit 2, the reason), inside an address-space limit that a run of the
//! committed suites stays well within. The limit is set on the child
//! process (`setrlimit(RLIMIT_AS)` between fork and exec), so a bomb that
//! got through would fail to allocate and abort rather than take the
//! machine; its exit status would not be 2.

mod support;

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Output;

use support::{path_str, repo, text, verity_command};

/// Address space for one verity process (reserved, not only used: thread
/// stacks and allocator arenas count). `verity check` of the committed
/// suites passes under a quarter of it (128 MiB); the bombs, before they
/// were refused, went to gigabytes.
const LIMIT: u64 = 512 << 20;

fn verity_limited(args: &[&str]) -> Output {
    let mut command = verity_command(args, &[]);
    // SAFETY: between fork and exec only async-signal-safe calls are made:
    // setrlimit, and errno read back on failure.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: LIMIT,
                rlim_max: LIMIT,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    command.output().expect("the verity binary runs")
}

/// A suite of one good case in a fresh directory, with `extra` files.
fn suite(extra: &[(&str, &[u8])]) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("s");
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(
        repo().join("tests/corpus/suite.yaml"),
        dir.join("suite.yaml"),
    )
    .unwrap();
    std::fs::write(
        dir.join("c.yaml"),
        "cases:\n  - name: a\n    steps:\n      - request: { method: GET, path: /x }\n",
    )
    .unwrap();
    for (name, bytes) in extra {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    root
}

/// `verity check` of `root` and `verity run` against nothing: refused
/// with `reason` in the first line, exit 2, within the limit.
fn assert_refused(root: &Path, reason: &str) {
    let root = path_str(root);
    for args in [
        vec!["check", root.as_str()],
        vec!["run", "--cases", &root, "--base-url", "http://127.0.0.1:9"],
    ] {
        let output = verity_limited(&args);
        let (stdout, stderr) = text(&output);
        let first = stderr.lines().next().unwrap_or_default();
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}\nstdout: {stdout}\nstderr: {stderr}"
        );
        assert!(first.contains(reason), "{args:?}: {first}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

/// The declarations of `tests/corpus/bad/properties/`, with the field's
/// generator replaced.
fn properties(valid: &str) -> Vec<u8> {
    let good = std::fs::read_to_string(repo().join("tests/corpus/properties.yaml")).unwrap();
    let declared = "valid: { regex: \"[A-Z][a-z]{1,8}\" }";
    assert!(good.contains(declared));
    good.replace(declared, valid).into_bytes()
}

#[test]
fn the_committed_suites_load_within_the_limit() {
    let output = verity_limited(&["check", "cases"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
}

#[test]
fn a_regex_making_huge_strings_is_refused() {
    for regex in ["[a-z]{100000000}", "((a{1000}){1000}){1000}"] {
        let root = suite(&[(
            "properties.yaml",
            &properties(&format!("valid: {{ regex: \"{regex}\" }}")),
        )]);
        assert_refused(root.path(), "the limit is 10000");
    }
}

#[test]
fn a_regex_matching_nothing_is_refused_not_a_panic() {
    let root = suite(&[(
        "properties.yaml",
        &properties("valid: { regex: \"[a&&b]\" }"),
    )]);
    assert_refused(root.path(), "matches no string");
}

#[test]
fn a_schema_file_that_never_ends_is_refused() {
    let root = suite(&[]);
    std::fs::write(
        root.path().join("s/suite.yaml"),
        "name: s\nschemas:\n  Thing: { file: /dev/zero }\n",
    )
    .unwrap();
    assert_refused(root.path(), "a character device, not a file");
}

#[test]
fn an_alias_bomb_is_refused() {
    let bomb = std::fs::read(repo().join("tests/corpus/bad/case/alias-bomb.yaml")).unwrap();
    let root = suite(&[("bomb.yaml", &bomb)]);
    assert_refused(root.path(), "more than 250000 values");
}

#[test]
fn nesting_a_hundred_thousand_deep_is_refused() {
    let deep = format!("cases: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let root = suite(&[("deep.yaml", deep.as_bytes())]);
    assert_refused(root.path(), "nested too deep");
}

#[test]
fn a_huge_case_file_is_not_read_whole() {
    let mut huge = b"cases:\n".to_vec();
    huge.resize(9 << 20, b' ');
    let root = suite(&[("huge.yaml", &huge)]);
    assert_refused(root.path(), "byte limit for case files");
}

#[test]
fn links_back_up_are_not_walked() {
    // Twenty links to the suite itself: walked, 20^depth paths.
    let root = suite(&[]);
    let dir = root.path().join("s");
    for i in 0..20 {
        std::os::unix::fs::symlink(".", dir.join(format!("again{i:02}"))).unwrap();
    }
    assert_refused(root.path(), "a link to a directory");
}
