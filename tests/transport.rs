//! The transport against servers that misbehave on purpose: 429 then
//! success, 503 without end, refused connections, a rate limit, a connection
//! that never opens, and TLS with a private CA.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use support::{args, path_str, serve, suite_dir, text, verity_async};

const ONE_GET: &str = "cases:\n  - name: get\n    steps:\n      - request: { method: GET, path: /x }\n        expect: { status: 200 }\n";

/// A server answering `/x` from a script of statuses, the last repeating;
/// it records when each request came.
async fn scripted(
    script: Vec<(u16, Option<&'static str>)>,
) -> (
    String,
    tokio::task::JoinHandle<()>,
    Arc<Mutex<Vec<Instant>>>,
) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let app = Router::new().route(
        "/x",
        get(move || {
            let log = log.clone();
            let script = script.clone();
            async move {
                let n = {
                    let mut log = log.lock().unwrap();
                    log.push(Instant::now());
                    log.len() - 1
                };
                let (status, retry_after) = script[n.min(script.len() - 1)];
                let mut response = (StatusCode::from_u16(status).unwrap(), "body").into_response();
                if let Some(wait) = retry_after {
                    response
                        .headers_mut()
                        .insert("retry-after", wait.parse().unwrap());
                }
                response
            }
        }),
    );
    let (url, task) = serve(app).await;
    (url, task, seen)
}

/// Runs ONE_GET (or `cases`) with the flags; the JSON report and the output.
async fn run(
    url: &str,
    cases: &str,
    flags: &[&str],
) -> (verity::report::Report, std::process::Output) {
    support::run_with_report("name: s\n", cases, url, flags).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_with_retry_after_is_waited_out_and_retried() {
    let (url, task, seen) = scripted(vec![(429, Some("1")), (200, None)]).await;
    let (report, output) = run(&url, ONE_GET, &[]).await;
    let (stdout, _) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("PASS  s::get"), "{stdout}");
    assert!(stdout.contains(", 1 retry)"), "{stdout}");
    let step = &report.results[0].steps[0];
    assert_eq!(step.attempts, 2);
    assert_eq!(
        step.retries,
        vec!["attempt 1: answered 429, waited 1.0 s (Retry-After)".to_string()]
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert!(
        seen[1] - seen[0] >= Duration::from_millis(990),
        "Retry-After: 1 was not honoured: {:?}",
        seen[1] - seen[0]
    );
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_are_bounded_and_the_last_answer_is_checked() {
    let (url, task, seen) = scripted(vec![(503, None)]).await;
    let (report, output) = run(&url, ONE_GET, &["--retries", "2"]).await;
    let (stdout, _) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert_eq!(seen.lock().unwrap().len(), 3);
    let step = &report.results[0].steps[0];
    assert_eq!(step.attempts, 3);
    assert_eq!(step.retries.len(), 2);
    assert!(
        step.retries[0].starts_with("attempt 1: answered 503, waited 0."),
        "{:?}",
        step.retries
    );
    assert!(
        step.retries[1].starts_with("attempt 2: answered 503, waited "),
        "{:?}",
        step.retries
    );
    assert_eq!(step.response.as_ref().unwrap().status, 503);
    assert!(
        stdout.contains("retried: attempt 1: answered 503"),
        "{stdout}"
    );

    // --retries 0: one request, the 503 is the answer.
    seen.lock().unwrap().clear();
    let (report, _) = run(&url, ONE_GET, &["--retries", "0"]).await;
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert_eq!(report.results[0].steps[0].attempts, 1);
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_after_over_the_limit_is_reported_not_waited() {
    let (url, task, seen) = scripted(vec![(429, Some("3600"))]).await;
    let started = Instant::now();
    let (report, output) = run(&url, ONE_GET, &["--retry-max-wait", "5"]).await;
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(seen.lock().unwrap().len(), 1);
    let step = &report.results[0].steps[0];
    assert_eq!(step.attempts, 1);
    assert_eq!(
        step.retries,
        vec!["attempt 1: answered 429 with Retry-After 3600 s, over the 5 s limit (--retry-max-wait): not retried".to_string()]
    );
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_connections_are_retried_then_reported() {
    // A port that was just free: nothing listens there.
    let url = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let (report, output) = run(&url, ONE_GET, &["--retries", "1"]).await;
    let (stdout, _) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let step = &report.results[0].steps[0];
    assert_eq!(step.attempts, 2);
    assert!(
        step.retries[0].starts_with("attempt 1: connection failed"),
        "{:?}",
        step.retries
    );
    assert!(
        step.error
            .as_deref()
            .unwrap()
            .starts_with("connection failed"),
        "{:?}",
        step.error
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_limit_spaces_every_request_of_the_run() {
    let (url, task, seen) = scripted(vec![(200, None)]).await;
    let mut cases = String::from("cases:\n");
    for i in 0..6 {
        cases.push_str(&format!(
            "  - name: c{i}\n    steps:\n      - request: {{ method: GET, path: /x }}\n        expect: {{ status: 200 }}\n"
        ));
    }
    let (report, output) = run(&url, &cases, &["--rate-limit", "10/s", "--jobs", "6"]).await;
    assert_eq!(output.status.code(), Some(0), "{:?}", text(&output));
    assert_eq!(report.summary.passed, 6);
    let mut seen = seen.lock().unwrap().clone();
    seen.sort();
    // 10/s: the sixth request leaves 500 ms after the first. Unlimited, all
    // six would arrive within a few ms; the margin absorbs loopback jitter.
    let span = *seen.last().unwrap() - seen[0];
    assert!(
        span >= Duration::from_millis(400),
        "6 requests within {span:?} under --rate-limit 10/s"
    );

    let output = verity_async(args(&["run", "--rate-limit", "fast"])).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output).1.contains("--rate-limit `fast`"),
        "{:?}",
        text(&output)
    );
    task.abort();
}

/// A listener whose accept queue is full: new connections never open.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connect_timeout_bounds_a_connection_that_never_opens() {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1).unwrap();
    let addr = listener.local_addr().unwrap();
    // Fill the queue; connections past it wait for an accept that never comes.
    let mut held = Vec::new();
    for _ in 0..4 {
        if let Ok(Ok(s)) = tokio::time::timeout(
            Duration::from_millis(200),
            tokio::net::TcpStream::connect(addr),
        )
        .await
        {
            held.push(s);
        }
    }
    let started = Instant::now();
    let (report, _) = run(
        &format!("http://{addr}"),
        ONE_GET,
        &[
            "--connect-timeout",
            "0.5",
            "--timeout",
            "20",
            "--retries",
            "0",
        ],
    )
    .await;
    assert!(started.elapsed() < Duration::from_secs(15));
    let error = report.results[0].steps[0].error.clone().unwrap();
    assert_eq!(
        error,
        "connection failed: no connection within 0.5 s (--connect-timeout)"
    );
    drop(listener);
}

mod tls {
    use super::*;
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn fixture(name: &str) -> std::path::PathBuf {
        support::repo().join("tests/fixtures/tls").join(name)
    }

    /// An HTTPS server whose certificate a private CA signed; it answers 200.
    async fn https_server() -> (String, tokio::task::JoinHandle<()>) {
        let certs: Vec<CertificateDer> = CertificateDer::pem_file_iter(fixture("server.pem"))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let key = PrivateKeyDer::from_pem_file(fixture("server.key")).unwrap();
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "https://localhost:{}",
            listener.local_addr().unwrap().port()
        );
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(stream).await else {
                        return;
                    };
                    let mut request = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match tls.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                    }
                    let _ = tls
                        .write_all(
                            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                        )
                        .await;
                    let _ = tls.shutdown().await;
                });
            }
        });
        (url, task)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_private_ca_needs_cacert_or_a_loud_insecure() {
        let (url, task) = https_server().await;

        let (report, output) = run(&url, ONE_GET, &[]).await;
        assert_eq!(output.status.code(), Some(1));
        let step = &report.results[0].steps[0];
        let error = step.error.clone().unwrap();
        assert!(error.starts_with("TLS failed: "), "{error}");
        assert!(error.contains("--cacert"), "{error}");
        assert_eq!(step.attempts, 1, "a refused certificate is not retried");

        let ca = path_str(&fixture("ca.pem"));
        let (report, output) = run(&url, ONE_GET, &["--cacert", &ca]).await;
        assert_eq!(output.status.code(), Some(0), "{:?}", text(&output));
        assert_eq!(report.summary.passed, 1);
        assert!(!text(&output).1.contains("warning"), "{:?}", text(&output));

        let (report, output) = run(&url, ONE_GET, &["--insecure"]).await;
        assert_eq!(output.status.code(), Some(0), "{:?}", text(&output));
        assert_eq!(report.summary.passed, 1);
        let (_, stderr) = text(&output);
        assert!(
            stderr.contains("warning: --insecure: TLS certificates are NOT verified"),
            "{stderr}"
        );
        task.abort();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_cacert_that_is_not_a_certificate_is_a_usage_error() {
        let dir = tempfile::tempdir().unwrap();
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "not a certificate").unwrap();
        for (path, want) in [
            (path_str(&junk), "cannot build the HTTP client"),
            (path_str(&dir.path().join("missing.pem")), "--cacert"),
        ] {
            let output = verity_async(args(&["run", "--cacert", &path])).await;
            let (_, stderr) = text(&output);
            assert_eq!(output.status.code(), Some(2), "{stderr}");
            assert!(stderr.contains(want), "{stderr}");
        }
    }
}

