//! Readings: correct behaviours that the docs allow besides the one a
//! reference server gives by default. A reading is not a fault (nothing in
//! it departs from a documented rule), so it is not in the fault catalogue
//! and `verity mutants` never runs it; a suite must pass against every
//! reading. Several can be switched on at once, so each is one value of a
//! set ([`Readings`]).

use super::switches::{Named, Switches};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reading {
    /// Every error message worded otherwise than the docs' examples.
    OtherWording,
}

impl Reading {
    pub const ALL: &'static [Reading] = &[Reading::OtherWording];

    pub const fn name(self) -> &'static str {
        match self {
            Reading::OtherWording => "other-wording",
        }
    }

    /// What it changes, and why that is still correct.
    pub const fn summary(self) -> &'static str {
        match self {
            Reading::OtherWording => {
                "every error message (Toluna's Message, Onsi's message and issues[].message) is \
                 worded otherwise than the docs' examples (no \"No member found ...\"); statuses, \
                 codes, issue paths, shapes and headers stay as documented. The docs show \
                 wording only in examples, and Onsi's tell clients to branch on code, never on \
                 message"
            }
        }
    }
}

impl Named for Reading {
    const KIND: &'static str = "reading";

    fn all() -> impl Iterator<Item = Reading> {
        Reading::ALL.iter().copied()
    }

    fn name(self) -> &'static str {
        Reading::name(self)
    }
}

/// The readings switched on in a server. Empty by default: the docs'
/// examples' wording.
pub type Readings = Switches<Reading>;

/// Which words a server answers errors with: a server-wide choice, made
/// once from its readings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Wording {
    /// The docs' examples' words, where they give any.
    #[default]
    Docs,
    /// Other words for every message ([`Reading::OtherWording`]).
    Other,
}

impl Readings {
    pub(crate) fn wording(&self) -> Wording {
        if self.has(Reading::OtherWording) {
            Wording::Other
        } else {
            Wording::Docs
        }
    }
}

/// For the servers' tests: how an error answer under `other-wording` must
/// relate to the same answer under the default reading.
#[cfg(test)]
pub(crate) mod testing {
    use serde_json::Value;

    /// Every string at a key named `message_key`, at any depth, is worded
    /// otherwise (not the same, not the default text with words around it),
    /// and everything else is equal: status, codes, paths, shape. Returns
    /// the other wording's messages.
    #[track_caller]
    pub(crate) fn assert_reworded(
        what: &str,
        docs: (u16, &Value),
        other: (u16, &Value),
        message_key: &str,
    ) -> Vec<String> {
        assert_eq!(docs.0, other.0, "{what}: the status differs");
        let (mut docs_body, mut other_body) = (docs.1.clone(), other.1.clone());
        let docs_messages = take_messages(&mut docs_body, message_key);
        let other_messages = take_messages(&mut other_body, message_key);
        assert_eq!(
            docs_body, other_body,
            "{what}: the answers differ in more than their messages"
        );
        assert!(
            !docs_messages.is_empty(),
            "{what}: no {message_key} in {}",
            docs.1
        );
        assert_eq!(docs_messages.len(), other_messages.len(), "{what}");
        for (docs, other) in docs_messages.iter().zip(&other_messages) {
            assert!(
                is_reworded(docs, other),
                "{what}: {other:?} is worded as {docs:?}"
            );
        }
        other_messages
    }

    /// Whether `other` says it otherwise: neither `docs` nor `docs` with
    /// words around it, in any letter case.
    pub(crate) fn is_reworded(docs: &str, other: &str) -> bool {
        !other.to_lowercase().contains(&docs.to_lowercase())
    }

    /// Asserts each (default, other) wording pair is reworded, listing every
    /// pair that is not.
    #[track_caller]
    pub(crate) fn assert_all_reworded(pairs: impl IntoIterator<Item = (String, String)>) {
        let alike: Vec<String> = pairs
            .into_iter()
            .filter(|(docs, other)| !is_reworded(docs, other))
            .map(|(docs, other)| format!("{docs:?} / {other:?}"))
            .collect();
        assert!(alike.is_empty(), "worded alike: {alike:#?}");
    }

    /// Replaces each message by a placeholder, returning them in order.
    fn take_messages(value: &mut Value, key: &str) -> Vec<String> {
        let mut messages = Vec::new();
        walk(value, key, &mut messages);
        messages
    }

    fn walk(value: &mut Value, key: &str, messages: &mut Vec<String>) {
        match value {
            Value::Object(object) => {
                for (name, value) in object.iter_mut() {
                    match value {
                        Value::String(text) if name == key => {
                            messages.push(std::mem::take(text));
                        }
                        other => walk(other, key, messages),
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| walk(item, key, messages)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_are_named_and_refused_like_faults() {
        let readings = Readings::from_names(&["other-wording"]).unwrap();
        assert!(readings.has(Reading::OtherWording));
        assert_eq!(readings.wording(), Wording::Other);
        assert_eq!(Readings::none().wording(), Wording::Docs);
        let error = Readings::from_names(&["other-words"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown reading `other-words`; known readings: other-wording"
        );
        // A reading is correct behaviour: no fault has its name.
        for reading in Reading::ALL {
            assert!(crate::reference::catalogue().all(|f| f.name != reading.name()));
        }
    }
}
