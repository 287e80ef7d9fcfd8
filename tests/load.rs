//! The reference servers under load, on loopback: many concurrent clients
//! (bounded in number and in time) get no 5xx; concurrent updates of
//! different fields of one member all land; and concurrent replays of one
//! `x-idempotency-key` are applied exactly once.
//!
//! Each detector is also run against a server with the fault it exists to
//! find, to show that it can fail. Throughput is printed, never asserted:
//! speed belongs in benchmarks.

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::task::JoinSet;
use url::Url;
use verity::http::{Client, ClientOptions, OutgoingRequest};
use verity::reference::{self, DEMO_API_KEY, Faults, Options, Running};

/// No workload here may run longer than this.
const DEADLINE: Duration = Duration::from_secs(60);

const TOLUNA: &str = "/IntegratedPanelService/api/Respondent";
const PARTNER: &str = reference::toluna::SEED_PARTNER_GUID;

struct Target {
    server: Running,
    client: Client,
    base: String,
}

async fn start(faults: &[&str]) -> Target {
    let options = Options {
        faults: Faults::from_names(faults).unwrap(),
        ..Options::default()
    };
    let server = reference::start(([127, 0, 0, 1], 0).into(), &options)
        .await
        .unwrap();
    let client = Client::new(ClientOptions {
        timeout: Duration::from_secs(20),
        ..ClientOptions::default()
    })
    .unwrap();
    let base = server.base_url();
    Target {
        server,
        client,
        base,
    }
}

#[derive(Debug, Clone)]
struct Answer {
    status: u16,
    body: Value,
    elapsed: Duration,
}

impl Target {
    async fn send(
        &self,
        method: &'static str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> Answer {
        let mut all = vec![
            ("x-api-key".to_string(), DEMO_API_KEY.to_string()),
            (
                "accept".to_string(),
                "application/json;version=2.0".to_string(),
            ),
        ];
        all.extend(headers.iter().map(|(n, v)| (n.to_string(), v.to_string())));
        if body.is_some() {
            all.push(("content-type".into(), "application/json".into()));
        }
        let request = OutgoingRequest {
            method,
            url: Url::parse(&format!("{}{path}", self.base)).unwrap(),
            headers: all,
            body: body.map(|b| serde_json::to_vec(&b).unwrap()),
        };
        let response = self
            .client
            .send(request)
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        Answer {
            status: response.status,
            body: serde_json::from_slice(&response.body).unwrap_or(Value::Null),
            elapsed: response.elapsed,
        }
    }

    async fn onsi_invite(&self, tag: &str) -> String {
        let answer = self
            .send("POST", "/v1/members", &[], Some(invite_body(tag)))
            .await;
        assert_eq!(answer.status, 201, "{answer:?}");
        answer.body["memberId"].as_str().unwrap().to_string()
    }

    async fn toluna_add(&self, code: &str) {
        let body = json!({ "PartnerGUID": PARTNER, "MemberCode": code });
        let answer = self.send("POST", TOLUNA, &[], Some(body)).await;
        assert_eq!(answer.status, 201, "{answer:?}");
    }

    async fn toluna_get(&self, code: &str) -> Answer {
        self.send("GET", &toluna_member(code), &[], None).await
    }
}

/// Where GET reads a Toluna member of [`PARTNER`].
fn toluna_member(code: &str) -> String {
    format!("{TOLUNA}/?memberCode={code}&partnerGUID={PARTNER}")
}

fn invite_body(tag: &str) -> Value {
    json!({
        "email": format!("{tag}@load.example.com"),
        "firstName": "Load",
        "lastName": "Test",
        "tier": "Gold",
    })
}

/// Runs the futures concurrently, all of them, within [`DEADLINE`].
async fn all<T: Send + 'static>(
    tasks: impl IntoIterator<Item = impl std::future::Future<Output = T> + Send + 'static>,
) -> Vec<T> {
    let mut set = JoinSet::new();
    for task in tasks {
        set.spawn(task);
    }
    tokio::time::timeout(DEADLINE, set.join_all())
        .await
        .expect("the workload finished within its deadline")
}

