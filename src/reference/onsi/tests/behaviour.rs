//! The documented behaviour of the clean server.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use super::super::reply::Reply;
use super::super::store::{IdempotencyKey, Store};
use super::{SEED, Server, answer, minimal_invite};
use crate::reference::{Api, Faults};

const MEMBER_KEYS: [&str; 12] = [
    "accountDetails",
    "dob",
    "email",
    "enablePayroll",
    "firstName",
    "gender",
    "lastName",
    "memberId",
    "phone",
    "status",
    "tier",
    "workerId",
];

fn keys(member: &Value) -> Vec<String> {
    let mut keys: Vec<String> = member
        .as_object()
        .map(|object| object.keys().cloned().collect())
        .unwrap_or_default();
    keys.sort();
    keys
}

fn seed_json() -> Value {
    json!({
        "email": "jsmith@example.com",
        "memberId": SEED,
        "firstName": "John",
        "lastName": "Smith",
        "phone": "+447123456789",
        "tier": "Gold",
        "workerId": "ID_123",
        "status": "active",
        "accountDetails": {
            "accountHolder": "John Smith",
            "sortCode": "123456",
            "accountNumber": "12345678"
        },
        "enablePayroll": true,
        "dob": "1990-01-01",
        "gender": "Female"
    })
}

// --- auth -------------------------------------------------------------------

#[tokio::test]
async fn a_missing_api_key_is_a_header_validation_error() {
    let server = Server::start().await;
    for (method, path) in [
        (Method::GET, "/v1/tiers".to_string()),
        (Method::GET, format!("/v1/members/{SEED}")),
        (Method::GET, "/v1/members/mem_unknown".to_string()),
        (Method::DELETE, "/v1/members/mem_unknown".to_string()),
        (Method::GET, "/v1/nowhere".to_string()),
    ] {
        let answer = server.send(server.bare(method, &path)).await;
        assert_eq!(answer.status, 400, "{path}: {answer:?}");
        assert_eq!(
            answer.body,
            json!({
                "code": "HeaderValidation",
                "message": "Invalid request headers",
                "issues": [{
                    "code": "HeaderValidation",
                    "message": "x-api-key header is required",
                    "path": "x-api-key"
                }]
            })
        );
    }
}

#[tokio::test]
async fn a_wrong_api_key_is_forbidden_before_anything_else() {
    let server = Server::start().await;
    for key in ["wrong", "", "TEST-API-KEY", crate::reference::DEMO_API_KEY] {
        for path in ["/v1/tiers", "/v1/members/mem_unknown", "/v1/nowhere"] {
            let request = server.bare(Method::GET, path).header("x-api-key", key);
            let answer = server.send(request).await;
            assert_eq!(answer.status, 403, "{key:?} {path}: {answer:?}");
            assert_eq!(
                answer.body,
                json!({ "code": "Forbidden", "message": "Invalid API key" })
            );
        }
    }
    // A refused PATCH must not have touched the member.
    let request = server
        .bare(Method::PATCH, &format!("/v1/members/{SEED}"))
        .header("x-api-key", "wrong")
        .body(r#"{"firstName":"Mallory"}"#);
    assert_eq!(server.send(request).await.status, 403);
    assert_eq!(server.member(SEED).await["firstName"], "John");
}

#[tokio::test]
async fn json_answers_are_application_json() {
    let server = Server::start().await;
    let ok = server.get("/v1/tiers").await;
    let error = server.get("/v1/members/mem_unknown").await;
    let refused = server.send(server.bare(Method::GET, "/v1/tiers")).await;
    for answer in [ok, error, refused] {
        assert_eq!(answer.content_type.as_deref(), Some("application/json"));
    }
}

// --- tiers, seed, get ---------------------------------------------------------

#[tokio::test]
async fn tiers_are_listed() {
    let server = Server::start().await;
    let answer = server.get("/v1/tiers").await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.body,
        json!([{ "name": "Gold" }, { "name": "Silver" }, { "name": "Bronze" }])
    );
}

/// The tiers `GET /v1/tiers` lists are the ones a member can be moved
/// between: every move is answered with the new tier and read back.
#[tokio::test]
async fn a_member_moves_between_every_listed_tier() {
    let server = Server::start().await;
    let tiers: Vec<String> = server
        .get("/v1/tiers")
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|tier| tier["name"].as_str().unwrap().to_string())
        .collect();
    assert!(tiers.len() >= 2, "{tiers:?}");
    let invited = server.invite("ann@example.com", json!({})).await;
    for id in [SEED, invited.as_str()] {
        for from in &tiers {
            for to in tiers.iter().filter(|to| *to != from) {
                let path = format!("/v1/members/{id}");
                assert_eq!(server.patch(id, json!({ "tier": from })).await.status, 200);
                let moved = server.patch(id, json!({ "tier": to })).await;
                assert_eq!(
                    (moved.status, &moved.body["tier"]),
                    (200, &json!(to)),
                    "{path}"
                );
                assert_eq!(server.member(id).await["tier"], json!(to), "{path}");
            }
        }
        // PUT moves it too.
        let member = server.member(id).await;
        for to in &tiers {
            let body = json!({
                "email": member["email"], "firstName": "Ann", "lastName": "Lee", "tier": to,
            });
            let replaced = server.put(id, body).await;
            assert_eq!((replaced.status, &replaced.body["tier"]), (200, &json!(to)));
            assert_eq!(server.member(id).await["tier"], json!(to));
        }
    }
}

