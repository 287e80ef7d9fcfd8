//! `unchanged`: a resource read now equals the one captured earlier, except
//! for the listed fields (`name`, or `a.b` for a nested key).

use serde_json::Value;

use super::body::not_json;
use super::json::{child_path, compact, equal};
use super::{CheckKind, CheckResult, Observed, Scope};
use crate::case::model::Unchanged;

pub fn check(u: &Unchanged, observed: &Observed, scope: &dyn Scope) -> Vec<CheckResult> {
    let subject = format!("unchanged since {}", u.of);
    let Some(before) = scope.lookup(&u.of) else {
        return vec![
            CheckResult::new(
                CheckKind::Unchanged,
                subject,
                format!("a value captured as {}", u.of),
                "nothing captured",
                false,
            )
            .from(&u.origin),
        ];
    };
    let Some(now) = observed.json else {
        return vec![not_json(observed, format!("JSON equal to {}", u.of)).from(&u.origin)];
    };
    let except: Vec<Vec<&str>> = u.except.iter().map(|e| e.split('.').collect()).collect();
    let mut diffs = Vec::new();
    differences(before, now, &mut Vec::new(), &except, &mut diffs);
    if diffs.is_empty() {
        return vec![
            CheckResult::new(
                CheckKind::Unchanged,
                subject,
                "unchanged",
                "unchanged",
                true,
            )
            .at("$")
            .from(&u.origin),
        ];
    }
    diffs
        .into_iter()
        .map(|(path, was, is)| {
            CheckResult::new(CheckKind::Unchanged, subject.clone(), was, is, false)
                .at(path)
                .from(&u.origin)
        })
        .collect()
}

fn excepted(keys: &[&str], except: &[Vec<&str>]) -> bool {
    except
        .iter()
        .any(|e| e.len() <= keys.len() && e.iter().zip(keys).all(|(a, b)| a == b))
}

/// The JSONPath of the place `keys` lead to: made only for a difference,
/// since nearly every read-back has none.
fn path_of(keys: &[&str]) -> String {
    keys.iter()
        .fold("$".to_string(), |path, key| child_path(&path, key))
}

fn differences<'v>(
    before: &'v Value,
    now: &'v Value,
    keys: &mut Vec<&'v str>,
    except: &[Vec<&str>],
    out: &mut Vec<(String, String, String)>,
) {
    if excepted(keys, except) {
        return;
    }
    match (before, now) {
        (Value::Object(b), Value::Object(n)) => {
            let names = b.keys().chain(n.keys().filter(|k| !b.contains_key(*k)));
            for k in names {
                keys.push(k);
                match (b.get(k), n.get(k)) {
                    (Some(bv), Some(nv)) => differences(bv, nv, keys, except, out),
                    (Some(bv), None) if !excepted(keys, except) => {
                        out.push((path_of(keys), compact(bv), "(absent)".into()))
                    }
                    (None, Some(nv)) if !excepted(keys, except) => {
                        out.push((path_of(keys), "(absent)".into(), compact(nv)))
                    }
                    _ => {}
                }
                keys.pop();
            }
        }
        _ => {
            if !equal(before, now) {
                out.push((path_of(keys), compact(before), compact(now)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::{MapScope, observed, pos};
    use serde_json::json;

    fn run(before: Value, now: &Value, except: &[&str]) -> Vec<CheckResult> {
        let mut s = MapScope::default();
        s.values.insert("before".into(), before);
        let u = Unchanged {
            of: "before".into(),
            except: except.iter().map(|e| e.to_string()).collect(),
            origin: pos(),
        };
        check(&u, &observed(200, b"x", Some(now)), &s)
    }

    #[test]
    fn reports_each_changed_path() {
        let before = json!({"a": 1, "b": {"c": 2, "d": 3}, "e": [1]});
        let same = before.clone();
        assert!(run(before.clone(), &same, &[])[0].passed);
        let now = json!({"a": 1, "b": {"c": 9, "d": 3}, "e": [1, 2], "f": true});
        let r = run(before.clone(), &now, &[]);
        let paths: Vec<_> = r.iter().map(|c| c.path.clone().unwrap()).collect();
        assert_eq!(paths, vec!["$.b.c", "$.e", "$.f"]);
        assert!(r.iter().all(|c| !c.passed));
        assert_eq!((r[0].expected.as_str(), r[0].actual.as_str()), ("2", "9"));
    }

    #[test]
    fn excepted_fields_may_change() {
        let before = json!({"a": 1, "b": {"c": 2, "d": 3}});
        let now = json!({"a": 5, "b": {"c": 9, "d": 3}});
        assert!(
            run(before.clone(), &now, &["a", "b.c"])
                .iter()
                .all(|c| c.passed)
        );
        assert!(!run(before, &now, &["a"]).iter().all(|c| c.passed));
    }

    #[test]
    fn missing_capture_fails() {
        let s = MapScope::default();
        let u = Unchanged {
            of: "nope".into(),
            except: vec![],
            origin: pos(),
        };
        let body = json!({});
        assert!(!check(&u, &observed(200, b"x", Some(&body)), &s)[0].passed);
    }
}
