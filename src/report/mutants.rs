//! The fault matrix of `verity mutants` ([`crate::mutants`]), as the
//! console prints it while the runs go, and as JSON, Markdown and JUnit
//! reports. It reads the matrix as data and knows nothing of servers.

use std::fmt::Write as _;
use std::io::Write;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};

use super::error::WriteError;
use super::json::pretty;
use super::markdown::cell;
use super::output::Format;
use super::style::Style;
use crate::mutants::{
    Catcher, CatcherKind, CleanRun, Event, FaultRun, MutantsReport, Shape, Verdict, location,
};

/// Catchers named on a console line; the rest are counted.
const NAMED_ON_A_LINE: usize = 3;
/// Catchers named in a Markdown table cell.
const NAMED_IN_A_CELL: usize = 6;

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn seconds(ms: u64) -> String {
    format!("{:.1} s", Duration::from_millis(ms).as_secs_f64())
}

/// `92 cases and 8 properties (100 generated cases each, seed 1) in toluna, onsi`.
pub fn describe_shape(shape: &Shape) -> String {
    let mut parts = Vec::new();
    if shape.cases > 0 || shape.properties == 0 {
        parts.push(plural(shape.cases, "case", "cases"));
    }
    if shape.properties > 0 {
        let mut text = plural(shape.properties, "property", "properties");
        if let (Some(cases), Some(seed)) = (shape.property_cases, shape.seed) {
            text.push_str(&format!(" ({cases} generated cases each, seed {seed})"));
        }
        parts.push(text);
    }
    format!("{} in {}", parts.join(" and "), shape.suites.join(", "))
}

/// How a fault's catchers are named: without the suite when it is the
/// fault's own server's suite.
fn short_name<'a>(fault: &FaultRun, catcher: &'a Catcher) -> &'a str {
    if catcher.suite == fault.api {
        &catcher.name
    } else {
        &catcher.id
    }
}

/// `3 cases, 1 property: a, b, c, +1 more`.
fn caught_by(fault: &FaultRun, named: usize, quote: &str) -> String {
    let (cases, properties) = fault.catcher_counts();
    let mut counts = Vec::new();
    if cases > 0 {
        counts.push(plural(cases, "case", "cases"));
    }
    if properties > 0 {
        counts.push(plural(properties, "property", "properties"));
    }
    let catchers = fault.catchers();
    let mut names: Vec<String> = catchers
        .iter()
        .take(named)
        .map(|c| format!("{quote}{}{quote}", short_name(fault, c)))
        .collect();
    if catchers.len() > named {
        names.push(format!("+{} more", catchers.len() - named));
    }
    format!("{}: {}", counts.join(", "), names.join(", "))
}

/// What the clean run says about false alarms.
fn clean_verdict(clean: &CleanRun) -> String {
    match (&clean.stopped, clean.false_alarms.len()) {
        (Some(why), _) => format!("stopped: {why}"),
        (None, 0) => "no false alarm".into(),
        (None, n) => format!(
            "{}: a correct server must pass every case",
            plural(n, "FALSE ALARM", "FALSE ALARMS")
        ),
    }
}

/// How many faults the cases alone, and the properties alone, catch.
pub fn caught_by_kind(faults: &[FaultRun]) -> (usize, usize) {
    let by = |kind| {
        faults
            .iter()
            .filter(|f| f.caught_by.iter().any(|c| c.kind == kind))
            .count()
    };
    (by(CatcherKind::Case), by(CatcherKind::Property))
}

/// The last line: the kill rate, then the clean servers' verdict.
pub fn kill_line(report: &MutantsReport) -> String {
    let rate = report.kill_rate();
    let mut line = format!(
        "kill rate: {} of {} caught ({})",
        rate.caught,
        plural(rate.total(), "fault", "faults"),
        rate.percent()
    );
    if rate.warned > 0 {
        line.push_str(&format!(", {} of them as a warning", rate.warned));
    }
    let survived: Vec<&str> = report
        .faults
        .iter()
        .filter(|f| f.verdict == Verdict::Survived)
        .map(|f| f.fault.as_str())
        .collect();
    if !survived.is_empty() {
        line.push_str(&format!(
            "; {} survived: {}",
            survived.len(),
            survived.join(", ")
        ));
    }
    if rate.not_run > 0 {
        line.push_str(&format!("; {} not run", rate.not_run));
    }
    let errors = report.errors().count();
    if errors > 0 {
        line.push_str(&format!(
            "; {} inside verity",
            plural(errors, "failure", "failures")
        ));
    }
    line.push_str(&format!(
        "; clean servers: {}, {}",
        report.clean.tally.line(),
        clean_verdict(&report.clean)
    ));
    line
}

