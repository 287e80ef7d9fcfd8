//! Onsi Members API reference server (stub; being written).
use super::{FaultInfo, Faults};
use axum::Router;

pub const FAULTS: &[FaultInfo] = &[];

#[derive(Debug, Clone)]
pub struct Config {
    pub api_key: String,
    pub faults: Faults,
}

pub fn router(_config: Config) -> Router {
    Router::new()
}

pub const SEED_ACTIVE_MEMBER_ID: &str = "mem_q5sdae3se6eg9m9dcvug";
