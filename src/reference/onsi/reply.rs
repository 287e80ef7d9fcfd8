//! Answers as data (status + JSON body), so that idempotent replays can store
//! and resend them, and the error shapes the docs give.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::Fault;
use super::body::Issue;
use super::message::{Broken, Message, Problem};
use crate::reference::Faults;
use crate::reference::reading::Wording;

#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Body,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Json(Value),
    /// Worded only when sent, as the server words its errors.
    Error(Failure),
}

/// An error body: the docs' `{"code", "message", …}`, or with `issues` for
/// validation errors.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    code: &'static str,
    message: Message,
    member_id: Option<String>,
    /// The issues' own code, and the issues.
    issues: Option<(&'static str, Vec<Issue>)>,
}

impl Failure {
    fn to_json(&self, wording: Wording) -> Value {
        let mut body = json!({ "code": self.code, "message": self.message.text(wording) });
        if let Some(id) = &self.member_id {
            body["memberId"] = json!(id);
        }
        if let Some((code, issues)) = &self.issues {
            let issues: Vec<Value> = issues
                .iter()
                .map(|issue| {
                    json!({ "code": code, "message": issue.problem.text(wording), "path": issue.path })
                })
                .collect();
            body["issues"] = Value::Array(issues);
        }
        body
    }
}

impl Reply {
    pub fn ok(body: Value) -> Reply {
        Reply {
            status: StatusCode::OK,
            body: Body::Json(body),
        }
    }

    pub fn created(body: Value) -> Reply {
        Reply {
            status: StatusCode::CREATED,
            body: Body::Json(body),
        }
    }

    /// The docs' non-validation error shape: `{"code", "message", …}`.
    fn error(status: StatusCode, code: &'static str, message: Message) -> Reply {
        Reply {
            status,
            body: Body::Error(Failure {
                code,
                message,
                member_id: None,
                issues: None,
            }),
        }
    }

    /// The docs' validation error shape: a `code` plus one issue per problem.
    fn issues(
        code: &'static str,
        message: Message,
        issue_code: &'static str,
        issues: &[Issue],
    ) -> Reply {
        Reply {
            status: StatusCode::BAD_REQUEST,
            body: Body::Error(Failure {
                code,
                message,
                member_id: None,
                issues: Some((issue_code, issues.to_vec())),
            }),
        }
    }

    fn with_member_id(mut self, id: &str) -> Reply {
        if let Body::Error(failure) = &mut self.body {
            failure.member_id = Some(id.to_string());
        }
        self
    }

    /// Reading: the docs give the `HeaderValidation` issue but no status; this
    /// server answers 400 like its other validation errors.
    pub fn missing_api_key() -> Reply {
        let issue = Issue::new("x-api-key", Problem::ApiKeyRequired);
        Reply::issues(
            "HeaderValidation",
            Message::HeadersInvalid,
            "HeaderValidation",
            &[issue],
        )
    }

    pub fn forbidden() -> Reply {
        Reply::error(StatusCode::FORBIDDEN, "Forbidden", Message::KeyRefused)
    }

    pub fn path_invalid(why: &str) -> Reply {
        let issue = Issue::new("id", Problem::BadPath(why.to_string()));
        Reply::issues(
            "PathValidation",
            Message::PathInvalid,
            "PathValidation",
            &[issue],
        )
    }

    pub fn query_invalid(issues: &[Issue]) -> Reply {
        Reply::issues(
            "QueryValidation",
            Message::QueryInvalid,
            "QueryValidation",
            issues,
        )
    }

    pub fn body_invalid(issues: &[Issue]) -> Reply {
        Reply::issues(
            "BodyValidation",
            Message::BodyInvalid,
            "BodyValidation",
            issues,
        )
    }

    pub fn invalid_add_payload(issues: &[Issue]) -> Reply {
        Reply::issues(
            "InvalidAddMemberPayload",
            Message::PayloadInvalid,
            "BodyValidation",
            issues,
        )
    }

    pub fn invalid_add_rule(broken: Broken) -> Reply {
        Reply::error(
            StatusCode::BAD_REQUEST,
            "InvalidAddMemberPayload",
            Message::AddRule(broken),
        )
    }

    pub fn already_invited(email: &str) -> Reply {
        Reply::error(
            StatusCode::BAD_REQUEST,
            "MemberAlreadyInvited",
            Message::AlreadyInvited(email.to_string()),
        )
    }

    pub fn invalid_update(member_id: &str, broken: &[Broken]) -> Reply {
        Reply::error(
            StatusCode::BAD_REQUEST,
            "InvalidUpdateMemberPayload",
            Message::UpdateRules(broken.to_vec()),
        )
        .with_member_id(member_id)
    }

    /// Reading: the docs allow 404 `NotFound` or 400 `MemberNotFound` for an
    /// unknown member; this server picks 404.
    pub fn member_not_found(member_id: &str) -> Reply {
        Reply::error(StatusCode::NOT_FOUND, "NotFound", Message::MemberNotFound)
            .with_member_id(member_id)
    }

    /// The body could not be read at all (too large, or the connection
    /// failed): axum's status, in this API's error shape.
    pub fn body_unreadable(status: StatusCode, why: &str) -> Reply {
        Reply::error(
            status,
            "BadRequest",
            Message::BodyUnreadable(why.to_string()),
        )
    }

    pub fn internal_error() -> Reply {
        Reply::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            Message::Internal,
        )
    }

    pub fn not_found() -> Reply {
        Reply::error(StatusCode::NOT_FOUND, "NotFound", Message::NoRoute)
    }

    pub fn method_not_allowed() -> Reply {
        Reply::error(
            StatusCode::METHOD_NOT_ALLOWED,
            "BadRequest",
            Message::MethodNotAllowed,
        )
    }

    pub fn into_response(self, faults: &Faults, wording: Wording) -> Response {
        let content_type = if faults.has(Fault::TextContentType) {
            "text/plain"
        } else {
            "application/json"
        };
        let body = match self.body {
            Body::Json(value) => value,
            Body::Error(failure) => failure.to_json(wording),
        };
        (
            self.status,
            [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
            body.to_string(),
        )
            .into_response()
    }
}
