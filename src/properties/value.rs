//! Value declarations (`valid:`, `invalid:` and unknown-resource `vars:` in
//! `properties.yaml`) and the proptest strategies they become.
//!
//! ```yaml
//! valid: { regex: "[A-Z][a-z]{0,11}" }             # a string matching the regex
//! valid: { one_of: [Female, Male, NonBinary, null] } # one of these JSON values
//! valid: { integer: { min: 1, max: 99 } }
//! valid: { date: { format: "%Y-%m-%d", from: 1901-01-01, to: 2006-12-31 } }
//! valid: { fresh: email }                            # new at each use: email, id, member_code, guid
//! valid: { object: { accountHolder: { regex: "[A-Z][a-z]{2,8}" }, iban: { regex: "GB[0-9]{20}" } } }
//! valid: { array: { items: { one_of: [...] }, min: 1, max: 3, unique_by: QuestionID } }
//! valid: { any_of: [ { one_of: [null] }, { object: {...} } ] }
//! valid: { from: { request: GET /v1/tiers, path: "$[*].name", fallback: { one_of: ["${tier}"] } } }
//! ```
//!
//! `from` takes the values from an answer of the server, asked once per run
//! (`super::discover`); until then it stands for its fallback.
//!
//! Strings in `one_of` are templates, as everywhere in case files: `"${tier}"`
//! is the suite variable. Strings a regex or a date produces are plain text.

use chrono::NaiveDate;
use indexmap::IndexMap;
use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Union};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use super::regex_bound;
use crate::case::template::{Generator, JsonTemplate, Part, Template};

/// The syntax of a value declaration.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ValueDoc {
    OneOf(Vec<Value>),
    Regex(String),
    Integer { min: i64, max: i64 },
    Date(DateDoc),
    Fresh(String),
    Object(IndexMap<String, ValueDoc>),
    Array(ArrayDoc),
    AnyOf(Vec<ValueDoc>),
    From(FromDoc),
}

