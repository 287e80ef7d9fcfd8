//! Toluna Integrated Panel Member API v2 reference server: add (POST), get
//! (GET) and update (PUT) on `/IntegratedPanelService/api/Respondent`, kept in
//! memory and built from the vendor docs in `api-docs/toluna*`.
//!
//! Where the docs allow several readings the choice is commented next to the
//! code that makes it. Two documented client duties are not policed: the
//! ≥1000 ms gap between calls on one MemberCode (a server that refuses
//! "near-simultaneous calls" is no more correct than one that copes), and the
//! per-country minimum age (the API carries no country).
mod body;
mod message;
mod store;
#[cfg(test)]
mod tests;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::header::ACCEPT;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use axum::{Json, Router};
use serde_json::json;
use uuid::Uuid;

use self::body::MemberRequest;
use self::message::{Invalid, Message, Rule};
use self::store::{Answer, Answers, Member, MemberKey, MemberView, Store};
use super::reading::Wording;
use super::{Faults, Readings};

/// The member the docs' GET example asks for; seeded so that example works.
pub const SEED_PARTNER_GUID: &str = "93A6D55C-D4E7-49FC-8D68-671165ADE463";
pub const SEED_MEMBER_CODE: &str = "AUniquePartnerCode";

const ROUTE: &str = "/IntegratedPanelService/api/Respondent";
/// The GET page writes the route as `/Respondent/?memberCode=..`.
const ROUTE_WITH_SLASH: &str = "/IntegratedPanelService/api/Respondent/";

// A fault where regulation only hid data but left the member visible was
// folded into `toluna-pii-still-visible`: with the member hidden, whether
// its data was erased cannot be observed, so it would be an invisible fault.
super::fault::fault_catalogue! {
    Toluna;
    UnknownPairPut200 = "toluna-unknown-pair-put-200":
        "PUT of an unknown (MemberCode, PartnerGUID) pair answers 200 and changes nothing; \
         the docs say 404 \"An attempt to update a Member that does not exist\"",
    UnknownPairPut400 = "toluna-unknown-pair-put-400":
        "PUT of an unknown pair answers 400 instead of the documented 404",
    ExistenceByMemberCode = "toluna-existence-by-member-code":
        "PUT and GET find a member by MemberCode alone; the docs say \"Existence is \
         determined by the combination of MemberCode and PartnerGUID\"",
    PutResetsOmitted = "toluna-put-resets-omitted":
        "PUT resets omitted optional properties to their defaults; the docs say \
         \"Optional Properties can be excluded from the request\" (a partial update)",
    PutHalfApplied = "toluna-put-half-applied":
        "a PUT refused with 400 still applies the valid properties it carried; \
         a request answered \"Bad Request\" must change nothing",
    AcceptsBadEmail = "toluna-accepts-bad-email":
        "an invalid Email is accepted; the docs say \"When Supplied, this must have a \
         valid email format\"",
    AcceptsBadBirthdate = "toluna-accepts-bad-birthdate":
        "BirthDate is not validated; the docs require \"MM/DD/YYYY format\"",
    RejectsStringBooleans = "toluna-rejects-string-booleans":
        "the strings \"true\"/\"false\" are refused for booleans, though the docs' own \
         examples send \"IsActive\": \"false\"",
    RejectsJsonBooleans = "toluna-rejects-json-booleans":
        "JSON true/false are refused for booleans (only strings pass), though the docs \
         type them bool and send \"IsPIIDataRegulated\": true",
    AcceptsBadBoolean = "toluna-accepts-bad-boolean":
        "any string is accepted for a boolean (read as false); the docs type them bool",
    MissingMemberCode500 = "toluna-missing-member-code-500":
        "a body without MemberCode answers 500; MemberCode is documented as required, \
         so its absence is a 400 \"malformed or incomplete\" request",
    MissingPartnerGuidAccepted = "toluna-missing-partner-guid-accepted":
        "PUT/POST without PartnerGUID proceed with the empty GUID; PartnerGUID is \
         documented as required",
    DuplicateAddOverwrites = "toluna-duplicate-add-overwrites":
        "POST of an existing pair answers 201 and overwrites the member; the docs say 409 \
         \"An attempt to add a Member that already exists\"",
    PiiStillVisible = "toluna-pii-still-visible":
        "a PII-regulated member is still returned by GET and updated by PUT; the docs say \
         both \"will result in no member found\"",
    AnswerZeroRefused = "toluna-answer-zero-refused":
        "AnswerID 0 is refused with 400; the docs say the IDs \"can also take 0 to \
         indicate no value\"",
    AnsweredQuestionsWin = "toluna-answered-questions-win":
        "when both lists are given AnsweredQuestions is applied and RegistrationAnswers \
         ignored; the docs say \"If RegistrationAnswers is supplied, AnswerQuestions will \
         be ignored\"",
    Post201WithBody = "toluna-post-201-with-body":
        "201 from POST carries a JSON body; the docs say \"No body will be included with a \
         201 response\"",
    GetUnknown200 = "toluna-get-unknown-200":
        "GET of an unknown pair answers 200 with {}; the docs say 400 \"No member found \
         with member code X and partner Guid Y\"",
    IsActiveIgnored = "toluna-is-active-ignored":
        "IsActive in a PUT is accepted but not stored; the docs' \"Deactivate Member\" \
         example sets it",
    MalformedBody500 = "toluna-malformed-body-500":
        "a POST or PUT body that is not JSON answers 500; the docs answer 400 \"Request is \
         malformed or incomplete\"",
    AcceptsAnyPartnerGuid = "toluna-accepts-any-partner-guid":
        "a PartnerGUID that is not a GUID is accepted (bound as plain text); the docs type \
         it GUID, and invalid property data is a 400",
    AddIgnoresIsTest = "toluna-add-ignores-is-test":
        "POST accepts IsTest but creates the member with IsTest false; the docs list IsTest \
         among the add body's properties",
    GetCamelCaseKeys = "toluna-get-camel-case-keys":
        "GET answers with camelCase property names (partnerGUID, memberCode, ...); the \
         documented body names them PartnerGUID, MemberCode, ...",
    GetOmitsAnswers = "toluna-get-omits-answers":
        "GET answers empty AnsweredQuestions and RegistrationAnswers (the answers are not \
         loaded); the documented body returns the member's answers",
    NotFoundReworded = "toluna-not-found-reworded":
        "GET and PUT of a pair that is not found (or regulated) word their Message otherwise \
         (\"Unknown member: MemberCode X, PartnerGUID Y\"), statuses unchanged; GET's 400 \
         example body says \"No member found with member code X and partner Guid Y\". Only \
         the wording of an example changes: a suite should warn, not fail",
}

