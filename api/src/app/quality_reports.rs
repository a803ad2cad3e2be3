//! The HR post's monthly tally, the committee's quarterly review and sign-off, and the annual
//! summary: each a tally of confirmed reports dated in the period.

use crate::app::error::{AppError, AppResult};
use chrono::NaiveDate;
use domain::access::{Actor, Function};
use domain::errors::ErrorCode;
use domain::ids::{BranchId, TeamId};
use domain::period::{Month, Quarter};
use domain::ports::{AuditContext, ListScope, OrganisationRepo, PageRequest, QualityRepo};
use domain::quality::{departments, reads_reports, tally, DepartmentFigures, SignOff, TallyRow};
use infra::Db;
use std::collections::HashMap;

/// The whole company in one page (reports cover every agent).
const ALL: PageRequest = PageRequest {
    after: None,
    limit: 100_000,
};

/// HR, the quality office and admins read the reports.
pub fn require_reports(actor: &Actor) -> AppResult<()> {
    if reads_reports(actor.role) {
        Ok(())
    } else {
        Err(domain::access::Forbidden.into())
    }
}

async fn tally_between(db: &Db, actor: &Actor, from: NaiveDate, to: NaiveDate) -> AppResult<Vec<TallyRow>> {
    let company = actor.company_id;
    let violations = db
        .list_violations(company, &ListScope::Company, None, Some(from), Some(to))
        .await?;
    let users = db.list_users(company, &ListScope::Company, ALL).await?;
    let teams: HashMap<TeamId, String> = db
        .list_teams(company, &ListScope::Company, ALL)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    Ok(tally(&violations, &users, &teams))
}

pub async fn monthly_tally(db: &Db, actor: &Actor, month: Month) -> AppResult<Vec<TallyRow>> {
    require_reports(actor)?;
    let (from, to) = month.bounds();
    tally_between(db, actor, from, to).await
}

pub async fn annual_tally(db: &Db, actor: &Actor, year: i32) -> AppResult<Vec<TallyRow>> {
    require_reports(actor)?;
    let (from, to) = match (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) {
        (Some(f), Some(t)) => (f, t),
        _ => return Err(AppError::field("/query/year", "must be a year between 2000 and 2100")),
    };
    tally_between(db, actor, from, to).await
}

/// A department's quarter with its sign-off, if recorded.
#[derive(Debug, Clone)]
pub struct DepartmentQuarter {
    pub branch_id: BranchId,
    pub figures: DepartmentFigures,
    pub sign_off: Option<SignOff>,
}

pub async fn quarterly_review(db: &Db, actor: &Actor, quarter: Quarter) -> AppResult<Vec<DepartmentQuarter>> {
    require_reports(actor)?;
    let signoffs = db.signoffs(actor.company_id, quarter).await?;
    let (from, to) = quarter.bounds();
    let rows = tally_between(db, actor, from, to).await?;
    Ok(departments(&rows)
        .into_iter()
        .map(|(branch_id, figures)| DepartmentQuarter {
            branch_id,
            figures,
            sign_off: signoffs.iter().find(|s| s.branch_id == branch_id).cloned(),
        })
        .collect())
}

/// The committee (the quality office) signs off a department's quarter once, recording the
/// figures it saw.
pub async fn sign_off(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    quarter: Quarter,
    branch: BranchId,
    note: &str,
) -> AppResult<DepartmentFigures> {
    actor.require(Function::ManageQuality)?;
    if db.get_branch(actor.company_id, branch).await?.is_none() {
        return Err(AppError::field("/branch_id", "no such branch"));
    }
    let (from, to) = quarter.bounds();
    let rows = tally_between(db, actor, from, to).await?;
    let figures = departments(&rows)
        .into_iter()
        .find(|d| d.0 == branch)
        .map(|d| d.1)
        .unwrap_or_default();
    if !db.insert_signoff(audit, quarter, branch, note.trim(), &figures).await? {
        return Err(AppError::rejected(
            ErrorCode::AlreadySignedOff,
            "this department's quarter is already signed off",
        ));
    }
    Ok(figures)
}