#[tokio::test]
async fn the_seed_member_is_the_docs_example() {
    let server = Server::start().await;
    assert_eq!(server.member(SEED).await, seed_json());
}

#[tokio::test]
async fn the_router_merges_with_the_other_api() {
    let server = Server::with(Faults::none(), Api::ALL.to_vec()).await;
    assert_eq!(server.member(SEED).await, seed_json());
    assert_eq!(server.get("/v1/nowhere").await.status, 404);
}

#[tokio::test]
async fn unknown_members_are_not_found() {
    let server = Server::start().await;
    for id in ["mem_aaaaaaaaaaaaaaaaaaaa", "not-a-member-id", "%E2%9C%93"] {
        let path = format!("/v1/members/{id}");
        let answers = [
            server.get(&path).await,
            server.patch(id, json!({})).await,
            server.put(id, minimal_invite("x@example.com")).await,
            server.delete(id).await,
        ];
        let decoded = if id.starts_with('%') { "✓" } else { id };
        for answer in answers {
            assert_eq!(answer.status, 404, "{id}: {answer:?}");
            assert_eq!(
                answer.body,
                json!({ "code": "NotFound", "message": "Member not found", "memberId": decoded })
            );
        }
    }
}

#[tokio::test]
async fn a_member_id_that_is_not_utf8_is_a_path_error() {
    let server = Server::start().await;
    let answer = server.get("/v1/members/%FF%FE").await;
    answer.assert_refused("PathValidation", Some("id"));
    assert_eq!(answer.content_type.as_deref(), Some("application/json"));
}

#[tokio::test]
async fn unknown_paths_and_methods_answer_json_errors() {
    let server = Server::start().await;
    for path in ["/v1/", "/v1/nowhere", "/v1/members/x/y", "/v1/members/"] {
        let answer = server.get(path).await;
        assert_eq!(answer.status, 404, "{path}");
        assert_eq!(
            answer.body,
            json!({ "code": "NotFound", "message": "Not found" })
        );
    }
    let answer = server.call(Method::DELETE, "/v1/tiers", None).await;
    assert_eq!(answer.status, 405);
    assert_eq!(answer.body["code"], "BadRequest");
    let answer = server
        .call(Method::POST, &format!("/v1/members/{SEED}"), None)
        .await;
    assert_eq!(answer.status, 405);
}

// --- invite -------------------------------------------------------------------

#[tokio::test]
async fn invite_creates_an_invited_member() {
    let server = Server::start().await;
    let answer = server.post(minimal_invite("ann@example.com")).await;
    assert_eq!(answer.status, 201);
    assert_eq!(answer.content_type.as_deref(), Some("application/json"));
    let member = answer.body;
    assert_eq!(keys(&member), MEMBER_KEYS);
    let id = member["memberId"].as_str().expect("a memberId");
    let id_shape = regex::Regex::new("^mem_[a-z0-9]{20}$").expect("a regex");
    assert!(id_shape.is_match(id), "{id}");
    assert_eq!(
        member,
        json!({
            "email": "ann@example.com", "memberId": id, "firstName": "Ann", "lastName": "Lee",
            "phone": null, "tier": "Bronze", "workerId": null, "status": "invited",
            "accountDetails": null, "enablePayroll": false, "dob": null, "gender": null
        })
    );
    assert_eq!(server.member(id).await, member);
}

#[tokio::test]
async fn invite_takes_every_optional_field() {
    let server = Server::start().await;
    let body = json!({
        "email": "eve@example.com", "firstName": "Eve", "lastName": "Ng", "tier": "Silver",
        "phone": "+33123456789", "workerId": "W-7",
        "accountDetails": { "accountHolder": "Eve Ng", "iban": "FR1420041010050500013M02606" },
        "enablePayroll": true, "dob": "2000-02-29", "gender": "NonBinary"
    });
    let answer = server.post(body.clone()).await;
    assert_eq!(answer.status, 201, "{answer:?}");
    for (key, value) in body.as_object().expect("an object") {
        assert_eq!(&answer.body[key], value, "{key}");
    }
    assert_eq!(answer.body["status"], "invited");
}

