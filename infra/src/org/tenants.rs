//! TenantRepo on both engines: a company and its first admin in one transaction.

use super::{after_or_nil, insert_user_rows};
use crate::changes::{append_changes, NewChange};
use crate::db::{audit, audit_json, on_pool, repo_err, Db};
use chrono::{DateTime, Utc};
use domain::changes::ChangeType;
use domain::ids::CompanyId;
use domain::org::{Company, User};
use domain::ports::{AuditContext, PageRequest, RepoError, TenantRepo, TenantSummary};
use uuid::Uuid;

impl TenantRepo for Db {
    async fn create_tenant(&self, ctx: &AuditContext, c: &Company, admin: &User) -> Result<(), RepoError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(repo_err)?;
            sqlx::query("INSERT INTO companies (id, name, created_at) VALUES ($1, $2, $3)")
                .bind(c.id.0)
                .bind(&c.name)
                .bind(c.created_at)
                .execute(&mut *tx)
                .await
                .map_err(repo_err)?;
            audit!(tx, ctx, "create", "company", c.id.0, None::<String>, audit_json(c))?;
            insert_user_rows!(tx, admin)?;
            audit!(tx, ctx, "create", "user", admin.id.0, None::<String>, audit_json(admin))?;
            // The feed's first event: its admin (the counter row is the transaction's last lock).
            let change = NewChange::new(
                ChangeType::UserCreated,
                admin.id.0,
                Some(admin.id),
                admin,
                admin.created_at,
            );
            append_changes!(tx, c.id, &[change])?;
            tx.commit().await.map_err(repo_err)
        })
    }

    async fn list_tenants(&self, page: PageRequest) -> Result<Vec<TenantSummary>, RepoError> {
        on_pool!(self, |p| {
            let rows: Vec<(Uuid, String, DateTime<Utc>, i64)> = sqlx::query_as(
                "SELECT c.id, c.name, c.created_at, \
                 (SELECT COUNT(*) FROM users u WHERE u.company_id = c.id AND u.active = TRUE) \
                 FROM companies c WHERE c.id > $1 ORDER BY c.id LIMIT $2",
            )
            .bind(after_or_nil(&page))
            .bind(i64::from(page.limit))
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            Ok(rows
                .into_iter()
                .map(|(id, name, created_at, active_users)| TenantSummary {
                    company: Company {
                        id: CompanyId(id),
                        name,
                        created_at,
                    },
                    active_users,
                })
                .collect())
        })
    }
}
