//! Agent licences and continuing education (LIC-1..LIC-3): the licence record and its derived
//! status, CE courses and HR's decisions, reinstatement, the team and HR views, the yearly
//! report and the year-end job.

mod dto;
mod handlers;

pub use dto::*;
pub use handlers::*;

/// This feature's routes, registered once for the server and the contract.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_agent_licence)
        .service(put_agent_licence)
        .service(reinstate_agent_licence)
        .service(record_ce_course)
        .service(list_ce_courses)
        .service(confirm_ce_course)
        .service(reject_ce_course)
        .service(list_team_licences)
        .service(list_agents_below_pace)
        .service(get_licence_report)
        .service(run_licence_job);
}
