//! Spot-check samples and findings; a finding commits with the penalties it implies.

use super::corrupt;
use crate::changes::{append_changes, by_company};
use crate::db::{audit, audit_json, on_pool, repo_err, Db};
use crate::ledger::{entries_insert, posted, ENTRY_ROWS_PER_STATEMENT};
use crate::sql::bind_args;
use chrono::{DateTime, NaiveDate, Utc};
use domain::diary::{SpotCheck, SpotCheckResult, SpotCheckSample};
use domain::ids::{CompanyId, TeamId, UserId};
use domain::penalty::PenaltyEntry;
use domain::ports::{AuditContext, RepoError};
use uuid::Uuid;

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

impl TryFrom<SampleRow> for SpotCheckSample {
    type Error = RepoError;
    fn try_from(r: SampleRow) -> Result<Self, RepoError> {
        Ok(SpotCheckSample {
            company_id: CompanyId(r.company_id),
            id: r.id,
            team_id: TeamId(r.team_id),
            from: r.from_date,
            to: r.to_date,
            size: u32::try_from(r.size).map_err(|_| corrupt("sample size"))?,
            seed: r.seed,
            drawn_by: UserId(r.drawn_by),
            drawn_at: r.drawn_at,
            diary_ids: serde_json::from_str(&r.diary_ids).map_err(|_| corrupt("sample diaries"))?,
        })
    }
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

impl TryFrom<CheckRow> for SpotCheck {
    type Error = RepoError;
    fn try_from(r: CheckRow) -> Result<Self, RepoError> {
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
    }
}

pub(super) async fn insert_sample(db: &Db, ctx: &AuditContext, s: &SpotCheckSample) -> Result<(), RepoError> {
    let ids = serde_json::to_string(&s.diary_ids).map_err(|e| RepoError::Storage(e.to_string()))?;
    on_pool!(db, |p| {
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
        .bind(&ids)
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

pub(super) async fn get_sample(db: &Db, company: CompanyId, id: Uuid) -> Result<Option<SpotCheckSample>, RepoError> {
    on_pool!(db, |p| {
        let row: Option<SampleRow> = sqlx::query_as(
            "SELECT company_id, id, team_id, from_date, to_date, size, seed, drawn_by, drawn_at, diary_ids \
             FROM spot_check_samples WHERE company_id = $1 AND id = $2",
        )
        .bind(company.0)
        .bind(id)
        .fetch_optional(p)
        .await
        .map_err(repo_err)?;
        row.map(SpotCheckSample::try_from).transpose()
    })
}

/// The check, its penalty entries and its audit record commit together or not at all: a
/// failed ledger write leaves no finding behind that would refuse the retry (409) while the
/// penalties were never posted.
pub(super) async fn record(
    db: &Db,
    ctx: &AuditContext,
    c: &SpotCheck,
    entries: &[PenaltyEntry],
) -> Result<(), RepoError> {
    let inserts: Vec<_> = entries.chunks(ENTRY_ROWS_PER_STATEMENT).map(entries_insert).collect();
    on_pool!(db, |p| {
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
        let mut new: Vec<Uuid> = Vec::new();
        for sql in &inserts {
            new.extend(
                bind_args!(sqlx::query_scalar::<_, Uuid>(&sql.text), &sql.args)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(repo_err)?,
            );
        }
        audit!(tx, ctx, "check", "spot_check", c.id, None::<String>, audit_json(c))?;
        for (company, changes) in by_company(posted(entries, &new)) {
            append_changes!(tx, company, &changes)?;
        }
        tx.commit().await.map_err(repo_err)
    })
}

pub(super) async fn checks_of(db: &Db, company: CompanyId, sample: Uuid) -> Result<Vec<SpotCheck>, RepoError> {
    on_pool!(db, |p| {
        let rows: Vec<CheckRow> = sqlx::query_as(
            "SELECT company_id, id, sample_id, diary_id, result, notes, checked_by, checked_at FROM spot_checks \
             WHERE company_id = $1 AND sample_id = $2 ORDER BY checked_at, id",
        )
        .bind(company.0)
        .bind(sample)
        .fetch_all(p)
        .await
        .map_err(repo_err)?;
        rows.into_iter().map(SpotCheck::try_from).collect()
    })
}
