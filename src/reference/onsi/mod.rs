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
mod message;
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

use super::reading::Wording;
use super::{Faults, Readings};
use reply::Reply;
use store::Store;

pub use member::SEED_ACTIVE_MEMBER_ID;

super::fault::fault_catalogue! {
    Onsi;
    PatchResetsOmitted = "onsi-patch-resets-omitted":
        "PATCH nulls phone, workerId, accountDetails, dob, gender and clears enablePayroll when the body omits them; the docs make every PATCH field optional",
    PatchEchoStale = "onsi-patch-echo-stale":
        "PATCH stores the update but answers with the member as it was before; the docs answer 200 with the (updated) Member",
    PatchDropsPhoneEcho = "onsi-patch-drops-phone-echo":
        "PATCH stores a new phone but its answer shows the old one; the docs answer 200 with the updated Member",
    PatchHalfApplied = "onsi-patch-half-applied":
        "a PATCH refused with 400 still applies the valid fields it carried; a refused update must change nothing",
    EmailChangeAnyStatus = "onsi-email-change-any-status":
        "email can be changed whatever the status; the docs allow it only while the member is invited",
    WorkerIdNotUnique = "onsi-workerid-not-unique":
        "PATCH does not check workerId uniqueness; the docs require it to be unique across all members",
    WorkerIdUniqueActiveOnly = "onsi-workerid-unique-active-only":
        "workerId uniqueness ignores inactive members; the docs require it across active, invited and inactive members",
    WorkerIdNullRefused = "onsi-workerid-null-refused":
        "PATCH refuses workerId null; the PATCH schema types workerId as string | null",
    AcceptsUnknownKeys = "onsi-accepts-unknown-keys":
        "PATCH ignores unknown top-level keys; the PATCH schema has additionalProperties: false",
    AcceptsExtraAccountKey = "onsi-accepts-extra-account-key":
        "extra keys inside accountDetails are accepted and dropped; both bank-account schemas have additionalProperties: false",
    AcceptsEuAccountMissingIban = "onsi-accepts-eu-account-missing-iban":
        "an accountDetails with only accountHolder is accepted; BankAccountEU requires iban",
    AcceptsOldDob = "onsi-accepts-old-dob":
        "dob before 1901 (e.g. 1899-12-31) is accepted; the docs say dob must be later than 1900",
    AcceptsAnyGender = "onsi-accepts-any-gender":
        "any gender string is accepted; the docs allow only Female, Male, NonBinary or null",
    GenderNullRefused = "onsi-gender-null-refused":
        "gender null is refused; the schema types gender as an enum or null",
    AcceptsBadEmail = "onsi-accepts-bad-email":
        "PATCH does not validate the email format; the schema gives format email and a pattern",
    AuthMissingKeyAccepted = "onsi-auth-missing-key-accepted":
        "a request without x-api-key is served; the docs require the header on every call",
    AuthWrongKeyAccepted = "onsi-auth-wrong-key-accepted":
        "any non-empty x-api-key is accepted; the docs answer Forbidden for a refused key",
    IdempotencyReprocessed = "onsi-idempotency-reprocessed":
        "x-idempotency-key is ignored and replays are processed again; the docs return the earlier result",
    UnknownMember500 = "onsi-unknown-member-500":
        "an unknown member id answers 500 InternalServerError; the docs allow only 404 NotFound or 400 MemberNotFound",
    UnknownMember200 = "onsi-unknown-member-200":
        "GET of an unknown member id answers 200 with an empty Member; the docs allow only 404 NotFound or 400 MemberNotFound",
    MemberMissingDobKey = "onsi-member-missing-dob-key":
        "Member responses leave out dob when it is null; the Member schema requires dob (string | null)",
    TextContentType = "onsi-text-content-type":
        "JSON answers carry content-type text/plain; the docs answer application/json",
    DeleteKeepsStatus = "onsi-delete-keeps-status":
        "DELETE answers OK but leaves the status unchanged; the docs say the member becomes inactive",
    PostDuplicateEmailAccepted = "onsi-post-duplicate-email-accepted":
        "POST with an email already in use creates a second member; the docs answer 400 MemberAlreadyInvited",
    InviteRefusedStillCreated = "onsi-invite-refused-still-created":
        "POST refuses a body with one invalid field (400 InvalidAddMemberPayload) but invites the \
         member from its valid fields all the same; the docs' 400 is a refusal",
    InviteMissingField500 = "onsi-invite-missing-field-500":
        "POST without one of its required fields (email, firstName, lastName, tier) answers 500 InternalServerError; the docs answer 400 InvalidAddMemberPayload",
    DobNullIgnored = "onsi-dob-null-ignored":
        "PATCH reads dob null as \"not given\" and answers 200; the PATCH schema types dob as a string, not nullable",
    AcceptsNumericSortCode = "onsi-accepts-numeric-sort-code":
        "a sortCode sent as a JSON number is accepted and stored as text; BankAccountUK types sortCode as a string",
    EnablePayrollStringAccepted = "onsi-enable-payroll-string-accepted":
        "enablePayroll \"true\"/\"false\" strings are accepted as booleans; the schema types enablePayroll as a boolean",
    PutKeepsInactive = "onsi-put-keeps-inactive":
        "PUT of an inactive member replaces its fields but leaves it inactive; the docs say PUT re-activates inactive members",
    SearchIgnoresStatuses = "onsi-search-ignores-statuses":
        "GET /v1/members ignores the statuses filter and returns members of every status; the docs: \"statuses\": \"Filter by member status\"",
    DobPatternLoose = "onsi-dob-pattern-loose":
        "dob with a one-digit month or day (1985-6-21) is accepted and stored as sent; the \
         schema's dob pattern is ^\\d{4}-\\d{2}-\\d{2}$",
    GenderAnyCase = "onsi-gender-any-case":
        "POST and PUT accept gender in any letter case (female, MALE) and store the listed \
         value; the POST/PUT schema's gender enum is exactly Female, Male, NonBinary",
    TierUpdateNotStored = "onsi-tier-update-not-stored":
        "PATCH answers with the new tier but keeps the old one, so a following GET shows it; \
         the docs answer 200 with the updated Member, the PATCH's fields applied",
    InviteUniqueCheckRace = "onsi-invite-unique-check-race":
        "POST checks that the email and workerId are free, waits, then stores the member \
         without checking again, so invitations sent together with one workerId are all \
         admitted; the docs: workerId \"must be unique across all members\"",
    PatchLostUpdate = "onsi-patch-lost-update":
        "PATCH reads the member, waits, then writes the whole member back without a lock, so \
         of two concurrent PATCHes of different fields one is lost; the docs' partial update \
         changes the fields each PATCH carries and keeps the others",
}

