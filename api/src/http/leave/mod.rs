//! Leave requests and the agent's working calendar (TIME-2).

pub mod dto;
pub mod handlers;

/// This feature's routes, registered once for the server and the contract.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::agent_calendar)
        .service(handlers::request_leave)
        .service(handlers::list_leave)
        .service(handlers::approve_leave)
        .service(handlers::reject_leave);
}
