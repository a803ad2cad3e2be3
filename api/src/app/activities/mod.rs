//! Activity use cases (ACT-1..ACT-5): logging (single, batch, call log), reading, voiding,
//! and an agent's progress today. Every one of them works in the agent's `BranchContext`.

mod ingest;

pub use ingest::*;

use crate::app::context;
use crate::app::error::{AppError, AppResult};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{Actor, Function, Owner, Reach};
use domain::activity::{
    counts_toward_quota, daily_counts, Activity, ActivityKind, DailyCount, IngestContext, NotCounted, VoidRefusal,
    Voider,
};
use domain::context::BranchContext;
use domain::errors::ErrorCode;
use domain::ids::UserId;
use domain::org::User;
use domain::ports::{ActivityCursor, ActivityFilter, ActivityRepo, AuditContext, OrganisationRepo};
use domain::rules::RuleId;
use infra::Db;
use uuid::Uuid;

/// The context of the agent's branch. Agents always belong to one (through their team).
async fn branch_of(db: &Db, agent: &User) -> AppResult<BranchContext> {
    context::of_user(db, agent)
        .await?
        .ok_or_else(|| AppError::rejected(ErrorCode::NoBranch, "the agent has no branch"))
}

/// Who logs, in which zone, under the activity policy in force on the receive day (POL-1).
async fn ingest_context(db: &Db, agent: &User, now: DateTime<Utc>) -> AppResult<IngestContext> {
    let ctx = branch_of(db, agent).await?;
    Ok(IngestContext {
        company: agent.company_id,
        agent: agent.id,
        branch: ctx.branch_id(),
        tz: ctx.tz,
        policy: ctx.policy_on(ctx.business_day(now)).document.activity,
        now,
    })
}

/// An activity within `reach` (404 otherwise, exactly like a missing one).
async fn visible(db: &Db, actor: &Actor, reach: &Reach, id: Uuid) -> AppResult<Activity> {
    let a = db
        .get_activity(actor.company_id, id)
        .await?
        .ok_or(AppError::NotFound("activity"))?;
    // Reach is judged by the agent's current team.
    let team = db.get_user(a.company_id, a.agent_id).await?.and_then(|u| u.team_id);
    let owner = Owner {
        company_id: a.company_id,
        user_id: Some(a.agent_id),
        team_id: team,
    };
    if !actor.can_see(reach, owner) {
        return Err(AppError::NotFound("activity"));
    }
    Ok(a)
}

/// One activity within the caller's reach.
pub async fn get(db: &Db, actor: &Actor, reach: &Reach, id: Uuid) -> AppResult<Activity> {
    visible(db, actor, reach, id).await
}

/// A page of activities within the caller's reach, newest first.
pub async fn list(
    db: &Db,
    actor: &Actor,
    reach: &Reach,
    filter: &ActivityFilter,
    after: Option<ActivityCursor>,
    limit: u32,
) -> AppResult<Vec<Activity>> {
    Ok(db
        .list_activities(actor.company_id, &reach.person_scope(), filter, after, limit)
        .await?)
}

/// Voids an activity: an agent their own of today, the quality office or an admin any, as a
/// correction. Nothing is deleted; the void and its audit record commit together.
pub async fn void(
    db: &Db,
    actor: &Actor,
    user: &User,
    audit: &AuditContext,
    id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> AppResult<Activity> {
    let (reach, correcting) = match actor.require(Function::CorrectActivities) {
        Ok(reach) => (reach, true),
        Err(_) => (actor.require(Function::LogActivities)?, false),
    };
    let before = visible(db, actor, &reach, id).await?;
    let by = if correcting {
        Voider::Corrector(actor.user_id)
    } else {
        let today = branch_of(db, user).await?.business_day(now);
        Voider::Agent {
            id: actor.user_id,
            today,
        }
    };
    let after = domain::activity::void(&before, by, reason, now).map_err(refused)?;
    // Guarded on "not yet voided": of two concurrent voids one is recorded.
    if !db.void_activity(audit, &before, &after).await? {
        return Err(refused(VoidRefusal::AlreadyVoided));
    }
    Ok(after)
}

fn refused(r: VoidRefusal) -> AppError {
    match r {
        VoidRefusal::NotOwner => AppError::NotFound("activity"),
        VoidRefusal::AlreadyVoided => AppError::rejected(ErrorCode::AlreadyVoided, "this activity is already voided"),
        VoidRefusal::NotToday => AppError::rejected(
            ErrorCode::NotCurrentBusinessDay,
            format!(
                "agents may void only activities of the current business day ({}); ask the quality office",
                RuleId::Act5
            ),
        ),
        VoidRefusal::BlankReason => AppError::field("/reason", "must not be blank"),
    }
}

/// One of today's activities that does not count, and why.
#[derive(Debug, Clone)]
pub struct NotCountedActivity {
    pub activity_id: Uuid,
    pub kind: ActivityKind,
    pub reason: NotCounted,
    /// A sentence a person can read.
    pub detail: String,
}

/// An agent's progress today against QUO-FACE-D and QUO-CALL-D.
#[derive(Debug, Clone)]
pub struct DayProgress {
    pub agent_id: UserId,
    pub business_day: NaiveDate,
    pub time_zone: String,
    pub working_day: bool,
    pub face_visits: DailyCount,
    pub phone_services: DailyCount,
    pub not_counted: Vec<NotCountedActivity>,
    pub min_call_seconds: u32,
}

/// Another agent's counts today, for whoever may read their progress (404 outside reach).
pub async fn agent_today(db: &Db, actor: &Actor, id: UserId, now: DateTime<Utc>) -> AppResult<DayProgress> {
    let reach = actor.require(Function::ReadProgress)?;
    let agent = crate::app::reach::visible_agent(db, actor, &reach, id).await?;
    today(db, &agent, now).await
}

/// The agent's counts today in their branch's zone, under the policy in force today.
pub async fn today(db: &Db, agent: &User, now: DateTime<Utc>) -> AppResult<DayProgress> {
    let ctx = branch_of(db, agent).await?;
    let day = ctx.business_day(now);
    let policy = ctx.policy_on(day).document.activity;
    let working_day = ctx.is_working_day(day);
    let acts = db.activities_of_day(agent.company_id, agent.id, day).await?;
    let (face_visits, phone_services) = daily_counts(&acts, &policy, working_day);
    let not_counted = acts
        .iter()
        .filter_map(|a| match counts_toward_quota(a, &policy) {
            Some(Err(reason)) => Some(NotCountedActivity {
                activity_id: a.id,
                kind: a.kind,
                reason,
                detail: reason.explain(a, &policy),
            }),
            _ => None,
        })
        .collect();
    Ok(DayProgress {
        agent_id: agent.id,
        business_day: day,
        time_zone: ctx.tz.name().to_owned(),
        working_day,
        face_visits,
        phone_services,
        not_counted,
        min_call_seconds: policy.min_call_seconds,
    })
}
