//! Booleans as YAML 1.2 and JSON write them. serde-saphyr reads a boolean
//! from a scalar's text whatever its quotes (`"off"` is false; its
//! `strict_booleans` option refuses `yes` and `off` but still takes
//! `"true"`): a quoted scalar is a string, and a string where a boolean is
//! expected is a mistake to point out, not one to guess at.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};

/// `#[serde(deserialize_with = "boolean::plain")]`: an unquoted boolean.
pub fn plain<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    d.deserialize_any(Plain)
}

/// [`plain`] for an optional field.
pub fn plain_option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    plain(d).map(Some)
}

struct Plain;

/// Whether a message is one of this reader's refusals, which serde-saphyr
/// places at the key rather than at the value.
pub(super) fn is_its_error(message: &str) -> bool {
    message == EXPECTED || message.contains(QUOTED)
}

const EXPECTED: &str = "expected true or false";
const QUOTED: &str = "is quoted, so it is text, not a boolean";

/// Spellings that read as booleans somewhere (YAML 1.1, people).
const LOOKS_BOOLEAN: &[&str] = &[
    "true", "false", "yes", "no", "on", "off", "y", "n", "1", "0",
];

impl<'de> Visitor<'de> for Plain {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("true or false")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
        Ok(v)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        if LOOKS_BOOLEAN.contains(&v.trim().to_ascii_lowercase().as_str()) {
            Err(E::custom(format!(
                "`\"{v}\"` {QUOTED}: write true or false without quotes"
            )))
        } else {
            Err(E::custom(EXPECTED))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Doc {
        #[serde(deserialize_with = "plain")]
        flag: bool,
    }

    fn read(yaml: &str) -> Result<bool, String> {
        serde_saphyr::from_str::<Doc>(yaml)
            .map(|d| d.flag)
            .map_err(|e| super::super::yaml_error::describe(&e))
    }

    #[test]
    fn plain_booleans_are_read_and_quoted_ones_refused_with_the_reason() {
        assert_eq!(read("flag: true"), Ok(true));
        assert_eq!(read("flag: false"), Ok(false));
        for quoted in ["\"off\"", "'yes'", "\"true\"", "\"False\""] {
            let e = read(&format!("flag: {quoted}")).unwrap_err();
            assert!(
                e.contains("is quoted, so it is text, not a boolean"),
                "{quoted}: {e}"
            );
        }
        let e = read("flag: 3").unwrap_err();
        assert!(e.contains("expected true or false"), "{e}");
        let e = read("flag: maybe").unwrap_err();
        assert!(e.contains("expected true or false"), "{e}");
    }
}
