//! Use cases of a violation report's life: report, read, list, confirm, dismiss, appeal and
//! the committee's decision. Every date is a business day in the agent's branch (TIME-1); a
//! decision that changes a score records its consequences in the same transaction.

use crate::app::context;
use crate::app::error::{AppError, AppResult};
use crate::app::quality::{agent_context, appeal_days};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{Actor, Function, Owner};
use domain::errors::ErrorCode;
use domain::ids::{BranchId, UserId};
use domain::org::{Role, User};
use domain::period::Month;
use domain::ports::{AuditContext, ClientRepo, ListScope, OrganisationRepo, QualityRepo, RepoError};
use domain::quality::{
    catalogue_in_force, catalogue_version, consequences, next_step, prior_items, reporting_post, score_in,
    sees_reporter, sees_unconfirmed, AppealDecision, NextEvent, Post, PostRefusal, ScoreFacts, Step, StepRefused,
    Violation, ViolationEvent, ViolationEventKind, ViolationState, ViolationStatus,
};
use domain::ValidationErrors;
use infra::Db;
use std::collections::HashMap;
use uuid::Uuid;

/// A report as one viewer may see it.
#[derive(Debug, Clone)]
pub struct ViolationView {
    pub violation: Violation,
    pub state: ViolationState,
    /// The appeal window of the agent's branch policy.
    pub appeal_days: u32,
    /// Only the quality office sees who reported.
    pub reporter_visible: bool,
}

impl ViolationView {
    pub fn new(violation: Violation, appeal_days: u32, viewer: &Actor) -> Self {
        ViolationView {
            state: violation.state(),
            violation,
            appeal_days,
            reporter_visible: sees_reporter(viewer.role),
        }
    }
}

/// What a reporter says.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub agent_id: UserId,
    pub code: String,
    pub post: Post,
    pub occurred_on: NaiveDate,
    pub evidence: String,
    pub attachments: Vec<String>,
    pub client_id: Option<Uuid>,
    pub policy_number: Option<String>,
}

fn refused(e: PostRefusal) -> AppError {
    AppError::Forbidden(e.to_string())
}

/// A report for a post the caller staffs (pending until the quality office decides).
pub async fn report_violation(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    r: NewReport,
    now: DateTime<Utc>,
) -> AppResult<ViolationView> {
    actor.require(Function::ReportViolations)?;
    reporting_post(actor.role, r.post, None).map_err(refused)?;
    let company = actor.company_id;
    let agent = db
        .get_user(company, r.agent_id)
        .await?
        .filter(|u| u.role == Role::Agent);
    let ctx = match &agent {
        Some(a) => Some(agent_context(db, a).await?),
        None => None,
    };
    let mut errors = ValidationErrors::default();
    let today = match &ctx {
        Some(c) => c.business_day(now),
        None => domain::time::business_day(now, domain::context::DEFAULT_TIME_ZONE),
    };
    if r.occurred_on > today {
        errors.push("/occurred_on", "is in the future");
    }
    let catalogue = catalogue_in_force(&db.catalogues(company).await?, r.occurred_on);
    let entry = catalogue.entry(&r.code);
    if agent.is_none() {
        errors.push("/agent_id", "no such agent");
    }
    if r.agent_id == actor.user_id {
        errors.push("/agent_id", "you cannot report yourself");
    }
    if entry.is_none() {
        errors.push("/code", "no such code in the catalogue in force on occurred_on");
    }
    if let Some(c) = r.client_id {
        if db.get_client(company, c).await?.is_none() {
            errors.push("/client_id", "no such client");
        }
    }
    let (Some(ctx), Some(entry), true) = (ctx, entry, errors.is_empty()) else {
        return Err(errors.into());
    };
    reporting_post(actor.role, r.post, Some(entry)).map_err(refused)?;
    let v = Violation {
        company_id: company,
        id: Uuid::now_v7(),
        agent_id: r.agent_id,
        code: r.code,
        post: r.post,
        reporter_id: actor.user_id,
        occurred_on: r.occurred_on,
        evidence: r.evidence.trim().to_owned(),
        attachments: r.attachments,
        client_id: r.client_id,
        policy_number: r.policy_number,
        catalogue_version: catalogue.version,
        created_at: now,
        events: vec![ViolationEvent {
            kind: ViolationEventKind::Reported,
            half_points: None,
            reason: None,
            actor_id: actor.user_id,
            at: now,
        }],
    };
    db.insert_violation(audit, &v).await?;
    Ok(ViolationView::new(v, appeal_days(&ctx, now), actor))
}