#[tokio::test]
async fn invite_refuses_schema_violations() {
    let server = Server::start().await;
    for missing in ["email", "firstName", "lastName", "tier"] {
        let mut body = minimal_invite("ann@example.com");
        body.as_object_mut().expect("an object").remove(missing);
        let answer = server.post(body).await;
        answer.assert_refused("InvalidAddMemberPayload", Some(missing));
        assert_eq!(answer.body["issues"][0]["code"], "BodyValidation");
    }
    for (field, value) in [
        ("email", json!("not-an-email")),
        ("email", json!(7)),
        ("firstName", json!(null)),
        ("phone", json!(null)),
        ("workerId", json!(null)),
        ("workerId", json!(12)),
        ("enablePayroll", json!("yes")),
        ("dob", json!("1900-12-31")),
        ("gender", json!("female")),
        ("accountDetails", json!({ "accountHolder": "A" })),
        ("nickname", json!("Annie")),
    ] {
        let mut body = minimal_invite("ann@example.com");
        body[field] = value;
        let answer = server.post(body).await;
        let path = if field == "accountDetails" {
            "accountDetails.iban"
        } else {
            field
        };
        answer.assert_refused("InvalidAddMemberPayload", Some(path));
    }
    let total = server.search("skip=0&take=50").await.body["total"].clone();
    assert_eq!(total, 1, "nothing was created");
}

#[tokio::test]
async fn invite_refuses_an_unknown_tier() {
    let server = Server::start().await;
    let mut body = minimal_invite("ann@example.com");
    body["tier"] = json!("Platinum");
    server
        .post(body)
        .await
        .assert_refused("InvalidAddMemberPayload", None);
}

#[tokio::test]
async fn invite_refuses_an_email_in_use_by_any_member() {
    let server = Server::start().await;
    let answer = server.post(minimal_invite("jsmith@example.com")).await;
    answer.assert_refused("MemberAlreadyInvited", None);
    server.invite("ann@example.com", json!({})).await;
    let again = server.post(minimal_invite("ann@example.com")).await;
    again.assert_refused("MemberAlreadyInvited", None);
    server.inactive("gone@example.com", json!({})).await;
    let gone = server.post(minimal_invite("gone@example.com")).await;
    gone.assert_refused("MemberAlreadyInvited", None);
}

#[tokio::test]
async fn invite_refuses_a_worker_id_in_use_in_any_status() {
    let server = Server::start().await;
    server
        .invite("a@example.com", json!({ "workerId": "W-invited" }))
        .await;
    server
        .inactive("b@example.com", json!({ "workerId": "W-inactive" }))
        .await;
    for taken in ["ID_123", "W-invited", "W-inactive"] {
        let mut body = minimal_invite("new@example.com");
        body["workerId"] = json!(taken);
        server
            .post(body)
            .await
            .assert_refused("InvalidAddMemberPayload", None);
    }
    server
        .invite("new@example.com", json!({ "workerId": "W-free" }))
        .await;
}

// --- bad input ----------------------------------------------------------------

#[tokio::test]
async fn bad_bodies_are_refused_not_crashed_on() {
    let server = Server::start().await;
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let bodies: Vec<Vec<u8>> = vec![
        b"{".to_vec(),
        b"".to_vec(),
        b"null".to_vec(),
        b"[]".to_vec(),
        b"\"text\"".to_vec(),
        b"42".to_vec(),
        vec![0xff, 0xfe, 0x7b, 0x7d],
        br#"{"firstName": "\ud800"}"#.to_vec(),
        br#"{"enablePayroll": 1e999}"#.to_vec(),
        br#"{"firstName": 123456789012345678901234567890123456789}"#.to_vec(),
        deep.into_bytes(),
    ];
    let path = format!("/v1/members/{SEED}");
    for body in bodies {
        for method in [Method::PATCH, Method::PUT, Method::POST] {
            let target = if method == Method::POST {
                "/v1/members"
            } else {
                &path
            };
            // No content-type header: the body is parsed whatever it says.
            let request = server.request(method.clone(), target).body(body.clone());
            let answer = server.send(request).await;
            assert_eq!(
                answer.status,
                400,
                "{method} {:?}: {answer:?}",
                String::from_utf8_lossy(&body)
            );
            assert!(answer.body["code"].is_string(), "{answer:?}");
        }
    }
    assert_eq!(server.member(SEED).await, seed_json());
}

#[tokio::test]
async fn a_body_without_content_type_is_still_read() {
    let server = Server::start().await;
    let request = server
        .request(Method::PATCH, &format!("/v1/members/{SEED}"))
        .body(r#"{"firstName":"Jo"}"#);
    let answer = server.send(request).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.body["firstName"], "Jo");
}

