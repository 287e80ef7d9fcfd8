//! Values a server lists (`valid: { from: { request, path } }` in
//! `properties.yaml`): asked once per run and suite, before any property
//! generates, and shared by every property of the suite. Each `from` is
//! then replaced by a `one_of` of the values, in the order the server gave
//! them, so generation and the case builder see declared values only, and
//! a seed repeats a run given the same answer.
//!
//! A request that fails, or an answer with no value at the path, fails each
//! property of the suite with one result naming the request, its answer and
//! the declaration. An answer with one value only leaves nothing to change
//! the field between: the declared fallback is generated instead, and the
//! result says so in a note.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use indexmap::IndexMap;
use serde_json::Value;
use tokio::runtime::Runtime;

use super::spec::PropertySpec;
use super::value::{Discover, ValueSpec};
use crate::case::template::JsonTemplate;
use crate::case::{Case, Origin, Pos, Step, visit};
use crate::http::Client;
use crate::run::result::{RequestSummary, StepKind};
use crate::run::{self, CaseInfo, CaseResult, Fresh, Outcome, StepResult, SuitePlan};

/// The longest part of an answer quoted in an error.
const QUOTED: usize = 300;

/// The spec of one suite with its discovered values, made once and shared
/// by the properties of the suite in a run.
#[derive(Debug, Default)]
pub struct Discovery {
    resolved: OnceLock<Result<Resolved, Failure>>,
}

#[derive(Debug)]
pub struct Resolved {
    /// The declarations, each `from` replaced by what the server listed.
    pub spec: Arc<PropertySpec>,
    /// What a result should tell (a field the server lists one value of).
    pub notes: Vec<String>,
}

/// Why the values could not be discovered, as a property's failed step.
#[derive(Debug, Clone)]
pub struct Failure {
    pub step: Box<StepResult>,
}

impl Discovery {
    /// The resolved spec, asking the server the first time only: other
    /// properties of the suite that ask meanwhile wait for that answer.
    /// Also the requests this call sent (0 but for the first caller).
    pub fn resolve(
        &self,
        plan: &SuitePlan,
        spec: &Arc<PropertySpec>,
        runtime: &Runtime,
        client: &Client,
        fresh: &Arc<Fresh>,
    ) -> (&Result<Resolved, Failure>, u64) {
        let mut sent = 0;
        let resolved = self
            .resolved
            .get_or_init(|| resolve(plan, spec, runtime, client, fresh, &mut sent));
        (resolved, sent)
    }

    /// The resolved spec, once [`Self::resolve`] has made it.
    pub fn get(&self) -> Option<&Resolved> {
        self.resolved.get().and_then(|r| r.as_ref().ok())
    }
}

fn resolve(
    plan: &SuitePlan,
    spec: &Arc<PropertySpec>,
    runtime: &Runtime,
    client: &Client,
    fresh: &Arc<Fresh>,
    sent: &mut u64,
) -> Result<Resolved, Failure> {
    let discoveries = spec.discoveries();
    if discoveries.is_empty() {
        return Ok(Resolved {
            spec: spec.clone(),
            notes: Vec::new(),
        });
    }
    // One request for each distinct path, however many declarations read it.
    let mut answers: BTreeMap<String, (Value, StepResult)> = BTreeMap::new();
    let mut values: BTreeMap<(String, String), Vec<Value>> = BTreeMap::new();
    let mut notes = Vec::new();
    for (what, d) in &discoveries {
        let key = d.request.clone();
        if !answers.contains_key(&key) {
            let answer = ask(plan, what, d, runtime, client, fresh, sent)?;
            answers.insert(key.clone(), answer);
        }
        let (json, step) = &answers[&key];
        let listed = distinct(d.compiled.query(json).all());
        if listed.is_empty() {
            let answer = quoted(&json.to_string());
            let mut step = step.clone();
            step.passed = false;
            step.error = Some(plan.masker.mask(&format!(
                "{what}: `{}` selects no value in the answer to {} (declared at {}): its answer was {answer}",
                d.select,
                d.request,
                d.place()
            )));
            return Err(Failure {
                step: Box::new(step),
            });
        }
        let selected = (key, d.select.clone());
        // Said once for each request and path, however many declarations.
        if listed.len() == 1 && !values.contains_key(&selected) {
            let fallback = match &d.fallback {
                Some(_) => "the declared fallback is generated instead".to_string(),
                None => "it is the only value generated".to_string(),
            };
            notes.push(plan.masker.mask(&format!(
                "{what}: {} lists one value only ({}), so updates cannot move it to another; {fallback} ({})",
                d.request,
                listed[0],
                d.place()
            )));
        }
        values.insert(selected, listed);
    }
    let resolved = spec.with_discovered(&mut |d: &Discover| {
        // Every declaration was asked for above.
        let listed = &values[&(d.request.clone(), d.select.clone())];
        match &d.fallback {
            Some(fallback) if listed.len() == 1 => fallback.clone(),
            _ => ValueSpec::OneOf(listed.iter().map(JsonTemplate::literal).collect()),
        }
    });
    Ok(Resolved {
        spec: Arc::new(resolved),
        notes,
    })
}

