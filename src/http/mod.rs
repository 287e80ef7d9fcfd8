//! The HTTP client: sends one fully built request and reads the answer, with
//! a timeout, a cap on the body size, and no redirects followed (a 3xx is an
//! answer to check, and following one could carry an API key to another host).
//! It knows nothing of case files or templates.
//!
//! Against real servers it also retries what may succeed later (connection
//! failures, 429, 503), keeps a run-wide rate limit, and takes extra CA
//! roots or, loudly, no verification at all.

pub mod rate;
pub mod retry;
mod stale;

use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, Once, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use url::Url;

pub use rate::RateLimiter;
pub use retry::RetryPolicy;

#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Limit for one whole request, from connecting to the last body byte.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Bodies longer than this are not read further: the exchange fails.
    pub max_body_bytes: usize,
    pub retry: RetryPolicy,
    /// Requests per second, for the whole run (every case, every retry).
    pub rate_limit: Option<f64>,
    /// Extra CA certificates (PEM), trusted on top of the system roots.
    pub ca_pem: Option<Vec<u8>>,
    /// Accept any server certificate. Only for a sandbox you control.
    pub insecure: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_body_bytes: 10 * 1024 * 1024,
            retry: RetryPolicy::default(),
            rate_limit: None,
            ca_pem: None,
            insecure: false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct OutgoingRequest {
    pub method: &'static str,
    pub url: Url,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// Lower-case names, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub elapsed: Duration,
}

/// What sending a request came to, retries included.
#[derive(Debug)]
pub struct Exchange {
    pub outcome: Result<Response, TransportError>,
    /// Requests sent: 1 plus the retries.
    pub attempts: u32,
    /// Why each retry happened, in order.
    pub retries: Vec<String>,
    /// When the attempt whose outcome this is went out: after the rate
    /// limit's wait and any retries' (what requests sent together are timed by).
    pub sent_at: Instant,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why no response could be read. The message never holds the request's
/// headers or body (where secrets live); the URL may, so callers mask it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    Timeout {
        after: Duration,
    },
    BodyTooLarge {
        limit: usize,
    },
    Connect(String),
    /// The server's certificate was refused.
    Tls(String),
    Protocol(String),
    InvalidRequest(String),
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransportError::Timeout { after } => {
                write!(f, "timed out after {:.1} s", after.as_secs_f64())
            }
            TransportError::BodyTooLarge { limit } => {
                write!(
                    f,
                    "response body over the {limit} byte cap (see --max-body)"
                )
            }
            TransportError::Connect(m) => write!(f, "connection failed: {m}"),
            TransportError::Tls(m) => {
                write!(f, "TLS failed: {m} (trust a private CA with --cacert PATH)")
            }
            TransportError::Protocol(m) => write!(f, "protocol error: {m}"),
            TransportError::InvalidRequest(m) => write!(f, "request could not be built: {m}"),
        }
    }
}

impl std::error::Error for TransportError {}

/// One client per run, shared by every case, so connections are reused.
#[derive(Debug, Clone)]
pub struct Client {
    /// To loopback, pooled: what nearly every request goes out on.
    direct: reqwest::Client,
    /// Through the environment's proxy, and both without a pool (what a
    /// request goes out on again after the server closed its pooled
    /// connection, so that it gets a new one): built at their first use.
    others: Arc<Others>,
    connections: Arc<stale::Connections>,
    options: ClientOptions,
    limiter: Option<Arc<RateLimiter>>,
}

/// One request sent, and whether it met a pooled connection the server had
/// closed (see [`stale`]).
struct Attempt {
    outcome: Result<Response, TransportError>,
    stale: bool,
}

/// The clients a run may never need. Each build of a reqwest client loads
/// the system's root certificates again, which cost a property run (a
/// client of its own) more CPU than its first hundred requests.
struct Others {
    extra_roots: Vec<reqwest::Certificate>,
    /// Proxied pooled, direct without a pool, proxied without a pool.
    built: [OnceLock<reqwest::Client>; 3],
}

impl fmt::Debug for Others {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Others")
            .field(
                "built",
                &self.built.iter().filter(|b| b.get().is_some()).count(),
            )
            .finish()
    }
}

/// A reqwest client with verity's settings: `proxy` from the environment,
/// `pooled` with the stale-connection tracking, else without a pool.
fn build(
    options: &ClientOptions,
    extra_roots: &[reqwest::Certificate],
    connections: &Arc<stale::Connections>,
    proxy: bool,
    pooled: bool,
) -> Result<reqwest::Client, TransportError> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(options.timeout)
        .connect_timeout(options.connect_timeout)
        .user_agent(concat!("verity/", env!("CARGO_PKG_VERSION")));
    builder = if extra_roots.is_empty() && !options.insecure {
        builder.tls_backend_preconfigured(system_tls()?)
    } else {
        builder
            .tls_certs_merge(extra_roots.iter().cloned())
            .tls_danger_accept_invalid_certs(options.insecure)
    };
    if !proxy {
        builder = builder.no_proxy();
    }
    builder = if pooled {
        builder.connector_layer(stale::Track(connections.clone()))
    } else {
        builder.pool_max_idle_per_host(0)
    };
    builder
        .build()
        .map_err(|e| TransportError::InvalidRequest(error_chain(&e)))
}

