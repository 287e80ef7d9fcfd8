//! One test per fault: the same scenario against the clean server and the
//! faulty one, asserting what both share and where they differ.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{Value, json};

use super::super::Fault;
use super::{SEED, clean_and_faulty, minimal_invite};
use crate::reference::{Api, Faults};

/// Every fault this file tests; the catalogue must not hold any other.
const TESTED: &[Fault] = &[
    Fault::PatchResetsOmitted,
    Fault::PatchEchoStale,
    Fault::PatchDropsPhoneEcho,
    Fault::PatchHalfApplied,
    Fault::EmailChangeAnyStatus,
    Fault::WorkerIdNotUnique,
    Fault::WorkerIdUniqueActiveOnly,
    Fault::WorkerIdNullRefused,
    Fault::AcceptsUnknownKeys,
    Fault::AcceptsExtraAccountKey,
    Fault::AcceptsEuAccountMissingIban,
    Fault::AcceptsOldDob,
    Fault::AcceptsAnyGender,
    Fault::GenderNullRefused,
    Fault::AcceptsBadEmail,
    Fault::AuthMissingKeyAccepted,
    Fault::AuthWrongKeyAccepted,
    Fault::IdempotencyReprocessed,
    Fault::UnknownMember500,
    Fault::UnknownMember200,
    Fault::MemberMissingDobKey,
    Fault::TextContentType,
    Fault::DeleteKeepsStatus,
    Fault::PostDuplicateEmailAccepted,
    Fault::InviteMissingField500,
    Fault::InviteRefusedStillCreated,
    Fault::DobNullIgnored,
    Fault::AcceptsNumericSortCode,
    Fault::EnablePayrollStringAccepted,
    Fault::PutKeepsInactive,
    Fault::SearchIgnoresStatuses,
    Fault::DobPatternLoose,
    Fault::GenderAnyCase,
    Fault::TierUpdateNotStored,
    Fault::PatchLostUpdate,
    Fault::InviteUniqueCheckRace,
];

#[test]
fn the_catalogue_is_well_formed_and_fully_tested() {
    let kebab = regex::Regex::new("^onsi(-[a-z0-9]+)+$").expect("a regex");
    for fault in Fault::ALL {
        let info = fault.info();
        assert!(kebab.is_match(info.name), "{}", info.name);
        assert_eq!(info.api, Api::Onsi, "{}", info.name);
        assert!(!info.summary.is_empty(), "{}", info.name);
        assert!(Faults::from_names(&[info.name]).is_ok(), "{}", info.name);
    }
    let catalogued: BTreeSet<&str> = Fault::ALL.iter().map(|f| f.info().name).collect();
    assert_eq!(catalogued.len(), Fault::ALL.len(), "names are unique");
    let tested: BTreeSet<&str> = TESTED.iter().map(|f| f.info().name).collect();
    assert_eq!(catalogued, tested);
}

#[tokio::test]
async fn patch_resets_omitted() {
    for (server, faulty) in clean_and_faulty(Fault::PatchResetsOmitted).await {
        let answer = server.patch(SEED, json!({ "firstName": "Jo" })).await;
        assert_eq!(answer.status, 200);
        let member = server.member(SEED).await;
        assert_eq!(answer.body, member);
        for (key, kept) in [
            ("firstName", "Jo"),
            ("lastName", "Smith"),
            ("email", "jsmith@example.com"),
            ("tier", "Gold"),
        ] {
            assert_eq!(member[key], kept, "{key}");
        }
        for key in ["phone", "workerId", "accountDetails", "dob", "gender"] {
            assert_eq!(member[key].is_null(), faulty, "{key}");
        }
        assert_eq!(member["enablePayroll"], !faulty);
    }
}

#[tokio::test]
async fn patch_echo_stale() {
    for (server, faulty) in clean_and_faulty(Fault::PatchEchoStale).await {
        let answer = server.patch(SEED, json!({ "firstName": "Jo" })).await;
        assert_eq!(answer.status, 200);
        assert_eq!(server.member(SEED).await["firstName"], "Jo");
        assert_eq!(answer.body["firstName"], if faulty { "John" } else { "Jo" });
    }
}

