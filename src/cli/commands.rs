use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use super::args::{CheckArgs, Cli, Color, Command, ListArgs, RunArgs, ServeArgs};
use super::{EXIT_FAILED, EXIT_USAGE};
use crate::case::{self, LoadErrors, Suite};
use crate::http::{Client, ClientOptions};
use crate::reference::{self, Api, Faults};
use crate::report::Console;
use crate::report::style::{ColorChoice, Style};
use crate::run::plan::{self, Inputs, Target};
use crate::run::{self, Fresh, RunOptions};

pub async fn dispatch(cli: Cli) -> u8 {
    match cli.command {
        Command::Run(args) => run(args).await,
        Command::Serve(args) => serve(args).await,
        Command::List(args) => list(args),
        Command::Check(args) => check(args),
    }
}

fn usage(message: impl std::fmt::Display) -> u8 {
    eprintln!("error: {message}");
    EXIT_USAGE
}

fn load_errors(errors: &LoadErrors) -> u8 {
    for e in &errors.0 {
        eprintln!("{e}");
    }
    eprintln!(
        "error: {} problem{} in the case files; nothing was sent",
        errors.0.len(),
        if errors.0.len() == 1 { "" } else { "s" }
    );
    EXIT_USAGE
}

fn parse_var(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_string(), value.to_string()))
        }
        _ => Err(format!("--var `{text}`: write NAME=VALUE")),
    }
}

/// `URL` for every suite, or `SUITE=URL` for one.
fn parse_base_urls(given: &[String], suites: &[Suite]) -> Result<BTreeMap<String, Target>, String> {
    let mut targets = BTreeMap::new();
    for text in given {
        let (suite, url) = match text.split_once('=') {
            Some((name, url)) if !name.contains(':') && !name.contains('/') => (Some(name), url),
            _ => (None, text.as_str()),
        };
        let url = plan::parse_base_url(url)?;
        let target = Target {
            base_url: url,
            embedded: false,
        };
        match suite {
            Some(name) => {
                if !suites.iter().any(|s| s.name == name) {
                    let names: Vec<&str> = suites.iter().map(|s| s.name.as_str()).collect();
                    return Err(format!(
                        "--base-url {text}: no selected suite `{name}` (selected: {})",
                        names.join(", ")
                    ));
                }
                targets.insert(name.to_string(), target);
            }
            None => {
                for s in suites {
                    targets
                        .entry(s.name.clone())
                        .or_insert_with(|| target.clone());
                }
            }
        }
    }
    Ok(targets)
}

async fn run(args: RunArgs) -> u8 {
    let suites = match case::load_root(&args.cases, &args.suites) {
        Ok(s) => s,
        Err(e) => return load_errors(&e),
    };
    let mut targets = match parse_base_urls(&args.base_urls, &suites) {
        Ok(t) => t,
        Err(e) => return usage(e),
    };
    let mut vars = Vec::new();
    for text in &args.vars {
        match parse_var(text) {
            Ok(pair) => vars.push(pair),
            Err(e) => return usage(e),
        }
    }
    if !(args.timeout > 0.0 && args.timeout.is_finite()) {
        return usage("--timeout must be a positive number of seconds");
    }

    // Suites without a URL run against the embedded reference servers.
    let mut needed = Vec::new();
    for suite in suites.iter().filter(|s| !targets.contains_key(&s.name)) {
        let api = suite.reference.as_deref().and_then(Api::from_name);
        match api {
            Some(api) if !needed.contains(&api) => needed.push(api),
            Some(_) => {}
            None => {
                return usage(format!(
                    "suite `{}` has no embedded reference server: pass --base-url {}=URL",
                    suite.name, suite.name
                ));
            }
        }
    }
    let options = reference::Options {
        apis: needed.clone(),
        ..reference::Options::default()
    };
    let embedded = if needed.is_empty() {
        None
    } else {
        match reference::start(([127, 0, 0, 1], 0).into(), &options).await {
            Ok(server) => Some(server),
            Err(e) => return usage(format!("cannot start the embedded reference servers: {e}")),
        }
    };
    if let Some(server) = &embedded {
        let url = url::Url::parse(&server.base_url()).expect("a socket address is a valid URL");
        for suite in &suites {
            targets.entry(suite.name.clone()).or_insert_with(|| Target {
                base_url: url.clone(),
                embedded: true,
            });
        }
    }
    let inputs = Inputs {
        vars,
        env: std::env::vars()
            .filter(|(k, _)| k.starts_with(plan::ENV_PREFIX))
            .collect(),
        embedded_values: reference::embedded_values(&options),
        no_pacing: args.no_pacing,
    };
    let plans = match plan::build(suites, &targets, &inputs) {
        Ok(p) => p.into_iter().map(Arc::new).collect::<Vec<_>>(),
        Err(e) => return usage(e),
    };
    let client = match Client::new(ClientOptions {
        timeout: Duration::from_secs_f64(args.timeout),
        max_body_bytes: args.max_body,
        ..ClientOptions::default()
    }) {
        Ok(c) => c,
        Err(e) => return usage(format!("cannot build the HTTP client: {e}")),
    };
    let run_options = RunOptions {
        jobs: args.jobs as usize,
        strict: args.strict,
        filters: args.filters,
    };
    let style = Style::for_stdout(match args.color {
        Color::Auto => ColorChoice::Auto,
        Color::Always => ColorChoice::Always,
        Color::Never => ColorChoice::Never,
    });
    let mut console = Console::new(std::io::stdout().lock(), style, args.quiet);
    let summary = run::run(
        &plans,
        &client,
        &run_options,
        Arc::new(Fresh::new()),
        &mut [&mut console],
    )
    .await;
    if let Some(server) = embedded {
        server.stop().await;
    }
    if summary.success() { 0 } else { EXIT_FAILED }
}

