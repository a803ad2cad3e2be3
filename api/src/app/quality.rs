//! Quality use cases besides the reports' life (see `violations`) and the HR/committee reports
//! (see `quality_reports`): the catalogue, credit files and commendations, and the branch
//! context every quality date is taken in (TIME-1).

use crate::app::context;
use crate::app::error::{AppError, AppResult};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{Actor, Function, Owner};
use domain::context::{BranchContext, DEFAULT_TIME_ZONE};
use domain::errors::ErrorCode;
use domain::ids::UserId;
use domain::org::{Role, User};
use domain::ports::{AuditContext, OrganisationRepo, QualityRepo, RepoError};
use domain::quality::{
    catalogue_in_force, credit_file as build_credit_file, draft_catalogue, CatalogueEntry, CatalogueVersion,
    Commendation, CreditFile,
};
use infra::Db;
use uuid::Uuid;

/// The branch context of an agent: every date about them is a business day there (TIME-1) and
/// their quality policy is the one in force for their branch (POL-1). Agents always belong
/// to a branch, so one without is a storage inconsistency.
pub async fn agent_context(db: &Db, agent: &User) -> AppResult<BranchContext> {
    context::of_user(db, agent)
        .await?
        .ok_or_else(|| AppError::Repo(RepoError::Storage(format!("agent {} has no branch", agent.id))))
}

/// Today for the caller: the business day in their branch's zone, or in the default zone for
/// back-office staff who belong to no branch (the catalogue is company-wide).
pub async fn actor_today(db: &Db, actor: &Actor, now: DateTime<Utc>) -> AppResult<NaiveDate> {
    let ctx = match db.get_user(actor.company_id, actor.user_id).await? {
        Some(u) => context::of_user(db, &u).await?,
        None => None,
    };
    Ok(match ctx {
        Some(c) => c.business_day(now),
        None => domain::time::business_day(now, DEFAULT_TIME_ZONE),
    })
}

/// The agent named by `id`, if within the caller's reach for `function` (404 otherwise,
/// exactly like a missing one).
pub async fn visible_agent(db: &Db, actor: &Actor, function: Function, id: UserId) -> AppResult<User> {
    let reach = actor.require(function)?;
    db.get_user(actor.company_id, id)
        .await?
        .filter(|u| {
            u.role == Role::Agent
                && actor.can_see(
                    &reach,
                    Owner {
                        company_id: u.company_id,
                        user_id: Some(u.id),
                        team_id: u.team_id,
                    },
                )
        })
        .ok_or(AppError::NotFound("agent"))
}

/// The catalogue in force on `day` (default: the caller's today).
pub async fn catalogue_on(
    db: &Db,
    actor: &Actor,
    day: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> AppResult<CatalogueVersion> {
    let day = match day {
        Some(d) => d,
        None => actor_today(db, actor, now).await?,
    };
    Ok(catalogue_in_force(&db.catalogues(actor.company_id).await?, day))
}

/// The quality office publishes a new catalogue version, effective from today or later.
pub async fn publish_catalogue(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    effective_from: NaiveDate,
    entries: Vec<CatalogueEntry>,
    now: DateTime<Utc>,
) -> AppResult<CatalogueVersion> {
    actor.require(Function::ManageQuality)?;
    let today = actor_today(db, actor, now).await?;
    let versions = db.catalogues(actor.company_id).await?;
    let v = draft_catalogue(&versions, effective_from, entries, today)?;
    db.insert_catalogue(audit, Uuid::now_v7(), &v)
        .await
        .map_err(|e| match e {
            RepoError::Conflict(_) => AppError::rejected(
                ErrorCode::VersionTaken,
                "another version was published at the same time; retry",
            ),
            other => other.into(),
        })?;
    Ok(v)
}

/// An agent's credit file, with the appeal window of their branch's policy for its reports.
pub async fn credit_file(db: &Db, actor: &Actor, agent: UserId, now: DateTime<Utc>) -> AppResult<(CreditFile, u32)> {
    let agent = visible_agent(db, actor, Function::ReadQuality, agent).await?;
    let ctx = agent_context(db, &agent).await?;
    let days = appeal_days(&ctx, now);
    let scope = domain::ports::ListScope::Company;
    let violations = db
        .list_violations(agent.company_id, &scope, Some(agent.id), None, None)
        .await?;
    let consequences = db.consequences(agent.company_id, Some(agent.id), None).await?;
    let commendations = db.commendations(agent.company_id, agent.id).await?;
    Ok((
        build_credit_file(agent.id, violations, consequences, commendations),
        days,
    ))
}

/// Records a commendation in an agent's credit file, dated on the agent's business day.
pub async fn commend(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    agent: UserId,
    text: String,
    now: DateTime<Utc>,
) -> AppResult<Commendation> {
    let agent = visible_agent(db, actor, Function::Commend, agent).await?;
    let ctx = agent_context(db, &agent).await?;
    let c = Commendation {
        company_id: agent.company_id,
        id: Uuid::now_v7(),
        agent_id: agent.id,
        text: text.trim().to_owned(),
        given_by: actor.user_id,
        given_on: ctx.business_day(now),
        created_at: now,
    };
    db.insert_commendation(audit, &c).await?;
    Ok(c)
}

/// Days after confirmation within which an agent of this branch may appeal, by the policy in
/// force there today.
pub fn appeal_days(ctx: &BranchContext, now: DateTime<Utc>) -> u32 {
    ctx.policy_on(ctx.business_day(now)).document.quality.appeal_days
}
