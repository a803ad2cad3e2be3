//! Policy versions (POL-1): creating, changing and reading them, and the version in force.

use crate::app::context;
use crate::app::error::{AppError, AppResult};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{Actor, Function};
use domain::context::BranchContext;
use domain::context::DEFAULT_TIME_ZONE;
use domain::errors::ErrorCode;
use domain::ids::{BranchId, CompanyId};
use domain::policy::{check_effective_from, PolicyDocument, PolicyInForce, PolicyVersion};
use domain::ports::{AuditContext, PolicyVersionRepo, RepoError};
use domain::time::business_day;
use infra::Db;
use uuid::Uuid;

/// A version as the API shows it: whether it has taken effect is relative to "today".
#[derive(Debug, Clone)]
pub struct PolicyVersionView {
    pub version: PolicyVersion,
    pub in_effect: bool,
}

/// A new version, parsed.
#[derive(Debug, Clone)]
pub struct NewPolicyVersion {
    pub branch: Option<BranchId>,
    pub effective_from: NaiveDate,
    pub document: PolicyDocument,
}

/// A change to a version that has not taken effect, parsed.
#[derive(Debug, Clone, Default)]
pub struct PolicyVersionChange {
    pub effective_from: Option<NaiveDate>,
    pub document: Option<PolicyDocument>,
}

async fn all_branches(db: &Db, company: CompanyId) -> Result<Vec<BranchContext>, RepoError> {
    context::of_company(db, company).await
}

/// TIME-1 "today" for a scope: the latest business day among the branches it covers, so a
/// version has taken effect (and a quarter has started) once its date is reached anywhere it
/// applies. A scope without branches uses the default zone, never the UTC date.
fn today_of(branches: &[BranchContext], branch: Option<BranchId>, now: DateTime<Utc>) -> NaiveDate {
    branches
        .iter()
        .filter(|b| branch.is_none_or(|id| b.branch_id() == id))
        .map(|b| b.business_day(now))
        .max()
        .unwrap_or_else(|| business_day(now, DEFAULT_TIME_ZONE))
}

/// "Today" for a company (`branch` None) or one of its branches (TIME-1).
pub async fn scope_today(
    db: &Db,
    company: CompanyId,
    branch: Option<BranchId>,
    now: DateTime<Utc>,
) -> Result<NaiveDate, RepoError> {
    Ok(today_of(&all_branches(db, company).await?, branch, now))
}

/// The version in force for a branch (or company-wide) on a day, for features that evaluate a
/// rule outside a loaded `BranchContext`.
pub async fn policy_for(
    db: &Db,
    company: CompanyId,
    branch: Option<BranchId>,
    day: NaiveDate,
) -> Result<PolicyInForce, RepoError> {
    let versions = db.company_policy_versions(company).await?;
    Ok(PolicyInForce::from_versions(&versions, branch, day))
}

fn view(version: PolicyVersion, branches: &[BranchContext], now: DateTime<Utc>) -> PolicyVersionView {
    let today = today_of(branches, version.branch_id, now);
    PolicyVersionView {
        in_effect: version.in_effect(today),
        version,
    }
}

/// Creates a version, company-wide or for one branch, numbered next within its scope.
pub async fn create_policy_version(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    input: NewPolicyVersion,
    now: DateTime<Utc>,
) -> AppResult<PolicyVersionView> {
    actor.require(Function::ManagePolicies)?;
    let company = actor.company_id;
    let branches = all_branches(db, company).await?;
    if let Some(b) = input.branch {
        if !branches.iter().any(|x| x.branch_id() == b) {
            return Err(AppError::field("/branch_id", "no such branch"));
        }
    }
    let today = today_of(&branches, input.branch, now);
    check_effective_from(input.effective_from, today).map_err(|e| AppError::field("/effective_from", e))?;
    let version = db
        .company_policy_versions(company)
        .await?
        .iter()
        .filter(|v| v.branch_id == input.branch)
        .map(|v| v.version)
        .max()
        .unwrap_or(0)
        + 1;
    let p = PolicyVersion {
        company_id: company,
        id: Uuid::now_v7(),
        branch_id: input.branch,
        version,
        effective_from: input.effective_from,
        document: input.document,
        created_by: actor.user_id,
        created_at: now,
        updated_at: now,
    };
    db.insert_policy_version(audit, &p).await.map_err(|e| match e {
        RepoError::Conflict(_) => AppError::rejected(
            ErrorCode::VersionTaken,
            "another version was created at the same time; retry",
        ),
        other => other.into(),
    })?;
    Ok(view(p, &branches, now))
}

/// Every version of the caller's company (or of one branch), oldest first per scope.
pub async fn list_policy_versions(
    db: &Db,
    actor: &Actor,
    branch: Option<BranchId>,
    now: DateTime<Utc>,
) -> AppResult<Vec<PolicyVersionView>> {
    actor.require(Function::ReadPolicies)?;
    let branches = all_branches(db, actor.company_id).await?;
    Ok(db
        .company_policy_versions(actor.company_id)
        .await?
        .into_iter()
        .filter(|p| branch.is_none_or(|b| p.branch_id == Some(b)))
        .map(|p| view(p, &branches, now))
        .collect())
}

pub async fn get_policy_version(db: &Db, actor: &Actor, id: Uuid, now: DateTime<Utc>) -> AppResult<PolicyVersionView> {
    actor.require(Function::ReadPolicies)?;
    let p = db
        .get_policy_version(actor.company_id, id)
        .await?
        .ok_or(AppError::NotFound("policy version"))?;
    Ok(view(p, &all_branches(db, actor.company_id).await?, now))
}

/// Changes a version that has not taken effect yet; one in effect is refused (POL-1: create a
/// new version instead, so closed history is never rewritten).
pub async fn update_policy_version(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    id: Uuid,
    change: PolicyVersionChange,
    now: DateTime<Utc>,
) -> AppResult<PolicyVersionView> {
    actor.require(Function::ManagePolicies)?;
    let before = db
        .get_policy_version(actor.company_id, id)
        .await?
        .ok_or(AppError::NotFound("policy version"))?;
    let branches = all_branches(db, actor.company_id).await?;
    let today = today_of(&branches, before.branch_id, now);
    if before.in_effect(today) {
        return Err(AppError::rejected(
            ErrorCode::PolicyInEffect,
            "this version has taken effect; create a new version instead",
        ));
    }
    let mut after = before.clone();
    if let Some(d) = change.document {
        after.document = d;
    }
    if let Some(e) = change.effective_from {
        check_effective_from(e, today).map_err(|e| AppError::field("/effective_from", e))?;
        after.effective_from = e;
    }
    after.updated_at = now;
    db.update_policy_version(audit, &before, &after).await?;
    Ok(view(after, &branches, now))
}

/// The version in force for a branch on a date (the branch's, else the company's, else the
/// rulebook defaults as version 0).
pub async fn policy_version_in_force(
    db: &Db,
    actor: &Actor,
    branch: BranchId,
    date: NaiveDate,
) -> AppResult<PolicyInForce> {
    actor.require(Function::ReadPolicies)?;
    let ctx = context::load(db, actor.company_id, branch)
        .await?
        .ok_or_else(|| AppError::field("/query/branch_id", "no such branch"))?;
    Ok(ctx.policy_on(date))
}
