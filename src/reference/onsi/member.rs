//! The Member record and its JSON form.

use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::Fault;
use super::body::{Fields, FullFields};
use crate::reference::Faults;

/// The docs' example member, seeded as the one `active` member: no API call
/// can make a member active (POST invites), so cases about active members use it.
pub const SEED_ACTIVE_MEMBER_ID: &str = "mem_q5sdae3se6eg9m9dcvug";

/// Reading: tiers are per account ("a group within the platform that
/// members can be assigned to"), listed by `GET /v1/tiers`, and the docs name
/// only the example Gold. This server's account offers three, in this order,
/// so that a member can be moved from one tier to another (POST, PATCH and
/// PUT take any of them); a tier not listed is refused.
pub const TIERS: [&str; 3] = ["Gold", "Silver", "Bronze"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Active,
    Invited,
    Inactive,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Invited => "invited",
            Status::Inactive => "inactive",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        [Status::Active, Status::Invited, Status::Inactive]
            .into_iter()
            .find(|status| status.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub phone: Option<String>,
    pub tier: String,
    pub worker_id: Option<String>,
    pub status: Status,
    /// Already validated as a UK or EU bank account object.
    pub account_details: Option<Value>,
    pub enable_payroll: bool,
    pub dob: Option<String>,
    pub gender: Option<String>,
}

impl Member {
    pub fn seed() -> Member {
        Member {
            id: SEED_ACTIVE_MEMBER_ID.to_string(),
            email: "jsmith@example.com".to_string(),
            first_name: "John".to_string(),
            last_name: "Smith".to_string(),
            phone: Some("+447123456789".to_string()),
            tier: "Gold".to_string(),
            worker_id: Some("ID_123".to_string()),
            status: Status::Active,
            account_details: Some(json!({
                "accountHolder": "John Smith",
                "sortCode": "123456",
                "accountNumber": "12345678",
            })),
            enable_payroll: true,
            dob: Some("1990-01-01".to_string()),
            gender: Some("Female".to_string()),
        }
    }

    /// A member created by POST: always `invited`.
    pub fn invited(id: String, fields: FullFields) -> Member {
        Member {
            id,
            email: fields.email,
            first_name: fields.first_name,
            last_name: fields.last_name,
            phone: fields.phone,
            tier: fields.tier,
            worker_id: fields.worker_id,
            status: Status::Invited,
            account_details: fields.account_details,
            enable_payroll: fields.enable_payroll,
            dob: fields.dob,
            gender: fields.gender,
        }
    }

    /// PUT: every field is replaced, omitted optional ones become null/false.
    /// Reading: the docs say PUT "re-activates" an inactive member, so it
    /// becomes `active`; invited and active members keep their status.
    pub fn replace(&mut self, fields: FullFields, faults: &Faults) {
        let status = match self.status {
            // The bug copies the status over with the rest of the old member.
            Status::Inactive if !faults.has(Fault::PutKeepsInactive) => Status::Active,
            other => other,
        };
        *self = Member {
            status,
            ..Member::invited(self.id.clone(), fields)
        };
    }

    /// PATCH: only the fields the body carried change.
    pub fn patch(&mut self, fields: Fields, faults: &Faults) {
        if faults.has(Fault::PatchResetsOmitted) {
            self.phone = None;
            self.worker_id = None;
            self.account_details = None;
            self.enable_payroll = false;
            self.dob = None;
            self.gender = None;
        }
        let Fields {
            email,
            first_name,
            last_name,
            phone,
            tier,
            worker_id,
            account_details,
            enable_payroll,
            dob,
            gender,
        } = fields;
        set(&mut self.email, email);
        set(&mut self.first_name, first_name);
        set(&mut self.last_name, last_name);
        set(&mut self.phone, phone.map(Some));
        set(&mut self.tier, tier);
        set(&mut self.worker_id, worker_id);
        set(&mut self.account_details, account_details);
        set(&mut self.enable_payroll, enable_payroll);
        set(&mut self.dob, dob.map(Some));
        set(&mut self.gender, gender);
    }

    pub fn to_json(&self, faults: &Faults) -> Value {
        let mut object = Map::new();
        object.insert("email".into(), json!(self.email));
        object.insert("memberId".into(), json!(self.id));
        object.insert("firstName".into(), json!(self.first_name));
        object.insert("lastName".into(), json!(self.last_name));
        object.insert("phone".into(), json!(self.phone));
        object.insert("tier".into(), json!(self.tier));
        object.insert("workerId".into(), json!(self.worker_id));
        object.insert("status".into(), json!(self.status.as_str()));
        object.insert("accountDetails".into(), json!(self.account_details));
        object.insert("enablePayroll".into(), json!(self.enable_payroll));
        if self.dob.is_some() || !faults.has(Fault::MemberMissingDobKey) {
            object.insert("dob".into(), json!(self.dob));
        }
        // Reading: the schema makes gender optional; this server always sends
        // it, null when unset, like the other nullable fields.
        object.insert("gender".into(), json!(self.gender));
        Value::Object(object)
    }
}

fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *slot = value;
    }
}

/// The answer of the `onsi-unknown-member-200` fault: a Member-shaped body
/// whose fields are empty.
pub fn blank_member_json(id: &str) -> Value {
    json!({
        "email": "",
        "memberId": id,
        "firstName": "",
        "lastName": "",
        "phone": null,
        "tier": "",
        "workerId": null,
        "status": "",
        "accountDetails": null,
        "enablePayroll": false,
        "dob": null,
        "gender": null,
    })
}

/// `mem_` and 20 characters from `[a-z0-9]`, the shape of the docs' example id.
pub fn random_member_id() -> String {
    const ALPHABET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    // 36^20 < 2^104: the digits use the low 104 bits of a v4 UUID, about
    // 98 of them random; the store still refuses an id already taken.
    let mut bits = Uuid::new_v4().as_u128();
    let mut id = String::from("mem_");
    for _ in 0..20 {
        id.push(char::from(ALPHABET[(bits % 36) as usize]));
        bits /= 36;
    }
    id
}
