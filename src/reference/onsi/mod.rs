//! Onsi Members API reference server: an in-memory implementation of
//! `/v1/members`, `/v1/members/{id}` and `/v1/tiers`, built from Onsi's
//! published docs (`/work/shared/api-docs/onsi-*`).
//!
//! Where the docs allow several readings, the code that picks one says so in a
//! comment starting with "Reading:".
//!
//! Not enforced on purpose: the documented rate limit (100 requests/s per
//! client, 429 `RateLimitExceeded`). The harness drives this server as fast as
//! it can, and a limit would only make its runs flaky.

mod body;
mod handlers;
mod member;
mod ops;
mod reply;
mod rules;
mod search;
mod store;
#[cfg(test)]
mod tests;

use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{any, get};

use super::{Api, FaultInfo, Faults};
use reply::Reply;
use store::Store;

pub use member::SEED_ACTIVE_MEMBER_ID;

/// Fault names, shared by [`FAULTS`] and the single place each one acts.
mod fault {
    pub const PATCH_RESETS_OMITTED: &str = "onsi-patch-resets-omitted";
    pub const PATCH_ECHO_STALE: &str = "onsi-patch-echo-stale";
    pub const PATCH_DROPS_PHONE_ECHO: &str = "onsi-patch-drops-phone-echo";
    pub const PATCH_HALF_APPLIED: &str = "onsi-patch-half-applied";
    pub const EMAIL_CHANGE_ANY_STATUS: &str = "onsi-email-change-any-status";
    pub const WORKER_ID_NOT_UNIQUE: &str = "onsi-workerid-not-unique";
    pub const WORKER_ID_UNIQUE_ACTIVE_ONLY: &str = "onsi-workerid-unique-active-only";
    pub const WORKER_ID_NULL_REFUSED: &str = "onsi-workerid-null-refused";
    pub const ACCEPTS_UNKNOWN_KEYS: &str = "onsi-accepts-unknown-keys";
    pub const ACCEPTS_EXTRA_ACCOUNT_KEY: &str = "onsi-accepts-extra-account-key";
    pub const ACCEPTS_EU_ACCOUNT_MISSING_IBAN: &str = "onsi-accepts-eu-account-missing-iban";
    pub const ACCEPTS_OLD_DOB: &str = "onsi-accepts-old-dob";
    pub const ACCEPTS_ANY_GENDER: &str = "onsi-accepts-any-gender";
    pub const GENDER_NULL_REFUSED: &str = "onsi-gender-null-refused";
    pub const ACCEPTS_BAD_EMAIL: &str = "onsi-accepts-bad-email";
    pub const AUTH_MISSING_KEY_ACCEPTED: &str = "onsi-auth-missing-key-accepted";
    pub const AUTH_WRONG_KEY_ACCEPTED: &str = "onsi-auth-wrong-key-accepted";
    pub const IDEMPOTENCY_REPROCESSED: &str = "onsi-idempotency-reprocessed";
    pub const UNKNOWN_MEMBER_500: &str = "onsi-unknown-member-500";
    pub const UNKNOWN_MEMBER_200: &str = "onsi-unknown-member-200";
    pub const MEMBER_MISSING_DOB_KEY: &str = "onsi-member-missing-dob-key";
    pub const TEXT_CONTENT_TYPE: &str = "onsi-text-content-type";
    pub const DELETE_KEEPS_STATUS: &str = "onsi-delete-keeps-status";
    pub const POST_DUPLICATE_EMAIL_ACCEPTED: &str = "onsi-post-duplicate-email-accepted";
    pub const INVITE_MISSING_FIELD_500: &str = "onsi-invite-missing-field-500";
    pub const DOB_NULL_IGNORED: &str = "onsi-dob-null-ignored";
    pub const ACCEPTS_NUMERIC_SORT_CODE: &str = "onsi-accepts-numeric-sort-code";
    pub const PAYROLL_STRING_ACCEPTED: &str = "onsi-enable-payroll-string-accepted";
    pub const PUT_KEEPS_INACTIVE: &str = "onsi-put-keeps-inactive";
    pub const SEARCH_IGNORES_STATUSES: &str = "onsi-search-ignores-statuses";
}

const fn onsi_fault(name: &'static str, summary: &'static str) -> FaultInfo {
    FaultInfo {
        name,
        api: Api::Onsi,
        summary,
    }
}

