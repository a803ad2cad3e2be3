//! The audit trail (AUD-1) as something to read, and the records use cases append outside
//! an entity's own write (a job run an admin triggered).

#![allow(async_fn_in_trait)] // Callers run on actix's single-threaded workers; no Send bound needed.

use super::*;

/// One audit record: who (`actor_id`, none for the system or the platform operator), when,
/// from which request, what happened to which entity, and its JSON before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub company_id: CompanyId,
    pub id: uuid::Uuid,
    pub at: DateTime<Utc>,
    pub actor_id: Option<UserId>,
    pub request_id: String,
    pub action: String,
    pub entity: String,
    pub entity_id: uuid::Uuid,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Filters of an audit listing; all present ones must hold. `from` inclusive, `to` exclusive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    pub entity: Option<String>,
    pub entity_id: Option<uuid::Uuid>,
    pub actor: Option<UserId>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

pub trait AuditRepo {
    /// Appends one record on its own (the entity's writes having committed already).
    async fn append_audit(
        &self,
        ctx: &AuditContext,
        action: &str,
        entity: &str,
        entity_id: uuid::Uuid,
        after: Option<String>,
    ) -> Result<(), RepoError>;
    /// The company's records matching `q`, oldest first (keyset pagination by id).
    async fn list_audit(
        &self,
        company: CompanyId,
        q: &AuditQuery,
        page: PageRequest,
    ) -> Result<Vec<AuditRecord>, RepoError>;
}
