//! `concurrent-updates`: partial updates of disjoint fields of one freshly
//! created resource, all in flight at once, then a read. A partial update
//! changes the fields it carries and keeps the others, so in every serial
//! order of the updates each one's field ends with its value: every update
//! that answered 2xx must show in the read. An update answered otherwise is
//! reported (a warning) and neither assumed applied nor assumed refused.
//!
//! Also, where a field is declared `unique`: creations sharing one value of
//! it, all in flight at once, admit at most one.
//!
//! Concurrent replays under one idempotency key are left out: the docs say
//! what a replay of a request that succeeded returns, not what two copies
//! in flight together do.
//!
//! A suite opts in with `concurrency:` in `properties.yaml`; a vendor whose
//! docs refuse simultaneous calls (Toluna) leaves it out. The property does
//! not shrink: a race does not replay the same way twice. Its counterexample
//! is the round that failed, with when each request went out and was
//! answered.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use indexmap::IndexMap;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, RngSeed, TestRunner};
use schemars::JsonSchema;
use serde::Deserialize;
use tokio::runtime::Runtime;

use super::build::{About, Parts};
use super::model::{Member, Model, Outcome as ModelOutcome, read_back, same_value};
use super::run::{Counts, Settings};
use super::save;
use super::spec::{EchoIn, PropertySpec, ReadBack};
use crate::case::template::{Generator, JsonTemplate};
use crate::case::{self, Capture, Case, Expect, Origin, Pos, StatementRef, Step, verdict, visit};
use crate::check::{CheckKind, CheckResult};
use crate::http::Client;
use crate::run::{
    self, CaseInfo, CaseResult, Counterexample, Fresh, Outcome, PropertyReport, Session,
    StepResult, SuitePlan, Timed, outcome_of,
};

/// `concurrency:` in `properties.yaml`: the suite's docs allow requests on
/// one resource at the same moment, and how many to send.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConcurrencyDoc {
    /// Partial updates sent at once, each of a field of its own (2 to 32;
    /// default 8). Fewer when fewer fields can take part.
    #[serde(default)]
    #[schemars(range(min = 2, max = 32))]
    pub updates: Option<usize>,
    /// Rounds, each on a resource of its own (1 to 20; default 2).
    #[serde(default)]
    #[schemars(range(min = 1, max = 20))]
    pub rounds: Option<u32>,
    /// Creations sent at once with one value of a `unique: true` field (2
    /// to 16; default 4; 0 leaves them out).
    #[serde(default)]
    #[schemars(range(max = 16))]
    pub creations: Option<usize>,
}

/// The validated `concurrency:` declaration.
#[derive(Debug, Clone)]
pub struct Concurrency {
    pub updates: usize,
    pub rounds: u32,
    pub creations: usize,
    pub pos: Pos,
}

impl ConcurrencyDoc {
    /// The declaration checked; the error names the key and its range.
    /// A suite that paces its requests (suite.yaml `pacing`) asks for calls
    /// on one resource to be spread out: none may be sent together.
    pub fn lower(self, pos: Pos, paced: bool) -> Result<Concurrency, String> {
        if paced {
            return Err(
                "the suite paces its requests (suite.yaml `pacing`), which requests sent \
                 together would break: leave `concurrency:` out"
                    .into(),
            );
        }
        let updates = self.updates.unwrap_or(8);
        if !(2..=32).contains(&updates) {
            return Err(format!("updates: {updates} is not between 2 and 32"));
        }
        let rounds = self.rounds.unwrap_or(2);
        if !(1..=20).contains(&rounds) {
            return Err(format!("rounds: {rounds} is not between 1 and 20"));
        }
        let creations = self.creations.unwrap_or(4);
        if creations == 1 || creations > 16 {
            return Err(format!(
                "creations: {creations} is neither 0 (none) nor between 2 and 16"
            ));
        }
        Ok(Concurrency {
            updates,
            rounds,
            creations,
            pos,
        })
    }
}

