//! The documented behaviours, over HTTP, and one test per fault showing that
//! switching it on changes exactly what it names.
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

use super::{Fault, SEED_MEMBER_CODE, SEED_PARTNER_GUID};
use crate::reference::{Api, Faults, Options, Reading, Readings, Running, start};

const V2: &str = "application/json;version=2.0";
const ROUTE: &str = "/IntegratedPanelService/api/Respondent";
/// The partner most tests add members under.
const PARTNER: &str = "0F3A1C2B-1111-4222-8333-444455556666";
const OTHER_PARTNER: &str = "A1B2C3D4-E5F6-4789-8ABC-DEF012345678";

struct Server {
    running: Running,
    client: Client,
}

struct Reply {
    status: StatusCode,
    content_type: Option<String>,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    fn message(&self) -> String {
        let json = self.json();
        json["Message"]
            .as_str()
            .unwrap_or_else(|| panic!("no Message in {json}"))
            .to_string()
    }

    /// A documented error: the status, and a JSON `{"Message"}` body.
    fn assert_error(&self, status: StatusCode) -> String {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert_eq!(self.content_type.as_deref(), Some("application/json"));
        self.message()
    }

    /// A 400 whose message names `property`.
    fn assert_refused(&self, property: &str) {
        let message = self.assert_error(StatusCode::BAD_REQUEST);
        assert!(
            message.contains(property),
            "{message:?} does not name {property}"
        );
    }

    fn assert_empty(&self, status: StatusCode) {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert_eq!(self.body, "");
    }
}

async fn server(faults: &[Fault]) -> Server {
    server_reading(faults, Readings::none()).await
}

async fn server_reading(faults: &[Fault], readings: Readings) -> Server {
    // reqwest is built without a TLS provider; plain HTTP needs none, but the
    // client builder wants one installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let options = Options {
        apis: vec![Api::Toluna],
        faults: Faults::of(faults.iter().map(|&fault| fault.into())),
        readings,
        ..Options::default()
    };
    let running = start(([127, 0, 0, 1], 0).into(), &options)
        .await
        .expect("bind");
    let client = Client::builder().no_proxy().build().expect("client");
    Server { running, client }
}

/// A correct server and one with `fault` switched on.
async fn clean_and_faulty(fault: Fault) -> (Server, Server) {
    (server(&[]).await, server(&[fault]).await)
}

/// A body for `code` under [`PARTNER`] carrying the properties of `extra`.
fn body(code: &str, extra: Value) -> Value {
    let mut body = json!({ "PartnerGUID": PARTNER, "MemberCode": code });
    if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
        body.extend(extra);
    }
    body
}

/// A body for the seed member carrying the properties of `extra`.
fn seed_body(extra: Value) -> Value {
    let mut body = body(SEED_MEMBER_CODE, extra);
    body["PartnerGUID"] = json!(SEED_PARTNER_GUID);
    body
}

fn query(code: &str, partner: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("memberCode", code)
        .append_pair("partnerGUID", partner)
        .finish()
}

