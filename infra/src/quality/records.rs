//! Catalogue versions, commendations and the committee's sign-offs.

use super::rows::{json_column, to_json};
use crate::db::{audit, audit_json, on_pool, repo_err, Db};
use chrono::{DateTime, NaiveDate, Utc};
use domain::ids::{BranchId, CompanyId, UserId};
use domain::period::Quarter;
use domain::ports::{AuditContext, RepoError};
use domain::quality::{CatalogueEntry, CatalogueVersion, Commendation, DepartmentFigures, SignOff};
use uuid::Uuid;

pub(super) async fn catalogues(db: &Db, company: CompanyId) -> Result<Vec<CatalogueVersion>, RepoError> {
    on_pool!(db, |p| {
        let rows: Vec<(i64, NaiveDate, String)> = sqlx::query_as(
            "SELECT version, effective_from, entries FROM quality_catalogues WHERE company_id = $1 ORDER BY version",
        )
        .bind(company.0)
        .fetch_all(p)
        .await
        .map_err(repo_err)?;
        rows.into_iter()
            .map(|(version, effective_from, entries)| {
                Ok(CatalogueVersion {
                    version,
                    effective_from,
                    entries: json_column::<Vec<CatalogueEntry>>("catalogue", &entries)?,
                })
            })
            .collect()
    })
}

pub(super) async fn insert_catalogue(
    db: &Db,
    ctx: &AuditContext,
    id: Uuid,
    v: &CatalogueVersion,
) -> Result<(), RepoError> {
    let entries = to_json(&v.entries)?;
    on_pool!(db, |p| {
        let mut tx = p.begin().await.map_err(repo_err)?;
        sqlx::query(
            "INSERT INTO quality_catalogues (company_id, id, version, effective_from, entries, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(ctx.company_id.0)
        .bind(id)
        .bind(v.version)
        .bind(v.effective_from)
        .bind(&entries)
        .bind(ctx.actor_id.map(|a| a.0))
        .bind(ctx.at)
        .execute(&mut *tx)
        .await
        .map_err(repo_err)?;
        audit!(
            tx,
            ctx,
            "create",
            "quality_catalogue",
            id,
            None::<String>,
            audit_json(v)
        )?;
        tx.commit().await.map_err(repo_err)
    })
}

pub(super) async fn insert_commendation(db: &Db, ctx: &AuditContext, c: &Commendation) -> Result<(), RepoError> {
    on_pool!(db, |p| {
        let mut tx = p.begin().await.map_err(repo_err)?;
        sqlx::query(
            "INSERT INTO commendations (company_id, id, agent_id, text, given_by, given_on, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(c.company_id.0)
        .bind(c.id)
        .bind(c.agent_id.0)
        .bind(&c.text)
        .bind(c.given_by.0)
        .bind(c.given_on)
        .bind(c.created_at)
        .execute(&mut *tx)
        .await
        .map_err(repo_err)?;
        audit!(tx, ctx, "commend", "commendation", c.id, None::<String>, audit_json(c))?;
        tx.commit().await.map_err(repo_err)
    })
}

pub(super) async fn commendations(db: &Db, company: CompanyId, agent: UserId) -> Result<Vec<Commendation>, RepoError> {
    on_pool!(db, |p| {
        let rows: Vec<(Uuid, String, Uuid, NaiveDate, DateTime<Utc>)> = sqlx::query_as(
            "SELECT id, text, given_by, given_on, created_at FROM commendations \
             WHERE company_id = $1 AND agent_id = $2 ORDER BY given_on, id",
        )
        .bind(company.0)
        .bind(agent.0)
        .fetch_all(p)
        .await
        .map_err(repo_err)?;
        Ok(rows
            .into_iter()
            .map(|(id, text, by, on, at)| Commendation {
                company_id: company,
                id,
                agent_id: agent,
                text,
                given_by: UserId(by),
                given_on: on,
                created_at: at,
            })
            .collect())
    })
}

pub(super) async fn insert_signoff(
    db: &Db,
    ctx: &AuditContext,
    quarter: Quarter,
    branch: BranchId,
    note: &str,
    summary: &DepartmentFigures,
) -> Result<bool, RepoError> {
    let id = Uuid::now_v7();
    let summary = to_json(summary)?;
    let quarter = quarter.to_string();
    on_pool!(db, |p| {
        let mut tx = p.begin().await.map_err(repo_err)?;
        let n = sqlx::query(
            "INSERT INTO quality_signoffs (company_id, id, quarter, branch_id, signed_by, note, summary, signed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        )
        .bind(ctx.company_id.0)
        .bind(id)
        .bind(&quarter)
        .bind(branch.0)
        .bind(ctx.actor_id.map(|a| a.0))
        .bind(note)
        .bind(&summary)
        .bind(ctx.at)
        .execute(&mut *tx)
        .await
        .map_err(repo_err)?
        .rows_affected();
        if n == 0 {
            tx.rollback().await.map_err(repo_err)?;
            return Ok(false);
        }
        audit!(
            tx,
            ctx,
            "sign_off",
            "quality_signoff",
            id,
            None::<String>,
            Some(summary.clone())
        )?;
        tx.commit().await.map_err(repo_err)?;
        Ok(true)
    })
}

pub(super) async fn signoffs(db: &Db, company: CompanyId, quarter: Quarter) -> Result<Vec<SignOff>, RepoError> {
    let quarter = quarter.to_string();
    on_pool!(db, |p| {
        let rows: Vec<(Uuid, Uuid, String, DateTime<Utc>)> = sqlx::query_as(
            "SELECT branch_id, signed_by, note, signed_at FROM quality_signoffs \
             WHERE company_id = $1 AND quarter = $2 ORDER BY signed_at",
        )
        .bind(company.0)
        .bind(&quarter)
        .fetch_all(p)
        .await
        .map_err(repo_err)?;
        Ok(rows
            .into_iter()
            .map(|(b, u, note, at)| SignOff {
                branch_id: BranchId(b),
                signed_by: UserId(u),
                note,
                signed_at: at,
            })
            .collect())
    })
}