#[tokio::test]
async fn patch_drops_phone_echo() {
    for (server, faulty) in clean_and_faulty(Fault::PatchDropsPhoneEcho).await {
        let body = json!({ "phone": "+15555550123", "firstName": "Jo" });
        let answer = server.patch(SEED, body).await;
        assert_eq!(answer.status, 200);
        assert_eq!(answer.body["firstName"], "Jo");
        assert_eq!(server.member(SEED).await["phone"], "+15555550123");
        let echoed = if faulty {
            "+447123456789"
        } else {
            "+15555550123"
        };
        assert_eq!(answer.body["phone"], echoed);
    }
}

#[tokio::test]
async fn patch_half_applied() {
    for (server, faulty) in clean_and_faulty(Fault::PatchHalfApplied).await {
        let schema = server
            .patch(SEED, json!({ "firstName": "Jo", "dob": "1800-01-01" }))
            .await;
        schema.assert_refused("BodyValidation", Some("dob"));
        let rule = server
            .patch(SEED, json!({ "lastName": "X", "tier": "Platinum" }))
            .await;
        rule.assert_refused("InvalidUpdateMemberPayload", None);
        let member = server.member(SEED).await;
        assert_eq!(
            (member["dob"].clone(), member["tier"].clone()),
            (json!("1990-01-01"), json!("Gold"))
        );
        assert_eq!(member["firstName"], if faulty { "Jo" } else { "John" });
        assert_eq!(member["lastName"], if faulty { "X" } else { "Smith" });
    }
}

#[tokio::test]
async fn email_change_any_status() {
    for (server, faulty) in clean_and_faulty(Fault::EmailChangeAnyStatus).await {
        let invited = server.invite("inv@example.com", json!({})).await;
        let answer = server
            .patch(&invited, json!({ "email": "inv2@example.com" }))
            .await;
        assert_eq!(answer.status, 200);
        let answer = server
            .patch(SEED, json!({ "email": "new@example.com" }))
            .await;
        if faulty {
            assert_eq!(answer.status, 200);
        } else {
            answer.assert_refused("InvalidUpdateMemberPayload", None);
        }
        let email = if faulty {
            "new@example.com"
        } else {
            "jsmith@example.com"
        };
        assert_eq!(server.member(SEED).await["email"], email);
    }
}

#[tokio::test]
async fn workerid_not_unique() {
    for (server, faulty) in clean_and_faulty(Fault::WorkerIdNotUnique).await {
        let id = server.invite("ann@example.com", json!({})).await;
        let answer = server.patch(&id, json!({ "workerId": "ID_123" })).await;
        if faulty {
            assert_eq!(answer.status, 200);
            assert_eq!(server.member(&id).await["workerId"], "ID_123");
        } else {
            answer.assert_refused("InvalidUpdateMemberPayload", None);
        }
        // POST still checks.
        let mut body = minimal_invite("bob@example.com");
        body["workerId"] = json!("ID_123");
        server
            .post(body)
            .await
            .assert_refused("InvalidAddMemberPayload", None);
    }
}

#[tokio::test]
async fn workerid_unique_active_only() {
    for (server, faulty) in clean_and_faulty(Fault::WorkerIdUniqueActiveOnly).await {
        server
            .inactive("old@example.com", json!({ "workerId": "W-old" }))
            .await;
        let id = server.invite("ann@example.com", json!({})).await;
        let answer = server.patch(&id, json!({ "workerId": "W-old" })).await;
        assert_eq!(answer.status, if faulty { 200 } else { 400 }, "{answer:?}");
        let active = server.patch(&id, json!({ "workerId": "ID_123" })).await;
        active.assert_refused("InvalidUpdateMemberPayload", None);
    }
}

