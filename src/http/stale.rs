//! Kept-alive connections the server closed while they sat in the pool.
//!
//! A server closes an idle keep-alive connection after its own timeout
//! (nginx's `keepalive_timeout`, a load balancer's idle timeout), often
//! without `connection: close` or any warning. A request that goes out on
//! such a connection just as the server closes it meets the close: the
//! server never read it, so it was not processed, and sending it again on a
//! new connection is safe whatever its method.
//!
//! What hyper and reqwest report then (read in their sources, hyper 1.12,
//! hyper-util 0.1.21, reqwest 0.13): when the close is seen before the
//! request is written, hyper-util sends it again on a new connection by
//! itself (`retry_canceled_requests`, on by default). When the request was
//! written and the connection then ends before a response head, hyper's
//! error is `is_incomplete_message()` ("connection closed before message
//! completed", read of 0 bytes at the head), or an I/O error of kind
//! `ConnectionReset` / `BrokenPipe` (the server's kernel answers data on a
//! closed socket with a reset). reqwest wraps it in hyper-util's error,
//! which carries the connection's addresses (`connect_info`, `HttpInfo`).
//!
//! Those same errors come from a server that closes a *new* connection
//! without answering, which is a failure to report, not a stale connection.
//! So the errors count as stale only on a connection that has already
//! answered a request (it came from the pool): [`Connections`] records
//! which connections have, by local address, reset when a connection is
//! opened on that address. hyper reports a head cut short by the close
//! with the same `is_incomplete_message()`, so a reused connection whose
//! server wrote part of a status line and then closed is sent again too:
//! no other case of a half-read answer is (an error while reading the body
//! comes after the head, and is never retried), nor a timeout.

use std::collections::HashSet;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use hyper_util::client::legacy::connect::{Connected, Connection, HttpInfo};

/// The local addresses of the open connections that have answered.
#[derive(Debug, Default)]
pub struct Connections {
    answered: Mutex<HashSet<SocketAddr>>,
}

impl Connections {
    fn opened(&self, local: SocketAddr) {
        self.lock().remove(&local);
    }

    /// A response head came back on the connection at `local`.
    pub fn answered(&self, local: SocketAddr) {
        self.lock().insert(local);
    }

    /// The connection failed: whether it had answered before, and so was
    /// taken from the pool. It is forgotten either way.
    fn had_answered(&self, local: SocketAddr) -> bool {
        self.lock().remove(&local)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<SocketAddr>> {
        // A panic elsewhere while holding the set leaves a valid set.
        self.answered.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The local address a response came back on.
pub fn local_addr_of(response: &reqwest::Response) -> Option<SocketAddr> {
    response
        .extensions()
        .get::<HttpInfo>()
        .map(HttpInfo::local_addr)
}

fn local_addr(connected: &Connected) -> Option<SocketAddr> {
    let mut extensions = http::Extensions::new();
    connected.get_extras(&mut extensions);
    extensions.get::<HttpInfo>().map(HttpInfo::local_addr)
}

/// Whether sending failed, before any response head, because the server
/// had closed the kept-alive connection the request went out on.
pub fn is_stale(error: &reqwest::Error, connections: &Connections) -> bool {
    if error.is_timeout() {
        return false;
    }
    let mut local = None;
    let mut closed = false;
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if let Some(e) = e.downcast_ref::<hyper_util::client::legacy::Error>() {
            local = local.or_else(|| e.connect_info().and_then(local_addr));
        }
        if let Some(e) = e.downcast_ref::<hyper::Error>() {
            closed |= e.is_incomplete_message();
        }
        if let Some(e) = e.downcast_ref::<std::io::Error>() {
            closed |= matches!(
                e.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::ConnectionAborted
            );
        }
        source = e.source();
    }
    match local {
        Some(local) => connections.had_answered(local) && closed,
        None => false,
    }
}

/// A connector layer (reqwest's `connector_layer`) that notes each new
/// connection's local address, so that an address seen again is known to
/// be a new connection, not the pooled one it once was.
#[derive(Debug, Clone)]
pub struct Track(pub Arc<Connections>);

impl<S> tower_layer::Layer<S> for Track {
    type Service = Tracked<S>;

    fn layer(&self, inner: S) -> Tracked<S> {
        Tracked {
            inner,
            connections: self.0.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Tracked<S> {
    inner: S,
    connections: Arc<Connections>,
}

impl<S, R> tower_service::Service<R> for Tracked<S>
where
    S: tower_service::Service<R>,
    S::Response: Connection + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Self::Future {
        let connecting = self.inner.call(request);
        let connections = self.connections.clone();
        Box::pin(async move {
            let connection = connecting.await?;
            if let Some(local) = local_addr(&connection.connected()) {
                connections.opened(local);
            }
            Ok(connection)
        })
    }
}
