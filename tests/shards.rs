//! `--shard I/N` and `verity report merge`: the shards of a run together run
//! every case exactly once, and their merged report is the unsharded one.

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use support::{path_str, text, verity};
use verity::reference::{self, Options};
use verity::report::json;
use verity::run::{RunOptions, Shard};

/// The ids of the cases a run of this shard reports.
async fn ids(url: &url::Url, shard: Option<Shard>) -> Vec<String> {
    let options = RunOptions {
        shard,
        ..RunOptions::default()
    };
    let (summary, results) = support::run_against(url, &Options::default(), &options).await;
    assert!(summary.success(), "{:?}", summary.failures);
    results.iter().map(|c| c.id()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_union_of_the_shards_is_the_unsharded_run() {
    let server = reference::start(([127, 0, 0, 1], 0).into(), &Options::default())
        .await
        .unwrap();
    let url = server.url();
    let all: BTreeSet<String> = ids(&url, None).await.into_iter().collect();
    assert!(all.len() > 50, "{}", all.len());
    for count in [2, 3, 7] {
        let mut union = BTreeSet::new();
        let mut sizes = Vec::new();
        for index in 1..=count {
            let shard = ids(&url, Some(Shard { index, count })).await;
            sizes.push(shard.len());
            for id in shard {
                assert!(
                    union.insert(id.clone()),
                    "{id} ran in two shards of {count}"
                );
            }
        }
        assert_eq!(union, all, "shards of {count}");
        assert!(
            sizes.iter().all(|&n| n > 0),
            "an empty shard of {count}: {sizes:?}"
        );
    }
    server.stop().await;
}

fn run_shard(dir: &Path, shard: &str) -> String {
    let path = dir.join(format!("shard-{}.json", shard.replace('/', "-of-")));
    let output = verity(&[
        "run",
        "-q",
        "--shard",
        shard,
        "--report",
        &format!("json:{}", path.display()),
    ]);
    assert_eq!(output.status.code(), Some(0), "{:?}", text(&output));
    path_str(&path)
}

#[test]
fn merged_shard_reports_equal_the_unsharded_report() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole.json");
    let output = verity(&[
        "run",
        "-q",
        "--report",
        &format!("json:{}", whole.display()),
    ]);
    assert_eq!(output.status.code(), Some(0));
    let shards: Vec<String> = ["1/3", "2/3", "3/3"]
        .iter()
        .map(|s| run_shard(dir.path(), s))
        .collect();
    let merged = dir.path().join("merged.json");
    let junit = dir.path().join("merged.xml");
    let markdown = dir.path().join("merged.md");
    let mut argv = vec!["report", "merge"];
    argv.extend(shards.iter().map(String::as_str));
    let reports = [
        format!("json:{}", merged.display()),
        format!("junit:{}", junit.display()),
        format!("markdown:{}", markdown.display()),
    ];
    for r in &reports {
        argv.extend(["--report", r.as_str()]);
    }
    let output = verity(&argv);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");

    let whole = json::read(&whole).unwrap();
    let merged = json::read(&merged).unwrap();
    let case_ids = |r: &verity::report::Report| -> Vec<(String, String)> {
        r.results
            .iter()
            .map(|c| (c.id(), format!("{:?}", c.outcome)))
            .collect()
    };
    assert_eq!(case_ids(&merged), case_ids(&whole));
    assert_eq!(merged.summary, whole.summary);
    assert_eq!(merged.shards, vec!["1/3", "2/3", "3/3"]);
    let suite_cases = |r: &verity::report::Report| -> Vec<(String, usize)> {
        r.suites.iter().map(|s| (s.name.clone(), s.cases)).collect()
    };
    assert_eq!(suite_cases(&merged), suite_cases(&whole));
    assert!(
        stdout.ends_with(&format!("{}\n", whole.summary.line())),
        "{stdout}"
    );

    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let testcases = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .count();
    assert_eq!(testcases, whole.results.len());
    let md = std::fs::read_to_string(&markdown).unwrap();
    assert!(md.contains("shards 1/3, 2/3, 3/3"), "{md}");

    // A missing shard, a shard given twice, and a file that is no report.
    let output = verity(&["report", "merge", &shards[0], &shards[2]]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output).1.contains("shard 2/3 missing"),
        "{:?}",
        text(&output)
    );
    let output = verity(&["report", "merge", &shards[0], &shards[0]]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output).1.contains("shard 1/3 is in both"),
        "{:?}",
        text(&output)
    );
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "{\"hello\": 1}").unwrap();
    let output = verity(&["report", "merge", &path_str(&junk)]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output).1.contains("not a verity JSON report"),
        "{:?}",
        text(&output)
    );
}

#[test]
fn a_bad_shard_is_a_usage_error() {
    for bad in ["0/3", "4/3", "3", "x/y"] {
        let output = verity(&["run", "--shard", bad]);
        assert_eq!(output.status.code(), Some(2), "{bad}");
        assert!(
            text(&output).1.contains("write I/N"),
            "{bad}: {:?}",
            text(&output)
        );
    }
}
