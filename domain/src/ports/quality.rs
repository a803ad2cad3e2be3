//! Quality catalogue, violations, consequences (QLT-*).

#![allow(async_fn_in_trait)] // Callers run on actix's single-threaded workers; no Send bound needed.

use super::*;
use crate::ids::{BranchId, CompanyId, UserId};
use chrono::NaiveDate;
use chrono::{DateTime, Utc};

pub trait QualityRepo {
    async fn catalogues(&self, company: CompanyId) -> Result<Vec<crate::quality::CatalogueVersion>, RepoError>;
    async fn insert_catalogue(
        &self,
        audit: &AuditContext,
        id: uuid::Uuid,
        v: &crate::quality::CatalogueVersion,
    ) -> Result<(), RepoError>;
    /// The report with its first event, in one transaction with its audit record.
    async fn insert_violation(&self, audit: &AuditContext, v: &crate::quality::Violation) -> Result<(), RepoError>;
    /// Appends the next event; false when another decision took that step first.
    async fn append_violation_event(
        &self,
        audit: &AuditContext,
        violation: uuid::Uuid,
        seq: i64,
        e: &crate::quality::ViolationEvent,
    ) -> Result<bool, RepoError>;
    async fn get_violation(
        &self,
        company: CompanyId,
        id: uuid::Uuid,
    ) -> Result<Option<crate::quality::Violation>, RepoError>;
    /// An agent's reports, or all within a scope, with events; `from`/`to` bound occurrence dates.
    async fn list_violations(
        &self,
        company: CompanyId,
        scope: &ListScope,
        agent: Option<UserId>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Vec<crate::quality::Violation>, RepoError>;
    async fn consequences(
        &self,
        company: CompanyId,
        agent: Option<UserId>,
        person: Option<UserId>,
    ) -> Result<Vec<crate::quality::Consequence>, RepoError>;
    /// Appends consequences; rows whose source key exists are skipped. Returns how many were new.
    async fn insert_consequences(&self, rows: &[crate::quality::Consequence]) -> Result<u64, RepoError>;
    async fn insert_commendation(
        &self,
        audit: &AuditContext,
        c: &crate::quality::Commendation,
    ) -> Result<(), RepoError>;
    async fn commendations(
        &self,
        company: CompanyId,
        agent: UserId,
    ) -> Result<Vec<crate::quality::Commendation>, RepoError>;
    /// The committee's sign-off (signed by the audit context's actor, at its time); false if
    /// the department's quarter is already signed off.
    async fn insert_signoff(
        &self,
        audit: &AuditContext,
        quarter: &str,
        branch: BranchId,
        note: &str,
        summary: &serde_json::Value,
    ) -> Result<bool, RepoError>;
    async fn signoffs(
        &self,
        company: CompanyId,
        quarter: &str,
    ) -> Result<Vec<(BranchId, UserId, String, DateTime<Utc>)>, RepoError>;
}
