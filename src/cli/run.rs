//! `verity run`: load, plan, start the embedded servers where no URL is
//! given, run, report.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::args::{Color, RunArgs};
use super::{EXIT_FAILED, load_errors, snapshots, usage};
use crate::case::{self, Suite};
use crate::http::{Client, ClientOptions};
use crate::reference::{self, Api};
use crate::report::Console;
use crate::report::style::{ColorChoice, Style};
use crate::run::plan::{self, Inputs, SuitePlan, Target};
use crate::run::{self, Fresh, RunOptions};

fn parse_var(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_string(), value.to_string()))
        }
        _ => Err(format!("--var `{text}`: write NAME=VALUE")),
    }
}

/// Splits `SUITE=URL` (a suite name has no `:` or `/`) from a plain `URL`.
fn split_target(text: &str) -> (Option<&str>, &str) {
    match text.split_once('=') {
        Some((name, url)) if !name.contains(':') && !name.contains('/') => (Some(name), url),
        _ => (None, text),
    }
}

/// The suites a list of `--base-url`-style targets names, or `None` when one
/// of them is for every suite.
pub(crate) fn targeted_suites(given: &[String]) -> Option<Vec<String>> {
    let mut names = Vec::new();
    for text in given {
        match split_target(text) {
            (Some(name), _) => names.push(name.to_string()),
            (None, _) => return None,
        }
    }
    Some(names)
}

/// `URL` for every suite, or `SUITE=URL` for one.
fn parse_base_urls(given: &[String], suites: &[Suite]) -> Result<BTreeMap<String, Target>, String> {
    let mut targets = BTreeMap::new();
    for text in given {
        let (suite, url) = split_target(text);
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

/// A run ready to start: a plan per selected suite, the HTTP client, and the
/// embedded servers started for suites without a URL (stop them after).
pub(crate) struct Prepared {
    pub plans: Vec<Arc<SuitePlan>>,
    pub client: Client,
    pub embedded: Option<reference::Running>,
}

impl Prepared {
    pub async fn stop(self) {
        if let Some(server) = self.embedded {
            server.stop().await;
        }
    }
}

/// Loads the `suites` named (all when empty), plans them against
/// `base_urls`, and starts the embedded servers the others need. On error,
/// the message is printed and the exit code returned.
pub(crate) async fn prepare(
    args: &RunArgs,
    suites: &[String],
    base_urls: &[String],
) -> Result<Prepared, u8> {
    let suites = case::load_root(&args.cases, suites).map_err(|e| load_errors(&e))?;
    let mut targets = parse_base_urls(base_urls, &suites).map_err(usage)?;
    let mut vars = Vec::new();
    for text in &args.vars {
        vars.push(parse_var(text).map_err(usage)?);
    }
    if !(args.timeout > 0.0 && args.timeout.is_finite()) {
        return Err(usage("--timeout must be a positive number of seconds"));
    }

    // Suites without a URL run against the embedded reference servers.
    let mut needed = Vec::new();
    for suite in suites.iter().filter(|s| !targets.contains_key(&s.name)) {
        let api = suite.reference.as_deref().and_then(Api::from_name);
        match api {
            Some(api) if !needed.contains(&api) => needed.push(api),
            Some(_) => {}
            None => {
                return Err(usage(format!(
                    "suite `{}` has no embedded reference server: pass --base-url {}=URL",
                    suite.name, suite.name
                )));
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
            Err(e) => {
                return Err(usage(format!(
                    "cannot start the embedded reference servers: {e}"
                )));
            }
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
    let prepared = plan::build(suites, &targets, &inputs)
        .map(|p| p.into_iter().map(Arc::new).collect::<Vec<_>>())
        .map_err(usage)
        .and_then(|plans| {
            Client::new(ClientOptions {
                timeout: Duration::from_secs_f64(args.timeout),
                max_body_bytes: args.max_body,
                ..ClientOptions::default()
            })
            .map(|client| (plans, client))
            .map_err(|e| usage(format!("cannot build the HTTP client: {e}")))
        });
    match prepared {
        Ok((plans, client)) => Ok(Prepared {
            plans,
            client,
            embedded,
        }),
        Err(code) => {
            if let Some(server) = embedded {
                server.stop().await;
            }
            Err(code)
        }
    }
}

pub(crate) fn run_options(args: &RunArgs) -> RunOptions {
    RunOptions {
        jobs: args.jobs as usize,
        strict: args.strict,
        filters: args.filters.clone(),
        hooks: Vec::new(),
    }
}

pub(crate) fn style(color: Color) -> Style {
    Style::for_stdout(match color {
        Color::Auto => ColorChoice::Auto,
        Color::Always => ColorChoice::Always,
        Color::Never => ColorChoice::Never,
    })
}

pub async fn run(args: RunArgs) -> u8 {
    let prepared = match prepare(&args, &args.suites, &args.base_urls).await {
        Ok(p) => p,
        Err(code) => return code,
    };
    let fresh = Arc::new(Fresh::new());
    let snapshots = match snapshots::hook(&args, &prepared.plans, &fresh) {
        Ok(hook) => hook,
        Err(e) => {
            prepared.stop().await;
            return usage(e);
        }
    };
    let mut run_options = run_options(&args);
    if let Some(hook) = &snapshots {
        run_options.hooks.push(hook.clone());
    }
    let style = style(args.color);
    let mut notes = snapshots::Notes::new(snapshots.clone(), std::io::stdout(), style, args.quiet);
    let mut console = Console::new(std::io::stdout().lock(), style, args.quiet);
    let summary = run::run(
        &prepared.plans,
        &prepared.client,
        &run_options,
        fresh,
        // The notes come first: they print before the summary line, which stays last.
        &mut [&mut notes, &mut console],
    )
    .await;
    prepared.stop().await;
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
