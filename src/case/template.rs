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

    fn from_name(name: &str) -> Option<Generator> {
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