/// Shared by every request. One mutex around the store makes each request
/// atomic.
struct App {
    store: Mutex<Store>,
    faults: Faults,
    wording: Wording,
}

impl App {
    fn store(&self) -> MutexGuard<'_, Store> {
        // No handler panics while holding the lock, and the store stays
        // consistent between statements, so a poisoned lock is still usable.
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The answer, a refusal worded as this server words them.
    fn answer(&self, result: Result<Response, Refusal>) -> Response {
        result.unwrap_or_else(|refusal| {
            let wording = match refusal.message {
                // The bug: the not-found text of another code path (or release).
                Message::NoMemberFound(_) if self.faults.has(Fault::NotFoundReworded) => {
                    Wording::Other
                }
                _ => self.wording,
            };
            let body = json!({ "Message": refusal.message.text(wording) });
            (refusal.status, Json(body)).into_response()
        })
    }
}

pub fn router(faults: Faults, readings: &Readings) -> Router {
    let app = Arc::new(App {
        store: Mutex::new(seed()),
        faults,
        wording: readings.wording(),
    });
    let respondent: MethodRouter<Arc<App>> = get(get_member).post(add_member).put(update_member);
    Router::new()
        .route(ROUTE, respondent.clone())
        .route(ROUTE_WITH_SLASH, respondent)
        .with_state(app)
}

const SEED_PARTNER: Uuid = match Uuid::try_parse(SEED_PARTNER_GUID) {
    Ok(guid) => guid,
    Err(_) => panic!("SEED_PARTNER_GUID is not a GUID"),
};

/// The member of the docs' add and GET examples.
fn seed() -> Store {
    const ANSWERED_QUESTIONS: [(u32, u32); 7] = [
        (1001007, 2000247),
        (1001101, 2002275),
        (1001107, 2002330),
        (1001012, 2000270),
        (1005145, 2796316),
        (1001102, 2002280),
        (1012395, 3056609),
    ];
    let answers: Answers = ANSWERED_QUESTIONS
        .into_iter()
        .map(|(question, id)| (question, vec![Answer { id, value: None }]))
        .collect();
    let key = MemberKey {
        partner: SEED_PARTNER,
        code: SEED_MEMBER_CODE.to_string(),
    };
    let member = Member {
        birth_date: Some("06/21/1992".to_string()),
        postal_code: Some("15235".to_string()),
        answers,
        ..Member::default()
    };
    Store::with_members([(key, member)])
}

/// An error answer: `{"Message": "..."}`, as ASP.NET Web API writes them
/// ([`App::answer`] words it).
#[derive(Debug)]
struct Refusal {
    status: StatusCode,
    message: Message,
}

