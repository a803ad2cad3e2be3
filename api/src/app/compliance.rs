//! Compliance (section 3): an agent's month day by day (QUO-FACE-D, QUO-CALL-D, QUO-DIARY) and
//! the monthly requirements of a branch's agents (QUO-3), from SQL aggregates and domain rules.

use crate::app::context;
use crate::app::day_facts::{self, agents_within, counts_by_day, Leave, Member};
use crate::app::error::{AppError, AppResult};
use crate::app::reach::visible_agent;
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{Actor, Function};
use domain::context::BranchContext;
use domain::diary::{day_status, submission_deadlines, DayStatus, Timeliness};
use domain::errors::ErrorCode;
use domain::ids::UserId;
use domain::period::Month;
use domain::ports::{CloseRepo, RepoError};
use domain::quota::{
    calls_day, diary_day, face_visits_day, month_compliance, AgentDay, MonthlyCompliance, OutletVisits, Requirement,
};
use infra::Db;
use std::collections::HashMap;

/// The monthly requirements of the branch's agents (everyone who belonged to it during the
/// month), or of one agent, judged under the version in force on the month's last day.
pub async fn monthly_compliance(
    db: &Db,
    ctx: &BranchContext,
    month: Month,
    agent: Option<UserId>,
) -> Result<Vec<(UserId, MonthlyCompliance)>, RepoError> {
    let company = ctx.company_id();
    let (from, to) = month.bounds();
    let policies = ctx.policies_by_day(from, to);
    let policy = ctx.policy_on(to);
    let members = day_facts::members(db, ctx).await?;
    let agents = match agent {
        Some(a) => vec![a],
        None => agents_within(&members, from, to),
    };
    let counts = counts_by_day(db, company, &agents, from, to, &policies).await?;
    let leave = Leave::load(db, company, &agents, from, to).await?;
    // Keyed by (agent, outlet) so each agent reads only their own rows.
    let mut visits: HashMap<(UserId, uuid::Uuid), Vec<NaiveDate>> = HashMap::new();
    for (a, o, d) in db.outlet_visits(company, &agents, from, to).await? {
        visits.entry((a, o)).or_default().push(d);
    }
    let mut outlets: HashMap<UserId, Vec<OutletVisits>> = HashMap::new();
    for (a, o) in db.outlet_assignments(company, &agents).await? {
        outlets.entry(a).or_default().push(OutletVisits {
            outlet_id: o,
            days: visits.remove(&(a, o)).unwrap_or_default(),
        });
    }
    let mut out = Vec::with_capacity(agents.len());
    for a in agents {
        let stints: Vec<&Member> = members.iter().filter(|m| m.agent() == a).collect();
        let days: Vec<AgentDay> = day_facts::days(from, to)
            .filter(|d| stints.iter().any(|m| m.stint.covers(*d)))
            .map(|d| AgentDay {
                day: d,
                status: day_status(d, &ctx.calendar, leave.on_leave(a, d)),
                tally: counts.get(&(a, d)).copied().unwrap_or_default(),
            })
            .collect();
        let assigned = outlets.remove(&a).unwrap_or_default();
        out.push((a, month_compliance(month, &days, &assigned, &policy)));
    }
    Ok(out)
}

/// One day of an agent's compliance view.
#[derive(Debug, Clone)]
pub struct DayCompliance {
    pub date: NaiveDate,
    pub status: DayStatus,
    pub face_visits: Requirement,
    pub phone_services: Requirement,
    pub diary: Option<Timeliness>,
    pub policy_version: i64,
}

#[derive(Debug, Clone)]
pub struct AgentCompliance {
    pub agent: UserId,
    pub month: Month,
    pub days: Vec<DayCompliance>,
    pub monthly: MonthlyCompliance,
}

/// An agent's compliance for a month: one row per day (each requirement met or short by N)
/// and the monthly requirements.
pub async fn agent_compliance(
    db: &Db,
    actor: &Actor,
    agent: UserId,
    month: Month,
    now: DateTime<Utc>,
) -> AppResult<AgentCompliance> {
    let reach = actor.require(Function::ReadLedgers)?;
    let agent = visible_agent(db, actor, &reach, agent).await?;
    let ctx = context::of_user(db, &agent)
        .await?
        .ok_or_else(|| AppError::rejected(ErrorCode::NoBranch, "the agent has no branch"))?;
    let (from, to) = month.bounds();
    let company = ctx.company_id();
    let policies = ctx.policies_by_day(from, to);
    let counts = counts_by_day(db, company, &[agent.id], from, to, &policies).await?;
    let leave = Leave::load(db, company, &[agent.id], from, to).await?;
    let diaries: HashMap<NaiveDate, Option<DateTime<Utc>>> = db
        .agent_diaries(company, &[agent.id], from, to)
        .await?
        .into_iter()
        .map(|(_, d, f)| (d, f.first_submitted_at))
        .collect();
    let mut days = Vec::new();
    for d in day_facts::days(from, to) {
        let p = policies.get(&d).cloned().unwrap_or_default();
        let status = day_status(d, &ctx.calendar, leave.on_leave(agent.id, d));
        let tally = counts.get(&(agent.id, d)).copied().unwrap_or_default();
        let deadlines = submission_deadlines(d, &ctx.calendar, ctx.tz, ctx.morning, &p.document.diary);
        days.push(DayCompliance {
            date: d,
            status,
            face_visits: face_visits_day(status, tally.face_visits, &p.document.activity),
            phone_services: calls_day(status, tally.calls, &p.document.activity),
            diary: diary_day(status, diaries.get(&d).copied().flatten(), deadlines.as_ref(), now),
            policy_version: p.version,
        });
    }
    let monthly = monthly_compliance(db, &ctx, month, Some(agent.id))
        .await?
        .into_iter()
        .next()
        .map(|(_, m)| m)
        .ok_or(AppError::NotFound("agent"))?;
    Ok(AgentCompliance {
        agent: agent.id,
        month,
        days,
        monthly,
    })
}