/// Values the server lists: the JSON values `path` selects in the answer to
/// `request`, asked once per run.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FromDoc {
    /// `GET /path`: a read, so that asking changes nothing. The path is a
    /// template of suite variables, after the suite's `base_path`.
    pub request: String,
    /// An RFC 9535 JSONPath selecting the values, e.g. `$[*].name`.
    pub path: String,
    /// What is generated instead when the answer lists one value only
    /// (nothing to change a field between), with a note in the result.
    #[serde(default)]
    pub fallback: Option<Box<ValueDoc>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DateDoc {
    /// A chrono `strftime` format, e.g. `%m/%d/%Y`.
    pub format: String,
    /// First and last date, as YYYY-MM-DD.
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArrayDoc {
    pub items: Box<ValueDoc>,
    #[serde(default)]
    pub min: usize,
    pub max: usize,
    /// Items are objects, and no two share this key's value.
    #[serde(default)]
    pub unique_by: Option<String>,
}

/// A validated value declaration.
#[derive(Debug, Clone)]
pub enum ValueSpec {
    /// Declared JSON values; their strings are templates (`"${tier}"`).
    OneOf(Vec<JsonTemplate>),
    Regex(String),
    Integer {
        min: i64,
        max: i64,
    },
    Date {
        format: String,
        from: NaiveDate,
        to: NaiveDate,
    },
    Fresh(Generator),
    Object(Vec<(String, ValueSpec)>),
    Array {
        items: Box<ValueSpec>,
        min: usize,
        max: usize,
        unique_by: Option<String>,
    },
    AnyOf(Vec<ValueSpec>),
    /// Values an answer of the server lists; replaced by a `OneOf` of them
    /// before anything is generated (`super::discover`).
    From(Box<Discover>),
}

/// A validated `from`: the request to send and where its values are.
#[derive(Debug, Clone)]
pub struct Discover {
    /// The request as declared (`GET /v1/tiers`), for messages.
    pub request: String,
    pub path: Template,
    /// The JSONPath as declared, and compiled.
    pub select: String,
    pub compiled: serde_json_path::JsonPath,
    pub fallback: Option<ValueSpec>,
    /// Where the declaration is; set by `spec` once it is known.
    pub pos: Option<crate::case::Pos>,
}

/// A generated value. Kept apart from JSON so that text a regex produced
/// (which is no template) and values that must be new at every run (which
/// are) stay what they are until a case file is written.
#[derive(Debug, Clone, PartialEq)]
pub enum Gen {
    /// A declared JSON value; its strings are templates.
    Json(JsonTemplate),
    /// Generated text, sent as is.
    Text(String),
    /// `${fresh.NAME}`: a value new at each run.
    Fresh(Generator),
    Object(Vec<(String, Gen)>),
    Array(Vec<Gen>),
}

/// Why a declaration cannot be used, with the place inside it (`object.iban`).
pub type SpecError = String;

impl ValueDoc {
    /// Checks the declaration; `known` says whether a template variable exists.
    pub fn validate(&self, known: &dyn Fn(&str) -> bool) -> Result<ValueSpec, SpecError> {
        self.validate_at("", known)
    }

    fn validate_at(&self, at: &str, known: &dyn Fn(&str) -> bool) -> Result<ValueSpec, SpecError> {
        let here = |what: &str| {
            if at.is_empty() {
                what.to_string()
            } else {
                format!("{at}: {what}")
            }
        };
        match self {
            ValueDoc::OneOf(values) => {
                if values.is_empty() {
                    return Err(here("`one_of` is empty: nothing to choose from"));
                }
                let mut parsed = Vec::with_capacity(values.len());
                for value in values {
                    check_templates(value, known).map_err(|e| here(&e))?;
                    parsed.push(JsonTemplate::parse(value).map_err(|e| here(&e.error.message))?);
                }
                Ok(ValueSpec::OneOf(parsed))
            }
            ValueDoc::Regex(source) => {
                if source.starts_with('^') || source.ends_with('$') {
                    return Err(here(&format!(
                        "regex `{source}`: leave out `^` and `$`: a generated string is the whole match"
                    )));
                }
                regex_bound::check(source).map_err(|e| here(&e.to_string()))?;
                if let Err(e) = proptest::string::string_regex(source) {
                    return Err(here(&format!(
                        "regex `{source}` cannot generate strings: {e}"
                    )));
                }
                Ok(ValueSpec::Regex(source.clone()))
            }
            ValueDoc::Integer { min, max } => {
                if min > max {
                    return Err(here(&format!("integer: min {min} is above max {max}")));
                }
                Ok(ValueSpec::Integer {
                    min: *min,
                    max: *max,
                })
            }
            ValueDoc::Date(date) => {
                let day = |text: &str| {
                    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
                        here(&format!("date: `{text}` is not a date written YYYY-MM-DD"))
                    })
                };
                let (from, to) = (day(&date.from)?, day(&date.to)?);
                if from > to {
                    return Err(here(&format!(
                        "date: from {} is after to {}",
                        date.from, date.to
                    )));
                }
                check_date_format(&date.format, from).map_err(|e| here(&e))?;
                Ok(ValueSpec::Date {
                    format: date.format.clone(),
                    from,
                    to,
                })
            }
            ValueDoc::Fresh(name) => Generator::ALL
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, g)| ValueSpec::Fresh(*g))
                .ok_or_else(|| {
                    let names: Vec<&str> = Generator::ALL.iter().map(|(n, _)| *n).collect();
                    here(&format!(
                        "fresh: unknown generator `{name}` (one of {})",
                        names.join(", ")
                    ))
                }),
            ValueDoc::Object(entries) => {
                let mut out = Vec::new();
                for (key, doc) in entries {
                    let at = if at.is_empty() {
                        format!("object.{key}")
                    } else {
                        format!("{at}.{key}")
                    };
                    out.push((key.clone(), doc.validate_at(&at, known)?));
                }
                Ok(ValueSpec::Object(out))
            }
            ValueDoc::Array(array) => {
                if array.max < array.min.max(1) {
                    return Err(here(&format!(
                        "array: max {} must be at least min {} and at least 1",
                        array.max, array.min
                    )));
                }
                let items = array.items.validate_at(&here("array.items"), known)?;
                if let Some(key) = &array.unique_by
                    && !items.always_has_key(key)
                {
                    return Err(here(&format!(
                        "array: unique_by `{key}` needs items that are objects with that key"
                    )));
                }
                Ok(ValueSpec::Array {
                    items: Box::new(items),
                    min: array.min,
                    max: array.max,
                    unique_by: array.unique_by.clone(),
                })
            }
            ValueDoc::AnyOf(docs) => {
                if docs.is_empty() {
                    return Err(here("`any_of` is empty: nothing to choose from"));
                }
                let mut out = Vec::new();
                for (i, doc) in docs.iter().enumerate() {
                    out.push(doc.validate_at(&here(&format!("any_of[{i}]")), known)?);
                }
                Ok(ValueSpec::AnyOf(out))
            }
            ValueDoc::From(from) => discover_spec(from, known).map_err(|e| here(&e)),
        }
    }
}

