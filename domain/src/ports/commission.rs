//! Insurance policies, callbacks, the commission ledger and statements (COM-*).

#![allow(async_fn_in_trait)] // Callers run on actix's single-threaded workers; no Send bound needed.

use super::*;
use crate::commission::{
    CommissionEntry, InsurancePolicy, InsurancePolicyEvent, Notice, Notification, RaisedReport, Statement,
};
use crate::ids::{BranchId, CompanyId, UserId};
use crate::period::Month;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;

/// A policy with its history, in order.
pub type PolicyWithHistory = (InsurancePolicy, Vec<InsurancePolicyEvent>);

/// Insurance policy records and their histories.
pub trait InsurancePolicyRepo {
    async fn insert_insurance_policy(&self, audit: &AuditContext, p: &InsurancePolicy) -> Result<(), RepoError>;
    async fn get_insurance_policy(
        &self,
        company: CompanyId,
        id: uuid::Uuid,
    ) -> Result<Option<InsurancePolicy>, RepoError>;
    async fn list_insurance_policies(
        &self,
        company: CompanyId,
        scope: &ListScope,
        page: PageRequest,
    ) -> Result<Vec<InsurancePolicy>, RepoError>;
    async fn set_receipt(
        &self,
        audit: &AuditContext,
        before: &InsurancePolicy,
        returned_on: NaiveDate,
    ) -> Result<(), RepoError>;
    async fn insurance_policy_events(
        &self,
        company: CompanyId,
        policy: uuid::Uuid,
    ) -> Result<Vec<InsurancePolicyEvent>, RepoError>;
    /// The histories of several policies in one query, keyed by policy.
    async fn events_of_insurance_policies(
        &self,
        company: CompanyId,
        policies: &[uuid::Uuid],
    ) -> Result<HashMap<uuid::Uuid, Vec<InsurancePolicyEvent>>, RepoError>;
}

/// The callback center's writes and reads.
pub trait CallbackRepo {
    /// Appends step number `seq` (false when another writer took that step first), with audit.
    async fn append_insurance_policy_event(
        &self,
        audit: &AuditContext,
        policy: &InsurancePolicy,
        seq: i64,
        e: &InsurancePolicyEvent,
    ) -> Result<bool, RepoError>;
    /// A call and everything it raises, in one transaction on either engine: the step (false,
    /// with nothing written, when another writer took step `seq` first), the quality reports
    /// on the agent and the agent's notification, with their audit records.
    async fn record_callback(
        &self,
        audit: &AuditContext,
        policy: &InsurancePolicy,
        seq: i64,
        e: &InsurancePolicyEvent,
        reports: &[RaisedReport],
        notice: Option<&Notice>,
    ) -> Result<bool, RepoError>;
    /// Of `phones` (normalised), those that are a user's or an outlet's number now.
    async fn staff_and_outlet_phones(&self, company: CompanyId, phones: &[String]) -> Result<Vec<String>, RepoError>;
    /// Every policy of a company with its history (the queue decides which are due).
    async fn open_callbacks(&self, company: CompanyId) -> Result<Vec<PolicyWithHistory>, RepoError>;
    /// A user's notifications, newest first.
    async fn notifications(&self, company: CompanyId, user: UserId) -> Result<Vec<Notification>, RepoError>;
}

/// The settlement's reads and writes.
pub trait SettlementRepo {
    /// Policies of a branch's agents printed before `printed_before`, with their histories:
    /// the settlement's input, read set-wise.
    async fn branch_insurance_policies(
        &self,
        company: CompanyId,
        branch: BranchId,
        printed_before: NaiveDate,
    ) -> Result<Vec<PolicyWithHistory>, RepoError>;
    async fn commission_entries_for_branch(
        &self,
        company: CompanyId,
        branch: BranchId,
    ) -> Result<Vec<CommissionEntry>, RepoError>;
    /// The deductions posted on these policies (the policy view states them as posted).
    async fn deductions_posted(
        &self,
        company: CompanyId,
        policies: &[uuid::Uuid],
    ) -> Result<Vec<CommissionEntry>, RepoError>;
    /// Appends entries; rows whose source key exists are skipped. Returns how many were new.
    async fn insert_commission_entries(&self, rows: &[CommissionEntry]) -> Result<u64, RepoError>;
    /// Writes statements; one per person and month, never replaced. Returns how many were new.
    async fn insert_statements(&self, rows: &[Statement]) -> Result<u64, RepoError>;
    /// Records the month as settled; false when it already was.
    async fn mark_settled(
        &self,
        company: CompanyId,
        branch: BranchId,
        month: Month,
        at: DateTime<Utc>,
    ) -> Result<bool, RepoError>;
    async fn is_settled(&self, company: CompanyId, branch: BranchId, month: Month) -> Result<bool, RepoError>;
    async fn statements_of(
        &self,
        company: CompanyId,
        person: UserId,
        month: Option<Month>,
    ) -> Result<Vec<Statement>, RepoError>;
    async fn get_statement(&self, company: CompanyId, id: uuid::Uuid) -> Result<Option<Statement>, RepoError>;
}