impl Server {
    async fn send(
        &self,
        method: Method,
        path: &str,
        accept: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Reply {
        let url = format!("{}{path}", self.running.base_url());
        let mut request = self.client.request(method, url);
        if let Some(accept) = accept {
            request = request.header(ACCEPT, accept);
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string);
        let bytes = response.bytes().await.expect("body");
        Reply {
            status,
            content_type,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn send_json(&self, method: Method, body: &Value) -> Reply {
        let url = format!("{}{ROUTE}", self.running.base_url());
        let response = self
            .client
            .request(method, url)
            .header(ACCEPT, V2)
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("request");
        let status = response.status();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string);
        let bytes = response.bytes().await.expect("body");
        Reply {
            status,
            content_type,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn post(&self, body: Value) -> Reply {
        self.send_json(Method::POST, &body).await
    }

    async fn put(&self, body: Value) -> Reply {
        self.send_json(Method::PUT, &body).await
    }

    async fn get(&self, code: &str, partner: &str) -> Reply {
        let path = format!("{ROUTE}/?{}", query(code, partner));
        self.send(Method::GET, &path, Some(V2), None).await
    }

    /// Adds `code` under [`PARTNER`], asserting the documented 201.
    async fn add(&self, code: &str, extra: Value) {
        self.post(body(code, extra))
            .await
            .assert_empty(StatusCode::CREATED);
    }

    /// Updates `code` under [`PARTNER`], asserting 200.
    async fn update(&self, code: &str, extra: Value) {
        self.put(body(code, extra))
            .await
            .assert_empty(StatusCode::OK);
    }

    /// The member `code` under [`PARTNER`], asserting it is found.
    async fn member(&self, code: &str) -> Value {
        let reply = self.get(code, PARTNER).await;
        assert_eq!(reply.status, StatusCode::OK, "body: {}", reply.body);
        reply.json()
    }
}

fn answered(pairs: &[(u64, u64)]) -> Value {
    pairs
        .iter()
        .map(|(question, answer)| json!({ "QuestionID": question, "AnswerID": answer }))
        .collect()
}

fn no_member_found(code: &str, partner: &str) -> String {
    format!("No member found with member code {code} and partner Guid {partner}")
}

// ---- the seed and the Accept header ----

#[tokio::test]
async fn the_docs_get_example_finds_the_seed_member() {
    let server = server(&[]).await;
    let member = server.get(SEED_MEMBER_CODE, SEED_PARTNER_GUID).await.json();
    assert_eq!(member["PartnerGUID"], SEED_PARTNER_GUID);
    assert_eq!(member["MemberCode"], SEED_MEMBER_CODE);
    assert_eq!(member["BirthDate"], "06/21/1992");
    assert_eq!(member["PostalCode"], "15235");
    assert_eq!(member["IsActive"], true);
    assert_eq!(member["IsTest"], false);
    assert_eq!(member["IsPIIDataRegulated"], false);
    let expected = answered(&[
        (1001007, 2000247),
        (1001012, 2000270),
        (1001101, 2002275),
        (1001102, 2002280),
        (1001107, 2002330),
        (1005145, 2796316),
        (1012395, 3056609),
    ]);
    assert_eq!(member["AnsweredQuestions"], expected);
    assert_eq!(
        member["RegistrationAnswers"][0],
        json!({ "QuestionID": 1001007, "Answers": [{ "AnswerID": 2000247, "AnswerValue": null }] })
    );
    assert_eq!(
        member["RegistrationAnswers"].as_array().map(Vec::len),
        Some(7)
    );
}

#[tokio::test]
async fn get_takes_the_route_with_or_without_slash_and_any_parameter_case() {
    let server = server(&[]).await;
    // Toluna's Postman collection spells the parameter `partnerGuid`.
    for path in [
        format!("{ROUTE}/?memberCode={SEED_MEMBER_CODE}&partnerGuid={SEED_PARTNER_GUID}"),
        format!("{ROUTE}?MEMBERCODE={SEED_MEMBER_CODE}&partnerguid={SEED_PARTNER_GUID}"),
    ] {
        let reply = server.send(Method::GET, &path, Some(V2), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
        assert_eq!(reply.json()["MemberCode"], SEED_MEMBER_CODE);
    }
}

#[tokio::test]
async fn every_route_refuses_a_request_without_the_v2_accept_header() {
    let server = server(&[]).await;
    let get = format!("{ROUTE}/?{}", query(SEED_MEMBER_CODE, SEED_PARTNER_GUID));
    let add = body("no-accept", json!({})).to_string().into_bytes();
    for accept in [
        None,
        Some("application/json"),
        Some("application/json;version=1.0"),
        Some("text/xml;version=2.0"),
        Some("*/*"),
    ] {
        for (method, path, body) in [
            (Method::GET, get.as_str(), None),
            (Method::POST, ROUTE, Some(add.clone())),
            (Method::PUT, ROUTE, Some(add.clone())),
        ] {
            let reply = server.send(method.clone(), path, accept, body).await;
            let message = reply.assert_error(StatusCode::BAD_REQUEST);
            assert_eq!(
                message, "The Accept header must be application/json;version=2.0",
                "{method} with Accept {accept:?}"
            );
        }
    }
    // The refused POST created nothing.
    server
        .get("no-accept", PARTNER)
        .await
        .assert_error(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_accept_header_is_read_loosely() {
    let server = server(&[]).await;
    let path = format!("{ROUTE}/?{}", query(SEED_MEMBER_CODE, SEED_PARTNER_GUID));
    for accept in [
        "application/json;version=2.0",
        "Application/JSON; Version = 2.0",
        "application/json; version=\"2.0\"",
        "text/html, application/json;version=2.0",
        "application/json;q=0.9;version=2.0",
        "application/json;version=2",
    ] {
        let reply = server.send(Method::GET, &path, Some(accept), None).await;
        assert_eq!(reply.status, StatusCode::OK, "Accept {accept:?}");
    }
}

// ---- add ----

#[tokio::test]
async fn add_answers_201_without_a_body_and_get_returns_the_member() {
    let server = server(&[]).await;
    let reply = server
        .post(body(
            "m1",
            json!({
                "IsActive": false,
                "IsTest": "true",
                "Email": "test@test.com",
                "BirthDate": "6/21/1992",
                "PostalCode": "15235",
                "AnsweredQuestions": answered(&[(1001007, 2000246)]),
            }),
        ))
        .await;
    reply.assert_empty(StatusCode::CREATED);
    let member = server.member("m1").await;
    assert_eq!(
        member,
        json!({
            "PartnerGUID": PARTNER,
            "MemberCode": "m1",
            "IsActive": false,
            "BirthDate": "06/21/1992",
            "PostalCode": "15235",
            "IsTest": true,
            "IsPIIDataRegulated": false,
            "AnsweredQuestions": answered(&[(1001007, 2000246)]),
            "RegistrationAnswers": [
                { "QuestionID": 1001007, "Answers": [{ "AnswerID": 2000246, "AnswerValue": null }] }
            ],
        })
    );
}

#[tokio::test]
async fn add_applies_the_documented_defaults() {
    let server = server(&[]).await;
    server.add("m1", json!({})).await;
    let member = server.member("m1").await;
    assert_eq!(member["IsActive"], true);
    assert_eq!(member["IsTest"], false);
    assert_eq!(member["IsPIIDataRegulated"], false);
    assert_eq!(member["BirthDate"], Value::Null);
    assert_eq!(member["PostalCode"], Value::Null);
    assert_eq!(member["AnsweredQuestions"], json!([]));
    assert_eq!(member["RegistrationAnswers"], json!([]));
}

#[tokio::test]
async fn toluna_postman_add_example_is_accepted() {
    let server = server(&[]).await;
    let example = json!({
        "PartnerGUID": PARTNER,
        "MemberCode": "IP-V2-Test",
        "PostalCode": "",
        "BirthDate": "06/21/1985",
        "IsActive": true,
        "IsTest": false,
        "IsPIIDataRegulated": false,
        "AnsweredQuestions": answered(&[(1001007, 2000247), (1001101, 2002275)]),
    });
    server.post(example).await.assert_empty(StatusCode::CREATED);
    let member = server.member("IP-V2-Test").await;
    assert_eq!(member["PostalCode"], "");
    assert_eq!(member["BirthDate"], "06/21/1985");
}

#[tokio::test]
async fn adding_an_existing_pair_answers_409_and_keeps_the_member() {
    let server = server(&[]).await;
    server.add("m1", json!({ "PostalCode": "111" })).await;
    let reply = server
        .post(body("m1", json!({ "PostalCode": "222" })))
        .await;
    let message = reply.assert_error(StatusCode::CONFLICT);
    assert_eq!(
        message,
        format!("Member with member code m1 and partner Guid {PARTNER} already exists")
    );
    assert_eq!(server.member("m1").await["PostalCode"], "111");
    // The same MemberCode under another partner is another member.
    let other = json!({ "PartnerGUID": OTHER_PARTNER, "MemberCode": "m1" });
    server.post(other).await.assert_empty(StatusCode::CREATED);
}

#[tokio::test]
async fn members_are_created_unregulated() {
    let server = server(&[]).await;
    let reply = server
        .post(body("m1", json!({ "IsPIIDataRegulated": true })))
        .await;
    reply.assert_refused("IsPIIDataRegulated");
    server
        .get("m1", PARTNER)
        .await
        .assert_error(StatusCode::BAD_REQUEST);
}

// ---- the pair ----

#[tokio::test]
async fn partner_guid_is_a_required_guid() {
    let server = server(&[]).await;
    for guid in [
        Value::Null,
        json!("not-a-guid"),
        json!(""),
        json!(12),
        json!("00000000-0000-0000-0000-000000000000"),
        json!("urn:uuid:0f3a1c2b-1111-4222-8333-444455556666"),
    ] {
        let reply = server
            .post(json!({ "PartnerGUID": guid, "MemberCode": "m1" }))
            .await;
        reply.assert_refused("PartnerGUID");
        let reply = server
            .put(json!({ "PartnerGUID": guid, "MemberCode": SEED_MEMBER_CODE }))
            .await;
        reply.assert_refused("PartnerGUID");
    }
    let reply = server.post(json!({ "MemberCode": "m1" })).await;
    reply.assert_refused("PartnerGUID");
}

#[tokio::test]
async fn partner_guid_matches_in_any_case_and_with_braces() {
    let server = server(&[]).await;
    let braced = format!("{{{}}}", PARTNER.to_lowercase());
    let add = json!({ "PartnerGUID": braced, "MemberCode": "m1" });
    server.post(add).await.assert_empty(StatusCode::CREATED);
    // Stored and returned in the docs' upper-case hyphenated form.
    assert_eq!(server.member("m1").await["PartnerGUID"], PARTNER);
    let lower = server.get("m1", &PARTNER.to_lowercase()).await;
    assert_eq!(lower.status, StatusCode::OK);
    let simple = PARTNER.replace('-', "");
    let update = json!({ "PartnerGUID": simple, "MemberCode": "m1", "IsTest": true });
    server.put(update).await.assert_empty(StatusCode::OK);
    assert_eq!(server.member("m1").await["IsTest"], true);
}

#[tokio::test]
async fn member_code_is_a_required_non_empty_string_of_at_most_256_characters() {
    let server = server(&[]).await;
    for code in [
        Value::Null,
        json!(""),
        json!("   "),
        json!(true),
        json!(["m1"]),
        json!("x".repeat(257)),
    ] {
        let reply = server
            .post(json!({ "PartnerGUID": PARTNER, "MemberCode": code }))
            .await;
        reply.assert_refused("MemberCode");
    }
    let reply = server.post(json!({ "PartnerGUID": PARTNER })).await;
    reply.assert_refused("MemberCode");
    server.add(&"é".repeat(256), json!({})).await;
}

#[tokio::test]
async fn a_numeric_member_code_is_read_as_its_text() {
    let server = server(&[]).await;
    let add = json!({ "PartnerGUID": PARTNER, "MemberCode": 12345 });
    server.post(add).await.assert_empty(StatusCode::CREATED);
    assert_eq!(server.member("12345").await["MemberCode"], "12345");
}

#[tokio::test]
async fn property_names_match_in_any_case() {
    let server = server(&[]).await;
    let add = json!({
        "partnerguid": PARTNER,
        "MemberCOde": "m1",
        "ISTEST": "true",
        "birthdate": "01/02/2003",
        "registrationanswers": [
            { "questionid": 1012227, "ANSWERS": [{ "answerid": 3055267, "answervalue": "x" }] }
        ],
    });
    server.post(add).await.assert_empty(StatusCode::CREATED);
    let member = server.member("m1").await;
    assert_eq!(member["IsTest"], true);
    assert_eq!(member["BirthDate"], "01/02/2003");
    assert_eq!(
        member["RegistrationAnswers"][0]["Answers"][0]["AnswerValue"],
        "x"
    );
}

#[tokio::test]
async fn unknown_properties_are_ignored() {
    let server = server(&[]).await;
    server.add("m1", json!({ "Nickname": "bob" })).await;
    // Toluna's own Postman example sends `Active` and shows 200.
    server.update("m1", json!({ "Active": "false" })).await;
    assert_eq!(server.member("m1").await["IsActive"], true);
}

// ---- property rules ----

#[tokio::test]
async fn booleans_take_json_and_string_forms() {
    let server = server(&[]).await;
    server.add("m1", json!({})).await;
    for (given, stored) in [
        (json!(false), false),
        (json!(true), true),
        (json!("false"), false),
        (json!("TRUE"), true),
        (json!("False"), false),
    ] {
        server
            .update("m1", json!({ "IsActive": given, "IsTest": given }))
            .await;
        let member = server.member("m1").await;
        assert_eq!(member["IsActive"], stored, "IsActive {given}");
        assert_eq!(member["IsTest"], stored, "IsTest {given}");
    }
}

#[tokio::test]
async fn booleans_refuse_other_values() {
    let server = server(&[]).await;
    for property in ["IsActive", "IsTest", "IsPIIDataRegulated"] {
        for value in [json!("yes"), json!(""), json!(1), json!(0), json!([true])] {
            let reply = server
                .put(body(SEED_MEMBER_CODE, json!({ property: value })))
                .await;
            reply.assert_refused(property);
        }
    }
}

#[tokio::test]
async fn null_means_not_supplied() {
    let server = server(&[]).await;
    server
        .add("m1", json!({ "IsActive": false, "PostalCode": "111" }))
        .await;
    server
        .update(
            "m1",
            json!({ "IsActive": null, "PostalCode": null, "Email": null }),
        )
        .await;
    let member = server.member("m1").await;
    assert_eq!(member["IsActive"], false);
    assert_eq!(member["PostalCode"], "111");
}

#[tokio::test]
async fn email_must_be_valid_and_is_never_returned() {
    let server = server(&[]).await;
    server
        .add("m1", json!({ "Email": "first@example.com" }))
        .await;
    server
        .update("m1", json!({ "Email": "test@test.com" }))
        .await;
    assert!(server.member("m1").await.get("Email").is_none());
    for email in [
        json!("not-an-email"),
        json!("a@"),
        json!("@b.com"),
        json!(""),
        json!(7),
    ] {
        let reply = server.put(body("m1", json!({ "Email": email }))).await;
        reply.assert_refused("Email");
        let reply = server.post(body("m2", json!({ "Email": email }))).await;
        reply.assert_refused("Email");
    }
}

#[tokio::test]
async fn birth_date_is_a_real_date_in_us_order() {
    let server = server(&[]).await;
    server.add("m1", json!({})).await;
    for (given, stored) in [
        ("6/21/1992", "06/21/1992"),
        ("02/29/2000", "02/29/2000"),
        ("12/31/1950", "12/31/1950"),
    ] {
        server.update("m1", json!({ "BirthDate": given })).await;
        assert_eq!(server.member("m1").await["BirthDate"], stored);
    }
    for given in [
        json!("02/29/2001"),
        json!("13/01/2000"),
        json!("21/06/1992"),
        json!("1992-06-21"),
        json!("1992/6/21"),
        json!("06/21/92"),
        json!("06/21/1992 00:00"),
        json!(""),
        json!(19920621),
    ] {
        let reply = server.put(body("m1", json!({ "BirthDate": given }))).await;
        reply.assert_refused("BirthDate");
    }
}

#[tokio::test]
async fn postal_code_is_a_string_or_an_integer() {
    let server = server(&[]).await;
    server.add("m1", json!({})).await;
    for (given, stored) in [
        (json!("15235"), "15235"),
        (json!(15235), "15235"),
        (json!("SW1A 1AA"), "SW1A 1AA"),
        (json!(""), ""),
    ] {
        server.update("m1", json!({ "PostalCode": given })).await;
        assert_eq!(server.member("m1").await["PostalCode"], stored);
    }
    for given in [json!(true), json!(1.5), json!({})] {
        let reply = server.put(body("m1", json!({ "PostalCode": given }))).await;
        reply.assert_refused("PostalCode");
    }
}

#[tokio::test]
async fn registration_answers_hold_several_answers_and_values() {
    let server = server(&[]).await;
    let answers = json!([
        { "QuestionID": 1012227, "Answers": [{ "AnswerID": 3055267 }, { "AnswerID": 3055271 }] },
        { "QuestionID": 1001032, "Answers": [{ "AnswerID": 2224508, "AnswerValue": "New York" }] },
    ]);
    server
        .add("m1", json!({ "RegistrationAnswers": answers }))
        .await;
    let member = server.member("m1").await;
    assert_eq!(
        member["RegistrationAnswers"],
        json!([
            { "QuestionID": 1001032, "Answers": [{ "AnswerID": 2224508, "AnswerValue": "New York" }] },
            { "QuestionID": 1012227, "Answers": [
                { "AnswerID": 3055267, "AnswerValue": null },
                { "AnswerID": 3055271, "AnswerValue": null },
            ] },
        ])
    );
    // The single-select view shows each question's first answer.
    assert_eq!(
        member["AnsweredQuestions"],
        answered(&[(1001032, 2224508), (1012227, 3055267)])
    );
}

#[tokio::test]
async fn answers_of_the_wrong_shape_are_refused() {
    let server = server(&[]).await;
    let aq = "AnsweredQuestions";
    let ra = "RegistrationAnswers";
    for (property, value) in [
        (aq, json!({ "QuestionID": 1, "AnswerID": 2 })),
        (aq, json!([[1001007, 2000247]])),
        (aq, json!([{ "QuestionID": 1001007 }])),
        (aq, json!([{ "AnswerID": 2000247 }])),
        (aq, json!([{ "QuestionID": 1001007, "AnswerID": -1 }])),
        (aq, json!([{ "QuestionID": -5, "AnswerID": 2000247 }])),
        (aq, json!([{ "QuestionID": 0, "AnswerID": 2000247 }])),
        (
            aq,
            json!([{ "QuestionID": 1001007, "AnswerID": "2000247" }]),
        ),
        (aq, json!([{ "QuestionID": 1001007, "AnswerID": 2.5 }])),
        (
            aq,
            json!([{ "QuestionID": 1001007, "AnswerID": 4294967296_u64 }]),
        ),
        (
            aq,
            json!([{ "QuestionID": 1001007, "AnswerID": 2147483648_u64 }]),
        ),
        (ra, json!([{ "QuestionID": 1012227 }])),
        (ra, json!([{ "QuestionID": 1012227, "Answers": 3055267 }])),
        (ra, json!([{ "Answers": [{ "AnswerID": 3055267 }] }])),
        (
            ra,
            json!([{ "QuestionID": 1001032, "Answers": [{ "AnswerValue": "New York" }] }]),
        ),
        (
            ra,
            json!([{ "QuestionID": 1001032, "Answers": [{ "AnswerID": 1, "AnswerValue": 5 }] }]),
        ),
        (
            ra,
            json!([{ "QuestionID": 1001032, "Answers": [{ "AnswerID": -1 }] }]),
        ),
    ] {
        let reply = server
            .put(body(SEED_MEMBER_CODE, json!({ property: value })))
            .await;
        reply.assert_refused(property);
    }
}

#[tokio::test]
async fn registration_answers_win_over_answered_questions() {
    let server = server(&[]).await;
    server.add("m1", json!({})).await;
    let both = json!({
        "AnsweredQuestions": answered(&[(1001007, 2000247)]),
        "RegistrationAnswers": [{ "QuestionID": 1001101, "Answers": [{ "AnswerID": 2002275 }] }],
    });
    server.update("m1", both).await;
    let member = server.member("m1").await;
    assert_eq!(member["AnsweredQuestions"], answered(&[(1001101, 2002275)]));
    // Ignored entirely: not even validated.
    let garbage = json!({
        "AnsweredQuestions": "garbage",
        "RegistrationAnswers": [{ "QuestionID": 1001107, "Answers": [{ "AnswerID": 2002330 }] }],
    });
    server.update("m1", garbage).await;
    let member = server.member("m1").await;
    assert_eq!(
        member["AnsweredQuestions"],
        answered(&[(1001101, 2002275), (1001107, 2002330)])
    );
}

#[tokio::test]
async fn answer_zero_means_no_value() {
    let server = server(&[]).await;
    let answers = answered(&[(1001007, 2000247), (1001101, 2002275), (1001012, 2000270)]);
    server
        .add("m1", json!({ "AnsweredQuestions": answers }))
        .await;
    server
        .update(
            "m1",
            json!({ "AnsweredQuestions": answered(&[(1001007, 0)]) }),
        )
        .await;
    let zero_answer = json!([{ "QuestionID": 1001101, "Answers": [{ "AnswerID": 0 }] }]);
    server
        .update("m1", json!({ "RegistrationAnswers": zero_answer }))
        .await;
    let member = server.member("m1").await;
    assert_eq!(member["AnsweredQuestions"], answered(&[(1001012, 2000270)]));
    // On add, 0 just leaves the question unanswered.
    server
        .add(
            "m2",
            json!({ "AnsweredQuestions": answered(&[(1002790, 0)]) }),
        )
        .await;
    assert_eq!(server.member("m2").await["AnsweredQuestions"], json!([]));
}

// ---- update ----

#[tokio::test]
async fn update_changes_only_what_it_carries() {
    let server = server(&[]).await;
    let answers = answered(&[(1001007, 2000247), (1001101, 2002275)]);
    server
        .add(
            "m1",
            json!({ "BirthDate": "6/21/1992", "PostalCode": "15235", "IsActive": false,
                    "AnsweredQuestions": answers }),
        )
        .await;
    server.update("m1", json!({ "IsTest": "true" })).await;
    server
        .update(
            "m1",
            json!({ "AnsweredQuestions": answered(&[(1001101, 2796531)]) }),
        )
        .await;
    let member = server.member("m1").await;
    assert_eq!(member["IsTest"], true);
    assert_eq!(member["IsActive"], false);
    assert_eq!(member["BirthDate"], "06/21/1992");
    assert_eq!(member["PostalCode"], "15235");
    assert_eq!(
        member["AnsweredQuestions"],
        answered(&[(1001007, 2000247), (1001101, 2796531)])
    );
}

#[tokio::test]
async fn a_refused_update_changes_nothing() {
    let server = server(&[]).await;
    server.add("m1", json!({ "PostalCode": "111" })).await;
    let reply = server
        .put(body(
            "m1",
            json!({ "PostalCode": "222", "IsTest": true, "Email": "bad" }),
        ))
        .await;
    reply.assert_refused("Email");
    let member = server.member("m1").await;
    assert_eq!(member["PostalCode"], "111");
    assert_eq!(member["IsTest"], false);
}

#[tokio::test]
async fn updating_an_unknown_pair_answers_404() {
    let server = server(&[]).await;
    server.add("m1", json!({})).await;
    let unknown = server.put(body("never-added", json!({}))).await;
    let message = unknown.assert_error(StatusCode::NOT_FOUND);
    assert_eq!(message, no_member_found("never-added", PARTNER));
    // A known MemberCode under another PartnerGUID is another pair.
    let other = json!({ "PartnerGUID": OTHER_PARTNER, "MemberCode": "m1", "IsTest": true });
    server.put(other).await.assert_error(StatusCode::NOT_FOUND);
    assert_eq!(server.member("m1").await["IsTest"], false);
    // Validation comes first: an invalid body for an unknown pair is a 400.
    let invalid = server
        .put(body("never-added", json!({ "BirthDate": "x" })))
        .await;
    invalid.assert_refused("BirthDate");
}

// ---- get ----

#[tokio::test]
async fn get_of_an_unknown_pair_answers_400_no_member_found() {
    let server = server(&[]).await;
    server.add("m1", json!({})).await;
    let unknown = server.get("never-added", PARTNER).await;
    let message = unknown.assert_error(StatusCode::BAD_REQUEST);
    assert_eq!(message, no_member_found("never-added", PARTNER));
    let other = server.get("m1", OTHER_PARTNER).await;
    let message = other.assert_error(StatusCode::BAD_REQUEST);
    assert_eq!(message, no_member_found("m1", OTHER_PARTNER));
}

#[tokio::test]
async fn get_refuses_missing_or_invalid_parameters() {
    let server = server(&[]).await;
    for (path, names) in [
        (format!("{ROUTE}/?partnerGUID={PARTNER}"), "memberCode"),
        (format!("{ROUTE}/?memberCode=m1"), "partnerGUID"),
        (format!("{ROUTE}/"), "memberCode"),
        (
            format!("{ROUTE}/?memberCode=&partnerGUID={PARTNER}"),
            "memberCode",
        ),
        (
            format!("{ROUTE}/?memberCode=m1&partnerGUID=xyz"),
            "partnerGUID",
        ),
    ] {
        let reply = server.send(Method::GET, &path, Some(V2), None).await;
        reply.assert_refused(names);
    }
}

// ---- PII regulation ----

#[tokio::test]
async fn a_regulated_member_no_longer_surfaces() {
    let server = server(&[]).await;
    server
        .add(
            "m1",
            json!({ "BirthDate": "6/21/1992", "Email": "a@b.com" }),
        )
        .await;
    // `false` on an unregulated member changes nothing.
    server
        .update("m1", json!({ "IsPIIDataRegulated": false }))
        .await;
    assert_eq!(server.member("m1").await["BirthDate"], "06/21/1992");
    server
        .update("m1", json!({ "IsPIIDataRegulated": true }))
        .await;
    let get = server.get("m1", PARTNER).await;
    let message = get.assert_error(StatusCode::BAD_REQUEST);
    assert_eq!(message, no_member_found("m1", PARTNER));
    for put in [
        json!({ "IsTest": true }),
        json!({ "IsPIIDataRegulated": false }),
    ] {
        let reply = server.put(body("m1", put)).await;
        let message = reply.assert_error(StatusCode::NOT_FOUND);
        assert_eq!(message, no_member_found("m1", PARTNER));
    }
    // Its record still exists, so the pair cannot be added again.
    server
        .post(body("m1", json!({})))
        .await
        .assert_error(StatusCode::CONFLICT);
}

// ---- bad input never gets a 5xx ----

#[tokio::test]
async fn malformed_bodies_are_refused_with_400() {
    let server = server(&[]).await;
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let bodies: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"{".to_vec(),
        b"not json".to_vec(),
        b"[]".to_vec(),
        b"\"text\"".to_vec(),
        b"null".to_vec(),
        b"42".to_vec(),
        b"{\"MemberCode\": \"\xff\xfe\"}".to_vec(),
        format!("{{\"PartnerGUID\":\"{PARTNER}\",\"MemberCode\":\"m\",\"PostalCode\":1e999}}")
            .into_bytes(),
        deep.into_bytes(),
        format!("{{\"PartnerGUID\":\"{PARTNER}\",\"MemberCode\":\"m\"}} trailing").into_bytes(),
        // The docs' open-ended example is not JSON: `"AnswerValue" = "New York"`.
        format!(
            "{{\"PartnerGUID\":\"{PARTNER}\",\"MemberCode\":\"m\",\"RegistrationAnswers\":\
             [{{\"QuestionID\":1001032,\"Answers\":[{{\"AnswerID\":2224508, \"AnswerValue\" = \"New York\"}}]}}]}}"
        )
        .into_bytes(),
    ];
    for bytes in bodies {
        for method in [Method::POST, Method::PUT] {
            let reply = server
                .send(method.clone(), ROUTE, Some(V2), Some(bytes.clone()))
                .await;
            reply.assert_error(StatusCode::BAD_REQUEST);
        }
    }
}

#[tokio::test]
async fn huge_numbers_and_odd_types_are_400_not_5xx() {
    let server = server(&[]).await;
    for property in [
        "MemberCode",
        "PartnerGUID",
        "IsActive",
        "Email",
        "BirthDate",
        "PostalCode",
        "AnsweredQuestions",
        "RegistrationAnswers",
    ] {
        for value in [
            json!(-1),
            json!(18446744073709551615_u64),
            json!(-9223372036854775808_i64),
            json!(1.0e300),
            json!({ "a": 1 }),
        ] {
            let put = body("m1", json!({ property: value }));
            let reply = server.put(put).await;
            assert!(
                reply.status.is_client_error(),
                "{property}: {value} answered {}",
                reply.status
            );
        }
    }
}

#[tokio::test]
async fn the_body_needs_no_content_type_and_a_bom_is_skipped() {
    let server = server(&[]).await;
    let plain = body("m1", json!({})).to_string().into_bytes();
    let reply = server
        .send(Method::POST, ROUTE, Some(V2), Some(plain))
        .await;
    reply.assert_empty(StatusCode::CREATED);
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(body("m2", json!({})).to_string().into_bytes());
    let reply = server.send(Method::POST, ROUTE, Some(V2), Some(bom)).await;
    reply.assert_empty(StatusCode::CREATED);
}

#[tokio::test]
async fn a_property_given_twice_keeps_the_last_value() {
    let server = server(&[]).await;
    let text = format!(
        "{{\"PartnerGUID\":\"{PARTNER}\",\"MemberCode\":\"m1\",\
         \"PostalCode\":\"first\",\"postalcode\":\"second\"}}"
    );
    let reply = server
        .send(Method::POST, ROUTE, Some(V2), Some(text.into_bytes()))
        .await;
    reply.assert_empty(StatusCode::CREATED);
    assert_eq!(server.member("m1").await["PostalCode"], "second");
}

// ---- the fault catalogue ----

#[test]
fn faults_are_named_uniquely_for_toluna() {
    let infos: Vec<_> = Fault::ALL.iter().map(|fault| fault.info()).collect();
    let mut names: Vec<&str> = infos.iter().map(|info| info.name).collect();
    assert!(infos.iter().all(|info| info.api == Api::Toluna));
    assert!(names.iter().all(|name| name.starts_with("toluna-")));
    assert!(infos.iter().all(|info| !info.summary.is_empty()));
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), Fault::ALL.len());
    assert!(Faults::from_names(&names).is_ok());
}

/// Faults whose bug is the shape of GET's answer, which the docs' GET
/// example shows too.
const GET_ANSWER_FAULTS: [Fault; 2] = [Fault::GetCamelCaseKeys, Fault::GetOmitsAnswers];

#[tokio::test]
async fn no_fault_disturbs_the_docs_get_example() {
    let expected = server(&[])
        .await
        .get(SEED_MEMBER_CODE, SEED_PARTNER_GUID)
        .await
        .json();
    for &fault in Fault::ALL {
        let server = server(&[fault]).await;
        let reply = server.get(SEED_MEMBER_CODE, SEED_PARTNER_GUID).await;
        if GET_ANSWER_FAULTS.contains(&fault) {
            assert_ne!(reply.json(), expected, "{fault:?}");
        } else {
            assert_eq!(reply.json(), expected, "{fault:?}");
        }
    }
}

#[tokio::test]
async fn fault_unknown_pair_put_200() {
    let (clean, faulty) = clean_and_faulty(Fault::UnknownPairPut200).await;
    let put = body("never-added", json!({ "IsTest": true }));
    clean
        .put(put.clone())
        .await
        .assert_error(StatusCode::NOT_FOUND);
    faulty.put(put).await.assert_empty(StatusCode::OK);
    // It changed nothing: the pair still does not exist.
    faulty
        .get("never-added", PARTNER)
        .await
        .assert_error(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn fault_unknown_pair_put_400() {
    let (clean, faulty) = clean_and_faulty(Fault::UnknownPairPut400).await;
    let put = body("never-added", json!({}));
    clean
        .put(put.clone())
        .await
        .assert_error(StatusCode::NOT_FOUND);
    faulty.put(put).await.assert_error(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn fault_existence_by_member_code() {
    let (clean, faulty) = clean_and_faulty(Fault::ExistenceByMemberCode).await;
    let other = json!({ "PartnerGUID": OTHER_PARTNER, "MemberCode": "m1", "IsTest": true });
    for server in [&clean, &faulty] {
        server.add("m1", json!({})).await;
        // The exact pair is found either way.
        assert_eq!(server.member("m1").await["MemberCode"], "m1");
    }
    clean
        .put(other.clone())
        .await
        .assert_error(StatusCode::NOT_FOUND);
    clean
        .get("m1", OTHER_PARTNER)
        .await
        .assert_error(StatusCode::BAD_REQUEST);
    faulty.put(other).await.assert_empty(StatusCode::OK);
    assert_eq!(faulty.member("m1").await["IsTest"], true);
    assert_eq!(faulty.get("m1", OTHER_PARTNER).await.status, StatusCode::OK);
}

#[tokio::test]
async fn fault_put_resets_omitted() {
    let (clean, faulty) = clean_and_faulty(Fault::PutResetsOmitted).await;
    let add = json!({ "BirthDate": "6/21/1992", "PostalCode": "15235", "IsActive": false,
                      "AnsweredQuestions": answered(&[(1001007, 2000247)]) });
    for server in [&clean, &faulty] {
        server.add("m1", add.clone()).await;
        server.update("m1", json!({ "IsTest": true })).await;
    }
    let kept = clean.member("m1").await;
    let reset = faulty.member("m1").await;
    assert_eq!(kept["BirthDate"], "06/21/1992");
    assert_eq!(kept["PostalCode"], "15235");
    assert_eq!(kept["IsActive"], false);
    assert_eq!(kept["AnsweredQuestions"], answered(&[(1001007, 2000247)]));
    assert_eq!(reset["BirthDate"], Value::Null);
    assert_eq!(reset["PostalCode"], Value::Null);
    assert_eq!(reset["IsActive"], true);
    assert_eq!(reset["AnsweredQuestions"], json!([]));
    // What the PUT carried is applied either way.
    assert_eq!(kept["IsTest"], true);
    assert_eq!(reset["IsTest"], true);
}

#[tokio::test]
async fn fault_put_half_applied() {
    let (clean, faulty) = clean_and_faulty(Fault::PutHalfApplied).await;
    let put = body(
        "m1",
        json!({ "IsTest": true, "PostalCode": "222", "Email": "bad" }),
    );
    for server in [&clean, &faulty] {
        server.add("m1", json!({ "PostalCode": "111" })).await;
        server.put(put.clone()).await.assert_refused("Email");
    }
    assert_eq!(clean.member("m1").await["PostalCode"], "111");
    assert_eq!(clean.member("m1").await["IsTest"], false);
    assert_eq!(faulty.member("m1").await["PostalCode"], "222");
    assert_eq!(faulty.member("m1").await["IsTest"], true);
}

#[tokio::test]
async fn fault_accepts_bad_email() {
    let (clean, faulty) = clean_and_faulty(Fault::AcceptsBadEmail).await;
    let put = seed_body(json!({ "Email": "not-an-email" }));
    clean.put(put.clone()).await.assert_refused("Email");
    faulty.put(put).await.assert_empty(StatusCode::OK);
    let add = body("m1", json!({ "Email": "a@" }));
    clean.post(add.clone()).await.assert_refused("Email");
    faulty.post(add).await.assert_empty(StatusCode::CREATED);
}

#[tokio::test]
async fn fault_accepts_bad_birthdate() {
    let (clean, faulty) = clean_and_faulty(Fault::AcceptsBadBirthdate).await;
    let add = body("m1", json!({ "BirthDate": "1992-06-21" }));
    clean.post(add.clone()).await.assert_refused("BirthDate");
    faulty.post(add).await.assert_empty(StatusCode::CREATED);
    assert_eq!(faulty.member("m1").await["BirthDate"], "1992-06-21");
    // A valid date is still read the same way.
    faulty
        .update("m1", json!({ "BirthDate": "6/1/1990" }))
        .await;
    let stored = faulty.member("m1").await["BirthDate"].clone();
    assert_eq!(stored, "06/01/1990");
}

#[tokio::test]
async fn fault_rejects_string_booleans() {
    let (clean, faulty) = clean_and_faulty(Fault::RejectsStringBooleans).await;
    let string = body("m1", json!({ "IsActive": "false" }));
    let boolean = body("m1", json!({ "IsActive": false }));
    for server in [&clean, &faulty] {
        server.add("m1", json!({})).await;
        server
            .put(boolean.clone())
            .await
            .assert_empty(StatusCode::OK);
    }
    clean.put(string.clone()).await.assert_empty(StatusCode::OK);
    faulty.put(string).await.assert_refused("IsActive");
}

#[tokio::test]
async fn fault_rejects_json_booleans() {
    let (clean, faulty) = clean_and_faulty(Fault::RejectsJsonBooleans).await;
    let string = body("m1", json!({ "IsTest": "true" }));
    let boolean = body("m1", json!({ "IsTest": true }));
    for server in [&clean, &faulty] {
        server.add("m1", json!({})).await;
        server
            .put(string.clone())
            .await
            .assert_empty(StatusCode::OK);
    }
    clean
        .put(boolean.clone())
        .await
        .assert_empty(StatusCode::OK);
    faulty.put(boolean).await.assert_refused("IsTest");
}

#[tokio::test]
async fn fault_accepts_bad_boolean() {
    let (clean, faulty) = clean_and_faulty(Fault::AcceptsBadBoolean).await;
    let yes = body("m1", json!({ "IsTest": true }));
    let bad = body("m1", json!({ "IsTest": "yes" }));
    for server in [&clean, &faulty] {
        server.add("m1", json!({})).await;
        server.put(yes.clone()).await.assert_empty(StatusCode::OK);
    }
    clean.put(bad.clone()).await.assert_refused("IsTest");
    faulty.put(bad).await.assert_empty(StatusCode::OK);
    assert_eq!(clean.member("m1").await["IsTest"], true);
    assert_eq!(faulty.member("m1").await["IsTest"], false);
}

#[tokio::test]
async fn fault_missing_member_code_500() {
    let (clean, faulty) = clean_and_faulty(Fault::MissingMemberCode500).await;
    let missing = json!({ "PartnerGUID": PARTNER });
    for reply in [
        clean.post(missing.clone()).await,
        clean.put(missing.clone()).await,
    ] {
        reply.assert_refused("MemberCode");
    }
    for reply in [
        faulty.post(missing.clone()).await,
        faulty.put(missing).await,
    ] {
        reply.assert_error(StatusCode::INTERNAL_SERVER_ERROR);
    }
    // An empty MemberCode is still a 400.
    let empty = body("", json!({}));
    faulty.post(empty).await.assert_refused("MemberCode");
}

#[tokio::test]
async fn fault_missing_partner_guid_accepted() {
    let (clean, faulty) = clean_and_faulty(Fault::MissingPartnerGuidAccepted).await;
    let add = json!({ "MemberCode": "m1" });
    let update = json!({ "MemberCode": SEED_MEMBER_CODE, "IsTest": true });
    clean.post(add.clone()).await.assert_refused("PartnerGUID");
    clean
        .put(update.clone())
        .await
        .assert_refused("PartnerGUID");
    faulty.post(add).await.assert_empty(StatusCode::CREATED);
    faulty.put(update).await.assert_error(StatusCode::NOT_FOUND);
    // A malformed GUID is still refused.
    let bad = json!({ "PartnerGUID": "xyz", "MemberCode": "m2" });
    faulty.post(bad).await.assert_refused("PartnerGUID");
}

#[tokio::test]
async fn fault_duplicate_add_overwrites() {
    let (clean, faulty) = clean_and_faulty(Fault::DuplicateAddOverwrites).await;
    let again = body("m1", json!({ "PostalCode": "222" }));
    for server in [&clean, &faulty] {
        server.add("m1", json!({ "PostalCode": "111" })).await;
    }
    clean
        .post(again.clone())
        .await
        .assert_error(StatusCode::CONFLICT);
    faulty.post(again).await.assert_empty(StatusCode::CREATED);
    assert_eq!(clean.member("m1").await["PostalCode"], "111");
    assert_eq!(faulty.member("m1").await["PostalCode"], "222");
}

#[tokio::test]
async fn fault_pii_still_visible() {
    let (clean, faulty) = clean_and_faulty(Fault::PiiStillVisible).await;
    for server in [&clean, &faulty] {
        server.add("m1", json!({ "BirthDate": "6/21/1992" })).await;
        server
            .update("m1", json!({ "IsPIIDataRegulated": "true" }))
            .await;
    }
    clean
        .get("m1", PARTNER)
        .await
        .assert_error(StatusCode::BAD_REQUEST);
    clean
        .put(body("m1", json!({ "IsTest": true })))
        .await
        .assert_error(StatusCode::NOT_FOUND);
    let seen = faulty.member("m1").await;
    assert_eq!(seen["IsPIIDataRegulated"], true);
    // The data is erased all the same.
    assert_eq!(seen["BirthDate"], Value::Null);
    faulty.update("m1", json!({ "IsTest": true })).await;
}

#[tokio::test]
async fn fault_answer_zero_refused() {
    let (clean, faulty) = clean_and_faulty(Fault::AnswerZeroRefused).await;
    let zero = seed_body(json!({ "AnsweredQuestions": answered(&[(1001007, 0)]) }));
    clean.put(zero.clone()).await.assert_empty(StatusCode::OK);
    faulty.put(zero).await.assert_refused("AnswerID");
    let answers = |member: Value| member["AnsweredQuestions"].as_array().map(Vec::len);
    let clean = clean.get(SEED_MEMBER_CODE, SEED_PARTNER_GUID).await.json();
    let faulty = faulty.get(SEED_MEMBER_CODE, SEED_PARTNER_GUID).await.json();
    assert_eq!(answers(clean), Some(6));
    assert_eq!(answers(faulty), Some(7));
}

#[tokio::test]
async fn fault_answered_questions_win() {
    let (clean, faulty) = clean_and_faulty(Fault::AnsweredQuestionsWin).await;
    let both = json!({
        "AnsweredQuestions": answered(&[(1001007, 2000247)]),
        "RegistrationAnswers": [{ "QuestionID": 1001101, "Answers": [{ "AnswerID": 2002275 }] }],
    });
    for server in [&clean, &faulty] {
        server.add("m1", both.clone()).await;
    }
    let clean = clean.member("m1").await;
    let faulty = faulty.member("m1").await;
    assert_eq!(clean["AnsweredQuestions"], answered(&[(1001101, 2002275)]));
    assert_eq!(faulty["AnsweredQuestions"], answered(&[(1001007, 2000247)]));
}

#[tokio::test]
async fn fault_post_201_with_body() {
    let (clean, faulty) = clean_and_faulty(Fault::Post201WithBody).await;
    clean
        .post(body("m1", json!({})))
        .await
        .assert_empty(StatusCode::CREATED);
    let reply = faulty.post(body("m1", json!({}))).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.json()["MemberCode"], "m1");
}

#[tokio::test]
async fn fault_get_unknown_200() {
    let (clean, faulty) = clean_and_faulty(Fault::GetUnknown200).await;
    clean
        .get("never-added", PARTNER)
        .await
        .assert_error(StatusCode::BAD_REQUEST);
    let reply = faulty.get("never-added", PARTNER).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json(), json!({}));
}

#[tokio::test]
async fn fault_is_active_ignored() {
    let (clean, faulty) = clean_and_faulty(Fault::IsActiveIgnored).await;
    for server in [&clean, &faulty] {
        server.add("m1", json!({})).await;
        server
            .update("m1", json!({ "IsActive": "false", "IsTest": true }))
            .await;
    }
    let clean = clean.member("m1").await;
    let faulty = faulty.member("m1").await;
    assert_eq!(clean["IsActive"], false);
    assert_eq!(faulty["IsActive"], true);
    // The rest of the PUT still lands.
    assert_eq!(faulty["IsTest"], true);
}

#[tokio::test]
async fn fault_malformed_body_500() {
    let (clean, faulty) = clean_and_faulty(Fault::MalformedBody500).await;
    for method in [Method::POST, Method::PUT] {
        for bytes in [&b"{"[..], b"not json", b"{\"MemberCode\": \"m1\",}"] {
            for (server, status) in [
                (&clean, StatusCode::BAD_REQUEST),
                (&faulty, StatusCode::INTERNAL_SERVER_ERROR),
            ] {
                server
                    .send(method.clone(), ROUTE, Some(V2), Some(bytes.to_vec()))
                    .await
                    .assert_error(status);
            }
        }
        // JSON of the wrong shape is still a 400.
        let array = faulty
            .send(method.clone(), ROUTE, Some(V2), Some(b"[]".to_vec()))
            .await;
        array.assert_error(StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn fault_accepts_any_partner_guid() {
    let (clean, faulty) = clean_and_faulty(Fault::AcceptsAnyPartnerGuid).await;
    let bad = json!({ "PartnerGUID": "not-a-guid", "MemberCode": "m1" });
    clean.post(bad.clone()).await.assert_refused("PartnerGUID");
    faulty
        .post(bad.clone())
        .await
        .assert_empty(StatusCode::CREATED);
    // The same text names the same partner: the member can be updated.
    let update = json!({ "PartnerGUID": "not-a-guid", "MemberCode": "m1", "IsTest": true });
    clean
        .put(update.clone())
        .await
        .assert_refused("PartnerGUID");
    faulty.put(update).await.assert_empty(StatusCode::OK);
    // A real GUID still works as before.
    faulty.add("m2", json!({})).await;
    assert_eq!(faulty.member("m2").await["MemberCode"], "m2");
}

#[tokio::test]
async fn fault_add_ignores_is_test() {
    let (clean, faulty) = clean_and_faulty(Fault::AddIgnoresIsTest).await;
    for server in [&clean, &faulty] {
        server
            .add("m1", json!({ "IsTest": true, "PostalCode": "15235" }))
            .await;
    }
    assert_eq!(clean.member("m1").await["IsTest"], true);
    let faulty_member = faulty.member("m1").await;
    assert_eq!(faulty_member["IsTest"], false);
    assert_eq!(faulty_member["PostalCode"], "15235");
    // A PUT still sets it.
    faulty.update("m1", json!({ "IsTest": true })).await;
    assert_eq!(faulty.member("m1").await["IsTest"], true);
}

#[tokio::test]
async fn fault_get_camel_case_keys() {
    let (clean, faulty) = clean_and_faulty(Fault::GetCamelCaseKeys).await;
    let answers = answered(&[(1001007, 2000247)]);
    for server in [&clean, &faulty] {
        server
            .add("m1", json!({ "AnsweredQuestions": answers }))
            .await;
    }
    let clean = clean.member("m1").await;
    let faulty = faulty.member("m1").await;
    assert_eq!(clean["MemberCode"], "m1");
    assert_eq!(clean["AnsweredQuestions"][0]["QuestionID"], 1001007);
    assert!(faulty.get("MemberCode").is_none(), "{faulty}");
    assert_eq!(faulty["memberCode"], "m1");
    assert_eq!(faulty["partnerGUID"], clean["PartnerGUID"]);
    assert_eq!(faulty["answeredQuestions"][0]["questionID"], 1001007);
    // Errors keep their documented shape.
    let unknown = server(&[Fault::GetCamelCaseKeys])
        .await
        .get("nobody", PARTNER)
        .await;
    unknown.assert_error(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn fault_get_omits_answers() {
    let (clean, faulty) = clean_and_faulty(Fault::GetOmitsAnswers).await;
    for server in [&clean, &faulty] {
        server
            .add(
                "m1",
                json!({ "AnsweredQuestions": answered(&[(1001007, 2000247)]), "PostalCode": "1" }),
            )
            .await;
    }
    let clean = clean.member("m1").await;
    let faulty = faulty.member("m1").await;
    assert_eq!(clean["AnsweredQuestions"], answered(&[(1001007, 2000247)]));
    assert_eq!(faulty["AnsweredQuestions"], json!([]));
    assert_eq!(faulty["RegistrationAnswers"], json!([]));
    assert_eq!(faulty["PostalCode"], "1");
}

#[test]
fn the_store_finds_a_member_code_under_the_partner_asked_for_or_the_first() {
    use super::store::{Member, MemberKey, Store};
    let key = |partner: u128, code: &str| MemberKey {
        partner: uuid::Uuid::from_u128(partner),
        code: code.to_string(),
    };
    let hidden = Member {
        regulated: true,
        ..Member::default()
    };
    let mut store = Store::with_members([
        (key(3, "A"), Member::default()),
        (key(1, "A"), hidden),
        (key(2, "B"), Member::default()),
    ]);
    store.insert(key(2, "A"), Member::default());
    let found = |store: &mut Store, partner: Option<u128>, regulated_too: bool| {
        store
            .find_mut("A", partner.map(uuid::Uuid::from_u128), |m| {
                regulated_too || !m.regulated
            })
            .map(|(k, _)| k.partner.as_u128())
    };
    assert_eq!(
        found(&mut store, None, true),
        Some(1),
        "key order: the lowest partner"
    );
    assert_eq!(
        found(&mut store, None, false),
        Some(2),
        "the first that matches"
    );
    assert_eq!(found(&mut store, Some(3), false), Some(3));
    assert_eq!(found(&mut store, Some(1), false), None);
    assert_eq!(found(&mut store, Some(4), true), None);
    assert!(store.find_mut("C", None, |_| true).is_none());
}

#[tokio::test]
async fn fault_not_found_reworded() {
    let (clean, faulty) = clean_and_faulty(Fault::NotFoundReworded).await;
    let unknown = body("never-added", json!({}));
    let expected = no_member_found("never-added", PARTNER);
    let get = clean.get("never-added", PARTNER).await;
    assert_eq!(get.assert_error(StatusCode::BAD_REQUEST), expected);
    let put = clean.put(unknown.clone()).await;
    assert_eq!(put.assert_error(StatusCode::NOT_FOUND), expected);
    // The same statuses and shape, other words.
    let get = faulty.get("never-added", PARTNER).await;
    let put = faulty.put(unknown).await;
    for message in [
        get.assert_error(StatusCode::BAD_REQUEST),
        put.assert_error(StatusCode::NOT_FOUND),
    ] {
        assert!(
            !message.to_lowercase().contains("no member found"),
            "{message}"
        );
        assert!(
            message.contains("never-added") && message.contains(PARTNER),
            "{message}"
        );
    }
    // Other errors keep the docs' wording.
    let a = clean.post(seed_body(json!({}))).await;
    let b = faulty.post(seed_body(json!({}))).await;
    assert_eq!(
        a.assert_error(StatusCode::CONFLICT),
        b.assert_error(StatusCode::CONFLICT)
    );
}

// ---- the other-wording reading ----

/// One request, sent the same way to a server.
type Send = for<'a> fn(&'a Server) -> std::pin::Pin<Box<dyn Future<Output = Reply> + 'a>>;

/// Each error answer the server gives without a fault, by what provokes it.
fn error_scenarios() -> Vec<(&'static str, Send)> {
    fn raw<'a>(
        s: &'a Server,
        method: Method,
        body: &'static str,
    ) -> std::pin::Pin<Box<dyn Future<Output = Reply> + 'a>> {
        Box::pin(s.send(method, ROUTE, Some(V2), Some(body.as_bytes().to_vec())))
    }
    vec![
        ("no Accept header", |s| {
            Box::pin(s.send(Method::GET, ROUTE, None, None))
        }),
        ("GET without memberCode", |s| {
            let path = format!("{ROUTE}?partnerGUID={PARTNER}");
            Box::pin(async move { s.send(Method::GET, &path, Some(V2), None).await })
        }),
        ("GET with a blank memberCode", |s| {
            Box::pin(s.get(" ", PARTNER))
        }),
        ("GET with a partnerGUID that is no GUID", |s| {
            Box::pin(s.get("m1", "partner"))
        }),
        ("GET with the empty GUID", |s| {
            Box::pin(s.get("m1", "00000000-0000-0000-0000-000000000000"))
        }),
        ("GET of an unknown pair", |s| {
            Box::pin(s.get("never-added", PARTNER))
        }),
        ("PUT of an unknown pair", |s| {
            Box::pin(s.put(body("never-added", json!({}))))
        }),
        ("POST of an existing pair", |s| {
            Box::pin(s.post(seed_body(json!({}))))
        }),
        ("POST of an empty body", |s| raw(s, Method::POST, " ")),
        ("POST of a JSON array", |s| raw(s, Method::POST, "[1]")),
        ("POST of broken JSON", |s| {
            raw(s, Method::POST, "{\"MemberCode\":")
        }),
        ("PUT of an oversized body", |s| {
            let huge = format!("{{\"MemberCode\":\"{}\"}}", "x".repeat(3 * 1024 * 1024));
            Box::pin(s.send(Method::PUT, ROUTE, Some(V2), Some(huge.into_bytes())))
        }),
        ("PUT with a property of each kind broken", |s| {
            Box::pin(s.put(json!({
                "PartnerGUID": 5, "IsActive": "maybe", "Email": "x", "BirthDate": "13/45/2000",
                "PostalCode": true, "AnsweredQuestions": 5,
            })))
        }),
        ("PUT with a blank and a long MemberCode", |s| {
            Box::pin(s.put(json!({ "PartnerGUID": "00000000-0000-0000-0000-000000000000", "MemberCode": "x".repeat(257) })))
        }),
        ("PUT with a MemberCode that is no string", |s| {
            Box::pin(s.put(json!({ "PartnerGUID": PARTNER, "MemberCode": [] , "IsTest": 1 })))
        }),
        ("PUT with answers of wrong shapes", |s| {
            Box::pin(s.put(body("m1", json!({ "RegistrationAnswers": [5] }))))
        }),
        ("PUT with a QuestionID 0", |s| {
            Box::pin(s.put(body(
                "m1",
                json!({ "RegistrationAnswers": [{ "QuestionID": 0, "Answers": [] }] }),
            )))
        }),
        ("PUT with Answers missing", |s| {
            Box::pin(s.put(body(
                "m1",
                json!({ "RegistrationAnswers": [{ "QuestionID": 1 }] }),
            )))
        }),
        ("PUT with an AnswerValue alone", |s| {
            Box::pin(s.put(body("m1", json!({ "RegistrationAnswers": [{ "QuestionID": 1, "Answers": [{ "AnswerValue": "x" }] }] }))))
        }),
        ("PUT with an AnswerID out of range", |s| {
            Box::pin(s.put(body(
                "m1",
                json!({ "AnsweredQuestions": [{ "QuestionID": 1, "AnswerID": -1 }] }),
            )))
        }),
        ("PUT with an AnswerValue that is no string", |s| {
            Box::pin(s.put(body("m1", json!({ "RegistrationAnswers": [{ "QuestionID": 1, "Answers": [{ "AnswerID": 1, "AnswerValue": 5 }] }] }))))
        }),
        ("PUT with Answers that is no list", |s| {
            Box::pin(s.put(body(
                "m1",
                json!({ "RegistrationAnswers": [{ "QuestionID": 1, "Answers": 5 }] }),
            )))
        }),
        ("POST of a regulated member", |s| {
            Box::pin(s.post(body("new", json!({ "IsPIIDataRegulated": true }))))
        }),
    ]
}

fn reworded(what: &str, docs: &Reply, other: &Reply) -> Vec<String> {
    assert!(
        docs.status.as_u16() >= 400,
        "{what}: not an error: {}",
        docs.body
    );
    assert_eq!(docs.content_type, other.content_type, "{what}");
    let (docs_status, other_status) = (docs.status.as_u16(), other.status.as_u16());
    crate::reference::reading::testing::assert_reworded(
        what,
        (docs_status, &docs.json()),
        (other_status, &other.json()),
        "Message",
    )
}

#[tokio::test]
async fn other_wording_rewords_every_error_and_keeps_the_rest() {
    let docs = server(&[]).await;
    let other = server_reading(&[], Readings::of([Reading::OtherWording])).await;
    for (what, send) in error_scenarios() {
        let messages = reworded(what, &send(&docs).await, &send(&other).await);
        for message in messages {
            assert!(
                !message.to_lowercase().contains("no member found"),
                "{what}: {message}"
            );
        }
    }
    // Successes are the same answers.
    assert_eq!(
        docs.get(SEED_MEMBER_CODE, SEED_PARTNER_GUID).await.json(),
        other.get(SEED_MEMBER_CODE, SEED_PARTNER_GUID).await.json()
    );
}

#[tokio::test]
async fn other_wording_still_names_the_member_not_found() {
    let other = server_reading(&[], Readings::of([Reading::OtherWording])).await;
    let message = other
        .get("never-added", PARTNER)
        .await
        .assert_error(StatusCode::BAD_REQUEST);
    assert_eq!(
        message,
        format!("Unknown member: MemberCode never-added, PartnerGUID {PARTNER}")
    );
    // A regulated member is not found either, in the same words.
    other
        .post(body("m1", json!({})))
        .await
        .assert_empty(StatusCode::CREATED);
    other
        .put(body("m1", json!({ "IsPIIDataRegulated": true })))
        .await
        .assert_empty(StatusCode::OK);
    let put = other.put(body("m1", json!({ "IsTest": true }))).await;
    assert_eq!(
        put.assert_error(StatusCode::NOT_FOUND),
        format!("Unknown member: MemberCode m1, PartnerGUID {PARTNER}")
    );
}
