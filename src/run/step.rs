//! Running one case: render each step's request, send it, check the answer,
//! capture values for the next steps. A failed step ends its case: later
//! steps build on it.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::CaseInfo;
use super::plan::SuitePlan;
use super::result::{
    BODY_KEPT, CaseResult, Outcome, RequestSummary, ResponseSummary, StepKind, StepResult,
};
use super::scope::CaseScope;
use super::secrets::Masker;
use crate::case::model::{Body, Capture, CaptureSource, Case, Pos, Step};
use crate::check::{self, CheckKind, CheckResult, Observed, Scope};
use crate::http::{Client, OutgoingRequest};

pub async fn run_case(
    plan: &SuitePlan,
    case: &Case,
    mut scope: CaseScope,
    client: &Client,
) -> CaseResult {
    let started = Instant::now();
    scope.bind_vars(&case.vars);
    let mut steps = Vec::new();
    let mut last_sent: Option<Instant> = None;
    for step in &case.steps {
        if let (Some(interval), Some(last)) = (plan.pacing, last_sent) {
            let wait = interval.saturating_sub(last.elapsed());
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
        }
        last_sent = Some(Instant::now());
        let result = run_step(plan, step, &mut scope, client).await;
        let passed = result.passed;
        steps.push(result);
        if !passed {
            break;
        }
    }
    let outcome = if steps.len() < case.steps.len() {
        Outcome::Failed
    } else {
        outcome_of(&steps)
    };
    CaseResult {
        outcome,
        steps,
        duration: started.elapsed(),
        ..result_of(plan, case)
    }
}

/// What steps that ran come to: failed if one failed, else warned if one
/// warned.
pub fn outcome_of(steps: &[StepResult]) -> Outcome {
    if steps.iter().any(|s| !s.passed) {
        Outcome::Failed
    } else if steps.iter().any(StepResult::warned) {
        Outcome::Warned
    } else {
        Outcome::Passed
    }
}

/// What a result says of the case it is about.
pub fn info_of(plan: &SuitePlan, case: &Case) -> CaseInfo {
    CaseInfo {
        suite: plan.suite.name.clone(),
        name: case.name.clone(),
        description: case.description.clone(),
        doc: case.doc.clone(),
        source: case.origin.pos().clone(),
    }
}

/// A result naming the case, with no steps yet.
fn result_of(plan: &SuitePlan, case: &Case) -> CaseResult {
    CaseResult::named(info_of(plan, case))
}

/// A case or runnable that did not run, and why.
pub fn skipped(info: &CaseInfo, reason: String) -> CaseResult {
    CaseResult {
        outcome: Outcome::Skipped,
        skip_reason: Some(reason),
        ..CaseResult::named(info.clone())
    }
}

/// A case or [`super::Runnable`] that failed inside verity (one that could
/// not do its work, or panicked): reported as failed, the run goes on.
pub fn internal_failure(info: &CaseInfo, masker: &Masker, why: &str) -> CaseResult {
    let mut result = CaseResult::named(info.clone());
    result.steps.push(internal_error(&info.source, masker, why));
    result
}

fn internal_error(source: &Pos, masker: &Masker, why: &str) -> StepResult {
    StepResult {
        name: super::result::INTERNAL_STEP.into(),
        kind: StepKind::Internal,
        source: source.clone(),
        request: RequestSummary {
            method: String::new(),
            url: String::new(),
            headers: Vec::new(),
            body: None,
        },
        response: None,
        error: Some(masker.mask(&format!("internal error in verity: {why}"))),
        checks: Vec::new(),
        passed: false,
        duration: Duration::ZERO,
        attempts: 0,
        retries: Vec::new(),
    }
}

struct Built {
    request: OutgoingRequest,
    sent_json: Option<Value>,
    /// The path after the suite's base path, as rendered.
    path: String,
}

