//! verity against the raw HTTP limit of this machine, and how its time and
//! memory grow with the work. Run it with `scripts/bench.sh`, which installs
//! the load generator (wrk) and then runs `cargo bench --bench limits`.
//!
//! In one run, on one `verity serve` process (the embedded reference
//! servers, in a process of their own):
//! 1. the raw limit: wrk sending one Onsi PATCH (with its x-api-key) to one
//!    member over and over, at `--concurrency` connections;
//! 2. verity: `--concurrency` runs of the Onsi `valid-partial-update`
//!    property at once (each its own seed), every answer checked (status,
//!    schema, echo, unchanged), as checked requests and PATCHes per second;
//! 3. the full default `verity run` (embedded servers, snapshots checked):
//!    wall time and peak memory (RSS);
//! 4. the same with 10× and 100× the property cases and with 10× the case
//!    files (copies of the committed suites), with embedded servers and
//!    against `verity serve` (verity's memory alone, the server's apart);
//!    a run of at least 100,000 checked requests; loading 1,000 case files.
//!
//! Then a table of medians (`--runs` repetitions) and the targets.
//! Options: `--runs N` (default 3), `--concurrency N` (default 8, verity's
//! default `--jobs`), `--seconds N` (each wrk run, default 5), `--quick`
//! (leave out the 100× rows, which take minutes), `--only SECTION`
//! (`throughput`, `default`, `scaling` or `load`; repeatable; `checked`:
//! verity's checked requests alone, to profile them).

mod common;

// The allocator of the verity binary (src/main.rs), so that the checked
// requests measured in this process cost what they cost in `verity run`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::fmt::Write as _;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use common::{machine, median};
use verity::http::{Client, ClientOptions, OutgoingRequest};
use verity::properties::{self, Settings};
use verity::reference::DEMO_API_KEY;
use verity::run::Outcome;

const VERITY: &str = env!("CARGO_BIN_EXE_verity");
const SEED: u64 = 2026;
/// The member the committed suites expect as active (seeded by the server).
const ACTIVE_MEMBER: &str = "mem_q5sdae3se6eg9m9dcvug";
/// The PATCH wrk sends: three fields, as a property's update often has.
const PATCH_BODY: &str = r#"{"firstName":"Annabel","lastName":"Lee","phone":"+447700900123"}"#;
const TARGET_RATIO: f64 = 0.5;
/// verity's CPU per checked request at most this many times wrk's per request.
const TARGET_CPU_RATIO: f64 = 2.5;
const TARGET_DEFAULT_RUN_S: f64 = 3.0;
const TARGET_RSS_MIB: f64 = 100.0;
const TARGET_LOAD_MS: f64 = 200.0;
const CHECKED_REQUESTS: u64 = 100_000;
const CASE_FILES: usize = 1000;
/// Generated cases of each property run in 2: a few seconds of work.
const CASES_PER_RUN: u32 = 400;

struct Config {
    runs: usize,
    concurrency: usize,
    seconds: u32,
    quick: bool,
    /// Sections to measure (`throughput`, `default`, `scaling`, `load`); all when empty.
    only: Vec<String>,
}

fn config() -> Config {
    let mut config = Config {
        runs: 3,
        concurrency: 8,
        seconds: 5,
        quick: false,
        only: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |flag: &str| -> usize {
            args.next()
                .and_then(|v| v.parse().ok())
                .filter(|n| *n > 0)
                .unwrap_or_else(|| panic!("{flag} takes a positive number"))
        };
        match arg.as_str() {
            "--runs" => config.runs = number("--runs"),
            "--concurrency" => config.concurrency = number("--concurrency"),
            "--seconds" => config.seconds = number("--seconds") as u32,
            "--quick" => config.quick = true,
            "--only" => config
                .only
                .push(args.next().expect("--only takes a section")),
            // cargo bench passes `--bench`.
            "--bench" => {}
            other => panic!(
                "unknown option {other}: --runs N, --concurrency N, --seconds N, --quick, --only SECTION"
            ),
        }
    }
    config
}

