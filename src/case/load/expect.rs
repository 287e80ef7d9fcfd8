//! Lowering an `expect:` block: status, headers, body, JSONPath assertions,
//! schema, echo, unchanged and `any_of`.

use super::*;

impl Loader {
    pub(super) fn expect(&mut self, scope: &Scope, doc: ExpectDoc, pos: Pos) -> Expect {
        let (suite, file, known, steps) = (scope.suite, scope.file, &scope.known, &scope.steps);
        let mut expect = Expect {
            checks: statement_refs(file, doc.checks),
            origin: Some(Origin::File(pos)),
            ..Expect::default()
        };
        if let Some(status) = doc.status {
            let spos = spanned_pos(file, &status);
            expect.status = Some(StatusExpect {
                patterns: status
                    .value
                    .0
                    .into_iter()
                    .map(|p| match p {
                        StatusPatternDoc::Code(c) => StatusPattern::Code(c),
                        StatusPatternDoc::Class(c) => StatusPattern::Class(c),
                    })
                    .collect(),
                origin: Origin::File(spos),
            });
        }
        for (hname, matcher) in doc.headers {
            let hpos = spanned_pos(file, &matcher);
            if !is_header_name(&hname) {
                self.error(&hpos, not_a_header_name(&hname));
                continue;
            }
            let name = hname.to_ascii_lowercase();
            let m = match matcher.value {
                HeaderMatchDoc::Equals(text) => self
                    .template(&text, &hpos, known, &format!("header `{hname}`"))
                    .map(HeaderMatcher::Equals),
                HeaderMatchDoc::Options(o) => {
                    let given = [
                        o.equals.is_some(),
                        o.regex.is_some(),
                        o.present.is_some(),
                        o.absent.is_some(),
                    ]
                    .iter()
                    .filter(|b| **b)
                    .count();
                    if given != 1 {
                        self.error(&hpos, format!("header `{hname}`: give exactly one of equals, regex, present, absent"));
                        None
                    } else if let Some(text) = o.equals {
                        self.template(&text, &hpos, known, &format!("header `{hname}`"))
                            .map(HeaderMatcher::Equals)
                    } else if let Some(re) = o.regex {
                        self.pattern(&re, &hpos, known).map(HeaderMatcher::Regex)
                    } else if o.present == Some(true) || o.absent == Some(false) {
                        Some(HeaderMatcher::Present)
                    } else {
                        Some(HeaderMatcher::Absent)
                    }
                }
            };
            if let Some(matcher) = m {
                expect.headers.push(HeaderExpect {
                    name,
                    matcher,
                    origin: Origin::File(hpos),
                });
            }
        }
        if let Some(body) = doc.body {
            let bpos = spanned_pos(file, &body);
            let body = body.value;
            if let Some(empty) = body.empty {
                expect.body.push(BodyExpect::Empty {
                    empty,
                    origin: Origin::File(bpos.clone()),
                });
            }
            if let Some(json) = body.json {
                let jpos = spanned_pos(file, &json);
                let value = self.json_template(&json.value, &jpos, known, "body.json");
                expect.body.push(BodyExpect::Json {
                    value,
                    origin: Origin::File(jpos),
                });
            }
            if let Some(subset) = body.subset {
                let spos = spanned_pos(file, &subset);
                let value = self.json_template(&subset.value, &spos, known, "body.subset");
                expect.body.push(BodyExpect::Subset {
                    value,
                    origin: Origin::File(spos),
                });
            }
            for assert in body.paths {
                let apos = spanned_pos(file, &assert);
                if let Some(a) = self.path_assert(assert.value, apos, known) {
                    expect.body.push(BodyExpect::Path(a));
                }
            }
        }
        if let Some(schema) = doc.schema {
            let spos = spanned_pos(file, &schema);
            if suite.schemas.contains_key(&schema.value) {
                expect.schema = Some(SchemaRef {
                    name: schema.value,
                    origin: Origin::File(spos),
                });
            } else {
                self.error(
                    &spos,
                    format!(
                        "unknown schema `{}` (suite `{}` declares: {})",
                        schema.value,
                        suite.name,
                        suite.schema_names()
                    ),
                );
            }
        }
        if let Some(echo) = doc.echo {
            let epos = spanned_pos(file, &echo);
            let current = steps.len() - 1;
            match echo.value {
                EchoDoc::Flag(false) => {}
                EchoDoc::Flag(true) => {
                    expect.echo = Some(Echo {
                        of: EchoOf::ThisStep,
                        ignore: Vec::new(),
                        origin: Origin::File(epos),
                    })
                }
                EchoDoc::Options(o) => {
                    let of = match &o.of {
                        None => Some(EchoOf::ThisStep),
                        Some(of) => {
                            let found = steps.position(of);
                            if found.is_none() {
                                self.error(
                                    &epos,
                                    format!(
                                        "echo of unknown step `{of}` (steps so far: {})",
                                        steps.list.join(", ")
                                    ),
                                );
                            }
                            found.map(|i| {
                                if i == current {
                                    EchoOf::ThisStep
                                } else {
                                    EchoOf::Step(i)
                                }
                            })
                        }
                    };
                    if let Some(of) = of {
                        expect.echo = Some(Echo {
                            of,
                            ignore: o.ignore,
                            origin: Origin::File(epos),
                        });
                    }
                }
            }
        }
        if let Some(unchanged) = doc.unchanged {
            let upos = spanned_pos(file, &unchanged);
            let u = unchanged.value;
            if !known.contains(&u.of) {
                self.error(&upos, unknown_variable(&u.of, known, "unchanged.of"));
            } else {
                expect.unchanged = Some(Unchanged {
                    of: u.of,
                    except: u.except,
                    origin: Origin::File(upos),
                });
            }
        }
        for alternative in doc.any_of {
            let apos = spanned_pos(file, &alternative);
            expect
                .any_of
                .push(self.expect(scope, alternative.value, apos));
        }
        expect
    }

