//! Constraints of a request-body JSON schema, each with values that break
//! it and only it, and boundary values that satisfy it: the generator the
//! `schema-coverage` property (issue 12) is to draw from.
//!
//! A derived invalid value is only worth sending if it breaks exactly one
//! constraint, and a valid one only if the whole field accepts it, so every
//! derived value is checked here against the field's own schema (with the
//! `jsonschema` crate, formats asserted) rather than trusted.
//!
//! Markers the suites' schemas may carry (all ignored by JSON Schema):
//! - `x-verity-open: true`: the docs leave the property open; nothing is
//!   derived from it. `x-verity-open: [names]`: breaking those rules is open
//!   (the names are [`Kind::name`]s, or `case` for enum values in another
//!   letter case), so no invalid value comes from them; values that satisfy
//!   them still do (a bound that may or may not hold is met at the bound).
//! - `x-verity-no-value`: the value the docs give for "no value" (Toluna's
//!   IDs take 0), derived as a valid value.
//! - `x-verity-irreversible: true`: a valid value may end the resource
//!   (Toluna's PII regulation), so only invalid values are derived.
//! - `x-verity-key: true`: the property names the resource ([`keys`]); the
//!   walk derives its values as for any other, the caller decides how a
//!   request that changes it is answered.

use regex::Regex;
use serde_json::{Map, Number, Value, json};

/// What kind of rule a constraint is, for the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Type,
    Enum,
    Pattern,
    Required,
    AdditionalProperties,
    Nullable,
    Branches,
    MinLength,
    MaxLength,
    Minimum,
    Maximum,
    ExclusiveMinimum,
    ExclusiveMaximum,
    Format,
    /// The value the docs give for "no value" (`x-verity-no-value`).
    NoValue,
    /// A key that needs others beside it (`dependentRequired`): its values
    /// are whole objects, set at the object's pointer.
    DependentRequired,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Type => "type",
            Kind::Enum => "enum",
            Kind::Pattern => "pattern",
            Kind::Required => "required",
            Kind::AdditionalProperties => "additionalProperties",
            Kind::Nullable => "nullable",
            Kind::Branches => "anyOf",
            Kind::MinLength => "minLength",
            Kind::MaxLength => "maxLength",
            Kind::Minimum => "minimum",
            Kind::Maximum => "maximum",
            Kind::ExclusiveMinimum => "exclusiveMinimum",
            Kind::ExclusiveMaximum => "exclusiveMaximum",
            Kind::Format => "format",
            Kind::NoValue => "x-verity-no-value",
            Kind::DependentRequired => "dependentRequired",
        }
    }
}

/// One constraint at a JSON pointer into the body (`/gender`; `/accountDetails[1]/iban`
/// in the second branch of a union; `/AnsweredQuestions/0/AnswerID` in an
/// array's items, set in the first item of the array's sample).
#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    pub pointer: String,
    pub kind: Kind,
    /// Values that break this constraint, each named by how it breaks it.
    pub invalid: Vec<(String, Value)>,
    /// Values that satisfy it at its edges (each enum value, each branch).
    pub valid: Vec<Value>,
}

/// Whether a schema marked the property as one the docs leave open
/// (`x-verity-open: true`), so that no value is derived from it.
fn open(schema: &Value) -> bool {
    schema.get("x-verity-open").and_then(Value::as_bool) == Some(true)
}

/// Whether breaking the rule `name` is open (`x-verity-open: [name, ...]`).
fn open_to(schema: &Value, name: &str) -> bool {
    schema
        .get("x-verity-open")
        .and_then(Value::as_array)
        .is_some_and(|names| names.iter().any(|n| n.as_str() == Some(name)))
}

fn flag(schema: &Value, name: &str) -> bool {
    schema.get(name).and_then(Value::as_bool) == Some(true)
}

/// The properties marked `x-verity-key` (the ones that name the resource, as
/// Toluna's PartnerGUID and MemberCode do): a request that changes one
/// addresses another resource.
pub fn keys(schema: &Value) -> Vec<String> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(_, s)| flag(s, "x-verity-key"))
        .map(|(k, _)| k.clone())
        .collect()
}

/// A single `anyOf`/`oneOf` wrapper around one schema says nothing beyond
/// that schema (OpenAPI generators write `nullable` this way), so it is
/// looked through; `nullable` on either level counts.
pub(super) fn unwrap(schema: &Value) -> (&Value, bool) {
    let mut nullable = flag(schema, "nullable");
    let mut s = schema;
    while let Some(branches) = branches(s) {
        if branches.len() != 1 {
            break;
        }
        s = &branches[0];
        nullable |= flag(s, "nullable");
    }
    nullable |= types(s).contains(&"null");
    (s, nullable)
}

pub(super) fn branches(schema: &Value) -> Option<&Vec<Value>> {
    schema
        .get("anyOf")
        .or_else(|| schema.get("oneOf"))
        .and_then(Value::as_array)
}

/// The JSON types a schema names, whether `type` is one name or a list.
fn types(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Every constraint of an object body schema, outermost first.
pub fn walk(schema: &Value) -> Vec<Constraint> {
    let mut out = Vec::new();
    object(schema, "", &mut out);
    out
}

fn object(schema: &Value, pointer: &str, out: &mut Vec<Constraint>) {
    let props = schema.get("properties").and_then(Value::as_object);
    if let Some(required) = schema.get("required").and_then(Value::as_array) {
        let invalid = required
            .iter()
            .filter_map(Value::as_str)
            .map(|k| (format!("without {k}"), Value::String(k.to_owned())))
            .collect();
        out.push(Constraint {
            pointer: pointer.to_owned(),
            kind: Kind::Required,
            invalid,
            valid: Vec::new(),
        });
    }
    if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
        out.push(Constraint {
            pointer: pointer.to_owned(),
            kind: Kind::AdditionalProperties,
            invalid: vec![("an unknown key".into(), json!({ "verityUnknownKey": "x" }))],
            valid: Vec::new(),
        });
    }
    if let Some(c) = dependent_required(schema, pointer) {
        out.push(c);
    }
    for (key, sub) in props.into_iter().flatten() {
        field(sub, &format!("{pointer}/{key}"), out);
    }
}

/// `dependentRequired` (Toluna: "AnswerValue must always be accompanied by
/// an AnswerID"): the object's sample with the key and without each key it
/// needs, and with all of them.
fn dependent_required(schema: &Value, pointer: &str) -> Option<Constraint> {
    let rules = schema.get("dependentRequired")?.as_object()?;
    let props = schema.get("properties").and_then(Value::as_object);
    let Some(Value::Object(base)) = sample(schema) else {
        return None;
    };
    let check = Check::new(schema);
    let value_of = |k: &str| props.and_then(|p| p.get(k)).and_then(sample);
    let (mut invalid, mut valid) = (Vec::new(), Vec::new());
    for (key, needs) in rules {
        let needs: Vec<&str> = needs.as_array()?.iter().filter_map(Value::as_str).collect();
        let mut all = base.clone();
        all.insert(key.clone(), value_of(key)?);
        for need in &needs {
            all.insert((*need).to_owned(), value_of(need)?);
        }
        for need in &needs {
            let mut without = all.clone();
            without.remove(*need);
            let without = Value::Object(without);
            if check.breaks_only(&without, &["dependentRequired"]) {
                invalid.push((format!("{key} without {need}"), without));
            }
        }
        let all = Value::Object(all);
        if check.accepts(&all) {
            valid.push(all);
        }
    }
    (!invalid.is_empty() || !valid.is_empty()).then(|| Constraint {
        pointer: pointer.to_owned(),
        kind: Kind::DependentRequired,
        invalid,
        valid,
    })
}

