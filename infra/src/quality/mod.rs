//! QualityRepo on both engines: `rows` parses what is stored, `violations` holds the reports
//! and their decisions, `records` the catalogue, commendations and sign-offs.

mod records;
mod rows;
mod violations;

use crate::db::Db;
use chrono::NaiveDate;
use domain::ids::{BranchId, CompanyId, UserId};
use domain::period::Quarter;
use domain::ports::{AuditContext, ListScope, QualityRepo, RepoError};
use domain::quality::{
    CatalogueVersion, Commendation, Consequence, DepartmentFigures, SignOff, Violation, ViolationEvent,
};
use uuid::Uuid;

impl QualityRepo for Db {
    async fn catalogues(&self, company: CompanyId) -> Result<Vec<CatalogueVersion>, RepoError> {
        records::catalogues(self, company).await
    }

    async fn insert_catalogue(&self, ctx: &AuditContext, id: Uuid, v: &CatalogueVersion) -> Result<(), RepoError> {
        records::insert_catalogue(self, ctx, id, v).await
    }

    async fn insert_violation(&self, ctx: &AuditContext, v: &Violation) -> Result<(), RepoError> {
        violations::insert_violation(self, ctx, v).await
    }

    async fn append_violation_event(
        &self,
        ctx: &AuditContext,
        v: &Violation,
        e: &ViolationEvent,
    ) -> Result<bool, RepoError> {
        violations::append_event(self, ctx, v, e).await
    }

    async fn append_violation_event_and_rescore<F>(
        &self,
        ctx: &AuditContext,
        v: &Violation,
        e: &ViolationEvent,
        rescore: F,
    ) -> Result<bool, RepoError>
    where
        F: FnOnce(&[Violation], &[Consequence]) -> Vec<Consequence>,
    {
        violations::append_event_and_rescore(self, ctx, v, e, rescore).await
    }

    async fn get_violation(&self, company: CompanyId, id: Uuid) -> Result<Option<Violation>, RepoError> {
        violations::get_violation(self, company, id).await
    }

    async fn list_violations(
        &self,
        company: CompanyId,
        scope: &ListScope,
        agent: Option<UserId>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Vec<Violation>, RepoError> {
        violations::list_violations(self, company, scope, agent, from, to).await
    }

    async fn consequences(
        &self,
        company: CompanyId,
        agent: Option<UserId>,
        person: Option<UserId>,
    ) -> Result<Vec<Consequence>, RepoError> {
        violations::consequences(self, company, agent, person).await
    }

    async fn insert_commendation(&self, ctx: &AuditContext, c: &Commendation) -> Result<(), RepoError> {
        records::insert_commendation(self, ctx, c).await
    }

    async fn commendations(&self, company: CompanyId, agent: UserId) -> Result<Vec<Commendation>, RepoError> {
        records::commendations(self, company, agent).await
    }

    async fn insert_signoff(
        &self,
        ctx: &AuditContext,
        quarter: Quarter,
        branch: BranchId,
        note: &str,
        summary: &DepartmentFigures,
    ) -> Result<bool, RepoError> {
        records::insert_signoff(self, ctx, quarter, branch, note, summary).await
    }

    async fn signoffs(&self, company: CompanyId, quarter: Quarter) -> Result<Vec<SignOff>, RepoError> {
        records::signoffs(self, company, quarter).await
    }
}
