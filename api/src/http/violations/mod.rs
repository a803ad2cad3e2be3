//! Violation reports: reporting by post, reading and listing within reach, the quality
//! office's confirmation or dismissal, the agent's appeal and the committee's decision.

mod dto;
mod handlers;

pub use dto::*;
pub use handlers::*;

/// This feature's routes, registered once for the server and the contract.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(report_violation)
        .service(list_violations)
        .service(get_violation)
        .service(confirm_violation)
        .service(dismiss_violation)
        .service(appeal_violation)
        .service(decide_appeal);
}
