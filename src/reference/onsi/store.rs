//! All server state: the members, in creation order, and the answers kept for
//! idempotent replays.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use axum::http::Method;

use super::Fault;
use super::body::FullFields;
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

/// The members, with indexes so that each request costs the same however
/// many members earlier requests created (a long property run creates
/// hundreds of thousands).
#[derive(Debug)]
pub struct Store {
    /// In creation order, which search answers in.
    members: Vec<Member>,
    /// Position in `members` by id.
    by_id: HashMap<String, usize>,
    fields: FieldIndex,
    replies: HashMap<IdempotencyKey, Saved>,
    /// Keys in the order they were kept, for dropping expired ones without
    /// scanning them all.
    kept_order: VecDeque<(Instant, IdempotencyKey)>,
}

impl Store {
    pub fn seeded() -> Store {
        let mut store = Store {
            members: Vec::new(),
            by_id: HashMap::new(),
            fields: FieldIndex::default(),
            replies: HashMap::new(),
            kept_order: VecDeque::new(),
        };
        store.push(Member::seed());
        store
    }

    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// Ids that do not start with `mem_` simply match no member.
    pub fn member(&self, id: &str) -> Option<&Member> {
        self.by_id.get(id).map(|&i| &self.members[i])
    }

    fn push(&mut self, member: Member) {
        let index = self.members.len();
        self.by_id.insert(member.id.clone(), index);
        self.fields.add(&member, index);
        self.members.push(member);
    }

    /// Replaces the stored member that has `member`'s id.
    pub fn save(&mut self, member: Member) {
        let Some(&index) = self.by_id.get(&member.id) else {
            return;
        };
        let old = std::mem::replace(&mut self.members[index], member);
        self.fields.remove(&old, index);
        self.fields.add(&self.members[index], index);
    }

    /// Sets the status of the member with id `id`, if there is one.
    pub fn set_status(&mut self, id: &str, status: Status) {
        if let Some(&index) = self.by_id.get(id) {
            self.members[index].status = status;
        }
    }

    pub fn invite(&mut self, fields: FullFields) -> &Member {
        let id = loop {
            let id = member::random_member_id();
            if self.member(&id).is_none() {
                break id;
            }
        };
        self.push(Member::invited(id, fields));
        let last = self.members.len() - 1;
        &self.members[last]
    }

    /// Reading: emails are compared exactly, as sent.
    pub fn email_in_use(&self, email: &str, except: Option<&str>) -> bool {
        self.others(&self.fields.by_email, email, except)
            .next()
            .is_some()
    }

    /// The docs: a workerId is unique across active, invited and inactive
    /// members; any number of members may have none.
    pub fn worker_id_in_use(&self, worker_id: &str, except: Option<&str>, faults: &Faults) -> bool {
        let ignore_inactive = faults.has(Fault::WorkerIdUniqueActiveOnly);
        self.others(&self.fields.by_worker_id, worker_id, except)
            .any(|member| !(ignore_inactive && member.status == Status::Inactive))
    }

    /// The members an index lists under `key`, but the one with id `except`.
    fn others<'a>(
        &'a self,
        index: &'a HashMap<String, Vec<usize>>,
        key: &str,
        except: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Member> + 'a {
        index
            .get(key)
            .into_iter()
            .flatten()
            .map(|&i| &self.members[i])
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
        let live = |at: Instant| now.saturating_duration_since(at) < KEY_LIFETIME;
        self.drop_expired(now);
        if let Some(saved) = key.as_ref().and_then(|key| self.replies.get(key))
            && live(saved.at)
        {
            return saved.reply.clone();
        }
        let reply = operation(self);
        if let Some(key) = key.filter(|_| reply.status.is_success()) {
            let saved = Saved {
                reply: reply.clone(),
                at: now,
            };
            self.kept_order.push_back((now, key.clone()));
            self.replies.insert(key, saved);
        }
        reply
    }

    /// Forgets kept answers older than their lifetime, oldest first.
    fn drop_expired(&mut self, now: Instant) {
        while let Some((at, _)) = self.kept_order.front() {
            if now.saturating_duration_since(*at) < KEY_LIFETIME {
                break;
            }
            if let Some((at, key)) = self.kept_order.pop_front()
                && self.replies.get(&key).is_some_and(|saved| saved.at == at)
            {
                self.replies.remove(&key);
            }
        }
    }
}

/// Member positions by email and by workerId: a list each, as faults let
/// two members share one.
#[derive(Debug, Default)]
struct FieldIndex {
    by_email: HashMap<String, Vec<usize>>,
    by_worker_id: HashMap<String, Vec<usize>>,
}

impl FieldIndex {
    fn add(&mut self, member: &Member, index: usize) {
        self.by_email
            .entry(member.email.clone())
            .or_default()
            .push(index);
        if let Some(worker_id) = &member.worker_id {
            self.by_worker_id
                .entry(worker_id.clone())
                .or_default()
                .push(index);
        }
    }

    fn remove(&mut self, member: &Member, index: usize) {
        fn unlist(map: &mut HashMap<String, Vec<usize>>, key: &str, index: usize) {
            if let Some(list) = map.get_mut(key) {
                list.retain(|&i| i != index);
                if list.is_empty() {
                    map.remove(key);
                }
            }
        }
        unlist(&mut self.by_email, &member.email, index);
        if let Some(worker_id) = &member.worker_id {
            unlist(&mut self.by_worker_id, worker_id, index);
        }
    }
}
