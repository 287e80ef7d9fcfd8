//! Answers as data (status + JSON body), so that idempotent replays can store
//! and resend them, and the error shapes the docs give.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::Fault;
use super::body::Issue;
use crate::reference::Faults;

#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
}

impl Reply {
    pub fn ok(body: Value) -> Reply {
        Reply {
            status: StatusCode::OK,
            body,
        }
    }

    pub fn created(body: Value) -> Reply {
        Reply {
            status: StatusCode::CREATED,
            body,
        }
    }

    /// The docs' non-validation error shape: `{"code", "message", …}`.
    fn error(status: StatusCode, code: &str, message: &str) -> Reply {
        Reply {
            status,
            body: json!({ "code": code, "message": message }),
        }
    }

    /// The docs' validation error shape: a `code` plus one issue per problem.
    fn issues(code: &str, message: &str, issue_code: &str, issues: &[Issue]) -> Reply {
        let issues: Vec<Value> = issues
            .iter()
            .map(
                |issue| json!({ "code": issue_code, "message": issue.message, "path": issue.path }),
            )
            .collect();
        Reply {
            status: StatusCode::BAD_REQUEST,
            body: json!({ "code": code, "message": message, "issues": issues }),
        }
    }

    /// Reading: the docs give the `HeaderValidation` issue but no status; this
    /// server answers 400 like its other validation errors.
    pub fn missing_api_key() -> Reply {
        let issue = Issue::new("x-api-key", "x-api-key header is required");
        Reply::issues(
            "HeaderValidation",
            "Invalid request headers",
            "HeaderValidation",
            &[issue],
        )
    }

    pub fn forbidden() -> Reply {
        Reply::error(StatusCode::FORBIDDEN, "Forbidden", "Invalid API key")
    }

    pub fn path_invalid(message: &str) -> Reply {
        let issue = Issue::new("id", message);
        Reply::issues(
            "PathValidation",
            "Invalid path parameters",
            "PathValidation",
            &[issue],
        )
    }

    pub fn query_invalid(issues: &[Issue]) -> Reply {
        Reply::issues(
            "QueryValidation",
            "Invalid query parameters",
            "QueryValidation",
            issues,
        )
    }

    pub fn body_invalid(issues: &[Issue]) -> Reply {
        Reply::issues(
            "BodyValidation",
            "Invalid request body",
            "BodyValidation",
            issues,
        )
    }

    pub fn invalid_add_payload(issues: &[Issue]) -> Reply {
        Reply::issues(
            "InvalidAddMemberPayload",
            "Invalid member payload",
            "BodyValidation",
            issues,
        )
    }

    pub fn invalid_add_rule(message: &str) -> Reply {
        Reply::error(StatusCode::BAD_REQUEST, "InvalidAddMemberPayload", message)
    }

    pub fn already_invited(email: &str) -> Reply {
        let message = format!("A member with email {email} already exists");
        Reply::error(StatusCode::BAD_REQUEST, "MemberAlreadyInvited", &message)
    }

    pub fn invalid_update(member_id: &str, problems: &[String]) -> Reply {
        let mut reply = Reply::error(
            StatusCode::BAD_REQUEST,
            "InvalidUpdateMemberPayload",
            &problems.join("; "),
        );
        reply.body["memberId"] = json!(member_id);
        reply
    }

    /// Reading: the docs allow 404 `NotFound` or 400 `MemberNotFound` for an
    /// unknown member; this server picks 404.
    pub fn member_not_found(member_id: &str) -> Reply {
        let mut reply = Reply::error(StatusCode::NOT_FOUND, "NotFound", "Member not found");
        reply.body["memberId"] = json!(member_id);
        reply
    }

    /// The body could not be read at all (too large, or the connection
    /// failed): axum's status, in this API's error shape.
    pub fn body_unreadable(status: StatusCode, message: &str) -> Reply {
        Reply::error(status, "BadRequest", message)
    }

    pub fn internal_error() -> Reply {
        Reply::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            "Internal server error",
        )
    }

    pub fn not_found() -> Reply {
        Reply::error(StatusCode::NOT_FOUND, "NotFound", "Not found")
    }

    pub fn method_not_allowed() -> Reply {
        Reply::error(
            StatusCode::METHOD_NOT_ALLOWED,
            "BadRequest",
            "Method not allowed",
        )
    }

    pub fn into_response(self, faults: &Faults) -> Response {
        let content_type = if faults.has(Fault::TextContentType) {
            "text/plain"
        } else {
            "application/json"
        };
        (
            self.status,
            [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
            self.body.to_string(),
        )
            .into_response()
    }
}
