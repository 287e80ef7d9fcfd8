//! `GET /v1/members`: the query string, parsed by hand because repeated keys
//! carry the filter values, and the filtering itself.

use serde_json::{Value, json};

use super::Fault;
use super::body::Issue;
use super::member::{Member, Status};
use super::message::Problem;
use super::reply::Reply;
use crate::reference::Faults;

/// Filters AND together; the values of one filter OR together; an absent
/// filter matches everything.
#[derive(Debug, Default, PartialEq)]
pub struct Search {
    pub member_ids: Vec<String>,
    pub statuses: Vec<Status>,
    pub emails: Vec<String>,
    pub worker_ids: Vec<String>,
    pub skip: u64,
    pub take: u64,
}

pub fn parse(query: &str) -> Result<Search, Vec<Issue>> {
    let mut search = Search::default();
    let mut skip = Vec::new();
    let mut take = Vec::new();
    let mut issues = Vec::new();
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        // Reading: the docs write `memberIds[]=…`, while the OpenAPI array
        // parameters (form style, exploded) give `memberIds=…`; both work.
        match key.strip_suffix("[]").unwrap_or(&key) {
            "memberIds" => search.member_ids.push(value.into_owned()),
            "emails" => search.emails.push(value.into_owned()),
            "workerIds" => search.worker_ids.push(value.into_owned()),
            "statuses" => match Status::parse(&value) {
                Some(status) => search.statuses.push(status),
                None => issues.push(Issue::new(
                    "statuses",
                    Problem::UnknownStatus(value.into_owned()),
                )),
            },
            "skip" => skip.push(value.into_owned()),
            "take" => take.push(value.into_owned()),
            // Reading: unknown parameters are ignored, not refused.
            _ => {}
        }
    }
    search.skip = required_count("skip", &skip, &mut issues).unwrap_or(0);
    search.take = required_count("take", &take, &mut issues).unwrap_or(0);
    if issues.is_empty() {
        Ok(search)
    } else {
        Err(issues)
    }
}

/// Reading: `skip` and `take` are typed `number`, but only a non-negative
/// whole number given once makes sense as a count, so only that is accepted.
fn required_count(name: &str, values: &[String], issues: &mut Vec<Issue>) -> Option<u64> {
    let problem = match values {
        [] => Problem::Required,
        [value] => match value.parse::<u64>() {
            Ok(count) => return Some(count),
            Err(_) => Problem::NotCount(value.clone()),
        },
        _ => Problem::RepeatedCount,
    };
    issues.push(Issue::new(name, problem));
    None
}

impl Search {
    fn matches(&self, member: &Member, faults: &Faults) -> bool {
        // The bug: the statuses filter is parsed but never applied.
        let statuses: &[Status] = if faults.has(Fault::SearchIgnoresStatuses) {
            &[]
        } else {
            &self.statuses
        };
        any_or_empty(&self.member_ids, |id| *id == member.id)
            && any_or_empty(statuses, |status| *status == member.status)
            && any_or_empty(&self.emails, |email| *email == member.email)
            && any_or_empty(&self.worker_ids, |id| {
                member.worker_id.as_deref() == Some(id.as_str())
            })
    }

    /// `{members, total, skip, take}`, `total` counting every match before
    /// paging, members in creation order.
    pub fn run(&self, members: &[Member], faults: &Faults) -> Reply {
        let matching: Vec<&Member> = members.iter().filter(|m| self.matches(m, faults)).collect();
        let page: Vec<Value> = matching
            .iter()
            .skip(usize::try_from(self.skip).unwrap_or(usize::MAX))
            .take(usize::try_from(self.take).unwrap_or(usize::MAX))
            .map(|member| member.to_json(faults))
            .collect();
        Reply::ok(json!({
            "members": page,
            "total": matching.len(),
            "skip": self.skip,
            "take": self.take,
        }))
    }
}

fn any_or_empty<T>(values: &[T], matches: impl Fn(&T) -> bool) -> bool {
    values.is_empty() || values.iter().any(matches)
}