/// Prints the matrix as the runs end: a header, the clean servers' line, a
/// line per fault, then (from [`MatrixPrinter::finish`]) the totals.
pub struct MatrixPrinter<W: Write> {
    out: W,
    style: Style,
    /// Print only what fails: false alarms, survivors, errors, the totals.
    quiet: bool,
    /// Also print each catcher with what failed.
    verbose: bool,
    name_width: usize,
}

impl<W: Write> MatrixPrinter<W> {
    pub fn new(out: W, style: Style, quiet: bool, verbose: bool) -> MatrixPrinter<W> {
        MatrixPrinter {
            out,
            style,
            quiet,
            verbose,
            name_width: 0,
        }
    }

    pub fn event(&mut self, event: &Event<'_>) {
        let text = match event {
            Event::Started { shape, faults } => {
                self.name_width = faults.iter().map(|f| f.name.len()).max().unwrap_or(0);
                if self.quiet {
                    return;
                }
                let with = match faults {
                    [one] => format!("the fault {} switched on", one.name),
                    many => format!("each of {} faults switched on alone", many.len()),
                };
                format!(
                    "verity mutants: {}, against the clean reference servers, then with {with} (snapshots off)\n\n",
                    describe_shape(shape),
                )
            }
            Event::Clean(clean) => self.clean(clean),
            Event::Fault(fault) => self.fault(fault),
        };
        let _ = self.out.write_all(text.as_bytes());
        let _ = self.out.flush();
    }

    fn clean(&self, clean: &CleanRun) -> String {
        let mut out = String::new();
        if self.quiet && clean.passed() {
            return out;
        }
        let label = if clean.passed() {
            self.style.pass("CLEAN   ")
        } else {
            self.style.fail("CLEAN   ")
        };
        let _ = writeln!(
            out,
            "{label}  {:<w$}  {}: {}  {}",
            "(no fault)",
            clean.tally.line(),
            clean_verdict(clean),
            self.style
                .dim(&format!("({})", seconds(clean.tally.duration_ms))),
            w = self.name_width
        );
        for alarm in &clean.false_alarms {
            let _ = writeln!(
                out,
                "          {} {} ({}): {}",
                self.style.fail("✗"),
                alarm.id,
                location(&alarm.source),
                alarm.why
            );
        }
        out
    }

    fn fault(&self, fault: &FaultRun) -> String {
        let mut out = String::new();
        let caught = matches!(fault.verdict, Verdict::Caught | Verdict::Warned);
        if self.quiet && caught && fault.errors.is_empty() {
            return out;
        }
        let (label, detail) = match fault.verdict {
            Verdict::Caught => (
                self.style.pass("CAUGHT  "),
                caught_by(fault, NAMED_ON_A_LINE, ""),
            ),
            Verdict::Warned => (
                self.style.pass("WARNED  "),
                format!(
                    "caught as a warning, not a failure: {}",
                    caught_by(fault, NAMED_ON_A_LINE, "")
                ),
            ),
            Verdict::Survived => (
                self.style.fail("SURVIVED"),
                format!(
                    "nothing failed: add a case that catches it ({})",
                    fault.summary
                ),
            ),
            Verdict::NotRun => (
                self.style.skip("NOT RUN "),
                fault.not_run.clone().unwrap_or_default(),
            ),
        };
        let time = match fault.verdict {
            Verdict::NotRun => String::new(),
            _ => format!(
                "  {}",
                self.style
                    .dim(&format!("({})", seconds(fault.tally.duration_ms)))
            ),
        };
        let _ = writeln!(
            out,
            "{label}  {:<w$}  {detail}{time}",
            fault.fault,
            w = self.name_width
        );
        if self.verbose {
            for c in fault.catchers() {
                let _ = writeln!(
                    out,
                    "          {} ({}): {}",
                    c.id,
                    location(&c.source),
                    c.why
                );
            }
        }
        for e in &fault.errors {
            let _ = writeln!(
                out,
                "          {} {} failed inside verity: {}",
                self.style.fail("✗"),
                e.id,
                e.why
            );
        }
        out
    }

