//! QualityRepo on both engines.

use crate::db::{audit, audit_json, on_pool, repo_err, Db};
use crate::sql::{bind_args, person_scope, Arg, Sql};
use chrono::{DateTime, NaiveDate, Utc};
use domain::ids::{BranchId, CompanyId, UserId};
use domain::ports::{AuditContext, ListScope, QualityRepo, RepoError};
use domain::quality::{
    CatalogueEntry, CatalogueVersion, Commendation, Consequence, ConsequenceKind, Post, Violation, ViolationEvent,
};
use std::collections::HashMap;
use uuid::Uuid;

fn corrupt(what: &str) -> RepoError {
    RepoError::Storage(format!("stored {what} is invalid"))
}

#[derive(sqlx::FromRow)]
struct ViolationRow {
    company_id: Uuid,
    id: Uuid,
    agent_id: Uuid,
    code: String,
    post: String,
    reporter_id: Uuid,
    occurred_on: NaiveDate,
    evidence: String,
    attachments: String,
    client_id: Option<Uuid>,
    policy_number: Option<String>,
    catalogue_version: i64,
    created_at: DateTime<Utc>,
}

const VIOLATION_COLS: &str = "company_id, id, agent_id, code, post, reporter_id, occurred_on, evidence, attachments, \
                              client_id, policy_number, catalogue_version, created_at";

#[derive(sqlx::FromRow)]
struct EventRow {
    violation_id: Uuid,
    kind: String,
    half_points: Option<i64>,
    reason: Option<String>,
    actor_id: Uuid,
    at: DateTime<Utc>,
}

fn assemble(rows: Vec<ViolationRow>, events: Vec<EventRow>) -> Result<Vec<Violation>, RepoError> {
    let mut by: HashMap<Uuid, Vec<ViolationEvent>> = HashMap::new();
    for e in events {
        by.entry(e.violation_id).or_default().push(ViolationEvent {
            kind: e.kind,
            half_points: e.half_points,
            reason: e.reason,
            actor_id: UserId(e.actor_id),
            at: e.at,
        });
    }
    rows.into_iter()
        .map(|r| {
            Ok(Violation {
                company_id: CompanyId(r.company_id),
                id: r.id,
                agent_id: UserId(r.agent_id),
                code: r.code,
                post: Post::parse(&r.post).ok_or_else(|| corrupt("post"))?,
                reporter_id: UserId(r.reporter_id),
                occurred_on: r.occurred_on,
                evidence: r.evidence,
                attachments: serde_json::from_str(&r.attachments).unwrap_or_default(),
                client_id: r.client_id,
                policy_number: r.policy_number,
                catalogue_version: r.catalogue_version,
                created_at: r.created_at,
                events: by.remove(&r.id).unwrap_or_default(),
            })
        })
        .collect()
}

#[derive(sqlx::FromRow)]
struct ConsequenceRow {
    company_id: Uuid,
    id: Uuid,
    agent_id: Uuid,
    half_year: String,
    threshold: i64,
    person_id: Uuid,
    person_role: String,
    kind: String,
    details: String,
    reverses: Option<Uuid>,
    source_key: String,
    created_at: DateTime<Utc>,
}

const CONSEQUENCE_COLS: &str =
    "company_id, id, agent_id, half_year, threshold, person_id, person_role, kind, details, reverses, source_key, created_at";

