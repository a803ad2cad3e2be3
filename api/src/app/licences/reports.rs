//! HR's licence views: every agent below pace on the running year's CE hours, and the yearly
//! report of statuses and CE completion per team and branch.

use super::{evaluate_branch, AgentLicence};
use crate::app::context;
use crate::app::error::{AppError, AppResult};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use domain::access::{Actor, Function};
use domain::ids::{BranchId, TeamId};
use domain::licence::LicenceTally;
use domain::ports::ListScope;
use infra::Db;
use std::collections::BTreeMap;

/// HR's views are for HR and admins (403 before anything else is judged).
pub fn require_licence_reports(actor: &Actor) -> AppResult<()> {
    actor.require(Function::ManageLicences)?;
    Ok(())
}

/// Every agent of the company below pace today (their branch's business day), most hours
/// missing first (LIC-3's HR view).
pub async fn below_pace(db: &Db, actor: &Actor, now: DateTime<Utc>) -> AppResult<Vec<AgentLicence>> {
    actor.require(Function::ManageLicences)?;
    let mut out = Vec::new();
    for ctx in context::of_company(db, actor.company_id).await? {
        let day = ctx.business_day(now);
        let agents = evaluate_branch(db, &ctx, &ListScope::Company, day).await?;
        out.extend(agents.into_iter().filter(|a| a.current.below_pace));
    }
    out.sort_by(|a, b| {
        b.current
            .missing_tenths
            .cmp(&a.current.missing_tenths)
            .then_with(|| a.facts.name.cmp(&b.facts.name))
    });
    Ok(out)
}

/// One line of the report: a team (or, with no team, the branch's total).
#[derive(Debug, Clone)]
pub struct LicenceReportRow {
    pub branch_id: BranchId,
    pub branch_name: String,
    pub team_id: Option<TeamId>,
    pub team_name: Option<String>,
    /// The day the statuses are counted on: 31 December, or today for the running year.
    pub counted_on: NaiveDate,
    pub tally: LicenceTally,
}

/// Statuses and CE completion of `year` per team, then per branch (LIC-1..LIC-3).
pub async fn licence_report(db: &Db, actor: &Actor, year: i32, now: DateTime<Utc>) -> AppResult<Vec<LicenceReportRow>> {
    actor.require(Function::ManageLicences)?;
    let branches = context::of_company(db, actor.company_id).await?;
    let this_year = branches
        .iter()
        .map(|b| b.business_day(now).year())
        .max()
        .unwrap_or_else(|| domain::time::business_day(now, domain::context::DEFAULT_TIME_ZONE).year());
    if year > this_year {
        return Err(AppError::field(
            "/query/year",
            format!("must not be after the current year ({this_year})"),
        ));
    }
    let mut rows = Vec::new();
    for ctx in branches {
        let (first, last) = (
            NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN),
            NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX),
        );
        let day = ctx.business_day(now).clamp(first, last);
        let agents = evaluate_branch(db, &ctx, &ListScope::Company, day).await?;
        let mut teams: BTreeMap<(String, TeamId), LicenceTally> = BTreeMap::new();
        let mut total = LicenceTally::default();
        for a in &agents {
            total.add(a.standing.status, &a.current);
            if let Some(t) = a.facts.team_id {
                let name = a.facts.team_name.clone().unwrap_or_default();
                teams.entry((name, t)).or_default().add(a.standing.status, &a.current);
            }
        }
        let branch_name = ctx.branch.settings.name.clone();
        for ((name, team), tally) in teams {
            rows.push(LicenceReportRow {
                branch_id: ctx.branch_id(),
                branch_name: branch_name.clone(),
                team_id: Some(team),
                team_name: Some(name),
                counted_on: day,
                tally,
            });
        }
        rows.push(LicenceReportRow {
            branch_id: ctx.branch_id(),
            branch_name,
            team_id: None,
            team_name: None,
            counted_on: day,
            tally: total,
        });
    }
    Ok(rows)
}
