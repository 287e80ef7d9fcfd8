//! End-to-end tests: each starts its own server on a free port (so each sees
//! only the seed member) and talks to it over HTTP.

mod behaviour;
mod faults;
mod wording;

use std::net::SocketAddr;

use reqwest::Method;
use serde_json::{Value, json};

use super::Fault;
use super::SEED_ACTIVE_MEMBER_ID as SEED;
use crate::reference::{Api, Faults, Options, Readings, Running, start};

const API_KEY: &str = "test-api-key";

/// One answer, its body parsed as JSON (`Value::Null` if it is not JSON).
#[derive(Debug)]
struct Answer {
    status: u16,
    content_type: Option<String>,
    body: Value,
}

impl Answer {
    /// Asserts a 400 with `code` and, when `path` is given, an issue at it.
    #[track_caller]
    fn assert_refused(&self, code: &str, path: Option<&str>) {
        assert_eq!(self.status, 400, "{self:?}");
        assert_eq!(self.body["code"], code, "{self:?}");
        if let Some(path) = path {
            assert!(
                self.issue_paths().contains(&path.to_string()),
                "no issue at {path}: {self:?}"
            );
        }
    }

    fn issue_paths(&self) -> Vec<String> {
        self.body["issues"]
            .as_array()
            .map(|issues| {
                issues
                    .iter()
                    .filter_map(|issue| issue["path"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
}

struct Server {
    running: Running,
    client: reqwest::Client,
}

impl Server {
    async fn start() -> Server {
        Server::with(Faults::none(), vec![Api::Onsi]).await
    }

    async fn with_fault(fault: Fault) -> Server {
        Server::with(Faults::of([fault.into()]), vec![Api::Onsi]).await
    }

    async fn with(faults: Faults, apis: Vec<Api>) -> Server {
        Server::reading(faults, apis, Readings::none()).await
    }

    async fn reading(faults: Faults, apis: Vec<Api>, readings: Readings) -> Server {
        // reqwest is built without a TLS provider of its own and insists on
        // one even for plain http; any earlier install is just as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let options = Options {
            apis,
            faults,
            readings,
            onsi_api_key: API_KEY.to_string(),
        };
        let addr: SocketAddr = "127.0.0.1:0".parse().expect("a socket address");
        let running = start(addr, &options).await.expect("the server starts");
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("an http client");
        Server { running, client }
    }

    /// A request with no headers at all.
    fn bare(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let url = format!("{}{path}", self.running.base_url());
        self.client.request(method, url)
    }

    /// A request with the right API key.
    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.bare(method, path).header("x-api-key", API_KEY)
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        answer(request).await
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        self.send(request).await
    }

    async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path, None).await
    }

    async fn member(&self, id: &str) -> Value {
        let answer = self.get(&format!("/v1/members/{id}")).await;
        assert_eq!(answer.status, 200, "{answer:?}");
        answer.body
    }

    async fn patch(&self, id: &str, body: Value) -> Answer {
        self.call(Method::PATCH, &format!("/v1/members/{id}"), Some(body))
            .await
    }

    async fn put(&self, id: &str, body: Value) -> Answer {
        self.call(Method::PUT, &format!("/v1/members/{id}"), Some(body))
            .await
    }

    async fn delete(&self, id: &str) -> Answer {
        self.call(Method::DELETE, &format!("/v1/members/{id}"), None)
            .await
    }

    async fn post(&self, body: Value) -> Answer {
        self.call(Method::POST, "/v1/members", Some(body)).await
    }

    /// Invites a member with only the required fields (and `extra` merged
    /// in), returning its id.
    async fn invite(&self, email: &str, extra: Value) -> String {
        let mut body = minimal_invite(email);
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        let answer = self.post(body).await;
        assert_eq!(answer.status, 201, "{answer:?}");
        answer.body["memberId"]
            .as_str()
            .expect("a memberId")
            .to_string()
    }

    /// Invites a member and removes it, so that it is `inactive`.
    async fn inactive(&self, email: &str, extra: Value) -> String {
        let id = self.invite(email, extra).await;
        assert_eq!(self.delete(&id).await.status, 200);
        id
    }

    async fn search(&self, query: &str) -> Answer {
        self.get(&format!("/v1/members?{query}")).await
    }
}

/// Sends a request; a free function so that it can be spawned.
async fn answer(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .map(str::to_string);
    let bytes = response.bytes().await.expect("a readable body");
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer {
        status,
        content_type,
        body,
    }
}

fn minimal_invite(email: &str) -> Value {
    json!({ "email": email, "firstName": "Ann", "lastName": "Lee", "tier": "Bronze" })
}

/// The clean server and the one with `fault`, each with whether it is faulty.
async fn clean_and_faulty(fault: Fault) -> [(Server, bool); 2] {
    [
        (Server::start().await, false),
        (Server::with_fault(fault).await, true),
    ]
}
