//! Every error message the Toluna server answers with, as data, and its
//! text in each [`Wording`]. The docs fix none of these words: their one
//! example body (GET's 400, `"No member found with member code X and
//! partner Guid Y"`) is an example, and they say only that 400 and 409
//! bodies "contain additional details". So under `other-wording` each
//! message keeps its details (the property, the pair) in other words.

use super::store::MemberKey;
use crate::reference::reading::Wording;

/// Why one property (or query parameter) was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Required,
    NotString,
    /// A string that is not a GUID.
    NotGuid,
    /// Neither a string nor a GUID.
    NotGuidString,
    EmptyGuid,
    Blank,
    TooLong {
        max: usize,
    },
    NotBoolean,
    NotEmail,
    NotDate,
    NotList,
    NotObject,
    NotPositive,
    NotId {
        max: i32,
    },
    AnswerIdMissing,
    RegulatedOnAdd,
}

/// A refused property: where (`RegistrationAnswers[0].Answers[1].AnswerID`)
/// and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub path: String,
    pub rule: Rule,
}

impl Invalid {
    pub fn new(path: impl Into<String>, rule: Rule) -> Invalid {
        Invalid {
            path: path.into(),
            rule,
        }
    }

    pub fn text(&self, wording: Wording) -> String {
        let path = &self.path;
        match (wording, self.rule) {
            (Wording::Docs, Rule::Required) => format!("{path} is required"),
            (Wording::Other, Rule::Required) => format!("{path} is missing"),
            (Wording::Docs, Rule::NotString) => format!("{path} must be a string"),
            (Wording::Other, Rule::NotString) => format!("{path}: a string was expected"),
            (Wording::Docs, Rule::NotGuid) => {
                format!("{path} must be a GUID such as 93A6D55C-D4E7-49FC-8D68-671165ADE463")
            }
            (Wording::Other, Rule::NotGuid) => format!("{path} is not a well-formed GUID"),
            (Wording::Docs, Rule::NotGuidString) => {
                format!("{path} must be a string holding a GUID")
            }
            (Wording::Other, Rule::NotGuidString) => {
                format!("{path}: a GUID, written as a string, was expected")
            }
            (Wording::Docs, Rule::EmptyGuid) => format!("{path} must not be the empty GUID"),
            (Wording::Other, Rule::EmptyGuid) => {
                format!("{path} may not be 00000000-0000-0000-0000-000000000000")
            }
            (Wording::Docs, Rule::Blank) => format!("{path} must not be empty"),
            (Wording::Other, Rule::Blank) => format!("{path} is blank"),
            (Wording::Docs, Rule::TooLong { max }) => {
                format!("{path} must be at most {max} characters")
            }
            (Wording::Other, Rule::TooLong { max }) => {
                format!("{path} is longer than the {max} characters allowed")
            }
            (Wording::Docs, Rule::NotBoolean) => format!("{path} must be true or false"),
            (Wording::Other, Rule::NotBoolean) => format!("{path} is not a boolean"),
            (Wording::Docs, Rule::NotEmail) => format!("{path} must be a valid email address"),
            (Wording::Other, Rule::NotEmail) => format!("{path} is not an email address"),
            (Wording::Docs, Rule::NotDate) => {
                format!("{path} must be a real date in MM/DD/YYYY format")
            }
            (Wording::Other, Rule::NotDate) => {
                format!("{path} is no calendar day written MM/DD/YYYY")
            }
            (Wording::Docs, Rule::NotList) => format!("{path} must be a list of objects"),
            (Wording::Other, Rule::NotList) => format!("{path}: an array was expected"),
            (Wording::Docs, Rule::NotObject) => format!("{path} must be an object"),
            (Wording::Other, Rule::NotObject) => format!("{path}: a JSON object was expected"),
            (Wording::Docs, Rule::NotPositive) => format!("{path} must be a positive integer"),
            (Wording::Other, Rule::NotPositive) => format!("{path} may not be 0"),
            (Wording::Docs, Rule::NotId { max }) => {
                format!("{path} must be an integer from 0 to {max}")
            }
            (Wording::Other, Rule::NotId { max }) => {
                format!("{path} is no whole number in 0..={max}")
            }
            (Wording::Docs, Rule::AnswerIdMissing) => {
                format!("{path} is required: AnswerValue must always be accompanied by an AnswerID")
            }
            (Wording::Other, Rule::AnswerIdMissing) => {
                format!("{path} is missing; every AnswerValue needs its AnswerID")
            }
            (Wording::Docs, Rule::RegulatedOnAdd) => format!(
                "{path} cannot be true when adding: all members are created in an unregulated state"
            ),
            (Wording::Other, Rule::RegulatedOnAdd) => {
                format!("{path}=true is not allowed on add; new members start unregulated")
            }
        }
    }
}

