//! The supervisor's team view (SUP-3): each agent's progress on a day, diaries awaiting review
//! with their deadlines, and month-to-date penalties.

use crate::app::context;
use crate::app::day_facts::counts_by_day;
use crate::app::error::{AppError, AppResult};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use domain::access::{Actor, Function, Owner};
use domain::diary::{day_status, DiaryStatus};
use domain::ids::{TeamId, UserId};
use domain::org::{Role, User};
use domain::ports::{DiaryRepo, LedgerRepo, ListScope, OrganisationRepo, PageRequest, RepoError};
use domain::quota::{calls_day, face_visits_day, Requirement};
use infra::Db;
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct AgentProgress {
    pub agent: UserId,
    pub name: String,
    pub working_day: bool,
    pub face_visits: Requirement,
    pub phone_services: Requirement,
    /// The day's diary, if started.
    pub diary_status: Option<DiaryStatus>,
    pub month_to_date_fen: i64,
    pub month_to_date_leads: i64,
}

#[derive(Debug, Clone)]
pub struct AwaitingReview {
    pub agent: UserId,
    pub date: NaiveDate,
    pub review_deadline: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct TeamDashboard {
    pub team: TeamId,
    pub date: NaiveDate,
    pub agents: Vec<AgentProgress>,
    pub awaiting_review: Vec<AwaitingReview>,
    pub month_to_date_fen: i64,
    pub month_to_date_leads: i64,
}

/// The dashboard of a team within the caller's reach, on `date` (default: today in the team's
/// branch, TIME-1).
pub async fn team_dashboard(
    db: &Db,
    actor: &Actor,
    team: TeamId,
    date: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> AppResult<TeamDashboard> {
    let reach = actor.require(Function::ReviewDiaries)?;
    let company = actor.company_id;
    let team = db
        .get_team(company, team)
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
    let ctx = context::load(db, company, team.branch_id)
        .await?
        .ok_or_else(|| RepoError::Storage(format!("team {} has no branch", team.id.0)))?;
    let date = date.unwrap_or_else(|| ctx.business_day(now));
    let policies = ctx.policies_by_day(date, date);
    let policy = ctx.policy_on(date);
    let agents: Vec<User> = db
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
        .collect();
    let ids: Vec<UserId> = agents.iter().map(|a| a.id).collect();
    let counts = counts_by_day(db, company, &ids, date, date, &policies).await?;
    let on_leave = db.team_on_leave(company, team.id, date).await?;
    let diaries = db.team_diaries(company, team.id, date).await?;
    let month_start = date.with_day0(0).unwrap_or(date);
    let sums: HashMap<UserId, (i64, i64)> = db
        .person_sums(company, &ids, month_start, date)
        .await?
        .into_iter()
        .map(|(u, f, l)| (u, (f, l)))
        .collect();
    let progress: Vec<AgentProgress> = agents
        .iter()
        .map(|a| {
            let status = day_status(date, &ctx.calendar, on_leave.contains(&a.id));
            let tally = counts.get(&(a.id, date)).copied().unwrap_or_default();
            let (fen, leads) = sums.get(&a.id).copied().unwrap_or((0, 0));
            AgentProgress {
                agent: a.id,
                name: a.name.clone(),
                working_day: status.has_daily_duty(),
                face_visits: face_visits_day(status, tally.face_visits, &policy.document.activity),
                phone_services: calls_day(status, tally.calls, &policy.document.activity),
                diary_status: diaries.iter().find(|d| d.agent_id == a.id).map(|d| d.status),
                month_to_date_fen: fen,
                month_to_date_leads: leads,
            }
        })
        .collect();
    // The last week's submitted diaries, in one query, most urgent first.
    let mut awaiting: Vec<AwaitingReview> = db
        .submitted_diaries(company, team.id, date - Duration::days(6), date)
        .await?
        .into_iter()
        .filter(|d| d.status == DiaryStatus::Submitted)
        .map(|d| AwaitingReview {
            agent: d.agent_id,
            date: d.date,
            review_deadline: d.review_deadline,
        })
        .collect();
    awaiting.sort_by_key(|a| a.review_deadline);
    Ok(TeamDashboard {
        team: team.id,
        date,
        month_to_date_fen: progress.iter().map(|p| p.month_to_date_fen).sum(),
        month_to_date_leads: progress.iter().map(|p| p.month_to_date_leads).sum(),
        agents: progress,
        awaiting_review: awaiting,
    })
}
