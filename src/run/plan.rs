//! What a run will do: for each suite, where it sends requests and the value
//! of each variable. Every usage problem (unknown variable, missing required
//! value, bad URL) is found here, before anything is sent.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use indexmap::IndexMap;
use url::Url;

use super::secrets::Masker;
use crate::case::model::{Case, Suite};

/// Where a suite's requests go.
#[derive(Debug, Clone)]
pub struct Target {
    pub base_url: Url,
    /// An embedded reference server of this process.
    pub embedded: bool,
}

impl Target {
    /// The embedded reference servers of this process, at `server`.
    pub fn embedded(server: &crate::reference::Running) -> Target {
        Target {
            base_url: server.url(),
            embedded: true,
        }
    }
}

/// A `--base-url` that verity cannot send requests to.
#[derive(Debug, thiserror::Error)]
pub enum BaseUrlError {
    #[error("`{text}` is not a URL: {source}")]
    NotAUrl {
        text: String,
        source: url::ParseError,
    },
    #[error("`{text}`: the base URL must be http:// or https://")]
    Scheme { text: String },
    #[error("`{text}`: the base URL cannot carry a query or a fragment")]
    QueryOrFragment { text: String },
}

/// A variable that has no value, and the ways to give it one. A case that
/// needs it is skipped with this as its reason.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "needs variable `{name}`{}: pass --var {name}=VALUE or set {prefix}{}",
    if description.is_empty() { String::new() } else { format!(" ({description})") },
    name.to_uppercase().replace('-', "_"),
    prefix = ENV_PREFIX
)]
pub struct MissingVariable {
    pub name: String,
    /// The variable's `description:` in suite.yaml, if any.
    pub description: String,
}

/// Why a run cannot be planned; found before anything is sent.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// `declared`: every `suite.variable` the selected suites declare.
    #[error(
        "--var {name}: no selected suite declares a variable `{name}` (declared: {})",
        if declared.is_empty() { "none".to_string() } else { declared.join(", ") }
    )]
    UndeclaredVariable { name: String, declared: Vec<String> },
    #[error("suite `{suite}` has no base URL: pass --base-url {suite}=URL")]
    NoBaseUrl { suite: String },
    #[error("suite `{suite}` {variable}")]
    MissingVariable {
        suite: String,
        variable: MissingVariable,
    },
}

/// Every suite planned against the embedded reference servers at
/// `base_url`, started with `options`, as `verity run` plans them when no
/// URL is given (their seeded values fill the suites' variables).
pub fn build_embedded(
    suites: Vec<Suite>,
    base_url: &Url,
    options: &crate::reference::Options,
) -> Result<Vec<SuitePlan>, PlanError> {
    let target = Target {
        base_url: base_url.clone(),
        embedded: true,
    };
    let targets = suites
        .iter()
        .map(|s| (s.name.clone(), target.clone()))
        .collect();
    let inputs = Inputs {
        embedded_values: crate::reference::embedded_values(options),
        ..Inputs::default()
    };
    build(suites, &targets, &inputs)
}

/// The embedded reference servers these suites need (their `reference:`),
/// each once; `Err` names the first suite that has none.
pub fn embedded_apis<'a>(
    suites: impl IntoIterator<Item = &'a Suite>,
) -> Result<Vec<crate::reference::Api>, &'a Suite> {
    let mut apis = Vec::new();
    for suite in suites {
        match suite
            .reference
            .as_deref()
            .and_then(crate::reference::Api::from_name)
        {
            Some(api) if !apis.contains(&api) => apis.push(api),
            Some(_) => {}
            None => return Err(suite),
        }
    }
    Ok(apis)
}

#[derive(Debug)]
pub struct SuitePlan {
    pub suite: Arc<Suite>,
    pub target: Target,
    /// Every variable that has a value.
    pub values: IndexMap<String, String>,
    pub masker: Masker,
    /// Least time between two requests of a case (real servers only).
    pub pacing: Option<Duration>,
    /// Advisory checks decide like the others (`--strict`): a check of what
    /// the docs only show in an example fails instead of warning.
    pub strict: bool,
    /// The statuses the run saw for each documented operation; `None` for a
    /// suite without a statement registry.
    pub observed: Option<Arc<super::observed::Observed>>,
}

#[derive(Debug, Default)]
pub struct Inputs {
    /// `--var NAME=VALUE`, in order (a later one wins).
    pub vars: Vec<(String, String)>,
    /// The process environment (only `VERITY_VAR_*` entries are read).
    pub env: Vec<(String, String)>,
    /// Values the embedded servers provide (their API key, seeded fixtures).
    pub embedded_values: BTreeMap<String, String>,
    /// Ignore the suites' pacing.
    pub no_pacing: bool,
    /// Advisory checks fail instead of warning (`--strict`).
    pub strict: bool,
}

pub const ENV_PREFIX: &str = "VERITY_VAR_";

fn env_matches(env_suffix: &str, variable: &str) -> bool {
    env_suffix.len() == variable.len()
        && env_suffix
            .chars()
            .zip(variable.chars())
            .all(|(e, v)| e.eq_ignore_ascii_case(&v) || (e == '_' && v == '-'))
}

