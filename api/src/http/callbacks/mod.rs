//! Callbacks and the commission hold (COM-3..COM-6): calls, the agent's contact confirmation,
//! exemptions, early callbacks, the quality office's resolution, the queue of calls due, and
//! the notifications a callback sends.

pub mod dto;
pub mod handlers;

/// This feature's routes, registered once for the server and the contract.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::record_callback)
        .service(handlers::confirm_contact)
        .service(handlers::exempt)
        .service(handlers::early_callback)
        .service(handlers::resolve_quality)
        .service(handlers::callback_queue)
        .service(handlers::my_notifications);
}