/// Why a body is not a JSON object at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyProblem {
    Empty,
    NotObject,
    /// The JSON reader's own words on where it stopped.
    NotJson(String),
}

/// The `Message` of an error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// GET's documented 400 (the docs' example wording), also PUT's 404.
    NoMemberFound(MemberKey),
    AlreadyExists(MemberKey),
    Invalid(Vec<Invalid>),
    Query(Invalid),
    Body(BodyProblem),
    /// The body could not be read (too large, or the connection failed).
    Unreadable(String),
    AcceptV2,
    Internal,
}

impl Message {
    pub fn text(&self, wording: Wording) -> String {
        match (wording, self) {
            (Wording::Docs, Message::NoMemberFound(key)) => format!(
                "No member found with member code {} and partner Guid {}",
                key.code,
                key.partner_text()
            ),
            (Wording::Other, Message::NoMemberFound(key)) => format!(
                "Unknown member: MemberCode {}, PartnerGUID {}",
                key.code,
                key.partner_text()
            ),
            (Wording::Docs, Message::AlreadyExists(key)) => format!(
                "Member with member code {} and partner Guid {} already exists",
                key.code,
                key.partner_text()
            ),
            (Wording::Other, Message::AlreadyExists(key)) => format!(
                "Conflict: MemberCode {} is already registered for PartnerGUID {}",
                key.code,
                key.partner_text()
            ),
            (Wording::Docs, Message::Invalid(errors)) => {
                format!("The request is invalid: {}", joined(errors, wording))
            }
            (Wording::Other, Message::Invalid(errors)) => {
                format!("Validation failed: {}", joined(errors, wording))
            }
            (Wording::Docs, Message::Query(error)) if error.rule == Rule::Required => {
                format!("The {} query parameter is required", error.path)
            }
            (Wording::Docs, Message::Query(error)) => error.text(wording),
            (Wording::Other, Message::Query(error)) => {
                format!("Bad query string: {}", error.text(wording))
            }
            (Wording::Docs, Message::Body(BodyProblem::Empty)) => {
                "The request body is empty; it must be a JSON object".into()
            }
            (Wording::Other, Message::Body(BodyProblem::Empty)) => {
                "Nothing was sent; a JSON object is expected".into()
            }
            (Wording::Docs, Message::Body(BodyProblem::NotObject)) => {
                "The request body must be a JSON object".into()
            }
            (Wording::Other, Message::Body(BodyProblem::NotObject)) => {
                "Expected a JSON object as the body".into()
            }
            (Wording::Docs, Message::Body(BodyProblem::NotJson(why))) => {
                format!("The request body is not valid JSON: {why}")
            }
            (Wording::Other, Message::Body(BodyProblem::NotJson(why))) => {
                format!("Unparsable JSON ({why})")
            }
            (Wording::Docs, Message::Unreadable(why)) => {
                format!("The request body could not be read: {why}")
            }
            (Wording::Other, Message::Unreadable(why)) => {
                format!("Reading the body failed ({why})")
            }
            (Wording::Docs, Message::AcceptV2) => {
                "The Accept header must be application/json;version=2.0".into()
            }
            (Wording::Other, Message::AcceptV2) => {
                "Unsupported API version; send Accept: application/json;version=2.0".into()
            }
            (Wording::Docs, Message::Internal) => "An error has occurred.".into(),
            (Wording::Other, Message::Internal) => "Internal failure.".into(),
        }
    }
}