/// Checks a `from`: a GET of a path whose variables are the suite's, a
/// JSONPath that parses, and a fallback that is itself no `from`.
fn discover_spec(from: &FromDoc, known: &dyn Fn(&str) -> bool) -> Result<ValueSpec, String> {
    let request = from.request.trim();
    let (method, path) = request.split_once(char::is_whitespace).ok_or_else(|| {
        format!("from: request `{request}`: write the method and the path, e.g. `GET /v1/tiers`")
    })?;
    let path = path.trim();
    if !method.eq_ignore_ascii_case("GET") {
        return Err(format!(
            "from: request `{request}`: only a GET is sent to discover values (it must change nothing)"
        ));
    }
    if !path.starts_with('/') {
        return Err(format!(
            "from: request `{request}`: the path must start with `/`"
        ));
    }
    let template = Template::parse(path).map_err(|e| format!("from: request `{request}`: {e}"))?;
    for part in template.parts() {
        match part {
            Part::Variable(name) if !known(name) => {
                return Err(format!(
                    "from: request `{request}`: unknown variable `${{{name}}}` (only suite variables have a value before the properties run)"
                ));
            }
            Part::Fresh(_) => {
                return Err(format!(
                    "from: request `{request}`: a `${{fresh.*}}` would ask a new path at each run"
                ));
            }
            _ => {}
        }
    }
    let compiled = serde_json_path::JsonPath::parse(&from.path)
        .map_err(|e| format!("from: path `{}` is not a JSONPath: {e}", from.path))?;
    let fallback = match &from.fallback {
        None => None,
        Some(doc) if doc.has_from() => {
            return Err("from: fallback: a fallback cannot itself come from the server".into());
        }
        Some(doc) => Some(doc.validate_at("from.fallback", known)?),
    };
    Ok(ValueSpec::From(Box::new(Discover {
        request: format!("GET {path}"),
        path: template,
        select: from.path.clone(),
        compiled,
        fallback,
        pos: None,
    })))
}

impl ValueDoc {
    fn has_from(&self) -> bool {
        match self {
            ValueDoc::From(_) => true,
            ValueDoc::Object(entries) => entries.values().any(ValueDoc::has_from),
            ValueDoc::Array(array) => array.items.has_from(),
            ValueDoc::AnyOf(docs) => docs.iter().any(ValueDoc::has_from),
            _ => false,
        }
    }
}

/// Strings in declared JSON are templates; a `${fresh.*}` among them would
/// differ between the request and the check of its echo.
fn check_templates(value: &Value, known: &dyn Fn(&str) -> bool) -> Result<(), String> {
    match value {
        Value::String(text) => {
            let template = Template::parse(text).map_err(|e| format!("`{text}`: {e}"))?;
            for part in template.parts() {
                match part {
                    Part::Variable(name) if !known(name) => {
                        return Err(format!("`{text}`: unknown variable `${{{name}}}`"));
                    }
                    Part::Fresh(g) => {
                        return Err(format!(
                            "`{text}`: write `{{ fresh: {} }}` instead of a `${{fresh.{}}}` inside one_of",
                            g.name(),
                            g.name()
                        ));
                    }
                    _ => {}
                }
            }
            Ok(())
        }
        Value::Array(items) => items.iter().try_for_each(|v| check_templates(v, known)),
        Value::Object(map) => map.values().try_for_each(|v| check_templates(v, known)),
        _ => Ok(()),
    }
}

