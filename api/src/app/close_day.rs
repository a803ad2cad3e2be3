//! Day close (section 5, LEDGER-2). "Aggregate in SQL, decide in the domain, write in bulk":
//! a run reads a branch's whole range with a few grouped queries, evaluates every agent-day with
//! the pure rules and appends entries whose source keys make every write idempotent, so two
//! instances (or a crashed and restarted one) converge on the same ledger.

use crate::app::context;
use crate::app::day_facts::{self, agents_within, counts_by_day, Leave};
use crate::app::error::{AppError, AppResult};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::access::{Actor, Function};
use domain::context::BranchContext;
use domain::diary::{day_status, submission_deadlines};
use domain::errors::ErrorCode;
use domain::ids::{BranchId, UserId};
use domain::penalty::{evaluate_agent_day, reconcile, AgentDayFacts, DiaryFacts, Due, EntryKind, PenaltyEntry};
use domain::ports::{AuditContext, CloseRepo, LedgerRepo, RepoError};
use infra::Db;
use std::collections::{HashMap, HashSet};

/// How far back closed days are re-evaluated for late facts (LEDGER-2): the upload window
/// plus the close lag.
pub const REEVALUATION_DAYS: i64 = 14;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CloseReport {
    pub days_evaluated: usize,
    pub penalties_posted: u64,
    pub adjustments_posted: u64,
}

impl CloseReport {
    pub fn add(&mut self, other: CloseReport) {
        self.days_evaluated += other.days_evaluated;
        self.penalties_posted += other.penalties_posted;
        self.adjustments_posted += other.adjustments_posted;
    }
}