#[tokio::test]
async fn workerid_null_refused() {
    for (server, faulty) in clean_and_faulty(Fault::WorkerIdNullRefused).await {
        let answer = server.patch(SEED, json!({ "workerId": null })).await;
        if faulty {
            answer.assert_refused("BodyValidation", Some("workerId"));
        } else {
            assert_eq!(answer.status, 200);
        }
        let expected = if faulty { json!("ID_123") } else { Value::Null };
        assert_eq!(server.member(SEED).await["workerId"], expected);
        assert_eq!(
            server
                .patch(SEED, json!({ "workerId": "W-2" }))
                .await
                .status,
            200
        );
    }
}

#[tokio::test]
async fn accepts_unknown_keys() {
    for (server, faulty) in clean_and_faulty(Fault::AcceptsUnknownKeys).await {
        let answer = server
            .patch(SEED, json!({ "nickname": "J", "firstName": "Jo" }))
            .await;
        if faulty {
            assert_eq!(answer.status, 200);
            assert!(answer.body.get("nickname").is_none());
        } else {
            answer.assert_refused("BodyValidation", Some("nickname"));
        }
        let first_name = if faulty { "Jo" } else { "John" };
        assert_eq!(server.member(SEED).await["firstName"], first_name);
        let mut body = minimal_invite("ann@example.com");
        body["nickname"] = json!("A");
        server
            .post(body)
            .await
            .assert_refused("InvalidAddMemberPayload", Some("nickname"));
    }
}

#[tokio::test]
async fn accepts_extra_account_key() {
    for (server, faulty) in clean_and_faulty(Fault::AcceptsExtraAccountKey).await {
        let uk = json!({ "accountHolder": "Jo", "sortCode": "000000", "accountNumber": "1" });
        let mut extra = uk.clone();
        extra["bic"] = json!("NWBKGB2L");
        let answer = server.patch(SEED, json!({ "accountDetails": extra })).await;
        if faulty {
            assert_eq!(answer.status, 200);
            assert_eq!(server.member(SEED).await["accountDetails"], uk);
        } else {
            answer.assert_refused("BodyValidation", Some("accountDetails.bic"));
            assert_eq!(
                server.member(SEED).await["accountDetails"]["accountHolder"],
                "John Smith"
            );
        }
    }
}

#[tokio::test]
async fn accepts_eu_account_missing_iban() {
    for (server, faulty) in clean_and_faulty(Fault::AcceptsEuAccountMissingIban).await {
        let holder_only = json!({ "accountHolder": "Jo" });
        let answer = server
            .patch(SEED, json!({ "accountDetails": holder_only }))
            .await;
        if faulty {
            assert_eq!(answer.status, 200);
            assert_eq!(server.member(SEED).await["accountDetails"], holder_only);
        } else {
            answer.assert_refused("BodyValidation", Some("accountDetails.iban"));
        }
        let uk_short = json!({ "accountDetails": { "accountHolder": "Jo", "sortCode": "1" } });
        let answer = server.patch(SEED, uk_short).await;
        answer.assert_refused("BodyValidation", Some("accountDetails.accountNumber"));
    }
}

#[tokio::test]
async fn accepts_old_dob() {
    for (server, faulty) in clean_and_faulty(Fault::AcceptsOldDob).await {
        let answer = server.patch(SEED, json!({ "dob": "1899-12-31" })).await;
        if faulty {
            assert_eq!(answer.status, 200);
        } else {
            answer.assert_refused("BodyValidation", Some("dob"));
        }
        let dob = if faulty { "1899-12-31" } else { "1990-01-01" };
        assert_eq!(server.member(SEED).await["dob"], dob);
        let answer = server.patch(SEED, json!({ "dob": "2001-02-29" })).await;
        answer.assert_refused("BodyValidation", Some("dob"));
    }
}

