//! The change feed on both engines.
//!
//! Writers append events with [`append_changes!`] as the last statement of their own
//! transaction. It takes the positions from the company's counter row with
//! `UPDATE change_counters SET last = last + n … RETURNING last`: the row stays locked until the
//! writer commits, so the next writer gets its positions only after this one is visible.
//! Positions are therefore gap-free (a rollback hands them back) and in commit order, and a
//! reader that has seen every event up to the counter's committed value has missed nothing.
//! The cost: a company's event-writing transactions serialise on that row from their last
//! statement to their commit (one commit's latency each; batches amortise it). Taking the
//! positions last keeps that window short, and since nothing is locked after the counter, a
//! writer holding it never waits for another one (no deadlock).
//! On SQLite there is one writer at a time anyway, so the counter only numbers.

use crate::db::{on_pool, repo_err, Db};
use crate::sql::{bind_args, person_scope, Arg, Sql};
use chrono::{DateTime, Utc};
use domain::changes::{ChangeEvent, ChangeType};
use domain::ids::{CompanyId, UserId};
use domain::ports::{ChangeRepo, FeedQuery, FeedRead, RepoError};
use uuid::Uuid;

/// One event for [`append_changes!`].
#[derive(Debug, Clone)]
pub(crate) struct NewChange {
    pub change_type: ChangeType,
    pub resource_id: Uuid,
    pub agent_id: Option<Uuid>,
    pub previous_agent_id: Option<Uuid>,
    pub data: Option<String>,
    pub at: DateTime<Utc>,
}

impl NewChange {
    pub fn new<T: serde::Serialize>(
        change_type: ChangeType,
        resource_id: Uuid,
        agent: Option<UserId>,
        data: &T,
        at: DateTime<Utc>,
    ) -> NewChange {
        NewChange {
            change_type,
            resource_id,
            agent_id: agent.map(|a| a.0),
            previous_agent_id: None,
            data: crate::db::audit_json(data),
            at,
        }
    }

    pub fn moved_from(mut self, previous: UserId) -> NewChange {
        self.previous_agent_id = Some(previous.0);
        self
    }
}

const EVENT_COLS: &str =
    "company_id, position, id, type, resource, resource_id, agent_id, previous_agent_id, tombstone, data, at";
/// 11 parameters per event: 1,000 per statement stays under both engines' parameter limits.
const EVENTS_PER_STATEMENT: usize = 1000;

/// The INSERT for events numbered from `first`.
pub(crate) fn events_sql(company: CompanyId, first: i64, changes: &[NewChange]) -> Sql {
    let mut sql = Sql::new("");
    let mut rows = Vec::with_capacity(changes.len());
    for (i, c) in changes.iter().enumerate() {
        let ph = sql.list([
            Arg::Uuid(company.0),
            Arg::Int(first + i as i64),
            Arg::Uuid(Uuid::now_v7()),
            Arg::Text(c.change_type.as_str().to_owned()),
            Arg::Text(c.change_type.resource().as_str().to_owned()),
            Arg::Uuid(c.resource_id),
            Arg::OptUuid(c.agent_id),
            Arg::OptUuid(c.previous_agent_id),
            Arg::Bool(c.change_type.effect() == domain::changes::Effect::Removes),
            Arg::OptText(c.data.clone()),
            Arg::Ts(c.at),
        ]);
        rows.push(format!("({ph})"));
    }
    sql.push(&format!(
        "INSERT INTO change_events ({EVENT_COLS}) VALUES {}",
        rows.join(", ")
    ));
    sql
}

