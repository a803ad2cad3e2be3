//! Leave requests and their decisions.

use super::corrupt;
use crate::db::{audit, audit_json, on_pool, repo_err, Db};
use crate::sql::{bind_args, person_scope, Arg, Sql};
use chrono::{DateTime, NaiveDate, Utc};
use domain::diary::{LeaveRequest, LeaveStatus};
use domain::ids::{CompanyId, TeamId, UserId};
use domain::ports::{AuditContext, ListScope, PageRequest, RepoError};
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct LeaveRow {
    company_id: Uuid,
    id: Uuid,
    agent_id: Uuid,
    from_date: NaiveDate,
    to_date: NaiveDate,
    reason: String,
    status: String,
    requested_at: DateTime<Utc>,
    decided_by: Option<Uuid>,
    decided_at: Option<DateTime<Utc>>,
    decision_comment: Option<String>,
}

impl TryFrom<LeaveRow> for LeaveRequest {
    type Error = RepoError;
    fn try_from(r: LeaveRow) -> Result<LeaveRequest, RepoError> {
        Ok(LeaveRequest {
            company_id: CompanyId(r.company_id),
            id: r.id,
            agent_id: UserId(r.agent_id),
            from: r.from_date,
            to: r.to_date,
            reason: r.reason,
            status: LeaveStatus::parse(&r.status).ok_or_else(|| corrupt("leave status"))?,
            requested_at: r.requested_at,
            decided_by: r.decided_by.map(UserId),
            decided_at: r.decided_at,
            decision_comment: r.decision_comment,
        })
    }
}

const LEAVE_COLS: &str =
    "company_id, id, agent_id, from_date, to_date, reason, status, requested_at, decided_by, decided_at, decision_comment";

pub(super) async fn insert(db: &Db, ctx: &AuditContext, l: &LeaveRequest) -> Result<(), RepoError> {
    on_pool!(db, |p| {
        let mut tx = p.begin().await.map_err(repo_err)?;
        sqlx::query(&format!(
            "INSERT INTO leave_requests ({LEAVE_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        ))
        .bind(l.company_id.0)
        .bind(l.id)
        .bind(l.agent_id.0)
        .bind(l.from)
        .bind(l.to)
        .bind(&l.reason)
        .bind(l.status.as_str())
        .bind(l.requested_at)
        .bind(l.decided_by.map(|u| u.0))
        .bind(l.decided_at)
        .bind(&l.decision_comment)
        .execute(&mut *tx)
        .await
        .map_err(repo_err)?;
        audit!(tx, ctx, "create", "leave_request", l.id, None::<String>, audit_json(l))?;
        tx.commit().await.map_err(repo_err)
    })
}

pub(super) async fn decide(
    db: &Db,
    ctx: &AuditContext,
    before: &LeaveRequest,
    l: &LeaveRequest,
) -> Result<bool, RepoError> {
    on_pool!(db, |p| {
        let mut tx = p.begin().await.map_err(repo_err)?;
        // Only a still-requested row changes: two deciders cannot both win.
        let n = sqlx::query(
            "UPDATE leave_requests SET status = $3, decided_by = $4, decided_at = $5, decision_comment = $6 \
             WHERE company_id = $1 AND id = $2 AND status = 'requested'",
        )
        .bind(l.company_id.0)
        .bind(l.id)
        .bind(l.status.as_str())
        .bind(l.decided_by.map(|u| u.0))
        .bind(l.decided_at)
        .bind(&l.decision_comment)
        .execute(&mut *tx)
        .await
        .map_err(repo_err)?
        .rows_affected();
        if n != 1 {
            tx.rollback().await.map_err(repo_err)?;
            return Ok(false);
        }
        audit!(
            tx,
            ctx,
            l.status.as_str(),
            "leave_request",
            l.id,
            audit_json(before),
            audit_json(l)
        )?;
        tx.commit().await.map_err(repo_err)?;
        Ok(true)
    })
}

pub(super) async fn get(db: &Db, company: CompanyId, id: Uuid) -> Result<Option<LeaveRequest>, RepoError> {
    on_pool!(db, |p| {
        let row: Option<LeaveRow> = sqlx::query_as(&format!(
            "SELECT {LEAVE_COLS} FROM leave_requests WHERE company_id = $1 AND id = $2"
        ))
        .bind(company.0)
        .bind(id)
        .fetch_optional(p)
        .await
        .map_err(repo_err)?;
        row.map(LeaveRequest::try_from).transpose()
    })
}

pub(super) async fn list(
    db: &Db,
    company: CompanyId,
    scope: &ListScope,
    page: PageRequest,
) -> Result<Vec<LeaveRequest>, RepoError> {
    let mut sql = Sql::new("");
    let c = sql.arg(Arg::Uuid(company.0));
    let after = sql.arg(Arg::Uuid(page.after.unwrap_or(Uuid::nil())));
    let filter = person_scope(&mut sql, scope, "agent_id", &c);
    let limit = sql.arg(Arg::Int(i64::from(page.limit)));
    sql.push(&format!(
        "SELECT {LEAVE_COLS} FROM leave_requests WHERE company_id = {c} AND id > {after} AND {filter} ORDER BY id LIMIT {limit}"
    ));
    on_pool!(db, |p| {
        let rows = bind_args!(sqlx::query_as::<_, LeaveRow>(&sql.text), &sql.args)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
        rows.into_iter().map(LeaveRequest::try_from).collect()
    })
}

pub(super) async fn team_on_leave(
    db: &Db,
    company: CompanyId,
    team: TeamId,
    date: NaiveDate,
) -> Result<Vec<UserId>, RepoError> {
    on_pool!(db, |p| {
        sqlx::query_scalar::<_, Uuid>(
            "SELECT DISTINCT l.agent_id FROM leave_requests l JOIN users u ON u.company_id = l.company_id AND u.id = l.agent_id \
             WHERE l.company_id = $1 AND u.team_id = $2 AND l.status = 'approved' AND l.from_date <= $3 AND l.to_date >= $3",
        )
        .bind(company.0)
        .bind(team.0)
        .bind(date)
        .fetch_all(p)
        .await
        .map(|ids| ids.into_iter().map(UserId).collect())
        .map_err(repo_err)
    })
}

pub(super) async fn approved(
    db: &Db,
    company: CompanyId,
    agent: UserId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<LeaveRequest>, RepoError> {
    on_pool!(db, |p| {
        let rows: Vec<LeaveRow> = sqlx::query_as(&format!(
            "SELECT {LEAVE_COLS} FROM leave_requests WHERE company_id = $1 AND agent_id = $2 AND status = 'approved' \
             AND from_date <= $4 AND to_date >= $3 ORDER BY from_date"
        ))
        .bind(company.0)
        .bind(agent.0)
        .bind(from)
        .bind(to)
        .fetch_all(p)
        .await
        .map_err(repo_err)?;
        rows.into_iter().map(LeaveRequest::try_from).collect()
    })
}
