//! ActivityRepo on both engines: bulk, idempotent batch writes and keyset listing.

use crate::audit::{audit_rows_sql, MAX_AUDIT_ROWS_PER_STATEMENT};
use crate::changes::{append_changes, NewChange};
use crate::db::{audit, audit_json, on_pool, repo_err, Db};
use crate::sql::{bind_args, person_scope, prefixed, scope_agents, Arg, Sql};
use chrono::{DateTime, NaiveDate, Utc};
use domain::activity::{Activity, ActivityDetails, ActivityKind};
use domain::changes::ChangeType;
use domain::ids::{CompanyId, UserId};
use domain::ports::{
    ActivityCursor, ActivityFilter, ActivityRepo, AuditContext, IdempotencyRecord, InsertOutcome, InsertedActivities,
    ListScope, RepoError,
};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

const COLS: &str = "company_id, id, agent_id, kind, occurred_at, received_at, business_day, client_id, outlet_id, \
                    duration_seconds, accompanied_by, device_call_id, details, body_hash, voided_at, voided_by, void_reason";
const NCOLS: usize = 17;

#[derive(sqlx::FromRow)]
struct Row {
    company_id: Uuid,
    id: Uuid,
    agent_id: Uuid,
    kind: String,
    occurred_at: DateTime<Utc>,
    received_at: DateTime<Utc>,
    business_day: NaiveDate,
    client_id: Option<Uuid>,
    outlet_id: Option<Uuid>,
    duration_seconds: Option<i64>,
    accompanied_by: Option<Uuid>,
    device_call_id: Option<String>,
    details: String,
    body_hash: String,
    voided_at: Option<DateTime<Utc>>,
    voided_by: Option<Uuid>,
    void_reason: Option<String>,
}

impl TryFrom<Row> for Activity {
    type Error = RepoError;
    fn try_from(r: Row) -> Result<Activity, RepoError> {
        let kind = ActivityKind::parse(&r.kind)
            .ok_or_else(|| RepoError::Storage(format!("activity {}: unknown kind {:?}", r.id, r.kind)))?;
        // Details that do not read back as their kind's are a corrupt row, never a silent null.
        let details: serde_json::Value = serde_json::from_str(&r.details)
            .map_err(|e| RepoError::Storage(format!("activity {}: details are not JSON: {e}", r.id)))?;
        if ActivityDetails::from_stored(kind, &details).is_none() {
            return Err(RepoError::Storage(format!(
                "activity {}: details do not fit {}",
                r.id,
                kind.as_str()
            )));
        }
        Ok(Activity {
            company_id: CompanyId(r.company_id),
            id: r.id,
            agent_id: UserId(r.agent_id),
            kind,
            occurred_at: r.occurred_at,
            received_at: r.received_at,
            business_day: r.business_day,
            client_id: r.client_id,
            outlet_id: r.outlet_id,
            duration_seconds: r.duration_seconds,
            accompanied_by: r.accompanied_by.map(UserId),
            device_call_id: r.device_call_id,
            details,
            body_hash: r.body_hash,
            voided_at: r.voided_at,
            voided_by: r.voided_by.map(UserId),
            void_reason: r.void_reason,
        })
    }
}

fn row_args(a: &Activity) -> [Arg; NCOLS] {
    [
        Arg::Uuid(a.company_id.0),
        Arg::Uuid(a.id),
        Arg::Uuid(a.agent_id.0),
        Arg::Text(a.kind.as_str().to_owned()),
        Arg::Ts(a.occurred_at),
        Arg::Ts(a.received_at),
        Arg::Date(a.business_day),
        Arg::OptUuid(a.client_id),
        Arg::OptUuid(a.outlet_id),
        Arg::OptInt(a.duration_seconds),
        Arg::OptUuid(a.accompanied_by.map(|u| u.0)),
        Arg::OptText(a.device_call_id.clone()),
        Arg::Text(a.details.to_string()),
        Arg::Text(a.body_hash.clone()),
        Arg::OptTs(a.voided_at),
        Arg::OptUuid(a.voided_by.map(|u| u.0)),
        Arg::OptText(a.void_reason.clone()),
    ]
}

#[derive(sqlx::FromRow)]
struct ExistingRow {
    id: Uuid,
    agent_id: Uuid,
    body_hash: String,
    device_call_id: Option<String>,
}

