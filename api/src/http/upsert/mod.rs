//! `POST /v1/{agents,clients,policies,receipts}:upsert`: bulk upserts by a CRM's own ids.

pub mod dto;
mod handlers;

use handlers::*;

/// This feature's routes, registered once for the server and the contract.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(upsert_agents)
        .service(upsert_clients)
        .service(upsert_insurance_policies)
        .service(upsert_receipts);
}
