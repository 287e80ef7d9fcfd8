//! The embedded reference servers: faithful in-memory implementations of the
//! Toluna Member API v2 and the Onsi Members API, built from the vendors' docs.
//!
//! Where the docs allow several readings, each server picks one and says which
//! in a comment next to the code that picks it; a few other readings can be
//! switched on by name ([`Reading`], `verity serve --readings`), so that the
//! suites can be shown to accept them too. Bad input never yields a 5xx.
//!
//! Each server also carries a catalogue of named *faults*: single, plausible
//! implementation bugs that can be switched on one at a time, so that tests
//! (and `verity mutants`) can prove the suites catch them.

mod fault;
pub mod onsi;
mod reading;
mod switches;
pub mod toluna;

use std::collections::BTreeMap;
use std::net::SocketAddr;

pub use fault::{Fault, FaultInfo, Faults, catalogue};
pub use reading::{Reading, Readings};
pub use switches::{Named, Switches, UnknownName};

use axum::Router;

/// The two APIs a reference server can serve. Their routes do not overlap, so
/// one listener can serve both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Api {
    Toluna,
    Onsi,
}

impl Api {
    pub const ALL: [Api; 2] = [Api::Toluna, Api::Onsi];

    pub fn name(self) -> &'static str {
        match self {
            Api::Toluna => "toluna",
            Api::Onsi => "onsi",
        }
    }

    pub fn from_name(name: &str) -> Option<Api> {
        Api::ALL.into_iter().find(|api| api.name() == name)
    }
}

/// The API key the embedded Onsi server accepts unless told otherwise. It is a
/// demo value, published in the README, not a secret of anyone's.
pub const DEMO_API_KEY: &str = "verity-demo-key";

/// How to build a reference server.
#[derive(Debug, Clone)]
pub struct Options {
    pub apis: Vec<Api>,
    pub faults: Faults,
    /// The readings of the docs the servers give where they give another
    /// than their default (`verity serve --readings`); none by default.
    pub readings: Readings,
    /// The `x-api-key` value the Onsi server accepts.
    pub onsi_api_key: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            apis: Api::ALL.to_vec(),
            faults: Faults::none(),
            readings: Readings::none(),
            onsi_api_key: DEMO_API_KEY.to_string(),
        }
    }
}

/// Values the embedded servers give the suites' variables: the API key they
/// accept and the fixtures they are seeded with (no API can create an active
/// Onsi member, so the seeded one stands in for `active_member_id`).
pub fn embedded_values(options: &Options) -> BTreeMap<String, String> {
    let mut values = BTreeMap::new();
    if options.apis.contains(&Api::Onsi) {
        values.insert("api_key".into(), options.onsi_api_key.clone());
        values.insert(
            "active_member_id".into(),
            onsi::SEED_ACTIVE_MEMBER_ID.into(),
        );
    }
    values
}

/// The router serving the chosen APIs.
pub fn router(options: &Options) -> Router {
    let mut app = Router::new();
    for api in &options.apis {
        app = match api {
            Api::Toluna => app.merge(toluna::router(options.faults.clone(), &options.readings)),
            Api::Onsi => app.merge(onsi::router(onsi::Config {
                api_key: options.onsi_api_key.clone(),
                faults: options.faults.clone(),
                readings: options.readings.clone(),
            })),
        };
    }
    app
}

/// A reference server running in this process. Dropping it stops the server.
pub struct Running {
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// [`Self::base_url`] as a URL.
    pub fn url(&self) -> url::Url {
        url::Url::parse(&self.base_url()).expect("a socket address is a valid URL")
    }

    /// Stops accepting connections and waits for open ones to finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// The embedded reference servers did not start (no loopback port to bind).
#[derive(Debug, thiserror::Error)]
#[error("cannot start the embedded reference servers: {0}")]
pub struct StartError(#[source] pub std::io::Error);

/// [`start`] on a free loopback port, for this process's own runs.
pub async fn start_local(options: &Options) -> Result<Running, StartError> {
    start(([127, 0, 0, 1], 0).into(), options)
        .await
        .map_err(StartError)
}

/// Binds `addr` (use `127.0.0.1:0` for a free port) and serves in the background.
pub async fn start(addr: SocketAddr, options: &Options) -> std::io::Result<Running> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let app = router(options);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    Ok(Running {
        addr,
        shutdown: Some(tx),
        task: Some(task),
    })
}
