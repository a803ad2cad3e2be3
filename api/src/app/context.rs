//! Loading the one [`BranchContext`] (zone, calendar, meeting windows, policy versions).

use domain::context::BranchContext;
use domain::ids::{BranchId, CompanyId};
use domain::org::{Branch, User};
use domain::ports::{OrganisationRepo, PolicyVersionRepo, RepoError};
use infra::Db;

/// The context of a branch, or `None` when the branch does not exist in this company.
pub async fn load(db: &Db, company: CompanyId, branch: BranchId) -> Result<Option<BranchContext>, RepoError> {
    let Some(branch) = db.get_branch(company, branch).await? else {
        return Ok(None);
    };
    Ok(Some(of_branch(db, branch).await?))
}

/// The context of a branch already loaded.
pub async fn of_branch(db: &Db, branch: Branch) -> Result<BranchContext, RepoError> {
    let versions = db.company_policy_versions(branch.company_id).await?;
    Ok(BranchContext::new(branch, versions))
}

/// The context of a user's branch (agents and supervisors belong to one; others may not).
pub async fn of_user(db: &Db, user: &User) -> Result<Option<BranchContext>, RepoError> {
    match user.branch_id {
        Some(b) => load(db, user.company_id, b).await,
        None => Ok(None),
    }
}

/// The contexts of every branch of a company, with one read of its policy versions (company-wide
/// "today", the background runner).
pub async fn of_company(db: &Db, company: CompanyId) -> Result<Vec<BranchContext>, RepoError> {
    let branches = db
        .list_branches(
            company,
            domain::ports::PageRequest {
                after: None,
                limit: 10_000,
            },
        )
        .await?;
    let versions = db.company_policy_versions(company).await?;
    Ok(branches
        .into_iter()
        .map(|b| BranchContext::new(b, versions.clone()))
        .collect())
}
