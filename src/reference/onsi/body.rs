//! Request-body validation for POST, PUT and PATCH, done on the raw bytes so
//! that no input (malformed JSON, wrong types, non-objects, non-UTF-8, any
//! content-type) can get an answer other than this server's own 400.
//!
//! Validation keeps going after a problem, so the answer lists one issue per
//! problem, and returns the fields that were valid next to the issues.

use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use email_address::EmailAddress;
use regex::Regex;
use serde_json::{Map, Value};

use super::Fault;
use super::message::{Account, Problem};
use crate::reference::Faults;

/// The email pattern of Onsi's OpenAPI document, verbatim.
static EMAIL_PATTERN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"^(([^<>()\[\]\\.,;:\s@"]+(\.[^<>()\[\]\\.,;:\s@"]+)*)|(".+"))@((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}])|(([a-zA-Z\-0-9]+\.)+[a-zA-Z]{2,}))$"#,
    )
    .expect("the OpenAPI email pattern is a valid regex")
});

/// The OpenAPI `^\d{4}-\d{2}-\d{2}$`, with `\d` as ASCII digits as in the
/// ECMAScript regexes OpenAPI patterns are written in (Rust's `\d` is Unicode).
static DOB_PATTERN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$").expect("the dob pattern is a valid regex")
});

/// The bug's pattern: a repetition of one or two digits where two are required.
static LOOSE_DOB_PATTERN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}$").expect("the loose dob pattern is a valid regex")
});

/// Reading: "must be later than 1900" means the year is 1901 or later, so
/// 1900-12-31 is refused and 1901-01-01 accepted.
const FIRST_DOB_YEAR: i32 = 1901;

const GENDERS: [&str; 3] = ["Female", "Male", "NonBinary"];

const UK_ACCOUNT_KEYS: &[&str] = &["accountHolder", "sortCode", "accountNumber"];
const EU_ACCOUNT_KEYS: &[&str] = &["accountHolder", "iban"];

/// Which operation's schema applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// POST: required email, firstName, lastName, tier.
    Invite,
    /// PUT: the POST schema.
    Replace,
    /// PATCH: every field optional, workerId may be null.
    Update,
}

/// One problem with the request, in the docs' `issues` shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    /// The field (`accountDetails.iban` for a nested one); empty for the
    /// body as a whole.
    pub path: String,
    pub problem: Problem,
}

impl Issue {
    pub fn new(path: impl Into<String>, problem: Problem) -> Issue {
        Issue {
            path: path.into(),
            problem,
        }
    }
}

/// The valid fields a body carried. `None`: absent (or refused);
/// `Some(None)`: explicitly null.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Fields {
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub tier: Option<String>,
    pub worker_id: Option<Option<String>>,
    pub account_details: Option<Option<Value>>,
    pub enable_payroll: Option<bool>,
    pub dob: Option<String>,
    pub gender: Option<Option<String>>,
}

/// A complete POST or PUT body: required fields present, optional ones
/// defaulted.
#[derive(Debug, Clone, PartialEq)]
pub struct FullFields {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub tier: String,
    pub phone: Option<String>,
    pub worker_id: Option<String>,
    pub account_details: Option<Value>,
    pub enable_payroll: bool,
    pub dob: Option<String>,
    pub gender: Option<String>,
}

/// Validates a body against the schema of `kind`, returning the valid fields
/// and one issue per problem.
pub fn parse(bytes: &[u8], kind: BodyKind, faults: &Faults) -> (Fields, Vec<Issue>) {
    match parse_object(bytes) {
        Ok(object) => validate(object, kind, faults),
        Err(issue) => (Fields::default(), vec![issue]),
    }
}

/// Validates a POST or PUT body, which must also carry the required fields.
pub fn parse_full(bytes: &[u8], kind: BodyKind, faults: &Faults) -> Result<FullFields, Vec<Issue>> {
    match parse_full_leniently(bytes, kind, faults) {
        (Some(fields), issues) if issues.is_empty() => Ok(fields),
        (_, issues) => Err(issues),
    }
}

/// A POST or PUT body's valid fields, whenever its required ones are among
/// them, beside every issue: what a server that stores a refused body (the
/// `onsi-invite-refused-still-created` fault) would keep.
pub fn parse_full_leniently(
    bytes: &[u8],
    kind: BodyKind,
    faults: &Faults,
) -> (Option<FullFields>, Vec<Issue>) {
    let (fields, mut issues) = match parse_object(bytes) {
        Ok(object) => validate(object, kind, faults),
        Err(issue) => return (None, vec![issue]),
    };
    for (path, present) in [
        ("email", fields.email.is_some()),
        ("firstName", fields.first_name.is_some()),
        ("lastName", fields.last_name.is_some()),
        ("tier", fields.tier.is_some()),
    ] {
        let reported = issues.iter().any(|issue| issue.path == path);
        if !present && !reported {
            issues.push(Issue::new(path, Problem::Required));
        }
    }
    let Fields {
        email: Some(email),
        first_name: Some(first_name),
        last_name: Some(last_name),
        tier: Some(tier),
        phone,
        worker_id,
        account_details,
        enable_payroll,
        dob,
        gender,
    } = fields
    else {
        return (None, issues);
    };
    let full = FullFields {
        email,
        first_name,
        last_name,
        tier,
        phone,
        worker_id: worker_id.flatten(),
        account_details: account_details.flatten(),
        enable_payroll: enable_payroll.unwrap_or(false),
        dob,
        gender: gender.flatten(),
    };
    (Some(full), issues)
}