fn build_request(plan: &SuitePlan, step: &Step, scope: &CaseScope) -> Result<Built, String> {
    let req = &step.request;
    let path = scope.render_path(&req.path);
    // The base URL was parsed once; only the path is new at each request
    // (parsing the whole URL again redid the host's IDNA mapping each time).
    let mut url = plan.target.base_url.clone();
    let full_path = format!(
        "{}{}{path}",
        url.path().trim_end_matches('/'),
        plan.suite.base_path
    );
    url.set_path(&full_path);
    url.set_query(None);
    url.set_fragment(None);
    if !req.query.is_empty() {
        let mut pairs = url.query_pairs_mut();
        for (name, template) in &req.query {
            pairs.append_pair(name, &scope.render(template));
        }
    }
    let mut headers: Vec<(String, String)> = Vec::new();
    let defaults = plan
        .suite
        .headers
        .iter()
        .filter(|(n, _)| !req.headers.contains_key(*n));
    for (name, template) in defaults.chain(req.headers.iter()) {
        if let Some(template) = template {
            let value = scope.render(template);
            if value.contains(['\r', '\n']) {
                return Err(format!(
                    "header `{name}` would hold a line break once rendered"
                ));
            }
            headers.push((name.clone(), value));
        }
    }
    let (body, sent_json) = match &req.body {
        None => (None, None),
        Some(Body::Json(value)) => {
            let rendered = scope.render_json(value);
            let bytes = serde_json::to_vec(&rendered).map_err(|e| e.to_string())?;
            (Some(bytes), Some(rendered))
        }
        Some(Body::Raw(template)) => {
            let text = scope.render(template);
            let parsed = serde_json::from_str(&text).ok();
            (Some(text.into_bytes()), parsed)
        }
    };
    if body.is_some() && !headers.iter().any(|(n, _)| n == "content-type") {
        headers.push(("content-type".into(), "application/json".into()));
    }
    Ok(Built {
        request: OutgoingRequest {
            method: req.method.as_str(),
            url,
            headers,
            body,
        },
        sent_json,
        path,
    })
}

fn summarize_request(masker: &Masker, request: &OutgoingRequest) -> RequestSummary {
    RequestSummary {
        method: request.method.to_string(),
        url: masker.mask(request.url.as_str()),
        headers: request
            .headers
            .iter()
            .map(|(n, v)| (n.clone(), masker.mask(v)))
            .collect(),
        body: request
            .body
            .as_ref()
            .map(|b| masker.mask_owned(kept_text(b))),
    }
}

fn kept_text(body: &[u8]) -> String {
    let kept = &body[..body.len().min(BODY_KEPT)];
    let mut text = String::from_utf8_lossy(kept).into_owned();
    if body.len() > BODY_KEPT {
        text.push_str(&format!("… ({} bytes in all)", body.len()));
    }
    text
}

fn mask_check(masker: &Masker, check: &mut CheckResult) {
    masker.mask_in_place(&mut check.expected);
    masker.mask_in_place(&mut check.actual);
    if let Some(m) = &mut check.message {
        masker.mask_in_place(m);
    }
    for alternative in &mut check.alternatives {
        for c in alternative {
            mask_check(masker, c);
        }
    }
}

async fn run_step(
    plan: &SuitePlan,
    step: &Step,
    scope: &mut CaseScope,
    client: &Client,
) -> StepResult {
    let started = Instant::now();
    let prepared = match prepare(plan, step, scope) {
        Ok(p) => p,
        Err(why) => return unbuilt(plan, step, why, started),
    };
    scope.record_sent(prepared.sent_json);
    let exchange = client.exchange(prepared.request).await;
    conclude(
        plan,
        step,
        scope,
        prepared.summary,
        &prepared.path,
        exchange,
        started,
    )
}

/// A step's request, built and ready to send.
struct Prepared {
    request: OutgoingRequest,
    summary: RequestSummary,
    sent_json: Option<Value>,
    path: String,
}

/// A step that could not be built, as its failed result.
fn unbuilt(plan: &SuitePlan, step: &Step, error: String, started: Instant) -> StepResult {
    let request = RequestSummary {
        method: step.request.method.as_str().into(),
        url: String::new(),
        headers: Vec::new(),
        body: None,
    };
    unanswered(plan, step, request, &error, started, 0, Vec::new())
}

