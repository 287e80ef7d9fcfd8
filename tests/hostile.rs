//! Servers that misbehave on purpose, one way at a time. Against each,
//! `verity run` finishes within its timeouts, fails every affected case with
//! a reason that says what happened, never panics, never prints the secret
//! API key, and exits 1.
//!
//! Every run also writes a JSON and a JUnit report, which must be whole,
//! hold each failed case with the reason the console gave, and no secret.
//!
//! The servers are raw TCP on 127.0.0.1:0, so they can break HTTP itself.
//! (`tests/transport.rs` tests the retry policy itself, on a scripted server.)

mod support;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use support::{args, path_str, suite_dir, text, verity_async};
use verity::report::json;

/// The secret the suite sends as `x-api-key` with every request.
const SECRET: &str = "hostile-s3cret-9f8e7d";

const SUITE: &str = "\
name: hostile
headers:
  x-api-key: \"${api_key}\"
variables:
  api_key: { secret: true, required: true }
";

/// Two cases, so that a misbehaviour is shown to fail each case it touches.
const CASES: &str = "\
cases:
  - name: get-member
    steps:
      - request: { method: GET, path: /v1/members/m1 }
        expect:
          status: 200
          body: { paths: [{ path: $.memberId, equals: m1 }] }
  - name: patch-member
    steps:
      - request: { method: PATCH, path: /v1/members/m1, json: { firstName: Ann } }
        expect:
          status: 200
          body: { paths: [{ path: $.firstName, equals: Ann }] }
";

const CASE_NAMES: [&str; 2] = ["hostile::get-member", "hostile::patch-member"];

/// A request as the raw servers read it: enough to branch on.
#[derive(Debug, Clone)]
struct Head {
    path: String,
    text: String,
}

struct RawServer {
    url: String,
    /// Connections accepted so far.
    connections: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads a request head and drains its body (by Content-Length), so the
/// client has finished sending before the server misbehaves.
async fn read_request(stream: &mut TcpStream) -> Option<Head> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        if buffer.len() > 64 * 1024 {
            return None;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let text = String::from_utf8_lossy(&buffer[..end]).into_owned();
    let length: usize = text
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut have = buffer.len() - end;
    while have < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        have += n;
    }
    let path = text.split_whitespace().nth(1).unwrap_or("/").to_string();
    Some(Head { path, text })
}

/// Serves each connection with `handle`, which gets the stream after the
/// first request has been read.
async fn raw_server<F, Fut>(bind: &str, handle: F) -> RawServer
where
    F: Fn(TcpStream, Head) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind(bind).await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    let handle = Arc::new(handle);
    let task = tokio::spawn(async move {
        loop {
            // A connection reset before it was accepted fails `accept`: the
            // server goes on, or later connections would wait unanswered.
            let Ok((mut stream, _)) = listener.accept().await else {
                tokio::time::sleep(Duration::from_millis(1)).await;
                continue;
            };
            counted.fetch_add(1, Ordering::SeqCst);
            let handle = handle.clone();
            tokio::spawn(async move {
                if let Some(head) = read_request(&mut stream).await {
                    handle(stream, head).await;
                }
            });
        }
    });
    RawServer {
        url: format!("http://{addr}"),
        connections,
        task,
    }
}

/// A server that writes the same bytes to every connection, then closes it.
async fn answering(bytes: impl Into<Vec<u8>>) -> RawServer {
    let bytes = Arc::new(bytes.into());
    raw_server("127.0.0.1:0", move |mut stream, _| {
        let bytes = bytes.clone();
        async move {
            let _ = stream.write_all(&bytes).await;
        }
    })
    .await
}

struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
    /// The JSON report's text, and the JUnit report's.
    json: String,
    junit: String,
}

/// `verity run` of the two cases against `url`, with extra arguments.
async fn run_against(url: &str, extra: &[&str]) -> Outcome {
    let dir = suite_dir(SUITE, &[("c.yaml", CASES)]);
    let mut args = args(&[
        "run",
        "--cases",
        &path_str(dir.path()),
        "--base-url",
        url,
        "--var",
        &format!("api_key={SECRET}"),
    ]);
    let reports = tempfile::tempdir().unwrap();
    let json = reports.path().join("r.json");
    let junit = reports.path().join("r.xml");
    for report in [
        format!("json:{}", json.display()),
        format!("junit:{}", junit.display()),
    ] {
        args.extend(["--report".to_string(), report]);
    }
    args.extend(support::args(extra));
    let started = Instant::now();
    let output = verity_async(args).await;
    let elapsed = started.elapsed();
    let (stdout, stderr) = text(&output);
    let read = |path: &std::path::Path| {
        std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("{}: {e}\n{stdout}\n{stderr}", path.display()))
    };
    Outcome {
        code: output.status.code(),
        json: read(&json),
        junit: read(&junit),
        stdout,
        stderr,
        elapsed,
    }
}

