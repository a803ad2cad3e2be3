//! DiaryRepo on both engines: diaries with optimistic versions and history (`diary`), leave
//! (`leave`), spot-check samples and findings (`spot_checks`).

mod diary;
mod leave;
mod spot_checks;

use crate::db::Db;
use chrono::NaiveDate;
use domain::diary::{Diary, DiaryEvent, LeaveRequest, SpotCheck, SpotCheckSample};
use domain::ids::{CompanyId, TeamId, UserId};
use domain::penalty::PenaltyEntry;
use domain::ports::{AuditContext, DiaryRepo, ListScope, PageRequest, RepoError};
use uuid::Uuid;

/// A stored value this build cannot read: an error, never a silent default.
fn corrupt(what: &str) -> RepoError {
    RepoError::Storage(format!("stored {what} is invalid"))
}

impl DiaryRepo for Db {
    async fn get_or_create_diary(&self, d: &Diary) -> Result<Diary, RepoError> {
        diary::get_or_create(self, d).await
    }

    async fn find_diary(&self, company: CompanyId, agent: UserId, date: NaiveDate) -> Result<Option<Diary>, RepoError> {
        diary::find(self, company, agent, date).await
    }

    async fn get_diary_by_id(&self, company: CompanyId, id: Uuid) -> Result<Option<Diary>, RepoError> {
        diary::by_id(self, company, id).await
    }

    async fn update_diary(
        &self,
        ctx: &AuditContext,
        before: &Diary,
        d: &Diary,
        event: Option<&DiaryEvent>,
    ) -> Result<bool, RepoError> {
        diary::update(self, ctx, before, d, event).await
    }

    async fn diary_history(&self, company: CompanyId, diary: Uuid) -> Result<Vec<DiaryEvent>, RepoError> {
        diary::history(self, company, diary).await
    }

    async fn team_diaries(&self, company: CompanyId, team: TeamId, date: NaiveDate) -> Result<Vec<Diary>, RepoError> {
        diary::of_team(self, company, team, date).await
    }

    async fn submitted_diaries(
        &self,
        company: CompanyId,
        team: TeamId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Diary>, RepoError> {
        diary::submitted(self, company, team, from, to).await
    }

    async fn insert_leave(&self, ctx: &AuditContext, l: &LeaveRequest) -> Result<(), RepoError> {
        leave::insert(self, ctx, l).await
    }

    async fn decide_leave(
        &self,
        ctx: &AuditContext,
        before: &LeaveRequest,
        l: &LeaveRequest,
    ) -> Result<bool, RepoError> {
        leave::decide(self, ctx, before, l).await
    }

    async fn get_leave(&self, company: CompanyId, id: Uuid) -> Result<Option<LeaveRequest>, RepoError> {
        leave::get(self, company, id).await
    }

    async fn list_leave(
        &self,
        company: CompanyId,
        scope: &ListScope,
        page: PageRequest,
    ) -> Result<Vec<LeaveRequest>, RepoError> {
        leave::list(self, company, scope, page).await
    }

    async fn team_on_leave(&self, company: CompanyId, team: TeamId, date: NaiveDate) -> Result<Vec<UserId>, RepoError> {
        leave::team_on_leave(self, company, team, date).await
    }

    async fn approved_leave(
        &self,
        company: CompanyId,
        agent: UserId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<LeaveRequest>, RepoError> {
        leave::approved(self, company, agent, from, to).await
    }

    async fn insert_sample(&self, ctx: &AuditContext, s: &SpotCheckSample) -> Result<(), RepoError> {
        spot_checks::insert_sample(self, ctx, s).await
    }

    async fn get_sample(&self, company: CompanyId, id: Uuid) -> Result<Option<SpotCheckSample>, RepoError> {
        spot_checks::get_sample(self, company, id).await
    }

    async fn record_spot_check(
        &self,
        ctx: &AuditContext,
        check: &SpotCheck,
        entries: &[PenaltyEntry],
    ) -> Result<(), RepoError> {
        spot_checks::record(self, ctx, check, entries).await
    }

    async fn sample_checks(&self, company: CompanyId, sample: Uuid) -> Result<Vec<SpotCheck>, RepoError> {
        spot_checks::checks_of(self, company, sample).await
    }
}