/// A step that got no answer (not built, or not answered), failed.
fn unanswered(
    plan: &SuitePlan,
    step: &Step,
    request: RequestSummary,
    error: &str,
    started: Instant,
    attempts: u32,
    retries: Vec<String>,
) -> StepResult {
    StepResult {
        name: step.name.clone(),
        kind: StepKind::Exchange,
        source: step.origin.pos().clone(),
        request,
        response: None,
        error: Some(plan.masker.mask(error)),
        checks: Vec::new(),
        passed: false,
        duration: started.elapsed(),
        attempts,
        retries,
    }
}

/// A step's request, or why it cannot be built.
fn prepare(plan: &SuitePlan, step: &Step, scope: &CaseScope) -> Result<Prepared, String> {
    let built = build_request(plan, step, scope)?;
    Ok(Prepared {
        summary: summarize_request(&plan.masker, &built.request),
        request: built.request,
        sent_json: built.sent_json,
        path: built.path,
    })
}

/// The result of a step whose request was sent: its checks and captures.
fn conclude(
    plan: &SuitePlan,
    step: &Step,
    scope: &mut CaseScope,
    request_summary: RequestSummary,
    built_path: &str,
    exchange: crate::http::Exchange,
    started: Instant,
) -> StepResult {
    let masker = &plan.masker;
    let attempts = exchange.attempts;
    let retries: Vec<String> = exchange.retries.iter().map(|r| masker.mask(r)).collect();
    let response = match exchange.outcome {
        Ok(r) => r,
        Err(e) => {
            let error = e.to_string();
            return unanswered(
                plan,
                step,
                request_summary,
                &error,
                started,
                attempts,
                retries,
            );
        }
    };
    if let Some(observed) = &plan.observed {
        observed.record(step.request.method, built_path, response.status);
    }
    let json: Option<Value> = if response.body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        serde_json::from_slice(&response.body).ok()
    };
    let observed = Observed {
        status: response.status,
        headers: &response.headers,
        body: &response.body,
        json: json.as_ref(),
    };
    let mut checks = check::evaluate(&step.expect, &observed, scope, &plan.suite.schemas);
    for capture in &step.captures {
        match capture_value(capture, &observed) {
            Ok(value) => scope.set(&capture.name, value),
            Err(why) => checks.push(
                CheckResult::new(
                    CheckKind::Capture,
                    format!("capture {}", capture.name),
                    "a value to capture",
                    "nothing",
                    false,
                )
                .because(why)
                .from(&capture.origin),
            ),
        }
    }
    for c in &mut checks {
        mask_check(masker, c);
        if plan.strict {
            // --strict: advisory checks decide like the others.
            c.advisory = false;
        }
    }
    // Advisory checks warn; they never stop the case.
    let passed = checks.iter().all(|c| !c.fails());
    let body = masker.mask_owned(kept_text(&response.body));
    StepResult {
        name: step.name.clone(),
        kind: StepKind::Exchange,
        source: step.origin.pos().clone(),
        request: request_summary,
        response: Some(ResponseSummary {
            status: response.status,
            // The checks are done with the answer: its headers move.
            headers: response
                .headers
                .into_iter()
                .map(|(n, v)| (n, masker.mask_owned(v)))
                .collect(),
            body,
            body_bytes: response.body.len(),
        }),
        error: None,
        checks,
        passed,
        duration: started.elapsed(),
        attempts,
        retries,
    }
}

fn capture_value(capture: &Capture, observed: &Observed) -> Result<Value, String> {
    match &capture.source {
        CaptureSource::Header(name) => observed
            .headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| Value::String(v.clone()))
            .ok_or_else(|| format!("the response has no `{name}` header")),
        CaptureSource::JsonPath { source, path } => {
            let json = observed.json.ok_or("the response body is not JSON")?;
            match path.query(json).all().as_slice() {
                [] => Err(format!("`{source}` selected nothing")),
                [one] => Ok((*one).clone()),
                many => Ok(Value::Array(many.iter().map(|v| (*v).clone()).collect())),
            }
        }
    }
}

/// A generated case run by the runnable that builds it, a step or a group
/// of steps at a time, so that what it sends next can depend on what was
/// answered (the concurrency property's read-back checks only the updates
/// that succeeded). Steps share one scope, as in a case.
pub struct Session<'a> {
    plan: &'a SuitePlan,
    client: &'a Client,
    scope: CaseScope,
    /// Where the times of [`Timed`] count from.
    began: Instant,
}