#[tokio::test]
async fn accepts_any_gender() {
    for (server, faulty) in clean_and_faulty(Fault::AcceptsAnyGender).await {
        let answer = server.patch(SEED, json!({ "gender": "Other" })).await;
        if faulty {
            assert_eq!(answer.status, 200);
        } else {
            answer.assert_refused("BodyValidation", Some("gender"));
        }
        let gender = if faulty { "Other" } else { "Female" };
        assert_eq!(server.member(SEED).await["gender"], gender);
        let answer = server.patch(SEED, json!({ "gender": 1 })).await;
        answer.assert_refused("BodyValidation", Some("gender"));
    }
}

#[tokio::test]
async fn gender_null_refused() {
    for (server, faulty) in clean_and_faulty(Fault::GenderNullRefused).await {
        let answer = server.patch(SEED, json!({ "gender": null })).await;
        if faulty {
            answer.assert_refused("BodyValidation", Some("gender"));
        } else {
            assert_eq!(answer.status, 200);
        }
        let expected = if faulty { json!("Female") } else { Value::Null };
        assert_eq!(server.member(SEED).await["gender"], expected);
        assert_eq!(
            server.patch(SEED, json!({ "gender": "Male" })).await.status,
            200
        );
    }
}

#[tokio::test]
async fn accepts_bad_email() {
    for (server, faulty) in clean_and_faulty(Fault::AcceptsBadEmail).await {
        let id = server.invite("ann@example.com", json!({})).await;
        let answer = server.patch(&id, json!({ "email": "plain" })).await;
        if faulty {
            assert_eq!(answer.status, 200);
        } else {
            answer.assert_refused("BodyValidation", Some("email"));
        }
        let email = if faulty { "plain" } else { "ann@example.com" };
        assert_eq!(server.member(&id).await["email"], email);
        let post = server.post(minimal_invite("plain2")).await;
        post.assert_refused("InvalidAddMemberPayload", Some("email"));
    }
}

#[tokio::test]
async fn auth_missing_key_accepted() {
    for (server, faulty) in clean_and_faulty(Fault::AuthMissingKeyAccepted).await {
        let answer = server.send(server.bare(Method::GET, "/v1/tiers")).await;
        assert_eq!(answer.status, if faulty { 200 } else { 400 });
        let wrong = server
            .bare(Method::GET, "/v1/tiers")
            .header("x-api-key", "wrong");
        assert_eq!(server.send(wrong).await.status, 403);
    }
}

#[tokio::test]
async fn auth_wrong_key_accepted() {
    for (server, faulty) in clean_and_faulty(Fault::AuthWrongKeyAccepted).await {
        let wrong = server
            .bare(Method::GET, "/v1/tiers")
            .header("x-api-key", "wrong");
        assert_eq!(
            server.send(wrong).await.status,
            if faulty { 200 } else { 403 }
        );
        let empty = server
            .bare(Method::GET, "/v1/tiers")
            .header("x-api-key", "");
        assert_eq!(server.send(empty).await.status, 403);
        let missing = server.bare(Method::GET, "/v1/tiers");
        assert_eq!(server.send(missing).await.status, 400);
    }
}

#[tokio::test]
async fn idempotency_reprocessed() {
    for (server, faulty) in clean_and_faulty(Fault::IdempotencyReprocessed).await {
        let post = || {
            server
                .request(Method::POST, "/v1/members")
                .header("x-idempotency-key", "k-1")
                .body(minimal_invite("ann@example.com").to_string())
        };
        let first = server.send(post()).await;
        assert_eq!(first.status, 201);
        let replay = server.send(post()).await;
        if faulty {
            replay.assert_refused("MemberAlreadyInvited", None);
        } else {
            assert_eq!((replay.status, &replay.body), (201, &first.body));
        }
    }
}

#[tokio::test]
async fn unknown_member_500() {
    for (server, faulty) in clean_and_faulty(Fault::UnknownMember500).await {
        let id = "mem_aaaaaaaaaaaaaaaaaaaa";
        let answers = [
            server.get(&format!("/v1/members/{id}")).await,
            server.patch(id, json!({})).await,
            server.put(id, minimal_invite("x@example.com")).await,
            server.delete(id).await,
        ];
        for answer in answers {
            assert_eq!(answer.status, if faulty { 500 } else { 404 }, "{answer:?}");
            let code = if faulty {
                "InternalServerError"
            } else {
                "NotFound"
            };
            assert_eq!(answer.body["code"], code);
        }
        assert_eq!(server.member(SEED).await["memberId"], SEED);
    }
}