#[tokio::test]
async fn an_oversized_body_is_refused() {
    let server = Server::start().await;
    let huge = format!(r#"{{"firstName":"{}"}}"#, "x".repeat(3 * 1024 * 1024));
    let request = server
        .request(Method::PATCH, &format!("/v1/members/{SEED}"))
        .body(huge);
    let answer = server.send(request).await;
    assert_eq!(answer.status, 413, "{answer:?}");
    assert_eq!(answer.content_type.as_deref(), Some("application/json"));
    assert_eq!(server.member(SEED).await["firstName"], "John");
}

// --- patch --------------------------------------------------------------------

#[tokio::test]
async fn patch_echoes_every_field_it_changed() {
    let server = Server::start().await;
    let id = server.invite("ann@example.com", json!({})).await;
    let body = json!({
        "email": "jane@example.com", "firstName": "Jane", "lastName": "Doe",
        "phone": "+447000000000", "workerId": "W-1", "tier": "Silver",
        "accountDetails": { "accountHolder": "Jane Doe", "iban": "GB29NWBK60161331926819" },
        "enablePayroll": true, "dob": "1985-06-15", "gender": "Male"
    });
    let answer = server.patch(&id, body.clone()).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(keys(&answer.body), MEMBER_KEYS);
    for (key, value) in body.as_object().expect("an object") {
        assert_eq!(&answer.body[key], value, "{key}");
    }
    assert_eq!(answer.body["memberId"], id.as_str());
    assert_eq!(answer.body["status"], "invited");
    assert_eq!(server.member(&id).await, answer.body);
}

#[tokio::test]
async fn patch_changes_only_what_it_carries() {
    let server = Server::start().await;
    let answer = server.patch(SEED, json!({})).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, seed_json());
    let answer = server.patch(SEED, json!({ "lastName": "Smythe" })).await;
    let mut expected = seed_json();
    expected["lastName"] = json!("Smythe");
    assert_eq!(answer.body, expected);
    assert_eq!(server.member(SEED).await, expected);
}

#[tokio::test]
async fn patch_accepts_every_documented_value() {
    let server = Server::start().await;
    let id = server.invite("ann@example.com", json!({})).await;
    for (field, value) in [
        ("email", json!("first.last+tag@sub.example.co.uk")),
        ("email", json!("\"quoted local\"@example.com")),
        ("email", json!("user@[192.168.0.1]")),
        ("firstName", json!("")),
        ("lastName", json!("O'Brien-Łukasz")),
        ("phone", json!("+15555550123")),
        ("tier", json!("Gold")),
        ("tier", json!("Silver")),
        ("tier", json!("Bronze")),
        ("workerId", json!("W-42")),
        ("workerId", json!(null)),
        (
            "accountDetails",
            json!({ "accountHolder": "A", "sortCode": "1", "accountNumber": "2" }),
        ),
        (
            "accountDetails",
            json!({ "accountHolder": "A", "iban": "DE89370400440532013000" }),
        ),
        ("accountDetails", json!(null)),
        ("enablePayroll", json!(true)),
        ("enablePayroll", json!(false)),
        ("dob", json!("1901-01-01")),
        ("dob", json!("2000-02-29")),
        ("dob", json!("1999-12-31")),
        ("gender", json!("Female")),
        ("gender", json!("Male")),
        ("gender", json!("NonBinary")),
        ("gender", json!(null)),
    ] {
        let answer = server.patch(&id, json!({ field: value })).await;
        assert_eq!(answer.status, 200, "{field}={value}: {answer:?}");
        assert_eq!(answer.body[field], value, "{field}");
        assert_eq!(server.member(&id).await[field], value, "{field}");
    }
}