pub const FAULTS: &[FaultInfo] = &[
    onsi_fault(
        fault::PATCH_RESETS_OMITTED,
        "PATCH nulls phone, workerId, accountDetails, dob, gender and clears enablePayroll when the body omits them; the docs make every PATCH field optional",
    ),
    onsi_fault(
        fault::PATCH_ECHO_STALE,
        "PATCH stores the update but answers with the member as it was before; the docs answer 200 with the (updated) Member",
    ),
    onsi_fault(
        fault::PATCH_DROPS_PHONE_ECHO,
        "PATCH stores a new phone but its answer shows the old one; the docs answer 200 with the updated Member",
    ),
    onsi_fault(
        fault::PATCH_HALF_APPLIED,
        "a PATCH refused with 400 still applies the valid fields it carried; a refused update must change nothing",
    ),
    onsi_fault(
        fault::EMAIL_CHANGE_ANY_STATUS,
        "email can be changed whatever the status; the docs allow it only while the member is invited",
    ),
    onsi_fault(
        fault::WORKER_ID_NOT_UNIQUE,
        "PATCH does not check workerId uniqueness; the docs require it to be unique across all members",
    ),
    onsi_fault(
        fault::WORKER_ID_UNIQUE_ACTIVE_ONLY,
        "workerId uniqueness ignores inactive members; the docs require it across active, invited and inactive members",
    ),
    onsi_fault(
        fault::WORKER_ID_NULL_REFUSED,
        "PATCH refuses workerId null; the PATCH schema types workerId as string | null",
    ),
    onsi_fault(
        fault::ACCEPTS_UNKNOWN_KEYS,
        "PATCH ignores unknown top-level keys; the PATCH schema has additionalProperties: false",
    ),
    onsi_fault(
        fault::ACCEPTS_EXTRA_ACCOUNT_KEY,
        "extra keys inside accountDetails are accepted and dropped; both bank-account schemas have additionalProperties: false",
    ),
    onsi_fault(
        fault::ACCEPTS_EU_ACCOUNT_MISSING_IBAN,
        "an accountDetails with only accountHolder is accepted; BankAccountEU requires iban",
    ),
    onsi_fault(
        fault::ACCEPTS_OLD_DOB,
        "dob before 1901 (e.g. 1899-12-31) is accepted; the docs say dob must be later than 1900",
    ),
    onsi_fault(
        fault::ACCEPTS_ANY_GENDER,
        "any gender string is accepted; the docs allow only Female, Male, NonBinary or null",
    ),
    onsi_fault(
        fault::GENDER_NULL_REFUSED,
        "gender null is refused; the schema types gender as an enum or null",
    ),
    onsi_fault(
        fault::ACCEPTS_BAD_EMAIL,
        "PATCH does not validate the email format; the schema gives format email and a pattern",
    ),
    onsi_fault(
        fault::AUTH_MISSING_KEY_ACCEPTED,
        "a request without x-api-key is served; the docs require the header on every call",
    ),
    onsi_fault(
        fault::AUTH_WRONG_KEY_ACCEPTED,
        "any non-empty x-api-key is accepted; the docs answer Forbidden for a refused key",
    ),
    onsi_fault(
        fault::IDEMPOTENCY_REPROCESSED,
        "x-idempotency-key is ignored and replays are processed again; the docs return the earlier result",
    ),
    onsi_fault(
        fault::UNKNOWN_MEMBER_500,
        "an unknown member id answers 500 InternalServerError; the docs allow only 404 NotFound or 400 MemberNotFound",
    ),
    onsi_fault(
        fault::UNKNOWN_MEMBER_200,
        "GET of an unknown member id answers 200 with an empty Member; the docs allow only 404 NotFound or 400 MemberNotFound",
    ),
    onsi_fault(
        fault::MEMBER_MISSING_DOB_KEY,
        "Member responses leave out dob when it is null; the Member schema requires dob (string | null)",
    ),
    onsi_fault(
        fault::TEXT_CONTENT_TYPE,
        "JSON answers carry content-type text/plain; the docs answer application/json",
    ),
    onsi_fault(
        fault::DELETE_KEEPS_STATUS,
        "DELETE answers OK but leaves the status unchanged; the docs say the member becomes inactive",
    ),
    onsi_fault(
        fault::POST_DUPLICATE_EMAIL_ACCEPTED,
        "POST with an email already in use creates a second member; the docs answer 400 MemberAlreadyInvited",
    ),
    onsi_fault(
        fault::INVITE_MISSING_FIELD_500,
        "POST without one of its required fields (email, firstName, lastName, tier) answers 500 InternalServerError; the docs answer 400 InvalidAddMemberPayload",
    ),
    onsi_fault(
        fault::DOB_NULL_IGNORED,
        "PATCH reads dob null as \"not given\" and answers 200; the PATCH schema types dob as a string, not nullable",
    ),
    onsi_fault(
        fault::ACCEPTS_NUMERIC_SORT_CODE,
        "a sortCode sent as a JSON number is accepted and stored as text; BankAccountUK types sortCode as a string",
    ),
    onsi_fault(
        fault::PAYROLL_STRING_ACCEPTED,
        "enablePayroll \"true\"/\"false\" strings are accepted as booleans; the schema types enablePayroll as a boolean",
    ),
    onsi_fault(
        fault::PUT_KEEPS_INACTIVE,
        "PUT of an inactive member replaces its fields but leaves it inactive; the docs say PUT re-activates inactive members",
    ),
    onsi_fault(
        fault::SEARCH_IGNORES_STATUSES,
        "GET /v1/members ignores the statuses filter and returns members of every status; the docs: \"statuses\": \"Filter by member status\"",
    ),
];

