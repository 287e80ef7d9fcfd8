//! Lowering a request: method, path, query, headers and body, every string
//! a template whose variables must be known.

use super::*;

impl Loader {
    pub(super) fn request(&mut self, scope: &Scope, doc: Spanned<RequestDoc>) -> Option<Request> {
        let (file, known) = (scope.file, &scope.known);
        let pos = spanned_pos(file, &doc);
        let doc = doc.value;
        let method_pos = spanned_pos(file, &doc.method);
        let method = Method::parse(doc.method.value.trim());
        if method.is_none() {
            self.error(
                &method_pos,
                format!(
                    "`{}` is not an HTTP method (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS)",
                    doc.method.value
                ),
            );
        }
        let path_pos = spanned_pos(file, &doc.path);
        if !doc.path.value.starts_with('/') {
            self.error(
                &path_pos,
                format!("path `{}` must start with `/`", doc.path.value),
            );
        }
        if doc.path.value.contains('?') {
            self.error(
                &path_pos,
                "put query parameters under `query:`, not in the path",
            );
        }
        let path = self.template(&doc.path.value, &path_pos, known, "path");
        let mut query = Vec::new();
        for (qname, value) in doc.query {
            let qpos = spanned_pos(file, &value);
            let texts = match value.value {
                QueryValueDoc::One(v) => vec![v],
                QueryValueDoc::Many(vs) => vs,
            };
            for text in texts {
                if let Some(t) = self.template(&text, &qpos, known, &format!("query `{qname}`")) {
                    query.push((qname.clone(), t));
                }
            }
        }
        let mut headers = IndexMap::new();
        for (hname, value) in doc.headers {
            let hpos = spanned_pos(file, &value);
            if !is_header_name(&hname) {
                self.error(&hpos, not_a_header_name(&hname));
                continue;
            }
            let template = match value.value {
                Some(text) => self.header_value(&text, &hpos, known, &hname).map(Some),
                None => Some(None),
            };
            if let Some(t) = template {
                headers.insert(hname.to_ascii_lowercase(), t);
            }
        }
        let body = match (doc.json, doc.raw) {
            (Some(_), Some(r)) => {
                self.error(
                    &spanned_pos(file, &r),
                    "give `json` or `raw` as the body, not both",
                );
                None
            }
            (Some(json), None) => {
                let jpos = spanned_pos(file, &json);
                Some(Body::Json(self.json_template(
                    &json.value,
                    &jpos,
                    known,
                    "json body",
                )))
            }
            (None, Some(raw)) => {
                let rpos = spanned_pos(file, &raw);
                self.template(&raw.value, &rpos, known, "raw body")
                    .map(Body::Raw)
            }
            (None, None) => None,
        };
        let _ = pos;
        Some(Request {
            method: method?,
            path: path?,
            query,
            headers,
            body,
        })
    }

    pub(super) fn template(
        &mut self,
        text: &str,
        pos: &Pos,
        known: &BTreeSet<String>,
        what: &str,
    ) -> Option<Template> {
        match Template::parse(text) {
            Ok(t) => {
                let mut ok = true;
                for var in t.variables() {
                    if !known.contains(var) {
                        ok = false;
                        self.error(pos, unknown_variable(var, known, what));
                    }
                }
                ok.then_some(t)
            }
            Err(e) => {
                self.error(pos, format!("in {what}: {e}"));
                None
            }
        }
    }

    /// Parses the strings of a JSON value as templates, checking their
    /// variables; a string in error stands as `null` (the case is refused).
    pub(super) fn json_template(
        &mut self,
        value: &Value,
        pos: &Pos,
        known: &BTreeSet<String>,
        what: &str,
    ) -> JsonTemplate {
        fn walk(
            cx: &mut Loader,
            value: &Value,
            pos: &Pos,
            known: &BTreeSet<String>,
            what: &str,
            at: &str,
        ) -> JsonTemplate {
            match value {
                Value::String(text) => {
                    let place = if at.is_empty() {
                        what.to_string()
                    } else {
                        format!("{what} at {at}")
                    };
                    match cx.template(text, pos, known, &place) {
                        Some(t) => JsonTemplate::String(t),
                        None => JsonTemplate::Plain(Value::Null),
                    }
                }
                Value::Array(items) => JsonTemplate::Array(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, item)| walk(cx, item, pos, known, what, &format!("{at}/{i}")))
                        .collect(),
                ),
                Value::Object(map) => JsonTemplate::Object(
                    map.iter()
                        .map(|(k, v)| {
                            let item = walk(cx, v, pos, known, what, &format!("{at}/{k}"));
                            (k.clone(), item)
                        })
                        .collect(),
                ),
                plain => JsonTemplate::Plain(plain.clone()),
            }
        }
        walk(self, value, pos, known, what, "")
    }
}
