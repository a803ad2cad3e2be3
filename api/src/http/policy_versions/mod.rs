//! Policy versions (POL-1) at `/v1/policy-versions`.

pub mod dto;
pub mod handlers;

pub use handlers::*;

/// This feature's routes, registered once for the server and the contract.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_policy_version)
        .service(list_policy_versions)
        .service(policy_version_in_force)
        .service(get_policy_version)
        .service(update_policy_version);
}