#[tokio::test]
async fn patch_refuses_every_schema_violation_and_changes_nothing() {
    let server = Server::start().await;
    let id = server
        .invite("ann@example.com", json!({ "workerId": "W-1" }))
        .await;
    let before = server.member(&id).await;
    for (field, value, path) in [
        ("email", json!("plain"), "email"),
        ("email", json!("a@b"), "email"),
        ("email", json!("user@localhost"), "email"),
        ("email", json!("a b@example.com"), "email"),
        ("email", json!(null), "email"),
        ("firstName", json!(null), "firstName"),
        ("firstName", json!(1), "firstName"),
        ("lastName", json!(["x"]), "lastName"),
        ("phone", json!(null), "phone"),
        ("phone", json!(447123456789u64), "phone"),
        ("tier", json!(null), "tier"),
        ("workerId", json!(7), "workerId"),
        ("workerId", json!({}), "workerId"),
        ("enablePayroll", json!("true"), "enablePayroll"),
        ("enablePayroll", json!(1), "enablePayroll"),
        ("enablePayroll", json!(null), "enablePayroll"),
        ("dob", json!("1900-12-31"), "dob"),
        ("dob", json!("1899-12-31"), "dob"),
        ("dob", json!("2001-02-29"), "dob"),
        ("dob", json!("1990-13-01"), "dob"),
        ("dob", json!("1990-1-1"), "dob"),
        ("dob", json!("19900101"), "dob"),
        ("dob", json!("1990-01-01T00:00:00Z"), "dob"),
        ("dob", json!(null), "dob"),
        ("dob", json!(19900101), "dob"),
        ("gender", json!("female"), "gender"),
        ("gender", json!("Other"), "gender"),
        ("gender", json!(1), "gender"),
        ("accountDetails", json!("GB29"), "accountDetails"),
        ("accountDetails", json!([]), "accountDetails"),
        (
            "accountDetails",
            json!({ "accountHolder": "A", "sortCode": "1" }),
            "accountDetails.accountNumber",
        ),
        (
            "accountDetails",
            json!({ "accountHolder": "A" }),
            "accountDetails.iban",
        ),
        (
            "accountDetails",
            json!({ "iban": "X" }),
            "accountDetails.accountHolder",
        ),
        ("accountDetails", json!({}), "accountDetails.accountHolder"),
        (
            "accountDetails",
            json!({ "accountHolder": "A", "iban": 5 }),
            "accountDetails.iban",
        ),
        (
            "accountDetails",
            json!({ "accountHolder": null, "iban": "X" }),
            "accountDetails.accountHolder",
        ),
        (
            "accountDetails",
            json!({ "accountHolder": "A", "iban": "X", "bic": "Y" }),
            "accountDetails.bic",
        ),
        (
            "accountDetails",
            json!({ "accountHolder": "A", "sortCode": "1", "accountNumber": "2", "iban": "X" }),
            "accountDetails.iban",
        ),
        ("nickname", json!("Annie"), "nickname"),
        ("memberId", json!("mem_other"), "memberId"),
        ("status", json!("active"), "status"),
    ] {
        // Each bad field rides with a good one, which must not be applied.
        let answer = server
            .patch(&id, json!({ "firstName": "Changed", field: value }))
            .await;
        answer.assert_refused("BodyValidation", Some(path));
        assert_eq!(answer.body["issues"][0]["code"], "BodyValidation");
        assert_eq!(server.member(&id).await, before, "{field}={value}");
    }
}

#[tokio::test]
async fn patch_reports_one_issue_per_problem() {
    let server = Server::start().await;
    let body = json!({ "dob": "1800-01-01", "gender": "x", "phone": null, "extra": 1 });
    let answer = server.patch(SEED, body).await;
    answer.assert_refused("BodyValidation", None);
    let mut paths = answer.issue_paths();
    paths.sort();
    assert_eq!(paths, ["dob", "extra", "gender", "phone"]);
}

#[tokio::test]
async fn patch_refuses_an_unknown_tier_and_changes_nothing() {
    let server = Server::start().await;
    let answer = server
        .patch(SEED, json!({ "tier": "Platinum", "firstName": "X" }))
        .await;
    answer.assert_refused("InvalidUpdateMemberPayload", None);
    assert_eq!(answer.body["memberId"], SEED);
    assert_eq!(server.member(SEED).await, seed_json());
}

#[tokio::test]
async fn email_changes_only_while_invited() {
    let server = Server::start().await;
    let invited = server.invite("inv@example.com", json!({})).await;
    let answer = server
        .patch(&invited, json!({ "email": "inv2@example.com" }))
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(server.member(&invited).await["email"], "inv2@example.com");

    let answer = server
        .patch(
            SEED,
            json!({ "email": "other@example.com", "lastName": "X" }),
        )
        .await;
    answer.assert_refused("InvalidUpdateMemberPayload", None);
    assert_eq!(answer.body["memberId"], SEED);
    assert_eq!(server.member(SEED).await, seed_json());

    let inactive = server.inactive("old@example.com", json!({})).await;
    let answer = server
        .patch(&inactive, json!({ "email": "new@example.com" }))
        .await;
    answer.assert_refused("InvalidUpdateMemberPayload", None);
    assert_eq!(server.member(&inactive).await["email"], "old@example.com");
}

#[tokio::test]
async fn sending_the_current_email_is_allowed_in_any_status() {
    let server = Server::start().await;
    let answer = server
        .patch(
            SEED,
            json!({ "email": "jsmith@example.com", "lastName": "X" }),
        )
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let inactive = server.inactive("old@example.com", json!({})).await;
    let answer = server
        .patch(&inactive, json!({ "email": "old@example.com" }))
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
}

#[tokio::test]
async fn email_cannot_be_changed_to_another_members() {
    let server = Server::start().await;
    let id = server.invite("ann@example.com", json!({})).await;
    let answer = server
        .patch(&id, json!({ "email": "jsmith@example.com" }))
        .await;
    answer.assert_refused("InvalidUpdateMemberPayload", None);
    assert_eq!(server.member(&id).await["email"], "ann@example.com");
}

