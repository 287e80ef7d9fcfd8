//! Validation of the response body against a named schema of the suite.

use std::collections::BTreeMap;

use super::body::not_json;
use super::json::compact;
use super::{CheckKind, CheckResult, Observed};
use crate::case::model::{Schema, SchemaRef};

pub fn check(
    schema_ref: &SchemaRef,
    schemas: &BTreeMap<String, Schema>,
    observed: &Observed,
) -> Vec<CheckResult> {
    let subject = format!("schema {}", schema_ref.name);
    let Some(schema) = schemas.get(&schema_ref.name) else {
        // The loader refuses unknown schema names; this is a defensive answer.
        return vec![
            CheckResult::new(
                CheckKind::Schema,
                subject,
                "a known schema",
                "unknown schema",
                false,
            )
            .from(&schema_ref.origin),
        ];
    };
    let Some(json) = observed.json else {
        return vec![
            not_json(observed, format!("JSON valid against {}", schema.name))
                .from(&schema_ref.origin),
        ];
    };
    // Most answers are valid: asking first is cheaper than collecting
    // errors, and every error is collected for the rest.
    let failures: Vec<CheckResult> = if schema.validator.is_valid(json) {
        Vec::new()
    } else {
        schema
            .validator
            .iter_errors(json)
            .map(|error| {
                let pointer = error.instance_path().to_string();
                let path = pointer_to_jsonpath(&pointer);
                let actual = json
                    .pointer(&pointer)
                    .map(compact)
                    .unwrap_or_else(|| "(absent)".into());
                CheckResult::new(
                    CheckKind::Schema,
                    subject.clone(),
                    format!("valid against {}", schema.name),
                    actual,
                    false,
                )
                .at(path)
                .because(error.to_string())
                .from(&schema_ref.origin)
            })
            .collect()
    };
    if failures.is_empty() {
        vec![
            CheckResult::new(
                CheckKind::Schema,
                subject,
                format!("valid against {}", schema.name),
                "valid",
                true,
            )
            .at("$")
            .from(&schema_ref.origin),
        ]
    } else {
        failures
    }
}

/// `/issues/0/code` → `$.issues[0].code`.
fn pointer_to_jsonpath(pointer: &str) -> String {
    let mut path = String::from("$");
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        if token.chars().all(|c| c.is_ascii_digit()) && !token.is_empty() {
            path.push_str(&format!("[{token}]"));
        } else {
            path = super::json::child_path(&path, &token);
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::{observed, pos};
    use serde_json::json;

    #[test]
    fn each_violation_is_a_result_with_its_path() {
        let validator = jsonschema::validator_for(&json!({
            "type": "object",
            "properties": {"email": {"type": "string"}, "list": {"type": "array", "items": {"type": "integer"}}},
            "required": ["email"]
        }))
        .unwrap();
        let mut schemas = BTreeMap::new();
        schemas.insert(
            "M".to_string(),
            Schema {
                name: "M".into(),
                description: String::new(),
                validator,
                document: serde_json::Value::Null,
            },
        );
        let r = SchemaRef {
            name: "M".into(),
            origin: pos(),
        };
        let good = json!({"email": "a@b.c", "list": [1]});
        let res = check(&r, &schemas, &observed(200, b"x", Some(&good)));
        assert!(res.len() == 1 && res[0].passed);
        let bad = json!({"email": 3, "list": [1, "x"]});
        let res = check(&r, &schemas, &observed(200, b"x", Some(&bad)));
        assert_eq!(res.len(), 2);
        assert!(res.iter().all(|c| !c.passed));
        let paths: Vec<_> = res.iter().map(|c| c.path.clone().unwrap()).collect();
        assert!(
            paths.contains(&"$.email".to_string()) && paths.contains(&"$.list[1]".to_string()),
            "{paths:?}"
        );
    }
}