/// How to build the Onsi server.
#[derive(Debug, Clone)]
pub struct Config {
    /// The only `x-api-key` value served.
    pub api_key: String,
    pub faults: Faults,
}

/// What every handler shares: the configuration and the one store.
#[derive(Debug, Clone)]
struct AppState {
    api_key: Arc<str>,
    faults: Faults,
    /// One lock around all state, held for a whole request, so that each
    /// request is atomic and concurrent idempotent replays apply once.
    store: Arc<Mutex<Store>>,
}

impl AppState {
    fn new(config: Config) -> AppState {
        AppState {
            api_key: config.api_key.into(),
            faults: config.faults,
            store: Arc::new(Mutex::new(Store::seeded())),
        }
    }

    /// A panic in another request must not take the server down with it: the
    /// store is only changed by whole assignments, so it is still consistent.
    fn store(&self) -> MutexGuard<'_, Store> {
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn send(&self, reply: Reply) -> Response {
        reply.into_response(&self.faults)
    }

    /// The refusal for a request whose `x-api-key` is not the configured one.
    fn auth_refusal(&self, headers: &HeaderMap) -> Option<Reply> {
        match headers.get("x-api-key") {
            None if self.faults.has(fault::AUTH_MISSING_KEY_ACCEPTED) => None,
            None => Some(Reply::missing_api_key()),
            Some(key) if key.as_bytes() == self.api_key.as_bytes() => None,
            Some(key) if !key.is_empty() && self.faults.has(fault::AUTH_WRONG_KEY_ACCEPTED) => None,
            Some(_) => Some(Reply::forbidden()),
        }
    }
}

/// Runs before routing to a handler (also for 404 and 405 answers under
/// `/v1/`), so auth is decided before anything else.
async fn authenticate(State(app): State<AppState>, request: Request, next: Next) -> Response {
    match app.auth_refusal(request.headers()) {
        Some(refusal) => app.send(refusal),
        None => next.run(request).await,
    }
}

/// The Onsi routes. There is no router-wide fallback (paths outside `/v1/`
/// are left to whatever this router is merged with); unknown paths under
/// `/v1/` get a JSON 404 from a catch-all route instead.
pub fn router(config: Config) -> Router {
    let app = AppState::new(config);
    Router::new()
        .route(
            "/v1/tiers",
            get(handlers::get_tiers).fallback(handlers::method_not_allowed),
        )
        .route(
            "/v1/members",
            get(handlers::get_members)
                .post(handlers::invite_member)
                .fallback(handlers::method_not_allowed),
        )
        .route(
            "/v1/members/{id}",
            get(handlers::get_member)
                .patch(handlers::update_member)
                .put(handlers::replace_member)
                .delete(handlers::remove_member)
                .fallback(handlers::method_not_allowed),
        )
        .route("/v1/", any(handlers::not_found))
        .route("/v1/{*rest}", any(handlers::not_found))
        .route_layer(middleware::from_fn_with_state(app.clone(), authenticate))
        .with_state(app)
}
