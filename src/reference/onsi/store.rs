//! All server state: the members, in creation order, and the answers kept for
//! idempotent replays.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::http::Method;

use super::body::FullFields;
use super::fault;
use super::member::{self, Member, Status};
use super::reply::Reply;
use crate::reference::Faults;

/// The docs: idempotency keys live 7 days.
const KEY_LIFETIME: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// Reading: a key is scoped to one method and path, so the same key sent to
/// another route (or another member) is a different request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey {
    pub method: Method,
    pub path: String,
    /// Raw header bytes: the docs do not restrict the key's characters.
    pub key: Vec<u8>,
}

#[derive(Debug)]
struct Saved {
    reply: Reply,
    at: Instant,
}

#[derive(Debug)]
pub struct Store {
    members: Vec<Member>,
    replies: HashMap<IdempotencyKey, Saved>,
}

impl Store {
    pub fn seeded() -> Store {
        Store {
            members: vec![Member::seed()],
            replies: HashMap::new(),
        }
    }

    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// Ids that do not start with `mem_` simply match no member.
    pub fn member(&self, id: &str) -> Option<&Member> {
        self.members.iter().find(|member| member.id == id)
    }

    pub fn member_mut(&mut self, id: &str) -> Option<&mut Member> {
        self.members.iter_mut().find(|member| member.id == id)
    }

    /// Replaces the stored member that has `member`'s id.
    pub fn save(&mut self, member: Member) {
        if let Some(slot) = self.member_mut(&member.id) {
            *slot = member;
        }
    }

    pub fn invite(&mut self, fields: FullFields) -> &Member {
        let id = loop {
            let id = member::random_member_id();
            if self.member(&id).is_none() {
                break id;
            }
        };
        self.members.push(Member::invited(id, fields));
        let last = self.members.len() - 1;
        &self.members[last]
    }

    /// Reading: emails are compared exactly, as sent.
    pub fn email_in_use(&self, email: &str, except: Option<&str>) -> bool {
        self.others(except).any(|member| member.email == email)
    }

    /// The docs: a workerId is unique across active, invited and inactive
    /// members; any number of members may have none.
    pub fn worker_id_in_use(&self, worker_id: &str, except: Option<&str>, faults: &Faults) -> bool {
        let ignore_inactive = faults.has(fault::WORKER_ID_UNIQUE_ACTIVE_ONLY);
        self.others(except)
            .filter(|member| !(ignore_inactive && member.status == Status::Inactive))
            .any(|member| member.worker_id.as_deref() == Some(worker_id))
    }

    fn others<'a>(&'a self, except: Option<&'a str>) -> impl Iterator<Item = &'a Member> + 'a {
        self.members
            .iter()
            .filter(move |member| Some(member.id.as_str()) != except)
    }

    /// Runs `operation` unless a 2xx answer is already kept for `key`, in
    /// which case that answer is returned again without reprocessing.
    /// Reading for what the docs leave open: a replay with a different body
    /// still gets the kept answer, and a failed attempt keeps nothing, so a
    /// retry is processed afresh.
    pub fn idempotent(
        &mut self,
        key: Option<IdempotencyKey>,
        now: Instant,
        operation: impl FnOnce(&mut Store) -> Reply,
    ) -> Reply {
        self.replies
            .retain(|_, saved| now.saturating_duration_since(saved.at) < KEY_LIFETIME);
        if let Some(saved) = key.as_ref().and_then(|key| self.replies.get(key)) {
            return saved.reply.clone();
        }
        let reply = operation(self);
        if let Some(key) = key.filter(|_| reply.status.is_success()) {
            let saved = Saved {
                reply: reply.clone(),
                at: now,
            };
            self.replies.insert(key, saved);
        }
        reply
    }
}
