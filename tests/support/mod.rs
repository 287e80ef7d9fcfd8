//! Shared by the integration tests: run the verity binary, start servers on
//! 127.0.0.1:0, write throwaway suites.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use verity::case::{self, Suite};
use verity::http::{Client, ClientOptions};
use verity::reference::{self, Faults, Options};
use verity::run::plan;
use verity::run::{self, CaseResult, Event, Fresh, Reporter, RunOptions, Summary};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the verity binary from the repository root, colours off.
pub fn verity(args: &[&str]) -> Output {
    verity_env(args, &[])
}

/// The verity binary as the tests run it: from the repository root, colours
/// off, none of the caller's verity variables and, unless `env` sets them,
/// not on CI (`.ci/run` sets `CI`) nor under GitHub Actions.
pub fn verity_command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_verity"));
    command
        .args(args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .env_remove("VERITY_VAR_API_KEY")
        .env_remove("VERITY_VAR_ACTIVE_MEMBER_ID")
        .env_remove("VERITY_VAR_PARTNER_GUID")
        .env_remove("CI")
        .env_remove("TF_BUILD")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_WORKSPACE");
    for (name, value) in env {
        command.env(name, value);
    }
    command
}

/// [`verity`] with extra environment variables.
pub fn verity_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    verity_command(args, env)
        .output()
        .expect("the verity binary runs")
}

/// Serves `app` on 127.0.0.1:0; the URL and the task to abort.
pub async fn serve(app: axum::Router) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, task)
}

/// A reference server (both APIs) with `faults` on 127.0.0.1:0, and the
/// options it was started with (what `plan::build_embedded` needs).
pub async fn reference_server(faults: &[&str]) -> (reference::Running, Options) {
    let options = Options {
        faults: Faults::from_names(faults).unwrap(),
        ..Options::default()
    };
    let server = reference::start(([127, 0, 0, 1], 0).into(), &options)
        .await
        .expect("the reference server starts");
    (server, options)
}

pub fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Runs the binary without blocking the async runtime that serves the test's servers.
pub async fn verity_async(args: Vec<String>) -> Output {
    verity_async_env(args, Vec::new()).await
}

/// [`verity_async`] with extra environment variables.
pub async fn verity_async_env(args: Vec<String>, env: Vec<(String, String)>) -> Output {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        verity_env(&args, &env)
    })
    .await
    .expect("the blocking task finishes")
}

pub fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

pub fn last_line(s: &str) -> &str {
    s.trim_end().lines().last().unwrap_or("")
}

/// Keeps every finished case.
#[derive(Default)]
pub struct Collect(pub Vec<CaseResult>);

impl Reporter for Collect {
    fn event(&mut self, event: &Event<'_>) {
        if let Event::CaseFinished(case) = event {
            self.0.push((*case).clone());
        }
    }
}

pub fn load_suites() -> Vec<Suite> {
    case::load_root(&repo().join("cases"), &[]).expect("the committed suites load")
}

/// Runs the committed suites in-process against a reference server with
/// these faults, as `verity run` does with no URL.
pub async fn run_suites(faults: Faults) -> (Summary, Vec<CaseResult>) {
    let options = Options {
        faults,
        ..Options::default()
    };
    let server = reference::start(([127, 0, 0, 1], 0).into(), &options)
        .await
        .expect("the reference server starts");
    let outcome = run_against(&server.url(), &options, &RunOptions::default()).await;
    server.stop().await;
    outcome
}

/// Runs the committed suites in-process against a reference server started
/// with `server` options, at `url`.
pub async fn run_against(
    url: &url::Url,
    server: &Options,
    run_options: &RunOptions,
) -> (Summary, Vec<CaseResult>) {
    let plans: Vec<_> = plan::build_embedded(load_suites(), url, server)
        .unwrap()
        .into_iter()
        .map(Arc::new)
        .collect();
    let client = Client::new(ClientOptions::default()).unwrap();
    let mut collect = Collect::default();
    let summary = run::run(
        &plans,
        &client,
        run_options,
        Arc::new(Fresh::new()),
        &mut [&mut collect],
    )
    .await;
    (summary, collect.0)
}

/// Answers with everything it was sent (URI, headers, body), so a secret
/// that leaked into a request comes back in the answer.
pub fn echo_app() -> axum::Router {
    axum::Router::new().route(
        "/echo/{*rest}",
        axum::routing::any(
            |uri: axum::http::Uri, headers: axum::http::HeaderMap, body: String| async move {
                let headers: Vec<String> = headers
                    .iter()
                    .map(|(n, v)| format!("{n}: {}", v.to_str().unwrap_or("")))
                    .collect();
                axum::Json(
                    serde_json::json!({"uri": uri.to_string(), "headers": headers, "body": body}),
                )
            },
        ),
    )
}

/// `verity run` of a throwaway suite (`suite_yaml` and one case file)
/// against `url`, with extra flags: its JSON report, and the output.
pub async fn run_with_report(
    suite_yaml: &str,
    cases: &str,
    url: &str,
    flags: &[&str],
) -> (verity::report::Report, Output) {
    let dir = suite_dir(suite_yaml, &[("c.yaml", cases)]);
    let out = tempfile::tempdir().unwrap();
    let report = out.path().join("r.json");
    let mut argv = args(&[
        "run",
        "--cases",
        &path_str(dir.path()),
        "--base-url",
        url,
        "--report",
        &format!("json:{}", report.display()),
    ]);
    argv.extend(args(flags));
    let output = verity_async(argv).await;
    let report =
        verity::report::json::read(&report).unwrap_or_else(|e| panic!("{e}\n{:?}", text(&output)));
    (report, output)
}

/// A throwaway suite directory: `suite.yaml` plus the given case files.
pub fn suite_dir(suite_yaml: &str, files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("s");
    std::fs::create_dir(&suite).unwrap();
    std::fs::write(suite.join("suite.yaml"), suite_yaml).unwrap();
    for (name, content) in files {
        let path = suite.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, content).unwrap();
    }
    dir
}

pub fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// A copy of the committed cases (`DIR/cases`), to change: save
/// counterexamples into, take cases out of, add cases to.
pub fn cases_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("cp")
        .arg("-r")
        .arg(repo().join("cases"))
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    dir
}

/// Asserts that `document` meets the JSON Schema `docs/<schema_file>`,
/// listing every error with its place.
pub fn assert_meets_schema(document: &serde_json::Value, schema_file: &str) {
    let path = repo().join("docs").join(schema_file);
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{schema_file} errors: {errors:#?}");
}

/// The seeded active Onsi member of the reference servers.
pub const ACTIVE_MEMBER: &str = "mem_q5sdae3se6eg9m9dcvug";

/// Runs `verity run` against a reference server started in this process on
/// 127.0.0.1:0 with these faults of the catalogue switched on, with
/// `extra` arguments (reports, `--seed`, ...).
pub async fn run_with_faults(faults: &[&str], extra: &[&str]) -> Output {
    let options = Options {
        faults: Faults::from_names(faults).expect("faults of the catalogue"),
        ..Options::default()
    };
    let server = reference::start(([127, 0, 0, 1], 0).into(), &options)
        .await
        .expect("the reference server starts");
    let url = server.url().to_string();
    let active = format!("active_member_id={ACTIVE_MEMBER}");
    let mut list = vec![
        "run",
        "--base-url",
        url.as_str(),
        "--no-pacing",
        "--var",
        active.as_str(),
    ];
    list.extend_from_slice(extra);
    let output = verity_async(args(&list)).await;
    server.stop().await;
    output
}