fn joined(errors: &[Invalid], wording: Wording) -> String {
    errors
        .iter()
        .map(|error| error.text(wording))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::reference::reading::testing::assert_all_reworded;

    /// Each message in both wordings, from a value of each variant. The
    /// matches make a new variant a compile error here until it has a value.
    fn both_wordings() -> Vec<(String, String)> {
        let rules = [
            Rule::Required,
            Rule::NotString,
            Rule::NotGuid,
            Rule::NotGuidString,
            Rule::EmptyGuid,
            Rule::Blank,
            Rule::TooLong { max: 256 },
            Rule::NotBoolean,
            Rule::NotEmail,
            Rule::NotDate,
            Rule::NotList,
            Rule::NotObject,
            Rule::NotPositive,
            Rule::NotId { max: i32::MAX },
            Rule::AnswerIdMissing,
            Rule::RegulatedOnAdd,
        ];
        for rule in rules {
            match rule {
                Rule::Required
                | Rule::NotString
                | Rule::NotGuid
                | Rule::NotGuidString
                | Rule::EmptyGuid
                | Rule::Blank
                | Rule::TooLong { .. }
                | Rule::NotBoolean
                | Rule::NotEmail
                | Rule::NotDate
                | Rule::NotList
                | Rule::NotObject
                | Rule::NotPositive
                | Rule::NotId { .. }
                | Rule::AnswerIdMissing
                | Rule::RegulatedOnAdd => {}
            }
        }
        let key = MemberKey {
            partner: Uuid::from_u128(0x93A6D55C_D4E7_49FC_8D68_671165ADE463),
            code: "AUniquePartnerCode".into(),
        };
        let mut messages: Vec<Message> = rules
            .iter()
            .map(|&rule| Message::Invalid(vec![Invalid::new("Email", rule)]))
            .collect();
        messages.extend(
            rules
                .iter()
                .map(|&rule| Message::Query(Invalid::new("memberCode", rule))),
        );
        messages.extend([
            Message::NoMemberFound(key.clone()),
            Message::AlreadyExists(key),
            Message::Body(BodyProblem::Empty),
            Message::Body(BodyProblem::NotObject),
            Message::Body(BodyProblem::NotJson("EOF at line 1 column 5".into())),
            Message::Unreadable("length limit exceeded".into()),
            Message::AcceptV2,
            Message::Internal,
        ]);
        for message in &messages {
            match message {
                Message::NoMemberFound(_)
                | Message::AlreadyExists(_)
                | Message::Invalid(_)
                | Message::Query(_)
                | Message::Body(_)
                | Message::Unreadable(_)
                | Message::AcceptV2
                | Message::Internal => {}
            }
        }
        messages
            .iter()
            .map(|message| (message.text(Wording::Docs), message.text(Wording::Other)))
            .collect()
    }

    #[test]
    fn every_message_has_other_words() {
        assert_all_reworded(both_wordings());
    }

    #[test]
    fn the_docs_example_wording_is_gone_from_the_other() {
        let key = MemberKey {
            partner: Uuid::from_u128(1),
            code: "X".into(),
        };
        let docs = Message::NoMemberFound(key.clone()).text(Wording::Docs);
        assert_eq!(
            docs,
            "No member found with member code X and partner Guid 00000000-0000-0000-0000-000000000001"
        );
        let other = Message::NoMemberFound(key).text(Wording::Other);
        assert!(!other.to_lowercase().contains("no member found"), "{other}");
        // The details stay: which pair was not found.
        assert!(other.contains('X') && other.contains("00000000-0000-0000-0000-000000000001"));
    }
}
