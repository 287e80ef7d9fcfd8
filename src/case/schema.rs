//! JSON Schemas of a suite: read from a file (optionally at a JSON pointer
//! inside it, as for a schema of an OpenAPI document) or written inline.

use serde_json::{Map, Value};

/// Turns OpenAPI 3.0 schema objects into JSON Schema: `nullable: true` has no
/// meaning in JSON Schema, so without this a `null` the OpenAPI document allows
/// would fail validation.
pub fn openapi_to_json_schema(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for child in map.values_mut() {
                openapi_to_json_schema(child);
            }
            if map.get("nullable") == Some(&Value::Bool(true)) {
                map.remove("nullable");
                let inner = Value::Object(std::mem::take(map));
                let mut null = Map::new();
                null.insert("type".into(), Value::String("null".into()));
                map.insert(
                    "anyOf".into(),
                    Value::Array(vec![inner, Value::Object(null)]),
                );
            } else if map.get("nullable") == Some(&Value::Bool(false)) {
                map.remove("nullable");
            }
        }
        Value::Array(items) => items.iter_mut().for_each(openapi_to_json_schema),
        _ => {}
    }
}

/// Builds the schema to compile from a document and an optional pointer. An
/// OpenAPI document is converted and kept whole, so that its internal
/// `#/components/...` references resolve.
pub fn schema_from_document(mut document: Value, pointer: Option<&str>) -> Result<Value, String> {
    let is_openapi = document.get("openapi").is_some();
    if is_openapi {
        openapi_to_json_schema(&mut document);
    }
    let Some(pointer) = pointer else {
        return Ok(document);
    };
    if !pointer.is_empty() && !pointer.starts_with('/') {
        return Err(format!(
            "pointer `{pointer}` must start with `/` (a JSON pointer, e.g. /components/schemas/Member)"
        ));
    }
    if document.pointer(pointer).is_none() {
        return Err(format!(
            "pointer `{pointer}` selects nothing in the document"
        ));
    }
    let Value::Object(mut root) = document else {
        return Err("the document is not a JSON object".into());
    };
    // The document stays the root resource; its other keys are unknown
    // keywords to JSON Schema and are ignored.
    root.insert(
        "$ref".into(),
        Value::String(format!("#{}", fragment_encode(pointer))),
    );
    Ok(Value::Object(root))
}

/// A JSON pointer as a URI fragment: OpenAPI paths hold `{id}`, which a URI
/// reference may not carry unencoded.
fn fragment_encode(pointer: &str) -> String {
    const KEEP: &[u8] = b"-._~!$&'()*+,;=:@/";
    pointer
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || KEEP.contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Compiles a schema, with format assertions off: the suites' schemas state
/// formats as patterns where the docs do, and a stricter format checker than
/// the vendor's would fail correct servers.
pub fn compile(schema: &Value) -> Result<jsonschema::Validator, String> {
    jsonschema::validator_for(schema).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nullable_becomes_a_null_alternative() {
        let mut s = json!({"type": "string", "nullable": true});
        openapi_to_json_schema(&mut s);
        let v = compile(&s).unwrap();
        assert!(v.is_valid(&json!(null)));
        assert!(v.is_valid(&json!("x")));
        assert!(!v.is_valid(&json!(3)));
    }

    #[test]
    fn nullable_enum_still_refuses_other_strings() {
        let mut s =
            json!({"anyOf": [{"type": "string", "enum": ["Female", "Male"], "nullable": true}]});
        openapi_to_json_schema(&mut s);
        let v = compile(&s).unwrap();
        assert!(v.is_valid(&json!(null)));
        assert!(v.is_valid(&json!("Male")));
        assert!(!v.is_valid(&json!("Other")));
    }

    #[test]
    fn pointer_into_openapi_resolves_internal_refs() {
        let doc = json!({
            "openapi": "3.0.2",
            "components": {"schemas": {
                "A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B"}}, "required": ["b"], "additionalProperties": false},
                "B": {"type": "integer", "nullable": true}
            }}
        });
        let s = schema_from_document(doc, Some("/components/schemas/A")).unwrap();
        let v = compile(&s).unwrap();
        assert!(v.is_valid(&json!({"b": 1})));
        assert!(v.is_valid(&json!({"b": null})));
        assert!(!v.is_valid(&json!({"b": "x"})));
        assert!(!v.is_valid(&json!({"b": 1, "c": 2})));
        assert!(!v.is_valid(&json!({})));
    }

    #[test]
    fn pointers_with_braces_resolve() {
        let doc = json!({"paths": {"/m/{id}": {"type": "integer"}}});
        let s = schema_from_document(doc, Some("/paths/~1m~1{id}")).unwrap();
        let v = compile(&s).unwrap();
        assert!(v.is_valid(&json!(1)));
        assert!(!v.is_valid(&json!("x")));
    }

    #[test]
    fn bad_pointers_are_refused() {
        assert!(schema_from_document(json!({"a": 1}), Some("/b")).is_err());
        assert!(schema_from_document(json!({"a": 1}), Some("a")).is_err());
    }
}