#[tokio::test]
async fn unknown_member_200() {
    for (server, faulty) in clean_and_faulty(Fault::UnknownMember200).await {
        let id = "mem_aaaaaaaaaaaaaaaaaaaa";
        let answer = server.get(&format!("/v1/members/{id}")).await;
        if faulty {
            assert_eq!(answer.status, 200);
            assert_eq!(
                (
                    answer.body["email"].clone(),
                    answer.body["memberId"].clone()
                ),
                (json!(""), json!(id))
            );
        } else {
            assert_eq!(answer.status, 404);
        }
        assert_eq!(server.patch(id, json!({})).await.status, 404);
    }
}

#[tokio::test]
async fn member_missing_dob_key() {
    for (server, faulty) in clean_and_faulty(Fault::MemberMissingDobKey).await {
        let id = server.invite("ann@example.com", json!({})).await;
        let member = server.member(&id).await;
        assert_eq!(member.get("dob").is_none(), faulty, "{member}");
        assert_eq!(member["phone"], Value::Null);
        assert_eq!(server.member(SEED).await["dob"], "1990-01-01");
    }
}

#[tokio::test]
async fn text_content_type() {
    for (server, faulty) in clean_and_faulty(Fault::TextContentType).await {
        for answer in [
            server.get("/v1/tiers").await,
            server.get("/v1/nowhere").await,
        ] {
            let expected = if faulty {
                "text/plain"
            } else {
                "application/json"
            };
            assert_eq!(answer.content_type.as_deref(), Some(expected));
            assert!(answer.body.is_array() || answer.body["code"] == "NotFound");
        }
    }
}

#[tokio::test]
async fn delete_keeps_status() {
    for (server, faulty) in clean_and_faulty(Fault::DeleteKeepsStatus).await {
        let answer = server.delete(SEED).await;
        assert_eq!(
            (answer.status, answer.body),
            (200, json!({ "message": "OK" }))
        );
        let status = if faulty { "active" } else { "inactive" };
        assert_eq!(server.member(SEED).await["status"], status);
    }
}

#[tokio::test]
async fn post_duplicate_email_accepted() {
    for (server, faulty) in clean_and_faulty(Fault::PostDuplicateEmailAccepted).await {
        let answer = server.post(minimal_invite("jsmith@example.com")).await;
        if faulty {
            assert_eq!(answer.status, 201);
            assert_ne!(answer.body["memberId"], SEED);
        } else {
            answer.assert_refused("MemberAlreadyInvited", None);
        }
        let mut body = minimal_invite("new@example.com");
        body["workerId"] = json!("ID_123");
        server
            .post(body)
            .await
            .assert_refused("InvalidAddMemberPayload", None);
    }
}

#[tokio::test]
async fn invite_refused_still_created() {
    for (server, faulty) in clean_and_faulty(Fault::InviteRefusedStillCreated).await {
        let mut body = minimal_invite("kept@example.com");
        body["gender"] = json!("female");
        server
            .post(body)
            .await
            .assert_refused("InvalidAddMemberPayload", Some("gender"));
        let found = server
            .get("/v1/members?emails=kept@example.com&skip=0&take=50")
            .await;
        let members = found.body["members"].as_array().unwrap().len();
        assert_eq!(members, usize::from(faulty), "{found:?}");
    }
}

