//! JSON Schemas of a suite: read from a file (optionally at a JSON pointer
//! inside it, as for a schema of an OpenAPI document) or written inline.

use jsonschema::error::ValidationErrorKind;
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
/// the vendor's would fail correct servers. References are checked first
/// ([`check_references`]); a schema the meta-schema refuses is named by the
/// place in it and the keyword, not by the meta-schema's `anyOf` branches.
pub fn compile(schema: &Value) -> Result<jsonschema::Validator, String> {
    check_references(schema).map_err(|e| e.to_string())?;
    jsonschema::validator_for(schema).map_err(|e| {
        let place = e.instance_path().to_string();
        let keyword = place.rsplit('/').next().unwrap_or_default();
        match e.kind() {
            ValidationErrorKind::AnyOf { .. } | ValidationErrorKind::OneOfNotValid { .. }
                if !keyword.is_empty() =>
            {
                format!(
                    "at {place}: {} is not a valid value for `{keyword}`",
                    e.instance()
                )
            }
            ValidationErrorKind::Format { format } => {
                format!("at {place}: {} is not a valid {format}", e.instance())
            }
            _ if place.is_empty() => e.to_string(),
            _ => format!("at {place}: {e}"),
        }
    })
}

/// Why a schema's `$ref`s make it unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefError {
    /// References that lead back to where they started without the answer
    /// going any deeper: such a schema validates nothing (a validator
    /// either loops or, as jsonschema does, lets every answer pass).
    #[error(
        "`$ref` cycle {}: these references lead back to themselves without going into the answer, so the schema would check nothing",
        .0.join(" → ")
    )]
    Cycle(Vec<String>),
    #[error(
        "`$ref` to `{0}`, outside this schema: verity resolves references inside a schema only (`#/...`); copy the schema it names into this one, under `$defs`"
    )]
    Remote(String),
    #[error("`$ref` to `{0}`, which names nothing in this schema")]
    Missing(String),
}

/// Refuses references verity cannot follow (to other documents) or that
/// check nothing: chains of `$ref` (through `allOf`, `anyOf`, `oneOf`,
/// `not`, `if`, `then`, `else`, which apply at the same place of the
/// answer) that come back to where they began. A reference inside
/// `properties` or `items` goes one level into the answer, so a recursive
/// schema such as a tree is fine.
pub fn check_references(root: &Value) -> Result<(), RefError> {
    let mut refs = Vec::new();
    collect_refs(root, String::new(), &mut refs);
    for (at, target) in &refs {
        let Some(fragment) = target.strip_prefix('#') else {
            return Err(RefError::Remote(target.clone()));
        };
        let pointer = fragment_decode(fragment);
        if !pointer.is_empty() && !pointer.starts_with('/') || root.pointer(&pointer).is_none() {
            return Err(RefError::Missing(target.clone()));
        }
        let mut path = vec![at.clone()];
        if let Some(cycle) = in_place_cycle(root, &pointer, &mut path) {
            return Err(RefError::Cycle(
                cycle.iter().map(|p| format!("#{p}")).collect(),
            ));
        }
    }
    Ok(())
}

/// Each `$ref` string with the pointer of the schema holding it. The
/// values of `enum`, `const`, `examples` and `default` are data, not schemas.
fn collect_refs(value: &Value, at: String, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                out.push((at.clone(), target.clone()));
            }
            for (key, child) in map {
                if !matches!(key.as_str(), "enum" | "const" | "examples" | "default") {
                    collect_refs(child, format!("{at}/{}", pointer_escape(key)), out);
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect_refs(item, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Follows the schema at `pointer` through what applies at the same place
/// of the answer; the path of pointers back to one already on `path`, if
/// any.
fn in_place_cycle(root: &Value, pointer: &str, path: &mut Vec<String>) -> Option<Vec<String>> {
    if let Some(start) = path.iter().position(|p| p == pointer) {
        let mut cycle = path[start..].to_vec();
        cycle.push(pointer.to_string());
        return Some(cycle);
    }
    // Past this depth the chain is no cycle a person wrote.
    if path.len() > 64 {
        return None;
    }
    let Some(Value::Object(schema)) = root.pointer(pointer) else {
        return None;
    };
    path.push(pointer.to_string());
    let mut next = Vec::new();
    if let Some(Value::String(target)) = schema.get("$ref")
        && let Some(fragment) = target.strip_prefix('#')
    {
        next.push(fragment_decode(fragment));
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(items)) = schema.get(key) {
            next.extend((0..items.len()).map(|i| format!("{pointer}/{key}/{i}")));
        }
    }
    for key in ["not", "if", "then", "else"] {
        if schema.get(key).is_some_and(Value::is_object) {
            next.push(format!("{pointer}/{key}"));
        }
    }
    for target in next {
        if let Some(cycle) = in_place_cycle(root, &target, path) {
            return Some(cycle);
        }
    }
    path.pop();
    None
}

fn pointer_escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// A URI fragment back into a JSON pointer (`%7B` to `{`).
fn fragment_decode(fragment: &str) -> String {
    let bytes = fragment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).and_then(|b| hex(*b)),
                bytes.get(i + 2).and_then(|b| hex(*b)),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
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
    fn reference_cycles_are_refused_with_where_they_go() {
        let cases = [
            (json!({"$ref": "#"}), vec!["#", "#"]),
            (
                json!({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}),
                vec!["#/$defs/a", "#/$defs/b", "#/$defs/a"],
            ),
            (
                json!({"$defs": {"a": {"allOf": [{"$ref": "#/$defs/a"}]}}, "properties": {"x": {"$ref": "#/$defs/a"}}}),
                vec!["#/$defs/a/allOf/0", "#/$defs/a", "#/$defs/a/allOf/0"],
            ),
        ];
        for (schema, cycle) in cases {
            let want = RefError::Cycle(cycle.into_iter().map(String::from).collect());
            assert_eq!(check_references(&schema), Err(want.clone()), "{schema}");
            assert_eq!(compile(&schema).unwrap_err(), want.to_string());
        }
        let message = compile(&json!({"$ref": "#"})).unwrap_err();
        assert!(message.starts_with("`$ref` cycle # → #:"), "{message}");
    }

    #[test]
    fn recursion_into_the_answer_is_no_cycle() {
        let tree = json!({
            "type": "object",
            "properties": {"children": {"type": "array", "items": {"$ref": "#"}}}
        });
        let v = compile(&tree).unwrap();
        assert!(v.is_valid(&json!({"children": [{"children": []}]})));
        assert!(!v.is_valid(&json!({"children": [{"children": 3}]})));
    }

    #[test]
    fn references_outside_the_schema_are_refused_in_plain_words() {
        for target in ["https://example.com/s.json", "other.json#/a"] {
            let e = compile(&json!({"$ref": target})).unwrap_err();
            assert_eq!(e, RefError::Remote(target.into()).to_string());
            assert!(!e.contains("resolve-http"), "{e}");
        }
        let e = compile(&json!({"$ref": "#/nope"})).unwrap_err();
        assert!(e.contains("names nothing in this schema"), "{e}");
    }

    #[test]
    fn a_schema_the_meta_schema_refuses_is_named_by_its_place() {
        let e = compile(&json!({"properties": {"a": {"type": 12}}})).unwrap_err();
        assert_eq!(
            e,
            "at /properties/a/type: 12 is not a valid value for `type`"
        );
    }

    #[test]
    fn bad_pointers_are_refused() {
        assert!(schema_from_document(json!({"a": 1}), Some("/b")).is_err());
        assert!(schema_from_document(json!({"a": 1}), Some("a")).is_err());
    }
}