#[tokio::test]
async fn worker_id_is_unique_across_every_status() {
    let server = Server::start().await;
    let id = server
        .invite("ann@example.com", json!({ "workerId": "W-own" }))
        .await;
    server
        .invite("bob@example.com", json!({ "workerId": "W-invited" }))
        .await;
    server
        .inactive("cat@example.com", json!({ "workerId": "W-inactive" }))
        .await;
    for taken in ["ID_123", "W-invited", "W-inactive"] {
        let answer = server
            .patch(&id, json!({ "workerId": taken, "firstName": "X" }))
            .await;
        answer.assert_refused("InvalidUpdateMemberPayload", None);
        assert_eq!(answer.body["memberId"], id.as_str());
        let member = server.member(&id).await;
        assert_eq!(
            (member["workerId"].clone(), member["firstName"].clone()),
            (json!("W-own"), json!("Ann"))
        );
    }
    let own = server.patch(&id, json!({ "workerId": "W-own" })).await;
    assert_eq!(own.status, 200, "setting one's own workerId again: {own:?}");
    let free = server.patch(&id, json!({ "workerId": "W-free" })).await;
    assert_eq!(free.body["workerId"], "W-free");
}

#[tokio::test]
async fn worker_id_null_clears_it_for_any_number_of_members() {
    let server = Server::start().await;
    let id = server
        .invite("ann@example.com", json!({ "workerId": "W-1" }))
        .await;
    let answer = server.patch(SEED, json!({ "workerId": null })).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["workerId"], Value::Null);
    let answer = server.patch(&id, json!({ "workerId": null })).await;
    assert_eq!(answer.status, 200, "a second null workerId: {answer:?}");
    assert_eq!(server.member(&id).await["workerId"], Value::Null);
    // The freed value can be taken again.
    let answer = server.patch(&id, json!({ "workerId": "ID_123" })).await;
    assert_eq!(answer.status, 200, "{answer:?}");
}

// --- put ----------------------------------------------------------------------

#[tokio::test]
async fn put_replaces_every_field() {
    let server = Server::start().await;
    let mut body = minimal_invite("jsmith@example.com");
    body["tier"] = json!("Silver");
    let answer = server.put(SEED, body).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let expected = json!({
        "email": "jsmith@example.com", "memberId": SEED, "firstName": "Ann", "lastName": "Lee",
        "phone": null, "tier": "Silver", "workerId": null, "status": "active",
        "accountDetails": null, "enablePayroll": false, "dob": null, "gender": null
    });
    assert_eq!(answer.body, expected);
    assert_eq!(server.member(SEED).await, expected);
}

#[tokio::test]
async fn put_reactivates_an_inactive_member_and_keeps_invited_ones() {
    let server = Server::start().await;
    let inactive = server.inactive("old@example.com", json!({})).await;
    let answer = server
        .put(&inactive, minimal_invite("old@example.com"))
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.body["status"], "active");
    assert_eq!(server.member(&inactive).await["status"], "active");
    let invited = server.invite("inv@example.com", json!({})).await;
    let answer = server
        .put(&invited, minimal_invite("inv2@example.com"))
        .await;
    assert_eq!(answer.body["status"], "invited");
    assert_eq!(answer.body["email"], "inv2@example.com");
}

#[tokio::test]
async fn put_refuses_what_post_refuses_and_changes_nothing() {
    let server = Server::start().await;
    server
        .invite("ann@example.com", json!({ "workerId": "W-1" }))
        .await;
    let mut missing = seed_json();
    missing
        .as_object_mut()
        .expect("an object")
        .remove("memberId");
    missing.as_object_mut().expect("an object").remove("status");
    missing.as_object_mut().expect("an object").remove("tier");
    server
        .put(SEED, missing)
        .await
        .assert_refused("BodyValidation", Some("tier"));

    let mut null_worker = minimal_invite("jsmith@example.com");
    null_worker["workerId"] = json!(null);
    server
        .put(SEED, null_worker)
        .await
        .assert_refused("BodyValidation", Some("workerId"));

    let other_email = minimal_invite("other@example.com");
    server
        .put(SEED, other_email)
        .await
        .assert_refused("InvalidUpdateMemberPayload", None);

    let mut taken = minimal_invite("jsmith@example.com");
    taken["workerId"] = json!("W-1");
    server
        .put(SEED, taken)
        .await
        .assert_refused("InvalidUpdateMemberPayload", None);

    let mut tier = minimal_invite("jsmith@example.com");
    tier["tier"] = json!("Platinum");
    server
        .put(SEED, tier)
        .await
        .assert_refused("InvalidUpdateMemberPayload", None);
    assert_eq!(server.member(SEED).await, seed_json());
}

// --- delete -------------------------------------------------------------------

#[tokio::test]
async fn delete_makes_the_member_inactive() {
    let server = Server::start().await;
    for _ in 0..2 {
        let answer = server.delete(SEED).await;
        assert_eq!(answer.status, 200);
        assert_eq!(answer.body, json!({ "message": "OK" }));
        let mut expected = seed_json();
        expected["status"] = json!("inactive");
        assert_eq!(server.member(SEED).await, expected);
    }
}

// --- idempotency ----------------------------------------------------------------