    /// The totals: which kind of check caught how many faults, then the
    /// kill rate, last.
    pub fn finish(&mut self, report: &MutantsReport) {
        let mut out = String::from("\n");
        if !self.quiet && report.shape.cases > 0 && report.shape.properties > 0 {
            let (cases, properties) = caught_by_kind(&report.faults);
            let _ = writeln!(
                out,
                "the cases alone catch {cases}, the properties alone {properties}"
            );
        }
        let line = kill_line(report);
        let line = if report.success() {
            self.style.pass(&line)
        } else {
            self.style.fail(&line)
        };
        let _ = writeln!(out, "{line}");
        let _ = self.out.write_all(out.as_bytes());
        let _ = self.out.flush();
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

/// The formats the matrix is written in.
pub const MUTANTS_FORMATS: &[Format] = &[Format::Json, Format::Markdown, Format::Junit];

/// The matrix as a report file.
pub fn render(format: Format, report: &MutantsReport) -> Result<String, WriteError> {
    match format {
        Format::Json => pretty(report, "matrix"),
        Format::Markdown => Ok(markdown(report)),
        Format::Junit => junit(report),
        // Refused before the runs (`MUTANTS_FORMATS`).
        Format::Html => Err(WriteError::Unsupported {
            command: "verity mutants",
            format: "HTML report",
        }),
        Format::CoverageJson | Format::CoverageMarkdown => Err(WriteError::Unsupported {
            command: "verity mutants",
            format: "coverage report",
        }),
    }
}

/// The Markdown matrix: the verdict, the figures, a row per fault, then
/// what needs work: survivors, false alarms, failures inside verity.
pub fn markdown(report: &MutantsReport) -> String {
    let mut out = String::new();
    let rate = report.kill_rate();
    let mark = if report.success() { "✅" } else { "❌" };
    let _ = writeln!(
        out,
        "# verity mutants: {mark} {} of {} faults caught ({}), {}\n",
        rate.caught,
        rate.total(),
        rate.percent(),
        clean_verdict(&report.clean)
    );
    let _ = writeln!(
        out,
        "{}, run against the clean reference servers, then with each fault of the catalogue switched on alone; snapshots off. {} in {}.\n",
        describe_shape(&report.shape),
        plural(report.faults.len() + 1, "run", "runs"),
        seconds(report.duration_ms)
    );
    if let Some(why) = &report.stopped {
        let _ = writeln!(out, "> Stopped: {why}. Faults not run are marked so.\n");
    }
    let (cases, properties) = caught_by_kind(&report.faults);
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(
        out,
        "| clean servers | {}: {} |",
        report.clean.tally.line(),
        clean_verdict(&report.clean)
    );
    let _ = writeln!(
        out,
        "| faults caught | {} of {} ({}) |",
        rate.caught,
        rate.total(),
        rate.percent()
    );
    if report.shape.cases > 0 {
        let _ = writeln!(out, "| caught by a case | {cases} |");
    }
    if report.shape.properties > 0 {
        let _ = writeln!(out, "| caught by a property | {properties} |");
    }
    if rate.warned > 0 {
        let _ = writeln!(out, "| caught only as a warning | {} |", rate.warned);
    }
    let _ = writeln!(out, "| survived | {} |", rate.survived);
    if rate.not_run > 0 {
        let _ = writeln!(out, "| not run | {} |", rate.not_run);
    }
    out.push('\n');

    out.push_str("## The matrix\n\n| fault | server | what it breaks | verdict | caught by |\n|---|---|---|---|---|\n");
    for f in &report.faults {
        let (verdict, by) = match f.verdict {
            Verdict::Caught => ("✅ caught", caught_by(f, NAMED_IN_A_CELL, "`")),
            Verdict::Warned => ("⚠️ caught as a warning", caught_by(f, NAMED_IN_A_CELL, "`")),
            Verdict::Survived => ("❌ survived", "nothing".into()),
            Verdict::NotRun => ("⏭ not run", f.not_run.clone().unwrap_or_default()),
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {verdict} | {} |",
            f.fault,
            f.api,
            cell(&f.summary),
            cell(&by)
        );
    }
    out.push('\n');

    let survivors: Vec<&FaultRun> = report
        .faults
        .iter()
        .filter(|f| f.verdict == Verdict::Survived)
        .collect();
    if !survivors.is_empty() {
        out.push_str("## Surviving faults\n\nNo case or property failed with these switched on: each needs a case that catches it (never drop the fault).\n\n");
        for f in survivors {
            let _ = writeln!(out, "- `{}` ({}): {}", f.fault, f.api, f.summary);
        }
        out.push('\n');
    }
    if !report.clean.false_alarms.is_empty() {
        out.push_str("## False alarms\n\nThese fail on the clean servers, so they count as catching no fault.\n\n");
        for c in &report.clean.false_alarms {
            let _ = writeln!(out, "- `{}` (`{}`): {}", c.id, location(&c.source), c.why);
        }
        out.push('\n');
    }
    let errors: Vec<_> = report.errors().collect();
    if !errors.is_empty() {
        out.push_str("## Failures inside verity\n\n");
        for (f, c) in errors {
            let _ = writeln!(out, "- with `{}`: `{}`: {}", f.fault, c.id, c.why);
        }
        out.push('\n');
    }
    out
}

/// JUnit: one test case for the clean servers and one per fault (classname
/// the server), failing when a fault survived or a false alarm rang.
fn junit(report: &MutantsReport) -> Result<String, WriteError> {
    let mut junit = quick_junit::Report::new("verity mutants");
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(&report.started_at) {
        junit.set_timestamp(at);
    }
    junit.set_time(Duration::from_millis(report.duration_ms));
    let mut suite = TestSuite::new("mutants");
    let clean_status = if report.clean.passed() {
        TestCaseStatus::success()
    } else {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        status.set_message(clean_verdict(&report.clean));
        status.set_description(
            report
                .clean
                .false_alarms
                .iter()
                .map(|c| format!("{} ({}): {}\n", c.id, location(&c.source), c.why))
                .collect::<String>(),
        );
        status
    };
    let mut clean = TestCase::new("clean servers", clean_status);
    clean.set_classname("mutants");
    clean.set_time(Duration::from_millis(report.clean.tally.duration_ms));
    suite.add_test_case(clean);
    for f in &report.faults {
        let status = match f.verdict {
            Verdict::Caught | Verdict::Warned => TestCaseStatus::success(),
            Verdict::Survived => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status.set_message(
                    "survived: no case or property failed; add a case that catches it",
                );
                status.set_description(f.summary.as_str());
                status
            }
            Verdict::NotRun => {
                let mut status = TestCaseStatus::skipped();
                status.set_message(f.not_run.clone().unwrap_or_default());
                status
            }
        };
        let mut tc = TestCase::new(f.fault.as_str(), status);
        tc.set_classname(f.api.as_str());
        tc.set_time(Duration::from_millis(f.tally.duration_ms));
        tc.add_property(Property::new("breaks", f.summary.as_str()));
        if !f.caught_by.is_empty() {
            let ids: Vec<&str> = f.caught_by.iter().map(|c| c.id.as_str()).collect();
            tc.add_property(Property::new("caught_by", ids.join(" ")));
        }
        if !f.warned_by.is_empty() {
            let ids: Vec<&str> = f.warned_by.iter().map(|c| c.id.as_str()).collect();
            tc.add_property(Property::new("warned_by", ids.join(" ")));
        }
        suite.add_test_case(tc);
    }
    junit.add_test_suite(suite);
    junit.to_string().map_err(WriteError::Junit)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::Arc;

    use super::*;
    use crate::case::model::Pos;
    use crate::mutants::{SCHEMA, Tally, VERSION};

    fn info(name: &str) -> &'static crate::reference::FaultInfo {
        crate::reference::catalogue()
            .find(|f| f.name == name)
            .unwrap()
    }

