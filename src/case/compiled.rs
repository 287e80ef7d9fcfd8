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
    use std::cell::Cell;

    use super::*;

    /// `get` of `text` through `cache`, counting the compiles.
    fn counted(cache: &Cache<String>, text: &str, compiles: &Cell<u32>) -> Result<String, ()> {
        cache.get(text, |t| {
            compiles.set(compiles.get() + 1);
            if t == "bad" {
                Err(())
            } else {
                Ok(t.to_uppercase())
            }
        })
    }

    #[test]
    fn a_text_compiles_once_a_refusal_is_not_kept_and_the_cache_is_bounded() {
        let cache = Cache::new();
        let compiles = Cell::new(0);
        assert_eq!(counted(&cache, "a", &compiles), Ok("A".into()));
        assert_eq!(counted(&cache, "a", &compiles), Ok("A".into()));
        assert_eq!(compiles.get(), 1, "the second get compiles nothing");
        assert_eq!(counted(&cache, "bad", &compiles), Err(()));
        assert_eq!(counted(&cache, "bad", &compiles), Err(()));
        assert_eq!(compiles.get(), 3, "a refusal is compiled again, not kept");
        for i in 0..KEPT + 10 {
            counted(&cache, &format!("t{i}"), &compiles).unwrap();
        }
        let kept = cache.kept.get().unwrap().lock().unwrap().len();
        assert_eq!(kept, KEPT, "no more than KEPT texts are kept");
        let before = compiles.get();
        assert_eq!(
            counted(&cache, &format!("t{}", KEPT + 5), &compiles),
            Ok(format!("T{}", KEPT + 5))
        );
        assert_eq!(
            compiles.get(),
            before + 1,
            "past KEPT, a text compiles each time"
        );
    }

    #[test]
    fn regexes_and_jsonpaths_go_through_their_caches() {
        assert!(
            regex("^mem_[a-z0-9]{20}$")
                .unwrap()
                .is_match("mem_q5sdae3se6eg9m9dcvug")
        );
        assert!(regex("(").is_err());
        assert_eq!(jsonpath("$.memberId").unwrap().to_string(), "$.memberId");
        assert!(jsonpath("memberId").is_err());
        assert!(
            REGEXES
                .kept
                .get()
                .unwrap()
                .lock()
                .unwrap()
                .contains_key("^mem_[a-z0-9]{20}$")
        );
    }
}