#[tokio::test]
async fn an_idempotent_replay_returns_the_first_answer() {
    let server = Server::start().await;
    let post = |body: Value| {
        server
            .request(Method::POST, "/v1/members")
            .header("x-idempotency-key", "k-1")
            .body(body.to_string())
    };
    let first = server.send(post(minimal_invite("ann@example.com"))).await;
    assert_eq!(first.status, 201);
    let replay = server.send(post(minimal_invite("ann@example.com"))).await;
    assert_eq!((replay.status, &replay.body), (201, &first.body));
    // Reading: a different body under the same key gets the kept answer too.
    let other = server.send(post(minimal_invite("bob@example.com"))).await;
    assert_eq!((other.status, &other.body), (201, &first.body));
    assert_eq!(server.search("skip=0&take=50").await.body["total"], 2);
}

#[tokio::test]
async fn an_idempotent_patch_is_not_reapplied() {
    let server = Server::start().await;
    let path = format!("/v1/members/{SEED}");
    let patch = |name: &str| {
        server
            .request(Method::PATCH, &path)
            .header("x-idempotency-key", "p-1")
            .body(json!({ "firstName": name }).to_string())
    };
    let first = server.send(patch("Jo")).await;
    assert_eq!(first.body["firstName"], "Jo");
    assert_eq!(
        server
            .patch(SEED, json!({ "firstName": "Al" }))
            .await
            .status,
        200
    );
    let replay = server.send(patch("Jo")).await;
    assert_eq!(replay.body, first.body, "the kept answer");
    assert_eq!(
        server.member(SEED).await["firstName"],
        "Al",
        "not applied again"
    );
}

#[tokio::test]
async fn a_failed_attempt_keeps_nothing() {
    let server = Server::start().await;
    let post = |body: Value| {
        server
            .request(Method::POST, "/v1/members")
            .header("x-idempotency-key", "k-retry")
            .body(body.to_string())
    };
    let mut bad = minimal_invite("ann@example.com");
    bad["tier"] = json!(1);
    assert_eq!(server.send(post(bad)).await.status, 400);
    let retry = server.send(post(minimal_invite("ann@example.com"))).await;
    assert_eq!(retry.status, 201, "{retry:?}");
}

#[tokio::test]
async fn a_key_is_scoped_to_its_method_and_path() {
    let server = Server::start().await;
    let a = server.invite("a@example.com", json!({})).await;
    let b = server.invite("b@example.com", json!({})).await;
    for id in [&a, &b] {
        let request = server
            .request(Method::DELETE, &format!("/v1/members/{id}"))
            .header("x-idempotency-key", "same");
        assert_eq!(server.send(request).await.status, 200);
    }
    for id in [&a, &b] {
        assert_eq!(server.member(id).await["status"], "inactive", "{id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_duplicates_apply_once() {
    let server = Server::start().await;
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let request = server
                .request(Method::POST, "/v1/members")
                .header("x-idempotency-key", "k-race")
                .body(minimal_invite("ann@example.com").to_string());
            tokio::spawn(answer(request))
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("the request task"));
    }
    let ids: Vec<&Value> = answers
        .iter()
        .map(|answer| &answer.body["memberId"])
        .collect();
    assert!(
        answers.iter().all(|answer| answer.status == 201),
        "{answers:?}"
    );
    assert!(ids.windows(2).all(|pair| pair[0] == pair[1]), "{ids:?}");
    assert_eq!(server.search("skip=0&take=50").await.body["total"], 2);
}

#[test]
fn idempotency_keys_expire_after_seven_days() {
    let mut store = Store::seeded();
    let key = || {
        Some(IdempotencyKey {
            method: axum::http::Method::POST,
            path: "/v1/members".to_string(),
            key: b"k".to_vec(),
        })
    };
    let start = Instant::now();
    let first = store.idempotent(key(), start, |_| Reply::ok(json!(1)));
    let week = Duration::from_secs(7 * 24 * 60 * 60);
    let within = store.idempotent(key(), start + week - Duration::from_secs(1), |_| {
        Reply::ok(json!(2))
    });
    assert_eq!(within, first);
    let after = store.idempotent(key(), start + week, |_| Reply::ok(json!(3)));
    assert_eq!(after, Reply::ok(json!(3)));
}

// --- search -------------------------------------------------------------------

