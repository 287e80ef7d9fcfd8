//! A case of the model written back as case-file syntax: how a case built in
//! memory (a generated counterexample) becomes a file that `verity run`
//! reads as the same case. The text comes from the syntax types themselves
//! ([`super::syntax`]), the ones the loader reads.

use indexmap::IndexMap;
use serde_json::Value;
use serde_saphyr::{Location, Spanned};

use super::model::*;
use super::syntax::*;
use super::template::JsonTemplate;

/// Why a case could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the case file: {0}")]
pub struct PrintError(String);

/// The text of a case file holding `cases`, after `header` (comment lines).
pub fn case_file(header: &str, cases: &[&Case]) -> Result<String, PrintError> {
    let file = CaseFileDoc {
        cases: cases.iter().map(|c| unplaced(case_doc(c))).collect(),
    };
    serde_saphyr::to_string(&file)
        .map(|text| format!("{header}{text}"))
        .map_err(|e| PrintError(e.to_string()))
}

/// A value read from no text: it cannot say where it is.
pub fn unplaced<T>(value: T) -> Spanned<T> {
    Spanned::new(value, Location::UNKNOWN, Location::UNKNOWN)
}

pub fn case_doc(case: &Case) -> CaseDoc {
    let names: Vec<&str> = case.steps.iter().map(|s| s.name.as_str()).collect();
    CaseDoc {
        name: unplaced(case.name.clone()),
        description: case.description.clone(),
        doc: case.doc.clone(),
        checks: case.checks.iter().map(|s| unplaced(s.id.clone())).collect(),
        strict: case.strict,
        vars: case
            .vars
            .iter()
            .map(|(k, v)| (k.clone(), unplaced(v.to_string())))
            .collect(),
        steps: case
            .steps
            .iter()
            .map(|s| unplaced(step_doc(s, &names)))
            .collect(),
    }
}

fn step_doc(step: &Step, names: &[&str]) -> StepDoc {
    let expect = expect_doc(&step.expect, names);
    StepDoc {
        name: Some(unplaced(step.name.clone())),
        request: unplaced(request_doc(&step.request)),
        expect: (!expect.is_empty()).then(|| unplaced(expect)),
        capture: step
            .captures
            .iter()
            .map(|c| {
                let doc = match &c.source {
                    CaptureSource::JsonPath { source, .. } => CaptureDoc::JsonPath(source.clone()),
                    CaptureSource::Header(name) => CaptureDoc::Options(CaptureOptionsDoc {
                        jsonpath: None,
                        header: Some(name.clone()),
                    }),
                };
                (c.name.clone(), unplaced(doc))
            })
            .collect(),
        snapshot: (!step.snapshot_redactions.is_empty()).then(|| {
            unplaced(StepSnapshotDoc {
                redact: step.snapshot_redactions.iter().map(redact_doc).collect(),
            })
        }),
    }
}

fn redact_doc(redaction: &Redaction) -> Spanned<RedactDoc> {
    let (path, regex) = match &redaction.target {
        RedactTarget::Path { source, .. } => (Some(source.clone()), None),
        RedactTarget::Regex(re) => (None, Some(re.as_str().to_string())),
    };
    unplaced(RedactDoc {
        path,
        regex,
        label: Some(redaction.label.clone()),
    })
}

fn request_doc(request: &Request) -> RequestDoc {
    let mut query: IndexMap<String, Spanned<QueryValueDoc>> = IndexMap::new();
    for (name, value) in &request.query {
        let text = value.to_string();
        match query.get_mut(name) {
            Some(existing) => {
                let values =
                    match std::mem::replace(&mut existing.value, QueryValueDoc::Many(Vec::new())) {
                        QueryValueDoc::One(first) => vec![first, text],
                        QueryValueDoc::Many(mut all) => {
                            all.push(text);
                            all
                        }
                    };
                existing.value = QueryValueDoc::Many(values);
            }
            None => {
                query.insert(name.clone(), unplaced(QueryValueDoc::One(text)));
            }
        }
    }
    let (json, raw) = match &request.body {
        Some(Body::Json(json)) => (Some(unplaced(json.to_value())), None),
        Some(Body::Raw(raw)) => (None, Some(unplaced(raw.to_string()))),
        None => (None, None),
    };
    RequestDoc {
        method: unplaced(request.method.as_str().to_string()),
        path: unplaced(request.path.to_string()),
        query,
        headers: request
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), unplaced(v.as_ref().map(|t| t.to_string()))))
            .collect(),
        json,
        raw,
    }
}

