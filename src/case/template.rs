//! `${...}` templates in case files.
//!
//! A template is parsed once, when the case file is loaded, so a typo in a
//! placeholder is a load error with a position rather than a surprise at run
//! time. Three kinds of placeholder exist:
//!
//! ```yaml
//! path: /v1/members/${member_id}     # a variable or a capture
//! json: { email: "${fresh.email}" }  # a generator: a new value at each use
//! raw: "costs $${price}"             # `$${` is a literal `${`
//! ```

use std::fmt;

use serde_json::Value;

/// A value generator, written `${fresh.NAME}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generator {
    /// An upper-case hyphenated GUID.
    Guid,
    /// A member code unique to this run (`verity-<run>-<n>`).
    MemberCode,
    /// An email address unique to this run, at the reserved `example.com` domain.
    Email,
    /// A short token unique to this run, for ids, worker ids and idempotency keys.
    Id,
}

impl Generator {
    pub const ALL: [(&'static str, Generator); 4] = [
        ("guid", Generator::Guid),
        ("member_code", Generator::MemberCode),
        ("email", Generator::Email),
        ("id", Generator::Id),
    ];

    pub fn name(self) -> &'static str {
        Generator::ALL
            .iter()
            .find(|(_, g)| *g == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }

    pub fn from_name(name: &str) -> Option<Generator> {
        Generator::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, g)| *g)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Literal(String),
    Variable(String),
    Fresh(Generator),
}

/// A parsed template string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

/// A template syntax error; `offset` is the byte offset in the template text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

impl Template {
    pub fn literal(text: impl Into<String>) -> Template {
        Template {
            parts: vec![Part::Literal(text.into())],
        }
    }

    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        let mut offset = 0;
        while let Some(at) = rest.find('$') {
            literal.push_str(&rest[..at]);
            let after = &rest[at..];
            if let Some(tail) = after.strip_prefix("$${") {
                literal.push_str("${");
                offset += at + 3;
                rest = tail;
                continue;
            }
            let Some(inner_and_tail) = after.strip_prefix("${") else {
                literal.push('$');
                offset += at + 1;
                rest = &after[1..];
                continue;
            };
            let Some(close) = inner_and_tail.find('}') else {
                return Err(TemplateError {
                    offset: offset + at,
                    message: "unclosed `${`: add the closing `}` (write `$${` for a literal `${`)"
                        .to_string(),
                });
            };
            let inner = inner_and_tail[..close].trim();
            let part = Template::placeholder(inner).map_err(|message| TemplateError {
                offset: offset + at,
                message,
            })?;
            if !literal.is_empty() {
                parts.push(Part::Literal(std::mem::take(&mut literal)));
            }
            parts.push(part);
            let consumed = at + 2 + close + 1;
            offset += consumed;
            rest = &rest[consumed..];
        }
        literal.push_str(rest);
        if !literal.is_empty() || parts.is_empty() {
            parts.push(Part::Literal(literal));
        }
        Ok(Template { parts })
    }

    fn placeholder(inner: &str) -> Result<Part, String> {
        if inner.is_empty() {
            return Err("empty placeholder `${}`".to_string());
        }
        if let Some(name) = inner.strip_prefix("fresh.") {
            return Generator::from_name(name).map(Part::Fresh).ok_or_else(|| {
                let known: Vec<String> = Generator::ALL
                    .iter()
                    .map(|(n, _)| format!("fresh.{n}"))
                    .collect();
                format!(
                    "unknown generator `${{fresh.{name}}}`; known: {}",
                    known.join(", ")
                )
            });
        }
        if !inner.chars().all(is_name_char) {
            return Err(format!(
                "`${{{inner}}}` is not a variable name (letters, digits, `_` and `-`) nor a `fresh.` generator"
            ));
        }
        Ok(Part::Variable(inner.to_string()))
    }

    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// The variables this template reads.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|part| match part {
            Part::Variable(name) => Some(name.as_str()),
            _ => None,
        })
    }

    /// When the whole template is one variable, its name: such a template in
    /// a JSON body takes the variable's JSON value, not its text.
    pub fn sole_variable(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [Part::Variable(name)] => Some(name),
            _ => None,
        }
    }

    /// The text of a template without placeholders.
    pub fn literal_text(&self) -> Option<String> {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Literal(t) => Some(t.as_str()),
                _ => None,
            })
            .collect::<Option<Vec<&str>>>()
            .map(|parts| parts.concat())
    }

    /// Renames the variables `names` maps, leaving the others.
    pub fn rename(&mut self, names: &dyn Fn(&str) -> Option<String>) {
        for part in &mut self.parts {
            if let Part::Variable(name) = part
                && let Some(new) = names(name)
            {
                *name = new;
            }
        }
    }

    /// A template that is one variable, `${name}`.
    pub fn variable(name: impl Into<String>) -> Template {
        Template {
            parts: vec![Part::Variable(name.into())],
        }
    }

    /// A template that is one generator, `${fresh.NAME}`.
    pub fn fresh(generator: Generator) -> Template {
        Template {
            parts: vec![Part::Fresh(generator)],
        }
    }

    pub fn is_literal(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Literal(_)))
    }
}

