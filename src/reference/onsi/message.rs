//! Every error message the Onsi server answers with, as data, and its text
//! in each [`Wording`]. Onsi's docs fix the error codes and shapes, never
//! the words ("clients must branch on `code`, never on `message`"), so under
//! `other-wording` every `message` and `issues[].message` says the same
//! thing otherwise; codes and paths do not change.

use super::member::Status;
use crate::reference::reading::Wording;

/// Which schema a bank account was judged against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Account {
    Uk,
    Eu,
}

impl Account {
    fn name(self) -> &'static str {
        match self {
            Account::Uk => "a UK bank account",
            Account::Eu => "an EU bank account",
        }
    }
}

/// Why one field (or header, path or query parameter) was refused: the
/// `message` of an issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Required,
    /// `expected` is a type as the schema states it (`string or null`).
    WrongType {
        expected: &'static str,
        received: &'static str,
    },
    /// The body as a whole is JSON of another type.
    NotObject {
        received: &'static str,
    },
    /// The JSON reader's own words on where it stopped.
    MalformedJson(String),
    InvalidEmail,
    MissingFromAccount(Account),
    UnknownInAccount(Account),
    DobNotIsoDate,
    DobNotCalendarDate,
    DobTooEarly,
    GenderNotListed,
    UnknownKey(String),
    UnknownStatus(String),
    NotCount(String),
    RepeatedCount,
    ApiKeyRequired,
    /// axum's own words on a path it could not read.
    BadPath(String),
}

impl Problem {
    pub fn text(&self, wording: Wording) -> String {
        use Wording::{Docs, Other};
        match (wording, self) {
            (Docs, Problem::Required) => "Required".into(),
            (Other, Problem::Required) => "Missing".into(),
            (Docs, Problem::WrongType { expected, received }) => {
                format!("Expected {expected}, received {received}")
            }
            (Other, Problem::WrongType { expected, received }) => {
                format!("A {received} was given where {expected} is needed")
            }
            (Docs, Problem::NotObject { received }) => {
                format!("Expected object, received {received}")
            }
            (Other, Problem::NotObject { received }) => {
                format!("The body must be a JSON object, not {received}")
            }
            (Docs, Problem::MalformedJson(why)) => format!("Malformed JSON body: {why}"),
            (Other, Problem::MalformedJson(why)) => format!("Unparsable JSON ({why})"),
            (Docs, Problem::InvalidEmail) => "Invalid email".into(),
            (Other, Problem::InvalidEmail) => "Not an email address".into(),
            (Docs, Problem::MissingFromAccount(account)) => {
                format!("Required in {}", account.name())
            }
            (Other, Problem::MissingFromAccount(account)) => {
                format!("Missing from {}", account.name())
            }
            (Docs, Problem::UnknownInAccount(account)) => {
                format!("Unrecognized key in {}", account.name())
            }
            (Other, Problem::UnknownInAccount(account)) => {
                format!("Not a field of {}", account.name())
            }
            (Docs, Problem::DobNotIsoDate) => "Expected a date as YYYY-MM-DD".into(),
            (Other, Problem::DobNotIsoDate) => "Dates are written YYYY-MM-DD".into(),
            (Docs, Problem::DobNotCalendarDate) => "Not a calendar date".into(),
            (Other, Problem::DobNotCalendarDate) => "No such day".into(),
            (Docs, Problem::DobTooEarly) => "Date of birth must be later than 1900".into(),
            (Other, Problem::DobTooEarly) => "Birth years start at 1901".into(),
            (Docs, Problem::GenderNotListed) => "Expected 'Female' | 'Male' | 'NonBinary'".into(),
            (Other, Problem::GenderNotListed) => "Gender is one of Female, Male, NonBinary".into(),
            (Docs, Problem::UnknownKey(key)) => format!("Unrecognized key '{key}'"),
            (Other, Problem::UnknownKey(key)) => format!("'{key}' is not a field of this body"),
            (Docs, Problem::UnknownStatus(value)) => {
                format!("Invalid status '{value}'; expected active, invited or inactive")
            }
            (Other, Problem::UnknownStatus(value)) => {
                format!("'{value}' is none of the statuses active, invited, inactive")
            }
            (Docs, Problem::NotCount(value)) => {
                format!("Expected a non-negative whole number, received '{value}'")
            }
            (Other, Problem::NotCount(value)) => format!("'{value}' is not a count (0, 1, 2, ...)"),
            (Docs, Problem::RepeatedCount) => "Expected a single value".into(),
            (Other, Problem::RepeatedCount) => "Given more than once".into(),
            (Docs, Problem::ApiKeyRequired) => "x-api-key header is required".into(),
            (Other, Problem::ApiKeyRequired) => "No x-api-key header was sent".into(),
            (Docs, Problem::BadPath(why)) => why.clone(),
            // axum's words would give the default wording away.
            (Other, Problem::BadPath(_)) => "The member id in the path could not be read".into(),
        }
    }
}

