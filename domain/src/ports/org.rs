//! Organisation and authentication storage.

#![allow(async_fn_in_trait)] // Callers run on actix's single-threaded workers; no Send bound needed.

use super::*;
use crate::ids::{BranchId, CompanyId, TeamId, UserId};
use crate::org::{Branch, Company, Role, Team, User};
use chrono::{DateTime, Utc};

pub trait OrganisationRepo {
    async fn insert_company(&self, company: &Company) -> Result<(), RepoError>;
    async fn count_users(&self) -> Result<i64, RepoError>;

    async fn insert_branch(&self, audit: &AuditContext, branch: &Branch) -> Result<(), RepoError>;
    async fn update_branch(&self, audit: &AuditContext, before: &Branch, after: &Branch) -> Result<(), RepoError>;
    async fn get_branch(&self, company: CompanyId, id: BranchId) -> Result<Option<Branch>, RepoError>;
    async fn list_branches(&self, company: CompanyId, page: PageRequest) -> Result<Vec<Branch>, RepoError>;

    async fn insert_team(&self, audit: &AuditContext, team: &Team) -> Result<(), RepoError>;
    async fn update_team(&self, audit: &AuditContext, before: &Team, after: &Team) -> Result<(), RepoError>;
    async fn get_team(&self, company: CompanyId, id: TeamId) -> Result<Option<Team>, RepoError>;
    async fn list_teams(
        &self,
        company: CompanyId,
        scope: &ListScope,
        page: PageRequest,
    ) -> Result<Vec<Team>, RepoError>;
    async fn teams_led_by(&self, company: CompanyId, supervisor: UserId) -> Result<Vec<TeamId>, RepoError>;
    /// Of `ids`, the active users with `role` (one query for a whole batch).
    async fn users_with_role(&self, company: CompanyId, role: Role, ids: &[uuid::Uuid])
        -> Result<Vec<User>, RepoError>;

    async fn insert_user(&self, audit: Option<&AuditContext>, user: &User) -> Result<(), RepoError>;
    async fn update_user(&self, audit: &AuditContext, before: &User, after: &User) -> Result<(), RepoError>;
    async fn get_user(&self, company: CompanyId, id: UserId) -> Result<Option<User>, RepoError>;
    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>, RepoError>;
    async fn list_users(
        &self,
        company: CompanyId,
        scope: &ListScope,
        page: PageRequest,
    ) -> Result<Vec<User>, RepoError>;
}

/// A stored refresh token (only its hash is kept).
#[derive(Debug, Clone)]
pub struct RefreshToken {
    pub company_id: CompanyId,
    pub id: uuid::Uuid,
    pub family_id: uuid::Uuid,
    pub user_id: UserId,
    pub token_hash: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub trait AuthRepo {
    /// The signing keys (kid, secret), creating the first one if none exists. Shared through
    /// the database so every instance verifies every other instance's tokens.
    async fn signing_keys(
        &self,
        candidate: (&str, &[u8]),
        now: DateTime<Utc>,
    ) -> Result<Vec<(String, Vec<u8>)>, RepoError>;
    async fn insert_refresh_token(&self, token: &RefreshToken) -> Result<(), RepoError>;
    async fn find_refresh_token(&self, token_hash: &str) -> Result<Option<RefreshToken>, RepoError>;
    /// Marks `old` used, atomically: false when it was already used (a concurrent rotation).
    async fn mark_refresh_used(&self, company: CompanyId, id: uuid::Uuid, at: DateTime<Utc>)
        -> Result<bool, RepoError>;
    async fn revoke_family(&self, company: CompanyId, family: uuid::Uuid, at: DateTime<Utc>) -> Result<(), RepoError>;
    async fn revoke_user_tokens(&self, company: CompanyId, user: UserId, at: DateTime<Utc>) -> Result<(), RepoError>;
    /// Logout, in one transaction: revokes one refresh-token family of the user (`Some`) or all
    /// of their refresh tokens, and bumps their token generation so every access token issued
    /// before stops working at once.
    async fn sign_out(
        &self,
        company: CompanyId,
        user: UserId,
        family: Option<uuid::Uuid>,
        at: DateTime<Utc>,
    ) -> Result<(), RepoError>;
}
