use crate::auth::{Hashing, Keys};
use crate::clock::Clock;
use crate::config::Config;
use crate::http::RouteTable;
use infra::Db;
use std::sync::Arc;

/// Shared per-process state. Everything durable lives in the database, so instances are
/// interchangeable behind a load balancer.
pub struct AppState {
    pub db: Db,
    pub config: Config,
    pub keys: Keys,
    /// Bounds concurrent password hashing (logins, password changes).
    pub hashing: Hashing,
    pub clock: Clock,
    pub routes: Arc<RouteTable>,
}