impl QualityRepo for Db {
    async fn catalogues(&self, company: CompanyId) -> Result<Vec<CatalogueVersion>, RepoError> {
        on_pool!(self, |p| {
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
                        entries: serde_json::from_str::<Vec<CatalogueEntry>>(&entries)
                            .map_err(|_| corrupt("catalogue"))?,
                    })
                })
                .collect()
        })
    }

    async fn insert_catalogue(&self, ctx: &AuditContext, id: Uuid, v: &CatalogueVersion) -> Result<(), RepoError> {
        let entries = serde_json::to_string(&v.entries).map_err(|e| RepoError::Storage(e.to_string()))?;
        on_pool!(self, |p| {
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

    async fn insert_violation(&self, ctx: &AuditContext, v: &Violation) -> Result<(), RepoError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(repo_err)?;
            sqlx::query(&format!(
                "INSERT INTO violations ({VIOLATION_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
            ))
            .bind(v.company_id.0)
            .bind(v.id)
            .bind(v.agent_id.0)
            .bind(&v.code)
            .bind(v.post.as_str())
            .bind(v.reporter_id.0)
            .bind(v.occurred_on)
            .bind(&v.evidence)
            .bind(serde_json::to_string(&v.attachments).unwrap_or_else(|_| "[]".into()))
            .bind(v.client_id)
            .bind(&v.policy_number)
            .bind(v.catalogue_version)
            .bind(v.created_at)
            .execute(&mut *tx)
            .await
            .map_err(repo_err)?;
            for (seq, e) in v.events.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO violation_events (company_id, id, violation_id, seq, kind, half_points, reason, actor_id, at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(v.company_id.0)
                .bind(Uuid::now_v7())
                .bind(v.id)
                .bind(seq as i64)
                .bind(&e.kind)
                .bind(e.half_points)
                .bind(&e.reason)
                .bind(e.actor_id.0)
                .bind(e.at)
                .execute(&mut *tx)
                .await
                .map_err(repo_err)?;
            }
            audit!(tx, ctx, "report", "violation", v.id, None::<String>, audit_json(v))?;
            tx.commit().await.map_err(repo_err)
        })
    }

    async fn append_violation_event(
        &self,
        ctx: &AuditContext,
        violation: Uuid,
        seq: i64,
        e: &ViolationEvent,
    ) -> Result<bool, RepoError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(repo_err)?;
            let n = sqlx::query(
                "INSERT INTO violation_events (company_id, id, violation_id, seq, kind, half_points, reason, actor_id, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
            )
            .bind(ctx.company_id.0)
            .bind(Uuid::now_v7())
            .bind(violation)
            .bind(seq)
            .bind(&e.kind)
            .bind(e.half_points)
            .bind(&e.reason)
            .bind(e.actor_id.0)
            .bind(e.at)
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
                e.kind.as_str(),
                "violation",
                violation,
                None::<String>,
                audit_json(e)
            )?;
            tx.commit().await.map_err(repo_err)?;
            Ok(true)
        })
    }

    async fn get_violation(&self, company: CompanyId, id: Uuid) -> Result<Option<Violation>, RepoError> {
        on_pool!(self, |p| {
            let rows: Vec<ViolationRow> = sqlx::query_as(&format!(
                "SELECT {VIOLATION_COLS} FROM violations WHERE company_id = $1 AND id = $2"
            ))
            .bind(company.0)
            .bind(id)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            let events: Vec<EventRow> = sqlx::query_as(
                "SELECT violation_id, kind, half_points, reason, actor_id, at FROM violation_events \
                 WHERE company_id = $1 AND violation_id = $2 ORDER BY seq",
            )
            .bind(company.0)
            .bind(id)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            Ok(assemble(rows, events)?.into_iter().next())
        })
    }

    async fn list_violations(
        &self,
        company: CompanyId,
        scope: &ListScope,
        agent: Option<UserId>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Vec<Violation>, RepoError> {
        let mut sql = Sql::new("");
        let c = sql.arg(Arg::Uuid(company.0));
        let mut wh = vec![
            format!("v.company_id = {c}"),
            person_scope(&mut sql, scope, "v.agent_id", &c),
        ];
        if let Some(a) = agent {
            wh.push(format!("v.agent_id = {}", sql.arg(Arg::Uuid(a.0))));
        }
        if let Some(f) = from {
            wh.push(format!("v.occurred_on >= {}", sql.arg(Arg::Date(f))));
        }
        if let Some(t) = to {
            wh.push(format!("v.occurred_on <= {}", sql.arg(Arg::Date(t))));
        }
        let filter = wh.join(" AND ");
        let cols: String = VIOLATION_COLS
            .split(", ")
            .map(|c| format!("v.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let rows_sql =
            format!("SELECT {cols} FROM violations v WHERE {filter} ORDER BY v.occurred_on, v.created_at, v.id");
        let events_sql = format!(
            "SELECT e.violation_id, e.kind, e.half_points, e.reason, e.actor_id, e.at FROM violation_events e \
             JOIN violations v ON v.company_id = e.company_id AND v.id = e.violation_id WHERE {filter} ORDER BY e.seq"
        );
        on_pool!(self, |p| {
            let rows = bind_args!(sqlx::query_as::<_, ViolationRow>(&rows_sql), &sql.args)
                .fetch_all(p)
                .await
                .map_err(repo_err)?;
            let events = bind_args!(sqlx::query_as::<_, EventRow>(&events_sql), &sql.args)
                .fetch_all(p)
                .await
                .map_err(repo_err)?;
            assemble(rows, events)
        })
    }

    async fn consequences(
        &self,
        company: CompanyId,
        agent: Option<UserId>,
        person: Option<UserId>,
    ) -> Result<Vec<Consequence>, RepoError> {
        let mut sql = Sql::new("");
        let c = sql.arg(Arg::Uuid(company.0));
        let mut wh = vec![format!("company_id = {c}")];
        if let Some(a) = agent {
            wh.push(format!("agent_id = {}", sql.arg(Arg::Uuid(a.0))));
        }
        if let Some(pp) = person {
            wh.push(format!("person_id = {}", sql.arg(Arg::Uuid(pp.0))));
        }
        sql.push(&format!(
            "SELECT {CONSEQUENCE_COLS} FROM quality_consequences WHERE {} ORDER BY created_at, id",
            wh.join(" AND ")
        ));
        on_pool!(self, |p| {
            let rows = bind_args!(sqlx::query_as::<_, ConsequenceRow>(&sql.text), &sql.args)
                .fetch_all(p)
                .await
                .map_err(repo_err)?;
            rows.into_iter()
                .map(|r| {
                    Ok(Consequence {
                        company_id: CompanyId(r.company_id),
                        id: r.id,
                        agent_id: UserId(r.agent_id),
                        half_year: r.half_year,
                        threshold: r.threshold,
                        person_id: UserId(r.person_id),
                        person_role: r.person_role,
                        kind: ConsequenceKind::parse(&r.kind).ok_or_else(|| corrupt("consequence kind"))?,
                        details: serde_json::from_str(&r.details).unwrap_or(serde_json::Value::Null),
                        reverses: r.reverses,
                        source_key: r.source_key,
                        created_at: r.created_at,
                    })
                })
                .collect()
        })
    }

    async fn insert_consequences(&self, rows: &[Consequence]) -> Result<u64, RepoError> {
        if rows.is_empty() {
            return Ok(0);
        }
        let mut sql = Sql::new("");
        let values: Vec<String> = rows
            .iter()
            .map(|r| {
                format!(
                    "({})",
                    sql.list([
                        Arg::Uuid(r.company_id.0),
                        Arg::Uuid(r.id),
                        Arg::Uuid(r.agent_id.0),
                        Arg::Text(r.half_year.clone()),
                        Arg::Int(r.threshold),
                        Arg::Uuid(r.person_id.0),
                        Arg::Text(r.person_role.clone()),
                        Arg::Text(r.kind.as_str().to_owned()),
                        Arg::Text(r.details.to_string()),
                        Arg::OptUuid(r.reverses),
                        Arg::Text(r.source_key.clone()),
                        Arg::Ts(r.created_at),
                    ])
                )
            })
            .collect();
        sql.push(&format!(
            "INSERT INTO quality_consequences ({CONSEQUENCE_COLS}) VALUES {} ON CONFLICT DO NOTHING",
            values.join(", ")
        ));
        on_pool!(self, |p| {
            bind_args!(sqlx::query(&sql.text), &sql.args)
                .execute(p)
                .await
                .map(|r| r.rows_affected())
                .map_err(repo_err)
        })
    }

    async fn insert_commendation(&self, ctx: &AuditContext, c: &Commendation) -> Result<(), RepoError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(repo_err)?;
            sqlx::query(
                "INSERT INTO commendations (company_id, id, agent_id, text, given_by, given_on, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
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

    async fn commendations(&self, company: CompanyId, agent: UserId) -> Result<Vec<Commendation>, RepoError> {
        on_pool!(self, |p| {
            let rows: Vec<(Uuid, String, Uuid, NaiveDate, DateTime<Utc>)> = sqlx::query_as(
                "SELECT id, text, given_by, given_on, created_at FROM commendations WHERE company_id = $1 AND agent_id = $2 ORDER BY given_on, id",
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

    async fn insert_signoff(
        &self,
        ctx: &AuditContext,
        quarter: &str,
        branch: BranchId,
        note: &str,
        summary: &serde_json::Value,
    ) -> Result<bool, RepoError> {
        let id = Uuid::now_v7();
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(repo_err)?;
            let n = sqlx::query(
                "INSERT INTO quality_signoffs (company_id, id, quarter, branch_id, signed_by, note, summary, signed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
            )
            .bind(ctx.company_id.0)
            .bind(id)
            .bind(quarter)
            .bind(branch.0)
            .bind(ctx.actor_id.map(|a| a.0))
            .bind(note)
            .bind(summary.to_string())
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
                Some(summary.to_string())
            )?;
            tx.commit().await.map_err(repo_err)?;
            Ok(true)
        })
    }

    async fn signoffs(
        &self,
        company: CompanyId,
        quarter: &str,
    ) -> Result<Vec<(BranchId, UserId, String, DateTime<Utc>)>, RepoError> {
        on_pool!(self, |p| {
            let rows: Vec<(Uuid, Uuid, String, DateTime<Utc>)> = sqlx::query_as(
                "SELECT branch_id, signed_by, note, signed_at FROM quality_signoffs WHERE company_id = $1 AND quarter = $2 ORDER BY signed_at",
            )
            .bind(company.0)
            .bind(quarter)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            Ok(rows
                .into_iter()
                .map(|(b, u, n, t)| (BranchId(b), UserId(u), n, t))
                .collect())
        })
    }
}
