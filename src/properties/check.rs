//! Checks a suite's declarations the way they will be used, before anything
//! is sent: representative scenarios of every property are written as case
//! files and loaded by the case loader, and an error in one is reported at
//! the declaration it comes from. Generated valid bodies are also checked
//! against the suite's `request_schema`, the vendor's own description.

use std::path::Path;
use std::sync::Arc;

use indexmap::IndexMap;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, RngSeed, TestRunner};
use serde_json::{Map, Value};

use super::compile::{About, compile_located};
use super::scenario::{Action, Body, Broken, Scenario, Slot, Who};
use super::spec::{PropertySpec, UnknownKeys};
use super::value::Gen;
use super::{Property, scenario};
use crate::case::load::cases_from_bytes;
use crate::case::{LoadError, Pos, Suite};
use crate::check::Scope;
use crate::run::Fresh;
use crate::run::scope::CaseScope;

/// Bodies drawn at random for the schema check, besides the simplest one.
const SCHEMA_SAMPLES: u32 = 48;

pub fn by_compiling(spec: &PropertySpec, suite: &Suite) -> Vec<LoadError> {
    let mut errors: Vec<LoadError> = Vec::new();
    let mut push = |error: LoadError| {
        if !errors.iter().any(|e| e.message == error.message) {
            errors.push(error);
        }
    };
    for (property, scenario) in representatives(spec) {
        let about = About {
            header: String::new(),
            name: format!("check-{}", property.name()),
            description: "a case generated to check the declarations".into(),
            doc: String::new(),
        };
        let generated = format!("the case generated for {}", property.case_name());
        match compile_located(spec, &scenario, &about) {
            Err(message) => push(at(spec, &message, format!("{message} ({generated})"))),
            Ok((text, starts)) => {
                let file = Path::new(&generated);
                if let Err(e) = cases_from_bytes(suite, file, text.as_bytes()) {
                    for error in e.0 {
                        let origin = starts
                            .iter()
                            .rev()
                            .find(|(line, _)| *line <= error.line as usize)
                            .map(|(_, what)| *what)
                            .unwrap_or("resource.vars");
                        let message = format!("{origin}: {} ({generated})", error.message);
                        push(at(spec, origin, message));
                    }
                }
            }
        }
    }
    for error in against_request_schema(spec, suite) {
        push(error);
    }
    errors
}

/// An error placed at the declaration `what` names.
fn at(spec: &PropertySpec, what: &str, message: String) -> LoadError {
    let r = &spec.resource;
    let snippets = [
        &r.create,
        &r.read,
        &r.update,
        &r.refused,
        &r.not_found_read,
        &r.not_found_update,
    ];
    let pos: Pos = snippets
        .into_iter()
        .chain(r.remove.as_ref())
        .find(|s| what.starts_with(s.what))
        .map(|s| s.pos.clone())
        .unwrap_or_else(|| r.create.pos.clone());
    LoadError::new(&pos.file, pos.line, pos.column, message)
}

fn simplest_body(spec: &PropertySpec) -> Body {
    Body(
        spec.fields
            .iter()
            .map(|f| Some(f.valid.simplest()))
            .collect(),
    )
}