impl fmt::Display for Template {
    /// Writes the template back in its source form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for part in &self.parts {
            match part {
                Part::Literal(text) => f.write_str(&text.replace("${", "$${"))?,
                Part::Variable(name) => write!(f, "${{{name}}}")?,
                Part::Fresh(generator) => write!(f, "${{fresh.{}}}", generator.name())?,
            }
        }
        Ok(())
    }
}

/// JSON whose strings are templates (a request body, an expected value),
/// parsed once when the case is loaded: rendering walks the parts and
/// parses nothing.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonTemplate {
    /// `null`, a boolean or a number: no template inside.
    Plain(Value),
    String(Template),
    Array(Vec<JsonTemplate>),
    /// Keys in serde_json's order (sorted), as the value they render to.
    Object(Vec<(String, JsonTemplate)>),
}

/// Where in a JSON value a template is wrong (`/a/0`), and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonTemplateError {
    /// A JSON pointer to the string; empty for the value itself.
    pub at: String,
    pub error: TemplateError,
}

impl JsonTemplate {
    /// Parses every string of `value` as a template.
    pub fn parse(value: &Value) -> Result<JsonTemplate, JsonTemplateError> {
        fn walk(value: &Value, at: &mut String) -> Result<JsonTemplate, JsonTemplateError> {
            Ok(match value {
                Value::String(text) => {
                    JsonTemplate::String(Template::parse(text).map_err(|error| {
                        JsonTemplateError {
                            at: at.clone(),
                            error,
                        }
                    })?)
                }
                Value::Array(items) => {
                    let mut out = Vec::with_capacity(items.len());
                    for (i, item) in items.iter().enumerate() {
                        let len = at.len();
                        at.push_str(&format!("/{i}"));
                        out.push(walk(item, at)?);
                        at.truncate(len);
                    }
                    JsonTemplate::Array(out)
                }
                Value::Object(map) => {
                    let mut out = Vec::with_capacity(map.len());
                    for (key, item) in map {
                        let len = at.len();
                        at.push('/');
                        at.push_str(&key.replace('~', "~0").replace('/', "~1"));
                        out.push((key.clone(), walk(item, at)?));
                        at.truncate(len);
                    }
                    JsonTemplate::Object(out)
                }
                plain => JsonTemplate::Plain(plain.clone()),
            })
        }
        walk(value, &mut String::new())
    }