fn expect_doc(expect: &Expect, names: &[&str]) -> ExpectDoc {
    let mut body = BodyDoc::default();
    for item in &expect.body {
        match item {
            BodyExpect::Empty { empty, .. } => body.empty = Some(*empty),
            BodyExpect::Json { value, .. } => body.json = Some(unplaced(value.to_value())),
            BodyExpect::Subset { value, .. } => body.subset = Some(unplaced(value.to_value())),
            BodyExpect::Path(assert) => body.paths.push(unplaced(path_doc(assert))),
        }
    }
    let has_body = body.empty.is_some()
        || body.json.is_some()
        || body.subset.is_some()
        || !body.paths.is_empty();
    ExpectDoc {
        status: expect.status.as_ref().map(|s| {
            unplaced(StatusDoc(
                s.patterns
                    .iter()
                    .map(|p| match p {
                        StatusPattern::Code(c) => StatusPatternDoc::Code(*c),
                        StatusPattern::Class(c) => StatusPatternDoc::Class(*c),
                    })
                    .collect(),
            ))
        }),
        headers: expect
            .headers
            .iter()
            .map(|h| {
                let doc = match &h.matcher {
                    HeaderMatcher::Equals(t) => HeaderMatchDoc::Equals(t.to_string()),
                    HeaderMatcher::Regex(p) => HeaderMatchDoc::Options(HeaderOptionsDoc {
                        regex: Some(p.source.to_string()),
                        ..HeaderOptionsDoc::default()
                    }),
                    HeaderMatcher::Present => HeaderMatchDoc::Options(HeaderOptionsDoc {
                        present: Some(true),
                        ..HeaderOptionsDoc::default()
                    }),
                    HeaderMatcher::Absent => HeaderMatchDoc::Options(HeaderOptionsDoc {
                        absent: Some(true),
                        ..HeaderOptionsDoc::default()
                    }),
                };
                (h.name.clone(), unplaced(doc))
            })
            .collect(),
        body: has_body.then(|| unplaced(body)),
        schema: expect.schema.as_ref().map(|s| unplaced(s.name.clone())),
        echo: expect.echo.as_ref().map(|e| {
            let of = match e.of {
                EchoOf::ThisStep => None,
                EchoOf::Step(i) => names.get(i).map(|n| n.to_string()),
            };
            unplaced(if of.is_none() && e.ignore.is_empty() {
                EchoDoc::Flag(true)
            } else {
                EchoDoc::Options(EchoOptionsDoc {
                    of,
                    ignore: e.ignore.clone(),
                })
            })
        }),
        unchanged: expect.unchanged.as_ref().map(|u| {
            unplaced(UnchangedDoc {
                of: u.of.clone(),
                except: u.except.clone(),
            })
        }),
        any_of: expect
            .any_of
            .iter()
            .map(|alt| unplaced(expect_doc(alt, names)))
            .collect(),
        checks: expect
            .checks
            .iter()
            .map(|s| unplaced(s.id.clone()))
            .collect(),
    }
}

/// An assertion as a case file writes it.
pub(crate) fn path_doc(assert: &PathAssert) -> PathAssertDoc {
    let mut doc = PathAssertDoc {
        path: assert.source.clone(),
        equals: None,
        type_: None,
        regex: None,
        present: None,
        absent: None,
        one_of: None,
        contains: None,
        count: None,
        optional: assert.optional,
        checks: assert.checks.iter().map(|s| s.id.clone()).collect(),
    };
    for predicate in &assert.predicates {
        match predicate {
            Predicate::Equals(v) => doc.equals = Some(v.to_value()),
            Predicate::Type(t) => doc.type_ = Some(t.name().to_string()),
            Predicate::Regex(p) => doc.regex = Some(p.source.to_string()),
            Predicate::Present => doc.present = Some(true),
            Predicate::Absent => doc.absent = Some(true),
            Predicate::OneOf(values) => {
                doc.one_of = Some(
                    values
                        .iter()
                        .map(JsonTemplate::to_value)
                        .collect::<Vec<Value>>(),
                )
            }
            Predicate::Contains(v) => doc.contains = Some(v.to_value()),
            Predicate::Count(n) => doc.count = Some(*n),
        }
    }
    doc
}

impl ExpectDoc {
    /// Whether it expects nothing: a step written without `expect:`.
    fn is_empty(&self) -> bool {
        self.status.is_none()
            && self.headers.is_empty()
            && self.body.is_none()
            && self.schema.is_none()
            && self.echo.is_none()
            && self.unchanged.is_none()
            && self.any_of.is_empty()
            && self.checks.is_empty()
    }
}
