//! Admin organisation endpoints: `/v1/branches`, `/v1/teams`, `/v1/users` (TIME-1..3).

mod branches;
pub mod dto;
mod teams;
mod users;

use branches::*;
use teams::*;
use users::*;

/// This feature's routes, registered once for the server and the contract.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_branch)
        .service(list_branches)
        .service(get_branch)
        .service(update_branch)
        .service(create_team)
        .service(list_teams)
        .service(get_team)
        .service(update_team)
        .service(create_user)
        .service(list_users)
        .service(get_user)
        .service(update_user)
        .service(deactivate_user);
}
