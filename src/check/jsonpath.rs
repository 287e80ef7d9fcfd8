//! JSONPath (RFC 9535) assertions on the response body.

use serde_json::Value;

use super::body::not_json;
use super::json::{compact, equal};
use super::{CheckKind, CheckResult, Observed, Scope, compile_pattern};
use crate::case::model::{PathAssert, Predicate};

pub fn check(assert: &PathAssert, observed: &Observed, scope: &dyn Scope) -> Vec<CheckResult> {
    let Some(json) = observed.json else {
        return vec![
            not_json(observed, format!("JSON with {}", assert.source)).from(&assert.origin),
        ];
    };
    let nodes: Vec<&Value> = assert.path.query(json).all();
    assert
        .predicates
        .iter()
        .map(|p| predicate(assert, p, &nodes, scope).from(&assert.origin))
        .collect()
}

fn shown(nodes: &[&Value]) -> String {
    match nodes {
        [] => "(nothing selected)".to_string(),
        [one] => compact(one),
        many => format!(
            "{} values: {}",
            many.len(),
            compact(&Value::Array(many.iter().map(|v| (*v).clone()).collect()))
        ),
    }
}

fn predicate(
    assert: &PathAssert,
    p: &Predicate,
    nodes: &[&Value],
    scope: &dyn Scope,
) -> CheckResult {
    let path = assert.source.clone();
    let actual = shown(nodes);
    let result = |name: &str, expected: String, passed: bool| {
        CheckResult::new(
            CheckKind::JsonPath,
            format!("{path} {name}"),
            expected,
            actual.clone(),
            passed,
        )
        .at(path.clone())
    };
    if assert.optional && nodes.is_empty() {
        return result("(optional)", "absent, or as asserted".into(), true);
    }
    // Predicates about one value need exactly one value to talk about.
    let single = |name: &str, expected: String, test: &dyn Fn(&Value) -> bool| match nodes {
        [one] => result(name, expected, test(one)),
        _ => result(name, expected, false).because(format!(
            "`{path}` selected {} values where one was expected",
            nodes.len()
        )),
    };
    match p {
        Predicate::Present => result("present", "present".into(), !nodes.is_empty()),
        Predicate::Absent => result("absent", "(nothing selected)".into(), nodes.is_empty()),
        Predicate::Count(n) => {
            let r = result("count", format!("{n} values"), nodes.len() == *n);
            CheckResult {
                actual: format!("{} values", nodes.len()),
                ..r
            }
        }
        Predicate::Equals(v) => {
            let want = scope.render_json(v);
            single("equals", compact(&want), &|got| equal(&want, got))
        }
        Predicate::Type(t) => single("type", t.name().to_string(), &|got| t.admits(got)),
        Predicate::Regex(pattern) => match compile_pattern(pattern, scope) {
            Ok(re) => single("regex", format!("matches /{}/", re.as_str()), &|got| {
                got.as_str().is_some_and(|s| re.is_match(s))
            }),
            Err(e) => result("regex", pattern.source.to_string(), false).because(e),
        },
        Predicate::OneOf(values) => {
            let wants: Vec<Value> = values.iter().map(|v| scope.render_json(v)).collect();
            let expected = format!("one of {}", compact(&Value::Array(wants.clone())));
            single("one_of", expected, &|got| {
                wants.iter().any(|w| equal(w, got))
            })
        }
        Predicate::Contains(v) => {
            let want = scope.render_json(v);
            let passed = nodes.iter().any(|n| equal(n, &want))
                || matches!(nodes, [Value::Array(items)] if items.iter().any(|i| equal(i, &want)));
            result("contains", format!("contains {}", compact(&want)), passed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::model::JsonType;
    use crate::check::testing::{MapScope, observed, pos, tj};
    use serde_json::json;
    use serde_json_path::JsonPath;

    fn run(path: &str, preds: Vec<Predicate>, optional: bool, body: &Value) -> Vec<CheckResult> {
        let a = PathAssert {
            source: path.into(),
            path: JsonPath::parse(path).unwrap(),
            predicates: preds,
            optional,
            checks: Vec::new(),
            advisory: false,
            origin: pos(),
        };
        check(&a, &observed(200, b"x", Some(body)), &MapScope::default())
    }

    #[test]
    fn single_value_predicates() {
        let body = json!({"status": "invited", "n": 3, "tags": ["a", "b"], "issues": [{"path": "x-api-key"}, {"path": "dob"}]});
        assert!(
            run(
                "$.status",
                vec![Predicate::Equals(tj(json!("invited")))],
                false,
                &body
            )[0]
            .passed
        );
        assert!(
            !run(
                "$.status",
                vec![Predicate::Equals(tj(json!("active")))],
                false,
                &body
            )[0]
            .passed
        );
        assert!(run("$.n", vec![Predicate::Type(JsonType::Number)], false, &body)[0].passed);
        assert!(
            run(
                "$.n",
                vec![Predicate::Type(JsonType::Integer)],
                false,
                &body
            )[0]
            .passed
        );
        assert!(!run("$.n", vec![Predicate::Type(JsonType::String)], false, &body)[0].passed);
        let re = || crate::case::model::Pattern {
            source: crate::case::template::Template::parse("^inv").unwrap(),
            fixed: Some(regex::Regex::new("^inv").unwrap()),
        };
        assert!(run("$.status", vec![Predicate::Regex(re())], false, &body)[0].passed);
        assert!(!run("$.n", vec![Predicate::Regex(re())], false, &body)[0].passed);
        assert!(
            run(
                "$.status",
                vec![Predicate::OneOf(vec![
                    tj(json!("active")),
                    tj(json!("invited"))
                ])],
                false,
                &body
            )[0]
            .passed
        );
        // Several values selected where one is needed: a failure that says so.
        let r = &run(
            "$.issues[*].path",
            vec![Predicate::Equals(tj(json!("dob")))],
            false,
            &body,
        )[0];
        assert!(!r.passed);
        assert!(r.message.as_deref().unwrap().contains("selected 2 values"));
    }

    #[test]
    fn regex_placeholders_match_their_value_literally() {
        let a = PathAssert {
            source: "$.id".into(),
            path: JsonPath::parse("$.id").unwrap(),
            predicates: vec![Predicate::Regex(crate::case::model::Pattern {
                source: crate::case::template::Template::parse("(?i)^${id}$").unwrap(),
                fixed: None,
            })],
            optional: false,
            checks: Vec::new(),
            advisory: false,
            origin: pos(),
        };
        let mut s = MapScope::default();
        s.values.insert("id".into(), json!("A.b"));
        let ok = json!({"id": "a.B"});
        assert!(check(&a, &observed(200, b"x", Some(&ok)), &s)[0].passed);
        let dot_is_not_any = json!({"id": "axb"});
        assert!(!check(&a, &observed(200, b"x", Some(&dot_is_not_any)), &s)[0].passed);
    }

    #[test]
    fn list_predicates() {
        let body = json!({"tags": ["a", "b"], "issues": [{"path": "x-api-key"}]});
        assert!(
            run(
                "$.issues[*].path",
                vec![Predicate::Contains(tj(json!("x-api-key")))],
                false,
                &body
            )[0]
            .passed
        );
        assert!(
            run(
                "$.tags",
                vec![Predicate::Contains(tj(json!("b")))],
                false,
                &body
            )[0]
            .passed
        );
        assert!(
            !run(
                "$.tags",
                vec![Predicate::Contains(tj(json!("c")))],
                false,
                &body
            )[0]
            .passed
        );
        assert!(run("$.tags[*]", vec![Predicate::Count(2)], false, &body)[0].passed);
        assert!(run("$.nope", vec![Predicate::Absent], false, &body)[0].passed);
        assert!(!run("$.tags", vec![Predicate::Absent], false, &body)[0].passed);
        assert!(run("$.tags", vec![Predicate::Present], false, &body)[0].passed);
    }

    #[test]
    fn optional_passes_when_absent_but_checks_when_present() {
        let body = json!({"gender": "Male"});
        assert!(
            run(
                "$.missing",
                vec![Predicate::Equals(tj(json!(null)))],
                true,
                &body
            )[0]
            .passed
        );
        assert!(
            !run(
                "$.gender",
                vec![Predicate::Equals(tj(json!(null)))],
                true,
                &body
            )[0]
            .passed
        );
        assert!(
            !run(
                "$.missing",
                vec![Predicate::Equals(tj(json!(null)))],
                false,
                &body
            )[0]
            .passed
        );
    }
}