    /// A value whose strings are plain text, not templates (text a
    /// generator made): it renders to itself, `${` included.
    pub fn literal(value: &Value) -> JsonTemplate {
        match value {
            Value::String(text) => JsonTemplate::String(Template::literal(text.clone())),
            Value::Array(items) => JsonTemplate::Array(items.iter().map(Self::literal).collect()),
            Value::Object(map) => JsonTemplate::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), Self::literal(v)))
                    .collect(),
            ),
            plain => JsonTemplate::Plain(plain.clone()),
        }
    }

    /// An object of these entries, in serde_json's key order.
    pub fn object(entries: impl IntoIterator<Item = (String, JsonTemplate)>) -> JsonTemplate {
        let mut entries: Vec<(String, JsonTemplate)> = entries.into_iter().collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries.dedup_by(|later, earlier| {
            // The last value of a key wins, as in a JSON object built in order.
            if later.0 == earlier.0 {
                std::mem::swap(later, earlier);
                true
            } else {
                false
            }
        });
        JsonTemplate::Object(entries)
    }

    /// Adds or replaces the entries of an object; anything else is left as is.
    pub fn extend(&mut self, entries: impl IntoIterator<Item = (String, JsonTemplate)>) {
        if let JsonTemplate::Object(own) = self {
            let all = std::mem::take(own).into_iter().chain(entries);
            *self = JsonTemplate::object(all);
        }
    }

    /// The value as a case file writes it: templates in their source form.
    pub fn to_value(&self) -> Value {
        match self {
            JsonTemplate::Plain(v) => v.clone(),
            JsonTemplate::String(t) => Value::String(t.to_string()),
            JsonTemplate::Array(items) => Value::Array(items.iter().map(Self::to_value).collect()),
            JsonTemplate::Object(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_value()))
                    .collect(),
            ),
        }
    }

    /// The templates of its strings, in order.
    pub fn templates(&self) -> Vec<&Template> {
        let mut out = Vec::new();
        self.each_template(&mut |t| out.push(t));
        out
    }

    fn each_template<'a>(&'a self, f: &mut dyn FnMut(&'a Template)) {
        match self {
            JsonTemplate::Plain(_) => {}
            JsonTemplate::String(t) => f(t),
            JsonTemplate::Array(items) => items.iter().for_each(|i| i.each_template(f)),
            JsonTemplate::Object(entries) => entries.iter().for_each(|(_, v)| v.each_template(f)),
        }
    }

    /// The templates of its strings, to change in place (renaming).
    pub fn templates_mut(&mut self, f: &mut dyn FnMut(&mut Template)) {
        match self {
            JsonTemplate::Plain(_) => {}
            JsonTemplate::String(t) => f(t),
            JsonTemplate::Array(items) => items.iter_mut().for_each(|i| i.templates_mut(f)),
            JsonTemplate::Object(entries) => {
                entries.iter_mut().for_each(|(_, v)| v.templates_mut(f))
            }
        }
    }

    /// Whether a `${fresh.*}` stands in it: such a value is new at each
    /// render, so it equals nothing, not even itself.
    pub fn has_fresh(&self) -> bool {
        self.templates()
            .iter()
            .any(|t| t.parts().iter().any(|p| matches!(p, Part::Fresh(_))))
    }

    /// The entry `key` of an object.
    pub fn get(&self, key: &str) -> Option<&JsonTemplate> {
        match self {
            JsonTemplate::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, JsonTemplate::Plain(Value::Null))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_literals_variables_and_generators() {
        let t = Template::parse("/v1/members/${member_id}?k=${fresh.id}").unwrap();
        assert_eq!(
            t.parts(),
            &[
                Part::Literal("/v1/members/".into()),
                Part::Variable("member_id".into()),
                Part::Literal("?k=".into()),
                Part::Fresh(Generator::Id),
            ]
        );
        assert_eq!(t.to_string(), "/v1/members/${member_id}?k=${fresh.id}");
    }

    #[test]
    fn dollar_dollar_brace_is_a_literal() {
        let t = Template::parse("a $${b} $c $").unwrap();
        assert!(t.is_literal());
        assert_eq!(t.parts(), &[Part::Literal("a ${b} $c $".into())]);
    }

    #[test]
    fn sole_variable_only_when_alone() {
        assert_eq!(
            Template::parse("${before}").unwrap().sole_variable(),
            Some("before")
        );
        assert_eq!(Template::parse("x${before}").unwrap().sole_variable(), None);
    }

    #[test]
    fn errors_point_at_the_placeholder() {
        let err = Template::parse("abc ${oops").unwrap_err();
        assert_eq!(err.offset, 4);
        assert!(err.message.contains("unclosed"));
        let err = Template::parse("x${fresh.nope}").unwrap_err();
        assert!(err.message.contains("fresh.guid"), "{}", err.message);
        let err = Template::parse("${a b}").unwrap_err();
        assert!(err.message.contains("not a variable name"));
        assert!(Template::parse("${}").is_err());
    }

    #[test]
    fn empty_string_is_one_empty_literal() {
        let t = Template::parse("").unwrap();
        assert_eq!(t.parts(), &[Part::Literal(String::new())]);
    }
}