fn field(schema: &Value, pointer: &str, out: &mut Vec<Constraint>) {
    let (s, nullable) = unwrap(schema);
    if open(schema) || open(s) {
        return;
    }
    // Markers may sit on the wrapper or on the schema it wraps.
    let opens = |name: &str| open_to(schema, name) || open_to(s, name);
    let irreversible = flag(schema, "x-verity-irreversible") || flag(s, "x-verity-irreversible");
    let check = Check::new(s);
    let mut push = |kind: Kind, mut invalid: Vec<(String, Value)>, mut valid: Vec<Value>| {
        if opens(kind.name()) {
            invalid.clear();
        }
        if irreversible {
            valid.clear();
        }
        // A sample meets the rule it stands for, not always the field's others.
        valid.retain(|v| check.accepts(v));
        if !invalid.is_empty() || !valid.is_empty() {
            out.push(Constraint {
                pointer: pointer.to_owned(),
                kind,
                invalid,
                valid,
            });
        }
    };
    if let Some(bs) = branches(s) {
        let objects = bs.iter().filter(|b| b.get("properties").is_some()).count();
        let valid: Vec<Value> = bs.iter().filter_map(sample).collect();
        let mut invalid = Vec::new();
        // One branch's keys mixed with another's: with closed branches no
        // branch accepts the union.
        if objects >= 2
            && bs
                .iter()
                .all(|b| b.get("additionalProperties") == Some(&Value::Bool(false)))
        {
            let mut mixed = Map::new();
            for b in bs {
                if let Some(Value::Object(m)) = sample(b) {
                    mixed.extend(m);
                }
            }
            invalid.push(("branches mixed".into(), Value::Object(mixed)));
        }
        if !nullable && !opens(Kind::Nullable.name()) {
            invalid.push(("null".into(), Value::Null));
        }
        push(Kind::Branches, invalid, valid);
        for (i, b) in bs.iter().enumerate() {
            object(b, &format!("{pointer}[{i}]"), out);
        }
        return;
    }
    let ty = types(s);
    if !ty.is_empty() {
        // `type:number` in x-verity-open: that one other type is a reading
        // the docs leave open (a .NET binder turns 1 into "1").
        let invalid = others(&ty)
            .into_iter()
            .filter(|(n, _)| !opens(&format!("type:{n}")))
            .map(|(n, v)| (format!("a {n}"), v))
            .collect();
        push(Kind::Type, invalid, sample(s).into_iter().collect());
    }
    if !nullable {
        push(
            Kind::Nullable,
            vec![("null".into(), Value::Null)],
            Vec::new(),
        );
    }
    if let Some(values) = s.get("enum").and_then(Value::as_array) {
        let invalid = enum_near_misses(values, opens("case"))
            .into_iter()
            .filter(|(_, v)| check.breaks_only(v, &["enum"]))
            .collect();
        push(Kind::Enum, invalid, values.clone());
    }
    let example = s.get("example").and_then(Value::as_str).map(str::to_owned);
    if let Some(p) = s.get("pattern").and_then(Value::as_str)
        && let Ok(re) = Regex::new(p)
        && let Some(example) = example
            .clone()
            .or_else(|| format_base(s).filter(|b| check.accepts(&json!(b))))
        && re.is_match(&example)
    {
        // A pattern and a format often state one shape twice (Onsi's email):
        // breaking one may break the other, never anything else.
        let invalid = near_misses(&example)
            .into_iter()
            .filter(|(_, m)| !re.is_match(m) && check.breaks_only(&json!(m), SHAPE))
            .map(|(n, m)| (n, Value::String(m)))
            .collect();
        push(Kind::Pattern, invalid, vec![Value::String(example)]);
    }
    if let Some(format) = s.get("format").and_then(Value::as_str)
        && let Some(base) = example
            .clone()
            .filter(|e| check.accepts(&json!(e)))
            .or_else(|| format_base(s).filter(|b| check.accepts(&json!(b))))
    {
        let format_only = json!({ "type": "string", "format": format });
        let alone = Check::new(&format_only);
        let invalid: Vec<(String, Value)> = format_near_misses(format, &base)
            .into_iter()
            .map(|(n, m)| (n, Value::String(m)))
            .filter(|(_, m)| !alone.accepts(m) && check.breaks_only(m, SHAPE))
            .collect();
        // A format this walk cannot break yields no constraint at all.
        if !invalid.is_empty() {
            push(Kind::Format, invalid, vec![Value::String(base)]);
        }
    }
    lengths(s, &check, &mut push);
    bounds(s, &check, &mut push);
    if let Some(none) = s.get("x-verity-no-value")
        && check.accepts(none)
    {
        push(Kind::NoValue, Vec::new(), vec![none.clone()]);
    }
    if ty.contains(&"array")
        && let Some(items) = s.get("items").filter(|i| i.is_object())
    {
        field(items, &format!("{pointer}/0"), out);
    }
    if ty.contains(&"object") {
        object(s, pointer, out);
    }
}

/// The keywords that state a string's shape.
const SHAPE: &[&str] = &["pattern", "format"];

/// A field's schema, to check derived values against: all of it, and
/// without the keywords a derived value is meant to break.
struct Check<'a> {
    schema: &'a Value,
}

impl<'a> Check<'a> {
    fn new(schema: &'a Value) -> Self {
        Check { schema }
    }

    fn accepts(&self, value: &Value) -> bool {
        accepts(self.schema, &[], value)
    }

    /// Whether `value` breaks the field's schema but meets it once the
    /// keywords `rule` are taken out: it breaks that rule and no other.
    fn breaks_only(&self, value: &Value, rule: &[&str]) -> bool {
        !accepts(self.schema, &[], value) && accepts(self.schema, rule, value)
    }
}

/// Whether `schema` less the keywords `without` accepts `value`. A schema
/// the validator cannot compile accepts nothing, so that no value is derived
/// from a rule that cannot be checked.
fn accepts(schema: &Value, without: &[&str], value: &Value) -> bool {
    let Value::Object(map) = schema else {
        return false;
    };
    let mut map = map.clone();
    for keyword in without {
        map.remove(*keyword);
    }
    // OpenAPI 3.0 writes exclusive bounds as flags beside the bound.
    for (flag_key, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(Value::Bool(exclusive)) = map.get(flag_key).cloned() {
            map.remove(flag_key);
            if let Some(b) = map.remove(bound).filter(|_| exclusive) {
                map.insert(flag_key.into(), b);
            }
        }
    }
    map.remove("nullable");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&Value::Object(map))
        .is_ok_and(|v| v.is_valid(value))
}