/// A step sent in a group, with when it went out and when its answer
/// (or error) came, counted from the session's start.
#[derive(Debug, Clone)]
pub struct Timed {
    pub result: StepResult,
    pub sent: Duration,
    pub answered: Duration,
}

impl<'a> Session<'a> {
    /// A session with the plan's variables and the case's `vars` bound.
    pub fn new(
        plan: &'a SuitePlan,
        client: &'a Client,
        fresh: std::sync::Arc<super::Fresh>,
        vars: &indexmap::IndexMap<String, crate::case::template::Template>,
    ) -> Session<'a> {
        let mut scope = CaseScope::new(&plan.values, fresh);
        scope.bind_vars(vars);
        Session {
            plan,
            client,
            scope,
            began: Instant::now(),
        }
    }

    /// One step, as a case runs it (without the suite's pacing: a suite
    /// that paces its requests cannot declare the concurrency property).
    pub async fn step(&mut self, step: &Step) -> StepResult {
        run_step(self.plan, step, &mut self.scope, self.client).await
    }

    /// Sends every step's request at once and checks each answer, in the
    /// order given, once all have come. Each request waits at a barrier
    /// until all are built, so none is sent before the others are ready;
    /// the client opens a connection for each (its pool has no limit).
    /// Requests are built from the scope as it stands: a step of the group
    /// cannot use what another captures.
    pub async fn together(&mut self, steps: &[Step]) -> Vec<Timed> {
        let started = Instant::now();
        let mut prepared = Vec::with_capacity(steps.len());
        for step in steps {
            prepared.push(prepare(self.plan, step, &self.scope));
        }
        let ready = prepared.iter().filter(|p| p.is_ok()).count();
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(ready.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        let mut pending = Vec::with_capacity(steps.len());
        for (index, p) in prepared.into_iter().enumerate() {
            match p {
                Ok(Prepared {
                    request,
                    summary,
                    sent_json,
                    path,
                }) => {
                    let (client, barrier, began) =
                        (self.client.clone(), barrier.clone(), self.began);
                    tasks.spawn(async move {
                        barrier.wait().await;
                        let exchange = client.exchange(request).await;
                        // Sent once through the rate limit and any retries.
                        let sent = exchange.sent_at.saturating_duration_since(began);
                        (index, sent, began.elapsed(), exchange)
                    });
                    pending.push(Ok((summary, sent_json, path)));
                }
                Err(why) => pending.push(Err(why)),
            }
        }
        let mut answers: Vec<Option<(Duration, Duration, crate::http::Exchange)>> =
            (0..steps.len()).map(|_| None).collect();
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((index, sent, answered, exchange)) => {
                    answers[index] = Some((sent, answered, exchange))
                }
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                // The session's runtime never cancels its tasks.
                Err(_) => {}
            }
        }
        let mut out = Vec::with_capacity(steps.len());
        for ((step, p), answer) in steps.iter().zip(pending).zip(answers) {
            let at = self.began.elapsed();
            let timed = match (p, answer) {
                (Ok((summary, sent_json, path)), Some((sent, answered, exchange))) => {
                    self.scope.record_sent(sent_json);
                    let mut result = conclude(
                        self.plan,
                        step,
                        &mut self.scope,
                        summary,
                        &path,
                        exchange,
                        started,
                    );
                    result.duration = answered.saturating_sub(sent);
                    Timed {
                        result,
                        sent,
                        answered,
                    }
                }
                // Built and handed to its task, which ended without an answer.
                (Ok((summary, _, _)), None) => {
                    self.scope.record_sent(None);
                    let why = "its request task ended without an answer";
                    Timed {
                        result: unanswered(self.plan, step, summary, why, started, 0, Vec::new()),
                        sent: at,
                        answered: at,
                    }
                }
                (Err(why), _) => {
                    self.scope.record_sent(None);
                    Timed {
                        result: unbuilt(self.plan, step, why, started),
                        sent: at,
                        answered: at,
                    }
                }
            };
            out.push(timed);
        }
        out
    }
}
