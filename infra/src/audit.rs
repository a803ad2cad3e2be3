//! AuditRepo on both engines: appending a record on its own, listing a company's trail, and
//! the bulk form writers use for many records in their own transaction.

use crate::db::{on_pool, repo_err, Db};
use crate::sql::{bind_args, Arg, Sql};
use chrono::{DateTime, Utc};
use domain::ids::{CompanyId, UserId};
use domain::ports::{AuditContext, AuditQuery, AuditRecord, AuditRepo, PageRequest, RepoError};
use uuid::Uuid;

const COLS: &str = "company_id, id, at, actor_id, request_id, action, entity, entity_id, before, after";
/// 10 parameters a row; SQLite allows 32,766 per statement.
pub(crate) const MAX_AUDIT_ROWS_PER_STATEMENT: usize = 1000;

/// One multi-row INSERT of audit records sharing a context, action and entity kind:
/// (entity id, before, after) per record.
pub(crate) fn audit_rows_sql(
    ctx: &AuditContext,
    action: &str,
    entity: &str,
    rows: &[(Uuid, Option<String>, Option<String>)],
) -> Sql {
    let mut sql = Sql::new("");
    let mut values = Vec::with_capacity(rows.len());
    for (id, before, after) in rows {
        let ph = sql.list([
            Arg::Uuid(ctx.company_id.0),
            Arg::Uuid(Uuid::now_v7()),
            Arg::Ts(ctx.at),
            Arg::OptUuid(ctx.actor_id.map(|a| a.0)),
            Arg::Text(ctx.request_id.clone()),
            Arg::Text(action.to_owned()),
            Arg::Text(entity.to_owned()),
            Arg::Uuid(*id),
            Arg::OptText(before.clone()),
            Arg::OptText(after.clone()),
        ]);
        values.push(format!("({ph})"));
    }
    sql.push(&format!("INSERT INTO audit_log ({COLS}) VALUES {}", values.join(", ")));
    sql
}

#[derive(sqlx::FromRow)]
struct Row {
    company_id: Uuid,
    id: Uuid,
    at: DateTime<Utc>,
    actor_id: Option<Uuid>,
    request_id: String,
    action: String,
    entity: String,
    entity_id: Uuid,
    before: Option<String>,
    after: Option<String>,
}

impl From<Row> for AuditRecord {
    fn from(r: Row) -> Self {
        AuditRecord {
            company_id: CompanyId(r.company_id),
            id: r.id,
            at: r.at,
            actor_id: r.actor_id.map(UserId),
            request_id: r.request_id,
            action: r.action,
            entity: r.entity,
            entity_id: r.entity_id,
            before: r.before,
            after: r.after,
        }
    }
}

impl AuditRepo for Db {
    async fn append_audit(
        &self,
        ctx: &AuditContext,
        action: &str,
        entity: &str,
        entity_id: Uuid,
        after: Option<String>,
    ) -> Result<(), RepoError> {
        let sql = audit_rows_sql(ctx, action, entity, &[(entity_id, None, after)]);
        on_pool!(self, |p| {
            bind_args!(sqlx::query(&sql.text), &sql.args)
                .execute(p)
                .await
                .map(|_| ())
                .map_err(repo_err)
        })
    }

    async fn list_audit(
        &self,
        company: CompanyId,
        q: &AuditQuery,
        page: PageRequest,
    ) -> Result<Vec<AuditRecord>, RepoError> {
        let mut sql = Sql::new("");
        let c = sql.arg(Arg::Uuid(company.0));
        let after = sql.arg(Arg::Uuid(page.after.unwrap_or(Uuid::nil())));
        let mut text = format!("SELECT {COLS} FROM audit_log WHERE company_id = {c} AND id > {after}");
        if let Some(e) = &q.entity {
            text.push_str(&format!(" AND entity = {}", sql.arg(Arg::Text(e.clone()))));
        }
        if let Some(id) = q.entity_id {
            text.push_str(&format!(" AND entity_id = {}", sql.arg(Arg::Uuid(id))));
        }
        if let Some(a) = q.actor {
            text.push_str(&format!(" AND actor_id = {}", sql.arg(Arg::Uuid(a.0))));
        }
        if let Some(from) = q.from {
            text.push_str(&format!(" AND at >= {}", sql.arg(Arg::Ts(from))));
        }
        if let Some(to) = q.to {
            text.push_str(&format!(" AND at < {}", sql.arg(Arg::Ts(to))));
        }
        let limit = sql.arg(Arg::Int(i64::from(page.limit)));
        text.push_str(&format!(" ORDER BY id LIMIT {limit}"));
        sql.push(&text);
        on_pool!(self, |p| {
            let rows: Vec<Row> = bind_args!(sqlx::query_as::<_, Row>(&sql.text), &sql.args)
                .fetch_all(p)
                .await
                .map_err(repo_err)?;
            Ok(rows.into_iter().map(AuditRecord::from).collect())
        })
    }
}
