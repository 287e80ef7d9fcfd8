//! What each property generates: scenarios of abstract actions on a few
//! resources, as proptest strategies built from the declarations. They say
//! nothing yet of what to expect: the model decides that when a scenario
//! becomes a case (`super::compile`).

use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Union};

use super::Property;
use super::spec::{PropertySpec, UnknownKeys};
use super::value::Gen;

/// The resources a scenario acts on: two it creates, and the declared
/// existing one (which only receives updates that must be refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Who {
    A,
    B,
    X,
}

/// A partial update: a value or nothing for each declared field, in
/// declaration order.
#[derive(Debug, Clone, PartialEq)]
pub struct Body(pub Vec<Option<Gen>>);

/// What makes an update invalid: one field in one of its invalid forms, or
/// a key no field declares.
#[derive(Debug, Clone, PartialEq)]
pub struct Broken {
    pub slot: Slot,
    /// The invalid form's name, for the case file.
    pub form: String,
    pub value: Gen,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Slot {
    Field(usize),
    UnknownKey(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Update {
        on: Who,
        body: Body,
        broken: Option<Broken>,
        /// Sent with a new idempotency key, so that it can be replayed.
        keyed: bool,
    },
    /// Sets a unique field of `on` to the value `from` holds.
    Collide {
        on: Who,
        from: Who,
        field: usize,
        body: Body,
    },
    Read {
        on: Who,
    },
    /// Sends again, with its key, an earlier keyed update that succeeded.
    Replay {
        which: usize,
    },
    Remove {
        on: Who,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Scenario {
    Actions(Vec<Action>),
    /// One `schema-coverage` probe (an index into the spec's probes), sent
    /// with `body`'s valid fields where it is a partial update.
    Probe {
        probe: usize,
        body: Body,
    },
    /// An update and a read of a resource that does not exist, named by the
    /// declared way `variant` with these generated `vars`.
    Unknown {
        variant: usize,
        values: Vec<Gen>,
        body: Body,
    },
}

/// How a property's scenarios may look in this run.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The existing resource's variables have values.
    pub existing: bool,
    /// Most actions of a stateful sequence.
    pub max_actions: usize,
}

/// How often an optional field is in a generated body.
const FIELD_PROBABILITY: f64 = 0.35;
/// How often an update carries an idempotency key, when the API has one.
const KEYED_PROBABILITY: f64 = 0.4;

/// Whether `spec` declares what `property` needs.
pub fn available(spec: &PropertySpec, property: Property) -> bool {
    match property {
        Property::ValidPartialUpdate | Property::StatefulSequence => true,
        Property::InvalidPartialUpdate => broken(spec).is_some(),
        Property::UnknownResource => !spec.resource.unknown.is_empty(),
        Property::SchemaCoverage => spec.coverage.as_ref().is_some_and(|c| !c.probes.is_empty()),
        Property::ConcurrentUpdates => super::concurrent::available(spec),
    }
}

pub fn strategy(
    spec: &PropertySpec,
    property: Property,
    limits: Limits,
) -> BoxedStrategy<Scenario> {
    match property {
        Property::ValidPartialUpdate => non_empty_body(spec)
            .prop_map(|body| {
                Scenario::Actions(vec![Action::Update {
                    on: Who::A,
                    body,
                    broken: None,
                    keyed: false,
                }])
            })
            .boxed(),
        Property::InvalidPartialUpdate => {
            let broken = broken(spec).expect("the property is available");
            (body(spec), broken)
                .prop_map(|(body, broken)| {
                    Scenario::Actions(vec![Action::Update {
                        on: Who::A,
                        body,
                        broken: Some(broken),
                        keyed: false,
                    }])
                })
                .boxed()
        }
        Property::StatefulSequence => {
            proptest::collection::vec(action(spec, limits), 1..=limits.max_actions.max(1))
                .prop_map(Scenario::Actions)
                .boxed()
        }
        Property::UnknownResource => {
            let body = non_empty_body(spec);
            let variants = spec.resource.unknown.iter().enumerate().map(|(i, u)| {
                let values: Vec<BoxedStrategy<Gen>> =
                    u.vars.iter().map(|(_, s)| s.strategy()).collect();
                (Just(i), values, body.clone())
                    .prop_map(|(variant, values, body)| Scenario::Unknown {
                        variant,
                        values,
                        body,
                    })
                    .boxed()
            });
            Union::new(variants).boxed()
        }
        // A run sweeps every probe in turn (`super::run`); drawn at
        // random, they serve the tests that build generated cases.
        Property::SchemaCoverage => {
            let probes = spec.coverage.as_ref().map_or(0, |c| c.probes.len()).max(1);
            (0..probes, body(spec))
                .prop_map(|(probe, body)| Scenario::Probe { probe, body })
                .boxed()
        }
        // Its requests go out together, not as a generated sequence: it
        // runs on its own (`super::concurrent`).
        Property::ConcurrentUpdates => unreachable!("not built from scenarios"),
    }
}

pub fn body(spec: &PropertySpec) -> BoxedStrategy<Body> {
    let slots: Vec<BoxedStrategy<Option<Gen>>> = spec
        .fields
        .iter()
        .map(|f| proptest::option::weighted(FIELD_PROBABILITY, f.valid.strategy()).boxed())
        .collect();
    slots.prop_map(Body).boxed()
}

fn non_empty_body(spec: &PropertySpec) -> BoxedStrategy<Body> {
    body(spec)
        .prop_filter("an update sends at least one field", |b| {
            b.0.iter().any(Option::is_some)
        })
        .boxed()
}

/// Every invalid form of every field, and an unknown key where those are
/// refused; `None` when the declarations give no way to break an update.
fn broken(spec: &PropertySpec) -> Option<BoxedStrategy<Broken>> {
    let mut forms: Vec<BoxedStrategy<Broken>> = Vec::new();
    for (index, field) in spec.fields.iter().enumerate() {
        for (form, value) in &field.invalid {
            let form = form.clone();
            forms.push(
                value
                    .strategy()
                    .prop_map(move |value| Broken {
                        slot: Slot::Field(index),
                        form: form.clone(),
                        value,
                    })
                    .boxed(),
            );
        }
    }
    if spec.unknown_keys == UnknownKeys::Refused {
        let declared: Vec<String> = spec.fields.iter().map(|f| f.name.clone()).collect();
        forms.push(
            proptest::string::string_regex("unknown[A-Z][a-z]{2,6}")
                .expect("a valid regex")
                .prop_filter("a key no field declares", move |k| !declared.contains(k))
                .prop_map(|key| Broken {
                    slot: Slot::UnknownKey(key),
                    form: "unknown key".into(),
                    value: Gen::Text("x".into()),
                })
                .boxed(),
        );
    }
    (!forms.is_empty()).then(|| Union::new(forms).boxed())
}

fn who(limits: Limits) -> BoxedStrategy<Who> {
    let mut choices = vec![(4, Just(Who::A).boxed()), (3, Just(Who::B).boxed())];
    if limits.existing {
        choices.push((1, Just(Who::X).boxed()));
    }
    Union::new_weighted(choices).boxed()
}

fn action(spec: &PropertySpec, limits: Limits) -> BoxedStrategy<Action> {
    let keyed = if spec.resource.idempotency_key.is_some() {
        proptest::bool::weighted(KEYED_PROBABILITY).boxed()
    } else {
        Just(false).boxed()
    };
    let mut choices: Vec<(u32, BoxedStrategy<Action>)> = vec![
        (
            6,
            (who(limits), non_empty_body(spec), keyed)
                .prop_map(|(on, body, keyed)| Action::Update {
                    on,
                    body,
                    broken: None,
                    keyed,
                })
                .boxed(),
        ),
        (2, who(limits).prop_map(|on| Action::Read { on }).boxed()),
    ];
    if let Some(broken) = broken(spec) {
        choices.push((
            2,
            (who(limits), body(spec), broken)
                .prop_map(|(on, body, broken)| Action::Update {
                    on,
                    body,
                    broken: Some(broken),
                    keyed: false,
                })
                .boxed(),
        ));
    }
    if spec.resource.idempotency_key.is_some() {
        choices.push((
            2,
            (0usize..8)
                .prop_map(|which| Action::Replay { which })
                .boxed(),
        ));
    }
    if spec.resource.remove.is_some() {
        let on = prop_oneof![Just(Who::A), Just(Who::B)];
        choices.push((1, on.prop_map(|on| Action::Remove { on }).boxed()));
    }
    let unique: Vec<usize> = (0..spec.fields.len())
        .filter(|i| spec.fields[*i].unique)
        .collect();
    if !unique.is_empty() {
        choices.push((
            2,
            (
                who(limits),
                who(limits),
                proptest::sample::select(unique),
                body(spec),
            )
                .prop_map(|(on, from, field, body)| Action::Collide {
                    on,
                    from,
                    field,
                    body,
                })
                .boxed(),
        ));
    }
    Union::new_weighted(choices).boxed()
}
