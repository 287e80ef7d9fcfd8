//! A request as a `curl` command a person can paste, built only from the
//! masked request summary: a secret shows as `***`, never as itself.

use crate::run::result::{CaseResult, RequestSummary};

/// Quotes for a POSIX shell.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// `curl -i -X METHOD 'url' -H '...' --data-raw '...'`, one option a line.
pub fn command(request: &RequestSummary) -> String {
    let mut parts = vec!["curl -sS -i".to_string()];
    if request.method != "GET" || request.body.is_some() {
        parts.push(format!("-X {}", request.method));
    }
    parts.push(quote(&request.url));
    for (name, value) in &request.headers {
        parts.push(format!("-H {}", quote(&format!("{name}: {value}"))));
    }
    if let Some(body) = &request.body {
        parts.push(format!("--data-raw {}", quote(body)));
    }
    parts.join(" \\\n  ")
}

/// The case's requests that were sent, in order, each as `# step `NAME``
/// and its command: what replays the case.
pub fn reproduce(case: &CaseResult) -> Vec<String> {
    case.steps
        .iter()
        .filter(|s| !s.request.url.is_empty())
        .map(|s| format!("# step `{}`\n{}", s.name, command(&s.request)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_survive_and_get_needs_no_method() {
        let request = RequestSummary {
            method: "GET".into(),
            url: "http://h/a?b=c&d='e'".into(),
            headers: vec![("x-api-key".into(), "***".into())],
            body: None,
        };
        assert_eq!(
            command(&request),
            "curl -sS -i \\\n  'http://h/a?b=c&d='\\''e'\\''' \\\n  -H 'x-api-key: ***'"
        );
    }

    #[test]
    fn a_body_goes_as_data_raw() {
        let request = RequestSummary {
            method: "PATCH".into(),
            url: "http://h/v1/members/m".into(),
            headers: vec![("content-type".into(), "application/json".into())],
            body: Some(r#"{"firstName":"O'Neil"}"#.into()),
        };
        let c = command(&request);
        assert!(
            c.starts_with("curl -sS -i \\\n  -X PATCH \\\n  'http://h/v1/members/m'"),
            "{c}"
        );
        assert!(
            c.ends_with(r#"--data-raw '{"firstName":"O'\''Neil"}'"#),
            "{c}"
        );
    }
}