fn enum_near_misses(values: &[Value], case_open: bool) -> Vec<(String, Value)> {
    let names: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
    let mut invalid: Vec<(String, Value)> = Vec::new();
    for v in &names {
        let near = [
            ("lower case", v.to_lowercase()),
            ("upper case", v.to_uppercase()),
            ("first letter swapped in case", swap_first(v)),
            (
                "last letter dropped",
                v[..v.len() - v.chars().last().map_or(0, char::len_utf8)].to_owned(),
            ),
        ];
        for (how, n) in near {
            let listed = names
                .iter()
                .any(|l| *l == n || (case_open && l.to_lowercase() == n.to_lowercase()));
            if !listed && !invalid.iter().any(|(_, x)| x.as_str() == Some(n.as_str())) {
                invalid.push((format!("{v}, {how}"), Value::String(n)));
            }
        }
    }
    invalid
}

/// The longest string derived: a schema's bound past it is left alone
/// rather than met with a body of that size.
const LONGEST: usize = 1 << 16;

/// `minLength`/`maxLength`: one character short of the least, one past the
/// most; valid at exactly each.
fn lengths(
    s: &Value,
    check: &Check,
    push: &mut impl FnMut(Kind, Vec<(String, Value)>, Vec<Value>),
) {
    let base = s
        .get("example")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_default();
    let keyword = |k: &str| {
        s.get(k)
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
            .filter(|n| *n < LONGEST)
    };
    // The first string of `len` characters the check takes.
    let first = |len: usize, ok: &dyn Fn(&Value) -> bool| {
        of_length(&base, len)
            .into_iter()
            .map(Value::String)
            .find(|v| ok(v))
    };
    if let Some(min) = keyword("minLength") {
        let invalid = min
            .checked_sub(1)
            .and_then(|n| first(n, &|v| check.breaks_only(v, &["minLength"])))
            .map(|v| (format!("{} characters, one short", min - 1), v));
        let valid = first(min, &|v| check.accepts(v));
        push(
            Kind::MinLength,
            invalid.into_iter().collect(),
            valid.into_iter().collect(),
        );
    }
    if let Some(max) = keyword("maxLength") {
        let invalid = first(max + 1, &|v| check.breaks_only(v, &["maxLength"]))
            .map(|v| (format!("{} characters, one over", max + 1), v));
        let valid = first(max, &|v| check.accepts(v));
        push(
            Kind::MaxLength,
            invalid.into_iter().collect(),
            valid.into_iter().collect(),
        );
    }
}

/// Strings of `len` characters: the example cut or extended with its last
/// character, then runs of a letter and of a digit.
fn of_length(base: &str, len: usize) -> Vec<String> {
    let chars: Vec<char> = base.chars().collect();
    let mut out = Vec::new();
    if let Some(&last) = chars.last() {
        let mut s: String = chars.iter().take(len).collect();
        s.extend(std::iter::repeat_n(last, len.saturating_sub(chars.len())));
        out.push(s);
    }
    out.push("a".repeat(len));
    out.push("1".repeat(len));
    out
}

/// `minimum`/`maximum` and their exclusive forms: one past the bound on the
/// wrong side; valid at an inclusive bound, one inside an exclusive one.
fn bounds(s: &Value, check: &Check, push: &mut impl FnMut(Kind, Vec<(String, Value)>, Vec<Value>)) {
    let integer = types(s).contains(&"integer") && !types(s).contains(&"number");
    // OpenAPI 3.0: `exclusiveMinimum: true` makes `minimum` exclusive.
    let exclusive_flag = |k: &str| s.get(k).and_then(Value::as_bool) == Some(true);
    let rules = [
        (
            Kind::Minimum,
            "minimum",
            -1.0,
            exclusive_flag("exclusiveMinimum"),
        ),
        (
            Kind::Maximum,
            "maximum",
            1.0,
            exclusive_flag("exclusiveMaximum"),
        ),
        (Kind::ExclusiveMinimum, "exclusiveMinimum", -1.0, true),
        (Kind::ExclusiveMaximum, "exclusiveMaximum", 1.0, true),
    ];
    for (kind, keyword, outward, exclusive) in rules {
        let Some(bound) = s.get(keyword).filter(|b| b.is_number()) else {
            continue;
        };
        let kind = match (kind, exclusive) {
            (Kind::Minimum, true) => Kind::ExclusiveMinimum,
            (Kind::Maximum, true) => Kind::ExclusiveMaximum,
            (k, _) => k,
        };
        let rule: &[&str] = match kind {
            Kind::Minimum | Kind::ExclusiveMinimum => &["minimum", "exclusiveMinimum"],
            _ => &["maximum", "exclusiveMaximum"],
        };
        let step = |by: f64| offset(bound, by, integer);
        let (breaking, meeting) = if exclusive {
            (
                vec![Some(bound.clone()), step(outward)],
                vec![step(-outward), step(-outward / 2.0)],
            )
        } else {
            (vec![step(outward)], vec![Some(bound.clone())])
        };
        let invalid: Vec<(String, Value)> = breaking
            .into_iter()
            .flatten()
            .filter(|v| check.breaks_only(v, rule))
            .take(1)
            .map(|v| {
                let how = if v == *bound {
                    "the bound itself"
                } else if outward < 0.0 {
                    "one below"
                } else {
                    "one above"
                };
                (format!("{v}, {how}"), v)
            })
            .collect();
        let valid: Vec<Value> = meeting
            .into_iter()
            .flatten()
            .filter(|v| check.accepts(v))
            .take(1)
            .collect();
        push(kind, invalid, valid);
    }
}

/// `bound + by` (`by` is ±1 or ±0.5); where the field takes integers only,
/// an integer, and none for a half step.
fn offset(bound: &Value, by: f64, integer: bool) -> Option<Value> {
    if integer {
        let step = match by {
            1.0 => 1,
            -1.0 => -1,
            _ => return None,
        };
        return bound.as_i64()?.checked_add(step).map(Value::from);
    }
    Number::from_f64(bound.as_f64()? + by).map(Value::Number)
}

/// A value of the format when the schema gives no example.
fn format_base(s: &Value) -> Option<String> {
    let base = match s.get("format").and_then(Value::as_str)? {
        "email" => "ann@example.com",
        "date" => "1990-01-01",
        "date-time" => "1990-01-01T00:00:00Z",
        _ => return None,
    };
    Some(base.to_owned())
}

