//! Whole-body expectations: empty, exact JSON, JSON subset.

use serde_json::Value;

use super::json::{child_path, compact, equal, excerpt, pretty};
use super::{CheckKind, CheckResult, Observed, Scope};
use crate::case::model::BodyExpect;

pub fn check(expect: &BodyExpect, observed: &Observed, scope: &dyn Scope) -> CheckResult {
    match expect {
        BodyExpect::Empty {
            empty: want_empty,
            origin,
        } => {
            let empty = observed.body.iter().all(u8::is_ascii_whitespace);
            let actual = if empty {
                "(empty)".to_string()
            } else {
                excerpt(observed.body, 500)
            };
            let (subject, expected) = if *want_empty {
                ("body empty", "(empty)")
            } else {
                ("body not empty", "a body")
            };
            CheckResult::new(
                CheckKind::Body,
                subject,
                expected,
                actual,
                empty == *want_empty,
            )
            .from(origin)
        }
        BodyExpect::Json { value, origin } => {
            let want = scope.render_json(value);
            match observed.json {
                Some(actual) => CheckResult::new(
                    CheckKind::Body,
                    "body equals",
                    pretty(&want),
                    pretty(actual),
                    equal(&want, actual),
                )
                .at("$")
                .from(origin),
                None => not_json(observed, pretty(&want)).from(origin),
            }
        }
        BodyExpect::Subset { value, origin } => {
            let want = scope.render_json(value);
            match observed.json {
                Some(actual) => {
                    let mut misses = Vec::new();
                    subset_misses(&want, actual, "$", &mut misses);
                    let mut r = CheckResult::new(
                        CheckKind::Body,
                        "body contains",
                        pretty(&want),
                        pretty(actual),
                        misses.is_empty(),
                    )
                    .at("$")
                    .from(origin);
                    if !misses.is_empty() {
                        r = r.because(misses.join("; "));
                    }
                    r
                }
                None => not_json(observed, pretty(&want)).from(origin),
            }
        }
        BodyExpect::Path(_) => unreachable!("path assertions are checked by jsonpath::check"),
    }
}

pub fn not_json(observed: &Observed, expected: String) -> CheckResult {
    CheckResult::new(
        CheckKind::Body,
        "body is JSON",
        expected,
        if observed.body.is_empty() {
            "(empty body)".to_string()
        } else {
            excerpt(observed.body, 500)
        },
        false,
    )
    .because(why_not_json(observed.body))
}

/// The parser's reason, so that a truncated body reads as truncated.
fn why_not_json(body: &[u8]) -> String {
    if body.iter().all(u8::is_ascii_whitespace) {
        return "the response body is empty".to_string();
    }
    match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
        Err(e) => format!("the response body is not JSON: {e}"),
        Ok(_) => "the response body is not JSON".to_string(),
    }
}

/// Where `actual` fails to contain `want`: objects by key, arrays by
/// containment (each wanted element matched by some actual element).
fn subset_misses(want: &Value, actual: &Value, path: &str, out: &mut Vec<String>) {
    match (want, actual) {
        (Value::Object(w), Value::Object(a)) => {
            for (k, wv) in w {
                let p = child_path(path, k);
                match a.get(k) {
                    Some(av) => subset_misses(wv, av, &p, out),
                    None => out.push(format!("{p} is missing (expected {})", compact(wv))),
                }
            }
        }
        (Value::Array(w), Value::Array(a)) => {
            for (i, wv) in w.iter().enumerate() {
                let found = a.iter().any(|av| {
                    let mut m = Vec::new();
                    subset_misses(wv, av, path, &mut m);
                    m.is_empty()
                });
                if !found {
                    out.push(format!("{path}[{i}]: no element contains {}", compact(wv)));
                }
            }
        }
        _ => {
            if !equal(want, actual) {
                out.push(format!(
                    "{path} is {} (expected {})",
                    compact(actual),
                    compact(want)
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::{MapScope, observed, pos, tj};
    use serde_json::json;

    #[test]
    fn empty_body() {
        let s = MapScope::default();
        let e = BodyExpect::Empty {
            empty: true,
            origin: pos(),
        };
        assert!(check(&e, &observed(201, b"", None), &s).passed);
        assert!(check(&e, &observed(201, b"  \n", None), &s).passed);
        assert!(!check(&e, &observed(201, b"{}", None), &s).passed);
        let e = BodyExpect::Empty {
            empty: false,
            origin: pos(),
        };
        assert!(!check(&e, &observed(409, b"", None), &s).passed);
        assert!(check(&e, &observed(409, b"{}", None), &s).passed);
    }

    #[test]
    fn exact_json_renders_templates() {
        let mut s = MapScope::default();
        s.values.insert("id".into(), json!("mem_1"));
        let e = BodyExpect::Json {
            value: tj(json!({"memberId": "${id}"})),
            origin: pos(),
        };
        let good = json!({"memberId": "mem_1"});
        assert!(check(&e, &observed(200, b"x", Some(&good)), &s).passed);
        let bad = json!({"memberId": "mem_2"});
        let r = check(&e, &observed(200, b"x", Some(&bad)), &s);
        assert!(!r.passed);
        assert!(r.expected.contains("mem_1") && r.actual.contains("mem_2"));
        assert!(!check(&e, &observed(200, b"<html>", None), &s).passed);
    }

    #[test]
    fn subset_reports_each_miss() {
        let s = MapScope::default();
        let e = BodyExpect::Subset {
            value: tj(json!({"a": 1, "b": {"c": true}, "list": [{"id": 2}]})),
            origin: pos(),
        };
        let good = json!({"a": 1.0, "b": {"c": true, "d": 0}, "list": [{"id": 1}, {"id": 2, "x": 0}], "z": 9});
        assert!(check(&e, &observed(200, b"x", Some(&good)), &s).passed);
        let bad = json!({"a": 2, "b": {}, "list": [{"id": 1}]});
        let r = check(&e, &observed(200, b"x", Some(&bad)), &s);
        assert!(!r.passed);
        let m = r.message.unwrap();
        assert!(m.contains("$.a is 2"), "{m}");
        assert!(m.contains("$.b.c is missing"), "{m}");
        assert!(m.contains("$.list[0]: no element"), "{m}");
    }
}
