//! Quality catalogue, violations, consequences, commendations and sign-offs.

#![allow(async_fn_in_trait)] // Callers run on actix's single-threaded workers; no Send bound needed.

use super::*;
use crate::ids::{BranchId, CompanyId, UserId};
use crate::period::Quarter;
use crate::quality::{
    CatalogueVersion, Commendation, Consequence, DepartmentFigures, SignOff, Violation, ViolationEvent,
};
use chrono::NaiveDate;

pub trait QualityRepo {
    /// Every stored catalogue version of the company (the seeded version 0 is not stored; see
    /// `quality::catalogue_in_force`).
    async fn catalogues(&self, company: CompanyId) -> Result<Vec<CatalogueVersion>, RepoError>;
    /// Conflict when a concurrent publication took the version number.
    async fn insert_catalogue(
        &self,
        audit: &AuditContext,
        id: uuid::Uuid,
        v: &CatalogueVersion,
    ) -> Result<(), RepoError>;
    /// The report with its first event, in one transaction with its audit record.
    async fn insert_violation(&self, audit: &AuditContext, v: &Violation) -> Result<(), RepoError>;
    /// Appends the report's next event (the `v.events.len()`-th); false when another decision
    /// took that step first.
    async fn append_violation_event(
        &self,
        audit: &AuditContext,
        v: &Violation,
        e: &ViolationEvent,
    ) -> Result<bool, RepoError>;
    /// As `append_violation_event`, and in the same transaction records the consequences
    /// `rescore` derives from the agent's half-year of the report as it stands with that event
    /// (its reports dated in the half-year, and the consequences already recorded for it). The
    /// agent is locked first, so two decisions on one agent are scored one after the other.
    async fn append_violation_event_and_rescore<F>(
        &self,
        audit: &AuditContext,
        v: &Violation,
        e: &ViolationEvent,
        rescore: F,
    ) -> Result<bool, RepoError>
    where
        F: FnOnce(&[Violation], &[Consequence]) -> Vec<Consequence>;
    async fn get_violation(&self, company: CompanyId, id: uuid::Uuid) -> Result<Option<Violation>, RepoError>;
    /// An agent's reports, or all within a scope, with events; `from`/`to` bound occurrence dates.
    async fn list_violations(
        &self,
        company: CompanyId,
        scope: &ListScope,
        agent: Option<UserId>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Vec<Violation>, RepoError>;
    async fn consequences(
        &self,
        company: CompanyId,
        agent: Option<UserId>,
        person: Option<UserId>,
    ) -> Result<Vec<Consequence>, RepoError>;
    async fn insert_commendation(&self, audit: &AuditContext, c: &Commendation) -> Result<(), RepoError>;
    async fn commendations(&self, company: CompanyId, agent: UserId) -> Result<Vec<Commendation>, RepoError>;
    /// The committee's sign-off (signed by the audit context's actor, at its time) with the
    /// figures it saw; false if the department's quarter is already signed off.
    async fn insert_signoff(
        &self,
        audit: &AuditContext,
        quarter: Quarter,
        branch: BranchId,
        note: &str,
        summary: &DepartmentFigures,
    ) -> Result<bool, RepoError>;
    async fn signoffs(&self, company: CompanyId, quarter: Quarter) -> Result<Vec<SignOff>, RepoError>;
}