    fn catcher(name: &str, kind: CatcherKind) -> Catcher {
        Catcher {
            id: format!("onsi::{name}"),
            suite: "onsi".into(),
            name: name.into(),
            kind,
            source: Pos {
                file: Arc::new(PathBuf::from("cases/onsi/patch-echo.yaml")),
                line: 7,
                column: 5,
            },
            why: "step `2`: $.phone equals: expected \"+44\", got null".into(),
        }
    }

    fn run(name: &str, verdict: Verdict, caught_by: Vec<Catcher>) -> FaultRun {
        FaultRun {
            verdict,
            caught_by,
            not_run: None,
            tally: Tally {
                passed: 60,
                failed: 2,
                skipped: 0,
                duration_ms: 400,
            },
            ..FaultRun::not_run(info(name), "")
        }
    }

    fn report() -> MutantsReport {
        let many: Vec<Catcher> = ["a", "b", "c", "d", "e"]
            .into_iter()
            .map(|n| catcher(n, CatcherKind::Case))
            .chain([catcher(
                "property::stateful-sequence",
                CatcherKind::Property,
            )])
            .collect();
        MutantsReport {
            schema: SCHEMA.into(),
            version: VERSION,
            verity: "0.1.0".into(),
            started_at: "2026-11-23T10:00:00Z".into(),
            duration_ms: 2500,
            shape: Shape {
                suites: vec!["onsi".into()],
                cases: 60,
                properties: 4,
                property_cases: Some(100),
                seed: Some(1),
            },
            clean: CleanRun {
                tally: Tally {
                    passed: 64,
                    failed: 0,
                    skipped: 0,
                    duration_ms: 500,
                },
                false_alarms: Vec::new(),
                warnings: Vec::new(),
                stopped: None,
            },
            faults: vec![
                run("onsi-patch-echo-stale", Verdict::Caught, many),
                run("onsi-workerid-null-refused", Verdict::Survived, Vec::new()),
                FaultRun::not_run(info("onsi-put-keeps-inactive"), "not run: Ctrl-C"),
            ],
            stopped: Some("Ctrl-C".into()),
        }
    }

