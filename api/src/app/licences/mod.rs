//! Agent licences and continuing education (LIC-1..LIC-3): the licence record, CE courses and
//! HR's decisions on them, reinstatement, and the one evaluation every view, the policy check
//! (COM-1), the year-end job and the reports share. Every date is a business day in the agent's
//! branch zone (TIME-1) and every number comes from the policy version in force (POL-1).

mod jobs;
mod reports;

pub use jobs::*;
pub use reports::*;

use crate::app::diaries::agent_context;
use crate::app::error::{AppError, AppResult};
use crate::app::reach::visible_agent;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use domain::access::{Actor, Function, Owner, Reach};
use domain::context::BranchContext;
use domain::errors::ErrorCode;
use domain::ids::{TeamId, UserId};
use domain::licence::{
    ce_account, ce_consequences, ce_course_record, check_reinstatement, licence_record, licence_standing, CeAccount,
    CeConsequences, CeCourse, CeCourseDraft, CeHours, CourseRecorder, CourseStatus, Lapse, LicenceDraft,
    LicenceStanding,
};
use domain::org::{Role, User};
use domain::ports::{
    AgentLicenceFacts, AuditContext, CeCourseRepo, LicenceRepo, ListScope, OrganisationRepo, RepoError,
};
use infra::Db;
use std::collections::HashMap;
use uuid::Uuid;

/// One agent's licence as the rules see it on a day.
#[derive(Debug, Clone)]
pub struct AgentLicence {
    pub facts: AgentLicenceFacts,
    /// The business day it was evaluated on.
    pub day: NaiveDate,
    pub standing: LicenceStanding,
    /// The year of `day` (LIC-2) and the year before it (what LIC-3 judges from 1 January).
    pub current: CeAccount,
    pub previous: CeAccount,
    pub consequences: CeConsequences,
    pub lapses: Vec<Lapse>,
}

fn year_bounds(year: i32) -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN),
        NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX),
    )
}

/// Confirmed and pending hours of `agents` in a calendar year.
async fn hours_in(
    db: &Db,
    ctx: &BranchContext,
    agents: &[UserId],
    year: i32,
) -> Result<HashMap<UserId, CeHours>, RepoError> {
    let (from, to) = year_bounds(year);
    db.ce_hours(ctx.company_id(), agents, from, to).await
}

/// Evaluates the branch's active agents within `scope` on `day` with a few grouped reads:
/// LIC-2 for the day's year and the year before (each under the policy in force at its end,
/// or on `day` for the running year), LIC-3's consequences, and LIC-1's status.
pub(crate) async fn evaluate_branch(
    db: &Db,
    ctx: &BranchContext,
    scope: &ListScope,
    day: NaiveDate,
) -> Result<Vec<AgentLicence>, RepoError> {
    let facts = db.licence_facts(ctx.company_id(), Some(ctx.branch_id()), scope).await?;
    if facts.is_empty() {
        return Ok(vec![]);
    }
    let ids: Vec<UserId> = facts.iter().map(|f| f.agent_id).collect();
    let year = day.year();
    let current_hours = hours_in(db, ctx, &ids, year).await?;
    let previous_hours = hours_in(db, ctx, &ids, year - 1).await?;
    let mut lapses: HashMap<UserId, Vec<Lapse>> = HashMap::new();
    for l in db.lapses_of(ctx.company_id(), &ids).await? {
        lapses.entry(l.agent_id).or_default().push(l);
    }
    let policy_now = ctx.policy_on(day).document.licence;
    let policy_prev = ctx.policy_on(year_bounds(year - 1).1).document.licence;
    Ok(facts
        .into_iter()
        .map(|f| {
            let l = f.licence.as_ref();
            let hours = |m: &HashMap<UserId, CeHours>| m.get(&f.agent_id).copied().unwrap_or_default();
            let current = ce_account(l, year, hours(&current_hours), policy_now.ce_hours_per_year, day);
            let previous = ce_account(l, year - 1, hours(&previous_hours), policy_prev.ce_hours_per_year, day);
            let consequences = ce_consequences(day, &previous, &current, &policy_now);
            let lapses = lapses.remove(&f.agent_id).unwrap_or_default();
            let standing = licence_standing(l, &lapses, consequences.lapse.as_ref(), day);
            AgentLicence {
                facts: f,
                day,
                standing,
                current,
                previous,
                consequences,
                lapses,
            }
        })
        .collect())
}

