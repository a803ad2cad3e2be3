//! Insurance policies (COM-1): the records, their standing and the receipt's return (COM-7).
//! Named apart from policy versions (POL-1) everywhere: types, operations and modules.

pub mod dto;
pub mod handlers;

/// This feature's routes, registered once for the server and the contract.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::create_insurance_policy)
        .service(handlers::list_insurance_policies)
        .service(handlers::get_insurance_policy)
        .service(handlers::record_receipt);
}
