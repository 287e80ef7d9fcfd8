//! The axum side of each route: extract the raw request parts (never with an
//! extractor that answers on its own), run the operation, send the reply.

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use serde_json::{Value, json};

use super::member::TIERS;
use super::reply::Reply;
use super::store::{IdempotencyKey, Store};
use super::{AppState, Fault, ops, search};
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
    write_member(app, Method::PATCH, id, body, &uri, &headers, ops::update)
}

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
