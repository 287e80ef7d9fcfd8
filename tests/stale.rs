//! Servers that close kept-alive connections while verity's pool holds
//! them, silently (no `connection: close`), as nginx's `keepalive_timeout`
//! and load balancers do. A request that meets such a close was never
//! processed: verity sends it again once, at once, on a new connection,
//! whatever its method, and says so in the step's record. A timeout or an
//! answer cut short on a reused connection is never sent again.
//!
//! The suite paces its steps (`pacing:`), so each request goes out about
//! when the server gives up on the connection.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use support::text;

/// What a server does with a request that comes on a connection which
/// has answered before.
#[derive(Clone, Copy)]
enum Reused {
    /// Closes every connection left idle this long, as a timer would: the
    /// close and the next request cross when they come together.
    IdleTimeout(Duration),
    /// Closes without answering when the request comes this long or more
    /// after the last answer: the crossing of a close and a request, made
    /// certain. Every second such close is a reset (SO_LINGER 0) instead
    /// of a FIN.
    ClosesAfter(Duration),
    /// Never answers (verity times out).
    Hangs,
    /// Writes a head and part of the body, then closes.
    HalfAnswers,
}

#[derive(Default)]
struct Counts {
    /// Requests read in full.
    received: AtomicUsize,
    /// Requests answered in full.
    answered: AtomicUsize,
    /// Requests met with a close and no answer.
    closed: AtomicUsize,
}

struct Server {
    url: String,
    counts: Arc<Counts>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one request (head, then the body its Content-Length announces);
/// `None` when the connection ends first.
async fn read_request(stream: &mut TcpStream) -> Option<()> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 || buffer.len() > 64 * 1024 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let mut have = buffer.len() - end;
    while have < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        have += n;
    }
    Some(())
}

const ANSWER: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{\"ok\":true}";

async fn serve_connection(mut stream: TcpStream, reused: Reused, counts: Arc<Counts>, nth: usize) {
    let mut answered_at: Option<Instant> = None;
    loop {
        let request = match (reused, answered_at) {
            (Reused::IdleTimeout(idle), Some(_)) => {
                match tokio::time::timeout(idle, read_request(&mut stream)).await {
                    Ok(request) => request,
                    // Idle too long: closed, silently.
                    Err(_) => return,
                }
            }
            _ => read_request(&mut stream).await,
        };
        if request.is_none() {
            return;
        }
        counts.received.fetch_add(1, Ordering::SeqCst);
        if let Some(at) = answered_at {
            match reused {
                Reused::IdleTimeout(_) => {}
                Reused::ClosesAfter(gap) if at.elapsed() >= gap => {
                    counts.closed.fetch_add(1, Ordering::SeqCst);
                    if nth % 2 == 1 {
                        let _ = stream.set_zero_linger();
                    }
                    return;
                }
                Reused::ClosesAfter(_) => {}
                Reused::Hangs => {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    return;
                }
                Reused::HalfAnswers => {
                    let half = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"ok\":";
                    let _ = stream.write_all(half).await;
                    let _ = stream.flush().await;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    return;
                }
            }
        }
        if stream.write_all(ANSWER).await.is_err() {
            return;
        }
        counts.answered.fetch_add(1, Ordering::SeqCst);
        answered_at = Some(Instant::now());
    }
}

async fn server(reused: Reused) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let counts = Arc::new(Counts::default());
    let shared = counts.clone();
    let task = tokio::spawn(async move {
        let mut nth = 0;
        loop {
            // A connection reset before it was accepted fails `accept`
            // (ECONNABORTED): the server goes on, or every later
            // connection would wait unanswered in the backlog.
            let Ok((stream, _)) = listener.accept().await else {
                tokio::time::sleep(Duration::from_millis(1)).await;
                continue;
            };
            nth += 1;
            tokio::spawn(serve_connection(stream, reused, shared.clone(), nth));
        }
    });
    Server { url, counts, task }
}