/// One scenario per way the declarations can be used: every step, every
/// invalid form, every unknown variant.
fn representatives(spec: &PropertySpec) -> Vec<(Property, Scenario)> {
    let body = simplest_body(spec);
    let update = |on, keyed| Action::Update {
        on,
        body: body.clone(),
        broken: None,
        keyed,
    };
    let mut out = vec![(
        Property::ValidPartialUpdate,
        Scenario::Actions(vec![update(Who::A, false)]),
    )];
    let empty = Body(vec![None; spec.fields.len()]);
    for (index, field) in spec.fields.iter().enumerate() {
        for (form, value) in &field.invalid {
            let broken = Broken {
                slot: Slot::Field(index),
                form: form.clone(),
                value: value.simplest(),
            };
            out.push((
                Property::InvalidPartialUpdate,
                Scenario::Actions(vec![Action::Update {
                    on: Who::A,
                    body: empty.clone(),
                    broken: Some(broken),
                    keyed: false,
                }]),
            ));
        }
    }
    if spec.unknown_keys == UnknownKeys::Refused {
        let broken = Broken {
            slot: Slot::UnknownKey("unknownKey".into()),
            form: "unknown key".into(),
            value: Gen::Json(Value::String("x".into())),
        };
        out.push((
            Property::InvalidPartialUpdate,
            Scenario::Actions(vec![Action::Update {
                on: Who::A,
                body: empty,
                broken: Some(broken),
                keyed: false,
            }]),
        ));
    }
    let mut sequence = vec![
        update(Who::A, true),
        Action::Replay { which: 0 },
        Action::Read { on: Who::B },
    ];
    for (index, field) in spec.fields.iter().enumerate() {
        if field.unique {
            sequence.push(Action::Collide {
                on: Who::B,
                from: Who::A,
                field: index,
                body: body.clone(),
            });
        }
    }
    sequence.push(Action::Remove { on: Who::A });
    if spec.resource.existing.is_some() {
        sequence.push(update(Who::X, false));
        sequence.push(Action::Read { on: Who::X });
    }
    out.push((Property::StatefulSequence, Scenario::Actions(sequence)));
    for (variant, unknown) in spec.resource.unknown.iter().enumerate() {
        out.push((
            Property::UnknownResource,
            Scenario::Unknown {
                variant,
                values: unknown.vars.iter().map(|(_, s)| s.simplest()).collect(),
                body: body.clone(),
            },
        ));
    }
    out
}

/// Every generated valid body must meet the vendor's schema of the update
/// body; one that does not shows a declaration that says more than the docs.
fn against_request_schema(spec: &PropertySpec, suite: &Suite) -> Vec<LoadError> {
    let Some(schema) = spec
        .request_schema
        .as_ref()
        .and_then(|name| suite.schemas.get(name))
    else {
        return Vec::new();
    };
    let defaults: IndexMap<String, String> = suite
        .variables
        .iter()
        .map(|(name, v)| {
            (
                name.clone(),
                v.default.clone().unwrap_or_else(|| "x".into()),
            )
        })
        .collect();
    let fresh = Arc::new(Fresh::with_token("check"));
    let mut bodies = vec![simplest_body(spec)];
    let mut runner = TestRunner::new(Config {
        rng_seed: RngSeed::Fixed(0),
        rng_algorithm: RngAlgorithm::ChaCha,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = scenario::strategy(
        spec,
        Property::ValidPartialUpdate,
        scenario::Limits {
            existing: false,
            max_actions: 1,
        },
    );
    for _ in 0..SCHEMA_SAMPLES {
        if let Ok(tree) = strategy.new_tree(&mut runner)
            && let Scenario::Actions(actions) = tree.current()
            && let Some(Action::Update { body, .. }) = actions.into_iter().next()
        {
            bodies.push(body);
        }
    }
    let mut errors = Vec::new();
    for body in bodies {
        let mut scope = CaseScope::new(&defaults, fresh.clone());
        let mut bound = Vec::new();
        let mut object = Map::new();
        for (field, value) in spec.fields.iter().zip(&body.0) {
            if let Some(value) = value {
                let json = value.to_case_json(&mut |g| {
                    let name = format!("v{}", bound.len() + 1);
                    bound.push((name.clone(), g));
                    name
                });
                object.insert(field.name.clone(), json);
            }
        }
        for (name, generator) in bound {
            scope.set(&name, Value::String(fresh.generate(generator)));
        }
        let sent = scope.render_json(&Value::Object(object));
        for error in schema.validator.iter_errors(&sent) {
            let pointer = error.instance_path().to_string();
            let name = pointer
                .trim_start_matches('/')
                .split('/')
                .next()
                .unwrap_or("");
            let Some(field) = spec.fields.iter().find(|f| f.name == name) else {
                continue;
            };
            let message = format!(
                "field `{}`: the generated valid value {} breaks request schema `{}` at {pointer}: {error}",
                field.name,
                sent.get(name).map(Value::to_string).unwrap_or_default(),
                schema.name
            );
            if !errors.iter().any(|e: &LoadError| e.message == message) {
                let pos = &field.pos;
                errors.push(LoadError::new(&pos.file, pos.line, pos.column, message));
            }
        }
        if errors.len() > 5 {
            break;
        }
    }
    errors
}