/// The body as a JSON object, or the issue (at the empty path: the body as a
/// whole) saying why it is not one.
fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, Issue> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(other) => {
            let received = type_name(&other);
            Err(Issue::new("", Problem::NotObject { received }))
        }
        // Reading: unparsable JSON (also non-UTF-8 or an empty body) is a
        // body validation problem, reported like a schema violation.
        Err(error) => Err(Issue::new("", Problem::MalformedJson(error.to_string()))),
    }
}

fn validate(object: Map<String, Value>, kind: BodyKind, faults: &Faults) -> (Fields, Vec<Issue>) {
    let mut validator = Validator {
        kind,
        faults,
        issues: Vec::new(),
    };
    let mut fields = Fields::default();
    for (key, value) in object {
        validator.field(&mut fields, &key, value);
    }
    (fields, validator.issues)
}

struct Validator<'a> {
    kind: BodyKind,
    faults: &'a Faults,
    issues: Vec<Issue>,
}

impl Validator<'_> {
    fn field(&mut self, fields: &mut Fields, key: &str, value: Value) {
        match key {
            "email" => fields.email = self.email(value),
            "firstName" => fields.first_name = self.string(key, value),
            "lastName" => fields.last_name = self.string(key, value),
            "phone" => fields.phone = self.string(key, value),
            "tier" => fields.tier = self.string(key, value),
            "workerId" => fields.worker_id = self.worker_id(value),
            "accountDetails" => fields.account_details = self.account_details(value),
            "enablePayroll" => fields.enable_payroll = self.boolean(key, value),
            "dob" => fields.dob = self.dob(value),
            "gender" => fields.gender = self.gender(value),
            _ => self.unknown_key(key),
        }
    }

    fn refuse(&mut self, path: &str, problem: Problem) {
        self.issues.push(Issue::new(path, problem));
    }

    fn refuse_type<T>(&mut self, path: &str, expected: &'static str, value: &Value) -> Option<T> {
        let received = type_name(value);
        self.refuse(path, Problem::WrongType { expected, received });
        None
    }

    fn string(&mut self, path: &str, value: Value) -> Option<String> {
        match value {
            Value::String(text) => Some(text),
            other => self.refuse_type(path, "string", &other),
        }
    }

    fn boolean(&mut self, path: &str, value: Value) -> Option<bool> {
        match value {
            Value::Bool(flag) => Some(flag),
            // The bug: a lenient binder that parses boolean text.
            Value::String(text)
                if self.faults.has(Fault::EnablePayrollStringAccepted)
                    && matches!(text.as_str(), "true" | "false") =>
            {
                Some(text == "true")
            }
            other => self.refuse_type(path, "boolean", &other),
        }
    }

    fn email(&mut self, value: Value) -> Option<String> {
        let email = self.string("email", value)?;
        let unchecked = self.kind == BodyKind::Update && self.faults.has(Fault::AcceptsBadEmail);
        if unchecked || is_valid_email(&email) {
            Some(email)
        } else {
            self.refuse("email", Problem::InvalidEmail);
            None
        }
    }

    /// Only the PATCH schema types workerId as `string | null`; POST and PUT
    /// say string.
    fn worker_id(&mut self, value: Value) -> Option<Option<String>> {
        let nullable =
            self.kind == BodyKind::Update && !self.faults.has(Fault::WorkerIdNullRefused);
        match value {
            Value::Null if nullable => Some(None),
            Value::String(text) => Some(Some(text)),
            other => {
                let expected = if nullable { "string or null" } else { "string" };
                self.refuse_type("workerId", expected, &other)
            }
        }
    }

    fn account_details(&mut self, value: Value) -> Option<Option<Value>> {
        match value {
            Value::Null => Some(None),
            Value::Object(account) => self.bank_account(account).map(Some),
            other => self.refuse_type("accountDetails", "bank account object or null", &other),
        }
    }

    /// `anyOf` BankAccountUK / BankAccountEU, both closed objects of string
    /// values. A body naming a UK-only key (sortCode, accountNumber) is judged
    /// as UK, any other as EU, so that each issue can name a precise path.
    fn bank_account(&mut self, account: Map<String, Value>) -> Option<Value> {
        let is_uk = account.contains_key("sortCode") || account.contains_key("accountNumber");
        let (keys, variant) = if is_uk {
            (UK_ACCOUNT_KEYS, Account::Uk)
        } else {
            (EU_ACCOUNT_KEYS, Account::Eu)
        };
        let issues_before = self.issues.len();
        for &key in keys {
            let optional = key == "iban" && self.faults.has(Fault::AcceptsEuAccountMissingIban);
            if !account.contains_key(key) && !optional {
                self.refuse(
                    &format!("accountDetails.{key}"),
                    Problem::MissingFromAccount(variant),
                );
            }
        }
        let mut valid = Map::new();
        for (key, value) in account {
            let path = format!("accountDetails.{key}");
            if !keys.contains(&key.as_str()) {
                if !self.faults.has(Fault::AcceptsExtraAccountKey) {
                    self.refuse(&path, Problem::UnknownInAccount(variant));
                }
            } else if key == "sortCode"
                && self.faults.has(Fault::AcceptsNumericSortCode)
                && let Value::Number(number) = &value
            {
                // The bug: numbers coerced to text where a string is typed.
                valid.insert(key, Value::String(number.to_string()));
            } else if let Some(text) = self.string(&path, value) {
                valid.insert(key, Value::String(text));
            }
        }
        (self.issues.len() == issues_before).then_some(Value::Object(valid))
    }

    fn dob(&mut self, value: Value) -> Option<String> {
        // The bug: PATCH binds null like a missing key (an `Option<String>`
        // field of its model only).
        if value.is_null()
            && self.kind == BodyKind::Update
            && self.faults.has(Fault::DobNullIgnored)
        {
            return None;
        }
        let dob = self.string("dob", value)?;
        let pattern = if self.faults.has(Fault::DobPatternLoose) {
            &LOOSE_DOB_PATTERN
        } else {
            &DOB_PATTERN
        };
        if !pattern.is_match(&dob) {
            self.refuse("dob", Problem::DobNotIsoDate);
            return None;
        }
        let Ok(date) = NaiveDate::parse_from_str(&dob, "%Y-%m-%d") else {
            self.refuse("dob", Problem::DobNotCalendarDate);
            return None;
        };
        if date.year() < FIRST_DOB_YEAR && !self.faults.has(Fault::AcceptsOldDob) {
            self.refuse("dob", Problem::DobTooEarly);
            return None;
        }
        Some(dob)
    }

    fn gender(&mut self, value: Value) -> Option<Option<String>> {
        // The bug: the POST/PUT model binds the enum ignoring letter case.
        let any_case = self.kind != BodyKind::Update && self.faults.has(Fault::GenderAnyCase);
        let listed = match &value {
            Value::String(gender) if any_case => GENDERS
                .iter()
                .find(|listed| listed.eq_ignore_ascii_case(gender)),
            _ => None,
        };
        if let Some(listed) = listed {
            return Some(Some(listed.to_string()));
        }
        match value {
            Value::Null if !self.faults.has(Fault::GenderNullRefused) => Some(None),
            Value::String(gender)
                if GENDERS.contains(&gender.as_str())
                    || self.faults.has(Fault::AcceptsAnyGender) =>
            {
                Some(Some(gender))
            }
            Value::String(_) => {
                self.refuse("gender", Problem::GenderNotListed);
                None
            }
            other => self.refuse_type("gender", "'Female' | 'Male' | 'NonBinary' or null", &other),
        }
    }

    fn unknown_key(&mut self, key: &str) {
        if self.kind == BodyKind::Update && self.faults.has(Fault::AcceptsUnknownKeys) {
            return;
        }
        self.refuse(key, Problem::UnknownKey(key.to_string()));
    }
}