/// Appends events inside the writer's transaction `$tx` (call it last, just before commit).
/// Evaluates to the positions taken, `(first, last)`, or `None` for no events.
macro_rules! append_changes {
    ($tx:expr, $company:expr, $changes:expr) => {
        async {
            let company: domain::ids::CompanyId = $company;
            let changes: &[$crate::changes::NewChange] = $changes;
            if changes.is_empty() {
                return Ok::<Option<(i64, i64)>, domain::ports::RepoError>(None);
            }
            let n = changes.len() as i64;
            let take = "UPDATE change_counters SET last = last + $2 WHERE company_id = $1 RETURNING last";
            let mut last: Option<i64> = sqlx::query_scalar(take)
                .bind(company.0)
                .bind(n)
                .fetch_optional(&mut *$tx)
                .await
                .map_err($crate::db::repo_err)?;
            if last.is_none() {
                // Companies made before the counter existed: start it, then take.
                sqlx::query("INSERT INTO change_counters (company_id, last) VALUES ($1, 0) ON CONFLICT DO NOTHING")
                    .bind(company.0)
                    .execute(&mut *$tx)
                    .await
                    .map_err($crate::db::repo_err)?;
                last = sqlx::query_scalar(take)
                    .bind(company.0)
                    .bind(n)
                    .fetch_optional(&mut *$tx)
                    .await
                    .map_err($crate::db::repo_err)?;
            }
            let last = last.ok_or_else(|| domain::ports::RepoError::Storage("no change counter".into()))?;
            let first = last - n + 1;
            let mut next = first;
            for chunk in changes.chunks($crate::changes::events_per_statement()) {
                let sql = $crate::changes::events_sql(company, next, chunk);
                $crate::sql::bind_args!(sqlx::query(&sql.text), &sql.args)
                    .execute(&mut *$tx)
                    .await
                    .map_err($crate::db::repo_err)?;
                next += chunk.len() as i64;
            }
            Ok(Some((first, last)))
        }
        .await
    };
}
pub(crate) use append_changes;

/// Events of several companies (a job's bulk write), grouped per company in company order, so
/// two such writers take the counters in the same order.
pub(crate) fn by_company(changes: Vec<(CompanyId, NewChange)>) -> Vec<(CompanyId, Vec<NewChange>)> {
    let mut map: std::collections::BTreeMap<CompanyId, Vec<NewChange>> = std::collections::BTreeMap::new();
    for (c, n) in changes {
        map.entry(c).or_default().push(n);
    }
    map.into_iter().collect()
}

pub(crate) const fn events_per_statement() -> usize {
    EVENTS_PER_STATEMENT
}

#[derive(sqlx::FromRow)]
struct EventRow {
    position: i64,
    id: Uuid,
    r#type: String,
    resource_id: Uuid,
    agent_id: Option<Uuid>,
    previous_agent_id: Option<Uuid>,
    data: Option<String>,
    at: DateTime<Utc>,
}