/// A `verity serve` process on a free loopback port; killed when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(VERITY)
            .args(["serve", "--addr", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("verity serve starts");
        let mut lines = BufReader::new(child.stdout.take().expect("a piped stdout")).lines();
        let first = lines
            .next()
            .and_then(Result::ok)
            .expect("verity serve says where it listens");
        let url = first
            .rsplit(' ')
            .next()
            .filter(|u| u.starts_with("http://"))
            .unwrap_or_else(|| panic!("unexpected first line from verity serve: {first}"))
            .to_string();
        // Keep reading, so the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Server { child, url }
    }

    /// CPU time (user and system) the server has used so far.
    fn cpu_seconds(&self) -> f64 {
        let stat =
            fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        // After the command name in parentheses: utime and stime are fields 14 and 15.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|f| f.parse::<f64>().ok())
                .unwrap_or(f64::NAN)
        };
        // SAFETY: sysconf only reads a configuration value.
        let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
        (ticks(11) + ticks(12)) / per_second
    }

    /// The server's peak resident memory so far (VmHWM), in MiB.
    fn peak_rss_mib(&self) -> f64 {
        let status =
            fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(f64::NAN, |kib| kib / 1024.0)
    }
}

/// `getrusage(who)`: this process, or its reaped children.
fn rusage(who: libc::c_int) -> libc::rusage {
    // SAFETY: an all-zero `rusage` is a valid value of the plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` outlives the call, which only writes into it.
    let got = unsafe { libc::getrusage(who, &mut usage) };
    assert_eq!(got, 0, "getrusage: {}", std::io::Error::last_os_error());
    usage
}

/// CPU time (user and system) this process, or its reaped children, used.
fn cpu_seconds(who: libc::c_int) -> f64 {
    let usage = rusage(who);
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One finished process: wall time, peak memory, and what it printed.
struct Measured {
    seconds: f64,
    peak_rss_mib: f64,
    stdout: String,
}

/// How the measuring wrapper hands its figure back, on its stderr.
const PEAK_RSS_LINE: &str = "verity-bench peak RSS KiB: ";

/// The wrapper (`limits --measure PROGRAM ARGS...`): runs the program and
/// reports its peak resident memory. A child's peak counts the memory of the
/// process it was forked from, so it is forked from this small process, not
/// from the benchmark, which holds servers and suites by then.
fn measure_wrapper(args: &[String]) -> ! {
    let status = Command::new(&args[0])
        .args(&args[1..])
        .status()
        .expect("the measured program starts");
    // Linux reports ru_maxrss in KiB.
    eprintln!("{PEAK_RSS_LINE}{}", rusage(libc::RUSAGE_CHILDREN).ru_maxrss);
    std::process::exit(status.code().unwrap_or(1));
}

/// Runs `command` (made by [`verity`]) to its end: its wall time, its peak
/// resident memory, and its output; it must exit 0.
fn measure(command: &mut Command) -> Measured {
    let started = Instant::now();
    let output = command.output().expect("the command starts");
    let seconds = started.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    let peak_kib: f64 = stderr
        .lines()
        .find_map(|l| l.strip_prefix(PEAK_RSS_LINE))
        .and_then(|v| v.trim().parse().ok())
        .expect("the wrapper reports the peak memory");
    Measured {
        seconds,
        peak_rss_mib: peak_kib / 1024.0,
        stdout,
    }
}

/// `verity ARGS`, through the measuring wrapper, with none of the caller's
/// verity variables.
fn verity(args: &[&str]) -> Command {
    let mut command = Command::new(std::env::current_exe().expect("the benchmark's own path"));
    command
        .arg("--measure")
        .arg(VERITY)
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("VERITY_VAR_API_KEY")
        .env_remove("VERITY_VAR_ACTIVE_MEMBER_ID")
        .env_remove("VERITY_VAR_PARTNER_GUID")
        .env_remove("GITHUB_ACTIONS");
    command
}

/// Requests a JSON report counts: each case's steps, each property's requests.
fn requests_in_report(path: &Path) -> u64 {
    let text = fs::read_to_string(path).expect("the JSON report is written");
    let report: serde_json::Value = serde_json::from_str(&text).expect("the report is JSON");
    report["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| match r["property"]["requests"].as_u64() {
            Some(n) => n,
            None => r["steps"].as_array().map_or(0, |s| s.len() as u64),
        })
        .sum()
}

