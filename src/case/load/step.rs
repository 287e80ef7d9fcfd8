//! Lowering a step: its name, request, captures and expectations.

use super::*;

impl Loader {
    /// Lowers the step at `index` of the case `scope` is lowering; its
    /// name and captures join the scope for the steps after it.
    pub(super) fn step(
        &mut self,
        scope: &mut Scope,
        doc: Spanned<StepDoc>,
        index: usize,
    ) -> Option<Step> {
        let (suite, file) = (scope.suite, scope.file);
        let pos = spanned_pos(file, &doc);
        let checkpoint = self.checkpoint();
        let doc = doc.value;
        let name = match &doc.name {
            Some(n) => {
                let text = n.value.trim().to_string();
                if scope.steps.contains(&text) {
                    self.error(
                        &spanned_pos(file, n),
                        format!("duplicate step name `{text}` in this case"),
                    );
                }
                text
            }
            None => format!("#{}", index + 1),
        };
        let request = self.request(scope, doc.request);
        scope.steps.push(name.clone());
        let expect = match doc.expect {
            Some(e) => {
                let epos = spanned_pos(file, &e);
                self.expect(scope, e.value, epos)
            }
            None => Expect::default(),
        };
        let mut captures = Vec::new();
        for (cap_name, cap) in doc.capture {
            let cpos = spanned_pos(file, &cap);
            if !valid_name(&cap_name) {
                self.error(
                    &cpos,
                    format!("capture name `{cap_name}` must be letters, digits, `_` or `-`"),
                );
            }
            if suite.variables.contains_key(&cap_name) {
                self.error(
                    &cpos,
                    format!("capture `{cap_name}` would hide the suite variable of that name"),
                );
            }
            let source = match cap.value {
                CaptureDoc::JsonPath(p) => self
                    .jsonpath(&p, &cpos)
                    .map(|path| CaptureSource::JsonPath { source: p, path }),
                CaptureDoc::Options(o) => {
                    match (o.jsonpath, o.header) {
                        (Some(p), None) => self
                            .jsonpath(&p, &cpos)
                            .map(|path| CaptureSource::JsonPath { source: p, path }),
                        (None, Some(h)) if !is_header_name(&h) => {
                            self.error(
                                &cpos,
                                format!("capture `{cap_name}`: {}", not_a_header_name(&h)),
                            );
                            None
                        }
                        (None, Some(h)) => Some(CaptureSource::Header(h.to_ascii_lowercase())),
                        _ => {
                            self.error(&cpos, format!("capture `{cap_name}`: give exactly one of `jsonpath` or `header`"));
                            None
                        }
                    }
                }
            };
            if let Some(source) = source {
                captures.push(Capture {
                    name: cap_name.clone(),
                    source,
                    origin: Origin::File(cpos),
                });
            }
            scope.known.insert(cap_name);
        }
        let snapshot_redactions = match doc.snapshot {
            Some(snapshot) => self.redactions(file, snapshot.value.redact, "snapshot.redact"),
            None => Vec::new(),
        };
        if self.refused_since(checkpoint) {
            return None;
        }
        Some(Step {
            name,
            origin: Origin::File(pos),
            request: request?,
            expect,
            captures,
            snapshot_redactions,
        })
    }
}