/// One agent on their branch's business day of `now`.
pub(crate) async fn evaluate_agent(db: &Db, agent: &User, now: DateTime<Utc>) -> AppResult<AgentLicence> {
    let ctx = agent_context(db, agent).await?;
    let day = ctx.business_day(now);
    evaluate_branch(db, &ctx, &ListScope::User(agent.id), day)
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound("agent"))
}

/// COM-1 meets LIC-1: may this agent be the selling agent of a policy recorded now? The
/// refusal names the status, the day and the reason (and a lapse's date).
pub(crate) async fn require_licensed(db: &Db, agent: &User, now: DateTime<Utc>) -> AppResult<()> {
    let a = evaluate_agent(db, agent, now).await?;
    if a.standing.status.may_sell() {
        return Ok(());
    }
    Err(AppError::rejected(
        ErrorCode::AgentNotLicensed,
        format!(
            "the selling agent {} is {} on {}: {}",
            agent.name,
            a.standing.status.as_str(),
            a.day,
            a.standing.reason
        ),
    ))
}

/// An agent's licence, status and CE account (the profile).
pub async fn get_licence(db: &Db, actor: &Actor, agent: UserId, now: DateTime<Utc>) -> AppResult<AgentLicence> {
    let reach = actor.require(Function::ReadLicences)?;
    let agent = visible_agent(db, actor, &reach, agent).await?;
    evaluate_agent(db, &agent, now).await
}

/// HR or an admin records (or corrects) an agent's licence (LIC-1).
pub async fn put_licence(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    agent: UserId,
    draft: LicenceDraft,
    now: DateTime<Utc>,
) -> AppResult<AgentLicence> {
    let reach = actor.require(Function::ManageLicences)?;
    let agent = visible_agent(db, actor, &reach, agent).await?;
    let ctx = agent_context(db, &agent).await?;
    let before = db.get_licence(agent.company_id, agent.id).await?;
    let licence = licence_record(
        agent.company_id,
        agent.id,
        draft,
        before.as_ref(),
        ctx.business_day(now),
        now,
    )?;
    db.put_licence(audit, before.as_ref(), &licence).await?;
    evaluate_agent(db, &agent, now).await
}

