//! The member operations, as plain functions of the store: each runs under
//! the store lock and returns the whole answer.

use serde_json::json;

use super::Fault;
use super::body::{self, BodyKind, Fields, Issue};
use super::member::{Member, Status, blank_member_json};
use super::message::{Broken, Problem};
use super::reply::Reply;
use super::rules;
use super::store::Store;
use crate::reference::Faults;

pub fn get(store: &Store, id: &str, faults: &Faults) -> Reply {
    match store.member(id) {
        Some(member) => Reply::ok(member.to_json(faults)),
        None if faults.has(Fault::UnknownMember200) => Reply::ok(blank_member_json(id)),
        None => unknown_member(id, faults),
    }
}

/// POST: invites a new member.
pub fn invite(store: &mut Store, body: &[u8], faults: &Faults) -> Reply {
    // The bug stores what it could read (unchecked against the members
    // already there), then reports the rest.
    if faults.has(Fault::InviteRefusedStillCreated)
        && let (Some(fields), issues) = body::parse_full_leniently(body, BodyKind::Invite, faults)
        && !issues.is_empty()
    {
        store.invite(fields);
        return Reply::invalid_add_payload(&issues);
    }
    let fields = match body::parse_full(body, BodyKind::Invite, faults) {
        Ok(fields) => fields,
        // The bug reads a required field that is not there.
        Err(issues)
            if faults.has(Fault::InviteMissingField500)
                && issues
                    .iter()
                    .any(|issue| issue.problem == Problem::Required) =>
        {
            return Reply::internal_error();
        }
        Err(issues) => return Reply::invalid_add_payload(&issues),
    };
    if let Some(refusal) = rules::invite_refusal(store, &fields, faults) {
        return refusal;
    }
    Reply::created(store.invite(fields).to_json(faults))
}

/// POST without its rules between members (email, workerId): what the
/// `onsi-invite-unique-check-race` fault stores after checking them earlier.
pub fn invite_unchecked(store: &mut Store, body: &[u8], faults: &Faults) -> Reply {
    match body::parse_full(body, BodyKind::Invite, faults) {
        Ok(fields) => Reply::created(store.invite(fields).to_json(faults)),
        Err(issues) => Reply::invalid_add_payload(&issues),
    }
}

/// PATCH: the whole body is checked before anything is applied, so a refused
/// update changes nothing.
pub fn update(store: &mut Store, id: &str, body: &[u8], faults: &Faults) -> Reply {
    let Some(before) = store.member(id).cloned() else {
        return unknown_member(id, faults);
    };
    update_from(store, before, body, faults)
}

/// PATCH applied to `before`, the member as it was read, and saved whole.
/// Under the store lock `before` is what the store holds; the
/// `onsi-patch-lost-update` fault reads it earlier, outside the lock.
pub fn update_from(store: &mut Store, before: Member, body: &[u8], faults: &Faults) -> Reply {
    let (mut fields, issues) = body::parse(body, BodyKind::Update, faults);
    let problems = rules::update_problems(store, &before, &mut fields, faults);
    if let Some(refusal) = update_refusal(&before.id, &issues, &problems) {
        if faults.has(Fault::PatchHalfApplied) {
            store.save(patched(&before, fields, faults));
        }
        return refusal;
    }
    let after = patched(&before, fields, faults);
    // The bug writes every field but the tier it answers with.
    let stored = if faults.has(Fault::TierUpdateNotStored) {
        Member {
            tier: before.tier.clone(),
            ..after.clone()
        }
    } else {
        after.clone()
    };
    store.save(stored);
    Reply::ok(update_echo(before, after, faults).to_json(faults))
}

fn patched(member: &Member, fields: Fields, faults: &Faults) -> Member {
    let mut member = member.clone();
    member.patch(fields, faults);
    member
}

/// Schema violations come first, as `BodyValidation` issues; only a
/// schema-valid body can break a rule (`InvalidUpdateMemberPayload`).
fn update_refusal(id: &str, issues: &[Issue], problems: &[Broken]) -> Option<Reply> {
    if !issues.is_empty() {
        Some(Reply::body_invalid(issues))
    } else if !problems.is_empty() {
        Some(Reply::invalid_update(id, problems))
    } else {
        None
    }
}

/// The member a PATCH answers with: the updated one.
fn update_echo(before: Member, after: Member, faults: &Faults) -> Member {
    if faults.has(Fault::PatchEchoStale) {
        return before;
    }
    if faults.has(Fault::PatchDropsPhoneEcho) {
        return Member {
            phone: before.phone,
            ..after
        };
    }
    after
}

/// PUT: replaces every field.
/// Reading: the docs give PUT no error codes of its own; schema violations
/// answer `BodyValidation` issues and rule violations
/// `InvalidUpdateMemberPayload`, as for PATCH.
pub fn replace(store: &mut Store, id: &str, body: &[u8], faults: &Faults) -> Reply {
    let Some(before) = store.member(id).cloned() else {
        return unknown_member(id, faults);
    };
    let fields = match body::parse_full(body, BodyKind::Replace, faults) {
        Ok(fields) => fields,
        Err(issues) => return Reply::body_invalid(&issues),
    };
    let problems = rules::replace_problems(store, &before, &fields, faults);
    if !problems.is_empty() {
        return Reply::invalid_update(id, &problems);
    }
    let mut after = before;
    after.replace(fields, faults);
    let reply = Reply::ok(after.to_json(faults));
    store.save(after);
    reply
}

/// DELETE: the member stays, as `inactive` (also when it already was).
pub fn remove(store: &mut Store, id: &str, faults: &Faults) -> Reply {
    if store.member(id).is_none() {
        return unknown_member(id, faults);
    }
    if !faults.has(Fault::DeleteKeepsStatus) {
        store.set_status(id, Status::Inactive);
    }
    Reply::ok(json!({ "message": "OK" }))
}

fn unknown_member(id: &str, faults: &Faults) -> Reply {
    if faults.has(Fault::UnknownMember500) {
        return Reply::internal_error();
    }
    Reply::member_not_found(id)
}