/// One case of `steps` steps, cycling through the methods, paced
/// `interval_ms` apart.
fn suite(interval_ms: u64, steps: usize) -> (String, String) {
    let suite = format!("name: s\npacing: {{ step_interval_ms: {interval_ms} }}\n");
    let mut case = String::from("cases:\n  - name: c\n    steps:\n");
    for i in 0..steps {
        let request = match i % 5 {
            0 => "{ method: GET, path: /x }".to_string(),
            1 => format!("{{ method: POST, path: /x, json: {{ n: {i} }} }}"),
            2 => format!("{{ method: PUT, path: /x, json: {{ n: {i} }} }}"),
            3 => format!("{{ method: PATCH, path: /x, json: {{ n: {i} }} }}"),
            _ => "{ method: DELETE, path: /x }".to_string(),
        };
        case.push_str(&format!(
            "      - request: {request}\n        expect: {{ status: 200, body: {{ json: {{ ok: true }} }} }}\n"
        ));
    }
    (suite, case)
}

async fn run(
    url: &str,
    interval_ms: u64,
    steps: usize,
    flags: &[&str],
) -> (verity::report::Report, std::process::Output) {
    let (suite, case) = suite(interval_ms, steps);
    support::run_with_report(&suite, &case, url, flags).await
}

const NOTE: &str = "the server had closed the kept-alive connection without answering";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_meeting_a_closed_pooled_connection_is_sent_again_once_on_a_new_one() {
    const STEPS: usize = 20;
    let server = server(Reused::ClosesAfter(Duration::from_millis(25))).await;
    // --retries 0: the resend is not a retry of what a server answered.
    let (report, output) = run(&server.url, 50, STEPS, &["--retries", "0"]).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.ends_with("1 passed, 0 failed\n"), "{stdout}");
    let steps = &report.results[0].steps;
    assert_eq!(steps.len(), STEPS);
    let mut resent = 0;
    for (i, step) in steps.iter().enumerate() {
        match step.attempts {
            1 => assert!(step.retries.is_empty(), "step {i}: {:?}", step.retries),
            2 => {
                resent += 1;
                assert_eq!(step.retries.len(), 1, "step {i}");
                assert!(
                    step.retries[0].starts_with("attempt 1: ") && step.retries[0].contains(NOTE),
                    "step {i}: {:?}",
                    step.retries
                );
            }
            n => panic!("step {i}: {n} attempts: {:?}", step.retries),
        }
    }
    let counts = &server.counts;
    // Each step was answered once: what met a close was not processed.
    assert_eq!(counts.answered.load(Ordering::SeqCst), STEPS);
    assert_eq!(counts.closed.load(Ordering::SeqCst), resent);
    // A new connection answers; the one after it in the pool is closed on:
    // every second step at least met a closed connection.
    assert!(resent >= STEPS / 2 - 1, "{resent} of {STEPS} steps resent");
    // Every method was sent again somewhere.
    let methods: std::collections::BTreeSet<&str> = steps
        .iter()
        .filter(|s| s.attempts == 2)
        .map(|s| s.request.method.as_str())
        .collect();
    assert_eq!(methods.len(), 5, "{methods:?}");
    assert!(stdout.contains(&format!(", {resent} retries)")), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_closing_idle_connections_silently_fails_no_step() {
    const STEPS: usize = 60;
    let idle = Duration::from_millis(18);
    let server = server(Reused::IdleTimeout(idle)).await;
    let (report, output) = run(&server.url, 20, STEPS, &[]).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    let steps = &report.results[0].steps;
    assert!(steps.iter().all(|s| s.attempts <= 2), "{steps:?}");
    assert_eq!(server.counts.answered.load(Ordering::SeqCst), STEPS);
    println!(
        "{} of {STEPS} steps met a closed connection and were sent again",
        steps.iter().filter(|s| s.attempts == 2).count()
    );
}

/// The server may have acted on these: a timeout, an answer cut short.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_or_an_answer_cut_short_on_a_reused_connection_is_not_sent_again() {
    for (reused, reason) in [
        (Reused::Hangs, "timed out"),
        (Reused::HalfAnswers, "protocol error"),
    ] {
        let server = server(reused).await;
        let (report, output) = run(&server.url, 0, 2, &["--timeout", "1"]).await;
        let (stdout, _) = text(&output);
        assert_eq!(output.status.code(), Some(1), "{stdout}");
        let step = &report.results[0].steps[1];
        assert_eq!(step.attempts, 1, "{reason}: {:?}", step.retries);
        assert!(
            step.error.as_deref().unwrap_or_default().contains(reason),
            "{step:?}"
        );
        assert_eq!(server.counts.received.load(Ordering::SeqCst), 2, "{reason}");
    }
}