/// One multi-row INSERT that skips rows conflicting on the id or the device call id.
fn insert_sql(activities: &[Activity]) -> Sql {
    let mut sql = Sql::new("");
    let mut rows = Vec::with_capacity(activities.len());
    for a in activities {
        let ph = sql.list(row_args(a));
        rows.push(format!("({ph})"));
    }
    sql.push(&format!(
        "INSERT INTO activities ({COLS}) VALUES {} ON CONFLICT DO NOTHING RETURNING id",
        rows.join(", ")
    ));
    sql
}

/// Finds the rows that blocked inserts, by id or by (agent, device call id).
fn existing_sql(company: CompanyId, missing: &[&Activity]) -> Sql {
    let mut sql = Sql::new("");
    let c = sql.arg(Arg::Uuid(company.0));
    let ids = sql.list(missing.iter().map(|a| Arg::Uuid(a.id)));
    let mut text = format!(
        "SELECT id, agent_id, body_hash, device_call_id FROM activities WHERE company_id = {c} AND (id IN ({ids})"
    );
    let calls: Vec<&&Activity> = missing.iter().filter(|a| a.device_call_id.is_some()).collect();
    for a in calls {
        let ag = sql.arg(Arg::Uuid(a.agent_id.0));
        let dc = sql.arg(Arg::OptText(a.device_call_id.clone()));
        text.push_str(&format!(" OR (agent_id = {ag} AND device_call_id = {dc})"));
    }
    text.push(')');
    sql.push(&text);
    sql
}

fn outcomes(activities: &[Activity], created: &HashSet<Uuid>, existing: &[ExistingRow]) -> Vec<InsertOutcome> {
    let by_id: HashMap<Uuid, &ExistingRow> = existing.iter().map(|e| (e.id, e)).collect();
    activities
        .iter()
        .map(|a| {
            if created.contains(&a.id) {
                return InsertOutcome::Created;
            }
            let found = by_id.get(&a.id).copied().or_else(|| {
                existing.iter().find(|e| {
                    e.agent_id == a.agent_id.0 && e.device_call_id.is_some() && e.device_call_id == a.device_call_id
                })
            });
            match found {
                Some(e) => InsertOutcome::Existing {
                    id: e.id,
                    agent_id: UserId(e.agent_id),
                    body_hash: e.body_hash.clone(),
                },
                // Not inserted and not found cannot happen inside one transaction; report it as a
                // conflict with an empty digest so it is never mistaken for a duplicate.
                None => InsertOutcome::Existing {
                    id: a.id,
                    agent_id: UserId(Uuid::nil()),
                    body_hash: String::new(),
                },
            }
        })
        .collect()
}

/// SQLite's default limit is 32,766 bound parameters; PostgreSQL's 65,535. 500 rows × 17 fit.
const MAX_ROWS_PER_STATEMENT: usize = 1000;

