//! PolicyVersionRepo (POL-1) on both engines.

use super::corrupt;
use crate::db::{audit, audit_json, on_pool, repo_err, Db};
use chrono::{DateTime, NaiveDate, Utc};
use domain::ids::{BranchId, CompanyId, UserId};
use domain::policy::{PolicyDocument, PolicyVersion};
use domain::ports::{AuditContext, PolicyVersionRepo, RepoError};
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct PolicyVersionRow {
    company_id: Uuid,
    id: Uuid,
    branch_id: Option<Uuid>,
    version: i64,
    effective_from: NaiveDate,
    document: String,
    created_by: Uuid,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<PolicyVersionRow> for PolicyVersion {
    type Error = RepoError;
    fn try_from(r: PolicyVersionRow) -> Result<Self, RepoError> {
        Ok(PolicyVersion {
            company_id: CompanyId(r.company_id),
            id: r.id,
            branch_id: r.branch_id.map(BranchId),
            version: r.version,
            effective_from: r.effective_from,
            document: serde_json::from_str::<PolicyDocument>(&r.document).map_err(|_| corrupt("policy document"))?,
            created_by: UserId(r.created_by),
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

const COLS: &str = "company_id, id, branch_id, version, effective_from, document, created_by, created_at, updated_at";

/// Version numbers are unique per scope: the company, or one branch.
fn scope_key(p: &PolicyVersion) -> String {
    p.branch_id
        .map(|b| b.to_string())
        .unwrap_or_else(|| "company".to_owned())
}

impl PolicyVersionRepo for Db {
    async fn insert_policy_version(&self, ctx: &AuditContext, p: &PolicyVersion) -> Result<(), RepoError> {
        let doc = serde_json::to_string(&p.document).map_err(|e| RepoError::Storage(e.to_string()))?;
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(repo_err)?;
            sqlx::query(
                "INSERT INTO policy_versions (company_id, id, branch_id, scope_key, version, effective_from, document, \
                 created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(p.company_id.0)
            .bind(p.id)
            .bind(p.branch_id.map(|b| b.0))
            .bind(scope_key(p))
            .bind(p.version)
            .bind(p.effective_from)
            .bind(&doc)
            .bind(p.created_by.0)
            .bind(p.created_at)
            .bind(p.updated_at)
            .execute(&mut *tx)
            .await
            .map_err(repo_err)?;
            audit!(tx, ctx, "create", "policy_version", p.id, None::<String>, audit_json(p))?;
            tx.commit().await.map_err(repo_err)
        })
    }

    async fn update_policy_version(
        &self,
        ctx: &AuditContext,
        before: &PolicyVersion,
        p: &PolicyVersion,
    ) -> Result<(), RepoError> {
        let doc = serde_json::to_string(&p.document).map_err(|e| RepoError::Storage(e.to_string()))?;
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(repo_err)?;
            sqlx::query(
                "UPDATE policy_versions SET effective_from = $3, document = $4, updated_at = $5 WHERE company_id = $1 AND id = $2",
            )
            .bind(p.company_id.0)
            .bind(p.id)
            .bind(p.effective_from)
            .bind(&doc)
            .bind(p.updated_at)
            .execute(&mut *tx)
            .await
            .map_err(repo_err)?;
            audit!(
                tx,
                ctx,
                "update",
                "policy_version",
                p.id,
                audit_json(before),
                audit_json(p)
            )?;
            tx.commit().await.map_err(repo_err)
        })
    }

    async fn get_policy_version(&self, company: CompanyId, id: Uuid) -> Result<Option<PolicyVersion>, RepoError> {
        on_pool!(self, |pool| {
            let row: Option<PolicyVersionRow> = sqlx::query_as(&format!(
                "SELECT {COLS} FROM policy_versions WHERE company_id = $1 AND id = $2"
            ))
            .bind(company.0)
            .bind(id)
            .fetch_optional(pool)
            .await
            .map_err(repo_err)?;
            row.map(PolicyVersion::try_from).transpose()
        })
    }

    async fn company_policy_versions(&self, company: CompanyId) -> Result<Vec<PolicyVersion>, RepoError> {
        on_pool!(self, |pool| {
            let rows: Vec<PolicyVersionRow> = sqlx::query_as(&format!(
                "SELECT {COLS} FROM policy_versions WHERE company_id = $1 ORDER BY scope_key, version"
            ))
            .bind(company.0)
            .fetch_all(pool)
            .await
            .map_err(repo_err)?;
            rows.into_iter().map(PolicyVersion::try_from).collect()
        })
    }
}
