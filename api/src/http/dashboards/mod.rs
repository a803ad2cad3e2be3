//! Compliance (section 3) and the supervisor dashboard (SUP-3).

pub mod dto;
pub mod handlers;

pub use handlers::*;

/// This feature's routes, registered once for the server and the contract.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(compliance).service(dashboard);
}
