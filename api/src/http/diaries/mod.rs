//! Work diaries (DIA-1..DIA-4) and the supervisor's review queue. Every deadline is computed
//! from the server clock in the branch's time zone (see `app::diaries`).

pub mod dto;
pub mod handlers;
pub mod queue_dto;

/// This feature's routes, registered once for the server and the contract.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::get_diary)
        .service(handlers::edit_diary)
        .service(handlers::submit_diary)
        .service(handlers::approve_diary)
        .service(handlers::return_diary)
        .service(handlers::team_queue)
        .service(handlers::bulk_approve);
}