/// A rule a schema-valid body broke, given the stored members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Broken {
    UnknownTier(String),
    EmailLocked(Status),
    EmailTaken(String),
    WorkerIdTaken(String),
}

impl Broken {
    pub fn text(&self, wording: Wording) -> String {
        use Wording::{Docs, Other};
        match (wording, self) {
            (Docs, Broken::UnknownTier(tier)) => format!("Unknown tier '{tier}'"),
            (Other, Broken::UnknownTier(tier)) => {
                format!("Tier '{tier}' is not offered on this account")
            }
            (Docs, Broken::EmailLocked(status)) => format!(
                "Email can only be changed while the member is invited; member is {}",
                status.as_str()
            ),
            (Other, Broken::EmailLocked(status)) => format!(
                "The email of a member that is {} is locked (only invited members may change it)",
                status.as_str()
            ),
            (Docs, Broken::EmailTaken(email)) => {
                format!("Email {email} is already used by another member")
            }
            (Other, Broken::EmailTaken(email)) => format!("Another member has the email {email}"),
            (Docs, Broken::WorkerIdTaken(id)) => {
                format!("workerId {id} is already used by another member")
            }
            (Other, Broken::WorkerIdTaken(id)) => format!("Another member has the workerId {id}"),
        }
    }
}

/// The top-level `message` of an error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    HeadersInvalid,
    KeyRefused,
    PathInvalid,
    QueryInvalid,
    BodyInvalid,
    PayloadInvalid,
    AddRule(Broken),
    AlreadyInvited(String),
    UpdateRules(Vec<Broken>),
    MemberNotFound,
    /// axum's own words on a body it could not read.
    BodyUnreadable(String),
    Internal,
    NoRoute,
    MethodNotAllowed,
}

