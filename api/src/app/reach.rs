//! What a caller may see, for use cases that read another person's records.

use crate::app::error::{AppError, AppResult};
use domain::access::{Actor, Owner, Reach};
use domain::ids::UserId;
use domain::org::{Role, User};
use domain::ports::OrganisationRepo;
use infra::Db;

/// The agent `id`, if within `reach` (not found otherwise, exactly like a missing one).
pub async fn visible_agent(db: &Db, actor: &Actor, reach: &Reach, id: UserId) -> AppResult<User> {
    db.get_user(actor.company_id, id)
        .await?
        .filter(|u| {
            u.role == Role::Agent
                && actor.can_see(
                    reach,
                    Owner {
                        company_id: u.company_id,
                        user_id: Some(u.id),
                        team_id: u.team_id,
                    },
                )
        })
        .ok_or(AppError::NotFound("agent"))
}
