//! The in-memory member store and the JSON view GET returns.
use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use uuid::Uuid;

/// Existence is "determined by the combination of MemberCode and PartnerGUID".
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct MemberKey {
    pub partner: Uuid,
    pub code: String,
}

impl MemberKey {
    /// The GUID as the docs print it (upper-case, hyphenated).
    pub fn partner_text(&self) -> String {
        guid_text(self.partner)
    }
}

pub fn guid_text(guid: Uuid) -> String {
    guid.hyphenated().to_string().to_uppercase()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub id: u32,
    pub value: Option<String>,
}

/// Answers per QuestionID. A stored member never holds an empty list; in a
/// [`Patch`] an empty list means "remove this question's answer".
pub type Answers = BTreeMap<u32, Vec<Answer>>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub is_active: bool,
    pub is_test: bool,
    pub regulated: bool,
    pub email: Option<String>,
    /// Kept as text (zero-padded `MM/DD/YYYY` once validated) so GET can echo it.
    pub birth_date: Option<String>,
    pub postal_code: Option<String>,
    pub answers: Answers,
}

impl Default for Member {
    /// The documented defaults: IsActive TRUE, IsTest FALSE, unregulated.
    fn default() -> Self {
        Member {
            is_active: true,
            is_test: false,
            regulated: false,
            email: None,
            birth_date: None,
            postal_code: None,
            answers: Answers::new(),
        }
    }
}

/// The validated properties of one request; `None` means "not supplied".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Patch {
    pub is_active: Option<bool>,
    pub is_test: Option<bool>,
    pub regulate: Option<bool>,
    pub email: Option<String>,
    pub birth_date: Option<String>,
    pub postal_code: Option<String>,
    pub answers: Option<Answers>,
}

impl Member {
    /// Partial update: only what the patch carries changes.
    pub fn apply(&mut self, patch: &Patch) {
        if let Some(active) = patch.is_active {
            self.is_active = active;
        }
        if let Some(test) = patch.is_test {
            self.is_test = test;
        }
        if let Some(email) = &patch.email {
            self.email = Some(email.clone());
        }
        if let Some(date) = &patch.birth_date {
            self.birth_date = Some(date.clone());
        }
        if let Some(code) = &patch.postal_code {
            self.postal_code = Some(code.clone());
        }
        if let Some(answers) = &patch.answers {
            self.merge_answers(answers);
        }
        // Applied last so that data sent along with the regulation request is
        // erased too. `false` is a no-op: regulation is irreversible.
        if patch.regulate == Some(true) {
            self.regulate();
        }
    }

    /// Questions the update names are replaced; the others stay.
    fn merge_answers(&mut self, update: &Answers) {
        for (question, answers) in update {
            if answers.is_empty() {
                self.answers.remove(question);
            } else {
                self.answers.insert(*question, answers.clone());
            }
        }
    }

    /// "Toluna removes all data points connected to a member's profile."
    fn regulate(&mut self) {
        self.regulated = true;
        self.email = None;
        self.birth_date = None;
        self.postal_code = None;
        self.answers.clear();
    }

    /// Back to a freshly added member's state, keeping regulation.
    pub fn reset_optional(&mut self) {
        *self = Member {
            regulated: self.regulated,
            ..Member::default()
        };
    }
}

/// The members by pair, with the partners of each MemberCode so that a
/// lookup costs the same however many members earlier requests added.
#[derive(Debug, Default)]
pub struct Store {
    members: BTreeMap<MemberKey, Member>,
    partners_by_code: HashMap<String, BTreeSet<Uuid>>,
}

impl Store {
    pub fn with_members(members: impl IntoIterator<Item = (MemberKey, Member)>) -> Store {
        let mut store = Store::default();
        for (key, member) in members {
            store.insert(key, member);
        }
        store
    }

    /// Whether the pair exists at all, regulated or not.
    pub fn contains(&self, key: &MemberKey) -> bool {
        self.members.contains_key(key)
    }

