//! Agents' credit files: confirmed violations, half-year scores, consequences and
//! commendations.

mod dto;
mod handlers;

pub use dto::*;
pub use handlers::*;

/// This feature's routes, registered once for the server and the contract.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(credit_file).service(commend);
}