/// Rounds not started once this much time has gone: the property stays
/// bounded against a slow server (each request is bounded by the client's
/// timeout).
const TIME_BUDGET: Duration = Duration::from_secs(20);
/// Draws of a field's valid values to find one the new resource does not
/// hold already (an update that sends the held value cannot be seen lost).
const DRAWS: usize = 20;

/// The fields an update of the group may set: those a read shows, other
/// than the status field (a change of status would change which updates
/// the others' `only_while` allows).
fn candidates(spec: &PropertySpec) -> Vec<usize> {
    let status = spec.resource.status.as_ref().map(|s| s.field.as_str());
    (0..spec.fields.len())
        .filter(|i| {
            let f = &spec.fields[*i];
            f.reads_back != ReadBack::Nothing && Some(f.name.as_str()) != status
        })
        .collect()
}

/// Whether the suite opts in and has two fields to update together.
pub fn available(spec: &PropertySpec) -> bool {
    spec.concurrency.is_some() && candidates(spec).len() >= 2
}

fn unique_field(spec: &PropertySpec) -> Option<usize> {
    spec.fields.iter().position(|f| f.unique)
}

/// One property run of `concurrent-updates`.
pub struct Concurrent<'a> {
    pub plan: &'a SuitePlan,
    pub spec: &'a PropertySpec,
    pub settings: &'a Settings,
    pub info: &'a CaseInfo,
    pub about: &'a About,
}

/// One update of a round: the field it sets and the value sent.
struct Update {
    field: usize,
    value: JsonTemplate,
}

/// A round or the creations, as run: its case (for the text), its step
/// results, and what went wrong.
struct Ran {
    case: Case,
    steps: Vec<StepResult>,
    /// The lines of the counterexample's header: timings, lost updates.
    notes: Vec<String>,
    outcome: Outcome,
    updates: u64,
    /// Every request of its group went out before the first answer came;
    /// if not, it showed no race (a rate limit spaces them).
    overlapped: bool,
}

