//! The HTML reports in a real browser: headless Chromium (Debian's
//! `chromium`) opens the report of a failing run and of a comparison from
//! `file://`, runs their script, and the DOM it dumps shows the counts, a
//! failure's coloured diff, and filters that hide passing cases; a
//! screenshot of each goes to `target/html-report/`. A server's hostile
//! answer (`</script>`, quotes, control characters) stays text.
//!
//! No network: the pages load nothing (their Content-Security-Policy
//! forbids it) and Chromium runs with its background networking off. On CI
//! (`CI` set) a missing browser is installed (`apt-get install chromium`)
//! or the test fails; elsewhere it is skipped with a loud message.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use regex::Regex;
use serde_json::Value;
use support::{path_str, repo, run_with_faults, suite_dir, text, verity_async};

const FAULT: &str = "onsi-patch-echo-stale";
const BROWSER: &str = "/usr/bin/chromium";

fn on_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// The browser, installed from the Debian packages on CI when missing.
fn browser() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("VERITY_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    if Path::new(BROWSER).exists() {
        return Some(PathBuf::from(BROWSER));
    }
    if !on_ci() {
        eprintln!(
            "\n\n*** SKIPPED: the HTML report browser test needs Chromium ({BROWSER}), which is not installed.\n*** Install it with `apt-get install -y chromium` (as .ci/run does), or set VERITY_CHROMIUM=/path/to/chromium.\n"
        );
        return None;
    }
    eprintln!("html_report: installing chromium (apt-get install -y chromium)");
    let install = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|s| s.success())
    };
    if !install(&["install", "-y", "-q", "chromium"]) {
        install(&["update", "-q"]);
        install(&["install", "-y", "-q", "chromium"]);
    }
    assert!(
        Path::new(BROWSER).exists(),
        "CI: Chromium is not installed and `apt-get install -y chromium` did not install it: the HTML reports cannot be tested"
    );
    Some(PathBuf::from(BROWSER))
}

/// Runs headless Chromium on `url` with `extra` flags, its own new
/// profile, nothing of its own on the network; its stdout.
fn chromium(browser: &Path, extra: &[String], url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut out).unwrap();
        out
    });
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("chromium did not finish with {url} in 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    reader.join().unwrap()
}

fn url(path: &Path, fragment: &str) -> String {
    let absolute = std::fs::canonicalize(path).unwrap();
    let mut url = url::Url::from_file_path(absolute).unwrap();
    if !fragment.is_empty() {
        url.set_fragment(Some(fragment));
    }
    url.to_string()
}

/// The DOM after the page's script ran.
fn dom(browser: &Path, path: &Path, fragment: &str) -> String {
    let dom = chromium(browser, &["--dump-dom".into()], &url(path, fragment));
    assert!(
        dom.contains("data-ready=\"true\""),
        "the page's script did not run:\n{}",
        &dom[..dom.len().min(2000)]
    );
    dom
}

fn screenshot(browser: &Path, page: &Path, fragment: &str, png: &Path) {
    let _ = std::fs::remove_file(png);
    chromium(
        browser,
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1280,2000".into(),
        ],
        &url(page, fragment),
    );
    let bytes = std::fs::read(png).expect("chromium wrote the screenshot");
    assert!(
        bytes.starts_with(b"\x89PNG"),
        "{} is not a PNG",
        png.display()
    );
}

/// One entry of the page: its kind, whether hidden, and its HTML.
#[derive(Debug)]
struct Item {
    kind: String,
    id: String,
    hidden: bool,
    open: bool,
    html: String,
}

