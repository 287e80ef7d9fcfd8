//! Regexes and JSONPaths compiled once per text for the whole process:
//! suites repeat the same patterns from case to case, and a property run
//! loads thousands of generated cases that repeat them all.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use regex::Regex;
use serde_json_path::JsonPath;

/// Texts kept at most, per kind; past that, texts compile without being kept.
const KEPT: usize = 4096;

struct Cache<T> {
    kept: OnceLock<Mutex<HashMap<String, T>>>,
}

impl<T: Clone> Cache<T> {
    const fn new() -> Cache<T> {
        Cache {
            kept: OnceLock::new(),
        }
    }

    fn get<E>(&self, text: &str, compile: impl FnOnce(&str) -> Result<T, E>) -> Result<T, E> {
        let kept = self.kept.get_or_init(Default::default);
        if let Some(found) = kept.lock().ok().and_then(|k| k.get(text).cloned()) {
            return Ok(found);
        }
        // Compiled outside the lock: another thread may compile the same
        // text meanwhile, which costs time, not correctness.
        let compiled = compile(text)?;
        if let Ok(mut kept) = kept.lock()
            && kept.len() < KEPT
        {
            kept.insert(text.to_string(), compiled.clone());
        }
        Ok(compiled)
    }
}

static REGEXES: Cache<Regex> = Cache::new();
static JSONPATHS: Cache<JsonPath> = Cache::new();

/// `Regex::new(text)`, compiled once.
pub fn regex(text: &str) -> Result<Regex, regex::Error> {
    REGEXES.get(text, Regex::new)
}

/// `JsonPath::parse(text)`, parsed once.
pub fn jsonpath(text: &str) -> Result<JsonPath, serde_json_path::ParseError> {
    JSONPATHS.get(text, JsonPath::parse)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_text_gives_the_same_pattern_and_errors_stay_errors() {
        let a = regex("^mem_[a-z0-9]{20}$").unwrap();
        let b = regex("^mem_[a-z0-9]{20}$").unwrap();
        assert_eq!(a.as_str(), b.as_str());
        assert!(b.is_match("mem_q5sdae3se6eg9m9dcvug"));
        assert!(regex("(").is_err());
        assert!(regex("(").is_err(), "a refusal is not kept as a pattern");
        let path = jsonpath("$.memberId").unwrap();
        assert_eq!(
            path.to_string(),
            jsonpath("$.memberId").unwrap().to_string()
        );
        assert!(jsonpath("memberId").is_err());
    }
}
