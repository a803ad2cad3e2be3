//! Settlement and statements (COM-8): the monthly job and the statements it writes.

pub mod dto;
pub mod handlers;

/// This feature's routes, registered once for the server and the contract.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::settle)
        .service(handlers::statements)
        .service(handlers::get_statement);
}
