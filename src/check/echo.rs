//! `echo`: the response carries the values the request sent.
//!
//! Each top-level field of the sent JSON body must come back equal. A field
//! sent as `null` may come back as `null` or be left out: for an optional
//! key (Onsi's `gender`) both say "no value", and keys a schema requires are
//! the schema check's business.

use serde_json::Value;

use super::body::not_json;
use super::json::{child_path, compact, equal};
use super::{CheckKind, CheckResult, Observed, Scope};
use crate::case::model::Echo;

pub fn check(echo: &Echo, observed: &Observed, scope: &dyn Scope) -> Vec<CheckResult> {
    let subject = "echo";
    let Some(sent) = scope.sent_body(echo.of) else {
        return vec![
            CheckResult::new(
                CheckKind::Echo,
                subject,
                "a JSON object sent",
                "no JSON body was sent",
                false,
            )
            .from(&echo.origin),
        ];
    };
    let Value::Object(sent) = sent else {
        return vec![
            CheckResult::new(
                CheckKind::Echo,
                subject,
                "a JSON object sent",
                compact(sent),
                false,
            )
            .because("echo compares the fields of a sent JSON object")
            .from(&echo.origin),
        ];
    };
    let Some(json) = observed.json else {
        return vec![
            not_json(observed, "a JSON object echoing the request".into()).from(&echo.origin),
        ];
    };
    let Value::Object(actual) = json else {
        return vec![
            CheckResult::new(
                CheckKind::Echo,
                subject,
                "a JSON object",
                compact(json),
                false,
            )
            .from(&echo.origin),
        ];
    };
    let mut results = Vec::new();
    for (key, sent_value) in sent {
        if echo.ignore.iter().any(|i| i == key) {
            continue;
        }
        let path = child_path("$", key);
        let got = actual.get(key);
        let passed = match (sent_value, got) {
            (Value::Null, None) => true,
            (_, Some(got)) => equal(sent_value, got),
            (_, None) => false,
        };
        results.push(
            CheckResult::new(
                CheckKind::Echo,
                format!("echo {key}"),
                compact(sent_value),
                got.map(compact).unwrap_or_else(|| "(absent)".into()),
                passed,
            )
            .at(path)
            .from(&echo.origin),
        );
    }
    if results.is_empty() {
        results.push(
            CheckResult::new(
                CheckKind::Echo,
                subject,
                "(no fields sent)",
                "(nothing to compare)",
                true,
            )
            .from(&echo.origin),
        );
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::model::EchoOf;
    use crate::check::testing::{MapScope, observed, pos};
    use serde_json::json;

    fn scope(sent: Value) -> MapScope {
        MapScope {
            sent: vec![Some(sent)],
            ..MapScope::default()
        }
    }

    #[test]
    fn every_sent_field_must_come_back() {
        let e = Echo {
            of: EchoOf::ThisStep,
            ignore: vec![],
            origin: pos(),
        };
        let s = scope(
            json!({"firstName": "Ann", "accountDetails": {"accountHolder": "A", "iban": "X"}, "gender": null}),
        );
        let good = json!({"firstName": "Ann", "lastName": "B", "accountDetails": {"accountHolder": "A", "iban": "X"}});
        assert!(
            check(&e, &observed(200, b"x", Some(&good)), &s)
                .iter()
                .all(|c| c.passed)
        );
        let stale = json!({"firstName": "Bob", "accountDetails": {"accountHolder": "A", "iban": "X"}, "gender": "Male"});
        let r = check(&e, &observed(200, b"x", Some(&stale)), &s);
        let failed: Vec<_> = r
            .iter()
            .filter(|c| !c.passed)
            .map(|c| c.path.clone().unwrap())
            .collect();
        assert_eq!(failed, vec!["$.firstName", "$.gender"]);
    }

    #[test]
    fn ignored_fields_and_missing_bodies() {
        let e = Echo {
            of: EchoOf::ThisStep,
            ignore: vec!["Email".into()],
            origin: pos(),
        };
        let s = scope(json!({"Email": "a@b.c"}));
        let body = json!({});
        assert!(
            check(&e, &observed(200, b"x", Some(&body)), &s)
                .iter()
                .all(|c| c.passed)
        );
        let none = MapScope {
            sent: vec![None],
            ..MapScope::default()
        };
        assert!(!check(&e, &observed(200, b"x", Some(&body)), &none)[0].passed);
        assert!(
            !check(
                &Echo {
                    ignore: vec![],
                    ..e
                },
                &observed(200, b"", None),
                &s
            )[0]
            .passed
        );
    }
}
