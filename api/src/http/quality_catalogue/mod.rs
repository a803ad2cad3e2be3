//! The violation catalogue as versioned data: the version in force on a date, and publishing a
//! new one (the quality office).

mod dto;
mod handlers;

pub use dto::*;
pub use handlers::*;

/// This feature's routes, registered once for the server and the contract.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_catalogue).service(create_catalogue);
}
