//! The penalty ledger and waivers (PEN-*, LEDGER-*), client leads (LEAD-*), and the admin
//! triggers of the close and allocation jobs.

pub mod dto;
pub mod handlers;

pub use handlers::*;

/// This feature's routes, registered once for the server and the contract.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(close_day)
        .service(close_month)
        .service(allocate_leads)
        .service(list_penalties)
        .service(get_penalty)
        .service(waive_penalty)
        .service(leads);
}
