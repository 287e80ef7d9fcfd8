//! Reading a member body the way Toluna's ASP.NET service binds it, then
//! checking each property against the documented rules.
use std::fmt;
use std::ops::RangeInclusive;

use chrono::{Datelike, NaiveDate};
use email_address::EmailAddress;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use uuid::Uuid;

use super::message::{BodyProblem, Invalid, Rule};
use super::store::{Answer, Answers, MemberKey, Patch};
use super::{Fault, Faults};

const PARTNER_GUID: &str = "PartnerGUID";
const MEMBER_CODE: &str = "MemberCode";
const IS_ACTIVE: &str = "IsActive";
const IS_TEST: &str = "IsTest";
pub const IS_PII_DATA_REGULATED: &str = "IsPIIDataRegulated";
const EMAIL: &str = "Email";
const BIRTH_DATE: &str = "BirthDate";
const POSTAL_CODE: &str = "PostalCode";
const ANSWERED_QUESTIONS: &str = "AnsweredQuestions";
const REGISTRATION_ANSWERS: &str = "RegistrationAnswers";

/// v1 docs: MemberCode holds up to 256 characters.
const MEMBER_CODE_MAX_CHARS: usize = 256;

/// A PUT or POST body after validation. `errors` lists every property that
/// broke a rule; `key` is `None` exactly when the pair itself was invalid.
#[derive(Debug)]
pub struct MemberRequest {
    pub key: Option<MemberKey>,
    pub patch: Patch,
    pub errors: Vec<Invalid>,
}

/// Parses the raw bytes as a JSON object whose property names are folded to
/// lower case, so that lookups match names case-insensitively as ASP.NET model
/// binding does (the docs themselves spell `MemberCOde`).
pub fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, BodyProblem> {
    // .NET's JSON reader skips a UTF-8 byte-order mark; so does this server.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(BodyProblem::Empty);
    }
    match serde_json::from_slice::<Folded>(bytes) {
        Ok(Folded(Value::Object(object))) => Ok(object),
        Ok(Folded(_)) => Err(BodyProblem::NotObject),
        Err(error) => Err(BodyProblem::NotJson(error.to_string())),
    }
}

/// Whether the bytes parse as JSON at all (whatever their shape).
pub fn is_json(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    serde_json::from_slice::<de::IgnoredAny>(bytes).is_ok()
}

/// Validates every documented property of a PUT or POST body.
pub fn member_request(body: &Map<String, Value>, faults: &Faults) -> MemberRequest {
    let mut errors = Vec::new();
    let partner = keep(
        &mut errors,
        partner_guid(supplied(body, PARTNER_GUID), faults),
    );
    let code = keep(&mut errors, member_code(supplied(body, MEMBER_CODE)));
    let flag = |name| optional(body, name, |value| boolean(name, value, faults));
    let patch = Patch {
        is_active: keep(&mut errors, flag(IS_ACTIVE)).flatten(),
        is_test: keep(&mut errors, flag(IS_TEST)).flatten(),
        regulate: keep(&mut errors, flag(IS_PII_DATA_REGULATED)).flatten(),
        email: keep(&mut errors, optional(body, EMAIL, |v| email(v, faults))).flatten(),
        birth_date: keep(
            &mut errors,
            optional(body, BIRTH_DATE, |v| birth_date(v, faults)),
        )
        .flatten(),
        postal_code: keep(&mut errors, optional(body, POSTAL_CODE, postal_code)).flatten(),
        answers: keep(&mut errors, answers(body, faults)).flatten(),
    };
    let key = partner
        .zip(code)
        .map(|(partner, code)| MemberKey { partner, code });
    MemberRequest { key, patch, errors }
}

/// Whether the body carries a MemberCode at all (`null` counts as absent).
pub fn has_member_code(body: &Map<String, Value>) -> bool {
    supplied(body, MEMBER_CODE).is_some()
}

/// A PartnerGUID given as text (body property or query parameter).
pub fn partner_guid_text(name: &str, text: &str) -> Result<Uuid, Invalid> {
    let guid = parse_guid(text).ok_or_else(|| Invalid::new(name, Rule::NotGuid))?;
    // Reading: a service binding into a non-nullable Guid cannot tell a
    // missing PartnerGUID from the empty GUID, and Toluna never issues the
    // empty GUID, so it is refused like a missing one.
    if guid.is_nil() {
        return Err(Invalid::new(name, Rule::EmptyGuid));
    }
    Ok(guid)
}

