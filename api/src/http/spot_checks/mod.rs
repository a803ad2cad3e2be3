//! Spot checks of diaries by the quality office (DIA-5).

pub mod dto;
pub mod handlers;

/// This feature's routes, registered once for the server and the contract.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::draw_spot_check)
        .service(handlers::get_spot_check)
        .service(handlers::record_finding);
}
