//! Toluna Integrated Panel Member API v2 reference server (stub; being written).
use super::{FaultInfo, Faults};
use axum::Router;

pub const FAULTS: &[FaultInfo] = &[];

pub fn router(_faults: Faults) -> Router {
    Router::new()
}

pub const SEED_PARTNER_GUID: &str = "93A6D55C-D4E7-49FC-8D68-671165ADE463";
pub const SEED_MEMBER_CODE: &str = "AUniquePartnerCode";
