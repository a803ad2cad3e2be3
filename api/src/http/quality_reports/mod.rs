//! The HR post's monthly tally, the committee's quarterly review and sign-off, and the annual
//! summary, as JSON or CSV.

mod dto;
mod handlers;

pub use dto::*;
pub use handlers::*;

/// This feature's routes, registered once for the server and the contract.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(monthly_report)
        .service(quarterly_report)
        .service(sign_off)
        .service(annual_report);
}