/// Both checks the docs give: `format: email` (here `email_address`, RFC
/// 5322) and the OpenAPI pattern.
fn is_valid_email(email: &str) -> bool {
    EmailAddress::is_valid(email) && EMAIL_PATTERN.is_match(email)
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_needs_both_the_format_and_the_pattern() {
        assert!(is_valid_email("jsmith@example.com"));
        assert!(is_valid_email("first.last+tag@sub.example.co.uk"));
        // The pattern wants a dotted domain; RFC 5322 does not.
        assert!(EmailAddress::is_valid("user@localhost"));
        assert!(!is_valid_email("user@localhost"));
        // The pattern allows a domain label starting with '-'; RFC 5321 does not.
        assert!(EMAIL_PATTERN.is_match("user@-example.com"));
        assert!(!is_valid_email("user@-example.com"));
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@b",
            "a b@example.com",
            "a@@example.com",
        ] {
            assert!(!is_valid_email(bad), "{bad:?} should be refused");
        }
    }

    #[test]
    fn dob_digits_are_ascii_only() {
        assert!(DOB_PATTERN.is_match("1990-01-01"));
        // Arabic-Indic digits match Rust's Unicode `\d` but not the pattern.
        assert!(!DOB_PATTERN.is_match("١٩٩٠-01-01"));
    }
}