/// A format must print every date (chrono refuses to print with a bad one)
/// and read back what it printed (the `date` read-back parses sent values).
fn check_date_format(format: &str, sample: NaiveDate) -> Result<(), String> {
    let printed = printed(format, sample).map_err(|e| format!("date: {e}"))?;
    match NaiveDate::parse_from_str(&printed, format) {
        Ok(back) if back == sample => Ok(()),
        _ => Err(format!(
            "date: format `{format}` does not name a whole date (it printed `{printed}`, which does not read back as {sample})"
        )),
    }
}

/// Whether chrono can print a date with `format`.
pub fn check_printable(format: &str) -> Result<(), String> {
    printed(format, NaiveDate::default()).map(|_| ())
}

/// `date` in `format`, or why chrono cannot print it: a format it does
/// not parse, or one asking for what a date does not have (`%H`, `%z`).
/// `to_string` would panic on either (chrono's `Display` fails and it
/// unwraps that).
fn printed(format: &str, date: NaiveDate) -> Result<String, String> {
    use chrono::format::{Item, StrftimeItems};
    use std::fmt::Write;
    let mut out = String::new();
    if StrftimeItems::new(format).any(|item| matches!(item, Item::Error))
        || write!(out, "{}", date.format(format)).is_err()
    {
        return Err(format!(
            "`{format}` is not a strftime format that prints a date (no time or time zone fields)"
        ));
    }
    Ok(out)
}

pub fn format_date(date: NaiveDate, format: &str) -> String {
    date.format(format).to_string()
}

impl ValueSpec {
    /// Shrinking goes towards the first value of a `one_of`, the first
    /// alternative of an `any_of`, `min`, the `from` date, shorter strings
    /// and shorter arrays.
    pub fn strategy(&self) -> BoxedStrategy<Gen> {
        match self {
            ValueSpec::OneOf(values) => proptest::sample::select(values.clone())
                .prop_map(Gen::Json)
                .boxed(),
            ValueSpec::Regex(source) => proptest::string::string_regex(source)
                .expect("checked when the declaration was loaded")
                .prop_map(Gen::Text)
                .boxed(),
            ValueSpec::Integer { min, max } => (*min..=*max)
                .prop_map(|n| Gen::Json(JsonTemplate::Plain(Value::from(n))))
                .boxed(),
            ValueSpec::Date { format, from, to } => {
                let (from, format) = (*from, format.clone());
                let days = (*to - from).num_days();
                (0..=days)
                    .prop_map(move |d| {
                        Gen::Text(format_date(from + chrono::Duration::days(d), &format))
                    })
                    .boxed()
            }
            ValueSpec::Fresh(generator) => Just(Gen::Fresh(*generator)).boxed(),
            ValueSpec::Object(entries) => {
                let keys: Vec<String> = entries.iter().map(|(k, _)| k.clone()).collect();
                let values: Vec<BoxedStrategy<Gen>> =
                    entries.iter().map(|(_, spec)| spec.strategy()).collect();
                values
                    .prop_map(move |values| Gen::Object(keys.iter().cloned().zip(values).collect()))
                    .boxed()
            }
            ValueSpec::Array {
                items,
                min,
                max,
                unique_by,
            } => {
                let unique_by = unique_by.clone();
                proptest::collection::vec(items.strategy(), *min..=*max)
                    .prop_map(move |items| {
                        Gen::Array(match &unique_by {
                            Some(key) => first_by_key(items, key),
                            None => items,
                        })
                    })
                    .boxed()
            }
            ValueSpec::AnyOf(specs) => Union::new(specs.iter().map(ValueSpec::strategy)).boxed(),
            ValueSpec::From(from) => match &from.fallback {
                Some(fallback) => fallback.strategy(),
                None => Just(from.stand_in()).boxed(),
            },
        }
    }