/// Proxies come from the environment, except for loopback targets. The
/// "proxy" here is a local server that answers every request itself; the
/// other host is never resolved, as a proxied request names it to the proxy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxies_from_the_environment_apply_except_to_loopback() {
    let (direct, direct_task, direct_seen) = scripted(vec![(200, None)]).await;
    let proxied_targets = Arc::new(Mutex::new(Vec::new()));
    let log = proxied_targets.clone();
    let proxy = Router::new().fallback(move |uri: axum::http::Uri| {
        let log = log.clone();
        async move {
            log.lock().unwrap().push(uri.to_string());
            "via the proxy"
        }
    });
    let (proxy_url, proxy_task) = serve(proxy).await;
    let dir = suite_dir("name: s\n", &[("c.yaml", ONE_GET)]);
    for (base, via_proxy) in [
        (direct.as_str(), false),
        ("http://verity-proxy-test.invalid", true),
    ] {
        let output = support::verity_async_env(
            args(&[
                "run",
                "--cases",
                &path_str(dir.path()),
                "--base-url",
                base,
                "--retries",
                "0",
            ]),
            vec![
                ("HTTP_PROXY".into(), proxy_url.clone()),
                ("http_proxy".into(), proxy_url.clone()),
                ("NO_PROXY".into(), String::new()),
                ("no_proxy".into(), String::new()),
            ],
        )
        .await;
        assert_eq!(output.status.code(), Some(0), "{base}: {:?}", text(&output));
        let proxied = proxied_targets.lock().unwrap().clone();
        if via_proxy {
            assert_eq!(
                proxied,
                vec!["http://verity-proxy-test.invalid/x".to_string()]
            );
        } else {
            assert!(
                proxied.is_empty(),
                "loopback went through the proxy: {proxied:?}"
            );
            assert_eq!(direct_seen.lock().unwrap().len(), 1);
        }
    }
    direct_task.abort();
    proxy_task.abort();
}