/// Evaluates every agent who belonged to the branch on each day of [from, to] at `now`, and
/// appends what is due: new penalties for new keys, adjustments (posted today) where the facts
/// changed (see `domain::penalty::reconcile`).
pub async fn evaluate_range(
    db: &Db,
    ctx: &BranchContext,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Result<CloseReport, RepoError> {
    let company = ctx.company_id();
    let policies = ctx.policies_by_day(from, to);
    let members = day_facts::members(db, ctx).await?;
    let agents = agents_within(&members, from, to);
    let counts = counts_by_day(db, company, &agents, from, to, &policies).await?;
    let diaries: HashMap<(UserId, NaiveDate), DiaryFacts> = db
        .agent_diaries(company, &agents, from, to)
        .await?
        .into_iter()
        .map(|(a, d, f)| ((a, d), f))
        .collect();
    let leave = Leave::load(db, company, &agents, from, to).await?;
    let posted = db.posted_sums(company, ctx.branch_id(), from, to).await?;

    let mut due = Vec::new();
    let mut evaluated = HashSet::new();
    let mut report = CloseReport::default();
    for day in day_facts::days(from, to) {
        let Some(policy) = policies.get(&day) else {
            continue;
        };
        let Some(deadlines) = submission_deadlines(day, &ctx.calendar, ctx.tz, ctx.morning, &policy.document.diary)
        else {
            continue;
        };
        for m in members.iter().filter(|m| m.stint.covers(day)) {
            let a = m.agent();
            evaluated.insert((a, day));
            if let Some(s) = m.supervisor {
                evaluated.insert((s, day));
            }
            let tally = counts.get(&(a, day)).copied().unwrap_or_default();
            let facts = AgentDayFacts {
                agent: a,
                supervisor: m.supervisor,
                day,
                status: day_status(day, &ctx.calendar, leave.on_leave(a, day)),
                counted_face_visits: tally.face_visits.clamp(0, i64::from(u32::MAX)) as u32,
                counted_calls: tally.calls.clamp(0, i64::from(u32::MAX)) as u32,
                diary: diaries.get(&(a, day)).cloned(),
                deadlines,
            };
            due.extend(
                evaluate_agent_day(&facts, policy, now)
                    .into_iter()
                    .map(|draft| Due { draft, policy }),
            );
        }
        report.days_evaluated += 1;
    }
    let entries = reconcile(
        company,
        ctx.branch_id(),
        &due,
        &posted,
        &evaluated,
        ctx.business_day(now),
        now,
    );
    let of_kind = |k: EntryKind| {
        entries
            .iter()
            .filter(|e| e.kind == k)
            .cloned()
            .collect::<Vec<PenaltyEntry>>()
    };
    report.adjustments_posted = db.insert_entries(&of_kind(EntryKind::Adjustment)).await?;
    report.penalties_posted = db.insert_entries(&of_kind(EntryKind::Penalty)).await?;
    let days: Vec<NaiveDate> = day_facts::days(from, to).collect();
    db.mark_days_closed(company, ctx.branch_id(), &days, now).await?;
    Ok(report)
}

/// Closes a branch's business day now, with the same effect as the background job; refused
/// while a deadline affecting the day has not passed.
pub async fn close_day(
    db: &Db,
    actor: &Actor,
    branch: BranchId,
    day: NaiveDate,
    audit: &AuditContext,
) -> AppResult<CloseReport> {
    let now = audit.at;
    let started = std::time::Instant::now();
    let r = async {
        let ctx = admin_branch(db, actor, branch).await?;
        closable_by(ctx.close_time(day), now)?;
        Ok(evaluate_range(db, &ctx, day, day, now).await?)
    }
    .await;
    if let Ok(x) = &r {
        let report = serde_json::json!({"date": day, "days_evaluated": x.days_evaluated,
            "penalties_posted": x.penalties_posted, "adjustments_posted": x.adjustments_posted});
        crate::app::audit::job_run(db, audit, "close_day", "branch", branch.0, &report).await;
    }
    crate::metrics::job_done("close_day", started, &r, |x| {
        vec![("penalties", x.penalties_posted), ("adjustments", x.adjustments_posted)]
    });
    r
}

/// The branch of an admin job (ManagePolicies), or a field problem naming it.
pub(crate) async fn admin_branch(db: &Db, actor: &Actor, branch: BranchId) -> AppResult<BranchContext> {
    actor.require(Function::ManagePolicies)?;
    context::load(db, actor.company_id, branch)
        .await?
        .ok_or_else(|| AppError::field("/branch_id", "no such branch"))
}

/// A period can be closed once every deadline affecting it (its close time) has passed.
pub(crate) fn closable_by(close_time: Option<DateTime<Utc>>, now: DateTime<Utc>) -> AppResult<()> {
    match close_time {
        Some(t) if t <= now => Ok(()),
        Some(t) => Err(AppError::rejected(
            ErrorCode::NotClosableYet,
            format!("deadlines affecting this period run until {}", t.to_rfc3339()),
        )),
        None => Err(AppError::rejected(
            ErrorCode::NotClosableYet,
            "the calendar has no working day to close this period against",
        )),
    }
}

/// The background pass for one branch: close every closable day not yet closed, and
/// re-evaluate the recent closed days for late facts.
pub async fn close_due_days(db: &Db, ctx: &BranchContext, now: DateTime<Utc>) -> Result<CloseReport, RepoError> {
    let today = ctx.business_day(now);
    let start = ctx.business_day(ctx.branch.created_at);
    // The latest closable day: walk back from today until its close time has passed.
    let mut last = today;
    while last >= start && ctx.close_time(last).is_none_or(|t| t > now) {
        last -= Duration::days(1);
    }
    if last < start {
        return Ok(CloseReport::default());
    }
    let closed: HashSet<NaiveDate> = db
        .closed_days(ctx.company_id(), ctx.branch_id(), start, last)
        .await?
        .into_iter()
        .collect();
    let first_open = day_facts::days(start, last)
        .find(|d| !closed.contains(d))
        .unwrap_or(last + Duration::days(1));
    let from = first_open.min(last - Duration::days(REEVALUATION_DAYS)).max(start);
    evaluate_range(db, ctx, from, last, now).await
}
