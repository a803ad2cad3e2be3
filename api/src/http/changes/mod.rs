//! The change feed (`GET /v1/changes`, CRMs), the devices' sync (`GET /v1/sync`) and the
//! retention job.

pub mod dto;
mod handlers;

use handlers::*;

/// This feature's routes, registered once for the server and the contract.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_changes).service(sync_changes).service(prune_changes);
}
