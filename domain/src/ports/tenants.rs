//! Tenants (companies) as the platform operator sees them: created with their first admin,
//! listed across the platform. Nothing here is reachable from a company's own API.

#![allow(async_fn_in_trait)] // Callers run on actix's single-threaded workers; no Send bound needed.

use super::*;
use crate::org::{Company, User};

/// A company and how many active users it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantSummary {
    pub company: Company,
    pub active_users: i64,
}

pub trait TenantRepo {
    /// The company, its admin (and the admin's login e-mail) in one transaction, each with its
    /// AUD-1 record in the new company's audit trail. A taken e-mail is a `Conflict`.
    async fn create_tenant(&self, audit: &AuditContext, company: &Company, admin: &User) -> Result<(), RepoError>;
    /// Every company in id order (keyset pagination).
    async fn list_tenants(&self, page: PageRequest) -> Result<Vec<TenantSummary>, RepoError>;
}