/// Validates the base URL given on the command line.
pub fn parse_base_url(text: &str) -> Result<Url, BaseUrlError> {
    let url = Url::parse(text).map_err(|source| BaseUrlError::NotAUrl {
        text: text.into(),
        source,
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(BaseUrlError::Scheme { text: text.into() });
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(BaseUrlError::QueryOrFragment { text: text.into() });
    }
    Ok(url)
}

pub fn build(
    suites: Vec<Suite>,
    targets: &BTreeMap<String, Target>,
    inputs: &Inputs,
) -> Result<Vec<SuitePlan>, PlanError> {
    for (name, _) in &inputs.vars {
        if !suites.iter().any(|s| s.variables.contains_key(name)) {
            let declared: Vec<String> = suites
                .iter()
                .flat_map(|s| s.variables.keys().map(move |v| format!("{}.{v}", s.name)))
                .collect();
            return Err(PlanError::UndeclaredVariable {
                name: name.clone(),
                declared,
            });
        }
    }
    let mut plans = Vec::new();
    for suite in suites {
        let target = targets
            .get(&suite.name)
            .cloned()
            .ok_or_else(|| PlanError::NoBaseUrl {
                suite: suite.name.clone(),
            })?;
        let mut values = IndexMap::new();
        let mut missing_required = Vec::new();
        for (name, decl) in &suite.variables {
            let from_cli = inputs
                .vars
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone());
            let from_env = inputs
                .env
                .iter()
                .find(|(k, _)| {
                    k.strip_prefix(ENV_PREFIX)
                        .is_some_and(|suffix| env_matches(suffix, name))
                })
                .map(|(_, v)| v.clone());
            let from_embedded = if target.embedded {
                inputs.embedded_values.get(name).cloned()
            } else {
                None
            };
            match from_cli
                .or(from_env)
                .or(from_embedded)
                .or_else(|| decl.default.clone())
            {
                Some(v) => {
                    values.insert(name.clone(), v);
                }
                None if decl.required => missing_required.push(name.clone()),
                None => {}
            }
        }
        if let Some(name) = missing_required.first() {
            return Err(PlanError::MissingVariable {
                variable: missing_variable(&suite, name),
                suite: suite.name.clone(),
            });
        }
        let masker = Masker::new(
            suite
                .variables
                .iter()
                .filter(|(_, d)| d.secret)
                .filter_map(|(n, _)| values.get(n).cloned()),
        );
        let pacing = match (&suite.pacing, target.embedded || inputs.no_pacing) {
            (Some(p), false) if p.step_interval_ms > 0 => {
                Some(Duration::from_millis(p.step_interval_ms))
            }
            _ => None,
        };
        plans.push(SuitePlan {
            target,
            values,
            masker,
            pacing,
            strict: inputs.strict,
            observed: suite
                .statements
                .as_ref()
                .map(|r| Arc::new(super::observed::Observed::of(r))),
            suite: Arc::new(suite),
        });
    }
    Ok(plans)
}

/// Why a case cannot run with these values, if it cannot.
pub fn skip_reason(plan: &SuitePlan, case: &Case) -> Option<String> {
    let missing: Vec<&String> = case
        .uses_variables
        .iter()
        .filter(|v| !plan.values.contains_key(*v))
        .collect();
    let name = missing.first()?;
    Some(missing_variable(&plan.suite, name).to_string())
}

/// `name`, a variable `suite` declares, as missing.
fn missing_variable(suite: &Suite, name: &str) -> MissingVariable {
    MissingVariable {
        name: name.to_string(),
        description: suite.variables[name].description.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names_match_case_insensitively() {
        assert!(env_matches("API_KEY", "api_key"));
        assert!(env_matches("ACTIVE_MEMBER_ID", "active-member-id"));
        assert!(!env_matches("API_KEYS", "api_key"));
    }

    fn paced_suite() -> Suite {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("suite.yaml"),
            "name: s\npacing: { step_interval_ms: 1000 }\n",
        )
        .unwrap();
        crate::case::load_suite(dir.path(), None).unwrap()
    }

    fn pacing_of(embedded: bool, no_pacing: bool) -> Option<Duration> {
        let target = Target {
            base_url: Url::parse("http://127.0.0.1:1").unwrap(),
            embedded,
        };
        let targets = BTreeMap::from([("s".to_string(), target)]);
        let inputs = Inputs {
            no_pacing,
            ..Inputs::default()
        };
        build(vec![paced_suite()], &targets, &inputs).unwrap()[0].pacing
    }

    #[test]
    fn pacing_applies_to_real_servers_unless_switched_off() {
        assert_eq!(pacing_of(false, false), Some(Duration::from_millis(1000)));
        assert_eq!(pacing_of(false, true), None);
        assert_eq!(pacing_of(true, false), None);
    }

    #[test]
    fn base_urls_are_checked() {
        assert!(parse_base_url("http://127.0.0.1:8080").is_ok());
        assert!(parse_base_url("https://ip.example.com/prefix").is_ok());
        assert!(parse_base_url("ftp://x").is_err());
        assert!(parse_base_url("127.0.0.1:8080").is_err());
        assert!(parse_base_url("http://x/?a=1").is_err());
        assert_eq!(
            parse_base_url("http://x/#top").unwrap_err().to_string(),
            "`http://x/#top`: the base URL cannot carry a query or a fragment"
        );
    }

    #[test]
    fn a_missing_variable_says_how_to_give_it() {
        let bare = MissingVariable {
            name: "active-member-id".into(),
            description: String::new(),
        };
        assert_eq!(
            bare.to_string(),
            "needs variable `active-member-id`: pass --var active-member-id=VALUE or set VERITY_VAR_ACTIVE_MEMBER_ID"
        );
        let described = PlanError::MissingVariable {
            suite: "onsi".into(),
            variable: MissingVariable {
                description: "an active member".into(),
                ..bare
            },
        };
        assert_eq!(
            described.to_string(),
            "suite `onsi` needs variable `active-member-id` (an active member): pass --var active-member-id=VALUE or set VERITY_VAR_ACTIVE_MEMBER_ID"
        );
    }
}