/// A report within the caller's reach for `function`, with its agent (404 for anything else,
/// including an unconfirmed report for a viewer who only sees confirmed ones).
async fn load(db: &Db, actor: &Actor, function: Function, id: Uuid) -> AppResult<(Violation, User)> {
    let reach = actor.require(function)?;
    let v = db
        .get_violation(actor.company_id, id)
        .await?
        .ok_or(AppError::NotFound("violation"))?;
    let agent = db.get_user(v.company_id, v.agent_id).await?;
    let owner = Owner {
        company_id: v.company_id,
        user_id: Some(v.agent_id),
        team_id: agent.as_ref().and_then(|a| a.team_id),
    };
    if !actor.can_see(&reach, owner) || (!v.is_confirmed() && !sees_unconfirmed(actor.role)) {
        return Err(AppError::NotFound("violation"));
    }
    let agent = agent.ok_or(AppError::NotFound("violation"))?;
    Ok((v, agent))
}

pub async fn get_violation(db: &Db, actor: &Actor, id: Uuid, now: DateTime<Utc>) -> AppResult<ViolationView> {
    let (v, agent) = load(db, actor, Function::ReadQuality, id).await?;
    let ctx = agent_context(db, &agent).await?;
    Ok(ViolationView::new(v, appeal_days(&ctx, now), actor))
}

/// Each agent's appeal window comes from their branch's policy: one lookup per agent and one
/// context per branch, however many reports a list holds.
#[derive(Default)]
struct AppealWindows {
    branch_of: HashMap<UserId, BranchId>,
    days_in: HashMap<BranchId, u32>,
}

impl AppealWindows {
    async fn of(&mut self, db: &Db, v: &Violation, now: DateTime<Utc>) -> AppResult<u32> {
        let branch = match self.branch_of.get(&v.agent_id) {
            Some(b) => *b,
            None => {
                let agent = db.get_user(v.company_id, v.agent_id).await?;
                let b = agent
                    .and_then(|a| a.branch_id)
                    .ok_or_else(|| AppError::Repo(RepoError::Storage(format!("agent {} has no branch", v.agent_id))))?;
                *self.branch_of.entry(v.agent_id).or_insert(b)
            }
        };
        if let Some(d) = self.days_in.get(&branch) {
            return Ok(*d);
        }
        let ctx = context::load(db, v.company_id, branch)
            .await?
            .ok_or_else(|| AppError::Repo(RepoError::Storage(format!("branch {branch} is missing"))))?;
        Ok(*self.days_in.entry(branch).or_insert(appeal_days(&ctx, now)))
    }
}

/// Reports within the caller's reach, optionally of one agent and in one status.
pub async fn list_violations(
    db: &Db,
    actor: &Actor,
    agent: Option<UserId>,
    status: Option<ViolationStatus>,
    now: DateTime<Utc>,
) -> AppResult<Vec<ViolationView>> {
    let reach = actor.require(Function::ReadQuality)?;
    let rows = db
        .list_violations(actor.company_id, &reach.person_scope(), agent, None, None)
        .await?;
    let mut windows = AppealWindows::default();
    let mut out = Vec::new();
    for v in rows {
        let s = v.state();
        let visible = sees_unconfirmed(actor.role) || s.status == ViolationStatus::Confirmed;
        if visible && status.is_none_or(|st| st == s.status) {
            let days = windows.of(db, &v, now).await?;
            out.push(ViolationView::new(v, days, actor));
        }
    }
    Ok(out)
}

fn step_refused(e: StepRefused, code: &str, verb: &str) -> AppError {
    use domain::quality::PointsError;
    match e {
        StepRefused::NotPending => {
            AppError::rejected(ErrorCode::NotPending, format!("only a pending report can be {verb}"))
        }
        StepRefused::Points(PointsError::Missing) => AppError::field(
            "/half_points",
            format!("{code} needs the points picked within its range"),
        ),
        StepRefused::Points(PointsError::OutOfRange { min, max }) => AppError::field(
            "/half_points",
            format!("must be between {min} and {max} half points for {code}"),
        ),
        StepRefused::Points(PointsError::NotPickable) => AppError::field(
            "/half_points",
            format!("{code}'s points are fixed by its rule; omit half_points"),
        ),
        StepRefused::AlreadyAppealed => {
            AppError::rejected(ErrorCode::AlreadyAppealed, "this violation has already been appealed")
        }
        StepRefused::AppealWindowClosed { appeal_days } => AppError::rejected(
            ErrorCode::AppealWindowClosed,
            format!("appeals are possible within {appeal_days} days of confirmation"),
        ),
        StepRefused::NoPendingAppeal => AppError::rejected(
            ErrorCode::NoPendingAppeal,
            "there is no pending appeal on this violation",
        ),
        StepRefused::ReductionOutOfRange { max } => AppError::field(
            "/half_points",
            format!("a reduction needs points between 1 and {max} half points"),
        ),
    }
}

fn event(next: NextEvent, actor: &Actor, reason: Option<String>, now: DateTime<Utc>) -> ViolationEvent {
    ViolationEvent {
        kind: next.kind,
        half_points: next.half_points,
        reason,
        actor_id: actor.user_id,
        at: now,
    }
}

