//! Leave and the agent's working calendar (TIME-2): agents request leave, their supervisor
//! (or an admin) decides it once, and approved leave removes days from every daily duty.

use crate::app::diaries::{agent_context, visible_agent};
use crate::app::error::{AppError, AppResult};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{Actor, Function};
use domain::diary::{month_days, DayStatus, LeaveAsked, LeaveDecision, LeaveRequest};
use domain::errors::ErrorCode;
use domain::ids::UserId;
use domain::period::Month;
use domain::ports::{AuditContext, DiaryRepo, PageRequest};
use infra::Db;

/// An agent's own request for leave.
pub async fn request_leave(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    asked: LeaveAsked,
    now: DateTime<Utc>,
) -> AppResult<LeaveRequest> {
    actor.require(Function::WriteDiary)?;
    let leave = LeaveRequest::request(actor.company_id, actor.user_id, asked, now)?;
    db.insert_leave(audit, &leave).await?;
    Ok(leave)
}

/// A page of the leave requests within the caller's reach.
pub async fn list_leave(db: &Db, actor: &Actor, page: PageRequest) -> AppResult<Vec<LeaveRequest>> {
    let reach = actor.require(Function::ReadDiaries)?;
    Ok(db.list_leave(actor.company_id, &reach.person_scope(), page).await?)
}

fn already_decided() -> AppError {
    AppError::rejected(ErrorCode::AlreadyDecided, "this leave request has already been decided")
}

/// The agent's supervisor (or an admin) approves or rejects a request, once.
pub async fn decide_leave(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    id: uuid::Uuid,
    decision: LeaveDecision,
    comment: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<LeaveRequest> {
    let reach = actor.require(Function::ReviewDiaries)?;
    let before = db
        .get_leave(actor.company_id, id)
        .await?
        .ok_or(AppError::NotFound("leave request"))?;
    // Another team's request is answered exactly like a missing one.
    visible_agent(db, actor, &reach, before.agent_id)
        .await
        .map_err(|_| AppError::NotFound("leave request"))?;
    let after = before
        .decide(decision, actor.user_id, comment, now)
        .map_err(|_| already_decided())?;
    if !db.decide_leave(audit, &before, &after).await? {
        return Err(already_decided());
    }
    Ok(after)
}

/// An agent's working calendar for a month, in their branch's zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentCalendar {
    pub agent: UserId,
    pub month: Month,
    pub time_zone: String,
    pub days: Vec<(NaiveDate, DayStatus)>,
}

/// Each day of `month` for a visible agent: working, rest, holiday or leave.
pub async fn agent_calendar(db: &Db, actor: &Actor, agent: UserId, month: Month) -> AppResult<AgentCalendar> {
    let reach = actor.require(Function::ReadProgress)?;
    let agent = visible_agent(db, actor, &reach, agent).await?;
    let ctx = agent_context(db, &agent).await?;
    let (first, last) = month.bounds();
    let leave = db.approved_leave(agent.company_id, agent.id, first, last).await?;
    Ok(AgentCalendar {
        agent: agent.id,
        month,
        time_zone: ctx.tz.name().to_owned(),
        days: month_days(month, &ctx.calendar, &leave),
    })
}