impl Refusal {
    fn new(status: StatusCode, message: Message) -> Refusal {
        Refusal { status, message }
    }
}

fn bad_request(message: Message) -> Refusal {
    Refusal::new(StatusCode::BAD_REQUEST, message)
}

/// "This header is required for all API Management routes." Reading: the
/// docs do not say what a request without it gets; this server refuses it.
fn require_v2(headers: &HeaderMap) -> Result<(), Refusal> {
    let accepted = headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(is_json_v2);
    if accepted {
        Ok(())
    } else {
        Err(bad_request(Message::AcceptV2))
    }
}

/// One media range, read loosely: white space, letter case and quotes around
/// the value do not matter, and `version=2` names the same version as `2.0`
/// (ASP.NET API versioning parses both to 2.0).
fn is_json_v2(range: &str) -> bool {
    let mut parts = range.split(';').map(str::trim);
    let json = parts
        .next()
        .is_some_and(|media| media.eq_ignore_ascii_case("application/json"));
    json && parts.any(|parameter| {
        parameter.split_once('=').is_some_and(|(name, value)| {
            name.trim().eq_ignore_ascii_case("version")
                && matches!(value.trim().trim_matches('"'), "2.0" | "2")
        })
    })
}

/// Reads a PUT or POST body from the raw bytes, so that no content type is
/// required and no input gets axum's own 415/422 answers.
fn read_member(
    bytes: Result<Bytes, BytesRejection>,
    faults: &Faults,
) -> Result<MemberRequest, Refusal> {
    let bytes = bytes.map_err(unreadable)?;
    // The bug lets the JSON reader's exception escape.
    if faults.has(Fault::MalformedBody500) && !body::is_json(&bytes) {
        return Err(Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            Message::Internal,
        ));
    }
    let object =
        body::parse_object(&bytes).map_err(|problem| bad_request(Message::Body(problem)))?;
    // The bug dereferences the absent MemberCode (a .NET NullReferenceException).
    if faults.has(Fault::MissingMemberCode500) && !body::has_member_code(&object) {
        return Err(Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            Message::Internal,
        ));
    }
    Ok(body::member_request(&object, faults))
}

/// Only a too-large body keeps its own status (413); the rest is the client's
/// fault too, so nothing here answers 5xx.
fn unreadable(rejection: BytesRejection) -> Refusal {
    let status = match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => StatusCode::PAYLOAD_TOO_LARGE,
        _ => StatusCode::BAD_REQUEST,
    };
    Refusal::new(status, Message::Unreadable(rejection.body_text()))
}

/// The pair of a request that broke no rule.
fn accepted(request: &MemberRequest) -> Result<MemberKey, Refusal> {
    match &request.key {
        Some(key) if request.errors.is_empty() => Ok(key.clone()),
        _ => Err(bad_request(Message::Invalid(request.errors.clone()))),
    }
}

/// The member a PUT or GET names. Regulated members "no longer surface via API".
fn lookup<'a>(
    store: &'a mut Store,
    key: &MemberKey,
    faults: &Faults,
) -> Option<(&'a MemberKey, &'a mut Member)> {
    // The bugs: matching on MemberCode alone; forgetting regulated members.
    let by_code_alone = faults.has(Fault::ExistenceByMemberCode);
    let sees_regulated = faults.has(Fault::PiiStillVisible);
    let partner = (!by_code_alone).then_some(key.partner);
    store.find_mut(&key.code, partner, |member| {
        sees_regulated || !member.regulated
    })
}