#[tokio::test]
async fn invite_missing_field_500() {
    for (server, faulty) in clean_and_faulty(Fault::InviteMissingField500).await {
        for missing in ["email", "firstName", "lastName", "tier"] {
            let mut body = minimal_invite("new@example.com");
            body.as_object_mut().unwrap().remove(missing);
            let answer = server.post(body).await;
            if faulty {
                assert_eq!(answer.status, 500, "{missing}: {answer:?}");
                assert_eq!(answer.body["code"], "InternalServerError");
            } else {
                answer.assert_refused("InvalidAddMemberPayload", Some(missing));
            }
        }
        // Other refusals are not touched by the bug.
        let bad = minimal_invite("not-an-email");
        server
            .post(bad)
            .await
            .assert_refused("InvalidAddMemberPayload", Some("email"));
    }
}

#[tokio::test]
async fn dob_null_ignored() {
    for (server, faulty) in clean_and_faulty(Fault::DobNullIgnored).await {
        let before = server.member(SEED).await;
        let answer = server
            .patch(SEED, json!({ "dob": null, "firstName": "Jo" }))
            .await;
        if faulty {
            assert_eq!(answer.status, 200, "{answer:?}");
            assert_eq!(answer.body["dob"], before["dob"]);
            assert_eq!(answer.body["firstName"], "Jo");
        } else {
            answer.assert_refused("BodyValidation", Some("dob"));
            assert_eq!(server.member(SEED).await, before);
        }
        // The bug is PATCH's model alone: POST still refuses a null dob.
        let mut invite = minimal_invite("dob-null@example.com");
        invite["dob"] = json!(null);
        let answer = server.post(invite).await;
        assert_eq!(answer.status, 400, "{answer:?}");
    }
}

#[tokio::test]
async fn accepts_numeric_sort_code() {
    for (server, faulty) in clean_and_faulty(Fault::AcceptsNumericSortCode).await {
        let account = json!({ "accountHolder": "Jo", "sortCode": 123456, "accountNumber": "1" });
        let answer = server
            .patch(SEED, json!({ "accountDetails": account }))
            .await;
        if faulty {
            assert_eq!(answer.status, 200, "{answer:?}");
            assert_eq!(answer.body["accountDetails"]["sortCode"], "123456");
        } else {
            answer.assert_refused("BodyValidation", Some("accountDetails.sortCode"));
        }
        // A numeric accountNumber stays refused either way.
        let account = json!({ "accountHolder": "Jo", "sortCode": "1", "accountNumber": 1 });
        let answer = server
            .patch(SEED, json!({ "accountDetails": account }))
            .await;
        answer.assert_refused("BodyValidation", Some("accountDetails.accountNumber"));
    }
}

#[tokio::test]
async fn enable_payroll_string_accepted() {
    for (server, faulty) in clean_and_faulty(Fault::EnablePayrollStringAccepted).await {
        let answer = server
            .patch(SEED, json!({ "enablePayroll": "false" }))
            .await;
        if faulty {
            assert_eq!(answer.status, 200, "{answer:?}");
            assert_eq!(answer.body["enablePayroll"], false);
        } else {
            answer.assert_refused("BodyValidation", Some("enablePayroll"));
        }
        let answer = server.patch(SEED, json!({ "enablePayroll": "yes" })).await;
        answer.assert_refused("BodyValidation", Some("enablePayroll"));
    }
}

#[tokio::test]
async fn put_keeps_inactive() {
    for (server, faulty) in clean_and_faulty(Fault::PutKeepsInactive).await {
        let id = server.inactive("gone@example.com", json!({})).await;
        let mut body = minimal_invite("gone@example.com");
        body["firstName"] = json!("Back");
        let answer = server.put(&id, body).await;
        assert_eq!(answer.status, 200, "{answer:?}");
        assert_eq!(answer.body["firstName"], "Back");
        let status = if faulty { "inactive" } else { "active" };
        assert_eq!(answer.body["status"], status);
        assert_eq!(server.member(&id).await["status"], status);
        // An active member stays active either way.
        let answer = server.put(SEED, minimal_invite("jsmith@example.com")).await;
        assert_eq!(answer.body["status"], "active", "{answer:?}");
    }
}