/// A MemberCode given as text (body property or query parameter).
pub fn member_code_text(name: &str, text: &str) -> Result<String, Invalid> {
    // Reading: a code of only white space is as unusable as an empty one.
    if text.trim().is_empty() {
        return Err(Invalid::new(name, Rule::Blank));
    }
    if text.chars().count() > MEMBER_CODE_MAX_CHARS {
        let max = MEMBER_CODE_MAX_CHARS;
        return Err(Invalid::new(name, Rule::TooLong { max }));
    }
    Ok(text.to_string())
}

/// Moves an error into `errors`, keeping the value otherwise.
fn keep<T>(errors: &mut Vec<Invalid>, result: Result<T, Invalid>) -> Option<T> {
    result.map_err(|error| errors.push(error)).ok()
}

/// The property's value; `null` counts as not supplied.
fn supplied<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object
        .get(&name.to_ascii_lowercase())
        .filter(|value| !value.is_null())
}

fn optional<T>(
    body: &Map<String, Value>,
    name: &str,
    parse: impl FnOnce(&Value) -> Result<T, Invalid>,
) -> Result<Option<T>, Invalid> {
    supplied(body, name).map(parse).transpose()
}

fn partner_guid(value: Option<&Value>, faults: &Faults) -> Result<Uuid, Invalid> {
    match value {
        // The bug binds the property as a string: any text names a partner.
        Some(Value::String(text))
            if faults.has(Fault::AcceptsAnyPartnerGuid) && parse_guid(text).is_none() =>
        {
            Ok(text_as_guid(text))
        }
        Some(Value::String(text)) => partner_guid_text(PARTNER_GUID, text),
        Some(_) => Err(Invalid::new(PARTNER_GUID, Rule::NotGuidString)),
        // The bug binds a missing GUID as Guid.Empty and carries on.
        None if faults.has(Fault::MissingPartnerGuidAccepted) => Ok(Uuid::nil()),
        None => Err(Invalid::new(PARTNER_GUID, Rule::Required)),
    }
}

/// A stable stand-in GUID for text that is not one (for the fault above).
fn text_as_guid(text: &str) -> Uuid {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    let high = hasher.finish();
    "partner".hash(&mut hasher);
    Uuid::from_u64_pair(high, hasher.finish())
}

/// .NET's Guid parser takes the N, D, B and P forms (32 digits, hyphenated,
/// in braces, in parentheses) and ignores surrounding white space; uuid's
/// parser takes N, D, B and `urn:uuid:`, which .NET refuses.
fn parse_guid(text: &str) -> Option<Uuid> {
    let text = text.trim();
    let text = match text.strip_prefix('(') {
        Some(rest) => rest.strip_suffix(')').filter(|inner| inner.len() == 36)?,
        None => text,
    };
    if text.len() > 38 {
        return None;
    }
    Uuid::try_parse(text).ok()
}

fn member_code(value: Option<&Value>) -> Result<String, Invalid> {
    match value {
        Some(Value::String(text)) => member_code_text(MEMBER_CODE, text),
        // Newtonsoft converts a JSON number bound to a string property.
        Some(Value::Number(number)) => member_code_text(MEMBER_CODE, &number.to_string()),
        Some(_) => Err(Invalid::new(MEMBER_CODE, Rule::NotString)),
        None => Err(Invalid::new(MEMBER_CODE, Rule::Required)),
    }
}

/// The docs' examples send booleans both as JSON booleans and as strings
/// (`"IsActive": "false"`); both are accepted, strings in any letter case.
fn boolean(name: &str, value: &Value, faults: &Faults) -> Result<bool, Invalid> {
    let parsed = match value {
        Value::Bool(flag) if !faults.has(Fault::RejectsJsonBooleans) => Some(*flag),
        Value::String(text) if !faults.has(Fault::RejectsStringBooleans) => {
            boolean_text(text).or_else(|| faults.has(Fault::AcceptsBadBoolean).then_some(false))
        }
        _ => None,
    };
    parsed.ok_or_else(|| Invalid::new(name, Rule::NotBoolean))
}