impl ActivityRepo for Db {
    async fn insert_activities(
        &self,
        ctx: &AuditContext,
        activities: &[Activity],
        idem: Option<&IdempotencyRecord>,
    ) -> Result<Option<InsertedActivities>, RepoError> {
        if activities.is_empty() {
            return Ok(Some(InsertedActivities {
                outcomes: vec![],
                positions: None,
            }));
        }
        let company = activities[0].company_id;
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(repo_err)?;
            // The first statement writes, so SQLite takes its write lock at once (a read first
            // would risk a busy upgrade); PostgreSQL serialises on the unique indexes.
            if let Some(r) = idem {
                let inserted = sqlx::query(
                    "INSERT INTO idempotency_keys (company_id, user_id, key, request_hash, status, body, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                )
                .bind(r.company_id.0)
                .bind(r.user_id.0)
                .bind(&r.key)
                .bind(&r.request_hash)
                .bind(i64::from(r.status))
                .bind(&r.body)
                .bind(r.created_at)
                .execute(&mut *tx)
                .await
                .map_err(repo_err)?;
                if inserted.rows_affected() == 0 {
                    return Err(RepoError::Conflict("idempotency key in use".into()));
                }
            }
            let mut created = HashSet::new();
            // Rows go in id order so concurrent overlapping batches lock in the same order
            // (PostgreSQL would otherwise be able to deadlock two of them).
            let mut sorted: Vec<Activity> = activities.to_vec();
            sorted.sort_by_key(|a| a.id);
            for chunk in sorted.chunks(MAX_ROWS_PER_STATEMENT) {
                let sql = insert_sql(chunk);
                let ids: Vec<Uuid> = bind_args!(sqlx::query_scalar::<_, Uuid>(&sql.text), &sql.args)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(repo_err)?;
                created.extend(ids);
            }
            // AUD-1: one record per activity created (a duplicate changed nothing).
            let records: Vec<(Uuid, Option<String>, Option<String>)> = sorted
                .iter()
                .filter(|a| created.contains(&a.id))
                .map(|a| (a.id, None, audit_json(a)))
                .collect();
            for chunk in records.chunks(MAX_AUDIT_ROWS_PER_STATEMENT) {
                let sql = audit_rows_sql(ctx, "create", "activity", chunk);
                bind_args!(sqlx::query(&sql.text), &sql.args)
                    .execute(&mut *tx)
                    .await
                    .map_err(repo_err)?;
            }
            let missing: Vec<&Activity> = activities.iter().filter(|a| !created.contains(&a.id)).collect();
            if idem.is_some() && !missing.is_empty() {
                tx.rollback().await.map_err(repo_err)?;
                return Ok(None);
            }
            let existing: Vec<ExistingRow> = if missing.is_empty() {
                Vec::new()
            } else {
                let sql = existing_sql(company, &missing);
                bind_args!(sqlx::query_as::<_, ExistingRow>(&sql.text), &sql.args)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(repo_err)?
            };
            // One event per activity created, in id order like the rows.
            let changes: Vec<NewChange> = sorted
                .iter()
                .filter(|a| created.contains(&a.id))
                .map(|a| NewChange::new(ChangeType::ActivityCreated, a.id, Some(a.agent_id), a, a.received_at))
                .collect();
            let positions = append_changes!(tx, company, &changes)?;
            tx.commit().await.map_err(repo_err)?;
            Ok(Some(InsertedActivities {
                outcomes: outcomes(activities, &created, &existing),
                positions,
            }))
        })
    }

    async fn find_idempotency(
        &self,
        company: CompanyId,
        user: UserId,
        key: &str,
    ) -> Result<Option<IdempotencyRecord>, RepoError> {
        on_pool!(self, |p| {
            let row: Option<(String, i64, String, DateTime<Utc>)> = sqlx::query_as(
                "SELECT request_hash, status, body, created_at FROM idempotency_keys \
                 WHERE company_id = $1 AND user_id = $2 AND key = $3",
            )
            .bind(company.0)
            .bind(user.0)
            .bind(key)
            .fetch_optional(p)
            .await
            .map_err(repo_err)?;
            row.map(|(request_hash, status, body, created_at)| {
                let status = u16::try_from(status)
                    .map_err(|_| RepoError::Storage(format!("idempotency record with status {status}")))?;
                Ok(IdempotencyRecord {
                    company_id: company,
                    user_id: user,
                    key: key.to_owned(),
                    request_hash,
                    status,
                    body,
                    created_at,
                })
            })
            .transpose()
        })
    }

    async fn get_activity(&self, company: CompanyId, id: Uuid) -> Result<Option<Activity>, RepoError> {
        on_pool!(self, |p| {
            let row = sqlx::query_as::<_, Row>(&format!(
                "SELECT {COLS} FROM activities WHERE company_id = $1 AND id = $2"
            ))
            .bind(company.0)
            .bind(id)
            .fetch_optional(p)
            .await
            .map_err(repo_err)?;
            row.map(Activity::try_from).transpose()
        })
    }

    async fn list_activities(
        &self,
        company: CompanyId,
        scope: &ListScope,
        f: &ActivityFilter,
        after: Option<ActivityCursor>,
        limit: u32,
    ) -> Result<Vec<Activity>, RepoError> {
        let mut sql = Sql::new("");
        let c = sql.arg(Arg::Uuid(company.0));
        // The filters every candidate row must pass, whichever way the rows are reached.
        let mut wh = vec![format!("a.company_id = {c}")];
        if let Some(a) = f.agent_id {
            wh.push(format!("a.agent_id = {}", sql.arg(Arg::Uuid(a.0))));
        }
        if let Some(k) = f.kind {
            wh.push(format!("a.kind = {}", sql.arg(Arg::Text(k.as_str().to_owned()))));
        }
        if let Some(d) = f.from {
            wh.push(format!("a.business_day >= {}", sql.arg(Arg::Date(d))));
        }
        if let Some(d) = f.to {
            wh.push(format!("a.business_day <= {}", sql.arg(Arg::Date(d))));
        }
        if let Some(cl) = f.client_id {
            wh.push(format!("a.client_id = {}", sql.arg(Arg::Uuid(cl))));
        }
        if let Some(cur) = after {
            let t = sql.arg(Arg::Ts(cur.occurred_at));
            let i = sql.arg(Arg::Uuid(cur.id));
            wh.push(format!("(a.occurred_at < {t} OR (a.occurred_at = {t} AND a.id < {i}))"));
        }
        let lim = sql.arg(Arg::Int(i64::from(limit)));
        let team_scoped = matches!(scope, ListScope::Team(_) | ListScope::SupervisedBy(_)) && f.agent_id.is_none();
        if team_scoped && matches!(self, Db::Postgres(_)) {
            // A team's newest rows: the newest `limit` of each member, read in order from
            // activities_agent_order, then merged. The cost is the team's, never the company's
            // (a scan of the company-wide order filtered by agent grows with the company).
            let agents = scope_agents(&mut sql, scope, &c);
            sql.push(&format!(
                "SELECT x.* FROM ({agents}) ag CROSS JOIN LATERAL (SELECT {a_cols} FROM activities a \
                 WHERE a.agent_id = ag.id AND {} ORDER BY a.occurred_at DESC, a.id DESC LIMIT {lim}) x \
                 ORDER BY x.occurred_at DESC, x.id DESC LIMIT {lim}",
                wh.join(" AND "),
                a_cols = prefixed(COLS, "a"),
            ));
        } else {
            // One agent (activities_agent_order), the whole company (activities_order), or SQLite,
            // where a team's rows are few enough to sort (it has no LATERAL).
            wh.push(person_scope(&mut sql, scope, "a.agent_id", &c));
            sql.push(&format!(
                "SELECT {} FROM activities a WHERE {} ORDER BY a.occurred_at DESC, a.id DESC LIMIT {lim}",
                prefixed(COLS, "a"),
                wh.join(" AND ")
            ));
        }
        on_pool!(self, |p| {
            let rows = bind_args!(sqlx::query_as::<_, Row>(&sql.text), &sql.args)
                .fetch_all(p)
                .await
                .map_err(repo_err)?;
            rows.into_iter().map(Activity::try_from).collect()
        })
    }

    async fn activities_of_day(
        &self,
        company: CompanyId,
        agent: UserId,
        day: NaiveDate,
    ) -> Result<Vec<Activity>, RepoError> {
        on_pool!(self, |p| {
            let rows = sqlx::query_as::<_, Row>(&format!(
                "SELECT {COLS} FROM activities WHERE company_id = $1 AND agent_id = $2 AND business_day = $3 \
                 ORDER BY occurred_at, id"
            ))
            .bind(company.0)
            .bind(agent.0)
            .bind(day)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            rows.into_iter().map(Activity::try_from).collect()
        })
    }

    async fn void_activity(&self, ctx: &AuditContext, before: &Activity, a: &Activity) -> Result<bool, RepoError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(repo_err)?;
            // Guarded on "not yet voided", so two concurrent voids record one.
            let done = sqlx::query(
                "UPDATE activities SET voided_at = $3, voided_by = $4, void_reason = $5 \
                 WHERE company_id = $1 AND id = $2 AND voided_at IS NULL",
            )
            .bind(a.company_id.0)
            .bind(a.id)
            .bind(a.voided_at)
            .bind(a.voided_by.map(|u| u.0))
            .bind(&a.void_reason)
            .execute(&mut *tx)
            .await
            .map_err(repo_err)?
            .rows_affected()
                == 1;
            if !done {
                tx.rollback().await.map_err(repo_err)?;
                return Ok(false);
            }
            audit!(tx, ctx, "void", "activity", a.id, audit_json(before), audit_json(a))?;
            let at = a.voided_at.unwrap_or(ctx.at);
            let change = NewChange::new(ChangeType::ActivityVoided, a.id, Some(a.agent_id), a, at);
            append_changes!(tx, a.company_id, &[change])?;
            tx.commit().await.map_err(repo_err)?;
            Ok(true)
        })
    }
}
