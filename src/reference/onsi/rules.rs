//! The rules a schema-valid body must also meet, which depend on the stored
//! members: known tier, email changes only while invited, unique email and
//! workerId.

use super::Fault;
use super::body::{Fields, FullFields};
use super::member::{Member, Status, TIERS};
use super::message::Broken;
use super::reply::Reply;
use super::store::Store;
use crate::reference::Faults;

/// POST: the first rule broken, as the documented error for it.
pub fn invite_refusal(store: &Store, fields: &FullFields, faults: &Faults) -> Option<Reply> {
    if let Some(problem) = tier_problem(&fields.tier) {
        return Some(Reply::invalid_add_rule(problem));
    }
    let duplicate_allowed = faults.has(Fault::PostDuplicateEmailAccepted);
    if !duplicate_allowed && store.email_in_use(&fields.email, None) {
        return Some(Reply::already_invited(&fields.email));
    }
    let worker_id = fields.worker_id.as_deref();
    if let Some(problem) = worker_id.and_then(|id| worker_id_problem(store, None, id, faults)) {
        return Some(Reply::invalid_add_rule(problem));
    }
    None
}

/// PATCH: every rule broken. A field that breaks one is dropped from
/// `fields`, so that what is left is only what could be applied.
pub fn update_problems(
    store: &Store,
    member: &Member,
    fields: &mut Fields,
    faults: &Faults,
) -> Vec<Broken> {
    let mut problems = Vec::new();
    if let Some(problem) = fields.tier.as_deref().and_then(tier_problem) {
        problems.push(problem);
        fields.tier = None;
    }
    let email = fields.email.as_deref();
    if let Some(problem) = email.and_then(|email| email_problem(store, member, email, faults)) {
        problems.push(problem);
        fields.email = None;
    }
    let worker_id = fields.worker_id.as_ref().and_then(Option::as_deref);
    let check_worker_id = !faults.has(Fault::WorkerIdNotUnique);
    if let Some(problem) = worker_id
        .filter(|_| check_worker_id)
        .and_then(|id| worker_id_problem(store, Some(&member.id), id, faults))
    {
        problems.push(problem);
        fields.worker_id = None;
    }
    problems
}

/// PUT: every rule broken.
pub fn replace_problems(
    store: &Store,
    member: &Member,
    fields: &FullFields,
    faults: &Faults,
) -> Vec<Broken> {
    let worker_id = fields.worker_id.as_deref();
    [
        tier_problem(&fields.tier),
        email_problem(store, member, &fields.email, faults),
        worker_id.and_then(|id| worker_id_problem(store, Some(&member.id), id, faults)),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn tier_problem(tier: &str) -> Option<Broken> {
    (!TIERS.contains(&tier)).then(|| Broken::UnknownTier(tier.to_string()))
}

/// Reading: only a *change* of email is refused outside `invited`; sending
/// the current email again is allowed in any status. Reading: the POST/PUT
/// schema calls the email "unique", so a change to another member's email is
/// refused too.
fn email_problem(store: &Store, member: &Member, email: &str, faults: &Faults) -> Option<Broken> {
    if email == member.email {
        return None;
    }
    let any_status = faults.has(Fault::EmailChangeAnyStatus);
    if member.status != Status::Invited && !any_status {
        return Some(Broken::EmailLocked(member.status));
    }
    store
        .email_in_use(email, Some(&member.id))
        .then(|| Broken::EmailTaken(email.to_string()))
}

fn worker_id_problem(
    store: &Store,
    except: Option<&str>,
    worker_id: &str,
    faults: &Faults,
) -> Option<Broken> {
    store
        .worker_id_in_use(worker_id, except, faults)
        .then(|| Broken::WorkerIdTaken(worker_id.to_string()))
}
