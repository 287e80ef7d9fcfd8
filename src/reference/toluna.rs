//! Toluna Integrated Panel Member API v2 reference server (stub; being written).
use super::{FaultInfo, Faults};
use axum::Router;

pub const FAULTS: &[FaultInfo] = &[];

pub fn router(_faults: Faults) -> Router {
    Router::new()
}
