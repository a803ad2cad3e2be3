//! Sign-in, token refresh, sign-out and the caller's own record.

pub mod dto;
mod handlers;

use handlers::*;

/// This feature's routes, registered once for the server and the contract.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(login).service(refresh).service(logout).service(me);
}
