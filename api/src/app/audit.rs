//! Reading the audit trail (AUD-1), and the records of job runs an admin triggers (the jobs'
//! ledger rows carry their own source keys and facts; the trigger is what the trail adds:
//! who ran which job, when, from which request, and what it wrote).

use crate::app::error::AppResult;
use domain::access::{Actor, Function};
use domain::ports::{AuditContext, AuditQuery, AuditRecord, AuditRepo, PageRequest};
use infra::Db;

pub async fn list(db: &Db, actor: &Actor, q: &AuditQuery, page: PageRequest) -> AppResult<Vec<AuditRecord>> {
    actor.require(Function::ReadAuditTrail)?;
    Ok(db.list_audit(actor.company_id, q, page).await?)
}

/// Records a finished job run `action` on `entity`/`id` with its report as the "after" value.
/// Best effort: the job's own writes have committed, so a failure here is logged, not raised.
pub async fn job_run<T: serde::Serialize>(
    db: &Db,
    audit: &AuditContext,
    action: &str,
    entity: &str,
    id: uuid::Uuid,
    report: &T,
) {
    let after = serde_json::to_string(report).ok();
    if let Err(e) = db.append_audit(audit, action, entity, id, after).await {
        tracing::error!(error = %e, action, "could not record a job run in the audit trail");
    }
}
