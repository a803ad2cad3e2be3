//! Diaries with optimistic versions, and their history.

use super::corrupt;
use crate::changes::{append_changes, NewChange};
use crate::db::{audit, audit_json, on_pool, repo_err, Db};
use crate::sql::prefixed;
use chrono::{DateTime, NaiveDate, Utc};
use domain::changes::ChangeType;
use domain::diary::{Diary, DiaryAction, DiaryEvent, DiaryStatus, DiarySummary, TomorrowPlan};
use domain::ids::{CompanyId, TeamId, UserId};
use domain::ports::{AuditContext, RepoError};
use uuid::Uuid;

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
        let summary = match r.summary {
            Some(s) => Some(serde_json::from_str::<DiarySummary>(&s).map_err(|_| corrupt("diary summary"))?),
            None => None,
        };
        Ok(Diary {
            company_id: CompanyId(r.company_id),
            id: r.id,
            agent_id: UserId(r.agent_id),
            date: r.date,
            status: DiaryStatus::parse(&r.status).ok_or_else(|| corrupt("diary status"))?,
            version: r.version,
            notes: r.notes,
            plan: serde_json::from_str::<TomorrowPlan>(&r.plan).map_err(|_| corrupt("diary plan"))?,
            summary,
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

fn json<T: serde::Serialize>(v: &T) -> Result<String, RepoError> {
    serde_json::to_string(v).map_err(|e| RepoError::Storage(e.to_string()))
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

impl TryFrom<EventRow> for DiaryEvent {
    type Error = RepoError;
    fn try_from(r: EventRow) -> Result<DiaryEvent, RepoError> {
        let from_status = match r.from_status.as_deref() {
            Some(s) => Some(DiaryStatus::parse(s).ok_or_else(|| corrupt("diary event"))?),
            None => None,
        };
        Ok(DiaryEvent {
            at: r.at,
            actor_id: UserId(r.actor_id),
            action: DiaryAction::parse(&r.action).ok_or_else(|| corrupt("diary event action"))?,
            from_status,
            to_status: DiaryStatus::parse(&r.to_status).ok_or_else(|| corrupt("diary event"))?,
            comment: r.comment,
        })
    }
}

pub(super) async fn get_or_create(db: &Db, d: &Diary) -> Result<Diary, RepoError> {
    let plan = json(&d.plan)?;
    let summary = d.summary.as_ref().map(json).transpose()?;
    on_pool!(db, |p| {
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
        .bind(&plan)
        .bind(&summary)
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

pub(super) async fn find(
    db: &Db,
    company: CompanyId,
    agent: UserId,
    date: NaiveDate,
) -> Result<Option<Diary>, RepoError> {
    on_pool!(db, |p| {
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

pub(super) async fn by_id(db: &Db, company: CompanyId, id: Uuid) -> Result<Option<Diary>, RepoError> {
    on_pool!(db, |p| {
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

pub(super) async fn update(
    db: &Db,
    ctx: &AuditContext,
    before: &Diary,
    d: &Diary,
    event: Option<&DiaryEvent>,
) -> Result<bool, RepoError> {
    let plan = json(&d.plan)?;
    let summary = d.summary.as_ref().map(json).transpose()?;
    let action = event.map_or(DiaryAction::Edit, |e| e.action);
    on_pool!(db, |p| {
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
        .bind(&plan)
        .bind(&summary)
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
            .bind(e.action.as_str())
            .bind(e.from_status.map(|s| s.as_str()))
            .bind(e.to_status.as_str())
            .bind(&e.comment)
            .execute(&mut *tx)
            .await
            .map_err(repo_err)?;
        }
        audit!(
            tx,
            ctx,
            action.as_str(),
            "diary",
            d.id,
            audit_json(before),
            audit_json(d)
        )?;
        let t = match action {
            DiaryAction::Edit => ChangeType::DiaryUpdated,
            DiaryAction::Submit => ChangeType::DiarySubmitted,
            DiaryAction::Approve => ChangeType::DiaryApproved,
            DiaryAction::Return => ChangeType::DiaryReturned,
        };
        append_changes!(
            tx,
            d.company_id,
            &[NewChange::new(t, d.id, Some(d.agent_id), d, d.updated_at)]
        )?;
        tx.commit().await.map_err(repo_err)?;
        Ok(true)
    })
}

pub(super) async fn history(db: &Db, company: CompanyId, diary: Uuid) -> Result<Vec<DiaryEvent>, RepoError> {
    on_pool!(db, |p| {
        let rows: Vec<EventRow> = sqlx::query_as(
            "SELECT at, actor_id, action, from_status, to_status, comment FROM diary_events \
             WHERE company_id = $1 AND diary_id = $2 ORDER BY at, id",
        )
        .bind(company.0)
        .bind(diary)
        .fetch_all(p)
        .await
        .map_err(repo_err)?;
        rows.into_iter().map(DiaryEvent::try_from).collect()
    })
}

pub(super) async fn of_team(
    db: &Db,
    company: CompanyId,
    team: TeamId,
    date: NaiveDate,
) -> Result<Vec<Diary>, RepoError> {
    let cols = prefixed(DIARY_COLS, "d");
    on_pool!(db, |p| {
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

pub(super) async fn submitted(
    db: &Db,
    company: CompanyId,
    team: TeamId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Diary>, RepoError> {
    let cols = prefixed(DIARY_COLS, "d");
    on_pool!(db, |p| {
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