    /// The value this declaration generates first, without randomness: what
    /// a declaration is checked with when it is loaded.
    pub fn simplest(&self) -> Gen {
        match self {
            ValueSpec::OneOf(values) => Gen::Json(values[0].clone()),
            ValueSpec::Regex(source) => {
                use proptest::strategy::ValueTree;
                use proptest::test_runner::TestRunner;
                let strategy = proptest::string::string_regex(source)
                    .expect("checked when the declaration was loaded");
                let mut tree = strategy
                    .new_tree(&mut TestRunner::deterministic())
                    .expect("a regex strategy always generates");
                while tree.simplify() {}
                Gen::Text(tree.current())
            }
            ValueSpec::Integer { min, .. } => Gen::Json(JsonTemplate::Plain(Value::from(*min))),
            ValueSpec::Date { format, from, .. } => Gen::Text(format_date(*from, format)),
            ValueSpec::Fresh(g) => Gen::Fresh(*g),
            ValueSpec::Object(entries) => Gen::Object(
                entries
                    .iter()
                    .map(|(k, s)| (k.clone(), s.simplest()))
                    .collect(),
            ),
            ValueSpec::Array { items, min, .. } => {
                Gen::Array((0..(*min).max(1)).map(|_| items.simplest()).collect())
            }
            ValueSpec::AnyOf(specs) => specs[0].simplest(),
            ValueSpec::From(from) => match &from.fallback {
                Some(fallback) => fallback.simplest(),
                None => from.stand_in(),
            },
        }
    }

    /// Every `from` inside, outermost first.
    pub fn discoveries(&self) -> Vec<&Discover> {
        match self {
            ValueSpec::From(from) => vec![from],
            ValueSpec::Object(entries) => {
                entries.iter().flat_map(|(_, s)| s.discoveries()).collect()
            }
            ValueSpec::Array { items, .. } => items.discoveries(),
            ValueSpec::AnyOf(specs) => specs.iter().flat_map(ValueSpec::discoveries).collect(),
            _ => Vec::new(),
        }
    }

    /// Replaces each `from` inside by what `resolve` makes of it.
    pub fn replace_discovered(&mut self, resolve: &mut dyn FnMut(&Discover) -> ValueSpec) {
        match self {
            ValueSpec::From(from) => *self = resolve(from),
            ValueSpec::Object(entries) => entries
                .iter_mut()
                .for_each(|(_, s)| s.replace_discovered(resolve)),
            ValueSpec::Array { items, .. } => items.replace_discovered(resolve),
            ValueSpec::AnyOf(specs) => specs.iter_mut().for_each(|s| s.replace_discovered(resolve)),
            _ => {}
        }
    }

    /// Says where each `from` inside is declared.
    pub fn locate_discoveries(&mut self, pos: &crate::case::Pos) {
        match self {
            ValueSpec::From(from) => from.pos = Some(pos.clone()),
            ValueSpec::Object(entries) => entries
                .iter_mut()
                .for_each(|(_, s)| s.locate_discoveries(pos)),
            ValueSpec::Array { items, .. } => items.locate_discoveries(pos),
            ValueSpec::AnyOf(specs) => specs.iter_mut().for_each(|s| s.locate_discoveries(pos)),
            _ => {}
        }
    }

    /// Whether every value generated is an object holding `key`.
    pub fn always_has_key(&self, key: &str) -> bool {
        match self {
            ValueSpec::Object(entries) => entries.iter().any(|(k, _)| k == key),
            ValueSpec::OneOf(values) => values.iter().all(|v| v.get(key).is_some()),
            ValueSpec::AnyOf(specs) => specs.iter().all(|s| s.always_has_key(key)),
            // What the server lists is not known when this is asked.
            _ => false,
        }
    }

    /// The format of a `date` declaration.
    pub fn date_format(&self) -> Option<&str> {
        match self {
            ValueSpec::Date { format, .. } => Some(format),
            _ => None,
        }
    }
}

impl Discover {
    /// What stands for the values before they are asked, when no fallback
    /// is declared: only the checks made when the file is read see it.
    fn stand_in(&self) -> Gen {
        Gen::Text(format!("(a value from {})", self.request))
    }

    /// Where it is declared, as `file:line:column`.
    pub fn place(&self) -> String {
        self.pos
            .as_ref()
            .map(|p| p.to_string())
            .unwrap_or_else(|| "properties.yaml".into())
    }
}

