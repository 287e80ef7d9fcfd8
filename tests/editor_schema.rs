//! The editor schemas of docs/schema/ (issue 15): the committed copies are
//! what verity generates, every committed suite file is valid under them,
//! and the corpus files the loader refuses for an unknown key or a wrong
//! type are invalid under them too.

use std::path::{Path, PathBuf};

use serde_json::Value;
use verity::editor_schema::{self, Kind};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn validator(kind: Kind) -> jsonschema::Validator {
    let schema = editor_schema::schema(kind);
    jsonschema::validator_for(schema.as_value())
        .unwrap_or_else(|e| panic!("the {} schema does not compile: {e}", kind.name()))
}

fn yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_saphyr::from_str::<Value>(&text)
        .unwrap_or_else(|e| panic!("{}: not YAML: {e}", path.display()))
}

fn errors(validator: &jsonschema::Validator, value: &Value) -> Vec<String> {
    validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn the_committed_schemas_are_the_generated_ones() {
    for kind in Kind::ALL {
        let path = root().join(kind.committed_path());
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == editor_schema::text(kind),
            "{} differs from what verity generates; regenerate it with \
             `cargo run -q -- schema {} > {}`",
            path.display(),
            kind.name(),
            kind.committed_path()
        );
    }
}

/// Which schema a file under `cases/<suite>/` is read with, if any.
fn kind_of(path: &Path) -> Option<Kind> {
    let name = path.file_name()?.to_str()?;
    if !(name.ends_with(".yaml") || name.ends_with(".json")) {
        return None;
    }
    match name {
        "suite.yaml" => Some(Kind::Suite),
        "properties.yaml" => Some(Kind::Properties),
        // The statement registry has no editor schema yet.
        "statements.yaml" => None,
        _ => Some(Kind::Case),
    }
}

#[test]
fn every_committed_suite_file_is_valid_under_its_schema() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for suite in std::fs::read_dir(root().join("cases")).unwrap() {
        let suite = suite.unwrap().path();
        if !suite.is_dir() {
            continue;
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(&suite)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for file in files {
            let Some(kind) = kind_of(&file) else { continue };
            checked += 1;
            for e in errors(&validator(kind), &yaml(&file)) {
                failures.push(format!("{} ({}): {e}", file.display(), kind.name()));
            }
        }
    }
    assert!(checked >= 10, "only {checked} files were checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_baseline_file_is_valid_and_a_misspelt_one_is_not() {
    let v = validator(Kind::Baseline);
    let good: Value = serde_saphyr::from_str(
        "known_failures:\n  - case: toluna/add.yaml::adds a member\n    reason: issue 12\n    expires: 2027-01-31\n  - case: onsi/auth.yaml::no token\n    reason: upstream\n",
    )
    .unwrap();
    assert_eq!(errors(&v, &good), Vec::<String>::new());
    let misspelt: Value =
        serde_saphyr::from_str("known_failures:\n  - case: a::b\n    reasn: typo\n").unwrap();
    assert!(!v.is_valid(&misspelt));
    let wrong_type: Value = serde_saphyr::from_str("known_failures: a::b\n").unwrap();
    assert!(!v.is_valid(&wrong_type));
}

/// The loader's messages for an unknown key or a value of the wrong type
/// (serde's, and those of the strict booleans, statuses and counts).
const TYPE_MESSAGES: &[&str] = &[
    "unknown field",
    "expected a list",
    "expected true or false",
    "is quoted, so it is text, not a boolean",
    "is not a status",
    "is not an HTTP status",
    "expected a whole number",
];

#[test]
fn corpus_files_refused_for_an_unknown_key_or_a_wrong_type_are_invalid_under_the_schema() {
    let mut checked = Vec::new();
    let mut accepted = Vec::new();
    for (dir, kind) in [
        ("case", Kind::Case),
        ("suite", Kind::Suite),
        ("properties", Kind::Properties),
    ] {
        let v = validator(kind);
        let bad = root().join("tests/corpus/bad").join(dir);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&bad)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "expected"))
            .collect();
        files.sort();
        for expected in files {
            let message = std::fs::read_to_string(&expected).unwrap();
            if !TYPE_MESSAGES.iter().any(|m| message.contains(m)) {
                continue;
            }
            let file = ["yaml", "json"]
                .iter()
                .map(|e| expected.with_extension(e))
                .find(|p| p.exists())
                .unwrap_or_else(|| panic!("{} has no partner", expected.display()));
            checked.push(file.display().to_string());
            if v.is_valid(&yaml(&file)) {
                accepted.push(format!("{}: {}", file.display(), message.trim_end()));
            }
        }
    }
    // Each kind of mistake the issue names is among them.
    for name in [
        "unknown-key-step",
        "wrong-type-status",
        "quoted-bool-strict",
    ] {
        assert!(
            checked.iter().any(|f| f.contains(name)),
            "{name} was not checked: {checked:?}"
        );
    }
    assert!(
        accepted.is_empty(),
        "the loader refuses these, the schema accepts them:\n{}",
        accepted.join("\n")
    );
}