/// Medians of `runs` runs of one `verity run` command line, and the requests
/// its JSON report counts (`--report json:` is added).
struct Row {
    label: String,
    requests: u64,
    seconds: f64,
    peak_rss_mib: f64,
    /// Peak memory of the `verity serve` it ran against, when it did.
    server_rss_mib: Option<f64>,
    runs: usize,
}

fn run_row(label: &str, args: &[&str], runs: usize, against_server: bool, scratch: &Path) -> Row {
    let report = scratch.join("report.json");
    let report_arg = format!("json:{}", report.display());
    let mut seconds = Vec::new();
    let mut rss = Vec::new();
    let mut server_rss = Vec::new();
    let mut requests = 0;
    for _ in 0..runs {
        // A fresh server each time: its memory is that of this run alone.
        let server = against_server.then(Server::start);
        let mut full: Vec<&str> = vec!["run", "-q", "--report", &report_arg];
        full.extend_from_slice(args);
        let target = server.as_ref().map(|s| s.url.clone());
        let active = format!("active_member_id={ACTIVE_MEMBER}");
        if let Some(url) = &target {
            full.extend(["--base-url", url, "--no-pacing", "--var", &active]);
        }
        let measured = measure(&mut verity(&full));
        requests = requests_in_report(&report);
        seconds.push(measured.seconds);
        rss.push(measured.peak_rss_mib);
        if let Some(server) = &server {
            server_rss.push(server.peak_rss_mib());
        }
    }
    let row = Row {
        label: label.to_string(),
        requests,
        seconds: median(seconds),
        peak_rss_mib: median(rss),
        server_rss_mib: (!server_rss.is_empty()).then(|| median(server_rss)),
        runs,
    };
    eprintln!(
        "  {label}: {:.2} s, {:.1} MiB, {} requests",
        row.seconds, row.peak_rss_mib, row.requests
    );
    row
}

/// Copies the committed suites (and their snapshots) under `dest`, each case
/// file `copies` times in all: copy `k` renames every case `NAME-copy-k`, and
/// its snapshots with it (when `snapshots`). At most `limit` case files in
/// all; returns how many were written.
fn copy_suites(dest: &Path, copies: usize, limit: Option<usize>, snapshots: bool) -> usize {
    let mut written = 0;
    for suite in ["onsi", "toluna"] {
        let from = Path::new("cases").join(suite);
        let to = dest.join("cases").join(suite);
        copy_dir(&from, &to);
        if snapshots {
            copy_dir(
                &Path::new("snapshots").join(suite),
                &dest.join("snapshots").join(suite),
            );
        }
        written += verity::case::load::suite_case_files(&from).len();
    }
    let originals: Vec<(String, PathBuf)> = ["onsi", "toluna"]
        .iter()
        .flat_map(|suite| {
            verity::case::load::suite_case_files(&Path::new("cases").join(suite))
                .into_iter()
                .map(move |f| (suite.to_string(), f))
        })
        .collect();
    'copies: for k in 2..=copies {
        for (suite, file) in &originals {
            if limit.is_some_and(|l| written >= l) {
                break 'copies;
            }
            let text = fs::read_to_string(file).expect("a committed case file");
            let mut renamed = String::new();
            for line in text.lines() {
                match line.strip_prefix("  - name: ") {
                    Some(name) => {
                        let name = name.trim().trim_matches('"');
                        if snapshots {
                            copy_snapshots(dest, suite, name, k);
                        }
                        writeln!(renamed, "  - name: {name}-copy-{k}").unwrap();
                    }
                    None => writeln!(renamed, "{line}").unwrap(),
                }
            }
            let stem = file.file_stem().unwrap().to_string_lossy();
            let target = dest
                .join("cases")
                .join(suite)
                .join(format!("{stem}-copy-{k}.yaml"));
            fs::write(target, renamed).expect("a copy is written");
            written += 1;
        }
    }
    written
}

