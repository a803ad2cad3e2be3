//! Policy versions (POL-1), penalty and lead ledgers (LEDGER-1/2, LEAD-*).

#![allow(async_fn_in_trait)] // Callers run on actix's single-threaded workers; no Send bound needed.

use super::*;
use crate::ids::{BranchId, CompanyId, TeamId, UserId};
use crate::penalty::{DiaryFacts, LeadAllocation, PenaltyEntry};
use crate::policy::PolicyVersion;
use chrono::NaiveDate;
use chrono::{DateTime, Utc};

pub trait PolicyRepo {
    async fn insert_policy(&self, audit: &AuditContext, p: &PolicyVersion) -> Result<(), RepoError>;
    async fn update_policy(
        &self,
        audit: &AuditContext,
        before: &PolicyVersion,
        after: &PolicyVersion,
    ) -> Result<(), RepoError>;
    async fn get_policy(&self, company: CompanyId, id: uuid::Uuid) -> Result<Option<PolicyVersion>, RepoError>;
    /// Every version of the company (company- and branch-scoped): a short list.
    async fn company_policies(&self, company: CompanyId) -> Result<Vec<PolicyVersion>, RepoError>;
}

/// An agent of a branch with their team's supervisor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BranchAgent {
    pub agent: UserId,
    /// Days before the agent existed carry no duty.
    pub since: DateTime<Utc>,
    pub team: Option<TeamId>,
    pub supervisor: Option<UserId>,
}

/// QUO-FACE-D / QUO-CALL-D counts for one agent-day, aggregated in SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayCount {
    pub agent: UserId,
    pub day: NaiveDate,
    pub face_visits: i64,
    pub calls: i64,
    pub renewals: i64,
    pub morning_meetings: i64,
    pub evening_meetings: i64,
}

/// What has been posted so far for one base key (penalty + adjustments, waivers excluded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostedSum {
    pub fen: i64,
    pub leads: i64,
    pub entries: i64,
    pub first_id: uuid::Uuid,
}

pub trait LedgerRepo {
    async fn branch_agents(&self, company: CompanyId, branch: BranchId) -> Result<Vec<BranchAgent>, RepoError>;
    /// Per agent-day counts over a branch (or one agent) and a date range, in one grouped query.
    async fn day_counts(
        &self,
        company: CompanyId,
        branch: BranchId,
        from: NaiveDate,
        to: NaiveDate,
        min_call_seconds: i64,
        agent: Option<UserId>,
    ) -> Result<Vec<DayCount>, RepoError>;
    async fn branch_diaries(
        &self,
        company: CompanyId,
        branch: BranchId,
        from: NaiveDate,
        to: NaiveDate,
        agent: Option<UserId>,
    ) -> Result<Vec<(UserId, NaiveDate, DiaryFacts)>, RepoError>;
    async fn branch_leave(
        &self,
        company: CompanyId,
        branch: BranchId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(UserId, NaiveDate, NaiveDate)>, RepoError>;
    async fn posted_sums(
        &self,
        company: CompanyId,
        branch: BranchId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<std::collections::HashMap<String, PostedSum>, RepoError>;
    /// Bulk append; entries whose source key exists are skipped. Returns how many were new.
    async fn insert_entries(&self, entries: &[PenaltyEntry]) -> Result<u64, RepoError>;
    /// PEN-3: a waiver with its audit record, in one transaction; false if already waived.
    async fn insert_waiver(&self, audit: &AuditContext, waiver: &PenaltyEntry) -> Result<bool, RepoError>;
    async fn mark_days_closed(
        &self,
        company: CompanyId,
        branch: BranchId,
        days: &[NaiveDate],
        at: DateTime<Utc>,
    ) -> Result<(), RepoError>;
    async fn closed_days(
        &self,
        company: CompanyId,
        branch: BranchId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<NaiveDate>, RepoError>;
    async fn close_month(
        &self,
        company: CompanyId,
        branch: BranchId,
        month: &str,
        results: &[(UserId, serde_json::Value)],
        at: DateTime<Utc>,
    ) -> Result<bool, RepoError>;
    async fn month_closed(&self, company: CompanyId, branch: BranchId, month: &str) -> Result<bool, RepoError>;
    async fn outlet_visits(
        &self,
        company: CompanyId,
        branch: BranchId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(UserId, uuid::Uuid, NaiveDate)>, RepoError>;
    async fn outlet_assignments(
        &self,
        company: CompanyId,
        branch: BranchId,
    ) -> Result<Vec<(UserId, uuid::Uuid)>, RepoError>;

    async fn list_entries(
        &self,
        company: CompanyId,
        scope: &ListScope,
        person: Option<UserId>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        page: PageRequest,
    ) -> Result<Vec<PenaltyEntry>, RepoError>;
    async fn get_entry(&self, company: CompanyId, id: uuid::Uuid) -> Result<Option<PenaltyEntry>, RepoError>;
    async fn entries_for_base(&self, company: CompanyId, base_key: &str) -> Result<Vec<PenaltyEntry>, RepoError>;
    /// Entries of a branch posted in [from, to] (statements list them per person).
    async fn entries_posted(
        &self,
        company: CompanyId,
        branch: BranchId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<PenaltyEntry>, RepoError>;
    /// Month-to-date sums per person: (person, fen, leads).
    async fn person_sums(
        &self,
        company: CompanyId,
        people: &[UserId],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(UserId, i64, i64)>, RepoError>;

    /// LEAD-1: leads deducted per agent by entries posted in [from, to].
    async fn lead_deductions(
        &self,
        company: CompanyId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(UserId, i64)>, RepoError>;
    /// LEAD-2: agents with an unwaived DIA-PEN-FALSIFIED posted in [from, to].
    async fn falsified_agents(
        &self,
        company: CompanyId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<UserId>, RepoError>;
    async fn allocations(&self, company: CompanyId, quarter: &str) -> Result<Vec<LeadAllocation>, RepoError>;
    async fn insert_allocations(&self, rows: &[LeadAllocation]) -> Result<u64, RepoError>;
    async fn agent_allocations(&self, company: CompanyId, agent: UserId) -> Result<Vec<LeadAllocation>, RepoError>;
    async fn company_agents(&self, company: CompanyId) -> Result<Vec<UserId>, RepoError>;
    /// Every branch of every company, for the background jobs: (company, branch, created).
    async fn all_branches(&self) -> Result<Vec<(CompanyId, BranchId, DateTime<Utc>)>, RepoError>;
}
