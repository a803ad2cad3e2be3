//! Insurance policies, callbacks, commission and statements (COM-*).

#![allow(async_fn_in_trait)] // Callers run on actix's single-threaded workers; no Send bound needed.

use super::*;
use crate::ids::{BranchId, CompanyId, UserId};
use chrono::NaiveDate;
use chrono::{DateTime, Utc};

/// A monthly statement as stored (COM-8): immutable once written.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Statement {
    pub company_id: CompanyId,
    pub id: uuid::Uuid,
    pub person_id: UserId,
    pub branch_id: BranchId,
    pub month: String,
    pub lines: serde_json::Value,
    pub net_fen: i64,
    pub closed_at: DateTime<Utc>,
}

pub trait CommissionRepo {
    async fn insert_insurance_policy(
        &self,
        audit: &AuditContext,
        p: &crate::commission::InsurancePolicy,
    ) -> Result<(), RepoError>;
    async fn get_insurance_policy(
        &self,
        company: CompanyId,
        id: uuid::Uuid,
    ) -> Result<Option<crate::commission::InsurancePolicy>, RepoError>;
    async fn list_insurance_policies(
        &self,
        company: CompanyId,
        scope: &ListScope,
        page: PageRequest,
    ) -> Result<Vec<crate::commission::InsurancePolicy>, RepoError>;
    async fn set_receipt(
        &self,
        audit: &AuditContext,
        before: &crate::commission::InsurancePolicy,
        returned_on: NaiveDate,
    ) -> Result<(), RepoError>;
    /// Appends the next event (false when another writer took that step first), with audit.
    async fn append_policy_event(
        &self,
        audit: &AuditContext,
        policy: uuid::Uuid,
        seq: i64,
        e: &crate::commission::PolicyEvent,
    ) -> Result<bool, RepoError>;
    async fn policy_events(
        &self,
        company: CompanyId,
        policy: uuid::Uuid,
    ) -> Result<Vec<crate::commission::PolicyEvent>, RepoError>;
    /// The events of several policies in one query, keyed by policy.
    async fn events_of_policies(
        &self,
        company: CompanyId,
        policies: &[uuid::Uuid],
    ) -> Result<std::collections::HashMap<uuid::Uuid, Vec<crate::commission::PolicyEvent>>, RepoError>;
    /// Policies of a branch's agents printed before `printed_before`, with all their events:
    /// the settlement's input, read set-wise.
    async fn branch_policies(
        &self,
        company: CompanyId,
        branch: BranchId,
        printed_before: NaiveDate,
    ) -> Result<Vec<(crate::commission::InsurancePolicy, Vec<crate::commission::PolicyEvent>)>, RepoError>;
    /// Policies in a company still in a callback round (for the queue), with events.
    async fn open_callbacks(
        &self,
        company: CompanyId,
    ) -> Result<Vec<(crate::commission::InsurancePolicy, Vec<crate::commission::PolicyEvent>)>, RepoError>;
    async fn commission_entries_for_branch(
        &self,
        company: CompanyId,
        branch: BranchId,
    ) -> Result<Vec<crate::commission::CommissionEntry>, RepoError>;
    async fn insert_commission_entries(&self, rows: &[crate::commission::CommissionEntry]) -> Result<u64, RepoError>;
    async fn insert_statements(&self, rows: &[Statement]) -> Result<u64, RepoError>;
    async fn mark_settled(
        &self,
        company: CompanyId,
        branch: BranchId,
        month: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, RepoError>;
    async fn is_settled(&self, company: CompanyId, branch: BranchId, month: &str) -> Result<bool, RepoError>;
    async fn statements_of(
        &self,
        company: CompanyId,
        person: UserId,
        month: Option<&str>,
    ) -> Result<Vec<Statement>, RepoError>;
    async fn get_statement(&self, company: CompanyId, id: uuid::Uuid) -> Result<Option<Statement>, RepoError>;
    async fn notify(
        &self,
        company: CompanyId,
        user: UserId,
        kind: &str,
        payload: &serde_json::Value,
        source_key: &str,
        at: DateTime<Utc>,
    ) -> Result<(), RepoError>;
    async fn notifications(
        &self,
        company: CompanyId,
        user: UserId,
    ) -> Result<Vec<(uuid::Uuid, String, serde_json::Value, DateTime<Utc>)>, RepoError>;
}
