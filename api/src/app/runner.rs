//! The background runner's pass: every job is idempotent (unique source keys, one-row period
//! markers), so several instances may run it at once and a crashed one simply runs again.

use crate::app::close_day::{close_due_days, CloseReport};
use crate::app::context;
use crate::app::leads::allocate_started_quarter;
use crate::app::licences::{run_licence_year, LicenceJobReport};
use chrono::{DateTime, Utc};
use domain::ports::{CloseRepo, RepoError};
use infra::Db;
use std::collections::BTreeSet;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RunReport {
    pub days: CloseReport,
    /// Lead allocations written for quarters that have started (LEAD-1).
    pub leads_allocated: u64,
    /// Licence lapses and CE reminders (LIC-3).
    pub licences: LicenceJobReport,
}

/// One pass over every branch: close due days and re-evaluate recent ones, settle the month
/// once its cut-off has passed (COM-8), record the licence lapses 1 January brings and send the
/// CE reminders due (LIC-3); then allocate the leads of a quarter that has started in each
/// company (LEAD-1).
pub async fn run_once(db: &Db, now: DateTime<Utc>) -> Result<RunReport, RepoError> {
    let mut report = RunReport::default();
    let mut companies = BTreeSet::new();
    for (company, branch) in db.all_branches().await? {
        companies.insert(company.0);
        let Some(ctx) = context::load(db, company, branch).await? else {
            continue;
        };
        report.days.add(close_due_days(db, &ctx, now).await?);
        crate::app::settlement::settle_if_due(db, &ctx.branch, now).await?;
        report.licences.add(run_licence_year(db, &ctx, now).await?);
    }
    for company in companies {
        if let Some(r) = allocate_started_quarter(db, domain::ids::CompanyId(company), now).await? {
            report.leads_allocated += r.allocated_now;
        }
    }
    Ok(report)
}
