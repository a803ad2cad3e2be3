//! Activity storage (ACT-*), with idempotency records.

#![allow(async_fn_in_trait)] // Callers run on actix's single-threaded workers; no Send bound needed.

use super::*;
use crate::activity::{Activity, ActivityKind};
use crate::ids::{CompanyId, UserId};
use chrono::NaiveDate;
use chrono::{DateTime, Utc};

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

/// A batch as written: one outcome per activity, and the feed positions its events took
/// (none when nothing was created).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsertedActivities {
    pub outcomes: Vec<InsertOutcome>,
    pub positions: Option<(i64, i64)>,
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
    /// Each activity created gets its AUD-1 record (`create`, `activity`) in the same
    /// transaction; duplicates change nothing and get none.
    async fn insert_activities(
        &self,
        audit: &AuditContext,
        activities: &[Activity],
        idempotency: Option<&IdempotencyRecord>,
    ) -> Result<Option<InsertedActivities>, RepoError>;
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
