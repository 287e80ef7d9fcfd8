//! The GitHub Action (`action.yml`) and the README's example workflow that
//! uses it. actionlint (run by `.ci/run` on `.github/`) checks workflows,
//! not action metadata: here action.yml is read as YAML and held to what
//! GitHub requires of a composite action, its scripts go through
//! ShellCheck, and the README's workflow through actionlint. On CI both
//! tools must be there (`.ci/run` installs them); elsewhere a missing one
//! is skipped with a note.

mod support;

use std::collections::BTreeSet;
use std::process::Command;

use regex::Regex;
use serde_json::Value;
use support::repo;

fn yaml(text: &str, what: &str) -> Value {
    serde_saphyr::from_str::<Value>(text).unwrap_or_else(|e| panic!("{what} is not YAML: {e}"))
}

fn action() -> (String, Value) {
    let text = std::fs::read_to_string(repo().join("action.yml")).unwrap();
    let value = yaml(&text, "action.yml");
    (text, value)
}

fn on_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// The tool, or `None` (with a note) when it is missing off CI.
fn tool(name: &str) -> Option<String> {
    let found = Command::new(name)
        .arg(if name == "actionlint" {
            "-version"
        } else {
            "--version"
        })
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return Some(name.to_string());
    }
    assert!(
        !on_ci(),
        "CI: `{name}` is not on PATH (.ci/run installs it)"
    );
    eprintln!("note: `{name}` is not installed: that part of the check is skipped here");
    None
}

#[test]
fn the_action_is_a_complete_composite_action() {
    let (text, action) = action();
    for key in ["name", "description"] {
        assert!(action[key].as_str().is_some_and(|s| !s.is_empty()), "{key}");
    }
    assert_eq!(action["runs"]["using"], "composite");
    let steps = action["runs"]["steps"].as_array().expect("runs.steps");
    assert!(!steps.is_empty());
    let inputs = action["inputs"].as_object().expect("inputs");
    for (name, input) in inputs {
        assert!(
            input["description"].as_str().is_some_and(|d| !d.is_empty()),
            "input {name} has no description"
        );
        if input["required"] != true {
            assert!(
                input.get("default").is_some(),
                "optional input {name} has no default"
            );
        }
    }
    assert_eq!(action["inputs"]["base-url"]["required"], true);
    // Every `inputs.X` the action reads is declared; every step it reads exists.
    let declared: BTreeSet<&str> = inputs.keys().map(String::as_str).collect();
    let read = Regex::new(r"inputs\.([A-Za-z0-9_-]+)").unwrap();
    for used in read.captures_iter(&text) {
        assert!(
            declared.contains(&used[1]),
            "inputs.{} is not declared",
            &used[1]
        );
    }
    let ids: BTreeSet<&str> = steps.iter().filter_map(|s| s["id"].as_str()).collect();
    let step_ref = Regex::new(r"steps\.([A-Za-z0-9_-]+)\.outputs").unwrap();
    for used in step_ref.captures_iter(&text) {
        assert!(ids.contains(&used[1]), "no step `{}`", &used[1]);
    }
    for (name, output) in action["outputs"].as_object().expect("outputs") {
        assert!(output["value"].is_string(), "output {name} has no value");
        assert!(output["description"].is_string(), "output {name}");
    }
    let pinned = Regex::new(r"^[\w.-]+/[\w.-]+@v\d+$").unwrap();
    for step in steps {
        let name = step["name"].as_str().unwrap_or("?");
        match (step.get("run"), step.get("uses")) {
            (Some(run), None) => {
                assert!(run.is_string(), "{name}");
                assert_eq!(
                    step["shell"], "bash",
                    "{name}: a composite run step needs a shell"
                );
                // Expressions go through `env`, never into the script itself,
                // where an input could inject shell.
                assert!(
                    !run.as_str().unwrap().contains("${{"),
                    "{name}: an expression in the script"
                );
            }
            (None, Some(uses)) => {
                let uses = uses.as_str().unwrap();
                assert!(pinned.is_match(uses), "{uses}");
            }
            _ => panic!("{name}: a step runs a script or uses an action"),
        }
    }
    // What verity writes: every report kind, uploaded.
    for report in ["junit:", "json:", "markdown:", "html:"] {
        assert!(text.contains(report), "{report}");
    }
    assert!(text.contains("actions/upload-artifact@"));
}

#[test]
fn the_actions_scripts_pass_shellcheck() {
    let Some(shellcheck) = tool("shellcheck") else {
        return;
    };
    let (_, action) = action();
    let dir = tempfile::tempdir().unwrap();
    for (i, step) in action["runs"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let Some(run) = step["run"].as_str() else {
            continue;
        };
        let path = dir.path().join(format!("step-{i}.sh"));
        std::fs::write(&path, format!("#!/usr/bin/env bash\n{run}")).unwrap();
        let output = Command::new(&shellcheck)
            .args(["-S", "style", "-e", "SC2154"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "step `{}`:\n{}",
            step["name"].as_str().unwrap_or("?"),
            String::from_utf8_lossy(&output.stdout)
        );
    }
}

/// The README's workflow using the action: the YAML block of its section.
fn readme_workflow() -> String {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let section = readme
        .split("### The GitHub Action")
        .nth(1)
        .expect("the README has a section `### The GitHub Action`");
    let start = section
        .find("```yaml\n")
        .expect("a yaml block in the section")
        + 8;
    let end = start + section[start..].find("\n```").unwrap();
    section[start..end].to_string()
}

#[test]
fn the_readme_workflow_uses_the_action_as_it_is() {
    let text = readme_workflow();
    let workflow = yaml(&text, "the README's workflow");
    assert!(workflow.get("on").is_some() && workflow.get("jobs").is_some());
    let (_, action) = action();
    let inputs = action["inputs"].as_object().unwrap();
    let mut uses_it = 0;
    for job in workflow["jobs"].as_object().unwrap().values() {
        for step in job["steps"].as_array().unwrap() {
            let Some(uses) = step["uses"].as_str() else {
                continue;
            };
            if !uses.contains("/verity@") {
                continue;
            }
            uses_it += 1;
            let with = step["with"].as_object().expect("the action gets inputs");
            for key in with.keys() {
                assert!(
                    inputs.contains_key(key),
                    "the README passes an unknown input `{key}`"
                );
            }
            assert!(with.contains_key("base-url"));
            let env = step["env"].as_object().expect("secrets go through env");
            assert!(env.keys().any(|k| k.starts_with("VERITY_VAR_")), "{env:?}");
        }
    }
    assert_eq!(uses_it, 1, "the README's workflow uses the action once");

    let Some(actionlint) = tool("actionlint") else {
        return;
    };
    // actionlint checks a workflow inside a repository's .github/workflows.
    let dir = tempfile::tempdir().unwrap();
    let workflows = dir.path().join(".github").join("workflows");
    std::fs::create_dir_all(&workflows).unwrap();
    std::fs::write(workflows.join("conformance.yml"), &text).unwrap();
    assert!(
        Command::new("git")
            .arg("init")
            .arg("-q")
            .arg(dir.path())
            .status()
            .unwrap()
            .success()
    );
    let output = Command::new(&actionlint)
        .args(["-no-color", "-oneline"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "actionlint on the README's workflow:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