/// Keeps the first item for each value of `key`.
fn first_by_key(items: Vec<Gen>, key: &str) -> Vec<Gen> {
    let mut seen: Vec<Gen> = Vec::new();
    items
        .into_iter()
        .filter(|item| match item.key(key) {
            Some(value) if seen.contains(&value) => false,
            Some(value) => {
                seen.push(value);
                true
            }
            None => true,
        })
        .collect()
}

impl Gen {
    /// The value under `key` of an object.
    fn key(&self, key: &str) -> Option<Gen> {
        match self {
            Gen::Object(entries) => entries
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone()),
            Gen::Json(json) => json.get(key).cloned().map(Gen::Json),
            _ => None,
        }
    }

    /// The value as a case holds it: a JSON template in which generated
    /// text is literal, and a fresh value is `${NAME}` of the case variable
    /// that `fresh` binds to its generator.
    pub fn to_template(&self, fresh: &mut dyn FnMut(Generator) -> String) -> JsonTemplate {
        match self {
            Gen::Json(value) => value.clone(),
            Gen::Text(text) => JsonTemplate::String(Template::literal(text.clone())),
            Gen::Fresh(generator) => JsonTemplate::String(Template::variable(fresh(*generator))),
            Gen::Object(entries) => JsonTemplate::object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_template(fresh))),
            ),
            Gen::Array(items) => {
                JsonTemplate::Array(items.iter().map(|v| v.to_template(fresh)).collect())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    fn spec(yaml: &str) -> Result<ValueSpec, String> {
        let doc: ValueDoc = serde_saphyr::from_str(yaml).map_err(|e| e.to_string())?;
        doc.validate(&|name| name == "tier")
    }

    fn sample(spec: &ValueSpec, n: usize) -> Vec<Gen> {
        let mut runner = TestRunner::deterministic();
        let strategy = spec.strategy();
        (0..n)
            .map(|_| strategy.new_tree(&mut runner).unwrap().current())
            .collect()
    }

    #[test]
    fn dates_stay_within_their_bounds_and_format() {
        let s = spec("date: { format: '%m/%d/%Y', from: 1901-01-01, to: 1901-12-31 }").unwrap();
        for g in sample(&s, 200) {
            let Gen::Text(text) = g else { panic!("{g:?}") };
            let d = NaiveDate::parse_from_str(&text, "%m/%d/%Y").unwrap();
            assert_eq!(chrono::Datelike::year(&d), 1901, "{text}");
        }
        assert_eq!(s.simplest(), Gen::Text("01/01/1901".into()));
    }

    #[test]
    fn bad_declarations_say_where_and_why() {
        let e = spec("date: { format: '%Y', from: 1901-01-01, to: 1902-01-01 }").unwrap_err();
        assert!(e.contains("does not name a whole date"), "{e}");
        for format in ["%Q", "%Y-%m-%d %H:%M", "%Y-%m-%d%z"] {
            let e = spec(&format!(
                "date: {{ format: '{format}', from: 1901-01-01, to: 1902-01-01 }}"
            ))
            .unwrap_err();
            assert!(
                e.contains("is not a strftime format that prints a date"),
                "{format}: {e}"
            );
        }
        let e = spec("object: { a: { regex: '^x$' } }").unwrap_err();
        assert!(e.starts_with("object.a: regex"), "{e}");
        let e = spec("one_of: ['${nope}']").unwrap_err();
        assert!(e.contains("unknown variable `${nope}`"), "{e}");
        let e = spec("one_of: ['${fresh.email}']").unwrap_err();
        assert!(e.contains("{ fresh: email }"), "{e}");
        assert!(spec("one_of: ['${tier}']").is_ok());
        let e = spec("fresh: phone").unwrap_err();
        assert!(e.contains("member_code"), "{e}");
        let e = spec("array: { items: { one_of: [1] }, max: 2, unique_by: id }").unwrap_err();
        assert!(e.contains("unique_by"), "{e}");
        assert!(spec("regex: '[a-z'").is_err());
        assert!(spec("integer: { min: 3, max: 1 }").is_err());
    }

    #[test]
    fn from_is_a_get_of_suite_variables_and_a_jsonpath() {
        let s = spec("from: { request: ' get  /v1/tiers ', path: '$[*].name' }").unwrap();
        let ValueSpec::From(from) = &s else {
            panic!("{s:?}")
        };
        assert_eq!(from.request, "GET /v1/tiers");
        assert!(from.fallback.is_none());
        // Before the server is asked, only the checks at load time see it.
        assert_eq!(
            s.simplest(),
            Gen::Text("(a value from GET /v1/tiers)".into())
        );
        let s =
            spec("from: { request: 'GET /t/${tier}', path: $, fallback: { one_of: ['${tier}'] } }")
                .unwrap();
        assert_eq!(s.discoveries().len(), 1);
        assert!(matches!(s.simplest(), Gen::Json(_)));
        for (yaml, expected) in [
            (
                "from: { request: /v1/tiers, path: $ }",
                "write the method and the path",
            ),
            (
                "from: { request: DELETE /v1/tiers, path: $ }",
                "only a GET is sent",
            ),
            (
                "from: { request: GET v1/tiers, path: $ }",
                "must start with `/`",
            ),
            (
                "from: { request: 'GET /t/${id}', path: $ }",
                "unknown variable `${id}`",
            ),
            (
                "from: { request: 'GET /t/${fresh.id}', path: $ }",
                "a `${fresh.*}`",
            ),
            (
                "from: { request: GET /t, path: 'name' }",
                "is not a JSONPath",
            ),
            (
                "from: { request: GET /t, path: $, fallback: { any_of: [{ from: { request: GET /u, path: $ } }] } }",
                "cannot itself come from the server",
            ),
            (
                "from: { request: GET /t, path: $, fallback: { regex: '^a' } }",
                "from.fallback: regex",
            ),
        ] {
            let e = spec(yaml).unwrap_err();
            assert!(e.contains(expected), "{yaml}: {e}");
        }
        assert!(
            spec("from: { request: GET /t }").is_err(),
            "the path is required"
        );
    }

    #[test]
    fn discovered_values_replace_each_from_wherever_it_is() {
        let mut s = spec(
            "any_of: [{ one_of: [null] }, { object: { t: { from: { request: GET /t, path: '$[*]' } } } }]",
        )
        .unwrap();
        assert_eq!(s.discoveries().len(), 1);
        s.replace_discovered(&mut |_| {
            ValueSpec::OneOf(vec![JsonTemplate::literal(&Value::from("${x}"))])
        });
        assert!(s.discoveries().is_empty());
        // A listed value is sent as it is, never read as a template.
        let Gen::Object(entries) = sample(&s, 40)
            .into_iter()
            .find(|g| matches!(g, Gen::Object(_)))
            .unwrap()
        else {
            panic!()
        };
        let mut no_fresh = |_| unreachable!();
        assert_eq!(
            entries[0].1.to_template(&mut no_fresh).to_value(),
            Value::from("$${x}")
        );
    }

    #[test]
    fn arrays_keep_one_item_per_unique_key() {
        let s = spec(
            "array: { items: { object: { q: { one_of: [1, 2] }, a: { integer: { min: 1, max: 9 } } } }, min: 1, max: 4, unique_by: q }",
        )
        .unwrap();
        for g in sample(&s, 200) {
            let Gen::Array(items) = g else { panic!() };
            assert!(!items.is_empty() && items.len() <= 2, "{items:?}");
            let keys: Vec<_> = items
                .iter()
                .map(|i| match i {
                    Gen::Object(e) => e[0].1.clone(),
                    _ => panic!(),
                })
                .collect();
            assert!(keys.len() < 2 || keys[0] != keys[1], "{keys:?}");
        }
    }

    #[test]
    fn generated_text_is_escaped_and_fresh_values_become_variables() {
        let g = Gen::Object(vec![
            ("a".into(), Gen::Text("x${y}".into())),
            ("b".into(), Gen::Fresh(Generator::Email)),
            (
                "c".into(),
                Gen::Json(JsonTemplate::parse(&Value::String("${tier}".into())).unwrap()),
            ),
        ]);
        let mut n = 0;
        let json = g.to_template(&mut |_| {
            n += 1;
            format!("v{n}")
        });
        // As a case file writes it: generated text escaped, the rest templates.
        assert_eq!(
            json.to_value(),
            serde_json::json!({"a": "x$${y}", "b": "${v1}", "c": "${tier}"})
        );
    }
}