/// How to build the Onsi server.
#[derive(Debug, Clone)]
pub struct Config {
    /// The only `x-api-key` value served.
    pub api_key: String,
    pub faults: Faults,
    pub readings: Readings,
}

/// What every handler shares: the configuration and the one store.
#[derive(Debug, Clone)]
struct AppState {
    api_key: Arc<str>,
    faults: Faults,
    wording: Wording,
    /// One lock around all state, held for a whole request, so that each
    /// request is atomic and concurrent idempotent replays apply once.
    store: Arc<Mutex<Store>>,
}

impl AppState {
    fn new(config: Config) -> AppState {
        AppState {
            api_key: config.api_key.into(),
            faults: config.faults,
            wording: config.readings.wording(),
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
        reply.into_response(&self.faults, self.wording)
    }

    /// The refusal for a request whose `x-api-key` is not the configured one.
    fn auth_refusal(&self, headers: &HeaderMap) -> Option<Reply> {
        match headers.get("x-api-key") {
            None if self.faults.has(Fault::AuthMissingKeyAccepted) => None,
            None => Some(Reply::missing_api_key()),
            Some(key) if key.as_bytes() == self.api_key.as_bytes() => None,
            Some(key) if !key.is_empty() && self.faults.has(Fault::AuthWrongKeyAccepted) => None,
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