/// The TLS configuration of every client that trusts the system's roots
/// alone (no `--cacert`, no `--insecure`), made once per process: making it
/// loads every root certificate of the system, which reqwest does again for
/// each client it builds, and a property run builds one of its own. The
/// same as reqwest's own (the platform verifier, TLS 1.2 and 1.3, HTTP/1.1).
fn system_tls() -> Result<rustls::ClientConfig, TransportError> {
    static CONFIG: OnceLock<Result<rustls::ClientConfig, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            install_crypto_provider();
            let provider = rustls::crypto::CryptoProvider::get_default()
                .cloned()
                .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
            let verifier = rustls_platform_verifier::Verifier::new(provider.clone())
                .map_err(|e| format!("the system's root certificates: {e}"))?;
            let mut config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| format!("TLS versions: {e}"))?
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
                .with_no_client_auth();
            config.alpn_protocols = vec![b"http/1.1".to_vec()];
            Ok(config)
        })
        .clone()
        .map_err(TransportError::InvalidRequest)
}

fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Fails only when another provider is already installed, which serves as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl Client {
    pub fn new(options: ClientOptions) -> Result<Client, TransportError> {
        install_crypto_provider();
        let extra_roots = match &options.ca_pem {
            Some(pem) => reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
                TransportError::InvalidRequest(format!("not a PEM certificate bundle: {e}"))
            })?,
            None => Vec::new(),
        };
        if options.ca_pem.is_some() && extra_roots.is_empty() {
            return Err(TransportError::InvalidRequest(
                "the PEM bundle holds no certificate".into(),
            ));
        }
        let connections = Arc::new(stale::Connections::default());
        Ok(Client {
            direct: build(&options, &extra_roots, &connections, false, true)?,
            others: Arc::new(Others {
                extra_roots,
                built: Default::default(),
            }),
            connections,
            limiter: options
                .rate_limit
                .map(|per_second| Arc::new(RateLimiter::new(per_second))),
            options,
        })
    }

    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// A client with the same options and the same run-wide rate limit,
    /// but a connection pool of its own: for work driven by a runtime of
    /// its own (a property run), since a pooled connection is served by the
    /// runtime that opened it.
    pub fn with_own_pool(&self) -> Result<Client, TransportError> {
        Ok(Client {
            limiter: self.limiter.clone(),
            ..Client::new(self.options.clone())?
        })
    }

    /// Sends the request, retrying as the policy allows.
    pub async fn send(&self, request: OutgoingRequest) -> Result<Response, TransportError> {
        self.exchange(request).await.outcome
    }

    /// Sends the request, retrying connection failures and 429/503 answers
    /// with exponential backoff (or the wait `Retry-After` asks for), and
    /// says how many attempts it took. Timeouts are not retried: the server
    /// may have acted on the request.
    ///
    /// A request that met a pooled connection the server had closed before
    /// answering was not processed: it goes out again at once on a new
    /// connection, once per exchange, whatever the method and `--retries`
    /// (which counts the retries of what a server did answer or refuse).
    pub async fn exchange(&self, request: OutgoingRequest) -> Exchange {
        let mut retries = Vec::new();
        let mut attempt = 1;
        // Attempts the retry policy counts: all but the resend after a stale
        // connection.
        let mut counted = 1;
        let mut resent = false;
        let mut fresh = false;
        loop {
            if let Some(limiter) = &self.limiter {
                limiter.acquire().await;
            }
            let sent_at = Instant::now();
            let Attempt { outcome, stale } = self.send_once(&request, fresh).await;
            fresh = false;
            if stale && !resent {
                let why = outcome.as_ref().err().map(ToString::to_string);
                retries.push(format!(
                    "attempt {attempt}: the server had closed the kept-alive connection without answering ({}), so the request was not processed: sent again at once on a new connection",
                    why.unwrap_or_default()
                ));
                resent = true;
                fresh = true;
                attempt += 1;
                continue;
            }
            let Some(wait) = self.retry_wait(&outcome, attempt, counted, &mut retries) else {
                break Exchange {
                    outcome,
                    attempts: attempt,
                    retries,
                    sent_at,
                };
            };
            tokio::time::sleep(wait).await;
            attempt += 1;
            counted += 1;
        }
    }

    /// How long to wait before sending again after `outcome`, noting why in
    /// `retries`; `None` when it is final. `counted` is the attempt's number
    /// for the policy's limit and backoff, `attempt` its number in the notes.
    fn retry_wait(
        &self,
        outcome: &Result<Response, TransportError>,
        attempt: u32,
        counted: u32,
        retries: &mut Vec<String>,
    ) -> Option<Duration> {
        let policy = &self.options.retry;
        let (why, asked) = match outcome {
            Err(TransportError::Connect(m)) => (format!("connection failed ({m})"), None),
            Ok(r) if retry::retryable_status(r.status) => {
                let asked = r
                    .header("retry-after")
                    .and_then(|v| retry::parse_retry_after(v, SystemTime::now()));
                (format!("answered {}", r.status), asked)
            }
            _ => return None,
        };
        if counted >= policy.max_attempts.max(1) {
            return None;
        }
        if let Some(asked) = asked.filter(|a| *a > policy.max_delay) {
            retries.push(format!(
                "attempt {attempt}: {why} with Retry-After {} s, over the {} s limit (--retry-max-wait): not retried",
                asked.as_secs(),
                policy.max_delay.as_secs_f64()
            ));
            return None;
        }
        let wait = asked.unwrap_or_else(|| policy.backoff(counted, retry::jitter()));
        retries.push(format!(
            "attempt {attempt}: {why}, waited {:.1} s{}",
            wait.as_secs_f64(),
            if asked.is_some() {
                " (Retry-After)"
            } else {
                ""
            }
        ));
        Some(wait)
    }

    fn client_for(&self, proxy: bool, fresh: bool) -> Result<&reqwest::Client, TransportError> {
        let (slot, pooled) = match (proxy, fresh) {
            (false, false) => return Ok(&self.direct),
            (true, false) => (0, true),
            (false, true) => (1, false),
            (true, true) => (2, false),
        };
        let built = &self.others.built[slot];
        if let Some(client) = built.get() {
            return Ok(client);
        }
        let client = build(
            &self.options,
            &self.others.extra_roots,
            &self.connections,
            proxy,
            pooled,
        )?;
        // Two first uses at once build twice; one is kept.
        Ok(built.get_or_init(|| client))
    }

    /// One request; `fresh`: on a new connection, not one from the pool.
    async fn send_once(&self, request: &OutgoingRequest, fresh: bool) -> Attempt {
        let mut stale = false;
        let outcome = self.send_on(request, fresh, &mut stale).await;
        Attempt { outcome, stale }
    }

    async fn send_on(
        &self,
        request: &OutgoingRequest,
        fresh: bool,
        stale: &mut bool,
    ) -> Result<Response, TransportError> {
        // Loopback targets never go through a proxy from the environment.
        let client = self.client_for(!is_loopback(&request.url), fresh)?;
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|e| TransportError::InvalidRequest(e.to_string()))?;
        let mut builder = client.request(method, request.url.clone());
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        let started = Instant::now();
        let mut response = builder.send().await.map_err(|e| {
            *stale = stale::is_stale(&e, &self.connections);
            classify(e, &self.options)
        })?;
        // Connections opened for a resend are not pooled: never reused.
        if let Some(local) = stale::local_addr_of(&response).filter(|_| !fresh) {
            self.connections.answered(local);
        }
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let limit = self.options.max_body_bytes;
        if response.content_length().is_some_and(|n| n > limit as u64) {
            return Err(TransportError::BodyTooLarge { limit });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| classify(e, &self.options))?
        {
            if body.len() + chunk.len() > limit {
                return Err(TransportError::BodyTooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Response {
            status,
            headers,
            body,
            elapsed: started.elapsed(),
        })
    }
}

pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// reqwest's top-level message is often just "error sending request"; the
/// cause chain says what happened.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

fn classify(e: reqwest::Error, options: &ClientOptions) -> TransportError {
    // The URL in reqwest's message is dropped: callers report it, masked.
    let e = e.without_url();
    if e.is_connect() && e.is_timeout() {
        // Nothing reached the server: a connection failure, worth a retry.
        TransportError::Connect(format!(
            "no connection within {:.1} s (--connect-timeout)",
            options.connect_timeout.as_secs_f64()
        ))
    } else if e.is_timeout() {
        TransportError::Timeout {
            after: options.timeout,
        }
    } else if e.is_connect() {
        let chain = error_chain(&e);
        // A refused certificate will be refused again: not worth a retry.
        if chain.to_ascii_lowercase().contains("certificate") {
            TransportError::Tls(chain)
        } else {
            TransportError::Connect(chain)
        }
    } else if e.is_builder() {
        TransportError::InvalidRequest(error_chain(&e))
    } else {
        TransportError::Protocol(error_chain(&e))
    }
}