fn boolean_text(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Reading: "a valid email format" is an RFC 5322 address as `email_address`
/// checks it, without a display name (`Name <a@b.c>` is not an email).
fn email(value: &Value, faults: &Faults) -> Result<String, Invalid> {
    let text = value
        .as_str()
        .ok_or_else(|| Invalid::new(EMAIL, Rule::NotString))?;
    let options = email_address::Options::default().without_display_text();
    let valid = EmailAddress::parse_with_options(text, options).is_ok();
    if valid || faults.has(Fault::AcceptsBadEmail) {
        Ok(text.to_string())
    } else {
        Err(Invalid::new(EMAIL, Rule::NotEmail))
    }
}

fn birth_date(value: &Value, faults: &Faults) -> Result<String, Invalid> {
    let date = value.as_str().and_then(us_date);
    // The bug keeps whatever arrived when it is not a valid date.
    if faults.has(Fault::AcceptsBadBirthdate) {
        return Ok(date.unwrap_or_else(|| match value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        }));
    }
    date.ok_or_else(|| Invalid::new(BIRTH_DATE, Rule::NotDate))
}

/// `MM/DD/YYYY`, also with one-digit month and day (the docs send
/// `6/21/1992`); returns the zero-padded form GET shows. Reading: the GET
/// page's examples disagree on the format, so GET echoes the input format.
///
/// The minimum registration age (commonattributes.md) differs per country
/// and the API carries no country, so it is not enforced.
fn us_date(text: &str) -> Option<String> {
    let mut parts = text.split('/');
    let (month, day, year) = (parts.next()?, parts.next()?, parts.next()?);
    let shaped =
        parts.next().is_none() && digits(month, 1..=2) && digits(day, 1..=2) && digits(year, 4..=4);
    if !shaped {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)?;
    // The Gregorian calendar (and .NET's DateTime) has no year 0.
    (date.year() >= 1).then(|| format!("{:02}/{:02}/{:04}", date.month(), date.day(), date.year()))
}

fn digits(text: &str, len: RangeInclusive<usize>) -> bool {
    len.contains(&text.len()) && text.bytes().all(|byte| byte.is_ascii_digit())
}

/// Newer pages type PostalCode as a string, older ones as an int; both are
/// stored as text. `""` is allowed: Toluna's Postman example sends it.
fn postal_code(value: &Value) -> Result<String, Invalid> {
    match value {
        Value::String(text) => Ok(text.clone()),
        Value::Number(number) if number.is_i64() || number.is_u64() => Ok(number.to_string()),
        _ => Err(Invalid::new(POSTAL_CODE, Rule::NotString)),
    }
}

/// "If RegistrationAnswers is supplied, AnswerQuestions will be ignored":
/// ignored entirely, so it is not even validated then.
fn answers(body: &Map<String, Value>, faults: &Faults) -> Result<Option<Answers>, Invalid> {
    let registration = supplied(body, REGISTRATION_ANSWERS);
    let answered = supplied(body, ANSWERED_QUESTIONS);
    // The bug lets the legacy list take precedence.
    if faults.has(Fault::AnsweredQuestionsWin) && answered.is_some() {
        return answered.map(|v| answered_questions(v, faults)).transpose();
    }
    match (registration, answered) {
        (Some(value), _) => registration_answers(value, faults).map(Some),
        (None, Some(value)) => answered_questions(value, faults).map(Some),
        (None, None) => Ok(None),
    }
}

/// `[{QuestionID, AnswerID}]`. Reading: a QuestionID named twice takes the
/// last pair, as a single-select question holds one answer.
fn answered_questions(value: &Value, faults: &Faults) -> Result<Answers, Invalid> {
    let mut answers = Answers::new();
    for (index, item) in list(value, ANSWERED_QUESTIONS)?.iter().enumerate() {
        let path = format!("{ANSWERED_QUESTIONS}[{index}]");
        let item = object(item, &path)?;
        let question = question_id(item, &path)?;
        let answer = answer_id(item, &path, faults)?;
        let mut list = Vec::new();
        push_answer(
            &mut list,
            Answer {
                id: answer,
                value: None,
            },
        );
        answers.insert(question, list);
    }
    Ok(answers)
}