impl Concurrent<'_> {
    pub fn run(
        &self,
        runtime: &Runtime,
        client: &Client,
        fresh: &Arc<Fresh>,
    ) -> (CaseResult, Counts) {
        let started = Instant::now();
        let Some(declared) = self.spec.concurrency.clone() else {
            let why = "concurrent-updates needs `concurrency:` in properties.yaml";
            return (
                run::internal_failure(self.info, &self.plan.masker, why),
                Counts::default(),
            );
        };
        let mut draws = TestRunner::new(Config {
            rng_seed: RngSeed::Fixed(self.settings.seed),
            rng_algorithm: RngAlgorithm::ChaCha,
            failure_persistence: None,
            ..Config::default()
        });
        let mut counts = Counts::default();
        // What the report says of groups that were not in flight together.
        let mut spaced = Vec::new();
        let mut warned: Option<Ran> = None;
        let mut failed: Option<Ran> = None;
        let rounds = declared.rounds.min(self.settings.cases.max(1));
        for round in 1..=rounds {
            if started.elapsed() >= TIME_BUDGET {
                break;
            }
            let began = Instant::now();
            let ran = match self.round(round, &declared, &mut draws, runtime, client, fresh) {
                Ok(ran) => ran,
                Err(why) => {
                    return (
                        run::internal_failure(self.info, &self.plan.masker, &why),
                        counts,
                    );
                }
            };
            counts.running += began.elapsed();
            if !ran.overlapped {
                spaced.push(format!("round {round}"));
            }
            if !self.tally(ran, &mut counts, &mut warned, &mut failed) {
                break;
            }
        }
        if failed.is_none()
            && declared.creations >= 2
            && started.elapsed() < TIME_BUDGET
            && let Some(field) = unique_field(self.spec)
        {
            let began = Instant::now();
            let ran = self.creations(field, &declared, &mut draws, runtime, client, fresh);
            counts.running += began.elapsed();
            match ran {
                Ok(Some(ran)) => {
                    if !ran.overlapped {
                        spaced.push("the creations".into());
                    }
                    self.tally(ran, &mut counts, &mut warned, &mut failed);
                }
                Ok(None) => {}
                Err(why) => {
                    return (
                        run::internal_failure(self.info, &self.plan.masker, &why),
                        counts,
                    );
                }
            }
        }
        let mut result = CaseResult::named(self.info.clone());
        result.outcome = Outcome::Passed;
        let mut counterexample = None;
        if let Some(ran) = failed.or(warned) {
            result.outcome = ran.outcome;
            let save = ran.outcome == Outcome::Failed && self.settings.save_failures;
            match self.counterexample(&ran, save) {
                Ok(c) => counterexample = Some(c),
                Err(why) => {
                    return (
                        run::internal_failure(self.info, &self.plan.masker, &why),
                        counts,
                    );
                }
            }
            result.steps = ran.steps;
        }
        result.duration = started.elapsed();
        result.seed = Some(self.settings.seed);
        result.property = Some(PropertyReport {
            cases_passed: counts.cases_passed,
            requests: counts.requests,
            counterexample,
            notes: spaced
                .iter()
                .map(|what| {
                    format!(
                        "{what}: an answer came before every request of the group was sent \
                         (a rate limit or retries spaced them), so it showed no race"
                    )
                })
                .collect(),
        });
        (result, counts)
    }

    /// Counts a round; keeps the first failure and the first warning.
    /// Whether to go on.
    fn tally(
        &self,
        ran: Ran,
        counts: &mut Counts,
        warned: &mut Option<Ran>,
        failed: &mut Option<Ran>,
    ) -> bool {
        counts.requests += ran.steps.len() as u64;
        counts.updates += ran.updates;
        match ran.outcome {
            Outcome::Failed => {
                *failed = Some(ran);
                false
            }
            Outcome::Warned => {
                counts.cases_passed += 1;
                warned.get_or_insert(ran);
                true
            }
            _ => {
                counts.cases_passed += 1;
                true
            }
        }
    }

    fn round(
        &self,
        round: u32,
        declared: &Concurrency,
        draws: &mut TestRunner,
        runtime: &Runtime,
        client: &Client,
        fresh: &Arc<Fresh>,
    ) -> Result<Ran, String> {
        let spec = self.spec;
        let mut b = Builder::new(spec, &self.plan.suite, self.about);
        b.names("a");
        let mut create = b.create("a", "create a");
        b.mark(&mut create);
        let mut model = Model::new(spec);
        let mut member = Member::new(
            "a",
            true,
            false,
            spec.resource.status.as_ref().map(|s| s.created.clone()),
        );
        if let Some(case::Body::Json(sent)) = &create.request.body {
            for field in &spec.fields {
                if let Some(value) = sent.get(&field.name) {
                    member.know(&field.name, value.clone());
                }
            }
        }
        model.members.push(member);
        let mut before = b.step_from("a", &spec.resource.read, "a before".into());
        let checks = model.first_read_checks("a").map_err(path_error)?;
        before
            .expect
            .body
            .extend(checks.into_iter().map(case::BodyExpect::Path));
        b.mark(&mut before);
        let capture = model.member("a").before();
        before.captures.push(
            Capture::json_path(capture.clone(), "$", spec.resource.read.origin.generated())
                .map_err(path_error)?,
        );
        let updates = self.choose(declared.updates, &model, &mut b, draws)?;
        let mut group = Vec::new();
        for (i, u) in updates.iter().enumerate() {
            let field = &spec.fields[u.field];
            let name = format!("{}. update {} (sent together)", i + 1, field.name);
            let mut step = b.step_from("a", &spec.resource.update, name);
            let entry = [(field.name.clone(), u.value.clone())];
            match &mut step.request.body {
                Some(case::Body::Json(body)) => body.extend(entry),
                _ => step.request.body = Some(case::Body::Json(JsonTemplate::object(entry))),
            }
            if spec.resource.echo == EchoIn::Response {
                // Its own field only: the answer may show the others'
                // updates or not, as the server ordered them.
                let own = read_back(field, &u.value).map_err(path_error)?;
                step.expect
                    .body
                    .extend(own.into_iter().map(case::BodyExpect::Path));
            }
            b.mark(&mut step);
            group.push(step);
        }
        let vars = b.parts.vars.clone();
        let mut session = Session::new(self.plan, client, fresh.clone(), &vars);
        let mut steps = Vec::new();
        let mut notes = Vec::new();
        let mut case_steps = vec![create.clone(), before.clone()];
        for step in [&create, &before] {
            let result = runtime.block_on(session.step(step));
            let passed = result.passed;
            steps.push(result);
            if !passed {
                case_steps.extend(group);
                let case = b.case(case_steps);
                return Ok(Ran {
                    case,
                    steps,
                    notes: vec![format!("round {round}: setting up failed")],
                    outcome: Outcome::Failed,
                    updates: 0,
                    // Nothing was sent together.
                    overlapped: true,
                });
            }
        }
        let timed = runtime.block_on(session.together(&group));
        let overlapped = overlapped(&timed);
        let mut applied = Vec::new();
        let mut except: BTreeSet<String> = BTreeSet::new();
        let mut owner: IndexMap<String, usize> = IndexMap::new();
        let mut read_paths = Vec::new();
        for (i, (t, u)) in timed.iter().zip(&updates).enumerate() {
            let field = &spec.fields[u.field];
            except.insert(field.name.clone());
            except.extend(field.also_changes.iter().cloned());
            if t.result.response.as_ref().is_some_and(|r| is_2xx(r.status)) {
                applied.push(i);
                for assert in read_back(field, &u.value).map_err(path_error)? {
                    owner.insert(assert.source.clone(), i);
                    read_paths.push(assert);
                }
            }
        }
        let mut after = b.step_from("a", &spec.resource.read, "a after".into());
        after
            .expect
            .body
            .extend(read_paths.into_iter().map(case::BodyExpect::Path));
        after.expect.unchanged = Some(case::Unchanged {
            of: capture,
            except: except.into_iter().collect(),
            origin: spec.resource.read.origin.generated(),
        });
        b.mark(&mut after);
        let mut read = runtime.block_on(session.step(&after));
        let mut lost = Vec::new();
        for check in read.checks.iter_mut().filter(|c| c.fails()) {
            let Some(&i) = check.path.as_ref().and_then(|p| owner.get(p)) else {
                continue;
            };
            let t = &timed[i];
            let field = &spec.fields[updates[i].field].name;
            let status = t.result.response.as_ref().map_or(0, |r| r.status);
            let why = format!(
                "update {} ({field}) answered {status} (sent at {}, answered at {}), \
                 but the read shows {} instead of the value it sent: the update was lost",
                i + 1,
                ms(t.sent),
                ms(t.answered),
                check.actual
            );
            check.message = Some(why);
            lost.push(i);
        }
        let mut group_results = Vec::new();
        for (i, t) in timed.into_iter().enumerate() {
            let mut result = t.result;
            let answered_2xx = applied.contains(&i);
            if !answered_2xx {
                report_not_assumed(&mut result, self.plan.strict);
            }
            let field = &spec.fields[updates[i].field].name;
            let status = result
                .response
                .as_ref()
                .map_or_else(|| "no answer".to_string(), |r| r.status.to_string());
            let verdict = if lost.contains(&i) {
                "LOST: the read shows the value it replaced"
            } else if answered_2xx && read.response.is_none() {
                "2xx, not read back: the read got no answer"
            } else if answered_2xx {
                "shown by the read"
            } else {
                "not 2xx: reported, not assumed"
            };
            notes.push(format!(
                "{:>2}. {field:<20} sent {:>9}  answered {:>9}  {status:<9}  {verdict}",
                i + 1,
                ms(t.sent),
                ms(t.answered)
            ));
            group_results.push(result);
        }
        notes.insert(
            0,
            format!(
                "round {round}: {} updates sent together (steps 3 to {}); all in flight \
                 before the first answer: {}",
                updates.len(),
                updates.len() + 2,
                if overlapped { "yes" } else { "no" }
            ),
        );
        let updates_sent = group_results.len() as u64;
        steps.extend(group_results);
        steps.push(read);
        case_steps.extend(group);
        case_steps.push(after);
        let case = b.case(case_steps);
        Ok(Ran {
            case,
            outcome: outcome_of(&steps),
            steps,
            notes,
            updates: updates_sent,
            overlapped,
        })
    }

    /// Up to `wanted` updates of disjoint fields, each with a value the new
    /// resource does not hold and that the model says applies on its own.
    fn choose(
        &self,
        wanted: usize,
        model: &Model<'_>,
        b: &mut Builder<'_>,
        draws: &mut TestRunner,
    ) -> Result<Vec<Update>, String> {
        let spec = self.spec;
        let mut order = candidates(spec);
        // A shuffle from the seed: which fields a round leaves out varies.
        for i in (1..order.len()).rev() {
            let j = draw(&(0..=i), draws)?;
            order.swap(i, j);
        }
        let mut touched: BTreeSet<&str> = BTreeSet::new();
        let mut chosen = Vec::new();
        for index in order {
            if chosen.len() == wanted {
                break;
            }
            let field = &spec.fields[index];
            // Disjoint: no two updates touch one field, or what it also changes.
            let touches: Vec<&str> = std::iter::once(field.name.as_str())
                .chain(field.also_changes.iter().map(String::as_str))
                .collect();
            if touches.iter().any(|t| touched.contains(t)) {
                continue;
            }
            let held = model.member("a").known(&field.name).cloned();
            let strategy = field.valid.strategy();
            let mut value = None;
            for _ in 0..DRAWS {
                let candidate = draw(&strategy, draws)?;
                // Judged before its fresh parts become case variables, so
                // that a draw left out leaves none behind; a fresh value is
                // new, so it differs from what is held.
                let judged = candidate.to_template(&mut |_| "unbound".into());
                let differs = held.as_ref().is_none_or(|h| !same_value(h, &judged));
                let fields = [(field.name.clone(), judged)];
                if differs && model.outcome("a", &fields, false) == ModelOutcome::Applied {
                    value = Some(candidate.to_template(&mut |g| b.fresh_var(g)));
                    break;
                }
            }
            let Some(value) = value else {
                continue;
            };
            touched.extend(touches);
            chosen.push(Update {
                field: index,
                value,
            });
        }
        if chosen.len() < 2 {
            return Err(format!(
                "{}: concurrent-updates found fewer than two fields with a valid value the new \
                 resource does not already hold",
                spec.file.display()
            ));
        }
        Ok(chosen)
    }

    /// Creations sharing one value of the unique field `field`, all at
    /// once: at most one is admitted. `None` when the creating request has
    /// no JSON body to put the value in.
    fn creations(
        &self,
        field: usize,
        declared: &Concurrency,
        draws: &mut TestRunner,
        runtime: &Runtime,
        client: &Client,
        fresh: &Arc<Fresh>,
    ) -> Result<Option<Ran>, String> {
        let spec = self.spec;
        let f = &spec.fields[field];
        let mut b = Builder::new(spec, &self.plan.suite, self.about);
        // A value that counts as taken: not null.
        let strategy = f.valid.strategy();
        let mut shared = None;
        for _ in 0..DRAWS {
            let candidate = draw(&strategy, draws)?;
            if !candidate.to_template(&mut |_| "unbound".into()).is_null() {
                shared = Some(candidate.to_template(&mut |g| b.fresh_var(g)));
                break;
            }
        }
        let Some(shared) = shared else {
            return Ok(None);
        };
        let mut group = Vec::new();
        for k in 1..=declared.creations {
            let label = format!("c{k}");
            b.names(&label);
            let mut step = b.create(&label, &format!("create {label} ({} shared)", f.name));
            let Some(case::Body::Json(body)) = &mut step.request.body else {
                return Ok(None);
            };
            body.extend([(f.name.clone(), shared.clone())]);
            // Losers are refused: what they would capture is not there.
            step.captures.clear();
            step.expect = Expect::default();
            b.mark(&mut step);
            group.push(step);
        }
        let vars = b.parts.vars.clone();
        let mut session = Session::new(self.plan, client, fresh.clone(), &vars);
        let timed = runtime.block_on(session.together(&group));
        let overlapped = overlapped(&timed);
        let admitted: Vec<usize> = timed
            .iter()
            .enumerate()
            .filter(|(_, t)| t.result.response.as_ref().is_some_and(|r| is_2xx(r.status)))
            .map(|(i, _)| i + 1)
            .collect();
        let mut notes = vec![format!(
            "{} creations sharing one {} sent together; all in flight before the first \
             answer: {}; admitted (2xx): {}",
            group.len(),
            f.name,
            if overlapped { "yes" } else { "no" },
            if admitted.is_empty() {
                "none".to_string()
            } else {
                admitted
                    .iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        )];
        let mut steps = Vec::new();
        for (i, t) in timed.into_iter().enumerate() {
            let mut result = t.result;
            let status = result.response.as_ref().map(|r| r.status);
            let second = admitted.len() > 1 && admitted[1..].contains(&(i + 1));
            let actual = match status {
                Some(s) => s.to_string(),
                None => result.error.clone().unwrap_or_else(|| "no answer".into()),
            };
            let mut check = CheckResult::new(
                CheckKind::Status,
                format!("at most one creation with this {} admitted", f.name),
                format!(
                    "a refusal, or 2xx for the first admitted only ({} is unique)",
                    f.name
                ),
                actual,
                !second,
            )
            .from(&Origin::Generated(f.pos.clone()));
            if second {
                check = check.because(format!(
                    "creations {} all answered 2xx with one {}, declared unique",
                    admitted
                        .iter()
                        .map(usize::to_string)
                        .collect::<Vec<_>>()
                        .join(", "),
                    f.name
                ));
            }
            if status.is_none() {
                report_not_assumed(&mut result, self.plan.strict);
            }
            result.checks.push(check);
            // Under --strict a creation with no answer keeps its error.
            result.passed = result.error.is_none() && !result.checks.iter().any(CheckResult::fails);
            notes.push(format!(
                "{:>2}. create c{}            sent {:>9}  answered {:>9}  {}",
                i + 1,
                i + 1,
                ms(t.sent),
                ms(t.answered),
                status.map_or_else(|| "no answer".into(), |s| s.to_string())
            ));
            steps.push(result);
        }
        let case = b.case(group);
        Ok(Some(Ran {
            case,
            outcome: outcome_of(&steps),
            steps,
            notes,
            updates: 0,
            overlapped,
        }))
    }

    fn counterexample(&self, ran: &Ran, save: bool) -> Result<Counterexample, String> {
        let mut header = format!(
            "# A counterexample verity found for {}::{} (seed {}): requests sent\n\
             # together, all in flight at once, as timed below (ms from the round's\n\
             # start). Run from this file, the steps go one after another, where a\n\
             # race may not show: `verity run --seed {}` sends them together again.\n",
            self.plan.suite.name, self.info.name, self.settings.seed, self.settings.seed,
        );
        for note in &ran.notes {
            let _ = writeln!(header, "#   {note}");
        }
        let text = case::print::case_file(&header, &[&ran.case]).map_err(|e| e.to_string())?;
        let case_file = self.plan.masker.mask(&text);
        let (saved_to, save_error) = if save {
            match save::write(&self.plan.suite.dir, &self.about.name, &case_file) {
                Ok(path) => (Some(path.display().to_string()), None),
                Err(e) => (None, Some(e)),
            }
        } else {
            (None, None)
        };
        Ok(Counterexample {
            case_file,
            shrink_steps: 0,
            shrink_limited: false,
            saved_to,
            save_error,
        })
    }
}