/// One client's mixed session over both APIs; every answer with the route
/// that gave it.
async fn session(target: Arc<Target>, client: usize, rounds: usize) -> Vec<(&'static str, Answer)> {
    let mut answers = Vec::new();
    for round in 0..rounds {
        let tag = format!("c{client}r{round}");
        let invite = target
            .send("POST", "/v1/members", &[], Some(invite_body(&tag)))
            .await;
        let id = invite.body["memberId"]
            .as_str()
            .unwrap_or("mem_none")
            .to_string();
        answers.push(("onsi POST /v1/members", invite));
        let member = format!("/v1/members/{id}");
        answers.push((
            "onsi GET /v1/members/{id}",
            target.send("GET", &member, &[], None).await,
        ));
        let patch = json!({ "firstName": format!("F{round}"), "workerId": format!("w-{tag}") });
        answers.push((
            "onsi PATCH /v1/members/{id}",
            target.send("PATCH", &member, &[], Some(patch)).await,
        ));
        let bad = json!({ "dob": "1899-12-31" });
        answers.push((
            "onsi PATCH (invalid)",
            target.send("PATCH", &member, &[], Some(bad)).await,
        ));
        let search = format!("/v1/members?emails[]={tag}@load.example.com&skip=0&take=5");
        answers.push((
            "onsi GET /v1/members?emails[]",
            target.send("GET", &search, &[], None).await,
        ));
        answers.push((
            "onsi GET unknown",
            target
                .send("GET", "/v1/members/mem_nobodyatall00000000", &[], None)
                .await,
        ));
        answers.push((
            "onsi DELETE /v1/members/{id}",
            target.send("DELETE", &member, &[], None).await,
        ));
        let code = format!("load-{tag}");
        let add = json!({ "PartnerGUID": PARTNER, "MemberCode": code, "BirthDate": "06/21/1992" });
        answers.push((
            "toluna POST",
            target.send("POST", TOLUNA, &[], Some(add)).await,
        ));
        answers.push(("toluna GET", target.toluna_get(&code).await));
        let update = json!({ "PartnerGUID": PARTNER, "MemberCode": code, "PostalCode": "15235" });
        answers.push((
            "toluna PUT",
            target.send("PUT", TOLUNA, &[], Some(update)).await,
        ));
        answers.push((
            "toluna GET unknown",
            target.toluna_get(&format!("{code}-nobody")).await,
        ));
    }
    answers
}