/// Strings that break a format near `base`, each in one way. The caller
/// keeps those the format check refuses.
fn format_near_misses(format: &str, base: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    match format {
        // What every reading of an email address refuses: not a space, which
        // .NET's EmailAddressAttribute lets through (Toluna's T-email).
        "email" => {
            if let Some((local, domain)) = base.rsplit_once('@') {
                out.push(("no @".into(), format!("{local}{domain}")));
                out.push(("two @".into(), format!("{local}@@{domain}")));
                out.push(("nothing before the @".into(), format!("@{domain}")));
                out.push(("nothing after the @".into(), format!("{local}@")));
            }
        }
        "date" | "date-time" => {
            if base.len() >= 10 && base.is_char_boundary(10) {
                let (year, rest) = (&base[..4], &base[10..]);
                out.push(("month 13".into(), format!("{year}-13-01{rest}")));
                out.push(("day 32".into(), format!("{year}-01-32{rest}")));
                out.push(("February 30".into(), format!("{year}-02-30{rest}")));
            }
            if format == "date-time" && base.len() > 13 && base.is_char_boundary(13) {
                out.push((
                    "hour 25".into(),
                    format!("{}25{}", &base[..11], &base[13..]),
                ));
            }
        }
        _ => {}
    }
    out
}

fn swap_first(v: &str) -> String {
    let mut c = v.chars();
    match c.next() {
        Some(f) if f.is_uppercase() => f.to_lowercase().chain(c).collect(),
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A value of every JSON type but those of `ty`.
fn others(ty: &[&str]) -> Vec<(&'static str, Value)> {
    [
        // Text no binder reads as a number or a boolean: a .NET service
        // takes "1" for an integer, which the docs neither allow nor refuse.
        ("string", json!("one")),
        ("number", json!(1)),
        ("boolean", json!(true)),
        ("array", json!([])),
        ("object", json!({})),
    ]
    .into_iter()
    // An integer type takes the number 1 as well.
    .filter(|(n, _)| !(ty.contains(n) || (*n == "number" && ty.contains(&"integer"))))
    .collect()
}

/// A value a schema accepts: its example, or its first enum value, or the
/// simplest of its type; an object gets its required keys, an array one item.
pub(super) fn sample(schema: &Value) -> Option<Value> {
    let (s, _) = unwrap(schema);
    if let Some(e) = s.get("example") {
        return Some(e.clone());
    }
    if let Some(v) = s
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|v| v.first())
    {
        return Some(v.clone());
    }
    let least = |k: &str| s.get(k).and_then(Value::as_i64);
    match *types(s).first()? {
        "string" => Some(Value::String(format_base(s).unwrap_or_else(|| {
            let len = least("minLength").and_then(|n| usize::try_from(n).ok());
            "a".repeat(len.unwrap_or(1).clamp(1, LONGEST))
        }))),
        "integer" | "number" => Some(json!(
            least("minimum")
                .or_else(|| least("exclusiveMinimum").map(|n| n.saturating_add(1)))
                .unwrap_or(0)
        )),
        "boolean" => Some(json!(true)),
        "array" => Some(Value::Array(
            s.get("items").and_then(sample).into_iter().collect(),
        )),
        "object" => {
            let props = s.get("properties").and_then(Value::as_object)?;
            let mut m = Map::new();
            for k in s
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let k = k.as_str()?;
                m.insert(k.to_owned(), sample(props.get(k)?)?);
            }
            Some(Value::Object(m))
        }
        _ => None,
    }
}