async fn add_member(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Response {
    app.answer(add(&app, &headers, bytes))
}

fn add(
    app: &App,
    headers: &HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, Refusal> {
    require_v2(headers)?;
    let mut request = read_member(bytes, &app.faults)?;
    // The bug maps every add property but IsTest onto the new member.
    if app.faults.has(Fault::AddIgnoresIsTest) {
        request.patch.is_test = None;
    }
    if request.patch.regulate == Some(true) {
        request.errors.push(Invalid::new(
            body::IS_PII_DATA_REGULATED,
            Rule::RegulatedOnAdd,
        ));
    }
    let key = accepted(&request)?;
    let mut store = app.store();
    // A regulated member's record still exists, so its pair conflicts too.
    // The bug skips the check and writes over the member.
    if store.contains(&key) && !app.faults.has(Fault::DuplicateAddOverwrites) {
        return Err(Refusal::new(
            StatusCode::CONFLICT,
            Message::AlreadyExists(key),
        ));
    }
    let mut member = Member::default();
    member.apply(&request.patch);
    let view = MemberView::new(&key, &member);
    store.insert(key, member);
    // "No body will be included with a 201 response"; the bug echoes the member.
    if app.faults.has(Fault::Post201WithBody) {
        return Ok((StatusCode::CREATED, Json(view)).into_response());
    }
    Ok(StatusCode::CREATED.into_response())
}

/// A partial update: validated as a whole first, so a refused PUT changes
/// nothing. Success answers 200 with an empty body, as in Toluna's Postman
/// examples.
async fn update_member(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Response {
    app.answer(update(&app, &headers, bytes))
}

fn update(
    app: &App,
    headers: &HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, Refusal> {
    require_v2(headers)?;
    let mut request = read_member(bytes, &app.faults)?;
    // The bug binds IsActive but never copies it onto the member.
    if app.faults.has(Fault::IsActiveIgnored) {
        request.patch.is_active = None;
    }
    let mut store = app.store();
    let key = match accepted(&request) {
        Ok(key) => key,
        Err(refusal) => {
            // The bug writes the valid properties before answering 400.
            if app.faults.has(Fault::PutHalfApplied) {
                apply_if_found(&mut store, &request, &app.faults);
            }
            return Err(refusal);
        }
    };
    let Some((_, member)) = lookup(&mut store, &key, &app.faults) else {
        return unknown_pair_put(&key, &app.faults);
    };
    // The bug treats PUT as a replacement of the whole member.
    if app.faults.has(Fault::PutResetsOmitted) {
        member.reset_optional();
    }
    member.apply(&request.patch);
    Ok(StatusCode::OK.into_response())
}

fn apply_if_found(store: &mut Store, request: &MemberRequest, faults: &Faults) {
    if let Some(key) = &request.key
        && let Some((_, member)) = lookup(store, key, faults)
    {
        member.apply(&request.patch);
    }
}

/// Documented: 404 "An attempt to update a Member that does not exist".
fn unknown_pair_put(key: &MemberKey, faults: &Faults) -> Result<Response, Refusal> {
    if faults.has(Fault::UnknownPairPut200) {
        return Ok(StatusCode::OK.into_response());
    }
    let status = if faults.has(Fault::UnknownPairPut400) {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::NOT_FOUND
    };
    Err(Refusal::new(status, Message::NoMemberFound(key.clone())))
}

async fn get_member(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    app.answer(get_one(&app, &headers, query.as_deref()))
}

fn get_one(app: &App, headers: &HeaderMap, query: Option<&str>) -> Result<Response, Refusal> {
    require_v2(headers)?;
    let key = query_key(query.unwrap_or_default())?;
    let mut store = app.store();
    match lookup(&mut store, &key, &app.faults) {
        Some((found, member)) => {
            let view = MemberView::new(found, member);
            // The bugs: a serializer with a camelCase naming policy; answers
            // that were never loaded with the member.
            let view = if app.faults.has(Fault::GetOmitsAnswers) {
                view.without_answers()
            } else {
                view
            };
            if app.faults.has(Fault::GetCamelCaseKeys) {
                let answer = serde_json::to_value(view).unwrap_or_default();
                return Ok(Json(camel_case_keys(answer)).into_response());
            }
            Ok(Json(view).into_response())
        }
        // The bug answers an empty member.
        None if app.faults.has(Fault::GetUnknown200) => Ok(Json(json!({})).into_response()),
        // Documented: GET answers an unknown pair with 400, not 404.
        None => Err(bad_request(Message::NoMemberFound(key))),
    }
}

/// `PartnerGUID` → `partnerGUID`, at every level.
fn camel_case_keys(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(object) => Value::Object(
            object
                .into_iter()
                .map(|(key, value)| {
                    let mut chars = key.chars();
                    let key = chars
                        .next()
                        .map(|first| first.to_ascii_lowercase().to_string() + chars.as_str())
                        .unwrap_or_default();
                    (key, camel_case_keys(value))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(camel_case_keys).collect()),
        other => other,
    }
}

fn query_key(query: &str) -> Result<MemberKey, Refusal> {
    let refused = |invalid| bad_request(Message::Query(invalid));
    let required = |name: &str| {
        query_parameter(query, name).ok_or_else(|| refused(Invalid::new(name, Rule::Required)))
    };
    let code = required("memberCode")?;
    let partner = required("partnerGUID")?;
    Ok(MemberKey {
        code: body::member_code_text("memberCode", &code).map_err(refused)?,
        partner: body::partner_guid_text("partnerGUID", &partner).map_err(refused)?,
    })
}

/// Names match case-insensitively (Toluna's Postman collection sends
/// `partnerGuid`); a repeated parameter binds its first value, as ASP.NET
/// does for a scalar.
fn query_parameter(query: &str, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.into_owned())
}
