//! Repository ports: what the application needs from storage, implemented in `infra` for
//! SQLite and PostgreSQL. Every call is scoped by company; writes carry an audit context so
//! the change and its audit record commit together (AUD-1).

#![allow(async_fn_in_trait)] // Callers run on actix's single-threaded workers; no Send bound needed.

use crate::activity::{Activity, ActivityKind};
use crate::client::{Client, Outlet};
use crate::diary::{Diary, DiaryEvent, LeaveRequest, SpotCheck, SpotCheckSample};
use crate::ids::{BranchId, CompanyId, TeamId, UserId};
use crate::org::{Branch, Company, Role, Team, User};
use crate::penalty::{DiaryFacts, LeadAllocation, PenaltyEntry};
use crate::policy::PolicyVersion;
use chrono::NaiveDate;
use chrono::{DateTime, Utc};

#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// A uniqueness or state conflict (e.g. an e-mail already in use).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The storage engine failed; details are logged, never sent to clients.
    #[error("storage failure: {0}")]
    Storage(String),
}

/// Who changed what, from where (AUD-1).
#[derive(Debug, Clone)]
pub struct AuditContext {
    pub company_id: CompanyId,
    pub actor_id: Option<UserId>,
    pub request_id: String,
    pub at: DateTime<Utc>,
}

/// Keyset pagination: rows strictly after `after` in id order, at most `limit`.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub after: Option<uuid::Uuid>,
    pub limit: u32,
}

/// A listing's scope filter, derived from the caller's reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListScope {
    Company,
    /// Records of the teams this supervisor leads (and the supervisor's own).
    SupervisedBy(UserId),
    /// Records of one team (an agent listing their own team).
    Team(TeamId),
    /// One person's own records.
    User(UserId),
}

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
}

pub trait ClientRepo {
    async fn insert_client(&self, audit: &AuditContext, client: &Client) -> Result<(), RepoError>;
    async fn update_client(
        &self,
        audit: &AuditContext,
        action: &str,
        before: &Client,
        after: &Client,
    ) -> Result<(), RepoError>;
    async fn get_client(&self, company: CompanyId, id: uuid::Uuid) -> Result<Option<Client>, RepoError>;
    async fn list_clients(
        &self,
        company: CompanyId,
        scope: &ListScope,
        page: PageRequest,
    ) -> Result<Vec<Client>, RepoError>;
    /// Of `ids`, those that exist and are assigned to `agent` (one query for a whole batch).
    async fn clients_of_agent(
        &self,
        company: CompanyId,
        agent: UserId,
        ids: &[uuid::Uuid],
    ) -> Result<Vec<uuid::Uuid>, RepoError>;
    /// The agent's clients whose normalised phone is among `phones`: (phone, client id).
    async fn clients_by_phone(
        &self,
        company: CompanyId,
        agent: UserId,
        phones: &[String],
    ) -> Result<Vec<(String, uuid::Uuid)>, RepoError>;
    /// COM-5: is this normalised number any user's or outlet's phone in the company?
    async fn phone_belongs_to_staff_or_outlet(&self, company: CompanyId, phone: &str) -> Result<bool, RepoError>;
}

pub trait OutletRepo {
    async fn insert_outlet(&self, audit: &AuditContext, outlet: &Outlet) -> Result<(), RepoError>;
    async fn update_outlet(&self, audit: &AuditContext, before: &Outlet, after: &Outlet) -> Result<(), RepoError>;
    async fn get_outlet(&self, company: CompanyId, id: uuid::Uuid) -> Result<Option<Outlet>, RepoError>;
    async fn list_outlets(&self, company: CompanyId, page: PageRequest) -> Result<Vec<Outlet>, RepoError>;
    /// Of `ids`, the outlets `agent` is assigned to.
    async fn outlets_of_agent(
        &self,
        company: CompanyId,
        agent: UserId,
        ids: &[uuid::Uuid],
    ) -> Result<Vec<uuid::Uuid>, RepoError>;
}

/// The result of writing one activity of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InsertOutcome {
    Created,
    /// The id (or device call id) already exists: its owner and body digest.
    Existing {
        id: uuid::Uuid,
        agent_id: UserId,
        body_hash: String,
    },
}

/// An idempotency record written in the same transaction as what it protects.
#[derive(Debug, Clone)]
pub struct IdempotencyRecord {
    pub company_id: CompanyId,
    pub user_id: UserId,
    pub key: String,
    pub request_hash: String,
    pub status: u16,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// Filters for listing activities; the cursor is bound to them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityFilter {
    pub agent_id: Option<UserId>,
    pub kind: Option<ActivityKind>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub client_id: Option<uuid::Uuid>,
}