/// Strings that nearly match the shape of `example`: each run of digits or
/// letters one shorter, one longer, and with its class swapped; each
/// separator changed. The caller keeps those the pattern refuses.
fn near_misses(example: &str) -> Vec<(String, String)> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let chars: Vec<char> = example.chars().collect();
    let class = |c: char| {
        if c.is_ascii_digit() {
            1
        } else if c.is_alphabetic() {
            2
        } else {
            0
        }
    };
    let mut i = 0;
    while i < chars.len() {
        let k = class(chars[i]);
        let mut j = i + 1;
        while j < chars.len() && k != 0 && class(chars[j]) == k {
            j += 1;
        }
        runs.push((i, j));
        i = j;
    }
    let mut out = Vec::new();
    let splice = |a: usize, b: usize, with: &str| {
        let mut s: String = chars[..a].iter().collect();
        s.push_str(with);
        s.extend(&chars[b..]);
        s
    };
    for (n, &(a, b)) in runs.iter().enumerate() {
        match class(chars[a]) {
            0 => {
                let other = if chars[a] == '-' { "/" } else { "-" };
                out.push((format!("separator {} changed", n + 1), splice(a, b, other)));
            }
            k => {
                if b - a > 1 {
                    out.push((format!("part {} one shorter", n + 1), splice(a, a + 1, "")));
                }
                let last = chars[b - 1].to_string();
                out.push((format!("part {} one longer", n + 1), splice(b, b, &last)));
                let swapped = if k == 1 {
                    "x".repeat(b - a)
                } else {
                    "1".repeat(b - a)
                };
                out.push((
                    format!("part {} class swapped", n + 1),
                    splice(a, b, &swapped),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn onsi(method: &str) -> Value {
        let doc: Value = serde_json::from_str(include_str!(
            "../../cases/onsi/schemas/onsi-openapi-members.json"
        ))
        .unwrap();
        let path = if method == "post" {
            "/v1/members"
        } else {
            "/v1/members/{id}"
        };
        doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"].clone()
    }

    fn find<'a>(cs: &'a [Constraint], pointer: &str, kind: Kind) -> &'a Constraint {
        cs.iter()
            .find(|c| c.pointer == pointer && c.kind == kind)
            .unwrap_or_else(|| panic!("no {} at {pointer}", kind.name()))
    }

    #[test]
    fn dob_near_misses_include_one_digit_month_and_day_and_all_break_the_pattern() {
        let re = Regex::new(r"^\d{4}-\d{2}-\d{2}$").unwrap();
        for m in ["post", "patch", "put"] {
            let cs = walk(&onsi(m));
            let c = find(&cs, "/dob", Kind::Pattern);
            let values: Vec<&str> = c.invalid.iter().filter_map(|(_, v)| v.as_str()).collect();
            assert!(values.contains(&"1990-1-01"), "{values:?}");
            assert!(values.contains(&"1990-01-1"), "{values:?}");
            assert!(values.contains(&"1990/01-01"), "{values:?}");
            assert!(values.iter().all(|v| !re.is_match(v)));
            assert_eq!(c.valid, vec![json!("1990-01-01")]);
        }
    }

    #[test]
    fn gender_enum_gets_case_changes_and_near_neighbours_never_a_listed_value() {
        let cs = walk(&onsi("put"));
        let c = find(&cs, "/gender", Kind::Enum);
        let values: Vec<&str> = c.invalid.iter().filter_map(|(_, v)| v.as_str()).collect();
        for v in ["female", "MALE", "nonBinary", "Femal"] {
            assert!(values.contains(&v), "{v} missing from {values:?}");
        }
        for listed in ["Female", "Male", "NonBinary"] {
            assert!(!values.contains(&listed));
        }
        assert_eq!(c.valid.len(), 3);
        // gender is nullable through its one-branch anyOf: no null as invalid.
        assert!(
            !cs.iter()
                .any(|c| c.pointer == "/gender" && c.kind == Kind::Nullable)
        );
    }

    #[test]
    fn required_unknown_key_and_mixed_branches_come_from_the_post_body() {
        let cs = walk(&onsi("post"));
        let r = find(&cs, "", Kind::Required);
        let keys: Vec<&str> = r.invalid.iter().filter_map(|(_, v)| v.as_str()).collect();
        assert_eq!(keys, ["email", "firstName", "lastName", "tier"]);
        find(&cs, "", Kind::AdditionalProperties);
        let b = find(&cs, "/accountDetails", Kind::Branches);
        let (_, mixed) = &b.invalid[0];
        assert!(mixed.get("sortCode").is_some() && mixed.get("iban").is_some());
        assert_eq!(b.valid.len(), 2);
        // Each branch's own rules are walked too.
        find(&cs, "/accountDetails[0]", Kind::Required);
        find(&cs, "/accountDetails[1]", Kind::AdditionalProperties);
        // The PATCH body requires nothing.
        assert!(
            !walk(&onsi("patch"))
                .iter()
                .any(|c| c.kind == Kind::Required && c.pointer.is_empty())
        );
    }

    #[test]
    fn a_rule_marked_open_yields_nothing() {
        let s = json!({ "type": "object", "properties": {
            "year": { "type": "integer", "x-verity-open": true },
            "name": { "type": "string" } } });
        let cs = walk(&s);
        assert!(cs.iter().all(|c| !c.pointer.starts_with("/year")));
        find(&cs, "/name", Kind::Type);
    }

    // ---- every derived value, against the whole body's schema ----------------

    fn toluna(op: &str) -> Value {
        let text = match op {
            "add" => include_str!("../../cases/toluna/schemas/request-add.json"),
            _ => include_str!("../../cases/toluna/schemas/request-update.json"),
        };
        serde_json::from_str(text).unwrap()
    }

    /// The body schema as the suites compile it, but with formats asserted:
    /// a derived email near miss must be refused by a real email check.
    fn validator(schema: &Value) -> jsonschema::Validator {
        let mut s = schema.clone();
        crate::case::schema::openapi_to_json_schema(&mut s);
        jsonschema::options()
            .should_validate_formats(true)
            .build(&s)
            .unwrap()
    }

    enum Seg<'a> {
        Key(&'a str, Option<usize>),
        Item,
    }

    fn segments(pointer: &str) -> Vec<Seg<'_>> {
        pointer
            .split('/')
            .skip(1)
            .map(|s| {
                if s.chars().all(|c| c.is_ascii_digit()) {
                    Seg::Item
                } else if let Some((k, i)) = s.split_once('[') {
                    Seg::Key(k, i.trim_end_matches(']').parse().ok())
                } else {
                    Seg::Key(s, None)
                }
            })
            .collect()
    }

    /// The body's sample with the value at `pointer` changed by `edit`, as
    /// the schema-coverage property is to send it: parents missing from the
    /// sample get their own samples, `name[i]` takes branch i's.
    fn edited(root: &Value, pointer: &str, edit: impl FnOnce(&mut Value)) -> Value {
        let mut body = sample(root).unwrap();
        let mut schema = root;
        let mut here = &mut body;
        for seg in segments(pointer) {
            match seg {
                Seg::Key(k, branch) => {
                    let mut sub = &unwrap(schema).0["properties"][k];
                    if let Some(i) = branch {
                        sub = &branches(unwrap(sub).0).unwrap()[i];
                    }
                    let map = here.as_object_mut().unwrap();
                    if branch.is_some() || !map.contains_key(k) {
                        map.insert(k.to_owned(), sample(sub).unwrap_or(Value::Null));
                    }
                    schema = sub;
                    here = map.get_mut(k).unwrap();
                }
                Seg::Item => {
                    let items = &unwrap(schema).0["items"];
                    let list = here.as_array_mut().unwrap();
                    if list.is_empty() {
                        list.push(sample(items).unwrap());
                    }
                    schema = items;
                    here = &mut list[0];
                }
            }
        }
        edit(here);
        body
    }

    /// The keywords a value derived for `kind` may break.
    fn keywords(kind: Kind) -> &'static [&'static str] {
        match kind {
            // A value of another type breaks an enum of the type as well.
            Kind::Type | Kind::Nullable => &["type", "enum"],
            Kind::Enum => &["enum"],
            Kind::Pattern | Kind::Format => &["pattern", "format"],
            Kind::Required => &["required"],
            Kind::AdditionalProperties => &["additionalProperties"],
            Kind::Branches => &["anyOf", "oneOf"],
            Kind::MinLength => &["minLength"],
            Kind::MaxLength => &["maxLength"],
            Kind::Minimum => &["minimum"],
            Kind::Maximum => &["maximum"],
            Kind::ExclusiveMinimum => &["exclusiveMinimum"],
            Kind::ExclusiveMaximum => &["exclusiveMaximum"],
            Kind::NoValue => &[],
            // jsonschema reports it as a missing required key.
            Kind::DependentRequired => &["dependentRequired", "required"],
        }
    }

    /// Each valid value, set in an otherwise valid body, is accepted; each
    /// invalid one is refused, for its own rule and at its own field only
    /// (or by the `anyOf` around it: a union reports one error for all).
    fn assert_derived_values_hold(name: &str, root: &Value) -> usize {
        let v = validator(root);
        let mut checked = 0;
        for c in walk(root) {
            let path: String = segments(&c.pointer)
                .iter()
                .map(|s| match s {
                    Seg::Key(k, _) => format!("/{k}"),
                    Seg::Item => "/0".into(),
                })
                .collect();
            for value in &c.valid {
                let body = edited(root, &c.pointer, |at| *at = value.clone());
                let errors: Vec<String> = v.iter_errors(&body).map(|e| e.to_string()).collect();
                assert!(
                    errors.is_empty(),
                    "{name}: valid {value} for {} at {} is refused: {errors:?}",
                    c.kind.name(),
                    c.pointer
                );
                checked += 1;
            }
            for (how, value) in &c.invalid {
                let body = edited(root, &c.pointer, |at| match c.kind {
                    Kind::Required => {
                        at.as_object_mut().unwrap().remove(value.as_str().unwrap());
                    }
                    Kind::AdditionalProperties => {
                        at.as_object_mut()
                            .unwrap()
                            .extend(value.as_object().unwrap().clone());
                    }
                    _ => *at = value.clone(),
                });
                let errors: Vec<_> = v.iter_errors(&body).collect();
                assert!(
                    !errors.is_empty(),
                    "{name}: invalid {value} ({how}) for {} at {} is accepted",
                    c.kind.name(),
                    c.pointer
                );
                for e in &errors {
                    let keyword = e.kind().keyword();
                    let at = e.instance_path().to_string();
                    let around = ["anyOf", "oneOf"].contains(&keyword) && path.starts_with(&at);
                    let own = keywords(c.kind).contains(&keyword) && at == path;
                    assert!(
                        around || own,
                        "{name}: invalid {value} ({how}) for {} at {} also breaks `{keyword}` at {at}: {e}",
                        c.kind.name(),
                        c.pointer
                    );
                }
                checked += 1;
            }
        }
        checked
    }

    #[test]
    fn every_derived_value_of_every_body_is_valid_or_breaks_its_one_rule() {
        for m in ["post", "patch", "put"] {
            assert!(assert_derived_values_hold(&format!("onsi {m}"), &onsi(m)) > 50);
        }
        for op in ["add", "update"] {
            assert!(assert_derived_values_hold(&format!("toluna {op}"), &toluna(op)) > 50);
        }
    }

    // ---- the Toluna schemas against the docs and the case files --------------

    const GUID: &str = "93A6D55C-D4E7-49FC-8D68-671165ADE463";

    /// Request bodies the Toluna pages and Postman collection show, as
    /// (route, body). The pages' placeholder `XXXXXXXX-XXXX-...` and
    /// Postman's `{{panelGUID}}` stand for a GUID and are replaced by the
    /// docs' own; the open-ended example's `"AnswerValue" = "New York"` is not
    /// JSON and is sent as it plainly means (T-example-open-ended).
    const DOC_BODIES: &[(&str, &str)] = &[
        (
            "add",
            r#"{"PartnerGUID": "G", "MemberCode": "AUniquePartnerCode", "BirthDate": "6/21/1992", "PostalCode": "15235",
            "AnsweredQuestions": [{"QuestionID":1001007,"AnswerID":2000247}, {"QuestionID":1001101,"AnswerID":2002275},
            {"QuestionID":1001107,"AnswerID":2002330}, {"QuestionID":1001012,"AnswerID":2000270}, {"QuestionID":1005145,"AnswerID":2796316},
            {"QuestionID":1001102,"AnswerID":2002280}, {"QuestionID":1012395,"AnswerID":3056609}]}"#,
        ),
        (
            "add",
            r#"{"PartnerGUID": "G", "MemberCode": "AUniquePartnerCode", "BirthDate": "6/21/1992", "PostalCode": "15235",
            "RegistrationAnswers": [{"QuestionID":1012227, "Answers": [{"AnswerID":3055267}, {"AnswerID":3055271}]}]}"#,
        ),
        (
            "add",
            r#"{"PartnerGUID": "G", "MemberCode": "IP-V2-Test", "PostalCode": "", "BirthDate": "06/21/1985", "IsActive": true,
            "IsTest": false, "IsPIIDataRegulated": false, "AnsweredQuestions": [{"QuestionID": 1001007, "AnswerID": 2000247}]}"#,
        ),
        (
            "update",
            r#"{"PartnerGUID": "G", "MemberCode": "111", "IsActive": "false"}"#,
        ),
        (
            "update",
            r#"{"PartnerGUID": "G", "MemberCode": "111",
            "RegistrationAnswers": [{"QuestionID":1012227, "Answers": [{"AnswerID":3055267}, {"AnswerID":3055271}]}]}"#,
        ),
        (
            "update",
            r#"{"PartnerGUID": "G", "MemberCode": "111",
            "RegistrationAnswers": [{"QuestionID":1001032, "Answers": [{"AnswerID":2224508, "AnswerValue": "New York"}]}]}"#,
        ),
        (
            "update",
            r#"{"PartnerGUID": "G", "MemberCode": "111", "IsTest": "true"}"#,
        ),
        (
            "update",
            r#"{"PartnerGUID": "G", "MemberCode": "111", "AnsweredQuestions": [{"QuestionID":1001101,"AnswerID":2796531}]}"#,
        ),
        (
            "update",
            r#"{"PartnerGUID": "G", "MemberCode": "111", "IsPIIDataRegulated": true}"#,
        ),
        (
            "update",
            r#"{"PartnerGUID": "G", "MemberCode": "111", "Email": "test@test.com"}"#,
        ),
        (
            "update",
            r#"{"PartnerGUID": "G", "MemberCode": "IP-V2-Test",
            "AnsweredQuestions": [{"QuestionID": 1001101, "AnswerID": 3050770}, {"QuestionID": 1001107, "AnswerID": 2796394}]}"#,
        ),
        (
            "update",
            r#"{"PartnerGUID": "G", "MemberCode": "111", "Active": "false"}"#,
        ),
    ];

    fn with_guid(text: &str) -> Value {
        let mut body: Value = serde_json::from_str(text).unwrap();
        body["PartnerGUID"] = json!(GUID);
        body
    }

    #[test]
    fn every_request_body_of_the_toluna_docs_meets_its_schema() {
        for (op, text) in DOC_BODIES {
            let body = with_guid(text);
            let errors: Vec<String> = validator(&toluna(op))
                .iter_errors(&body)
                .map(|e| format!("{}: {e}", e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{op} {body}: {errors:?}");
        }
    }

    /// `${...}` in a case file's body, as a run would fill it in.
    fn filled(value: &mut Value) {
        match value {
            Value::String(s) if s.starts_with("${") => {
                *s = match s.as_str() {
                    "${partner_guid}" => GUID.into(),
                    "${fresh.guid}" => "0F8FAD5B-D9CB-469F-A165-70867728950E".into(),
                    "${code}" | "${fresh.member_code}" => "verity-code-1".into(),
                    "${fresh.email}" => "ann.lee@example.com".into(),
                    other => panic!("a case body holds {other}: say what it stands for here"),
                }
            }
            Value::Array(items) => items.iter_mut().for_each(filled),
            Value::Object(map) => map.values_mut().for_each(filled),
            _ => {}
        }
    }

    /// Every POST and PUT body of the Toluna case files: those the cases
    /// expect refused with 400 (and only 400) the schema refuses; every other
    /// (accepted, 404 and 409, and where the docs allow several answers)
    /// it accepts.
    #[test]
    fn toluna_case_bodies_meet_the_schema_exactly_when_the_cases_expect_them_accepted() {
        let files = [
            include_str!("../../cases/toluna/add.yaml"),
            include_str!("../../cases/toluna/update.yaml"),
            include_str!("../../cases/toluna/get.yaml"),
            include_str!("../../cases/toluna/pii.yaml"),
        ];
        let (add, update) = (validator(&toluna("add")), validator(&toluna("update")));
        let (mut accepted, mut refused) = (0, 0);
        for text in files {
            let doc: Value = serde_saphyr::from_str(text).unwrap();
            for case in doc["cases"].as_array().unwrap() {
                for step in case["steps"].as_array().into_iter().flatten() {
                    let request = &step["request"];
                    let v = match request["method"].as_str() {
                        Some("POST") => &add,
                        Some("PUT") => &update,
                        _ => continue,
                    };
                    let Some(body) = request.get("json") else {
                        continue;
                    };
                    let mut body = body.clone();
                    filled(&mut body);
                    let name = case["name"].as_str().unwrap_or_default();
                    if step["expect"]["status"] == json!(400) {
                        assert!(!v.is_valid(&body), "{name}: {body} expected refused");
                        refused += 1;
                    } else {
                        let errors: Vec<String> =
                            v.iter_errors(&body).map(|e| e.to_string()).collect();
                        assert!(errors.is_empty(), "{name}: {body}: {errors:?}");
                        accepted += 1;
                    }
                }
            }
        }
        assert!(
            accepted > 40 && refused > 10,
            "{accepted} accepted, {refused} refused"
        );
    }

    #[test]
    fn the_add_and_update_bodies_state_their_shared_properties_alike() {
        // Their stated differences: "0 = no value" is on the update page
        // alone, and v2-add's table does not list IsPIIDataRegulated (open
        // on add). Descriptions say so in their own words.
        fn rules(v: &Value) -> Value {
            match v {
                Value::Object(m) => Value::Object(
                    m.iter()
                        .filter(|(k, _)| !matches!(k.as_str(), "description" | "x-verity-no-value"))
                        .map(|(k, v)| (k.clone(), rules(v)))
                        .collect(),
                ),
                Value::Array(items) => Value::Array(items.iter().map(rules).collect()),
                other => other.clone(),
            }
        }
        let (add, update) = (toluna("add"), toluna("update"));
        for (key, schema) in add["properties"].as_object().unwrap() {
            let (mut a, mut u) = (rules(schema), rules(&update["properties"][key]));
            if key == "IsPIIDataRegulated" {
                assert_eq!(a["x-verity-open"], json!(true));
                a["x-verity-open"] = Value::Null;
                u["x-verity-open"] = Value::Null;
            }
            assert_eq!(a, u, "{key}");
        }
        assert_eq!(add["required"], update["required"]);
        assert!(walk(&toluna("add")).iter().all(|c| c.kind != Kind::NoValue));
        assert!(
            walk(&toluna("update"))
                .iter()
                .any(|c| c.kind == Kind::NoValue)
        );
    }

    // ---- the Toluna schemas' walk --------------------------------------------

    #[test]
    fn birthdate_spellings_are_open_and_its_example_is_met() {
        for op in ["add", "update"] {
            let cs = walk(&toluna(op));
            let c = find(&cs, "/BirthDate", Kind::Pattern);
            // Other spellings of a date (06-21-1985, 006/21/1985) are what
            // lenient parsers read: the schema marks breaking the pattern
            // open, so none is sent as invalid; the example is still met.
            assert!(c.invalid.is_empty(), "{:?}", c.invalid);
            assert_eq!(c.valid, vec![json!("06/21/1985")]);
        }
        // Where the pattern is not open, its near misses are derived, the
        // one-digit form the pattern admits left out.
        let schema = json!({ "type": "object", "properties": { "d": {
            "type": "string", "example": "06/21/1985",
            "pattern": "^(0?[1-9]|1[0-2])/(0?[1-9]|[12][0-9]|3[01])/[0-9]{4}$" } } });
        let cs = walk(&schema);
        let c = find(&cs, "/d", Kind::Pattern);
        let values: Vec<&str> = c.invalid.iter().filter_map(|(_, v)| v.as_str()).collect();
        for v in [
            "066/21/1985",
            "06/211/1985",
            "06/21/985",
            "xx/21/1985",
            "06-21/1985",
        ] {
            assert!(values.contains(&v), "{v} missing from {values:?}");
        }
        for open in ["6/21/1985", "06/1/1985"] {
            assert!(!values.contains(&open), "{open} in {values:?}");
        }
    }

    #[test]
    fn toluna_rules_the_docs_leave_open_yield_no_invalid_value() {
        let cs = walk(&toluna("update"));
        // Whether null is "not supplied" is not said, but a required key
        // cannot be both.
        let nullable: Vec<&str> = cs
            .iter()
            .filter(|c| c.kind == Kind::Nullable)
            .map(|c| c.pointer.as_str())
            .collect();
        assert_eq!(nullable, ["/MemberCode", "/PartnerGUID"]);
        // The string booleans in other letter cases are open; misspelt are not.
        for b in ["/IsActive", "/IsTest"] {
            let e = find(&cs, b, Kind::Enum);
            assert_eq!(invalid_values(e), [json!("tru"), json!("fals")]);
            assert_eq!(
                e.valid,
                [json!(true), json!(false), json!("true"), json!("false")]
            );
        }
        // A PostalCode was an int in older pages.
        let postal = find(&cs, "/PostalCode", Kind::Type);
        assert!(
            postal.invalid.iter().all(|(_, v)| !v.is_number()),
            "{:?}",
            postal.invalid
        );
        // Over 256 characters is open, 256 is valid under every reading.
        let code = find(&cs, "/MemberCode", Kind::MaxLength);
        assert!(code.invalid.is_empty());
        assert_eq!(code.valid[0].as_str().map(|s| s.chars().count()), Some(256));
        // Regulation cannot be undone: only refused values are derived.
        assert!(
            cs.iter()
                .filter(|c| c.pointer == "/IsPIIDataRegulated")
                .all(|c| c.valid.is_empty() && !c.invalid.is_empty())
        );
        assert_eq!(keys(&toluna("update")), ["MemberCode", "PartnerGUID"]);
    }

    #[test]
    fn toluna_email_near_misses_are_what_every_reading_refuses() {
        let cs = walk(&toluna("update"));
        let c = find(&cs, "/Email", Kind::Format);
        let values: Vec<&str> = c.invalid.iter().filter_map(|(_, v)| v.as_str()).collect();
        assert_eq!(
            values,
            ["testtest.com", "test@@test.com", "@test.com", "test@"]
        );
        assert_eq!(c.valid, [json!("test@test.com")]);
        // Refused by the crate the reference server checks with, too.
        assert!(
            values
                .iter()
                .all(|v| !email_address::EmailAddress::is_valid(v))
        );
    }

    #[test]
    fn the_ids_no_value_is_derived_as_valid() {
        let cs = walk(&toluna("update"));
        for id in [
            "/GenderID",
            "/EducationID",
            "/EthnicityID",
            "/RaceID",
            "/SubProvinceID",
            "/AnsweredQuestions/0/AnswerID",
        ] {
            let c = find(&cs, id, Kind::NoValue);
            assert_eq!(c.valid, [json!(0)]);
            assert!(c.invalid.is_empty());
        }
        // Nothing states what else those IDs may be.
        assert!(
            cs.iter()
                .all(|c| c.pointer != "/GenderID" || c.kind == Kind::NoValue)
        );
        // The item the AnswerID sits in is EducationID's question, as in the
        // update page's "Change Member EducationID".
        let body = edited(&toluna("update"), "/AnsweredQuestions/0/AnswerID", |at| {
            *at = json!(0)
        });
        assert_eq!(
            body["AnsweredQuestions"],
            json!([{ "QuestionID": 1001101, "AnswerID": 0 }])
        );
    }

    // ---- lengths, bounds and formats ------------------------------------------

    fn bounded() -> Value {
        json!({ "type": "object", "properties": {
            "code": { "type": "string", "minLength": 2, "maxLength": 4, "pattern": "^[a-z]+$", "example": "abc" },
            "count": { "type": "integer", "minimum": 1, "maximum": 10 },
            "ratio": { "type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1 },
            "limit": { "type": "integer", "maximum": 5, "x-verity-open": ["maximum"] },
            "day": { "type": "string", "format": "date" },
            "at": { "type": "string", "format": "date-time", "example": "2024-05-01T10:00:00Z" }
        } })
    }

    fn invalid_values(c: &Constraint) -> Vec<Value> {
        c.invalid.iter().map(|(_, v)| v.clone()).collect()
    }

    #[test]
    fn lengths_are_broken_by_one_character_and_met_at_each_end_within_the_pattern() {
        let cs = walk(&bounded());
        let min = find(&cs, "/code", Kind::MinLength);
        assert_eq!(
            (invalid_values(min), min.valid.clone()),
            (vec![json!("a")], vec![json!("ab")])
        );
        let max = find(&cs, "/code", Kind::MaxLength);
        assert_eq!(
            (invalid_values(max), max.valid.clone()),
            (vec![json!("abccc")], vec![json!("abcc")])
        );
        // "bc" and "abcc" are near misses of "abc" the pattern takes; the
        // one left breaks the pattern and keeps the length.
        assert_eq!(
            invalid_values(find(&cs, "/code", Kind::Pattern)),
            [json!("111")]
        );
        // No string of three characters meets a pattern of four digits.
        let digits = json!({ "type": "object", "properties": {
            "pin": { "type": "string", "pattern": "^[0-9]{4}$", "minLength": 4, "maxLength": 4, "example": "1234" } } });
        let cs = walk(&digits);
        let pin = find(&cs, "/pin", Kind::MinLength);
        assert!(pin.invalid.is_empty(), "{:?}", pin.invalid);
        assert_eq!(pin.valid, [json!("1234")]);
        // "123" and "12345" nearly match the pattern but break a length too.
        assert_eq!(
            invalid_values(find(&cs, "/pin", Kind::Pattern)),
            [json!("xxxx")]
        );
    }

    #[test]
    fn bounds_are_broken_one_past_and_met_at_or_inside_them() {
        let cs = walk(&bounded());
        let pairs = |pointer: &str, kind: Kind| {
            let c = find(&cs, pointer, kind);
            (invalid_values(c), c.valid.clone())
        };
        assert_eq!(
            pairs("/count", Kind::Minimum),
            (vec![json!(0)], vec![json!(1)])
        );
        assert_eq!(
            pairs("/count", Kind::Maximum),
            (vec![json!(11)], vec![json!(10)])
        );
        // One inside an exclusive bound would pass the other one: half way.
        assert_eq!(
            pairs("/ratio", Kind::ExclusiveMinimum),
            (vec![json!(0)], vec![json!(0.5)])
        );
        assert_eq!(
            pairs("/ratio", Kind::ExclusiveMaximum),
            (vec![json!(1)], vec![json!(0.5)])
        );
        // OpenAPI 3.0's flag form.
        let openapi = json!({ "type": "object", "properties": {
            "age": { "type": "integer", "minimum": 18, "exclusiveMinimum": true } } });
        let cs = walk(&openapi);
        let age = find(&cs, "/age", Kind::ExclusiveMinimum);
        assert_eq!(
            (invalid_values(age), age.valid.clone()),
            (vec![json!(18)], vec![json!(19)])
        );
        assert!(!cs.iter().any(|c| c.kind == Kind::Minimum));
        // An open bound is met, never broken.
        assert_eq!(pairs("/limit", Kind::Maximum), (vec![], vec![json!(5)]));
    }

    #[test]
    fn dates_get_impossible_months_days_and_hours() {
        let cs = walk(&bounded());
        let day = find(&cs, "/day", Kind::Format);
        assert_eq!(
            invalid_values(day),
            [
                json!("1990-13-01"),
                json!("1990-01-32"),
                json!("1990-02-30")
            ]
        );
        assert_eq!(day.valid, [json!("1990-01-01")]);
        let at = find(&cs, "/at", Kind::Format);
        assert!(
            invalid_values(at).contains(&json!("2024-05-01T25:00:00Z")),
            "{:?}",
            at.invalid
        );
        assert_eq!(at.valid, [json!("2024-05-01T10:00:00Z")]);
        assert!(assert_derived_values_hold("bounded", &bounded()) > 10);
    }

    #[test]
    fn four_digit_parts_lose_one_digit_when_one_shorter() {
        let cs = walk(&onsi("patch"));
        let values = invalid_values(find(&cs, "/dob", Kind::Pattern));
        assert!(values.contains(&json!("990-01-01")), "{values:?}");
        assert!(!values.contains(&json!("0-01-01")), "{values:?}");
    }

    #[test]
    fn extreme_bounds_derive_what_exists_without_panicking_or_filling_memory() {
        let s = json!({ "type": "object", "properties": {
            "long": { "type": "string", "minLength": u64::MAX, "maxLength": u64::MAX },
            "big": { "type": "integer", "maximum": i64::MAX },
            "low": { "type": "integer", "minimum": i64::MIN },
            "past": { "type": "integer", "exclusiveMinimum": i64::MAX },
            "huge": { "type": "number", "maximum": 1e308 } } });
        let cs = walk(&s);
        assert!(
            !cs.iter()
                .any(|c| matches!(c.kind, Kind::MinLength | Kind::MaxLength))
        );
        // One past i64's ends is no JSON integer here, and 1e308 + 1 is 1e308.
        for (pointer, kind, bound) in [
            ("/big", Kind::Maximum, json!(i64::MAX)),
            ("/low", Kind::Minimum, json!(i64::MIN)),
            ("/huge", Kind::Maximum, json!(1e308)),
        ] {
            let c = find(&cs, pointer, kind);
            assert_eq!((invalid_values(c), c.valid.clone()), (vec![], vec![bound]));
        }
        // Nothing is above i64::MAX: the bound itself is refused, no value met.
        let past = find(&cs, "/past", Kind::ExclusiveMinimum);
        assert_eq!(
            (invalid_values(past), past.valid.clone()),
            (vec![json!(i64::MAX)], vec![])
        );
    }

    #[test]
    fn an_answer_value_without_its_answer_id_is_derived_whole() {
        for op in ["add", "update"] {
            let cs = walk(&toluna(op));
            let c = find(
                &cs,
                "/RegistrationAnswers/0/Answers/0",
                Kind::DependentRequired,
            );
            assert_eq!(invalid_values(c), [json!({ "AnswerValue": "New York" })]);
            assert_eq!(
                c.valid,
                [json!({ "AnswerID": 3055267, "AnswerValue": "New York" })]
            );
        }
    }
}
