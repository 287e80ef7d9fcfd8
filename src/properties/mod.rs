//! Property-based partial updates: `verity run` generates PATCH/PUT bodies
//! and sequences of updates from a suite's field declarations
//! (`cases/<suite>/properties.yaml`, see [`spec`]), checks every answer
//! against an in-memory model of the resource, and shrinks a failure to the
//! smallest request sequence it can find, printed as a ready-to-run case
//! file (and with `--save-failures`, written under `cases/<suite>/regressions/`).
//!
//! The properties:
//! - `valid-partial-update`: a random non-empty subset of the fields, with
//!   valid values, succeeds; each sent field reads back; the rest is unchanged.
//! - `invalid-partial-update`: one field broken (or an unknown key), mixed
//!   with valid ones, is refused as documented and changes nothing.
//! - `stateful-sequence`: updates, reads, idempotent replays, removals and
//!   unique-field collisions on two resources (and refused changes to a
//!   declared existing one), each answer checked against the model.
//! - `unknown-resource`: updates and reads of resources that do not exist
//!   get the documented not-found answer.
//! - `schema-coverage`: every constraint of the request-body schemas named
//!   under `schema_coverage:`, broken alone (refused, nothing changes) and
//!   met at its documented edges (accepted, read back): a sweep of probes
//!   derived once, when the declarations are read (`coverage`, `derive`).
//! - `concurrent-updates`: partial updates of disjoint fields in flight
//!   together must all show on the read back (`concurrent`), where the
//!   suite declares `concurrency:`.
//!
//! A field's valid values may come from the server (`valid: { from: ... }`),
//! asked once per run and suite before any property generates (`discover`).
//!
//! Each generated case is written as a case file and run by the same runner
//! and checks as hand-written cases.
//!
//! For a test harness: [`load`] a suite's declarations, [`available`] lists
//! its properties, [`property_run`] builds one by name, and [`PropertyRun::check`]
//! runs it (inside a tokio runtime).

mod build;
mod check;
mod concurrent;
mod coverage;
mod derive;
mod discover;
mod model;
mod regex_bound;
mod run;
mod save;
mod scenario;
pub mod spec;
mod value;

use std::collections::BTreeMap;
use std::sync::Arc;

pub use run::{Counts, PropertyRun, Settings, random_seed};
pub use spec::PropertySpec;

use crate::case::{LoadErrors, Suite};
use crate::run::SuitePlan;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Property {
    ValidPartialUpdate,
    InvalidPartialUpdate,
    StatefulSequence,
    UnknownResource,
    SchemaCoverage,
    ConcurrentUpdates,
}

impl Property {
    pub const ALL: [Property; 6] = [
        Property::ValidPartialUpdate,
        Property::InvalidPartialUpdate,
        Property::StatefulSequence,
        Property::UnknownResource,
        Property::SchemaCoverage,
        Property::ConcurrentUpdates,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Property::ValidPartialUpdate => "valid-partial-update",
            Property::InvalidPartialUpdate => "invalid-partial-update",
            Property::StatefulSequence => "stateful-sequence",
            Property::UnknownResource => "unknown-resource",
            Property::SchemaCoverage => "schema-coverage",
            Property::ConcurrentUpdates => "concurrent-updates",
        }
    }

    pub fn from_name(name: &str) -> Option<Property> {
        Property::ALL.into_iter().find(|p| p.name() == name)
    }

    pub fn names() -> Vec<&'static str> {
        Property::ALL.iter().map(|p| p.name()).collect()
    }

    /// How its result is named in a run: `property::valid-partial-update`.
    pub fn case_name(self) -> String {
        format!("property::{}", self.name())
    }

    pub fn description(self) -> &'static str {
        match self {
            Property::ValidPartialUpdate => {
                "Generated valid partial updates (a random non-empty subset of the declared fields) \
                 succeed; every sent field reads back and every other field is unchanged."
            }
            Property::InvalidPartialUpdate => {
                "Generated partial updates with exactly one invalid field (or an unknown key) among \
                 valid ones are refused as documented, and the resource is unchanged."
            }
            Property::StatefulSequence => {
                "Generated sequences of updates, reads, idempotent replays, removals and unique-field \
                 collisions, each answer checked against a model of the resources."
            }
            Property::UnknownResource => {
                "Updates and reads of generated unknown resources get the documented not-found answer, \
                 and existing resources are untouched."
            }
            Property::SchemaCoverage => {
                "Every constraint of the request-body schemas exercised: values that break one \
                 constraint only are refused and change nothing; boundary values that meet it are \
                 accepted, echoed and read back."
            }
            Property::ConcurrentUpdates => {
                "Partial updates of disjoint fields of one resource, all in flight at once: every \
                 update that succeeded is visible when the resource is read back."
            }
        }
    }
}

