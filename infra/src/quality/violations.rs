//! Reports and their events; a decision that changes a score writes its consequences in the
//! same transaction.

use super::rows::{
    assemble, consequence_query, insert_consequences_sql, to_json, ConsequenceRow, EventRow, ViolationQuery,
    ViolationRow, VIOLATION_COLS,
};
use crate::changes::{append_changes, NewChange};
use crate::db::{audit, audit_json, on_pool, repo_err, Db};
use crate::sql::bind_args;
use chrono::NaiveDate;
use domain::changes::ChangeType;
use domain::ids::{CompanyId, UserId};
use domain::ports::{AuditContext, ListScope, RepoError};
use domain::quality::{Consequence, Violation, ViolationEvent};
use uuid::Uuid;

const INSERT_EVENT: &str = "INSERT INTO violation_events (company_id, id, violation_id, seq, kind, half_points, \
                            reason, actor_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING";

fn seq(i: usize) -> i64 {
    i64::try_from(i).unwrap_or(i64::MAX)
}

pub(super) async fn insert_violation(db: &Db, ctx: &AuditContext, v: &Violation) -> Result<(), RepoError> {
    let attachments = to_json(&v.attachments)?;
    on_pool!(db, |p| {
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
        .bind(&attachments)
        .bind(v.client_id)
        .bind(&v.policy_number)
        .bind(v.catalogue_version)
        .bind(v.created_at)
        .execute(&mut *tx)
        .await
        .map_err(repo_err)?;
        for (i, e) in v.events.iter().enumerate() {
            sqlx::query(INSERT_EVENT)
                .bind(v.company_id.0)
                .bind(Uuid::now_v7())
                .bind(v.id)
                .bind(seq(i))
                .bind(e.kind.as_str())
                .bind(e.half_points)
                .bind(&e.reason)
                .bind(e.actor_id.0)
                .bind(e.at)
                .execute(&mut *tx)
                .await
                .map_err(repo_err)?;
        }
        audit!(tx, ctx, "report", "violation", v.id, None::<String>, audit_json(v))?;
        // No person on violation events: an agent must not learn of a report before it is
        // confirmed, so they stay out of devices' sync (the CRM feed has them all).
        let change = NewChange::new(ChangeType::ViolationReported, v.id, None, v, v.created_at);
        append_changes!(tx, v.company_id, &[change])?;
        tx.commit().await.map_err(repo_err)
    })
}

/// The shared body of both appends: `rescore` is None for steps that change no score.
async fn append<F>(
    db: &Db,
    ctx: &AuditContext,
    v: &Violation,
    e: &ViolationEvent,
    rescore: Option<F>,
) -> Result<bool, RepoError>
where
    F: FnOnce(&[Violation], &[Consequence]) -> Vec<Consequence>,
{
    let (from, to) = v.half_year().bounds();
    let half_year = ViolationQuery::new(
        v.company_id,
        &ListScope::Company,
        Some(v.agent_id),
        Some(from),
        Some(to),
    );
    let recorded = consequence_query(v.company_id, Some(v.agent_id), None, Some(v.half_year()));
    on_pool!(db, |p| {
        let mut tx = p.begin().await.map_err(repo_err)?;
        if rescore.is_some() {
            // A write first: it takes the agent's row lock (PostgreSQL) or the write lock
            // (SQLite), so a concurrent decision on this agent scores after this one commits.
            sqlx::query("UPDATE users SET updated_at = updated_at WHERE company_id = $1 AND id = $2")
                .bind(v.company_id.0)
                .bind(v.agent_id.0)
                .execute(&mut *tx)
                .await
                .map_err(repo_err)?;
        }
        let n = sqlx::query(INSERT_EVENT)
            .bind(ctx.company_id.0)
            .bind(Uuid::now_v7())
            .bind(v.id)
            .bind(seq(v.events.len()))
            .bind(e.kind.as_str())
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
            v.id,
            None::<String>,
            audit_json(e)
        )?;
        if let Some(rescore) = rescore {
            let rows = bind_args!(sqlx::query_as::<_, ViolationRow>(&half_year.rows), &half_year.args)
                .fetch_all(&mut *tx)
                .await
                .map_err(repo_err)?;
            let events = bind_args!(sqlx::query_as::<_, EventRow>(&half_year.events), &half_year.args)
                .fetch_all(&mut *tx)
                .await
                .map_err(repo_err)?;
            let violations = assemble(rows, events)?;
            let existing = bind_args!(sqlx::query_as::<_, ConsequenceRow>(&recorded.text), &recorded.args)
                .fetch_all(&mut *tx)
                .await
                .map_err(repo_err)?
                .into_iter()
                .map(ConsequenceRow::parse)
                .collect::<Result<Vec<_>, _>>()?;
            if let Some(insert) = insert_consequences_sql(&rescore(&violations, &existing)) {
                bind_args!(sqlx::query(&insert.text), &insert.args)
                    .execute(&mut *tx)
                    .await
                    .map_err(repo_err)?;
            }
        }
        let data = serde_json::json!({"violation_id": v.id, "agent_id": v.agent_id, "event": e});
        let change = NewChange::new(ChangeType::ViolationUpdated, v.id, None, &data, e.at);
        append_changes!(tx, v.company_id, &[change])?;
        tx.commit().await.map_err(repo_err)?;
        Ok(true)
    })
}

pub(super) async fn append_event(
    db: &Db,
    ctx: &AuditContext,
    v: &Violation,
    e: &ViolationEvent,
) -> Result<bool, RepoError> {
    type NoRescore = fn(&[Violation], &[Consequence]) -> Vec<Consequence>;
    append::<NoRescore>(db, ctx, v, e, None).await
}

pub(super) async fn append_event_and_rescore<F>(
    db: &Db,
    ctx: &AuditContext,
    v: &Violation,
    e: &ViolationEvent,
    rescore: F,
) -> Result<bool, RepoError>
where
    F: FnOnce(&[Violation], &[Consequence]) -> Vec<Consequence>,
{
    append(db, ctx, v, e, Some(rescore)).await
}

pub(super) async fn get_violation(db: &Db, company: CompanyId, id: Uuid) -> Result<Option<Violation>, RepoError> {
    on_pool!(db, |p| {
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

pub(super) async fn list_violations(
    db: &Db,
    company: CompanyId,
    scope: &ListScope,
    agent: Option<UserId>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Vec<Violation>, RepoError> {
    let q = ViolationQuery::new(company, scope, agent, from, to);
    on_pool!(db, |p| {
        let rows = bind_args!(sqlx::query_as::<_, ViolationRow>(&q.rows), &q.args)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
        let events = bind_args!(sqlx::query_as::<_, EventRow>(&q.events), &q.args)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
        assemble(rows, events)
    })
}

pub(super) async fn consequences(
    db: &Db,
    company: CompanyId,
    agent: Option<UserId>,
    person: Option<UserId>,
) -> Result<Vec<Consequence>, RepoError> {
    let sql = consequence_query(company, agent, person, None);
    on_pool!(db, |p| {
        bind_args!(sqlx::query_as::<_, ConsequenceRow>(&sql.text), &sql.args)
            .fetch_all(p)
            .await
            .map_err(repo_err)?
            .into_iter()
            .map(ConsequenceRow::parse)
            .collect()
    })
}
