//! Lowering a suite file: variables, headers, redactions, snapshot settings
//! and schemas.

use super::*;

impl Loader {
    pub(super) fn suite(&mut self, dir: &Path, suite_file: &Path, bytes: &[u8]) -> Option<Suite> {
        let doc: SuiteDoc = self.parse_bytes(suite_file, bytes, SUITE_FILE_WHAT)?;
        let file = Arc::new(suite_file.to_path_buf());
        let name = doc.name.value.trim().to_string();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            self.error(
                &spanned_pos(&file, &doc.name),
                format!("suite name `{name}` must be letters, digits, `_` or `-`"),
            );
        }
        let mut variables = IndexMap::new();
        for (var_name, decl) in doc.variables {
            let pos = spanned_pos(&file, &decl);
            if !valid_name(&var_name) {
                self.error(
                    &pos,
                    format!("variable name `{var_name}` must be letters, digits, `_` or `-`"),
                );
            }
            let decl = decl.value;
            if decl.required && decl.default.is_some() {
                self.error(
                    &pos,
                    format!("variable `{var_name}` is `required` and has a `default`: keep one"),
                );
            }
            variables.insert(
                var_name,
                Variable {
                    default: decl.default,
                    secret: decl.secret,
                    required: decl.required,
                    description: decl.description,
                },
            );
        }
        let known: BTreeSet<String> = variables.keys().cloned().collect();
        let mut headers = IndexMap::new();
        for (header, value) in doc.headers {
            let pos = spanned_pos(&file, &value);
            if !is_header_name(&header) {
                self.error(&pos, not_a_header_name(&header));
                continue;
            }
            let template = value
                .value
                .as_deref()
                .and_then(|text| self.header_value(text, &pos, &known, &header));
            headers.insert(header.to_ascii_lowercase(), template);
        }
        let mut schemas = BTreeMap::new();
        for (schema_name, decl) in doc.schemas {
            let pos = spanned_pos(&file, &decl);
            if let Some(schema) = self.schema(dir, &schema_name, decl.value, &pos) {
                schemas.insert(schema_name, schema);
            }
        }
        let snapshots = doc.snapshots.map(|spec| self.snapshot_spec(&file, spec));
        let base_path = match doc.base_path {
            Some(given) => {
                let path = given.value.trim_end_matches('/').to_string();
                if !path.is_empty() && !path.starts_with('/') {
                    self.error(
                        &spanned_pos(&file, &given),
                        format!("base_path `{path}` must start with `/`"),
                    );
                }
                path
            }
            None => String::new(),
        };
        // A bad registry stops the suite here, as a bad suite file does:
        // every `checks:` would otherwise be refused as well.
        let statements = match crate::case::statements::load(dir) {
            Ok(registry) => registry,
            Err(LoadErrors(errors)) => {
                self.errors.extend(errors);
                return None;
            }
        };
        Some(Suite {
            name,
            description: doc.description,
            dir: dir.to_path_buf(),
            base_path,
            reference: doc.reference.map(|r| r.value),
            headers,
            variables,
            schemas,
            pacing: doc.pacing.map(|p| Pacing {
                step_interval_ms: p.value.step_interval_ms,
            }),
            snapshots,
            statements,
            cases: Vec::new(),
        })
    }

    pub(super) fn redactions(
        &mut self,
        file: &Arc<PathBuf>,
        docs: Vec<Spanned<RedactDoc>>,
        what: &str,
    ) -> Vec<Redaction> {
        let mut redactions = Vec::new();
        for redaction in docs {
            let pos = spanned_pos(file, &redaction);
            let RedactDoc { path, regex, label } = redaction.value;
            let target = match (path, regex) {
                (Some(source), None) => self
                    .jsonpath(&source, &pos)
                    .map(|path| RedactTarget::Path { source, path }),
                (None, Some(re)) => self.regex(&re, &pos).map(RedactTarget::Regex),
                _ => {
                    self.error(
                        &pos,
                        format!("{what}: give exactly one of `path` or `regex`"),
                    );
                    None
                }
            };
            let label = label.unwrap_or_else(|| "[redacted]".to_string());
            if label.is_empty() {
                self.error(
                    &pos,
                    format!("{what}: `as` is empty: a redacted value needs a visible label"),
                );
                continue;
            }
            if let Some(target) = target {
                redactions.push(Redaction {
                    target,
                    label,
                    origin: Origin::File(pos),
                });
            }
        }
        redactions
    }

    pub(super) fn snapshot_spec(
        &mut self,
        file: &Arc<PathBuf>,
        doc: Spanned<SnapshotsDoc>,
    ) -> SnapshotSpec {
        let mut spec = SnapshotSpec::default();
        for header in doc.value.headers {
            let pos = spanned_pos(file, &header);
            let name = header.value.trim().to_ascii_lowercase();
            if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
                self.error(
                    &pos,
                    format!("snapshots.headers: `{name}` is not a header name"),
                );
            } else if !spec.headers.contains(&name) {
                spec.headers.push(name);
            }
        }
        spec.redactions = self.redactions(file, doc.value.redact, "snapshots.redact");
        spec
    }

    pub(super) fn schema(
        &mut self,
        dir: &Path,
        name: &str,
        decl: SchemaDoc,
        pos: &Pos,
    ) -> Option<Schema> {
        let document = match (&decl.file, decl.inline) {
            (Some(_), Some(_)) => {
                self.error(
                    pos,
                    format!("schema `{name}`: give `file` or `inline`, not both"),
                );
                return None;
            }
            (None, None) => {
                self.error(
                    pos,
                    format!("schema `{name}`: give `file` (a JSON file) or `inline`"),
                );
                return None;
            }
            (None, Some(inline)) => inline,
            (Some(path), None) => {
                let full = dir.join(path);
                match read::json_file(&full) {
                    Ok(v) => v,
                    Err(e) => {
                        self.error(pos, format!("schema `{name}`: {e}"));
                        return None;
                    }
                }
            }
        };
        let written = match decl.pointer.as_deref() {
            Some(pointer) => document.pointer(pointer).cloned().unwrap_or_default(),
            None => document.clone(),
        };
        let root = match schema::schema_from_document(document, decl.pointer.as_deref()) {
            Ok(root) => root,
            Err(e) => {
                self.error(pos, format!("schema `{name}`: {e}"));
                return None;
            }
        };
        match schema::compile(&root) {
            Ok(validator) => Some(Schema {
                name: name.to_string(),
                description: decl.description,
                validator,
                document: written,
            }),
            Err(e) => {
                self.error(
                    pos,
                    format!("schema `{name}` is not a valid JSON Schema: {e}"),
                );
                None
            }
        }
    }

    /// A header value's template; its written parts must be valid in a
    /// header (no line break: it would end the header, or be refused at
    /// send time), substituted values are checked when sent.
    pub(super) fn header_value(
        &mut self,
        text: &str,
        pos: &Pos,
        known: &BTreeSet<String>,
        name: &str,
    ) -> Option<Template> {
        let template = self.template(text, pos, known, &format!("header `{name}`"))?;
        let bad = template.parts().iter().any(|part| {
            matches!(part, crate::case::template::Part::Literal(text)
                if reqwest::header::HeaderValue::from_bytes(text.as_bytes()).is_err())
        });
        if bad {
            self.error(
                pos,
                format!("header `{name}`: the value holds a line break or another control character; a header value is one line of text"),
            );
            return None;
        }
        Some(template)
    }
}