fn copy_snapshots(dest: &Path, suite: &str, case: &str, k: usize) {
    let dir = dest.join("snapshots").join(suite);
    for entry in fs::read_dir(Path::new("snapshots").join(suite)).expect("the snapshots") {
        let name = entry
            .expect("an entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if let Some(rest) = name.strip_prefix(case).and_then(|r| r.strip_prefix('@')) {
            fs::copy(
                Path::new("snapshots").join(suite).join(&name),
                dir.join(format!("{case}-copy-{k}@{rest}")),
            )
            .expect("a snapshot is copied");
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("a directory");
    for entry in fs::read_dir(from).expect("a readable directory") {
        let entry = entry.expect("an entry");
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            fs::copy(&path, to.join(entry.file_name())).expect("a file is copied");
        }
    }
}

/// Requests per second, and the CPU time each request cost the server and
/// the client, in µs.
#[derive(Debug, Clone, Copy)]
struct Rate {
    per_second: f64,
    server_us: f64,
    client_us: f64,
}

fn median_rate(rates: &[Rate]) -> Rate {
    let of = |f: fn(&Rate) -> f64| median(rates.iter().map(f).collect());
    Rate {
        per_second: of(|r| r.per_second),
        server_us: of(|r| r.server_us),
        client_us: of(|r| r.client_us),
    }
}

/// The raw limit, from wrk, or why there is none.
fn raw_limit(
    server: &Server,
    member: &str,
    config: &Config,
    scratch: &Path,
) -> Result<Rate, String> {
    let script = scratch.join("patch.lua");
    fs::write(
        &script,
        format!(
            "wrk.method = \"PATCH\"\nwrk.body = '{PATCH_BODY}'\n\
             wrk.headers[\"Content-Type\"] = \"application/json\"\n\
             wrk.headers[\"x-api-key\"] = \"{DEMO_API_KEY}\"\n"
        ),
    )
    .map_err(|e| e.to_string())?;
    let url = format!("{}/v1/members/{member}", server.url);
    let threads = config.concurrency.min(2).to_string();
    let connections = config.concurrency.to_string();
    let wrk = |seconds: u32| -> Result<Rate, String> {
        let server_cpu = server.cpu_seconds();
        let wrk_cpu = cpu_seconds(libc::RUSAGE_CHILDREN);
        let output = Command::new("wrk")
            .args(["-t", &threads, "-c", &connections])
            .arg(format!("-d{seconds}s"))
            .arg("-s")
            .arg(&script)
            .arg(&url)
            .output()
            .map_err(|e| {
                format!(
                    "wrk cannot run ({e}): install it (scripts/bench.sh does: apt-get install wrk)"
                )
            })?;
        let text = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            return Err(format!(
                "wrk failed: {text}{}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        if text.contains("Non-2xx or 3xx responses") || text.contains("Socket errors") {
            return Err(format!("wrk saw errors; the limit would be wrong:\n{text}"));
        }
        let number = |found: Option<&str>| {
            found
                .and_then(|v| v.trim().parse::<f64>().ok())
                .ok_or_else(|| format!("unexpected output from wrk:\n{text}"))
        };
        let per_second = number(
            text.lines()
                .find_map(|l| l.trim().strip_prefix("Requests/sec:")),
        )?;
        // "  123456 requests in 5.00s, 45.6MB read"
        let requests = number(
            text.lines()
                .find_map(|l| l.split_once(" requests in ").map(|(n, _)| n)),
        )?;
        Ok(Rate {
            per_second,
            server_us: (server.cpu_seconds() - server_cpu) / requests * 1e6,
            client_us: (cpu_seconds(libc::RUSAGE_CHILDREN) - wrk_cpu) / requests * 1e6,
        })
    };
    wrk(1)?; // warm-up
    let mut rates = Vec::new();
    for _ in 0..config.runs {
        rates.push(wrk(config.seconds)?);
    }
    Ok(median_rate(&rates))
}

/// Creates one Onsi member on the server; its id.
async fn create_member(client: &Client, server: &Server) -> String {
    let request = OutgoingRequest {
        method: "POST",
        url: url::Url::parse(&format!("{}/v1/members", server.url)).unwrap(),
        headers: vec![
            ("x-api-key".into(), DEMO_API_KEY.into()),
            ("content-type".into(), "application/json".into()),
        ],
        body: Some(
            br#"{"email":"wrk@example.com","firstName":"Ann","lastName":"Lee","tier":"Gold"}"#
                .to_vec(),
        ),
    };
    let response = client.send(request).await.expect("the member is created");
    assert_eq!(
        response.status,
        201,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
    body["memberId"].as_str().expect("a memberId").to_string()
}

/// How the senders of [`client_alone`] are driven.
#[derive(Clone, Copy, PartialEq)]
enum Senders {
    /// Tasks of the bench's shared multi-threaded runtime.
    Tasks,
    /// Each on a thread of its own with its own single-threaded runtime and
    /// connection pool, sending one request at a time: as each property run
    /// sends (`PropertyRun::run_on_own_thread`), so the floor under its
    /// checked requests.
    Threads,
}

/// verity's HTTP client alone (`verity::http::Client`, reqwest inside)
/// sending wrk's PATCH from `concurrency` senders for `seconds`, checking
/// nothing but the status: the floor under every checked request.
async fn client_alone(
    server: &Server,
    member: &str,
    concurrency: usize,
    seconds: u32,
    senders: Senders,
) -> Rate {
    let client = Client::new(ClientOptions::default()).unwrap();
    let url = url::Url::parse(&format!("{}/v1/members/{member}", server.url)).unwrap();
    let server_cpu = server.cpu_seconds();
    let own_cpu = cpu_seconds(libc::RUSAGE_SELF);
    let started = Instant::now();
    let until = started + std::time::Duration::from_secs(seconds.into());
    let mut requests = 0;
    match senders {
        Senders::Tasks => {
            let mut handles = Vec::new();
            for _ in 0..concurrency {
                handles.push(tokio::spawn(send_until(client.clone(), url.clone(), until)));
            }
            for handle in handles {
                requests += handle.await.expect("a sender finishes");
            }
        }
        Senders::Threads => {
            let mut handles = Vec::new();
            for _ in 0..concurrency {
                let (client, url) = (client.with_own_pool().unwrap(), url.clone());
                handles.push(std::thread::spawn(move || {
                    tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("a runtime")
                        .block_on(send_until(client, url, until))
                }));
            }
            for handle in handles {
                requests += handle.join().expect("a sender finishes");
            }
        }
    }
    let requests = requests as f64;
    Rate {
        per_second: requests / started.elapsed().as_secs_f64(),
        server_us: (server.cpu_seconds() - server_cpu) / requests * 1e6,
        client_us: (cpu_seconds(libc::RUSAGE_SELF) - own_cpu) / requests * 1e6,
    }
}

/// wrk's PATCH, one at a time until `until`: how many were sent.
async fn send_until(client: Client, url: url::Url, until: Instant) -> u64 {
    let mut sent = 0u64;
    while Instant::now() < until {
        let request = OutgoingRequest {
            method: "PATCH",
            url: url.clone(),
            headers: vec![
                ("x-api-key".into(), DEMO_API_KEY.into()),
                ("content-type".into(), "application/json".into()),
            ],
            body: Some(PATCH_BODY.as_bytes().to_vec()),
        };
        let response = client.send(request).await.expect("an answer");
        assert_eq!(response.status, 200);
        sent += 1;
    }
    sent
}

struct Checked {
    requests: Rate,
    patches_per_s: f64,
}

/// `concurrency` runs of Onsi's `valid-partial-update` at once, each with
/// `cases` generated cases and its own seed; every one must pass.
async fn checked_rate(server: &Server, concurrency: usize, cases: u32, seed: u64) -> Checked {
    let plans = common::reference_plans(&server.url);
    let (plan, spec) = plans
        .iter()
        .find(|(p, _)| p.suite.name == "onsi")
        .expect("the onsi suite");
    let spec = spec.as_ref().expect("onsi declares properties");
    let client = Client::new(ClientOptions::default()).unwrap();
    let server_cpu = server.cpu_seconds();
    let own_cpu = cpu_seconds(libc::RUSAGE_SELF);
    let started = Instant::now();
    let mut handles = Vec::new();
    for i in 0..concurrency {
        let settings = Settings {
            cases,
            ..Settings::new(seed + i as u64)
        };
        let task = properties::property_run(plan, spec, "valid-partial-update", &settings)
            .expect("onsi has valid-partial-update");
        handles.push(tokio::spawn(task.check_counted(client.clone())));
    }
    let (mut requests, mut updates) = (0, 0);
    for handle in handles {
        let (result, counts) = handle.await.expect("a property run finishes");
        assert_eq!(result.outcome, Outcome::Passed, "{} failed", result.id());
        requests += counts.requests;
        updates += counts.updates;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let requests = requests as f64;
    Checked {
        requests: Rate {
            per_second: requests / elapsed,
            server_us: (server.cpu_seconds() - server_cpu) / requests * 1e6,
            client_us: (cpu_seconds(libc::RUSAGE_SELF) - own_cpu) / requests * 1e6,
        },
        patches_per_s: updates as f64 / elapsed,
    }
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}

/// 1-2: the raw limit and verity's checked requests, on one server.
struct Throughput {
    raw: Result<Rate, String>,
    client_alone: Option<Rate>,
    client_alone_threads: Option<Rate>,
    checked: Rate,
    checked_pps: f64,
    server_rss_mib: f64,
}

/// With `checked_only`, verity's checked requests alone (for profiling them).
fn throughput(
    config: &Config,
    runtime: &tokio::runtime::Runtime,
    scratch: &Path,
    checked_only: bool,
) -> Throughput {
    let c = config.concurrency;
    eprintln!("1-2. raw limit (wrk) and checked property requests, concurrency {c}");
    let server = Server::start();
    let client = Client::new(ClientOptions::default()).unwrap();
    let member = runtime.block_on(create_member(&client, &server));
    let (mut alone, mut alone_threads) = (Vec::new(), Vec::new());
    let raw = if checked_only {
        Err("left out (--only checked)".to_string())
    } else {
        for _ in 0..config.runs {
            let (s, m) = (&server, member.as_str());
            alone.push(runtime.block_on(client_alone(s, m, c, config.seconds, Senders::Tasks)));
            alone_threads.push(runtime.block_on(client_alone(
                s,
                m,
                c,
                config.seconds,
                Senders::Threads,
            )));
        }
        raw_limit(&server, &member, config, scratch)
    };
    runtime.block_on(checked_rate(&server, c, 20, SEED)); // warm-up
    let mut checked = Vec::new();
    for run in 0..config.runs {
        let seed = SEED + 1000 * (run as u64 + 1);
        checked.push(runtime.block_on(checked_rate(&server, c, CASES_PER_RUN, seed)));
    }
    let result = Throughput {
        raw,
        client_alone: (!alone.is_empty()).then(|| median_rate(&alone)),
        client_alone_threads: (!alone_threads.is_empty()).then(|| median_rate(&alone_threads)),
        checked: median_rate(&checked.iter().map(|c| c.requests).collect::<Vec<_>>()),
        checked_pps: median(checked.iter().map(|r| r.patches_per_s).collect()),
        server_rss_mib: server.peak_rss_mib(),
    };
    eprintln!("  raw {:?}; verity {:?}", result.raw, result.checked);
    result
}

/// 3: the full default `verity run`: median wall time and peak memory.
fn default_run(config: &Config) -> (f64, f64) {
    eprintln!("3. the full default `verity run`");
    let mut seconds = Vec::new();
    let mut rss = Vec::new();
    for _ in 0..config.runs.max(5) {
        let m = measure(&mut verity(&["run", "-q"]));
        assert!(m.stdout.contains(" passed, 0 failed"), "{}", m.stdout);
        seconds.push(m.seconds);
        rss.push(m.peak_rss_mib);
    }
    (median(seconds), median(rss))
}

/// 4: time and memory as the work grows; the last row is the run of at
/// least 100,000 checked requests.
fn scaling(config: &Config, scratch: &Path) -> Vec<Row> {
    eprintln!("4. scaling");
    let default_cases = Settings::DEFAULT_CASES;
    let ten = (default_cases * 10).to_string();
    let hundred = (default_cases * 100).to_string();
    let copies = scratch.join("copies");
    let copied = copy_suites(&copies, 10, None, true);
    let copied_cases = copies.join("cases").display().to_string();
    let copied_snapshots = copies.join("snapshots").display().to_string();
    // The 100× rows take minutes each: one run.
    let heavy = 1;
    let runs = config.runs;
    let mut rows = vec![
        run_row("default", &[], runs, false, scratch),
        run_row(
            "10× property cases",
            &["--property-cases", &ten],
            runs,
            false,
            scratch,
        ),
    ];
    if !config.quick {
        let args = ["--property-cases", &hundred];
        rows.push(run_row("100× property cases", &args, heavy, false, scratch));
    }
    let args = [
        "--cases",
        &copied_cases,
        "--snapshot-dir",
        &copied_snapshots,
    ];
    rows.push(run_row(
        &format!("10× case files ({copied})"),
        &args,
        runs,
        false,
        scratch,
    ));
    rows.push(run_row(
        "default, against verity serve",
        &[],
        runs,
        true,
        scratch,
    ));
    let args = ["--property-cases", &ten];
    rows.push(run_row(
        "10× property cases, against verity serve",
        &args,
        runs,
        true,
        scratch,
    ));
    if !config.quick {
        let args = ["--property-cases", &hundred];
        let label = "100× property cases, against verity serve";
        rows.push(run_row(label, &args, heavy, true, scratch));
    }
    // Property cases for at least 100,000 checked requests, from the
    // requests the 10× run sent per property case.
    let per_case = rows[1].requests as f64 / (default_cases * 10) as f64;
    let needed = ((CHECKED_REQUESTS as f64 / per_case) * 1.02).ceil() as u32;
    let needed = needed.to_string();
    let args = ["--properties", "only", "--property-cases", &needed];
    let label = "properties only, ≥100,000 checked requests";
    let big = run_row(label, &args, heavy.max(runs.min(3)), false, scratch);
    assert!(
        big.requests >= CHECKED_REQUESTS,
        "only {} requests",
        big.requests
    );
    rows.push(big);
    rows
}

/// 5: loading and validating 1,000 case files, in process and with
/// `verity check` (process start included): medians in ms, and the cases.
fn loading(config: &Config, scratch: &Path) -> (f64, f64, usize) {
    eprintln!("5. loading {CASE_FILES} case files");
    let many = scratch.join("many");
    let files = copy_suites(&many, CASE_FILES, Some(CASE_FILES), false);
    assert_eq!(files, CASE_FILES);
    let many_cases = many.join("cases");
    let mut load_ms = Vec::new();
    let mut cases = 0;
    for _ in 0..config.runs.max(5) {
        let started = Instant::now();
        let suites = verity::case::load_root(&many_cases, &[]).expect("the copies load");
        load_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        cases = suites.iter().map(|s| s.cases.len()).sum::<usize>();
    }
    let mut check_ms = Vec::new();
    for _ in 0..config.runs.max(5) {
        let m = measure(&mut verity(&["check", &many_cases.display().to_string()]));
        check_ms.push(m.seconds * 1000.0);
    }
    (median(load_ms), median(check_ms), cases)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "--measure") {
        measure_wrapper(&args[1..]);
    }
    let config = config();
    let scratch = tempfile::tempdir().expect("a scratch directory");
    let scratch = scratch.path();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let c = config.concurrency;
    let wanted = |section: &str| config.only.is_empty() || config.only.iter().any(|o| o == section);
    let checked_only = !wanted("throughput") && config.only.iter().any(|o| o == "checked");
    let throughput = (wanted("throughput") || checked_only)
        .then(|| throughput(&config, &runtime, scratch, checked_only));
    let default = wanted("default").then(|| default_run(&config));
    let rows = wanted("scaling").then(|| scaling(&config, scratch));
    let load = wanted("load").then(|| loading(&config, scratch));

    println!("machine: {}", machine());
    println!(
        "verity {}; medians of {} runs unless said; concurrency {c}\n",
        env!("CARGO_PKG_VERSION"),
        config.runs
    );
    println!("| measure | value |");
    println!("|---|---|");
    if let Some(t) = &throughput {
        match &t.raw {
            Ok(raw) => println!(
                "| raw limit: wrk, one Onsi PATCH, {c} connections | {:.0} requests/s (CPU per request: server {:.1} µs, wrk {:.1} µs) |",
                raw.per_second, raw.server_us, raw.client_us
            ),
            Err(why) => println!("| raw limit | not measured: {why} |"),
        }
        println!(
            "| verity: Onsi valid-partial-update ×{c} at once, every answer checked | {:.0} checked requests/s, {:.0} of them PATCHes (CPU per request: server {:.1} µs, verity {:.1} µs) |",
            t.checked.per_second, t.checked_pps, t.checked.server_us, t.checked.client_us
        );
        if let Some(alone) = &t.client_alone {
            println!(
                "| verity's HTTP client alone (reqwest): the same PATCH, {c} at once, only the status checked | {:.0} requests/s (CPU per request: server {:.1} µs, client {:.1} µs) |",
                alone.per_second, alone.server_us, alone.client_us
            );
        }
        if let Some(alone) = &t.client_alone_threads {
            println!(
                "| the same, each of the {c} senders on a thread of its own with its own runtime, as property runs send | {:.0} requests/s (CPU per request: server {:.1} µs, client {:.1} µs) |",
                alone.per_second, alone.server_us, alone.client_us
            );
        }
        if let Ok(raw) = &t.raw {
            println!(
                "| ratio verity / raw | {:.2} (all requests), {:.2} (PATCHes alone) |",
                t.checked.per_second / raw.per_second,
                t.checked_pps / raw.per_second
            );
            println!(
                "| CPU per request, verity / wrk | {:.2} |",
                t.checked.client_us / raw.client_us
            );
        }
        println!(
            "| `verity serve` peak memory after 1-2 | {:.1} MiB |",
            t.server_rss_mib
        );
    }
    if let Some((seconds, rss)) = default {
        println!("| full default `verity run` | {seconds:.2} s wall, {rss:.1} MiB peak |");
    }
    if let Some((load_ms, check_ms, cases)) = load {
        println!(
            "| load and validate {CASE_FILES} case files ({cases} cases) | {load_ms:.0} ms in process; `verity check`: {check_ms:.0} ms |"
        );
    }
    if let Some(rows) = &rows {
        println!();
        println!(
            "| `verity run -q --report json:...` | requests | wall | verity peak RSS | server peak RSS | runs |"
        );
        println!("|---|---:|---:|---:|---:|---:|");
        for row in rows {
            println!(
                "| {} | {} | {:.2} s | {:.1} MiB | {} | {} |",
                row.label,
                row.requests,
                row.seconds,
                row.peak_rss_mib,
                row.server_rss_mib
                    .map_or("(in process)".to_string(), |m| format!("{m:.1} MiB")),
                row.runs
            );
        }
    }
    println!();
    println!("targets:");
    if let Some(t) = &throughput {
        match &t.raw {
            Ok(raw) => {
                let ratio = t.checked.per_second / raw.per_second;
                println!(
                    "  checked requests/s ≥ {TARGET_RATIO} × raw: {ratio:.2}: {}",
                    verdict(ratio >= TARGET_RATIO)
                );
                let cpu = t.checked.client_us / raw.client_us;
                println!(
                    "  verity's CPU per checked request ≤ {TARGET_CPU_RATIO} × wrk's: {cpu:.2}: {}",
                    verdict(cpu <= TARGET_CPU_RATIO)
                );
            }
            Err(_) => {
                println!("  checked requests/s ≥ {TARGET_RATIO} × raw: not measured (no wrk)")
            }
        }
    }
    if let Some((seconds, _)) = default {
        println!(
            "  full default run ≤ {TARGET_DEFAULT_RUN_S} s: {seconds:.2} s: {}",
            verdict(seconds <= TARGET_DEFAULT_RUN_S)
        );
    }
    if let Some(big) = rows.as_ref().and_then(|r| r.last()) {
        println!(
            "  peak memory < {TARGET_RSS_MIB} MiB for {} checked requests: {:.1} MiB: {}",
            big.requests,
            big.peak_rss_mib,
            verdict(big.peak_rss_mib < TARGET_RSS_MIB)
        );
    }
    if let Some((load_ms, _, _)) = load {
        println!(
            "  {CASE_FILES} case files loaded and validated < {TARGET_LOAD_MS} ms: {load_ms:.0} ms: {}",
            verdict(load_ms < TARGET_LOAD_MS)
        );
    }
}
