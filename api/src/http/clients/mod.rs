//! Clients (客户资料卡) and bank outlets.

pub mod dto;
pub mod handlers;
pub mod outlets;

pub use handlers::*;
pub use outlets::*;

/// This feature's routes, registered once for the server and the contract.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_client)
        .service(list_clients)
        .service(get_client)
        .service(update_client)
        .service(reassign_client)
        .service(create_outlet)
        .service(list_outlets)
        .service(get_outlet)
        .service(update_outlet);
}