#[tokio::test]
async fn search_filters_with_either_query_form() {
    let server = Server::start().await;
    let a = server
        .invite("a@example.com", json!({ "workerId": "W-a" }))
        .await;
    let b = server
        .invite("b@example.com", json!({ "workerId": "W-b" }))
        .await;
    let c = server.inactive("c@example.com", json!({})).await;
    let ids = |answer: &super::Answer| -> Vec<String> {
        answer.body["members"]
            .as_array()
            .expect("members")
            .iter()
            .map(|member| member["memberId"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    for (query, expected) in [
        ("skip=0&take=50".to_string(), vec![SEED, &a, &b, &c]),
        (
            format!("memberIds={a}&memberIds={c}&skip=0&take=50"),
            vec![&a, &c],
        ),
        (
            format!("memberIds%5B%5D={a}&memberIds[]={b}&skip=0&take=50"),
            vec![&a, &b],
        ),
        ("statuses=invited&skip=0&take=50".to_string(), vec![&a, &b]),
        (
            "statuses[]=active&statuses[]=inactive&skip=0&take=50".to_string(),
            vec![SEED, &c],
        ),
        (
            "emails=b%40example.com&skip=0&take=50".to_string(),
            vec![&b],
        ),
        (
            "emails[]=jsmith@example.com&skip=0&take=50".to_string(),
            vec![SEED],
        ),
        (
            "workerIds=W-a&workerIds[]=ID_123&skip=0&take=50".to_string(),
            vec![SEED, &a],
        ),
        (
            "workerIds=W-a&statuses=active&skip=0&take=50".to_string(),
            vec![],
        ),
        ("workerIds=nobody&skip=0&take=50".to_string(), vec![]),
    ] {
        let answer = server.search(&query).await;
        assert_eq!(answer.status, 200, "{query}: {answer:?}");
        assert_eq!(ids(&answer), expected, "{query}");
        assert_eq!(answer.body["total"], expected.len(), "{query}");
        assert_eq!(
            (answer.body["skip"].clone(), answer.body["take"].clone()),
            (json!(0), json!(50))
        );
    }
    let page = server.search("skip=1&take=2").await;
    assert_eq!(ids(&page), [a.as_str(), b.as_str()]);
    assert_eq!(page.body["total"], 4);
    assert_eq!(
        (page.body["skip"].clone(), page.body["take"].clone()),
        (json!(1), json!(2))
    );
    for member in page.body["members"].as_array().expect("members") {
        assert_eq!(keys(member), MEMBER_KEYS);
    }
}

#[tokio::test]
async fn search_needs_numeric_skip_and_take() {
    let server = Server::start().await;
    for (query, path) in [
        ("take=50", "skip"),
        ("skip=0", "take"),
        ("skip=abc&take=50", "skip"),
        ("skip=0&take=-1", "take"),
        ("skip=0&take=1.5", "take"),
        ("skip=99999999999999999999999&take=1", "skip"),
        ("skip=0&take=", "take"),
        ("statuses=gone&skip=0&take=1", "statuses"),
    ] {
        let answer = server.search(query).await;
        answer.assert_refused("QueryValidation", Some(path));
        assert_eq!(
            answer.body["issues"][0]["code"], "QueryValidation",
            "{query}"
        );
    }
    let answer = server.get("/v1/members").await;
    answer.assert_refused("QueryValidation", Some("skip"));
    assert!(answer.issue_paths().contains(&"take".to_string()));
    let huge = server
        .search("skip=18446744073709551615&take=18446744073709551615")
        .await;
    assert_eq!(huge.status, 200);
    assert_eq!(huge.body["members"], json!([]));
}

// --- the store's indexes --------------------------------------------------------

#[test]
fn the_store_indexes_follow_every_change_of_email_and_worker_id() {
    use super::super::Fault;
    use super::super::body::FullFields;
    use super::super::member::Status;
    let mut store = Store::seeded();
    let fields = |email: &str, worker: Option<&str>| FullFields {
        email: email.to_string(),
        first_name: "Ann".into(),
        last_name: "Lee".into(),
        tier: "Gold".into(),
        phone: None,
        worker_id: worker.map(str::to_string),
        account_details: None,
        enable_payroll: false,
        dob: None,
        gender: None,
    };
    let id = store.invite(fields("a@example.com", Some("w1"))).id.clone();
    let faults = Faults::default();
    assert!(store.email_in_use("a@example.com", None));
    assert!(!store.email_in_use("a@example.com", Some(&id)));
    assert!(store.worker_id_in_use("w1", None, &faults));

    let mut changed = store.member(&id).unwrap().clone();
    changed.email = "b@example.com".into();
    changed.worker_id = None;
    store.save(changed);
    assert!(!store.email_in_use("a@example.com", None));
    assert!(store.email_in_use("b@example.com", None));
    assert!(!store.worker_id_in_use("w1", None, &faults));
    assert_eq!(store.member(&id).unwrap().email, "b@example.com");

    // Removed members keep their workerId, except under the fault.
    let other = store.invite(fields("c@example.com", Some("w2"))).id.clone();
    store.set_status(&other, Status::Inactive);
    assert!(store.worker_id_in_use("w2", None, &faults));
    let fault = Faults::of([Fault::WorkerIdUniqueActiveOnly.into()]);
    assert!(!store.worker_id_in_use("w2", None, &fault));
    assert_eq!(
        store.members().len(),
        3,
        "creation order keeps every member"
    );
}