fn concurrent() -> AppError {
    AppError::rejected(
        ErrorCode::ConcurrentDecision,
        "another decision on this report was recorded first; read it again",
    )
}

/// Records a step that changes the agent's half-year score, with the consequences the new
/// score brings (QLT-4/5), in one transaction.
async fn record_scored(
    db: &Db,
    audit: &AuditContext,
    v: &Violation,
    agent: &User,
    e: ViolationEvent,
    now: DateTime<Utc>,
) -> AppResult<u32> {
    let ctx = agent_context(db, agent).await?;
    let half = v.half_year();
    let today = ctx.business_day(now);
    // The thresholds of the policy in force today, or on the half-year's last day once it is over.
    let policy = ctx.policy_on(today.min(half.last_day())).document.quality;
    let supervisor_id = match agent.team_id {
        Some(t) => db.get_team(v.company_id, t).await?.map(|t| t.supervisor_id),
        None => None,
    };
    let month = Month::of(today);
    let rescore = |violations: &[Violation], recorded: &[domain::quality::Consequence]| {
        let facts = ScoreFacts {
            company_id: v.company_id,
            agent_id: v.agent_id,
            supervisor_id,
            half_year: half,
            score: score_in(violations, half),
            month,
            recorded,
            now,
        };
        consequences(&policy, &facts)
    };
    if !db.append_violation_event_and_rescore(audit, v, &e, rescore).await? {
        return Err(concurrent());
    }
    Ok(appeal_days(&ctx, now))
}

/// The quality office confirms a pending report, fixing its points by its code's rule.
pub async fn confirm_violation(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    id: Uuid,
    picked: Option<i64>,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<ViolationView> {
    let (v, agent) = load(db, actor, Function::ManageQuality, id).await?;
    let catalogue = catalogue_version(&db.catalogues(v.company_id).await?, v.catalogue_version);
    let entry = catalogue
        .entry(&v.code)
        .ok_or_else(|| RepoError::Storage(format!("code {} is not in catalogue {}", v.code, v.catalogue_version)))?;
    let (from, to) = v.half_year().bounds();
    let same_half = db
        .list_violations(
            v.company_id,
            &ListScope::Company,
            Some(v.agent_id),
            Some(from),
            Some(to),
        )
        .await?;
    let step = Step::Confirm {
        rule: &entry.rule,
        picked,
        prior_items: prior_items(&same_half, &v.code, v.half_year(), v.id),
    };
    let next = next_step(&v.state(), step, now).map_err(|e| step_refused(e, &v.code, "confirmed"))?;
    let e = event(next, actor, reason, now);
    let days = record_scored(db, audit, &v, &agent, e.clone(), now).await?;
    Ok(ViolationView::new(v.with_event(e), days, actor))
}

/// The quality office dismisses a pending report, with a reason.
pub async fn dismiss_violation(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    id: Uuid,
    reason: String,
    now: DateTime<Utc>,
) -> AppResult<ViolationView> {
    let (v, agent) = load(db, actor, Function::ManageQuality, id).await?;
    let next = next_step(&v.state(), Step::Dismiss, now).map_err(|e| step_refused(e, &v.code, "dismissed"))?;
    let e = event(next, actor, Some(reason), now);
    if !db.append_violation_event(audit, &v, &e).await? {
        return Err(concurrent());
    }
    let days = appeal_days(&agent_context(db, &agent).await?, now);
    Ok(ViolationView::new(v.with_event(e), days, actor))
}

/// The agent appeals their confirmed report within the window.
pub async fn appeal_violation(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    id: Uuid,
    reason: String,
    now: DateTime<Utc>,
) -> AppResult<ViolationView> {
    let (v, agent) = load(db, actor, Function::AppealViolations, id).await?;
    let days = appeal_days(&agent_context(db, &agent).await?, now);
    let step = Step::Appeal { appeal_days: days };
    let next = next_step(&v.state(), step, now).map_err(|e| step_refused(e, &v.code, "appealed"))?;
    let e = event(next, actor, Some(reason), now);
    if !db.append_violation_event(audit, &v, &e).await? {
        return Err(concurrent());
    }
    Ok(ViolationView::new(v.with_event(e), days, actor))
}

/// The committee upholds, reduces or overturns an appealed report.
pub async fn decide_appeal(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    id: Uuid,
    decision: AppealDecision,
    reason: String,
    now: DateTime<Utc>,
) -> AppResult<ViolationView> {
    let (v, agent) = load(db, actor, Function::ManageQuality, id).await?;
    let next = next_step(&v.state(), Step::Decide(decision), now).map_err(|e| step_refused(e, &v.code, "decided"))?;
    let e = event(next, actor, Some(reason), now);
    let days = record_scored(db, audit, &v, &agent, e.clone(), now).await?;
    Ok(ViolationView::new(v.with_event(e), days, actor))
}
