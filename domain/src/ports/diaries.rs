//! Diaries, leave and spot checks (DIA-*, TIME-2).

#![allow(async_fn_in_trait)] // Callers run on actix's single-threaded workers; no Send bound needed.

use super::*;
use crate::diary::{Diary, DiaryEvent, LeaveRequest, SpotCheck, SpotCheckSample};
use crate::ids::{CompanyId, TeamId, UserId};
use crate::penalty::PenaltyEntry;
use chrono::NaiveDate;

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
    /// Records a finding, the penalty entries it implies (idempotent on their source keys, so
    /// a second finding on the same diary posts nothing twice) and its audit record in ONE
    /// transaction: either all of it is stored or none. `Conflict` when the diary already has
    /// a finding in this sample.
    async fn record_spot_check(
        &self,
        audit: &AuditContext,
        check: &SpotCheck,
        entries: &[PenaltyEntry],
    ) -> Result<(), RepoError>;
    async fn sample_checks(&self, company: CompanyId, sample: uuid::Uuid) -> Result<Vec<SpotCheck>, RepoError>;
}