    pub fn insert(&mut self, key: MemberKey, member: Member) {
        self.partners_by_code
            .entry(key.code.clone())
            .or_default()
            .insert(key.partner);
        self.members.insert(key, member);
    }

    /// The first member (in key order) with MemberCode `code`, of `partner`
    /// when one is given, that `matches` accepts.
    pub fn find_mut(
        &mut self,
        code: &str,
        partner: Option<Uuid>,
        matches: impl Fn(&Member) -> bool,
    ) -> Option<(&MemberKey, &mut Member)> {
        let partners = self.partners_by_code.get(code)?;
        let key = partners
            .iter()
            .filter(|p| partner.is_none_or(|wanted| **p == wanted))
            .map(|p| MemberKey {
                partner: *p,
                code: code.to_string(),
            })
            .find(|key| self.members.get(key).is_some_and(&matches))?;
        self.members.range_mut(key.clone()..=key).next()
    }
}

/// GET's documented body. Email is stored but never returned: the documented
/// body has no Email.
#[derive(Debug, Serialize)]
pub struct MemberView {
    #[serde(rename = "PartnerGUID")]
    partner_guid: String,
    #[serde(rename = "MemberCode")]
    member_code: String,
    #[serde(rename = "IsActive")]
    is_active: bool,
    #[serde(rename = "BirthDate")]
    birth_date: Option<String>,
    #[serde(rename = "PostalCode")]
    postal_code: Option<String>,
    #[serde(rename = "IsTest")]
    is_test: bool,
    #[serde(rename = "IsPIIDataRegulated")]
    is_pii_data_regulated: bool,
    #[serde(rename = "AnsweredQuestions")]
    answered_questions: Vec<AnsweredQuestion>,
    #[serde(rename = "RegistrationAnswers")]
    registration_answers: Vec<RegistrationAnswer>,
}

#[derive(Debug, Serialize)]
struct AnsweredQuestion {
    #[serde(rename = "QuestionID")]
    question_id: u32,
    #[serde(rename = "AnswerID")]
    answer_id: u32,
}

#[derive(Debug, Serialize)]
struct RegistrationAnswer {
    #[serde(rename = "QuestionID")]
    question_id: u32,
    #[serde(rename = "Answers")]
    answers: Vec<AnswerView>,
}

#[derive(Debug, Serialize)]
struct AnswerView {
    #[serde(rename = "AnswerID")]
    answer_id: u32,
    #[serde(rename = "AnswerValue")]
    answer_value: Option<String>,
}

impl MemberView {
    /// The view with both answer lists empty.
    pub fn without_answers(self) -> MemberView {
        MemberView {
            answered_questions: Vec::new(),
            registration_answers: Vec::new(),
            ..self
        }
    }

    /// "AnsweredQuestions and RegistrationAnswers will contain the same member
    /// responses": AnsweredQuestions, being single-select, shows each
    /// question's first answer. Both are ordered by QuestionID.
    pub fn new(key: &MemberKey, member: &Member) -> MemberView {
        let answered_questions = member
            .answers
            .iter()
            .filter_map(|(question, answers)| {
                answers.first().map(|answer| AnsweredQuestion {
                    question_id: *question,
                    answer_id: answer.id,
                })
            })
            .collect();
        let registration_answers = member
            .answers
            .iter()
            .map(|(question, answers)| RegistrationAnswer {
                question_id: *question,
                answers: answers
                    .iter()
                    .map(|answer| AnswerView {
                        answer_id: answer.id,
                        answer_value: answer.value.clone(),
                    })
                    .collect(),
            })
            .collect();
        MemberView {
            partner_guid: key.partner_text(),
            member_code: key.code.clone(),
            is_active: member.is_active,
            birth_date: member.birth_date.clone(),
            postal_code: member.postal_code.clone(),
            is_test: member.is_test,
            is_pii_data_regulated: member.regulated,
            answered_questions,
            registration_answers,
        }
    }
}