impl Message {
    pub fn text(&self, wording: Wording) -> String {
        use Wording::{Docs, Other};
        match (wording, self) {
            (Docs, Message::HeadersInvalid) => "Invalid request headers".into(),
            (Other, Message::HeadersInvalid) => "The request headers failed validation".into(),
            (Docs, Message::KeyRefused) => "Invalid API key".into(),
            (Other, Message::KeyRefused) => "This API key is not allowed".into(),
            (Docs, Message::PathInvalid) => "Invalid path parameters".into(),
            (Other, Message::PathInvalid) => "The path parameters failed validation".into(),
            (Docs, Message::QueryInvalid) => "Invalid query parameters".into(),
            (Other, Message::QueryInvalid) => "The query parameters failed validation".into(),
            (Docs, Message::BodyInvalid) => "Invalid request body".into(),
            (Other, Message::BodyInvalid) => "The request body failed validation".into(),
            (Docs, Message::PayloadInvalid) => "Invalid member payload".into(),
            (Other, Message::PayloadInvalid) => "The new member failed validation".into(),
            (_, Message::AddRule(broken)) => broken.text(wording),
            (Docs, Message::AlreadyInvited(email)) => {
                format!("A member with email {email} already exists")
            }
            (Other, Message::AlreadyInvited(email)) => {
                format!("{email} has been invited already")
            }
            (_, Message::UpdateRules(broken)) => broken
                .iter()
                .map(|b| b.text(wording))
                .collect::<Vec<_>>()
                .join("; "),
            (Docs, Message::MemberNotFound) => "Member not found".into(),
            (Other, Message::MemberNotFound) => "There is no member with this id".into(),
            (Docs, Message::BodyUnreadable(why)) => why.clone(),
            (Other, Message::BodyUnreadable(_)) => "The body was not read in full".into(),
            (Docs, Message::Internal) => "Internal server error".into(),
            (Other, Message::Internal) => "Something failed on our side".into(),
            (Docs, Message::NoRoute) => "Not found".into(),
            (Other, Message::NoRoute) => "No route matches this path".into(),
            (Docs, Message::MethodNotAllowed) => "Method not allowed".into(),
            (Other, Message::MethodNotAllowed) => "This method is not supported here".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::reading::testing::assert_all_reworded;

    /// Each message, problem and rule in both wordings, from a value of
    /// each variant. The matches make a new variant a compile error here
    /// until it has a value.
    fn both_wordings() -> Vec<(String, String)> {
        fn sampled(message: &Message) {
            match message {
                Message::HeadersInvalid
                | Message::KeyRefused
                | Message::PathInvalid
                | Message::QueryInvalid
                | Message::BodyInvalid
                | Message::PayloadInvalid
                | Message::AddRule(_)
                | Message::AlreadyInvited(_)
                | Message::UpdateRules(_)
                | Message::MemberNotFound
                | Message::BodyUnreadable(_)
                | Message::Internal
                | Message::NoRoute
                | Message::MethodNotAllowed => {}
            }
        }
        let broken = [
            Broken::UnknownTier("Tin".into()),
            Broken::EmailLocked(Status::Active),
            Broken::EmailTaken("a@example.com".into()),
            Broken::WorkerIdTaken("W-1".into()),
        ];
        for broken in &broken {
            match broken {
                Broken::UnknownTier(_)
                | Broken::EmailLocked(_)
                | Broken::EmailTaken(_)
                | Broken::WorkerIdTaken(_) => {}
            }
        }
        let messages = [
            Message::HeadersInvalid,
            Message::KeyRefused,
            Message::PathInvalid,
            Message::QueryInvalid,
            Message::BodyInvalid,
            Message::PayloadInvalid,
            Message::AddRule(broken[0].clone()),
            Message::AlreadyInvited("a@example.com".into()),
            Message::UpdateRules(broken.to_vec()),
            Message::MemberNotFound,
            Message::BodyUnreadable("length limit exceeded".into()),
            Message::Internal,
            Message::NoRoute,
            Message::MethodNotAllowed,
        ];
        messages.iter().for_each(sampled);
        let problems = [
            Problem::Required,
            Problem::WrongType {
                expected: "string",
                received: "number",
            },
            Problem::NotObject { received: "array" },
            Problem::MalformedJson("EOF at line 1 column 5".into()),
            Problem::InvalidEmail,
            Problem::MissingFromAccount(Account::Uk),
            Problem::UnknownInAccount(Account::Eu),
            Problem::DobNotIsoDate,
            Problem::DobNotCalendarDate,
            Problem::DobTooEarly,
            Problem::GenderNotListed,
            Problem::UnknownKey("colour".into()),
            Problem::UnknownStatus("gone".into()),
            Problem::NotCount("x".into()),
            Problem::RepeatedCount,
            Problem::ApiKeyRequired,
            Problem::BadPath("Invalid URL".into()),
        ];
        for problem in &problems {
            match problem {
                Problem::Required
                | Problem::WrongType { .. }
                | Problem::NotObject { .. }
                | Problem::MalformedJson(_)
                | Problem::InvalidEmail
                | Problem::MissingFromAccount(_)
                | Problem::UnknownInAccount(_)
                | Problem::DobNotIsoDate
                | Problem::DobNotCalendarDate
                | Problem::DobTooEarly
                | Problem::GenderNotListed
                | Problem::UnknownKey(_)
                | Problem::UnknownStatus(_)
                | Problem::NotCount(_)
                | Problem::RepeatedCount
                | Problem::ApiKeyRequired
                | Problem::BadPath(_) => {}
            }
        }
        let texts = |wording| {
            let messages = messages.iter().map(move |m| m.text(wording));
            let problems = problems.iter().map(move |p| p.text(wording));
            let broken = broken.iter().map(move |b| b.text(wording));
            messages.chain(problems).chain(broken).collect::<Vec<_>>()
        };
        texts(Wording::Docs)
            .into_iter()
            .zip(texts(Wording::Other))
            .collect()
    }

    #[test]
    fn every_message_has_other_words() {
        assert_all_reworded(both_wordings());
    }
}
