use super::{CheckKind, CheckResult, Scope, compile_pattern};
use crate::case::model::{HeaderExpect, HeaderMatcher};

pub fn check(
    expect: &HeaderExpect,
    headers: &[(String, String)],
    scope: &dyn Scope,
) -> CheckResult {
    let values: Vec<&str> = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(&expect.name))
        .map(|(_, v)| v.as_str())
        .collect();
    let actual = if values.is_empty() {
        "(absent)".to_string()
    } else {
        values.join(", ")
    };
    let subject = format!("header {}", expect.name);
    let (expected, passed) = match &expect.matcher {
        HeaderMatcher::Present => ("present".to_string(), !values.is_empty()),
        HeaderMatcher::Absent => ("absent".to_string(), values.is_empty()),
        HeaderMatcher::Equals(t) => {
            let want = scope.render(t);
            let passed = !values.is_empty() && values.join(", ") == want;
            (want, passed)
        }
        HeaderMatcher::Regex(pattern) => match compile_pattern(pattern, scope) {
            Ok(re) => (
                format!("matches /{}/", re.as_str()),
                !values.is_empty() && re.is_match(&values.join(", ")),
            ),
            Err(e) => {
                return CheckResult::new(
                    CheckKind::Header,
                    subject,
                    pattern.source.to_string(),
                    actual,
                    false,
                )
                .because(e)
                .from(&expect.origin);
            }
        },
    };
    CheckResult::new(CheckKind::Header, subject, expected, actual, passed).from(&expect.origin)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::template::Template;
    use crate::check::testing::{MapScope, pos};

    fn h(name: &str, m: HeaderMatcher) -> HeaderExpect {
        HeaderExpect {
            name: name.into(),
            matcher: m,
            origin: pos(),
        }
    }

    #[test]
    fn matchers() {
        let headers = vec![(
            "content-type".to_string(),
            "application/json; charset=utf-8".to_string(),
        )];
        let s = MapScope::default();
        assert!(check(&h("Content-Type", HeaderMatcher::Present), &headers, &s).passed);
        assert!(!check(&h("location", HeaderMatcher::Present), &headers, &s).passed);
        assert!(check(&h("location", HeaderMatcher::Absent), &headers, &s).passed);
        let re = crate::case::model::Pattern {
            source: Template::parse("^application/json").unwrap(),
            fixed: Some(regex::Regex::new("^application/json").unwrap()),
        };
        assert!(check(&h("content-type", HeaderMatcher::Regex(re)), &headers, &s).passed);
        let eq = HeaderMatcher::Equals(Template::parse("text/plain").unwrap());
        let r = check(&h("content-type", eq), &headers, &s);
        assert!(!r.passed);
        assert_eq!(r.actual, "application/json; charset=utf-8");
    }
}
