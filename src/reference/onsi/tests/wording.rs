//! The `other-wording` reading: every error answer worded otherwise than the
//! default server's, and equal to it in everything the docs state.

use reqwest::Method;
use serde_json::{Value, json};

use super::{Answer, SEED, Server};
use crate::reference::reading::testing::assert_reworded;
use crate::reference::{Api, Faults, Reading, Readings};

/// One request, sent the same way to a server.
type Send = for<'a> fn(&'a Server) -> std::pin::Pin<Box<dyn Future<Output = Answer> + 'a>>;

/// Each error answer the server gives without a fault, by what provokes it.
fn scenarios() -> Vec<(&'static str, Send)> {
    vec![
        ("no x-api-key", |s| {
            Box::pin(s.send(s.bare(Method::GET, &format!("/v1/members/{SEED}"))))
        }),
        ("a refused x-api-key", |s| {
            let request = s
                .bare(Method::GET, "/v1/members")
                .header("x-api-key", "nope");
            Box::pin(s.send(request))
        }),
        ("a member id that is not UTF-8", |s| {
            Box::pin(s.get("/v1/members/%FF%FE"))
        }),
        ("an unknown member", |s| {
            Box::pin(s.get("/v1/members/mem_00000000000000000000"))
        }),
        ("an unknown route", |s| Box::pin(s.get("/v1/nowhere"))),
        ("a method the route has not", |s| {
            Box::pin(s.call(Method::POST, "/v1/tiers", None))
        }),
        ("search: bad status, bad and repeated counts", |s| {
            Box::pin(s.search("statuses=gone&skip=x&take=1&take=2"))
        }),
        ("search: counts missing", |s| {
            Box::pin(s.search("statuses=active"))
        }),
        ("PATCH: a body of every schema problem", |s| {
            Box::pin(s.patch(
                SEED,
                json!({
                    "email": "not-an-email", "firstName": 5, "gender": "female",
                    "dob": "1985-6-21", "workerId": 7, "enablePayroll": "yes", "colour": "red",
                    "accountDetails": { "sortCode": "123456", "bic": "X" },
                }),
            ))
        }),
        ("PATCH: an EU account without iban", |s| {
            Box::pin(s.patch(
                SEED,
                json!({ "accountDetails": { "accountHolder": "A B" } }),
            ))
        }),
        ("PATCH: dob too early", |s| {
            Box::pin(s.patch(SEED, json!({ "dob": "1899-12-31" })))
        }),
        ("PATCH: dob not a day", |s| {
            Box::pin(s.patch(SEED, json!({ "dob": "2001-02-30" })))
        }),
        ("PATCH: a body that is not an object", |s| {
            Box::pin(s.patch(SEED, json!([1])))
        }),
        ("PATCH: malformed JSON", |s| {
            let request = s
                .request(Method::PATCH, &format!("/v1/members/{SEED}"))
                .body("{\"firstName\":");
            Box::pin(s.send(request))
        }),
        ("PATCH: an oversized body", |s| {
            let huge = format!(r#"{{"firstName":"{}"}}"#, "x".repeat(3 * 1024 * 1024));
            let request = s
                .request(Method::PATCH, &format!("/v1/members/{SEED}"))
                .body(huge);
            Box::pin(s.send(request))
        }),
        (
            "PATCH: broken rules (tier, email of an active member)",
            |s| {
                Box::pin(s.patch(
                    SEED,
                    json!({ "tier": "Platinum", "email": "new@example.com" }),
                ))
            },
        ),
        ("PUT: a schema problem", |s| {
            Box::pin(s.put(
                SEED,
                json!({ "email": "jsmith@example.com", "firstName": "J" }),
            ))
        }),
        ("POST: required fields missing", |s| {
            Box::pin(s.post(json!({ "firstName": "Ann" })))
        }),
        ("POST: an unknown tier", |s| {
            Box::pin(s.post(json!({ "email": "t@example.com", "firstName": "A", "lastName": "B", "tier": "Tin" })))
        }),
        ("POST: an email already invited", |s| {
            Box::pin(s.post(json!({ "email": "jsmith@example.com", "firstName": "A", "lastName": "B", "tier": "Gold" })))
        }),
        ("POST: a workerId in use", |s| {
            Box::pin(s.post(json!({ "email": "w@example.com", "firstName": "A", "lastName": "B", "tier": "Gold", "workerId": "ID_123" })))
        }),
    ]
}

async fn pair() -> (Server, Server) {
    let readings = Readings::of([Reading::OtherWording]);
    (
        Server::start().await,
        Server::reading(Faults::none(), vec![Api::Onsi], readings).await,
    )
}

fn compare(what: &str, docs: &Answer, other: &Answer) -> Vec<String> {
    assert!(docs.status >= 400, "{what}: not an error: {docs:?}");
    assert_eq!(docs.content_type, other.content_type, "{what}");
    assert_reworded(
        what,
        (docs.status, &docs.body),
        (other.status, &other.body),
        "message",
    )
}

#[tokio::test]
async fn every_error_answer_is_reworded_and_otherwise_the_same() {
    let (docs, other) = pair().await;
    for (what, send) in scenarios() {
        compare(what, &send(&docs).await, &send(&other).await);
    }
}

/// Rules that need a second member: one invited on each server, the same way.
#[tokio::test]
async fn refused_updates_that_name_other_members_are_reworded_too() {
    let (docs, other) = pair().await;
    let mut answers: Vec<(Answer, Value)> = Vec::new();
    for server in [&docs, &other] {
        let id = server
            .invite("ann@example.com", json!({ "workerId": "W-1" }))
            .await;
        let taken = server
            .patch(
                &id,
                json!({ "email": "jsmith@example.com", "workerId": "ID_123" }),
            )
            .await;
        answers.push((taken, json!(id)));
    }
    let [(mut a, a_id), (mut b, b_id)] = <[_; 2]>::try_from(answers).unwrap();
    // The new members' ids differ; the answers name each its own.
    assert_eq!(a.body["memberId"], a_id);
    assert_eq!(b.body["memberId"], b_id);
    a.body["memberId"] = json!("mem_");
    b.body["memberId"] = json!("mem_");
    let messages = compare("PATCH: email and workerId of other members", &a, &b);
    assert!(messages[0].contains("jsmith@example.com"), "{messages:?}");
}

#[tokio::test]
async fn successes_are_not_worded_at_all() {
    let (docs, other) = pair().await;
    assert_eq!(docs.member(SEED).await, other.member(SEED).await);
    let removed = [docs.delete(SEED).await.body, other.delete(SEED).await.body];
    // DELETE's {"message": "OK"} is the schema's enum, not wording.
    assert_eq!(
        removed,
        [json!({ "message": "OK" }), json!({ "message": "OK" })]
    );
}
