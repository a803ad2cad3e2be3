//! DiaryRepo on both engines: diaries with optimistic versions, history, leave, spot checks.

use crate::db::{audit, audit_json, on_pool, repo_err, Db};
use crate::sql::{bind_args, person_scope, Arg, Sql};
use chrono::{DateTime, NaiveDate, Utc};
use domain::diary::{
    Diary, DiaryEvent, DiaryStatus, LeaveRequest, LeaveStatus, SpotCheck, SpotCheckResult, SpotCheckSample,
};
use domain::ids::{CompanyId, TeamId, UserId};
use domain::ports::{AuditContext, DiaryRepo, ListScope, PageRequest, RepoError};
use uuid::Uuid;

fn corrupt(what: &str) -> RepoError {
    RepoError::Storage(format!("stored {what} is invalid"))
}

#[derive(sqlx::FromRow)]
struct DiaryRow {
    company_id: Uuid,
    id: Uuid,
    agent_id: Uuid,
    date: NaiveDate,
    status: String,
    version: i64,
    notes: String,
    plan: String,
    summary: Option<String>,
    first_submitted_at: Option<DateTime<Utc>>,
    submitted_at: Option<DateTime<Utc>>,
    review_deadline: Option<DateTime<Utc>>,
    reviewed_at: Option<DateTime<Utc>>,
    reviewed_by: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<DiaryRow> for Diary {
    type Error = RepoError;
    fn try_from(r: DiaryRow) -> Result<Diary, RepoError> {
        Ok(Diary {
            company_id: CompanyId(r.company_id),
            id: r.id,
            agent_id: UserId(r.agent_id),
            date: r.date,
            status: DiaryStatus::parse(&r.status).ok_or_else(|| corrupt("diary status"))?,
            version: r.version,
            notes: r.notes,
            plan: serde_json::from_str(&r.plan).unwrap_or(serde_json::Value::Null),
            summary: r.summary.and_then(|s| serde_json::from_str(&s).ok()),
            first_submitted_at: r.first_submitted_at,
            submitted_at: r.submitted_at,
            review_deadline: r.review_deadline,
            reviewed_at: r.reviewed_at,
            reviewed_by: r.reviewed_by.map(UserId),
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

const DIARY_COLS: &str = "company_id, id, agent_id, date, status, version, notes, plan, summary, first_submitted_at, \
                          submitted_at, review_deadline, reviewed_at, reviewed_by, created_at, updated_at";

fn prefixed(cols: &str, p: &str) -> String {
    cols.split(", ")
        .map(|c| format!("{p}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(sqlx::FromRow)]
struct EventRow {
    at: DateTime<Utc>,
    actor_id: Uuid,
    action: String,
    from_status: Option<String>,
    to_status: String,
    comment: Option<String>,
}

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

#[derive(sqlx::FromRow)]
struct SampleRow {
    company_id: Uuid,
    id: Uuid,
    team_id: Uuid,
    from_date: NaiveDate,
    to_date: NaiveDate,
    size: i64,
    seed: i64,
    drawn_by: Uuid,
    drawn_at: DateTime<Utc>,
    diary_ids: String,
}

#[derive(sqlx::FromRow)]
struct CheckRow {
    company_id: Uuid,
    id: Uuid,
    sample_id: Uuid,
    diary_id: Uuid,
    result: String,
    notes: String,
    checked_by: Uuid,
    checked_at: DateTime<Utc>,
}

impl DiaryRepo for Db {
    async fn get_or_create_diary(&self, d: &Diary) -> Result<Diary, RepoError> {
        on_pool!(self, |p| {
            sqlx::query(&format!(
                "INSERT INTO diaries ({DIARY_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
                 ON CONFLICT DO NOTHING"
            ))
            .bind(d.company_id.0)
            .bind(d.id)
            .bind(d.agent_id.0)
            .bind(d.date)
            .bind(d.status.as_str())
            .bind(d.version)
            .bind(&d.notes)
            .bind(d.plan.to_string())
            .bind(d.summary.as_ref().map(|s| s.to_string()))
            .bind(d.first_submitted_at)
            .bind(d.submitted_at)
            .bind(d.review_deadline)
            .bind(d.reviewed_at)
            .bind(d.reviewed_by.map(|u| u.0))
            .bind(d.created_at)
            .bind(d.updated_at)
            .execute(p)
            .await
            .map_err(repo_err)?;
            let row: DiaryRow = sqlx::query_as(&format!(
                "SELECT {DIARY_COLS} FROM diaries WHERE company_id = $1 AND agent_id = $2 AND date = $3"
            ))
            .bind(d.company_id.0)
            .bind(d.agent_id.0)
            .bind(d.date)
            .fetch_one(p)
            .await
            .map_err(repo_err)?;
            Diary::try_from(row)
        })
    }

    async fn find_diary(&self, company: CompanyId, agent: UserId, date: NaiveDate) -> Result<Option<Diary>, RepoError> {
        on_pool!(self, |p| {
            let row: Option<DiaryRow> = sqlx::query_as(&format!(
                "SELECT {DIARY_COLS} FROM diaries WHERE company_id = $1 AND agent_id = $2 AND date = $3"
            ))
            .bind(company.0)
            .bind(agent.0)
            .bind(date)
            .fetch_optional(p)
            .await
            .map_err(repo_err)?;
            row.map(Diary::try_from).transpose()
        })
    }

    async fn get_diary_by_id(&self, company: CompanyId, id: Uuid) -> Result<Option<Diary>, RepoError> {
        on_pool!(self, |p| {
            let row: Option<DiaryRow> = sqlx::query_as(&format!(
                "SELECT {DIARY_COLS} FROM diaries WHERE company_id = $1 AND id = $2"
            ))
            .bind(company.0)
            .bind(id)
            .fetch_optional(p)
            .await
            .map_err(repo_err)?;
            row.map(Diary::try_from).transpose()
        })
    }

    async fn update_diary(
        &self,
        ctx: &AuditContext,
        before: &Diary,
        d: &Diary,
        event: Option<&DiaryEvent>,
    ) -> Result<bool, RepoError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(repo_err)?;
            // Optimistic concurrency: the write applies only to the version the caller read.
            let n = sqlx::query(
                "UPDATE diaries SET status = $4, version = $5, notes = $6, plan = $7, summary = $8, first_submitted_at = $9, \
                 submitted_at = $10, review_deadline = $11, reviewed_at = $12, reviewed_by = $13, updated_at = $14 \
                 WHERE company_id = $1 AND id = $2 AND version = $3",
            )
            .bind(d.company_id.0)
            .bind(d.id)
            .bind(before.version)
            .bind(d.status.as_str())
            .bind(d.version)
            .bind(&d.notes)
            .bind(d.plan.to_string())
            .bind(d.summary.as_ref().map(|s| s.to_string()))
            .bind(d.first_submitted_at)
            .bind(d.submitted_at)
            .bind(d.review_deadline)
            .bind(d.reviewed_at)
            .bind(d.reviewed_by.map(|u| u.0))
            .bind(d.updated_at)
            .execute(&mut *tx)
            .await
            .map_err(repo_err)?
            .rows_affected();
            if n != 1 {
                tx.rollback().await.map_err(repo_err)?;
                return Ok(false);
            }
            if let Some(e) = event {
                sqlx::query(
                    "INSERT INTO diary_events (company_id, id, diary_id, at, actor_id, action, from_status, to_status, comment) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(d.company_id.0)
                .bind(Uuid::now_v7())
                .bind(d.id)
                .bind(e.at)
                .bind(e.actor_id.0)
                .bind(&e.action)
                .bind(e.from_status.map(|s| s.as_str()))
                .bind(e.to_status.as_str())
                .bind(&e.comment)
                .execute(&mut *tx)
                .await
                .map_err(repo_err)?;
            }
            let action = event.map(|e| e.action.clone()).unwrap_or_else(|| "edit".to_owned());
            audit!(
                tx,
                ctx,
                action.as_str(),
                "diary",
                d.id,
                audit_json(before),
                audit_json(d)
            )?;
            tx.commit().await.map_err(repo_err)?;
            Ok(true)
        })
    }

    async fn diary_history(&self, company: CompanyId, diary: Uuid) -> Result<Vec<DiaryEvent>, RepoError> {
        on_pool!(self, |p| {
            let rows: Vec<EventRow> = sqlx::query_as(
                "SELECT at, actor_id, action, from_status, to_status, comment FROM diary_events \
                 WHERE company_id = $1 AND diary_id = $2 ORDER BY at, id",
            )
            .bind(company.0)
            .bind(diary)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            rows.into_iter()
                .map(|r| {
                    Ok(DiaryEvent {
                        at: r.at,
                        actor_id: UserId(r.actor_id),
                        action: r.action,
                        from_status: r.from_status.as_deref().and_then(DiaryStatus::parse),
                        to_status: DiaryStatus::parse(&r.to_status).ok_or_else(|| corrupt("diary event"))?,
                        comment: r.comment,
                    })
                })
                .collect()
        })
    }

    async fn team_diaries(&self, company: CompanyId, team: TeamId, date: NaiveDate) -> Result<Vec<Diary>, RepoError> {
        let cols = prefixed(DIARY_COLS, "d");
        on_pool!(self, |p| {
            let rows: Vec<DiaryRow> = sqlx::query_as(&format!(
                "SELECT {cols} FROM diaries d JOIN users u ON u.company_id = d.company_id AND u.id = d.agent_id \
                 WHERE d.company_id = $1 AND u.team_id = $2 AND d.date = $3 ORDER BY d.id"
            ))
            .bind(company.0)
            .bind(team.0)
            .bind(date)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            rows.into_iter().map(Diary::try_from).collect()
        })
    }

    async fn submitted_diaries(
        &self,
        company: CompanyId,
        team: TeamId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Diary>, RepoError> {
        let cols = prefixed(DIARY_COLS, "d");
        on_pool!(self, |p| {
            let rows: Vec<DiaryRow> = sqlx::query_as(&format!(
                "SELECT {cols} FROM diaries d JOIN users u ON u.company_id = d.company_id AND u.id = d.agent_id \
                 WHERE d.company_id = $1 AND u.team_id = $2 AND d.date >= $3 AND d.date <= $4 \
                 AND d.first_submitted_at IS NOT NULL ORDER BY d.id"
            ))
            .bind(company.0)
            .bind(team.0)
            .bind(from)
            .bind(to)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            rows.into_iter().map(Diary::try_from).collect()
        })
    }

    async fn insert_leave(&self, ctx: &AuditContext, l: &LeaveRequest) -> Result<(), RepoError> {
        on_pool!(self, |p| {
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

    async fn decide_leave(
        &self,
        ctx: &AuditContext,
        before: &LeaveRequest,
        l: &LeaveRequest,
    ) -> Result<bool, RepoError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(repo_err)?;
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

    async fn get_leave(&self, company: CompanyId, id: Uuid) -> Result<Option<LeaveRequest>, RepoError> {
        on_pool!(self, |p| {
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

    async fn list_leave(
        &self,
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
        on_pool!(self, |p| {
            let rows = bind_args!(sqlx::query_as::<_, LeaveRow>(&sql.text), &sql.args)
                .fetch_all(p)
                .await
                .map_err(repo_err)?;
            rows.into_iter().map(LeaveRequest::try_from).collect()
        })
    }

    async fn team_on_leave(&self, company: CompanyId, team: TeamId, date: NaiveDate) -> Result<Vec<UserId>, RepoError> {
        on_pool!(self, |p| {
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

    async fn approved_leave(
        &self,
        company: CompanyId,
        agent: UserId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<LeaveRequest>, RepoError> {
        on_pool!(self, |p| {
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

    async fn insert_sample(&self, ctx: &AuditContext, s: &SpotCheckSample) -> Result<(), RepoError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(repo_err)?;
            sqlx::query(
                "INSERT INTO spot_check_samples (company_id, id, team_id, from_date, to_date, size, seed, drawn_by, drawn_at, diary_ids) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(s.company_id.0)
            .bind(s.id)
            .bind(s.team_id.0)
            .bind(s.from)
            .bind(s.to)
            .bind(i64::from(s.size))
            .bind(s.seed)
            .bind(s.drawn_by.0)
            .bind(s.drawn_at)
            .bind(serde_json::to_string(&s.diary_ids).unwrap_or_else(|_| "[]".into()))
            .execute(&mut *tx)
            .await
            .map_err(repo_err)?;
            audit!(
                tx,
                ctx,
                "draw",
                "spot_check_sample",
                s.id,
                None::<String>,
                audit_json(s)
            )?;
            tx.commit().await.map_err(repo_err)
        })
    }

    async fn get_sample(&self, company: CompanyId, id: Uuid) -> Result<Option<SpotCheckSample>, RepoError> {
        on_pool!(self, |p| {
            let row: Option<SampleRow> = sqlx::query_as(
                "SELECT company_id, id, team_id, from_date, to_date, size, seed, drawn_by, drawn_at, diary_ids \
                 FROM spot_check_samples WHERE company_id = $1 AND id = $2",
            )
            .bind(company.0)
            .bind(id)
            .fetch_optional(p)
            .await
            .map_err(repo_err)?;
            Ok(row.map(|r| SpotCheckSample {
                company_id: CompanyId(r.company_id),
                id: r.id,
                team_id: TeamId(r.team_id),
                from: r.from_date,
                to: r.to_date,
                size: u32::try_from(r.size).unwrap_or(0),
                seed: r.seed,
                drawn_by: UserId(r.drawn_by),
                drawn_at: r.drawn_at,
                diary_ids: serde_json::from_str(&r.diary_ids).unwrap_or_default(),
            }))
        })
    }

    async fn insert_spot_check(&self, ctx: &AuditContext, c: &SpotCheck) -> Result<(), RepoError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(repo_err)?;
            sqlx::query(
                "INSERT INTO spot_checks (company_id, id, sample_id, diary_id, result, notes, checked_by, checked_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(c.company_id.0)
            .bind(c.id)
            .bind(c.sample_id)
            .bind(c.diary_id)
            .bind(c.result.as_str())
            .bind(&c.notes)
            .bind(c.checked_by.0)
            .bind(c.checked_at)
            .execute(&mut *tx)
            .await
            .map_err(repo_err)?;
            audit!(tx, ctx, "check", "spot_check", c.id, None::<String>, audit_json(c))?;
            tx.commit().await.map_err(repo_err)
        })
    }

    async fn sample_checks(&self, company: CompanyId, sample: Uuid) -> Result<Vec<SpotCheck>, RepoError> {
        on_pool!(self, |p| {
            let rows: Vec<CheckRow> = sqlx::query_as(
                "SELECT company_id, id, sample_id, diary_id, result, notes, checked_by, checked_at FROM spot_checks \
                 WHERE company_id = $1 AND sample_id = $2 ORDER BY checked_at, id",
            )
            .bind(company.0)
            .bind(sample)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            rows.into_iter()
                .map(|r| {
                    Ok(SpotCheck {
                        company_id: CompanyId(r.company_id),
                        id: r.id,
                        sample_id: r.sample_id,
                        diary_id: r.diary_id,
                        result: SpotCheckResult::parse(&r.result).ok_or_else(|| corrupt("spot check result"))?,
                        notes: r.notes,
                        checked_by: UserId(r.checked_by),
                        checked_at: r.checked_at,
                    })
                })
                .collect()
        })
    }
}