fn items(dom: &str) -> Vec<Item> {
    let open = Regex::new(r#"<details class="item"([^>]*)>"#).unwrap();
    let attr = |tag: &str, name: &str| {
        Regex::new(&format!(r#"\b{name}="([^"]*)""#))
            .unwrap()
            .captures(tag)
            .map(|c| c[1].to_string())
    };
    let starts: Vec<(usize, String)> = open
        .captures_iter(dom)
        .map(|c| (c.get(0).unwrap().start(), c[1].to_string()))
        .collect();
    starts
        .iter()
        .enumerate()
        .map(|(i, (at, attrs))| {
            let end = starts.get(i + 1).map_or(dom.len(), |(next, _)| *next);
            Item {
                kind: attr(attrs, "data-kind").unwrap_or_default(),
                id: attr(attrs, "id").unwrap_or_default(),
                hidden: flag(attrs, "hidden"),
                open: flag(attrs, "open"),
                html: dom[*at..end].to_string(),
            }
        })
        .collect()
}

/// A boolean attribute, as the browser serializes it (`hidden=""`).
fn flag(attrs: &str, name: &str) -> bool {
    Regex::new(&format!(r#"\s{name}(=""|\s|$)"#))
        .unwrap()
        .is_match(attrs)
}

fn element_text(dom: &str, id: &str) -> String {
    let re = Regex::new(&format!(r#"id="{id}"[^>]*>([^<]*)<"#)).unwrap();
    re.captures(dom)
        .map(|c| c[1].to_string())
        .unwrap_or_else(|| panic!("no #{id} in the page"))
}

fn shots() -> PathBuf {
    let dir = repo().join("target").join("html-report");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_run_and_its_comparison_open_filter_and_show_their_diffs() {
    let Some(browser) = browser() else { return };
    let out = shots();
    let dir = tempfile::tempdir().unwrap();
    let (run_html, run_json, clean_json) = (
        out.join("run.html"),
        dir.path().join("faulty.json"),
        dir.path().join("clean.json"),
    );
    let snapshots = path_str(&repo().join("snapshots"));
    let html_spec = format!("html:{}", path_str(&run_html));
    let json_spec = format!("json:{}", path_str(&run_json));
    // The committed snapshots record the clean servers: with the fault the
    // PATCH answers differ from them, as coloured diffs.
    let output = run_with_faults(
        &[FAULT],
        &[
            "-q",
            "--seed",
            "1",
            "--property-cases",
            "5",
            "--snapshots",
            "check",
            "--snapshot-dir",
            &snapshots,
            "--report",
            &html_spec,
            "--report",
            &json_spec,
        ],
    )
    .await;
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    let clean_spec = format!("json:{}", path_str(&clean_json));
    let output = run_with_faults(
        &[],
        &[
            "-q",
            "--seed",
            "1",
            "--property-cases",
            "5",
            "--report",
            &clean_spec,
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{:?}", text(&output));

    let report: Value = serde_json::from_str(&std::fs::read_to_string(&run_json).unwrap()).unwrap();
    let results = report["results"].as_array().unwrap();
    let failed: Vec<String> = results
        .iter()
        .filter(|r| r["outcome"] == "failed")
        .map(|r| {
            format!(
                "{}::{}",
                r["suite"].as_str().unwrap(),
                r["case"].as_str().unwrap()
            )
        })
        .collect();
    let passed = results.iter().filter(|r| r["outcome"] == "passed").count();
    assert!(!failed.is_empty() && passed > 0);
    let html = std::fs::read_to_string(&run_html).unwrap();
    assert!(
        !Regex::new(r#"(src|href)=["']?(https?:)?//"#)
            .unwrap()
            .is_match(&html),
        "the page names an outside resource"
    );

    // Everything shown at first, failures open, passing cases collapsed.
    let all = dom(&browser, &run_html, "");
    let entries = items(&all);
    assert_eq!(entries.len(), results.len());
    assert!(entries.iter().all(|i| !i.hidden));
    let counts = element_text(&all, "counts");
    assert!(
        counts.starts_with(&format!(
            "{} failed, {passed} passed of {} cases in ",
            failed.len(),
            results.len()
        )),
        "{counts}"
    );
    for item in &entries {
        assert_eq!(item.open, item.kind == "failed", "{}", item.id);
    }
    // A failure's coloured diff: the snapshot of a PATCH answer.
    let echo = entries
        .iter()
        .find(|i| i.id == "case-onsi--patch-echoes-every-field")
        .expect("the echo case is in the page");
    assert_eq!(echo.kind, "failed");
    assert!(echo.html.contains("<pre class=\"diff\">"), "{}", echo.html);
    assert!(
        Regex::new(r#"<span class="del">-\s+"firstName": "John",\n</span>"#)
            .unwrap()
            .is_match(&echo.html),
        "{}",
        echo.html
    );
    assert!(echo.html.contains("<span class=\"add\">+"), "{}", echo.html);
    assert!(echo.html.contains("Documented:"), "{}", echo.html);
    assert!(echo.html.contains("curl -sS -i"), "{}", echo.html);
    assert!(echo.html.contains("x-api-key: ***"), "the key is masked");
    assert!(
        !html.contains("verity-demo-key"),
        "the secret is in the page"
    );

    // Filtering: only failures, then a search.
    let only_failed = dom(&browser, &run_html, "show=failed");
    let entries = items(&only_failed);
    let visible: Vec<&Item> = entries.iter().filter(|i| !i.hidden).collect();
    assert_eq!(visible.len(), failed.len());
    assert!(visible.iter().all(|i| i.kind == "failed"));
    assert!(
        entries
            .iter()
            .filter(|i| i.kind == "passed")
            .all(|i| i.hidden)
    );
    assert_eq!(
        element_text(&only_failed, "shown"),
        format!("{} of {} shown", failed.len(), results.len())
    );
    assert!(only_failed.contains(r#"data-kind="passed" aria-pressed="false""#));
    let searched = dom(&browser, &run_html, "q=patch-echoes-every-field");
    let visible: Vec<String> = items(&searched)
        .into_iter()
        .filter(|i| !i.hidden)
        .map(|i| i.id)
        .collect();
    assert_eq!(visible, ["case-onsi--patch-echoes-every-field"]);
    screenshot(&browser, &run_html, "show=failed", &out.join("run.png"));

    // The comparison: clean against faulty.
    let compare_html = out.join("compare.html");
    let spec = format!("html:{}", path_str(&compare_html));
    let output = verity_async(support::args(&[
        "report",
        "compare",
        &path_str(&clean_json),
        &path_str(&run_json),
        "--report",
        &spec,
    ]))
    .await;
    assert_eq!(output.status.code(), Some(1), "{:?}", text(&output));
    let page = dom(&browser, &compare_html, "");
    let entries = items(&page);
    assert_eq!(entries.len(), results.len());
    let newly: Vec<&Item> = entries
        .iter()
        .filter(|i| i.kind == "newly_failing")
        .collect();
    assert_eq!(newly.len(), failed.len());
    assert!(
        element_text(&page, "counts").starts_with(&format!("{} newly failing, ", failed.len())),
        "{}",
        element_text(&page, "counts")
    );
    let echo = newly
        .iter()
        .find(|i| i.id == "case-onsi--patch-echoes-every-field")
        .expect("the echo case is newly failing");
    assert!(echo.html.contains("passed → failed"), "{}", echo.html);
    assert!(
        echo.html.contains("the normalized answers differ"),
        "{}",
        echo.html
    );
    assert!(echo.html.contains("<span class=\"del\">"), "{}", echo.html);
    assert!(echo.html.contains("answers differ"), "{}", echo.html);
    let filtered = dom(&browser, &compare_html, "show=newly_failing");
    let entries = items(&filtered);
    assert!(
        entries
            .iter()
            .filter(|i| i.kind == "unchanged")
            .all(|i| i.hidden)
    );
    assert_eq!(entries.iter().filter(|i| !i.hidden).count(), failed.len());
    screenshot(&browser, &compare_html, "", &out.join("compare.png"));
}

/// A server whose answer is built to break out of the page.
fn hostile_app() -> axum::Router {
    axum::Router::new().route(
        "/hostile",
        axum::routing::get(|| async {
            (
                [("content-type", "text/plain"), ("x-note", "\"quoted' <b>")],
                "</script><script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\"> \u{1}\u{1b}[31m end",
            )
        }),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_answer_stays_text() {
    let Some(browser) = browser() else { return };
    let (base, server) = support::serve(hostile_app()).await;
    let suite = suite_dir(
        "name: s\n",
        &[(
            "hostile.yaml",
            "cases:\n  - name: hostile-answer\n    steps:\n      - request: { method: GET, path: /hostile }\n        expect: { status: 201 }\n",
        )],
    );
    let page = shots().join("hostile.html");
    let spec = format!("html:{}", path_str(&page));
    let output = verity_async(support::args(&[
        "run",
        "--cases",
        &path_str(suite.path()),
        "--base-url",
        &base,
        "--report",
        &spec,
    ]))
    .await;
    server.abort();
    assert_eq!(output.status.code(), Some(1), "{:?}", text(&output));
    let dumped = dom(&browser, &page, "");
    let title = Regex::new(r"<title>([^<]*)</title>").unwrap();
    assert_eq!(
        &title.captures(&dumped).unwrap()[1],
        "verity report: failed"
    );
    assert_eq!(
        dumped.matches("<script").count(),
        1,
        "one script: the page's own"
    );
    assert!(!dumped.contains("<img"), "{dumped}");
    assert!(
        dumped.contains("&lt;/script&gt;&lt;script&gt;document.title='pwned'&lt;/script&gt;"),
        "{dumped}"
    );
    assert!(dumped.contains(r"\u{0001}\u{001b}[31m end"), "{dumped}");
    assert!(dumped.contains("x-note: \"quoted' &lt;b&gt;"), "{dumped}");
    let entries = items(&dumped);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].kind, "failed");
    // The page opens without a browser as well: nothing but inline parts.
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("default-src 'none'"));
}
