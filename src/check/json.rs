//! JSON helpers shared by the checks: equality that treats `1` and `1.0` as
//! the same number, and short renderings for messages.

use serde_json::Value;

/// Deep equality, numbers compared by value.
pub fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if x == y {
                return true;
            }
            match (x.as_f64(), y.as_f64()) {
                (Some(x), Some(y)) => x == y,
                _ => false,
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| equal(v, w)))
        }
        _ => a == b,
    }
}

/// One-line JSON for messages.
pub fn compact(value: &Value) -> String {
    value.to_string()
}

/// Multi-line JSON with sorted keys, for diffs.
pub fn pretty(value: &Value) -> String {
    let sorted = sort_keys(value);
    serde_json::to_string_pretty(&sorted).unwrap_or_else(|_| value.to_string())
}

pub fn sort_keys(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sort_keys(&map[k])))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sort_keys).collect()),
        other => other.clone(),
    }
}

/// Appends a key to a JSONPath, quoting it when it is not a plain name.
pub fn child_path(parent: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !key.starts_with(|c: char| c.is_ascii_digit());
    if plain {
        format!("{parent}.{key}")
    } else {
        format!(
            "{parent}['{}']",
            key.replace('\\', "\\\\").replace('\'', "\\'")
        )
    }
}

/// At most `limit` characters of a body, for messages.
pub fn excerpt(body: &[u8], limit: usize) -> String {
    let text = String::from_utf8_lossy(body);
    if text.chars().count() <= limit {
        return text.into_owned();
    }
    let cut: String = text.chars().take(limit).collect();
    format!("{cut}… ({} bytes in all)", body.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_compare_by_value() {
        assert!(equal(&json!(1), &json!(1.0)));
        assert!(!equal(&json!(1), &json!(2)));
        assert!(equal(&json!({"a": [1, 2.0]}), &json!({"a": [1.0, 2]})));
        assert!(!equal(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
        assert!(!equal(&json!("1"), &json!(1)));
    }

    #[test]
    fn paths_quote_odd_keys() {
        assert_eq!(child_path("$", "email"), "$.email");
        assert_eq!(child_path("$", "x-api-key"), "$['x-api-key']");
        assert_eq!(child_path("$", "1a"), "$['1a']");
    }

    #[test]
    fn excerpt_cuts_long_bodies() {
        assert_eq!(excerpt(b"short", 10), "short");
        assert!(excerpt(&[b'a'; 100], 10).starts_with("aaaaaaaaaa…"));
    }
}
