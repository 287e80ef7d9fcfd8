//! Shared by the benchmarks: the machine they ran on, medians.
#![allow(dead_code)]

/// The CPU model and the hardware threads this process may use.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let threads = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cpu}, {threads} hardware threads available")
}

pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

use std::path::Path;
use std::sync::Arc;

use verity::case;
use verity::properties::{self, PropertySpec};
use verity::reference::Options;
use verity::run::SuitePlan;
use verity::run::plan;

/// The committed suites planned against a reference server at `base_url`
/// (default options), each with its property declarations.
pub fn reference_plans(base_url: &str) -> Vec<(Arc<SuitePlan>, Option<Arc<PropertySpec>>)> {
    let url = url::Url::parse(base_url).expect("a valid base URL");
    let suites = case::load_root(Path::new("cases"), &[]).expect("the suites load");
    let specs: Vec<_> = suites
        .iter()
        .map(|s| properties::load(s).expect("the declarations load"))
        .collect();
    plan::build_embedded(suites, &url, &Options::default())
        .expect("the plans build")
        .into_iter()
        .map(Arc::new)
        .zip(specs)
        .collect()
}