/// Keyset position in (occurred_at, id) descending order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivityCursor {
    pub occurred_at: DateTime<Utc>,
    pub id: uuid::Uuid,
}

pub trait ActivityRepo {
    /// Writes a batch in one transaction with bulk statements. Returns one outcome per input,
    /// in order. When `idempotency` is given it is stored in the same transaction, and only if
    /// every activity was created (otherwise nothing is written and `Ok(None)` is returned).
    async fn insert_activities(
        &self,
        activities: &[Activity],
        idempotency: Option<&IdempotencyRecord>,
    ) -> Result<Option<Vec<InsertOutcome>>, RepoError>;
    async fn find_idempotency(
        &self,
        company: CompanyId,
        user: UserId,
        key: &str,
    ) -> Result<Option<IdempotencyRecord>, RepoError>;
    async fn get_activity(&self, company: CompanyId, id: uuid::Uuid) -> Result<Option<Activity>, RepoError>;
    async fn list_activities(
        &self,
        company: CompanyId,
        scope: &ListScope,
        filter: &ActivityFilter,
        after: Option<ActivityCursor>,
        limit: u32,
    ) -> Result<Vec<Activity>, RepoError>;
    async fn activities_of_day(
        &self,
        company: CompanyId,
        agent: UserId,
        day: NaiveDate,
    ) -> Result<Vec<Activity>, RepoError>;
    async fn void_activity(&self, audit: &AuditContext, before: &Activity, after: &Activity)
        -> Result<bool, RepoError>;
}

pub trait DiaryRepo {
    /// Creates the draft if none exists (concurrent first reads create one), then returns it.
    async fn get_or_create_diary(&self, draft: &Diary) -> Result<Diary, RepoError>;
    async fn find_diary(&self, company: CompanyId, agent: UserId, date: NaiveDate) -> Result<Option<Diary>, RepoError>;
    async fn get_diary_by_id(&self, company: CompanyId, id: uuid::Uuid) -> Result<Option<Diary>, RepoError>;
    /// Writes `after` only if the stored version is still `before.version` (false otherwise),
    /// with a history event and an audit record in the same transaction.
    async fn update_diary(
        &self,
        audit: &AuditContext,
        before: &Diary,
        after: &Diary,
        event: Option<&DiaryEvent>,
    ) -> Result<bool, RepoError>;
    async fn diary_history(&self, company: CompanyId, diary: uuid::Uuid) -> Result<Vec<DiaryEvent>, RepoError>;
    /// Diaries of a team's agents on one date.
    async fn team_diaries(&self, company: CompanyId, team: TeamId, date: NaiveDate) -> Result<Vec<Diary>, RepoError>;
    /// Submitted (or later) diaries of a team's agents within a period, for spot checks.
    async fn submitted_diaries(
        &self,
        company: CompanyId,
        team: TeamId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Diary>, RepoError>;

    async fn insert_leave(&self, audit: &AuditContext, leave: &LeaveRequest) -> Result<(), RepoError>;
    async fn decide_leave(
        &self,
        audit: &AuditContext,
        before: &LeaveRequest,
        after: &LeaveRequest,
    ) -> Result<bool, RepoError>;
    async fn get_leave(&self, company: CompanyId, id: uuid::Uuid) -> Result<Option<LeaveRequest>, RepoError>;
    async fn list_leave(
        &self,
        company: CompanyId,
        scope: &ListScope,
        page: PageRequest,
    ) -> Result<Vec<LeaveRequest>, RepoError>;
    /// Agents of `team` on approved leave on `date` (one query for the whole team).
    async fn team_on_leave(&self, company: CompanyId, team: TeamId, date: NaiveDate) -> Result<Vec<UserId>, RepoError>;
    /// Approved leave of an agent overlapping [from, to].
    async fn approved_leave(
        &self,
        company: CompanyId,
        agent: UserId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<LeaveRequest>, RepoError>;

    async fn insert_sample(&self, audit: &AuditContext, sample: &SpotCheckSample) -> Result<(), RepoError>;
    async fn get_sample(&self, company: CompanyId, id: uuid::Uuid) -> Result<Option<SpotCheckSample>, RepoError>;
    async fn insert_spot_check(&self, audit: &AuditContext, check: &SpotCheck) -> Result<(), RepoError>;
    async fn sample_checks(&self, company: CompanyId, sample: uuid::Uuid) -> Result<Vec<SpotCheck>, RepoError>;
}

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