/// What a generated round of the case model is made of: its variables and
/// each resource's names.
struct Builder<'a> {
    spec: &'a PropertySpec,
    suite: &'a case::Suite,
    about: &'a About,
    /// The statements the case checks: the property's, but the open ones
    /// (named where their readings matter, on the declarations).
    checks: Vec<StatementRef>,
    parts: Parts,
}

impl<'a> Builder<'a> {
    fn new(spec: &'a PropertySpec, suite: &'a case::Suite, about: &'a About) -> Builder<'a> {
        let checks = super::build::case_checks(suite, about);
        Builder {
            spec,
            suite,
            about,
            checks,
            parts: Parts::default(),
        }
    }

    /// Resource `label`'s own copy of the declared names and `vars`.
    fn names(&mut self, label: &str) {
        let names = self.parts.name(self.spec, label);
        self.parts.bind_vars(self.spec, &names);
    }

    fn create(&self, label: &str, name: &str) -> Step {
        self.step_from(label, &self.spec.resource.create, name.to_string())
    }

    fn step_from(&self, label: &str, declared: &Step, name: String) -> Step {
        self.parts.step_from(label, declared, name)
    }

    /// Marks a step's advisory checks, as the loader marks a case file's,
    /// before it runs: the same step, the same verdicts.
    fn mark(&self, step: &mut Step) {
        if let Some(registry) = &self.suite.statements {
            verdict::mark_expect(&mut step.expect, &self.checks, &|refs| {
                registry.advisory(refs)
            });
        }
    }

    fn fresh_var(&mut self, generator: Generator) -> String {
        self.parts.fresh_var(generator)
    }

    /// The case of a round, for its text: as `super::build` makes one.
    fn case(&self, steps: Vec<Step>) -> Case {
        let about = self.about;
        let mut case = Case {
            name: about.name.clone(),
            description: about.description.clone(),
            doc: about.doc.clone(),
            checks: self.checks.clone(),
            strict: false,
            origin: Origin::Generated(about.source.clone()),
            vars: self.parts.vars.clone(),
            steps,
            uses_variables: Vec::new(),
        };
        case.uses_variables = visit::suite_variables_used(self.suite, &mut case);
        case
    }
}

fn draw<S: Strategy>(strategy: &S, draws: &mut TestRunner) -> Result<S::Value, String> {
    strategy
        .new_tree(draws)
        .map(|tree| tree.current())
        .map_err(|e| format!("cannot generate a value: {e}"))
}

fn is_2xx(status: u16) -> bool {
    (200..300).contains(&status)
}

/// Whether every request went out before the first answer came.
fn overlapped(timed: &[Timed]) -> bool {
    let last_sent = timed.iter().map(|t| t.sent).max();
    let first_answer = timed.iter().map(|t| t.answered).min();
    matches!((last_sent, first_answer), (Some(s), Some(a)) if s < a)
}

/// A request of a group that was not answered 2xx: what it checked becomes
/// a warning. The docs say nothing of requests in flight together, so its
/// answer is told, not judged; nothing is assumed of what it did.
/// Under `--strict` it fails as any other check that is not met.
fn report_not_assumed(result: &mut StepResult, strict: bool) {
    if strict {
        return;
    }
    for check in &mut result.checks {
        check.advisory = true;
    }
    if let Some(error) = result.error.take() {
        result.checks.push(
            CheckResult::new(CheckKind::Status, "answer", "an answer", "none", false)
                .because(error),
        );
        if let Some(check) = result.checks.last_mut() {
            check.advisory = true;
        }
    }
    result.passed = !result.checks.iter().any(CheckResult::fails);
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn path_error(e: serde_json_path::ParseError) -> String {
    format!("a generated JSONPath does not parse: {e}")
}