#[tokio::test]
async fn search_ignores_statuses() {
    for (server, faulty) in clean_and_faulty(Fault::SearchIgnoresStatuses).await {
        let invited = server.invite("new@example.com", json!({})).await;
        let answer = server.search("statuses[]=invited&skip=0&take=50").await;
        assert_eq!(answer.status, 200, "{answer:?}");
        let ids: Vec<&str> = answer.body["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["memberId"].as_str().unwrap())
            .collect();
        let want: Vec<&str> = if faulty {
            vec![SEED, invited.as_str()]
        } else {
            vec![invited.as_str()]
        };
        assert_eq!(ids, want);
        // The other filters still apply.
        let answer = server
            .search(&format!("memberIds[]={invited}&skip=0&take=50"))
            .await;
        assert_eq!(answer.body["total"], 1);
    }
}

#[tokio::test]
async fn dob_pattern_loose() {
    for (server, faulty) in clean_and_faulty(Fault::DobPatternLoose).await {
        let answer = server.patch(SEED, json!({ "dob": "1985-6-21" })).await;
        let member = server.member(SEED).await;
        if faulty {
            assert_eq!(answer.status, 200, "{answer:?}");
            assert_eq!(member["dob"], "1985-6-21");
        } else {
            answer.assert_refused("BodyValidation", Some("dob"));
            assert_eq!(member["dob"], "1990-01-01");
        }
        let mut invite = minimal_invite("ann@example.com");
        invite["dob"] = json!("1985-06-1");
        let invited = server.post(invite).await;
        assert_eq!(
            invited.status,
            if faulty { 201 } else { 400 },
            "{invited:?}"
        );
        // Two digits each pass either way; three, or another separator, never.
        assert_eq!(
            server
                .patch(SEED, json!({ "dob": "1985-06-21" }))
                .await
                .status,
            200
        );
        for bad in ["1985-006-21", "1985/6/21", "85-6-21"] {
            let answer = server.patch(SEED, json!({ "dob": bad })).await;
            answer.assert_refused("BodyValidation", Some("dob"));
        }
    }
}

#[tokio::test]
async fn gender_any_case() {
    for (server, faulty) in clean_and_faulty(Fault::GenderAnyCase).await {
        let mut invite = minimal_invite("ann@example.com");
        invite["gender"] = json!("female");
        let invited = server.post(invite).await;
        let replace = json!({
            "email": "jsmith@example.com", "firstName": "John", "lastName": "Smith",
            "tier": "Gold", "gender": "MALE",
        });
        let replaced = server.put(SEED, replace).await;
        if faulty {
            assert_eq!(
                (invited.status, &invited.body["gender"]),
                (201, &json!("Female"))
            );
            assert_eq!(
                (replaced.status, &replaced.body["gender"]),
                (200, &json!("Male"))
            );
        } else {
            invited.assert_refused("InvalidAddMemberPayload", Some("gender"));
            replaced.assert_refused("BodyValidation", Some("gender"));
            assert_eq!(server.member(SEED).await["gender"], "Female");
        }
        // PATCH, and values that are not listed in any case, are refused either way.
        let patched = server.patch(SEED, json!({ "gender": "female" })).await;
        patched.assert_refused("BodyValidation", Some("gender"));
        let other = json!({
            "email": "jsmith@example.com", "firstName": "John", "lastName": "Smith",
            "tier": "Gold", "gender": "Other",
        });
        server
            .put(SEED, other)
            .await
            .assert_refused("BodyValidation", Some("gender"));
    }
}

#[tokio::test]
async fn tier_update_not_stored() {
    for (server, faulty) in clean_and_faulty(Fault::TierUpdateNotStored).await {
        let answer = server
            .patch(SEED, json!({ "tier": "Silver", "firstName": "Jo" }))
            .await;
        assert_eq!(answer.status, 200, "{answer:?}");
        // Answered as updated either way.
        assert_eq!(answer.body["tier"], "Silver");
        let member = server.member(SEED).await;
        assert_eq!(member["firstName"], "Jo", "the other fields are stored");
        assert_eq!(member["tier"], if faulty { "Gold" } else { "Silver" });
        // PUT stores its tier either way.
        let replace = json!({
            "email": "jsmith@example.com", "firstName": "Jo", "lastName": "Smith", "tier": "Bronze",
        });
        assert_eq!(server.put(SEED, replace).await.status, 200);
        assert_eq!(server.member(SEED).await["tier"], "Bronze");
    }
}

#[tokio::test]
async fn invite_unique_check_race() {
    for (server, faulty) in clean_and_faulty(Fault::InviteUniqueCheckRace).await {
        let sent = (0..4).map(|i| {
            let mut body = minimal_invite(&format!("race{i}@example.com"));
            body["workerId"] = json!("W-race");
            let request = server
                .request(Method::POST, "/v1/members")
                .header("content-type", "application/json")
                .body(body.to_string());
            tokio::spawn(super::answer(request))
        });
        let answers: Vec<_> = futures_join(sent.collect()).await;
        let admitted = answers.iter().filter(|a| a.status == 201).count();
        if faulty {
            assert!(admitted > 1, "{answers:?}");
        } else {
            assert_eq!(admitted, 1, "{answers:?}");
        }
        // A member invited on its own still meets the rules.
        let mut again = minimal_invite("race-late@example.com");
        again["workerId"] = json!("W-race");
        let late = server.post(again).await;
        assert_eq!(late.status, 400, "{late:?}");
    }
}

#[tokio::test]
async fn patch_lost_update() {
    // Disjoint fields, each with a value the member does not have yet.
    let updates = [
        json!({ "firstName": "Jo" }),
        json!({ "lastName": "Ray" }),
        json!({ "phone": "+447000000001" }),
        json!({ "workerId": "W-lost" }),
        json!({ "tier": "Silver" }),
        json!({ "enablePayroll": true }),
        json!({ "dob": "1985-06-21" }),
        json!({ "gender": "NonBinary" }),
    ];
    for (server, faulty) in clean_and_faulty(Fault::PatchLostUpdate).await {
        let id = server.invite("ann@example.com", json!({})).await;
        let path = format!("/v1/members/{id}");
        let sent = updates.iter().map(|update| {
            let request = server
                .request(Method::PATCH, &path)
                .header("content-type", "application/json")
                .body(update.to_string());
            tokio::spawn(super::answer(request))
        });
        let answers: Vec<_> = futures_join(sent.collect()).await;
        for (update, answer) in updates.iter().zip(&answers) {
            assert_eq!(answer.status, 200, "{answer:?}");
            // Each answer shows its own update applied.
            let (field, value) = update.as_object().unwrap().iter().next().unwrap();
            assert_eq!(&answer.body[field], value, "{field}");
        }
        let member = server.member(&id).await;
        let lost: Vec<&str> = updates
            .iter()
            .filter_map(|update| {
                let (field, value) = update.as_object().unwrap().iter().next().unwrap();
                (&member[field] != value).then_some(field.as_str())
            })
            .collect();
        if faulty {
            assert!(!lost.is_empty(), "no update was lost: {member}");
        } else {
            assert!(lost.is_empty(), "lost {lost:?}: {member}");
        }
        // One after the other, nothing is lost even with the fault.
        assert_eq!(
            server.patch(&id, json!({ "firstName": "Al" })).await.status,
            200
        );
        assert_eq!(
            server.patch(&id, json!({ "lastName": "Bo" })).await.status,
            200
        );
        let member = server.member(&id).await;
        assert_eq!(
            (&member["firstName"], &member["lastName"]),
            (&json!("Al"), &json!("Bo"))
        );
    }
}

/// Waits for every spawned request, in the order sent.
async fn futures_join(handles: Vec<tokio::task::JoinHandle<super::Answer>>) -> Vec<super::Answer> {
    let mut answers = Vec::new();
    for handle in handles {
        answers.push(handle.await.expect("the request task"));
    }
    answers
}
