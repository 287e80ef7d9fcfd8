//! The axum side of each route: extract the raw request parts (never with an
//! extractor that answers on its own), run the operation, send the reply.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use serde_json::{Value, json};

use super::body::{self as request_body, BodyKind};
use super::member::TIERS;
use super::reply::Reply;
use super::store::{IdempotencyKey, Store};
use super::{AppState, Fault, ops, rules, search};
use crate::reference::Faults;

type MemberId = Result<Path<String>, PathRejection>;
type Body = Result<Bytes, BytesRejection>;

pub async fn get_tiers(State(app): State<AppState>) -> Response {
    let tiers: Vec<Value> = TIERS.iter().map(|name| json!({ "name": name })).collect();
    app.send(Reply::ok(Value::Array(tiers)))
}

pub async fn get_members(State(app): State<AppState>, uri: Uri) -> Response {
    let reply = match search::parse(uri.query().unwrap_or_default()) {
        Ok(search) => search.run(app.store().members(), &app.faults),
        Err(issues) => Reply::query_invalid(&issues),
    };
    app.send(reply)
}

pub async fn get_member(State(app): State<AppState>, id: MemberId) -> Response {
    let reply = match id {
        Ok(Path(id)) => ops::get(&app.store(), &id, &app.faults),
        Err(rejection) => Reply::path_invalid(&rejection.body_text()),
    };
    app.send(reply)
}

pub async fn invite_member(
    State(app): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    // Keyed requests keep the locked path: the bug is the check's, not the
    // replay's.
    if app.faults.has(Fault::InviteUniqueCheckRace)
        && !headers.contains_key("x-idempotency-key")
        && let Ok(body) = &body
    {
        let reply = app.invite_checked_early(body, &uri, &headers).await;
        return app.send(reply);
    }
    let reply = match body {
        Ok(body) => app.mutate(Method::POST, &uri, &headers, |store, faults| {
            ops::invite(store, &body, faults)
        }),
        Err(rejection) => Reply::body_unreadable(rejection.status(), &rejection.body_text()),
    };
    app.send(reply)
}

pub async fn update_member(
    State(app): State<AppState>,
    id: MemberId,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if app.faults.has(Fault::PatchLostUpdate)
        && let (Ok(Path(id)), Ok(body)) = (&id, &body)
    {
        let reply = app.update_unlocked(id, body, &uri, &headers).await;
        return app.send(reply);
    }
    write_member(app, Method::PATCH, id, body, &uri, &headers, ops::update)
}

/// How long the `onsi-patch-lost-update` fault holds a member it read before
/// writing it back: long enough that PATCHes sent together all read the same
/// member, short enough not to slow a run down.
const LOST_UPDATE_WINDOW: Duration = Duration::from_millis(10);

pub async fn replace_member(
    State(app): State<AppState>,
    id: MemberId,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    write_member(app, Method::PUT, id, body, &uri, &headers, ops::replace)
}

/// PATCH and PUT of one member: both need its id and a body.
fn write_member(
    app: AppState,
    method: Method,
    id: MemberId,
    body: Body,
    uri: &Uri,
    headers: &HeaderMap,
    op: fn(&mut Store, &str, &[u8], &Faults) -> Reply,
) -> Response {
    let reply = match (id, body) {
        (Ok(Path(id)), Ok(body)) => app.mutate(method, uri, headers, |store, faults| {
            op(store, &id, &body, faults)
        }),
        (Err(rejection), _) => Reply::path_invalid(&rejection.body_text()),
        (_, Err(rejection)) => Reply::body_unreadable(rejection.status(), &rejection.body_text()),
    };
    app.send(reply)
}

/// DELETE carries no body; any body sent is ignored.
pub async fn remove_member(
    State(app): State<AppState>,
    id: MemberId,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let reply = match id {
        Ok(Path(id)) => app.mutate(Method::DELETE, &uri, &headers, |store, faults| {
            ops::remove(store, &id, faults)
        }),
        Err(rejection) => Reply::path_invalid(&rejection.body_text()),
    };
    app.send(reply)
}

pub async fn method_not_allowed(State(app): State<AppState>) -> Response {
    app.send(Reply::method_not_allowed())
}

pub async fn not_found(State(app): State<AppState>) -> Response {
    app.send(Reply::not_found())
}

impl AppState {
    /// The bug: a read-modify-write without the lock around it. The member
    /// is read under one lock, the handler waits (as for a slow database
    /// round trip), and the patched copy is written back whole under
    /// another, over whatever a concurrent PATCH wrote in between.
    async fn update_unlocked(
        &self,
        id: &str,
        body: &[u8],
        uri: &Uri,
        headers: &HeaderMap,
    ) -> Reply {
        let before = self.store().member(id).cloned();
        tokio::time::sleep(LOST_UPDATE_WINDOW).await;
        self.mutate(Method::PATCH, uri, headers, |store, faults| match before {
            Some(before) => ops::update_from(store, before, body, faults),
            None => ops::update(store, id, body, faults),
        })
    }

    /// The bug: the uniqueness rules checked under one lock, the member
    /// written under another after a wait, so invitations sent together
    /// with one email or workerId all pass the check before any is stored.
    async fn invite_checked_early(&self, body: &[u8], uri: &Uri, headers: &HeaderMap) -> Reply {
        let refused = {
            let store = self.store();
            request_body::parse_full(body, BodyKind::Invite, &self.faults)
                .ok()
                .and_then(|fields| rules::invite_refusal(&store, &fields, &self.faults))
        };
        if let Some(refusal) = refused {
            return refusal;
        }
        tokio::time::sleep(LOST_UPDATE_WINDOW).await;
        self.mutate(Method::POST, uri, headers, |store, faults| {
            ops::invite_unchecked(store, body, faults)
        })
    }

    /// Runs a mutation under the store lock, honouring `x-idempotency-key`.
    fn mutate(
        &self,
        method: Method,
        uri: &Uri,
        headers: &HeaderMap,
        operation: impl FnOnce(&mut Store, &Faults) -> Reply,
    ) -> Reply {
        let key = headers
            .get("x-idempotency-key")
            .filter(|_| !self.faults.has(Fault::IdempotencyReprocessed))
            .map(|key| IdempotencyKey {
                method,
                path: uri.path().to_string(),
                key: key.as_bytes().to_vec(),
            });
        let faults = &self.faults;
        self.store()
            .idempotent(key, Instant::now(), |store| operation(store, faults))
    }
}
