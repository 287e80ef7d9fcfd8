//! Generated-and-checked partial updates per second on the embedded
//! reference servers: `cargo bench --bench properties`.
//!
//! Each property of each suite runs `CASES` generated cases, `RUNS` times
//! with the same seed (the same requests each time); the median run is
//! reported, with the spread. Then all eight run at once, as `verity run`
//! runs them. An update is one PATCH/PUT (or idempotent replay) sent and
//! checked; the other requests are the creates and reads around it.
//! `running` is the share of the time spent running the generated cases
//! (requests and checks); the rest is generating, writing and loading them.

mod common;

use std::time::{Duration, Instant};

use common::{machine, median};
use verity::http::{Client, ClientOptions};
use verity::properties::{self, Settings};
use verity::reference::{self, Options};
use verity::run::Outcome;

const CASES: u32 = 200;
const RUNS: usize = 7;
const SEED: u64 = 2026;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(bench());
}

async fn bench() {
    let options = Options::default();
    let server = reference::start(([127, 0, 0, 1], 0).into(), &options)
        .await
        .expect("the reference servers start");
    let (plans, specs): (Vec<_>, Vec<_>) = common::reference_plans(&server.base_url())
        .into_iter()
        .unzip();
    let client = Client::new(ClientOptions::default()).unwrap();
    let settings = Settings {
        cases: CASES,
        ..Settings::new(SEED)
    };

    println!("machine: {}", machine());
    println!(
        "{CASES} generated cases per property, {RUNS} runs each, seed {SEED}; median run (min-max)\n"
    );
    println!(
        "{:<42} {:>18} {:>20} {:>8} {:>9}",
        "property", "updates/s", "requests/s", "ms/run", "running"
    );
    let mut all_tasks = Vec::new();
    for (plan, spec) in plans.iter().zip(&specs) {
        let Some(spec) = spec else { continue };
        for task in properties::runnables(plan, spec, &settings) {
            all_tasks.push(task.clone());
            let mut updates = Vec::new();
            let mut requests = Vec::new();
            let mut millis = Vec::new();
            let mut running = Vec::new();
            for _ in 0..RUNS {
                let started = Instant::now();
                let (result, counts) = task.clone().check_counted(client.clone()).await;
                let elapsed = started.elapsed().as_secs_f64();
                assert_eq!(result.outcome, Outcome::Passed, "{} failed", result.id());
                updates.push(counts.updates as f64 / elapsed);
                requests.push(counts.requests as f64 / elapsed);
                millis.push(elapsed * 1000.0);
                running.push(counts.running.as_secs_f64() / elapsed * 100.0);
            }
            let spread = |v: &[f64]| {
                let min = v.iter().copied().fold(f64::INFINITY, f64::min);
                let max = v.iter().copied().fold(0.0, f64::max);
                format!("{:.0} ({:.0}-{:.0})", median(v.to_vec()), min, max)
            };
            println!(
                "{:<42} {:>18} {:>20} {:>8.0} {:>8.0}%",
                format!("{}::{}", plan.suite.name, task.property().case_name()),
                spread(&updates),
                spread(&requests),
                median(millis),
                median(running)
            );
        }
    }

    // All at once, as `verity run` schedules them.
    let mut together = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let mut handles = Vec::new();
        for task in &all_tasks {
            handles.push(tokio::spawn(task.clone().check_counted(client.clone())));
        }
        let mut updates = 0;
        for handle in handles {
            let (result, counts) = handle.await.expect("a task finishes");
            assert_eq!(result.outcome, Outcome::Passed, "{} failed", result.id());
            updates += counts.updates;
        }
        let elapsed: Duration = started.elapsed();
        together.push((updates as f64 / elapsed.as_secs_f64(), elapsed));
    }
    let rates: Vec<f64> = together.iter().map(|(r, _)| *r).collect();
    let times: Vec<f64> = together
        .iter()
        .map(|(_, t)| t.as_secs_f64() * 1000.0)
        .collect();
    println!(
        "\nall {} properties at once: {:.0} updates/s (median; {:.0}-{:.0}), {:.0} ms per run",
        all_tasks.len(),
        median(rates.clone()),
        rates.iter().copied().fold(f64::INFINITY, f64::min),
        rates.iter().copied().fold(0.0, f64::max),
        median(times)
    );
    server.stop().await;
}
