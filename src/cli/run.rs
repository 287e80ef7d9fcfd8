//! `verity run`: load, plan, start the embedded servers where no URL is
//! given, run, report.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::args::{Color, PropertiesMode, RunArgs};
use super::{EXIT_FAILED, load_errors, usage};
use crate::case::{self, Suite};
use crate::http::{Client, ClientOptions};
use crate::properties::{self, Settings};
use crate::reference::{self, Api};
use crate::report::Console;
use crate::report::style::{ColorChoice, Style};
use crate::run::plan::{self, Inputs, Target};
use crate::run::{self, Fresh, RunOptions};

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

pub async fn run(args: RunArgs) -> u8 {
    let mut suites = match case::load_root(&args.cases, &args.suites) {
        Ok(s) => s,
        Err(e) => return load_errors(&e),
    };
    let specs = match args.properties {
        PropertiesMode::Off => BTreeMap::new(),
        _ => match properties::load_all(&suites) {
            Ok(s) => s,
            Err(e) => return load_errors(&e),
        },
    };
    if args.properties == PropertiesMode::Only {
        for suite in &mut suites {
            suite.cases.clear();
        }
    }
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
    let settings = Settings {
        cases: args.property_cases,
        save_failures: args.save_failures,
        ..Settings::new(args.seed.unwrap_or_else(properties::random_seed))
    };
    let mut run_options = RunOptions {
        jobs: args.jobs as usize,
        strict: args.strict,
        filters: args.filters,
        hooks: Vec::new(),
        tasks: Vec::new(),
    };
    for plan in &plans {
        if let Some(spec) = specs.get(&plan.suite.name) {
            for task in properties::tasks(plan, spec, &settings) {
                let id = format!("{}::{}", plan.suite.name, task.property().case_name());
                if run::passes_filters(&run_options, &id) {
                    run_options.tasks.push(task);
                }
            }
        }
    }
    if !args.quiet && !run_options.tasks.is_empty() {
        println!(
            "properties: seed {} (--seed {} repeats the same generated requests), {} generated cases each",
            settings.seed, settings.seed, settings.cases
        );
    }
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
