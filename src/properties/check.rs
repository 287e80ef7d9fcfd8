//! Checks a suite's declarations the way they will be used, before anything
//! is sent: representative scenarios of every property are built into
//! cases (an error is reported at the declaration it comes from), and each
//! is written and read back by the case loader, as a saved counterexample
//! would be. Generated valid bodies are also checked against the suite's
//! `request_schema`, the vendor's own description.

use std::path::Path;
use std::sync::Arc;

use indexmap::IndexMap;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, RngSeed, TestRunner};
use serde_json::Value;

use super::build::{About, build};
use super::scenario::{Action, Body, Broken, Scenario, Slot, Who};
use super::spec::{PropertySpec, UnknownKeys};
use super::value::Gen;
use super::{Property, scenario};
use crate::case::load::cases_from_bytes;
use crate::case::template::JsonTemplate;
use crate::case::{LoadError, Suite, print};
use crate::check::Scope;
use crate::run::Fresh;
use crate::run::scope::CaseScope;

/// Bodies drawn at random for the schema check, besides the simplest one.
const SCHEMA_SAMPLES: u32 = 48;

pub fn by_building(spec: &PropertySpec, suite: &Suite) -> Vec<LoadError> {
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
            checks: Vec::new(),
            source: spec.sources[&property].clone(),
        };
        let generated = format!("the case generated for {}", property.case_name());
        let built = match build(suite, spec, &scenario, &about) {
            Ok(built) => built,
            Err(e) => {
                push(LoadError::new(
                    &e.at.file,
                    e.at.line,
                    e.at.column,
                    format!("{} ({generated})", e.message),
                ));
                continue;
            }
        };
        // What a saved counterexample would hold must load as a case file.
        let written = print::case_file("", &[&built.case]).map_err(|e| e.to_string());
        let loaded = written.and_then(|text| {
            cases_from_bytes(suite, Path::new(&generated), text.as_bytes())
                .map_err(|e| e.to_string())
        });
        if let Err(why) = loaded {
            let at = &spec.sources[&property];
            push(LoadError::new(
                &at.file,
                at.line,
                at.column,
                format!("{generated} does not read back as a case file: {why}"),
            ));
        }
    }
    for error in against_request_schema(spec, suite) {
        push(error);
    }
    errors
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
            value: Gen::Text("x".into()),
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
        let mut object = Vec::new();
        for (field, value) in spec.fields.iter().zip(&body.0) {
            if let Some(value) = value {
                let json = value.to_template(&mut |g| {
                    let name = format!("v{}", bound.len() + 1);
                    bound.push((name.clone(), g));
                    name
                });
                object.push((field.name.clone(), json));
            }
        }
        for (name, generator) in bound {
            scope.set(&name, Value::String(fresh.generate(generator)));
        }
        let sent = scope.render_json(&JsonTemplate::object(object));
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
