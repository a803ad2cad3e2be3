//! The supervisor's side of diaries: a team's review queue for a day, and bulk approval.

use super::{deadlines, review, DiaryKey, Review};
use crate::app::context;
use crate::app::error::{AppError, AppResult};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{Actor, Function, Owner, Reach};
use domain::diary::{review_queue, DiaryAction, IfMatch, QueueAgent, QueueItem, QueueStatus};
use domain::ids::{TeamId, UserId};
use domain::org::{Role, Team};
use domain::ports::{AuditContext, DiaryRepo, ListScope, OrganisationRepo, PageRequest, RepoError};
use infra::Db;
use std::collections::HashSet;

/// The team `id`, if within `reach` (not found otherwise).
async fn visible_team(db: &Db, actor: &Actor, reach: &Reach, id: TeamId) -> AppResult<Team> {
    db.get_team(actor.company_id, id)
        .await?
        .filter(|t| {
            actor.can_see(
                reach,
                Owner {
                    company_id: t.company_id,
                    user_id: None,
                    team_id: Some(t.id),
                },
            )
        })
        .ok_or(AppError::NotFound("team"))
}

/// The review queue of a team for one day, most urgent first (see `review_queue`).
pub async fn team_queue(
    db: &Db,
    actor: &Actor,
    team: TeamId,
    date: NaiveDate,
    only: Option<QueueStatus>,
    now: DateTime<Utc>,
) -> AppResult<Vec<QueueItem>> {
    let reach = actor.require(Function::ReviewDiaries)?;
    let team = visible_team(db, actor, &reach, team).await?;
    let company = actor.company_id;
    let ctx = context::load(db, company, team.branch_id)
        .await?
        .ok_or_else(|| AppError::Repo(RepoError::Storage(format!("the branch of team {} is missing", team.id))))?;
    let on_leave: HashSet<UserId> = db.team_on_leave(company, team.id, date).await?.into_iter().collect();
    let agents: Vec<QueueAgent> = db
        .list_users(
            company,
            &ListScope::Team(team.id),
            PageRequest {
                after: None,
                limit: 10_000,
            },
        )
        .await?
        .into_iter()
        .filter(|u| u.role == Role::Agent && u.active)
        .map(|u| QueueAgent {
            on_leave: on_leave.contains(&u.id),
            id: u.id,
            name: u.name,
        })
        .collect();
    let diaries = db.team_diaries(company, team.id, date).await?;
    let dl = deadlines(&ctx, date)?;
    Ok(review_queue(date, &agents, &diaries, &ctx.calendar, &dl, only, now))
}

/// Diaries of one team to approve together, with one optional comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkApproval {
    pub diaries: Vec<DiaryKey>,
    pub comment: Option<String>,
}

/// Approves each listed diary of the team on its own (one write each); every diary gets its
/// own outcome, in the order listed.
pub async fn bulk_approve(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    team: TeamId,
    input: BulkApproval,
    if_match: &IfMatch,
    now: DateTime<Utc>,
) -> AppResult<Vec<(DiaryKey, AppResult<()>)>> {
    let reach = actor.require(Function::ReviewDiaries)?;
    let team = visible_team(db, actor, &reach, team).await?;
    let mut results = Vec::with_capacity(input.diaries.len());
    for key in input.diaries {
        let in_team = db
            .get_user(actor.company_id, key.agent)
            .await?
            .is_some_and(|u| u.team_id == Some(team.id));
        let outcome = if in_team {
            let r = Review {
                action: DiaryAction::Approve,
                comment: input.comment.clone(),
            };
            review(db, actor, audit, key, if_match, r, now).await.map(|_| ())
        } else {
            Err(AppError::NotFound("agent in this team"))
        };
        results.push((key, outcome));
    }
    Ok(results)
}