/// The values in the order the server gave them, each once.
fn distinct(found: Vec<&Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for value in found {
        if !out.contains(value) {
            out.push(value.clone());
        }
    }
    out
}

/// Sends the request of `d` and reads its answer as JSON.
fn ask(
    plan: &SuitePlan,
    what: &str,
    d: &Discover,
    runtime: &Runtime,
    client: &Client,
    fresh: &Arc<Fresh>,
    sent: &mut u64,
) -> Result<(Value, StepResult), Failure> {
    let fail = |mut step: StepResult, why: String| {
        step.passed = false;
        step.error = Some(plan.masker.mask(&format!(
            "{what}: its values come from {} (declared at {}), {why}",
            d.request,
            d.place()
        )));
        Failure {
            step: Box::new(step),
        }
    };
    let case = case_of(plan, d);
    if let Some(reason) = run::plan::skip_reason(plan, &case) {
        return Err(fail(
            unsent_step(d),
            format!("which cannot be sent: {reason}"),
        ));
    }
    let step = sent_step_of(plan, &case, runtime, client, fresh, sent);
    let Some(response) = step.response.clone() else {
        let error = step.error.clone().unwrap_or_default();
        return Err(fail(step, format!("which got no answer: {error}")));
    };
    if !(200..300).contains(&response.status) {
        let why = format!(
            "which answered {}, not a success: {}",
            response.status,
            quoted(&response.body)
        );
        return Err(fail(step, why));
    }
    if response.body_bytes > response.body.len() {
        let why = format!(
            "whose answer of {} bytes is longer than verity keeps ({} bytes)",
            response.body_bytes,
            response.body.len()
        );
        return Err(fail(step, why));
    }
    match serde_json::from_str::<Value>(&response.body) {
        Ok(json) => Ok((json, step)),
        Err(e) => {
            let why = format!("whose answer is not JSON ({e}): {}", quoted(&response.body));
            Err(fail(step, why))
        }
    }
}

/// The request of `d` as a generated case of one step, run as cases are:
/// the suite's headers and base path, its pacing and retries, secrets
/// masked in what it records. Its variables are those of the path and of
/// the suite's headers (Onsi's key), so that a missing one skips it.
fn case_of(plan: &SuitePlan, d: &Discover) -> Case {
    let origin = Origin::File(pos_of(d));
    let mut case = Case {
        name: format!("discover {}", d.request),
        description: String::new(),
        doc: String::new(),
        checks: Vec::new(),
        strict: false,
        origin: origin.clone(),
        vars: IndexMap::new(),
        // Judged here, where the message can name the declaration.
        steps: vec![Step::get(d.request.clone(), origin, d.path.clone())],
        uses_variables: Vec::new(),
    };
    case.uses_variables = visit::suite_variables_used(&plan.suite, &mut case);
    case
}

fn pos_of(d: &Discover) -> Pos {
    d.pos.clone().unwrap_or_else(|| Pos {
        file: Arc::new("properties.yaml".into()),
        line: 1,
        column: 1,
    })
}

fn sent_step_of(
    plan: &SuitePlan,
    case: &Case,
    runtime: &Runtime,
    client: &Client,
    fresh: &Arc<Fresh>,
    sent: &mut u64,
) -> StepResult {
    let result = runtime.block_on(run::run_generated(plan, case, client, fresh.clone()));
    *sent += result.steps.len() as u64;
    match result.steps.into_iter().next() {
        Some(step) => step,
        None => unsent_step_at(&case.origin, &case.steps[0].name),
    }
}

fn unsent_step(d: &Discover) -> StepResult {
    unsent_step_at(&Origin::File(pos_of(d)), &d.request)
}

fn unsent_step_at(origin: &Origin, name: &str) -> StepResult {
    StepResult {
        name: name.to_string(),
        kind: StepKind::Exchange,
        source: origin.pos().clone(),
        request: RequestSummary {
            method: "GET".into(),
            url: String::new(),
            headers: Vec::new(),
            body: None,
        },
        response: None,
        error: None,
        checks: Vec::new(),
        passed: false,
        duration: Duration::ZERO,
        attempts: 0,
        retries: Vec::new(),
    }
}

/// At most [`QUOTED`] characters of an answer.
fn quoted(text: &str) -> String {
    if text.is_empty() {
        return "(an empty body)".into();
    }
    match text.char_indices().nth(QUOTED) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// A property's result when the values it needs could not be discovered.
pub fn failed(info: &CaseInfo, failure: &Failure, seed: u64) -> CaseResult {
    let mut result = CaseResult::named(info.clone());
    result.outcome = Outcome::Failed;
    result.steps.push((*failure.step).clone());
    result.seed = Some(seed);
    result
}