/// `[{QuestionID, Answers: [{AnswerID, AnswerValue?}]}]`. Reading: a
/// QuestionID named twice takes the last entry; an empty Answers list, like
/// AnswerID 0, leaves the question without an answer.
fn registration_answers(value: &Value, faults: &Faults) -> Result<Answers, Invalid> {
    let mut answers = Answers::new();
    for (index, item) in list(value, REGISTRATION_ANSWERS)?.iter().enumerate() {
        let path = format!("{REGISTRATION_ANSWERS}[{index}]");
        let item = object(item, &path)?;
        let question = question_id(item, &path)?;
        let entries_path = format!("{path}.Answers");
        let entries = supplied(item, "Answers")
            .ok_or_else(|| Invalid::new(&entries_path, Rule::Required))
            .and_then(|entries| list(entries, &entries_path))?;
        let mut list = Vec::new();
        for (index, entry) in entries.iter().enumerate() {
            let answer = registration_answer(entry, &format!("{entries_path}[{index}]"), faults)?;
            push_answer(&mut list, answer);
        }
        answers.insert(question, list);
    }
    Ok(answers)
}

fn registration_answer(entry: &Value, path: &str, faults: &Faults) -> Result<Answer, Invalid> {
    let entry = object(entry, path)?;
    if supplied(entry, "AnswerID").is_none() {
        return Err(Invalid::new(
            format!("{path}.AnswerID"),
            Rule::AnswerIdMissing,
        ));
    }
    let id = answer_id(entry, path, faults)?;
    let value = match supplied(entry, "AnswerValue") {
        None => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(_) => return Err(Invalid::new(format!("{path}.AnswerValue"), Rule::NotString)),
    };
    Ok(Answer { id, value })
}

/// AnswerID 0 means "no value" (the docs say so for GenderID, EducationID,
/// EthnicityID, RaceID and SubProvinceID; reading: for every question), so
/// it is dropped; a later duplicate AnswerID replaces the earlier one.
fn push_answer(list: &mut Vec<Answer>, answer: Answer) {
    if answer.id == 0 {
        return;
    }
    match list.iter_mut().find(|existing| existing.id == answer.id) {
        Some(existing) => *existing = answer,
        None => list.push(answer),
    }
}

fn list<'a>(value: &'a Value, path: &str) -> Result<&'a Vec<Value>, Invalid> {
    value
        .as_array()
        .ok_or_else(|| Invalid::new(path, Rule::NotList))
}

fn object<'a>(value: &'a Value, path: &str) -> Result<&'a Map<String, Value>, Invalid> {
    value
        .as_object()
        .ok_or_else(|| Invalid::new(path, Rule::NotObject))
}

fn question_id(item: &Map<String, Value>, path: &str) -> Result<u32, Invalid> {
    match id(item, "QuestionID", path)? {
        0 => Err(Invalid::new(
            format!("{path}.QuestionID"),
            Rule::NotPositive,
        )),
        question => Ok(question),
    }
}

fn answer_id(item: &Map<String, Value>, path: &str, faults: &Faults) -> Result<u32, Invalid> {
    let answer = id(item, "AnswerID", path)?;
    // The bug forgets that 0 is the documented "no value".
    if answer == 0 && faults.has(Fault::AnswerZeroRefused) {
        return Err(Invalid::new(format!("{path}.AnswerID"), Rule::NotPositive));
    }
    Ok(answer)
}

/// The docs type IDs as `int`: a JSON integer that fits a 32-bit int; a
/// negative one names no question or answer.
fn id(item: &Map<String, Value>, name: &str, path: &str) -> Result<u32, Invalid> {
    let at = || format!("{path}.{name}");
    let value = supplied(item, name).ok_or_else(|| Invalid::new(at(), Rule::Required))?;
    value
        .as_u64()
        .and_then(|number| u32::try_from(number).ok())
        .filter(|number| i32::try_from(*number).is_ok())
        .ok_or_else(|| Invalid::new(at(), Rule::NotId { max: i32::MAX }))
}

/// A JSON value whose object keys are folded to ASCII lower case. Keys that
/// fold to the same name keep the last value, as Newtonsoft's binder does.
struct Folded(Value);

impl<'de> Deserialize<'de> for Folded {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FoldingVisitor).map(Folded)
    }
}

struct FoldingVisitor;

impl<'de> Visitor<'de> for FoldingVisitor {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Value, E> {
        Number::from_f64(value)
            .map(Value::Number)
            .ok_or_else(|| E::custom("number out of range"))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_string()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        Folded::deserialize(deserializer).map(|Folded(value)| value)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Folded(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some((key, Folded(value))) = map.next_entry::<String, Folded>()? {
            object.insert(key.to_ascii_lowercase(), value);
        }
        Ok(Value::Object(object))
    }
}