impl TryFrom<EventRow> for ChangeEvent {
    type Error = RepoError;
    fn try_from(r: EventRow) -> Result<ChangeEvent, RepoError> {
        let change_type = ChangeType::parse(&r.r#type)
            .ok_or_else(|| RepoError::Storage(format!("change {}: unknown type {:?}", r.position, r.r#type)))?;
        let data = match r.data {
            Some(d) => Some(
                serde_json::from_str(&d)
                    .map_err(|e| RepoError::Storage(format!("change {}: data is not JSON: {e}", r.position)))?,
            ),
            None => None,
        };
        Ok(ChangeEvent {
            position: r.position,
            id: r.id,
            change_type,
            resource_id: r.resource_id,
            agent_id: r.agent_id.map(UserId),
            previous_agent_id: r.previous_agent_id.map(UserId),
            data,
            at: r.at,
        })
    }
}

impl ChangeRepo for Db {
    async fn read_changes(&self, company: CompanyId, q: &FeedQuery) -> Result<FeedRead, RepoError> {
        // 1. The committed head: everything up to it is visible to the next statement.
        let head: i64 = on_pool!(self, |p| {
            sqlx::query_scalar::<_, i64>("SELECT last FROM change_counters WHERE company_id = $1")
                .bind(company.0)
                .fetch_optional(p)
                .await
                .map_err(repo_err)
        })?
        .unwrap_or(0);
        // 2. The events, never beyond the head (later ones are read next time, from it).
        let mut sql = Sql::new("");
        let c = sql.arg(Arg::Uuid(company.0));
        let after = sql.arg(Arg::Int(q.after));
        let head_ph = sql.arg(Arg::Int(head));
        let mut wh = vec![
            format!("company_id = {c}"),
            format!("position > {after}"),
            format!("position <= {head_ph}"),
        ];
        if !q.types.is_empty() {
            let list = sql.list(q.types.iter().map(|t| Arg::Text(t.as_str().to_owned())));
            wh.push(format!("type IN ({list})"));
        }
        if q.scope != domain::ports::ListScope::Company {
            let now = person_scope(&mut sql, &q.scope, "agent_id", &c);
            let before = person_scope(&mut sql, &q.scope, "previous_agent_id", &c);
            wh.push(format!("({now} OR (previous_agent_id IS NOT NULL AND {before}))"));
        }
        for (a, b) in &q.skip {
            let a = sql.arg(Arg::Int(*a));
            let b = sql.arg(Arg::Int(*b));
            wh.push(format!("NOT (position BETWEEN {a} AND {b})"));
        }
        let lim = sql.arg(Arg::Int(i64::from(q.limit)));
        sql.push(&format!(
            "SELECT position, id, type, resource_id, agent_id, previous_agent_id, data, at FROM change_events \
             WHERE {} ORDER BY position LIMIT {lim}",
            wh.join(" AND ")
        ));
        let rows: Vec<EventRow> = on_pool!(self, |p| {
            bind_args!(sqlx::query_as::<_, EventRow>(&sql.text), &sql.args)
                .fetch_all(p)
                .await
                .map_err(repo_err)
        })?;
        // 3. Pruning, read last: a prune that raced the read shows here.
        let pruned_through: i64 = on_pool!(self, |p| {
            sqlx::query_scalar::<_, i64>("SELECT pruned_through FROM change_retention WHERE company_id = $1")
                .bind(company.0)
                .fetch_optional(p)
                .await
                .map_err(repo_err)
        })?
        .unwrap_or(0);
        Ok(FeedRead {
            head,
            events: rows.into_iter().map(ChangeEvent::try_from).collect::<Result<_, _>>()?,
            pruned_through,
        })
    }

    async fn prune_changes(&self, before: DateTime<Utc>) -> Result<u64, RepoError> {
        let companies: Vec<Uuid> = on_pool!(self, |p| {
            sqlx::query_scalar("SELECT company_id FROM change_counters")
                .fetch_all(p)
                .await
                .map_err(repo_err)
        })?;
        let mut deleted = 0;
        for company in companies {
            // Whole positions only: everything up to the newest expired event goes.
            let through: Option<i64> = on_pool!(self, |p| {
                sqlx::query_scalar("SELECT MAX(position) FROM change_events WHERE company_id = $1 AND at < $2")
                    .bind(company)
                    .bind(before)
                    .fetch_one(p)
                    .await
                    .map_err(repo_err)
            })?;
            let Some(through) = through else { continue };
            deleted += on_pool!(self, |p| {
                // The mark moves in the deletion's transaction (written first), so readers see
                // both or neither.
                let mut tx = p.begin().await.map_err(repo_err)?;
                sqlx::query(
                    "INSERT INTO change_retention (company_id, pruned_through) VALUES ($1, $2) \
                     ON CONFLICT (company_id) DO UPDATE SET pruned_through = excluded.pruned_through \
                     WHERE change_retention.pruned_through < excluded.pruned_through",
                )
                .bind(company)
                .bind(through)
                .execute(&mut *tx)
                .await
                .map_err(repo_err)?;
                let n = sqlx::query("DELETE FROM change_events WHERE company_id = $1 AND position <= $2")
                    .bind(company)
                    .bind(through)
                    .execute(&mut *tx)
                    .await
                    .map_err(repo_err)?
                    .rows_affected();
                tx.commit().await.map_err(repo_err)?;
                Ok::<u64, RepoError>(n)
            })?;
        }
        Ok(deleted)
    }
}
