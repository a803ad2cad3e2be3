//! Activity logging for the agent app (ACT-1..ACT-5), offline-safe: client-generated ids,
//! per-item batch results, idempotent replays, call-log import, voiding and the today view.

pub mod batch;
pub mod details;
pub mod dto;
pub mod handlers;

pub use handlers::*;

/// The most items a batch (or call-log upload) may carry.
pub const MAX_BATCH_ITEMS: usize = 500;
/// The byte cap for batch bodies (500 items of ~2 KiB plus headroom).
pub const BATCH_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// This feature's routes, registered once for the server and the contract.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_activity)
        .service(create_activities_batch)
        .service(import_call_log)
        .service(list_activities)
        .service(get_activity)
        .service(void_activity)
        .service(my_today)
        .service(agent_today);
}
