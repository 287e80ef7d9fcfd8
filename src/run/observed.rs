//! What a run saw of a suite's documented operations: for each operation of
//! its registry (`statements.yaml`), the statuses its answers had. Every
//! exchange of the run is recorded, generated ones included, so that a
//! coverage report can say which documented statuses were never seen.
//! `schema-coverage` also notes the schema constraints its requests
//! exercised ([`Observed::constraint`]); a suite without it has none, and
//! the report says "none recorded".

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::case::Method;
use crate::case::statements::Registry;

/// The operations of a registry, ready to match requests against, and the
/// statuses seen for each.
#[derive(Debug)]
pub struct Observed {
    operations: Vec<OperationMatch>,
    /// Per operation, each status seen and how many answers had it.
    seen: Mutex<BTreeMap<String, BTreeMap<u16, u64>>>,
    /// Per schema constraint id, the first value that exercised it.
    constraints: Mutex<BTreeMap<String, String>>,
}

#[derive(Debug)]
struct OperationMatch {
    id: String,
    method: Method,
    /// `None` stands for a path parameter (`{id}`).
    segments: Vec<Option<String>>,
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.trim_matches('/').split('/').filter(|s| !s.is_empty())
}

impl Observed {
    pub fn of(registry: &Registry) -> Observed {
        let operations = registry
            .operations
            .iter()
            .map(|(id, op)| OperationMatch {
                id: id.clone(),
                method: op.method,
                segments: segments(&op.path)
                    .map(|s| (!(s.starts_with('{') && s.ends_with('}'))).then(|| s.to_string()))
                    .collect(),
            })
            .collect();
        Observed {
            operations,
            seen: Mutex::new(BTreeMap::new()),
            constraints: Mutex::new(BTreeMap::new()),
        }
    }

    /// The documented operation a request is, if any: its method, and its
    /// path (after the suite's `base_path`) segment by segment.
    pub fn operation(&self, method: Method, path: &str) -> Option<&str> {
        let path = path.split(['?', '#']).next().unwrap_or_default();
        self.operations
            .iter()
            .find(|op| {
                op.method == method && {
                    let mut given = segments(path);
                    op.segments.iter().all(|want| match (want, given.next()) {
                        (_, None) => false,
                        (None, Some(_)) => true,
                        (Some(want), Some(seg)) => want == seg,
                    }) && given.next().is_none()
                }
            })
            .map(|op| op.id.as_str())
    }

    /// Notes the status an answer to a request had.
    pub fn record(&self, method: Method, path: &str, status: u16) {
        if let Some(id) = self.operation(method, path)
            && let Ok(mut seen) = self.seen.lock()
        {
            // Most answers repeat an operation already seen: no allocation then.
            match seen.get_mut(id) {
                Some(statuses) => *statuses.entry(status).or_default() += 1,
                None => {
                    seen.insert(id.to_string(), BTreeMap::from([(status, 1)]));
                }
            }
        }
    }

    /// How many answers had each status, per operation.
    pub fn counts(&self) -> BTreeMap<String, BTreeMap<u16, u64>> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Notes that a request exercised a schema constraint (`id`, as the
    /// property names it), keeping the first value that did: the hook for a
    /// schema-derived property to fill.
    pub fn constraint(&self, id: &str, first_value: &str) {
        if let Ok(mut c) = self.constraints.lock()
            && !c.contains_key(id)
        {
            c.insert(id.to_string(), first_value.to_string());
        }
    }

    /// The schema constraints exercised, each with its first value.
    pub fn constraints(&self) -> BTreeMap<String, String> {
        self.constraints
            .lock()
            .map(|c| c.clone())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observed(ops: &[(&str, Method, &str)]) -> Observed {
        Observed {
            operations: ops
                .iter()
                .map(|(id, method, path)| OperationMatch {
                    id: id.to_string(),
                    method: *method,
                    segments: segments(path)
                        .map(|s| (!s.starts_with('{')).then(|| s.to_string()))
                        .collect(),
                })
                .collect(),
            seen: Mutex::new(BTreeMap::new()),
            constraints: Mutex::new(BTreeMap::new()),
        }
    }

    #[test]
    fn requests_match_their_operation_by_method_and_path() {
        let o = observed(&[
            ("search", Method::Get, "/v1/members"),
            ("get", Method::Get, "/v1/members/{id}"),
            ("update", Method::Patch, "/v1/members/{id}"),
            ("respondent", Method::Get, "/Respondent/"),
        ]);
        assert_eq!(o.operation(Method::Get, "/v1/members"), Some("search"));
        assert_eq!(o.operation(Method::Get, "/v1/members/mem_1"), Some("get"));
        assert_eq!(
            o.operation(Method::Patch, "/v1/members/mem_1"),
            Some("update")
        );
        assert_eq!(o.operation(Method::Delete, "/v1/members/mem_1"), None);
        assert_eq!(o.operation(Method::Get, "/v1/members/mem_1/x"), None);
        assert_eq!(o.operation(Method::Get, "/Respondent"), Some("respondent"));
        assert_eq!(
            o.operation(Method::Get, "/Respondent/?memberCode=1"),
            Some("respondent")
        );
        o.record(Method::Get, "/v1/members/a", 200);
        o.record(Method::Get, "/v1/members/b", 404);
        o.record(Method::Get, "/v1/members/c", 200);
        o.record(Method::Post, "/nowhere", 500);
        assert_eq!(
            o.counts(),
            BTreeMap::from([("get".to_string(), BTreeMap::from([(200, 2), (404, 1)]))])
        );
        assert!(o.constraints().is_empty());
        o.constraint("name.maxLength", "\"aaaa\"");
        o.constraint("name.maxLength", "\"bbbb\"");
        assert_eq!(o.constraints()["name.maxLength"], "\"aaaa\"");
    }
}
