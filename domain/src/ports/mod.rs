//! Repository ports: what the application needs from storage, implemented in `infra` for
//! SQLite and PostgreSQL. Every call is scoped by company; writes carry an audit context so
//! the change and its audit record commit together (AUD-1).

use crate::ids::{CompanyId, TeamId, UserId};
use chrono::{DateTime, Utc};

#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// A uniqueness or state conflict (e.g. an e-mail already in use).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The storage engine failed; details are logged, never sent to clients.
    #[error("storage failure: {0}")]
    Storage(String),
    /// The database cannot be reached right now (pool timeout, refused or dropped
    /// connection, server shutting down): the request may succeed if retried shortly.
    #[error("database unavailable: {0}")]
    Unavailable(String),
}

/// Who changed what, from where (AUD-1).
#[derive(Debug, Clone)]
pub struct AuditContext {
    pub company_id: CompanyId,
    /// The person who made the change (none for jobs and integrations).
    pub actor_id: Option<UserId>,
    /// The integration client that made the change, when one did.
    pub integration_client_id: Option<uuid::Uuid>,
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

mod activities;
mod audit;
mod changes;
mod clients;
mod commission;
mod diaries;
mod integration;
mod ledger;
mod licences;
mod limits;
mod org;
mod quality;
mod tenants;
mod upsert;

pub use activities::*;
pub use audit::*;
pub use changes::*;
pub use clients::*;
pub use commission::*;
pub use diaries::*;
pub use integration::*;
pub use ledger::*;
pub use licences::*;
pub use limits::*;
pub use org::*;
pub use quality::*;
pub use tenants::*;
pub use upsert::*;