/// What each route must answer (a 5xx is never among them).
fn expected_status(route: &str) -> &'static [u16] {
    match route {
        "onsi POST /v1/members" => &[201],
        "onsi GET /v1/members/{id}"
        | "onsi PATCH /v1/members/{id}"
        | "onsi GET /v1/members?emails[]"
        | "onsi DELETE /v1/members/{id}" => &[200],
        "onsi PATCH (invalid)" => &[400],
        "onsi GET unknown" => &[400, 404],
        "toluna POST" => &[201],
        "toluna GET" | "toluna PUT" => &[200],
        "toluna GET unknown" => &[400],
        other => panic!("no expectation for {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_clients_get_no_5xx_and_the_documented_answers() {
    const CLIENTS: usize = 32;
    const ROUNDS: usize = 10;
    let target = Arc::new(start(&[]).await);
    let started = Instant::now();
    let sessions = all((0..CLIENTS).map(|c| session(target.clone(), c, ROUNDS))).await;
    let elapsed = started.elapsed();
    let answers: Vec<(&str, Answer)> = sessions.into_iter().flatten().collect();
    let mut wrong: BTreeMap<(&str, u16), usize> = BTreeMap::new();
    for (route, answer) in &answers {
        if !expected_status(route).contains(&answer.status) {
            *wrong.entry((route, answer.status)).or_default() += 1;
        }
    }
    // No route expects a 5xx, so this also says that none came.
    assert!(
        wrong.is_empty(),
        "unexpected answers (route, status) → count: {wrong:?}"
    );
    assert_eq!(answers.len(), CLIENTS * ROUNDS * 11);
    let mut latencies: Vec<Duration> = answers.iter().map(|(_, a)| a.elapsed).collect();
    latencies.sort();
    println!(
        "{} requests from {CLIENTS} clients in {:.2} s ({:.0}/s); latency p50 {:?}, p99 {:?}, max {:?}",
        answers.len(),
        elapsed.as_secs_f64(),
        answers.len() as f64 / elapsed.as_secs_f64(),
        latencies[latencies.len() / 2],
        latencies[latencies.len() * 99 / 100],
        latencies[latencies.len() - 1],
    );
    Arc::try_unwrap(target).ok().unwrap().server.stop().await;
}

/// One of the concurrent updates of a round: it sets `field`, which a read
/// of the member must then show as `shown`.
#[derive(Clone)]
struct Update {
    field: &'static str,
    method: &'static str,
    path: String,
    body: Value,
    shown: Value,
}

/// Sends each round's updates to one member all at once, then reads the
/// member (at `read`); returns every field whose update was lost.
async fn lost_updates(
    target: Arc<Target>,
    rounds: usize,
    read: &str,
    updates: impl Fn(usize) -> Vec<Update>,
) -> Vec<String> {
    let mut lost = Vec::new();
    for round in 0..rounds {
        let updates = updates(round);
        let answers = all(updates.clone().into_iter().map(|update| {
            let target = target.clone();
            async move {
                target
                    .send(update.method, &update.path, &[], Some(update.body))
                    .await
            }
        }))
        .await;
        for answer in &answers {
            assert_eq!(answer.status, 200, "{answer:?}");
        }
        let member = target.send("GET", read, &[], None).await.body;
        for update in updates {
            if member[update.field] != update.shown {
                lost.push(format!(
                    "round {round}: {} is {} not {}",
                    update.field, member[update.field], update.shown
                ));
            }
        }
    }
    lost
}

/// Onsi: every field a PATCH may carry, each set by its own client.
async fn onsi_lost_updates(target: Arc<Target>, rounds: usize) -> Vec<String> {
    let id = target
        .onsi_invite(&format!("lost-{}", uuid::Uuid::new_v4()))
        .await;
    let path = format!("/v1/members/{id}");
    lost_updates(target, rounds, &path, |round| {
        let account =
            json!({ "accountHolder": format!("Holder {round}"), "iban": "GB29NWBK60161331926819" });
        [
            ("firstName", json!(format!("First{round}"))),
            ("lastName", json!(format!("Last{round}"))),
            ("phone", json!(format!("+44712345{round:04}"))),
            ("workerId", json!(format!("worker-{round}-{id}"))),
            ("dob", json!(format!("19{:02}-01-01", 50 + round % 40))),
            ("gender", json!(["Female", "Male", "NonBinary"][round % 3])),
            ("enablePayroll", json!(round.is_multiple_of(2))),
            ("accountDetails", account),
        ]
        .into_iter()
        .map(|(field, value)| Update {
            field,
            method: "PATCH",
            path: path.clone(),
            body: json!({ field: value }),
            shown: value,
        })
        .collect()
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_patches_of_different_onsi_fields_all_land() {
    let target = Arc::new(start(&[]).await);
    let lost = onsi_lost_updates(target, 25).await;
    assert!(lost.is_empty(), "lost updates: {lost:#?}");
    // The detector finds the fault that loses updates.
    let faulty = Arc::new(start(&["onsi-patch-resets-omitted"]).await);
    let lost = onsi_lost_updates(faulty, 3).await;
    assert!(!lost.is_empty(), "the fault went unseen");
}

/// Toluna: the properties a PUT may carry and GET returns, each set by its
/// own client.
async fn toluna_lost_updates(target: Arc<Target>, rounds: usize) -> Vec<String> {
    let code = format!("lost-{}", uuid::Uuid::new_v4());
    target.toluna_add(&code).await;
    lost_updates(target, rounds, &toluna_member(&code), |round| {
        [
            ("BirthDate", json!(format!("06/{:02}/1985", 1 + round % 28))),
            ("PostalCode", json!(format!("{:05}", 10000 + round))),
            ("IsTest", json!(round.is_multiple_of(2))),
            ("IsActive", json!(!round.is_multiple_of(2))),
            (
                "AnsweredQuestions",
                json!([{ "QuestionID": 1001007, "AnswerID": 2000247 + round }]),
            ),
        ]
        .into_iter()
        .map(|(property, value)| Update {
            field: property,
            method: "PUT",
            path: TOLUNA.to_string(),
            body: json!({ "PartnerGUID": PARTNER, "MemberCode": code, property: value }),
            shown: value,
        })
        .collect()
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_puts_of_different_toluna_properties_all_land() {
    let target = Arc::new(start(&[]).await);
    let lost = toluna_lost_updates(target, 25).await;
    assert!(lost.is_empty(), "lost updates: {lost:#?}");
    let faulty = Arc::new(start(&["toluna-put-resets-omitted"]).await);
    let lost = toluna_lost_updates(faulty, 3).await;
    assert!(!lost.is_empty(), "the fault went unseen");
}

/// Sends one invite `copies` times at once under one idempotency key; says
/// what went wrong, if anything: every answer must be the same 201 Member,
/// and exactly one member must exist.
async fn replay_problems(target: Arc<Target>, copies: usize) -> Vec<String> {
    let tag = format!("replay-{}", uuid::Uuid::new_v4());
    let key = uuid::Uuid::new_v4().to_string();
    let answers = all((0..copies).map(|_| {
        let target = target.clone();
        let key = key.clone();
        let body = invite_body(&tag);
        async move {
            target
                .send(
                    "POST",
                    "/v1/members",
                    &[("x-idempotency-key", &key)],
                    Some(body),
                )
                .await
        }
    }))
    .await;
    let mut problems = Vec::new();
    for answer in &answers {
        if answer.status != 201 || answer.body != answers[0].body {
            problems.push(format!("{} {}", answer.status, answer.body));
        }
    }
    let search = format!("/v1/members?emails[]={tag}@load.example.com&skip=0&take=5");
    let found = target.send("GET", &search, &[], None).await;
    if found.body["total"] != 1 {
        problems.push(format!(
            "{} members with the email: {}",
            found.body["total"], found.body
        ));
    }
    problems
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_replays_of_one_idempotency_key_apply_once() {
    let target = Arc::new(start(&[]).await);
    for _ in 0..20 {
        let problems = replay_problems(target.clone(), 16).await;
        assert!(problems.is_empty(), "{problems:#?}");
    }
    let faulty = Arc::new(start(&["onsi-idempotency-reprocessed"]).await);
    let problems = replay_problems(faulty, 16).await;
    assert!(!problems.is_empty(), "the fault went unseen");
}
