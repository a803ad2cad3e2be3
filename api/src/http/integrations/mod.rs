//! Integration clients (admins) and the OAuth 2.0 token endpoint (integrations).

pub mod dto;
mod handlers;
mod oauth;

pub use handlers::NoBody;
use handlers::*;
use oauth::*;

/// This feature's routes, registered once for the server and the contract.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_integration_client)
        .service(list_integration_clients)
        .service(get_integration_client)
        .service(rotate_integration_client)
        .service(revoke_integration_client)
        .service(issue_token);
}