/// A course recorded by the agent (pending) or by HR / an integration (confirmed) (LIC-2).
pub async fn record_ce_course(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    agent: UserId,
    draft: CeCourseDraft,
    now: DateTime<Utc>,
) -> AppResult<CeCourse> {
    let reach = actor.require(Function::RecordCeCourses)?;
    let agent = visible_agent(db, actor, &reach, agent).await?;
    let ctx = agent_context(db, &agent).await?;
    let recorder = if actor.role == Role::Agent {
        CourseRecorder::Agent
    } else {
        CourseRecorder::Office
    };
    let course = ce_course_record(
        agent.company_id,
        agent.id,
        draft,
        (actor.user_id, recorder),
        ctx.business_day(now),
        now,
    )?;
    match db.insert_ce_course(audit, &course).await {
        Ok(()) => Ok(course),
        Err(RepoError::Conflict(_)) => {
            // An offline app repeating its upload gets the stored course back; any other use
            // of the id is a conflict.
            let stored = db.get_ce_course(agent.company_id, course.id).await?;
            match stored {
                Some(s) if same_course(&s, &course) => Ok(s),
                _ => Err(AppError::rejected(
                    ErrorCode::IdConflict,
                    "a different course with this id already exists",
                )),
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// The same course sent again: everything the sender chose is equal.
fn same_course(a: &CeCourse, b: &CeCourse) -> bool {
    (
        a.agent_id,
        a.taken_on,
        a.hours_tenths,
        &a.provider,
        &a.certificate_ref,
        &a.evidence_ref,
    ) == (
        b.agent_id,
        b.taken_on,
        b.hours_tenths,
        &b.provider,
        &b.certificate_ref,
        &b.evidence_ref,
    ) && a.recorded_by == b.recorded_by
}

/// An agent's courses of a year (default: the current one) and the year's account.
pub async fn list_ce_courses(
    db: &Db,
    actor: &Actor,
    agent: UserId,
    year: Option<i32>,
    now: DateTime<Utc>,
) -> AppResult<(Vec<CeCourse>, CeAccount)> {
    let reach = actor.require(Function::ReadLicences)?;
    let agent = visible_agent(db, actor, &reach, agent).await?;
    let a = evaluate_agent(db, &agent, now).await?;
    let year = year.unwrap_or(a.day.year());
    let (from, to) = year_bounds(year);
    let courses = db.ce_courses_of(agent.company_id, agent.id, from, to).await?;
    let account = if year == a.current.year {
        a.current
    } else if year == a.previous.year {
        a.previous
    } else {
        let ctx = agent_context(db, &agent).await?;
        let hours = hours_in(db, &ctx, &[agent.id], year).await?;
        let policy = ctx.policy_on(to.min(a.day)).document.licence;
        ce_account(
            a.facts.licence.as_ref(),
            year,
            hours.get(&agent.id).copied().unwrap_or_default(),
            policy.ce_hours_per_year,
            a.day,
        )
    };
    Ok((courses, account))
}

/// HR's decision on a pending course.
#[derive(Debug, Clone)]
pub enum CourseDecision {
    Confirm,
    Reject(String),
}

/// HR confirms or rejects a course an agent recorded; once.
pub async fn decide_ce_course(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    agent: UserId,
    course: Uuid,
    decision: CourseDecision,
    now: DateTime<Utc>,
) -> AppResult<CeCourse> {
    let reach = actor.require(Function::ManageLicences)?;
    let agent = visible_agent(db, actor, &reach, agent).await?;
    let before = db
        .get_ce_course(agent.company_id, course)
        .await?
        .filter(|c| c.agent_id == agent.id)
        .ok_or(AppError::NotFound("course"))?;
    let decided = || AppError::rejected(ErrorCode::AlreadyDecided, "the course is already decided");
    if before.status != CourseStatus::Pending {
        return Err(decided());
    }
    let (status, note) = match decision {
        CourseDecision::Confirm => (CourseStatus::Confirmed, None),
        CourseDecision::Reject(reason) => (CourseStatus::Rejected, Some(reason)),
    };
    let after = CeCourse {
        status,
        decided_by: Some(actor.user_id),
        decided_at: Some(now),
        decision_note: note,
        ..before.clone()
    };
    if !db.decide_ce_course(audit, &before, &after).await? {
        return Err(decided());
    }
    Ok(after)
}

/// HR reinstates a lapsed licence once the lapsed year's hours are confirmed (LIC-3).
pub async fn reinstate(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    agent: UserId,
    now: DateTime<Utc>,
) -> AppResult<AgentLicence> {
    let reach = actor.require(Function::ManageLicences)?;
    let agent = visible_agent(db, actor, &reach, agent).await?;
    let a = evaluate_agent(db, &agent, now).await?;
    let mut open: Vec<Lapse> = a.lapses.iter().filter(|l| l.open_on(a.day)).cloned().collect();
    if let Some(due) = a
        .consequences
        .lapse
        .filter(|d| !a.lapses.iter().any(|l| l.year == d.year))
    {
        open.push(Lapse::from_due(agent.company_id, agent.id, &due, now));
    }
    if open.is_empty() {
        return Err(AppError::rejected(ErrorCode::NotLapsed, "the licence has not lapsed"));
    }
    let ctx = agent_context(db, &agent).await?;
    for l in &open {
        let hours = hours_in(db, &ctx, &[agent.id], l.year).await?;
        let done = hours.get(&agent.id).map_or(0, |h| h.confirmed_tenths);
        check_reinstatement(l.due_tenths, done, l.year)
            .map_err(|e| AppError::rejected(ErrorCode::CeHoursMissing, e))?;
    }
    for l in open {
        let back = Lapse {
            reinstated_on: Some(a.day),
            reinstated_at: Some(now),
            reinstated_by: Some(actor.user_id),
            ..l
        };
        if !db.reinstate_lapse(audit, &back).await? {
            return Err(AppError::rejected(
                ErrorCode::NotLapsed,
                "the licence was reinstated meanwhile",
            ));
        }
    }
    evaluate_agent(db, &agent, now).await
}

/// The licences of a team's agents within the caller's reach (an agent sees only themselves).
pub async fn team_licences(db: &Db, actor: &Actor, team: TeamId, now: DateTime<Utc>) -> AppResult<Vec<AgentLicence>> {
    let reach = actor.require(Function::ReadLicences)?;
    let team = db
        .get_team(actor.company_id, team)
        .await?
        .filter(|t| {
            actor.can_see(
                &reach,
                Owner {
                    company_id: t.company_id,
                    user_id: None,
                    team_id: Some(t.id),
                },
            )
        })
        .ok_or(AppError::NotFound("team"))?;
    let ctx = crate::app::context::load(db, team.company_id, team.branch_id)
        .await?
        .ok_or(AppError::NotFound("team"))?;
    let scope = match reach {
        Reach::Own(u, _) => ListScope::User(u),
        _ => ListScope::Team(team.id),
    };
    let all = evaluate_branch(db, &ctx, &scope, ctx.business_day(now)).await?;
    Ok(all.into_iter().filter(|a| a.facts.team_id == Some(team.id)).collect())
}
