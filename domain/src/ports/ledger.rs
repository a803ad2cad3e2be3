//! Policy versions (POL-1), the facts the close jobs evaluate, the penalty ledger (LEDGER-1/2)
//! and the lead ledger (LEAD-*).

#![allow(async_fn_in_trait)] // Callers run on actix's single-threaded workers; no Send bound needed.

use super::*;
use crate::ids::{BranchId, CompanyId, TeamId, UserId};
use crate::leads::LeadAllocation;
use crate::membership::MemberHistory;
use crate::penalty::{DiaryFacts, PenaltyEntry, PostedSum};
use crate::period::{Month, Quarter};
use crate::policy::PolicyVersion;
use crate::quota::DayTally;
use chrono::NaiveDate;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

pub trait PolicyVersionRepo {
    async fn insert_policy_version(&self, audit: &AuditContext, p: &PolicyVersion) -> Result<(), RepoError>;
    async fn update_policy_version(
        &self,
        audit: &AuditContext,
        before: &PolicyVersion,
        after: &PolicyVersion,
    ) -> Result<(), RepoError>;
    async fn get_policy_version(&self, company: CompanyId, id: uuid::Uuid) -> Result<Option<PolicyVersion>, RepoError>;
    /// Every version of the company (company- and branch-scoped): a short list.
    async fn company_policy_versions(&self, company: CompanyId) -> Result<Vec<PolicyVersion>, RepoError>;
}

/// QUO-FACE-D / QUO-CALL-D (and the monthly) counts of one agent-day, aggregated in SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayCount {
    pub agent: UserId,
    pub day: NaiveDate,
    pub tally: DayTally,
}

/// What the day and month close read: who belonged to a branch, and their facts.
pub trait CloseRepo {
    /// The history of every user who is or was in the branch (from the users row and the audit
    /// trail of their changes), for membership on each day.
    async fn branch_member_histories(
        &self,
        company: CompanyId,
        branch: BranchId,
    ) -> Result<Vec<MemberHistory>, RepoError>;
    /// Every team's supervisor in the company.
    async fn team_supervisors(&self, company: CompanyId) -> Result<HashMap<TeamId, UserId>, RepoError>;
    /// Per agent-day counts of these agents over a date range, in grouped queries; calls count
    /// from `min_call_seconds`.
    async fn day_counts(
        &self,
        company: CompanyId,
        agents: &[UserId],
        from: NaiveDate,
        to: NaiveDate,
        min_call_seconds: i64,
    ) -> Result<Vec<DayCount>, RepoError>;
    async fn agent_diaries(
        &self,
        company: CompanyId,
        agents: &[UserId],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(UserId, NaiveDate, DiaryFacts)>, RepoError>;
    /// Approved leave of these agents overlapping [from, to]: (agent, first, last day).
    async fn agent_leave(
        &self,
        company: CompanyId,
        agents: &[UserId],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(UserId, NaiveDate, NaiveDate)>, RepoError>;
    /// Outlet services of these agents in [from, to]: (agent, outlet, day).
    async fn outlet_visits(
        &self,
        company: CompanyId,
        agents: &[UserId],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(UserId, uuid::Uuid, NaiveDate)>, RepoError>;
    /// The outlets assigned to these agents: (agent, outlet).
    async fn outlet_assignments(
        &self,
        company: CompanyId,
        agents: &[UserId],
    ) -> Result<Vec<(UserId, uuid::Uuid)>, RepoError>;
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
    /// Records a month as closed with its compliance results; false (and nothing written) if
    /// it already was.
    async fn close_month(
        &self,
        company: CompanyId,
        branch: BranchId,
        month: Month,
        results: &[(UserId, serde_json::Value)],
        at: DateTime<Utc>,
    ) -> Result<bool, RepoError>;
    /// Every branch of every company, for the background jobs: (company, branch).
    async fn all_branches(&self) -> Result<Vec<(CompanyId, BranchId)>, RepoError>;
}

/// The penalty ledger: append-only entries (LEDGER-1).
pub trait LedgerRepo {
    /// What has been posted per base key for entries of a branch about days in [from, to].
    async fn posted_sums(
        &self,
        company: CompanyId,
        branch: BranchId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<HashMap<String, PostedSum>, RepoError>;
    /// Bulk append; entries whose source key exists are skipped. Returns how many were new.
    async fn insert_entries(&self, entries: &[PenaltyEntry]) -> Result<u64, RepoError>;
    /// A waiver (PEN-3) with its audit record, in one transaction; false if already waived.
    async fn insert_waiver(&self, audit: &AuditContext, waiver: &PenaltyEntry) -> Result<bool, RepoError>;
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
    /// Entries of one person that moved leads, posted in [from, to].
    async fn lead_movements_of(
        &self,
        company: CompanyId,
        person: UserId,
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
}

/// The lead ledger (LEAD-1, LEAD-2).
pub trait LeadRepo {
    /// Leads deducted per agent by entries posted in [from, to] (LEAD-1).
    async fn lead_deductions(
        &self,
        company: CompanyId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(UserId, i64)>, RepoError>;
    /// Agents with an unwaived DIA-PEN-FALSIFIED posted in [from, to] (LEAD-2).
    async fn falsified_agents(
        &self,
        company: CompanyId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<UserId>, RepoError>;
    async fn allocations(&self, company: CompanyId, quarter: Quarter) -> Result<Vec<LeadAllocation>, RepoError>;
    /// Appends allocations in one transaction; rows whose (agent, quarter) exists are skipped.
    async fn insert_allocations(&self, rows: &[LeadAllocation]) -> Result<u64, RepoError>;
    async fn agent_allocations(&self, company: CompanyId, agent: UserId) -> Result<Vec<LeadAllocation>, RepoError>;
    /// The active agents of the company.
    async fn company_agents(&self, company: CompanyId) -> Result<Vec<UserId>, RepoError>;
}
