//! What can be switched on in a reference server by name: faults
//! ([`super::Faults`]) and readings ([`super::Readings`]). Both are sets of
//! enum values chosen by their command-line names; code asks `has(X)`.

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::sync::Arc;

/// An enum whose values are switched on by a published, kebab-case name.
pub trait Named: Copy + Ord + Debug + 'static {
    /// What one is called in messages: `fault`, `reading`.
    const KIND: &'static str;
    /// Every value, in catalogue order.
    fn all() -> impl Iterator<Item = Self>;
    /// The command-line name.
    fn name(self) -> &'static str;

    fn from_name(name: &str) -> Option<Self> {
        Self::all().find(|value| value.name() == name)
    }
}

/// A name that is not in the catalogue of its kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{name}`; known {kind}s: {known}")]
pub struct UnknownName {
    pub kind: &'static str,
    pub name: String,
    /// Every known name, comma-separated.
    pub known: String,
}

/// The values switched on. Empty by default: the documented behaviour, read
/// the server's default way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Switches<T>(Arc<BTreeSet<T>>);

impl<T> Default for Switches<T> {
    fn default() -> Self {
        Switches(Arc::new(BTreeSet::new()))
    }
}

impl<T: Named> Switches<T> {
    pub fn none() -> Self {
        Self::default()
    }

    pub fn of(values: impl IntoIterator<Item = T>) -> Self {
        Switches(Arc::new(values.into_iter().collect()))
    }

    /// Builds the set from command-line names, refusing any name not in the
    /// catalogue.
    pub fn from_names<S: AsRef<str>>(names: &[S]) -> Result<Self, UnknownName> {
        let values = names
            .iter()
            .map(|name| {
                let name = name.as_ref();
                T::from_name(name).ok_or_else(|| UnknownName {
                    kind: T::KIND,
                    name: name.into(),
                    known: T::all().map(T::name).collect::<Vec<_>>().join(", "),
                })
            })
            .collect::<Result<BTreeSet<T>, UnknownName>>()?;
        Ok(Switches(Arc::new(values)))
    }

    /// Whether `value` is switched on: the one question the code it changes asks.
    pub fn has(&self, value: impl Into<T>) -> bool {
        self.0.contains(&value.into())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The values switched on, in catalogue order.
    pub fn iter(&self) -> impl Iterator<Item = T> + '_ {
        self.0.iter().copied()
    }

    /// Their command-line names, in catalogue order.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.iter().map(T::name)
    }
}
