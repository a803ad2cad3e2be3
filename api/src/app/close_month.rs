//! Month close: every day of the month evaluated, the monthly compliance recorded (QUO-3), and
//! monthly penalties where a policy attaches money to a shortfall. Idempotent; once closed a
//! month's record is immutable (LEDGER-2).

use crate::app::close_day::{admin_branch, closable_by, evaluate_range, CloseReport};
use crate::app::compliance::monthly_compliance;
use crate::app::error::AppResult;
use chrono::{DateTime, Utc};
use domain::access::Actor;
use domain::context::BranchContext;
use domain::ids::{BranchId, UserId};
use domain::penalty::entry_from_draft;
use domain::period::Month;
use domain::ports::{AuditContext, CloseRepo, LedgerRepo, RepoError};
use domain::quota::monthly_shortfall_penalties;
use infra::Db;

#[derive(Debug, Clone)]
pub struct MonthReport {
    pub month: Month,
    /// False when the month had already been closed (nothing changed).
    pub closed_now: bool,
    pub days: CloseReport,
    pub agents: usize,
    pub monthly_penalties_posted: u64,
}

/// Closes `month` for the branch (the job; also the benchmark's subject).
pub async fn close_month(
    db: &Db,
    ctx: &BranchContext,
    month: Month,
    now: DateTime<Utc>,
) -> Result<MonthReport, RepoError> {
    let (from, to) = month.bounds();
    let days = evaluate_range(db, ctx, from, to, now).await?;
    let results = monthly_compliance(db, ctx, month, None).await?;
    let policy = ctx.policy_on(to);
    let entries: Vec<_> = results
        .iter()
        .flat_map(|(agent, r)| monthly_shortfall_penalties(*agent, month, r, &policy))
        .map(|d| entry_from_draft(ctx.company_id(), Some(ctx.branch_id()), &d, &policy, to, now))
        .collect();
    let monthly_penalties_posted = db.insert_entries(&entries).await?;
    let rows = results
        .iter()
        .map(|(a, r)| {
            Ok((
                *a,
                serde_json::to_value(r).map_err(|e| RepoError::Storage(e.to_string()))?,
            ))
        })
        .collect::<Result<Vec<(UserId, serde_json::Value)>, RepoError>>()?;
    let closed_now = db
        .close_month(ctx.company_id(), ctx.branch_id(), month, &rows, now)
        .await?;
    Ok(MonthReport {
        month,
        closed_now,
        days,
        agents: results.len(),
        monthly_penalties_posted,
    })
}

/// The admin's month close: refused until the month's last day can be closed.
pub async fn close_month_now(
    db: &Db,
    actor: &Actor,
    branch: BranchId,
    month: Month,
    audit: &AuditContext,
) -> AppResult<MonthReport> {
    let now = audit.at;
    let started = std::time::Instant::now();
    let r = async {
        let ctx = admin_branch(db, actor, branch).await?;
        closable_by(ctx.close_time(month.last_day()), now)?;
        Ok(close_month(db, &ctx, month, now).await?)
    }
    .await;
    if let Ok(x) = &r {
        let report = serde_json::json!({"month": month.to_string(), "closed_now": x.closed_now,
            "agents": x.agents, "penalties_posted": x.days.penalties_posted + x.monthly_penalties_posted,
            "adjustments_posted": x.days.adjustments_posted});
        crate::app::audit::job_run(db, audit, "close_month", "branch", branch.0, &report).await;
    }
    crate::metrics::job_done("close_month", started, &r, |x| {
        vec![
            ("penalties", x.days.penalties_posted + x.monthly_penalties_posted),
            ("adjustments", x.days.adjustments_posted),
        ]
    });
    r
}
