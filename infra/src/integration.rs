//! IntegrationRepo on both engines.

use crate::db::{audit, audit_json, on_pool, repo_err, Db};
use chrono::{DateTime, Utc};
use domain::ids::CompanyId;
use domain::integration::{parse_scope_string, scope_string, IntegrationClient};
use domain::ports::{AuditContext, IntegrationRepo, PageRequest, RepoError};
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct Row {
    company_id: Uuid,
    id: Uuid,
    name: String,
    scopes: String,
    secret_hash: String,
    previous_secret_hash: Option<String>,
    previous_secret_expires_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Row> for IntegrationClient {
    fn from(r: Row) -> Self {
        IntegrationClient {
            company_id: CompanyId(r.company_id),
            id: r.id,
            name: r.name,
            scopes: parse_scope_string(&r.scopes),
            secret_hash: r.secret_hash,
            previous_secret_hash: r.previous_secret_hash,
            previous_secret_expires_at: r.previous_secret_expires_at,
            revoked_at: r.revoked_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLS: &str = "company_id, id, name, scopes, secret_hash, previous_secret_hash, previous_secret_expires_at, \
                    revoked_at, created_at, updated_at";

impl IntegrationRepo for Db {
    async fn insert_integration_client(&self, ctx: &AuditContext, c: &IntegrationClient) -> Result<(), RepoError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(repo_err)?;
            sqlx::query("INSERT INTO integration_client_ids (client_id, company_id) VALUES ($1, $2)")
                .bind(c.id)
                .bind(c.company_id.0)
                .execute(&mut *tx)
                .await
                .map_err(repo_err)?;
            sqlx::query(&format!(
                "INSERT INTO integration_clients ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            ))
            .bind(c.company_id.0)
            .bind(c.id)
            .bind(&c.name)
            .bind(scope_string(&c.scopes))
            .bind(&c.secret_hash)
            .bind(&c.previous_secret_hash)
            .bind(c.previous_secret_expires_at)
            .bind(c.revoked_at)
            .bind(c.created_at)
            .bind(c.updated_at)
            .execute(&mut *tx)
            .await
            .map_err(repo_err)?;
            audit!(
                tx,
                ctx,
                "create",
                "integration_client",
                c.id,
                None::<String>,
                audit_json(c)
            )?;
            tx.commit().await.map_err(repo_err)
        })
    }

    async fn update_integration_client(
        &self,
        ctx: &AuditContext,
        action: &str,
        before: &IntegrationClient,
        c: &IntegrationClient,
    ) -> Result<(), RepoError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(repo_err)?;
            // Guarded on the secret read, so two concurrent rotations cannot both succeed with
            // one of the new secrets silently lost.
            let n = sqlx::query(
                "UPDATE integration_clients SET secret_hash = $3, previous_secret_hash = $4, \
                 previous_secret_expires_at = $5, revoked_at = $6, updated_at = $7 \
                 WHERE company_id = $1 AND id = $2 AND secret_hash = $8",
            )
            .bind(c.company_id.0)
            .bind(c.id)
            .bind(&c.secret_hash)
            .bind(&c.previous_secret_hash)
            .bind(c.previous_secret_expires_at)
            .bind(c.revoked_at)
            .bind(c.updated_at)
            .bind(&before.secret_hash)
            .execute(&mut *tx)
            .await
            .map_err(repo_err)?
            .rows_affected();
            if n != 1 {
                tx.rollback().await.map_err(repo_err)?;
                return Err(RepoError::Conflict("the integration client changed meanwhile".into()));
            }
            audit!(
                tx,
                ctx,
                action,
                "integration_client",
                c.id,
                audit_json(before),
                audit_json(c)
            )?;
            tx.commit().await.map_err(repo_err)
        })
    }

    async fn get_integration_client(
        &self,
        company: CompanyId,
        id: Uuid,
    ) -> Result<Option<IntegrationClient>, RepoError> {
        on_pool!(self, |p| {
            sqlx::query_as::<_, Row>(&format!(
                "SELECT {COLS} FROM integration_clients WHERE company_id = $1 AND id = $2"
            ))
            .bind(company.0)
            .bind(id)
            .fetch_optional(p)
            .await
            .map(|r| r.map(IntegrationClient::from))
            .map_err(repo_err)
        })
    }

    async fn find_integration_client(&self, id: Uuid) -> Result<Option<IntegrationClient>, RepoError> {
        let cols = COLS
            .split(", ")
            .map(|c| format!("c.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        on_pool!(self, |p| {
            sqlx::query_as::<_, Row>(&format!(
                "SELECT {cols} FROM integration_client_ids i JOIN integration_clients c \
                 ON c.company_id = i.company_id AND c.id = i.client_id WHERE i.client_id = $1"
            ))
            .bind(id)
            .fetch_optional(p)
            .await
            .map(|r| r.map(IntegrationClient::from))
            .map_err(repo_err)
        })
    }

    async fn list_integration_clients(
        &self,
        company: CompanyId,
        page: PageRequest,
    ) -> Result<Vec<IntegrationClient>, RepoError> {
        on_pool!(self, |p| {
            sqlx::query_as::<_, Row>(&format!(
                "SELECT {COLS} FROM integration_clients WHERE company_id = $1 AND id > $2 ORDER BY id LIMIT $3"
            ))
            .bind(company.0)
            .bind(page.after.unwrap_or(Uuid::nil()))
            .bind(i64::from(page.limit))
            .fetch_all(p)
            .await
            .map(|rows| rows.into_iter().map(IntegrationClient::from).collect())
            .map_err(repo_err)
        })
    }
}