    pub(super) fn path_assert(
        &mut self,
        doc: PathAssertDoc,
        pos: Pos,
        known: &BTreeSet<String>,
    ) -> Option<PathAssert> {
        let checkpoint = self.checkpoint();
        let path = self.jsonpath(&doc.path, &pos)?;
        let mut predicates = Vec::new();
        if let Some(v) = doc.equals {
            let value = self.json_template(&v, &pos, known, "equals");
            predicates.push(Predicate::Equals(value));
        }
        if let Some(t) = doc.type_ {
            match JsonType::parse(&t) {
                Some(t) => predicates.push(Predicate::Type(t)),
                None => {
                    let names: Vec<&str> = JsonType::NAMES.iter().map(|(n, _)| *n).collect();
                    self.error(
                        &pos,
                        format!("unknown type `{t}` (one of {})", names.join(", ")),
                    );
                }
            }
        }
        if let Some(re) = doc.regex.and_then(|re| self.pattern(&re, &pos, known)) {
            predicates.push(Predicate::Regex(re));
        }
        match (doc.present, doc.absent) {
            (Some(true), _) | (_, Some(false)) => predicates.push(Predicate::Present),
            (Some(false), _) | (_, Some(true)) => predicates.push(Predicate::Absent),
            _ => {}
        }
        if let Some(values) = doc.one_of {
            if values.is_empty() {
                self.error(&pos, "`one_of` is empty: nothing could match");
            }
            let values = values
                .iter()
                .map(|v| self.json_template(v, &pos, known, "one_of"))
                .collect();
            predicates.push(Predicate::OneOf(values));
        }
        if let Some(v) = doc.contains {
            let value = self.json_template(&v, &pos, known, "contains");
            predicates.push(Predicate::Contains(value));
        }
        if let Some(n) = doc.count {
            predicates.push(Predicate::Count(n));
        }
        if self.refused_since(checkpoint) {
            // A predicate was refused: "asserts nothing" would only add noise.
            return None;
        }
        if predicates.is_empty() {
            self.error(
                &pos,
                format!("path `{}` asserts nothing: add equals, type, regex, present, absent, one_of, contains or count", doc.path),
            );
            return None;
        }
        if doc.optional
            && predicates.iter().any(|p| {
                matches!(
                    p,
                    Predicate::Present | Predicate::Absent | Predicate::Count(_)
                )
            })
        {
            self.error(
                &pos,
                "`optional` cannot be combined with present, absent or count",
            );
            return None;
        }
        Some(PathAssert {
            source: doc.path,
            path,
            predicates,
            optional: doc.optional,
            checks: doc
                .checks
                .into_iter()
                .map(|id| StatementRef {
                    id: id.trim().to_string(),
                    origin: Origin::File(pos.clone()),
                })
                .collect(),
            advisory: false,
            origin: Origin::File(pos),
        })
    }

    pub(super) fn jsonpath(&mut self, text: &str, pos: &Pos) -> Option<JsonPath> {
        match compiled::jsonpath(text) {
            Ok(p) => Some(p),
            Err(e) => {
                let hint = if text.trim_start().starts_with('$') {
                    ""
                } else {
                    " (a JSONPath starts with `$`, e.g. `$.memberId`)"
                };
                self.error(
                    pos,
                    format!("`{text}` is not a JSONPath (RFC 9535): {e}{hint}"),
                );
                None
            }
        }
    }

    pub(super) fn pattern(
        &mut self,
        text: &str,
        pos: &Pos,
        known: &BTreeSet<String>,
    ) -> Option<Pattern> {
        let source = self.template(text, pos, known, "regex")?;
        if source.is_literal() {
            let fixed = self.regex(&source.literal_text().unwrap_or_default(), pos)?;
            return Some(Pattern {
                source,
                fixed: Some(fixed),
            });
        }
        // Placeholders become plain text at run time; a probe value shows
        // whether the rest of the pattern compiles.
        let probe: String = source
            .parts()
            .iter()
            .map(|p| match p {
                crate::case::template::Part::Literal(t) => t.clone(),
                _ => "x".to_string(),
            })
            .collect();
        self.regex(&probe, pos)?;
        Some(Pattern {
            source,
            fixed: None,
        })
    }

    pub(super) fn regex(&mut self, text: &str, pos: &Pos) -> Option<Regex> {
        match compiled::regex(text) {
            Ok(r) => Some(r),
            Err(e) => {
                let message = e.to_string();
                let first = message.lines().last().unwrap_or_default().trim();
                let first = first.strip_prefix("error: ").unwrap_or(first);
                self.error(pos, format!("`{text}` is not a valid regex: {first}"));
                None
            }
        }
    }
}