async fn serve(args: ServeArgs) -> u8 {
    if args.faults.iter().any(|f| f == "list") {
        for fault in reference::catalogue() {
            println!(
                "{:<40} {:<7} {}",
                fault.name,
                fault.api.name(),
                fault.summary
            );
        }
        return 0;
    }
    let mut apis = Vec::new();
    for name in &args.suites {
        match Api::from_name(name) {
            Some(api) => apis.push(api),
            None => {
                return usage(format!(
                    "--suite {name}: the reference servers are `toluna` and `onsi`"
                ));
            }
        }
    }
    if apis.is_empty() {
        apis = Api::ALL.to_vec();
    }
    let faults = match Faults::from_names(&args.faults) {
        Ok(f) => f,
        Err(e) => return usage(e),
    };
    let custom_key = args.api_key.is_some();
    let options = reference::Options {
        apis: apis.clone(),
        faults,
        onsi_api_key: args
            .api_key
            .unwrap_or_else(|| reference::DEMO_API_KEY.to_string()),
    };
    let server = match reference::start(args.addr, &options).await {
        Ok(s) => s,
        Err(e) => return usage(format!("cannot listen on {}: {e}", args.addr)),
    };
    let base = server.base_url();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "verity reference servers listening on {base}");
    if apis.contains(&Api::Toluna) {
        let _ = writeln!(
            out,
            "  toluna: {base}/IntegratedPanelService/api/Respondent  (header Accept: application/json;version=2.0)"
        );
        let _ = writeln!(
            out,
            "          seeded member: memberCode={} partnerGUID={}",
            reference::toluna::SEED_MEMBER_CODE,
            reference::toluna::SEED_PARTNER_GUID
        );
    }
    if apis.contains(&Api::Onsi) {
        let key = if custom_key {
            "the key given with --api-key".to_string()
        } else {
            format!("x-api-key: {}", reference::DEMO_API_KEY)
        };
        let _ = writeln!(out, "  onsi:   {base}/v1/members  ({key})");
        let _ = writeln!(
            out,
            "          seeded active member: {}",
            reference::onsi::SEED_ACTIVE_MEMBER_ID
        );
    }
    for fault in options.faults.names() {
        let _ = writeln!(out, "  fault switched on: {fault}");
    }
    let _ = writeln!(
        out,
        "Run the suites against it:  verity run --base-url {base} --var active_member_id={}",
        reference::onsi::SEED_ACTIVE_MEMBER_ID
    );
    let _ = writeln!(out, "Stop with Ctrl-C.");
    let _ = out.flush();
    drop(out);
    let _ = tokio::signal::ctrl_c().await;
    server.stop().await;
    0
}

fn list(args: ListArgs) -> u8 {
    let suites = match case::load_root(&args.cases, &args.suites) {
        Ok(s) => s,
        Err(e) => return load_errors(&e),
    };
    let mut out = std::io::stdout().lock();
    for suite in &suites {
        let _ = writeln!(
            out,
            "{}  ({} cases, {})  {}",
            suite.name,
            suite.cases.len(),
            suite.dir.display(),
            suite.description.lines().next().unwrap_or("")
        );
        for case in &suite.cases {
            let strict = if case.strict { " [strict]" } else { "" };
            let _ = writeln!(out, "  {}::{}{strict}  {}", suite.name, case.name, case.pos);
        }
    }
    0
}

fn check(args: CheckArgs) -> u8 {
    match case::load_path(&args.path) {
        Ok(suites) => {
            let cases: usize = suites.iter().map(|s| s.cases.len()).sum();
            println!(
                "ok: {} suite{}, {cases} case{}",
                suites.len(),
                if suites.len() == 1 { "" } else { "s" },
                if cases == 1 { "" } else { "s" }
            );
            0
        }
        Err(e) => load_errors(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vars_need_a_name_and_an_equals_sign() {
        assert_eq!(parse_var("a=b=c").unwrap(), ("a".into(), "b=c".into()));
        assert_eq!(parse_var("a=").unwrap(), ("a".into(), "".into()));
        assert!(parse_var("a").is_err());
        assert!(parse_var("=b").is_err());
    }
}
