//! Licences, CE courses, lapses and the notices they send (LIC-1..LIC-3).

#![allow(async_fn_in_trait)] // Callers run on actix's single-threaded workers; no Send bound needed.

use super::*;
use crate::commission::Notice;
use crate::ids::{BranchId, CompanyId, TeamId, UserId};
use crate::licence::{CeCourse, CeHours, Lapse, Licence};
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};

/// An active agent with what the licence rules need about them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentLicenceFacts {
    pub agent_id: UserId,
    pub name: String,
    pub team_id: Option<TeamId>,
    pub team_name: Option<String>,
    pub branch_id: Option<BranchId>,
    /// The supervisor of the agent's team (reminders go to them too).
    pub supervisor_id: Option<UserId>,
    pub licence: Option<Licence>,
}

/// Licence records, lapses and the year-end job's notices (LIC-1, LIC-3).
pub trait LicenceRepo {
    async fn get_licence(&self, company: CompanyId, agent: UserId) -> Result<Option<Licence>, RepoError>;
    /// Creates or replaces the record, with its audit record (`before` is what was read).
    async fn put_licence(&self, audit: &AuditContext, before: Option<&Licence>, l: &Licence) -> Result<(), RepoError>;
    /// Every lapse (reinstated or not) of these agents.
    async fn lapses_of(&self, company: CompanyId, agents: &[UserId]) -> Result<Vec<Lapse>, RepoError>;
    /// Records each lapse once per agent and CE year, with its notices, audited; lapses already
    /// recorded (reinstated or not) are left as they are. Returns how many were new.
    async fn record_lapses(&self, audit: &AuditContext, lapses: &[(Lapse, Vec<Notice>)]) -> Result<u64, RepoError>;
    /// Marks the lapse reinstated (recording it first when the job has not yet), audited; false
    /// when it already was.
    async fn reinstate_lapse(&self, audit: &AuditContext, reinstated: &Lapse) -> Result<bool, RepoError>;
    /// The notification source keys starting with `prefix`, so a job
    /// skips what it already sent.
    async fn notice_keys_with_prefix(&self, company: CompanyId, prefix: &str) -> Result<HashSet<String>, RepoError>;
    /// Sends each notice once per source key, audited. Returns how many were new.
    async fn send_notices(&self, audit: &AuditContext, notices: &[Notice]) -> Result<u64, RepoError>;
    /// The active agents of the company (or one branch) within `scope`, in id order.
    async fn licence_facts(
        &self,
        company: CompanyId,
        branch: Option<BranchId>,
        scope: &ListScope,
    ) -> Result<Vec<AgentLicenceFacts>, RepoError>;
}

/// CE courses and the hours they add up to (LIC-2).
pub trait CeCourseRepo {
    /// Confirmed and pending hours per agent of the courses taken in [from, to].
    async fn ce_hours(
        &self,
        company: CompanyId,
        agents: &[UserId],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<HashMap<UserId, CeHours>, RepoError>;
    /// Conflict when the id is taken.
    async fn insert_ce_course(&self, audit: &AuditContext, c: &CeCourse) -> Result<(), RepoError>;
    async fn get_ce_course(&self, company: CompanyId, id: uuid::Uuid) -> Result<Option<CeCourse>, RepoError>;
    /// An agent's courses taken in [from, to], by date.
    async fn ce_courses_of(
        &self,
        company: CompanyId,
        agent: UserId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<CeCourse>, RepoError>;
    /// HR's decision on a pending course; false (nothing written) when it was no longer pending.
    async fn decide_ce_course(
        &self,
        audit: &AuditContext,
        before: &CeCourse,
        after: &CeCourse,
    ) -> Result<bool, RepoError>;
}
