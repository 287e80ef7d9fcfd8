//! `verity report merge`: the JSON reports of the shards of one run (or of
//! separate runs of different suites) combined into one report, from which
//! any format can be written. A case found in two inputs, or a shard missing
//! from a set, is refused: a merged report that silently lacks cases would
//! pass a gate it should not.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::document::{Counts, Report, SCHEMA, VERSION};
use super::error::MergeError;
use super::normalization::Normalization;
use crate::run::Shard;

pub fn merge(inputs: Vec<(PathBuf, Report)>) -> Result<Report, MergeError> {
    let Some((_, first)) = inputs.first() else {
        return Err(MergeError::NoReport);
    };
    let mut merged = Report {
        schema: SCHEMA.into(),
        version: VERSION,
        verity: first.verity.clone(),
        started_at: first.started_at.clone(),
        duration_ms: 0,
        shards: Vec::new(),
        stopped: None,
        suites: Vec::new(),
        summary: Counts::default(),
        normalization: None,
        results: Default::default(),
    };
    let mut owner: BTreeMap<String, &PathBuf> = BTreeMap::new();
    let mut shards: BTreeMap<Shard, &PathBuf> = BTreeMap::new();
    let mut stopped = Vec::new();
    for (path, report) in &inputs {
        for text in &report.shards {
            let shard: Shard = text.parse().map_err(|source| MergeError::BadShard {
                path: path.clone(),
                source,
            })?;
            if let Some(other) = shards.insert(shard, path) {
                return Err(MergeError::ShardTwice {
                    shard,
                    first: other.clone(),
                    second: path.clone(),
                });
            }
        }
        for result in &report.results {
            let id = result.id();
            if let Some(other) = owner.insert(id.clone(), path) {
                return Err(MergeError::CaseTwice {
                    id,
                    first: other.clone(),
                    second: path.clone(),
                });
            }
        }
        // Shards run side by side: the merged run took as long as the longest.
        merged.duration_ms = merged.duration_ms.max(report.duration_ms);
        merged.started_at = merged.started_at.clone().min(report.started_at.clone());
        if let Some(why) = &report.stopped {
            stopped.push(format!("{}: {why}", path.display()));
        }
        for suite in &report.suites {
            match merged.suites.iter_mut().find(|s| s.name == suite.name) {
                Some(known) => known.cases += suite.cases,
                None => merged.suites.push(suite.clone()),
            }
        }
        merged.results.extend(report.results.iter().cloned());
    }
    check_complete(&shards)?;
    merged.shards = shards.keys().map(Shard::to_string).collect();
    if !stopped.is_empty() {
        merged.stopped = Some(stopped.join("; "));
    }
    merged.suites.sort_by(|a, b| a.name.cmp(&b.name));
    let kept: Vec<&Normalization> = inputs
        .iter()
        .filter_map(|(_, r)| r.normalization.as_ref())
        .collect();
    // A part without it would leave its answers normalized wrongly.
    if !kept.is_empty() && kept.len() == inputs.len() {
        merged.normalization = Some(Normalization::merge(kept));
    }
    merged.settle();
    Ok(merged)
}

/// Every shard of a set is there, and all sets agree on their count.
fn check_complete(shards: &BTreeMap<Shard, &PathBuf>) -> Result<(), MergeError> {
    let counts: BTreeSet<u32> = shards.keys().map(|s| s.count).collect();
    if counts.len() > 1 {
        return Err(MergeError::Shardings {
            counts: counts.into_iter().collect(),
        });
    }
    if let Some(&count) = counts.first() {
        let missing: Vec<Shard> = (1..=count)
            .map(|index| Shard { index, count })
            .filter(|shard| !shards.contains_key(shard))
            .collect();
        if !missing.is_empty() {
            return Err(MergeError::MissingShards { missing });
        }
    }
    Ok(())
}