/// A suite's declarations, checked, or `None` when it has no
/// `properties.yaml`. Errors carry `file:line:column`, as for case files.
pub fn load(suite: &Suite) -> Result<Option<Arc<PropertySpec>>, LoadErrors> {
    let Some(path) = spec::find(&suite.dir) else {
        return Ok(None);
    };
    let spec = spec::read(suite, &path)?;
    let mut errors = crate::case::statements::check_refs(suite, spec.checks.values().flatten());
    errors.extend(check::by_building(&spec, suite));
    if errors.is_empty() {
        Ok(Some(Arc::new(spec)))
    } else {
        Err(LoadErrors(errors))
    }
}

/// The declarations of each suite that has them, by suite name; the errors
/// of all of them together.
pub fn load_all(suites: &[Suite]) -> Result<BTreeMap<String, Arc<PropertySpec>>, LoadErrors> {
    let mut specs = BTreeMap::new();
    let mut errors = Vec::new();
    for suite in suites {
        match load(suite) {
            Ok(Some(spec)) => {
                specs.insert(suite.name.clone(), spec);
            }
            Ok(None) => {}
            Err(LoadErrors(mut e)) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(specs)
    } else {
        Err(LoadErrors(errors))
    }
}

/// What `verity check -v` says of the schema-coverage declarations: probes
/// per request, constraints left out, hand declarations a probe duplicates.
pub fn explain_coverage(spec: &PropertySpec) -> Vec<String> {
    spec.coverage
        .as_ref()
        .map(|c| coverage::explain(c, &spec.fields))
        .unwrap_or_default()
}

/// The properties `spec` declares enough for, in order.
pub fn available(spec: &PropertySpec) -> Vec<Property> {
    Property::ALL
        .into_iter()
        .filter(|p| scenario::available(spec, *p))
        .collect()
}

/// One task per available property of a planned suite.
pub fn runnables(
    plan: &Arc<SuitePlan>,
    spec: &Arc<PropertySpec>,
    settings: &Settings,
) -> Vec<Arc<PropertyRun>> {
    // The values the server lists are asked once for all the properties.
    let discovery = Arc::new(discover::Discovery::default());
    available(spec)
        .into_iter()
        .filter(|p| settings.concurrency_checks || *p != Property::ConcurrentUpdates)
        .map(|p| {
            Arc::new(
                PropertyRun::new(plan.clone(), spec.clone(), p, settings.clone())
                    .sharing(discovery.clone()),
            )
        })
        .collect()
}

/// The task of one property, by name (`stateful-sequence`).
pub fn property_run(
    plan: &Arc<SuitePlan>,
    spec: &Arc<PropertySpec>,
    name: &str,
    settings: &Settings,
) -> Option<Arc<PropertyRun>> {
    let property = Property::from_name(name)
        .filter(|p| scenario::available(spec, *p))
        .filter(|p| settings.concurrency_checks || *p != Property::ConcurrentUpdates)?;
    Some(Arc::new(PropertyRun::new(
        plan.clone(),
        spec.clone(),
        property,
        settings.clone(),
    )))
}