    fn printed(quiet: bool, verbose: bool) -> String {
        let report = report();
        let faults: Vec<&'static crate::reference::FaultInfo> =
            report.faults.iter().map(|f| info(&f.fault)).collect();
        let mut printer = MatrixPrinter::new(Vec::new(), Style::plain(), quiet, verbose);
        printer.event(&Event::Started {
            shape: &report.shape,
            faults: &faults,
        });
        printer.event(&Event::Clean(&report.clean));
        for f in &report.faults {
            printer.event(&Event::Fault(f));
        }
        printer.finish(&report);
        String::from_utf8(printer.into_inner()).unwrap()
    }

    #[test]
    fn the_console_prints_a_line_per_fault_then_the_kill_rate() {
        let out = printed(false, false);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines,
            [
                "verity mutants: 60 cases and 4 properties (100 generated cases each, seed 1) in onsi, against the clean reference servers, then with each of 3 faults switched on alone (snapshots off)",
                "",
                "CLEAN     (no fault)                  64 passed, 0 failed: no false alarm  (0.5 s)",
                "CAUGHT    onsi-patch-echo-stale       5 cases, 1 property: a, b, c, +3 more  (0.4 s)",
                "SURVIVED  onsi-workerid-null-refused  nothing failed: add a case that catches it (PATCH refuses workerId null; the PATCH schema types workerId as string | null)  (0.4 s)",
                "NOT RUN   onsi-put-keeps-inactive     not run: Ctrl-C",
                "",
                "the cases alone catch 1, the properties alone 1",
                "kill rate: 1 of 3 faults caught (33.3%); 1 survived: onsi-workerid-null-refused; 1 not run; clean servers: 64 passed, 0 failed, no false alarm",
            ]
        );
    }

    #[test]
    fn a_fault_caught_only_as_a_warning_says_so() {
        let mut report = report();
        report.stopped = None;
        let mut warned = run("toluna-not-found-reworded", Verdict::Warned, Vec::new());
        let mut by = catcher("get-unknown-pair", CatcherKind::Case);
        (by.id, by.suite) = ("toluna::get-unknown-pair".into(), "toluna".into());
        warned.warned_by = vec![by];
        report.faults = vec![warned];
        let mut printer = MatrixPrinter::new(Vec::new(), Style::plain(), false, false);
        printer.event(&Event::Fault(&report.faults[0]));
        let line = String::from_utf8(printer.into_inner()).unwrap();
        assert!(
            line.starts_with("WARNED    toluna-not-found-reworded  caught as a warning, not a failure: 1 case: get-unknown-pair"),
            "{line}"
        );
        assert!(
            kill_line(&report)
                .starts_with("kill rate: 1 of 1 fault caught (100.0%), 1 of them as a warning;"),
            "{}",
            kill_line(&report)
        );
        assert!(markdown(&report).contains("| caught only as a warning | 1 |"));
    }

    #[test]
    fn quiet_prints_what_needs_work_and_verbose_every_catcher() {
        let quiet = printed(true, false);
        assert!(!quiet.contains("CAUGHT"), "{quiet}");
        assert!(!quiet.contains("CLEAN"), "{quiet}");
        assert!(!quiet.contains("alone catch"), "{quiet}");
        assert!(
            quiet.contains("SURVIVED  onsi-workerid-null-refused"),
            "{quiet}"
        );
        assert!(quiet.trim_end().ends_with("no false alarm"), "{quiet}");
        let verbose = printed(false, true);
        assert_eq!(
            verbose
                .lines()
                .filter(|l| l.starts_with("          onsi::"))
                .count(),
            6,
            "{verbose}"
        );
        assert!(verbose.contains(
            "          onsi::e (cases/onsi/patch-echo.yaml:7): step `2`: $.phone equals: expected \"+44\", got null"
        ));
    }

    #[test]
    fn markdown_has_the_verdict_a_row_per_fault_and_the_survivors() {
        let md = markdown(&report());
        assert!(
            md.starts_with("# verity mutants: ❌ 1 of 3 faults caught (33.3%), no false alarm\n")
        );
        assert!(md.contains("> Stopped: Ctrl-C."), "{md}");
        // Six catchers fit a cell; the summary comes from the catalogue.
        let row = format!(
            "| `onsi-patch-echo-stale` | onsi | {} | ✅ caught | 5 cases, 1 property: `a`, `b`, `c`, `d`, `e`, `property::stateful-sequence` |",
            info("onsi-patch-echo-stale").summary
        );
        assert!(md.contains(&row), "{md}");
        assert!(md.contains("| ⏭ not run | not run: Ctrl-C |"), "{md}");
        assert!(md.contains("## Surviving faults"), "{md}");
        assert!(!md.contains("## False alarms"), "{md}");
    }

    #[test]
    fn junit_fails_a_survivor_and_skips_what_did_not_run() {
        let mut report = report();
        report
            .clean
            .false_alarms
            .push(catcher("x", CatcherKind::Case));
        let xml = render(Format::Junit, &report).unwrap();
        assert!(xml.contains(r#"tests="4""#), "{xml}");
        assert!(xml.contains(r#"failures="2""#), "{xml}");
        assert!(xml.contains(r#"skipped="1""#), "{xml}");
        assert!(xml.contains("1 FALSE ALARM"), "{xml}");
        assert!(
            xml.contains(r#"<property name="caught_by" value="onsi::a onsi::b"#),
            "{xml}"
        );
        let json = render(Format::Json, &report).unwrap();
        let back: MutantsReport = serde_json::from_str(&json).unwrap();
        assert_eq!(back.faults.len(), 3);
        assert_eq!(back.faults[0].caught_by.len(), 6);
        assert_eq!(back.kill_rate(), report.kill_rate());
    }
}