impl Outcome {
    /// What every hostile server must get: exit 1 within `within`, each case
    /// failed with `reason` in its report, no panic, no secret.
    fn assert_each_case_failed(&self, reason: &str, within: Duration) {
        let all = format!("stdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        assert_eq!(self.code, Some(1), "{all}");
        assert!(
            self.elapsed < within,
            "took {:?}, over {within:?}\n{all}",
            self.elapsed
        );
        assert!(!all.contains("panicked"), "{all}");
        assert!(!all.contains(SECRET), "the secret was printed:\n{all}");
        for case in CASE_NAMES {
            assert!(
                self.stdout.contains(&format!("FAIL  {case}")),
                "{case}\n{all}"
            );
        }
        assert_eq!(
            self.stdout.matches(reason).count(),
            CASE_NAMES.len(),
            "`{reason}` once per case\n{all}"
        );
        assert!(
            support::last_line(&self.stdout).ends_with("0 passed, 2 failed"),
            "{all}"
        );
        self.assert_reports_tell_the_failures();
    }

    /// Both reports are whole and secret-free; the JSON one holds each case
    /// as failed, with the reason the console printed.
    fn assert_reports_tell_the_failures(&self) {
        for (name, text) in [("JSON", &self.json), ("JUnit", &self.junit)] {
            assert!(!text.contains(SECRET), "the {name} report holds the secret");
        }
        let junit = roxmltree::Document::parse(&self.junit).expect("the JUnit report is XML");
        assert_eq!(junit.root_element().attribute("failures"), Some("2"));
        let report = json::parse(&self.json).expect("the JSON report reads back");
        assert_eq!((report.summary.passed, report.summary.failed), (0, 2));
        for case in &report.results {
            assert_eq!(case.outcome, verity::run::Outcome::Failed, "{}", case.case);
            let step = case.failed_step().expect("a failed step");
            match &step.error {
                Some(error) => assert!(self.stdout.contains(error.as_str()), "{error}"),
                None => assert!(step.checks.iter().any(|c| !c.passed), "{}", case.case),
            }
        }
    }
}

/// A whole answer. The raw servers serve one request per connection, and
/// say so: a client may not reuse a connection the server is about to close.
fn response(status: &str, headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let mut text = format!(
        "HTTP/1.1 {status}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    text.push_str(body);
    text.into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_answering_after_30_s_times_out() {
    let server = raw_server("127.0.0.1:0", |mut stream, _| async move {
        tokio::time::sleep(Duration::from_secs(30)).await;
        let _ = stream
            .write_all(&response("200 OK", &[], r#"{"memberId":"m1"}"#))
            .await;
    })
    .await;
    let outcome = run_against(&server.url, &["--timeout", "1"]).await;
    outcome.assert_each_case_failed("timed out after 1.0 s", Duration::from_secs(10));
}

/// Headers at once, then the body a byte a second: the timeout bounds the
/// whole exchange, not each read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_trickling_its_body_times_out() {
    let server = raw_server("127.0.0.1:0", |mut stream, _| async move {
        let head =
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n";
        if stream.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        for _ in 0..1000 {
            tokio::time::sleep(Duration::from_millis(500)).await;
            if stream.write_all(b" ").await.is_err() {
                return;
            }
        }
    })
    .await;
    let outcome = run_against(&server.url, &["--timeout", "2"]).await;
    outcome.assert_each_case_failed("timed out after 2.0 s", Duration::from_secs(10));
}

/// Streams up to 1 GiB to each connection, with or without announcing its
/// length, and counts what it managed to write.
async fn gigabyte_server(announce_length: bool) -> (RawServer, Arc<AtomicU64>) {
    const GIB: u64 = 1 << 30;
    let written = Arc::new(AtomicU64::new(0));
    let counter = written.clone();
    let server = raw_server("127.0.0.1:0", move |mut stream, _| {
        let counter = counter.clone();
        async move {
            let length = if announce_length {
                format!("content-length: {GIB}\r\n")
            } else {
                "connection: close\r\n".to_string()
            };
            let head = format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{length}\r\n");
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let chunk = vec![b'7'; 64 * 1024];
            let mut sent = 0;
            while sent < GIB {
                if stream.write_all(&chunk).await.is_err() {
                    return;
                }
                sent += chunk.len() as u64;
                counter.fetch_add(chunk.len() as u64, Ordering::SeqCst);
            }
        }
    })
    .await;
    (server, written)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_gib_body_is_cut_at_the_cap_without_reading_it() {
    for announce_length in [false, true] {
        let (server, written) = gigabyte_server(announce_length).await;
        // The default cap: 10 MiB.
        let outcome = run_against(&server.url, &["--timeout", "20"]).await;
        outcome.assert_each_case_failed(
            "response body over the 10485760 byte cap (see --max-body)",
            Duration::from_secs(20),
        );
        // verity stopped reading: the server could write the cap and what
        // the sockets buffer, for each case, far from 1 GiB.
        let sent = written.load(Ordering::SeqCst);
        println!("length announced: {announce_length}; the server wrote {sent} bytes");
        assert!(
            sent < 2 * (10 << 20) + (32 << 20),
            "the server wrote {sent} bytes (length announced: {announce_length})"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_that_are_not_http_are_a_protocol_error() {
    let server =
        answering(&b"SSH-2.0-OpenSSH_9.6\r\n\x00\x01\x02 not http at all\r\n\r\n"[..]).await;
    let outcome = run_against(&server.url, &[]).await;
    outcome.assert_each_case_failed("protocol error", Duration::from_secs(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_closing_without_an_answer_is_a_protocol_error() {
    let server = raw_server("127.0.0.1:0", |stream, _| async move {
        drop(stream);
    })
    .await;
    let outcome = run_against(&server.url, &[]).await;
    outcome.assert_each_case_failed("protocol error", Duration::from_secs(10));
    // A new connection closed without an answer is the server's failure,
    // not a stale pooled connection: not sent again (`tests/stale.rs`).
    assert_eq!(
        server.connections.load(Ordering::SeqCst),
        CASE_NAMES.len(),
        "a request was sent again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_connection_is_reported() {
    // Before any answer, and in the middle of a body.
    for midway in [false, true] {
        let server = raw_server("127.0.0.1:0", move |mut stream, _| async move {
            if midway {
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"memberId\":";
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.flush().await;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            // SO_LINGER 0: closing sends RST instead of FIN.
            let _ = stream.set_zero_linger();
            drop(stream);
        })
        .await;
        let outcome = run_against(&server.url, &[]).await;
        outcome.assert_each_case_failed("protocol error", Duration::from_secs(10));
        assert!(
            outcome.stdout.contains("reset"),
            "the reason names the reset:\n{}",
            outcome.stdout
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_json_with_a_json_content_type_fails_the_check() {
    let body = r#"{"memberId": "m1", "firstName": "An"#;
    let server = answering(response(
        "200 OK",
        &[("content-type", "application/json")],
        body,
    ))
    .await;
    let outcome = run_against(&server.url, &[]).await;
    outcome.assert_each_case_failed("✗ body is JSON", Duration::from_secs(10));
    assert!(
        outcome.stdout.contains("EOF while parsing"),
        "the parser's reason is shown:\n{}",
        outcome.stdout
    );
}

/// A body shorter than its Content-Length, then the connection closes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_shorter_than_announced_is_a_protocol_error() {
    let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{\"memberId\": \"m1\"";
    let server = answering(head).await;
    let outcome = run_against(&server.url, &[]).await;
    outcome.assert_each_case_failed("protocol error", Duration::from_secs(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_answering_500_to_everything_fails_every_case() {
    let body = r#"{"code":"InternalServerError","message":"boom"}"#;
    let json = [("content-type", "application/json")];
    let server = answering(response("500 Internal Server Error", &json, body)).await;
    let outcome = run_against(&server.url, &[]).await;
    outcome.assert_each_case_failed("actual:   500", Duration::from_secs(10));
}

/// Throttled first: the answer is waited out as `Retry-After` asks, then
/// the proper answer is checked, and each case passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_with_retry_after_is_waited_out_then_answered_properly() {
    let asked = Arc::new(AtomicUsize::new(0));
    let count = asked.clone();
    let server = raw_server("127.0.0.1:0", move |mut stream, head| {
        let count = count.clone();
        async move {
            let json = [("content-type", "application/json")];
            // The first request of each case is throttled.
            let answer = if count.fetch_add(1, Ordering::SeqCst) < CASE_NAMES.len() {
                let throttled = [("retry-after", "1"), json[0]];
                let body = r#"{"code":"RateLimitExceeded","message":"slow down"}"#;
                response("429 Too Many Requests", &throttled, body)
            } else if head.text.starts_with("PATCH") {
                response("200 OK", &json, r#"{"memberId":"m1","firstName":"Ann"}"#)
            } else {
                response("200 OK", &json, r#"{"memberId":"m1"}"#)
            };
            let _ = stream.write_all(&answer).await;
        }
    })
    .await;
    let outcome = run_against(&server.url, &[]).await;
    let all = format!("{}\n{}", outcome.stdout, outcome.stderr);
    assert_eq!(outcome.code, Some(0), "{all}");
    assert!(outcome.stdout.ends_with("2 passed, 0 failed\n"), "{all}");
    assert!(
        outcome.elapsed >= Duration::from_secs(1),
        "Retry-After: 1 was not waited for"
    );
    assert!(
        outcome.elapsed < Duration::from_secs(10),
        "{:?}",
        outcome.elapsed
    );
    assert_eq!(asked.load(Ordering::SeqCst), 2 * CASE_NAMES.len());
    let report = json::parse(&outcome.json).unwrap();
    for case in &report.results {
        assert_eq!(case.steps[0].attempts, 2, "{}", case.case);
    }
    assert!(!outcome.json.contains(SECRET) && !all.contains(SECRET));
}

/// Throttled for ever: the retries are bounded, then each case fails with
/// the 429 it last got.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_throttling_for_ever_fails_each_case_after_the_retries() {
    let throttled = [("retry-after", "1"), ("content-type", "application/json")];
    let body = r#"{"code":"RateLimitExceeded","message":"slow down"}"#;
    let server = answering(response("429 Too Many Requests", &throttled, body)).await;
    let outcome = run_against(&server.url, &["--retries", "2"]).await;
    outcome.assert_each_case_failed("actual:   429", Duration::from_secs(10));
    assert!(
        outcome.elapsed >= Duration::from_secs(2),
        "{:?}",
        outcome.elapsed
    );
    assert_eq!(
        server.connections.load(Ordering::SeqCst),
        3 * CASE_NAMES.len()
    );
}

/// A redirect to another host is an answer, never followed: the other host
/// sees no connection at all, so the `x-api-key` cannot reach it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_to_another_host_is_not_followed_and_leaks_nothing() {
    // Another loopback address where the system has one (Linux routes all of
    // 127/8 to lo), else another port.
    let elsewhere_bind = match std::net::TcpListener::bind("127.0.0.2:0") {
        Ok(probe) => {
            drop(probe);
            "127.0.0.2:0"
        }
        Err(_) => "127.0.0.1:0",
    };
    let leaked = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let seen = leaked.clone();
    let elsewhere = raw_server(elsewhere_bind, move |_, head| {
        let seen = seen.clone();
        async move {
            seen.lock().unwrap().push(head.text);
        }
    })
    .await;
    for status in [
        "301 Moved Permanently",
        "302 Found",
        "307 Temporary Redirect",
        "308 Permanent Redirect",
    ] {
        let target = format!("{}/steal", elsewhere.url);
        let server = raw_server("127.0.0.1:0", move |mut stream, head| {
            let target = target.clone();
            async move {
                let location = format!("{target}{}", head.path);
                let _ = stream
                    .write_all(&response(status, &[("location", &location)], ""))
                    .await;
            }
        })
        .await;
        let outcome = run_against(&server.url, &[]).await;
        let code = &status[..3];
        outcome.assert_each_case_failed(&format!("actual:   {code}"), Duration::from_secs(10));
        assert!(
            server.connections.load(Ordering::SeqCst) >= 1,
            "{status}: no request reached the server"
        );
    }
    assert_eq!(
        elsewhere.connections.load(Ordering::SeqCst),
        0,
        "the other host was contacted: {:?}",
        leaked.lock().unwrap()
    );
}
