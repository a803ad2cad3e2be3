//! LimitsRepo on both engines: the login throttle's slots and the write rate limits.

use crate::db::{on_pool, repo_err, Db};
use chrono::{DateTime, Utc};
use domain::ids::CompanyId;
use domain::ports::{AttemptLimit, AttemptOutcome, LimitsRepo, RateLimit, RepoError};
use uuid::Uuid;

/// Rate-limit rows idle this long are forgotten (their bucket is full again long before).
const IDLE_RATE_ROW_US: i64 = 3_600_000_000;

impl LimitsRepo for Db {
    async fn reserve_login_attempt(
        &self,
        limits: &[AttemptLimit<'_>],
        window_secs: u64,
        now: DateTime<Utc>,
    ) -> Result<Result<Uuid, u64>, RepoError> {
        let now_ms = now.timestamp_millis();
        let window_ms = i64::try_from(window_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        let cutoff = now_ms.saturating_sub(window_ms);
        // Keys in one order, so two attempts sharing two keys cannot deadlock.
        let mut limits = limits.to_vec();
        limits.sort_by(|a, b| a.key.cmp(b.key));
        limits.dedup_by(|a, b| a.key == b.key);
        let slot = Uuid::now_v7();
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(repo_err)?;
            let mut wait_ms: Option<i64> = None;
            for l in &limits {
                // Writing the key row first takes its lock (PostgreSQL) or the database's
                // write lock (SQLite) before anything is counted: concurrent attempts at this
                // key count one after another, on whichever instance they arrive.
                sqlx::query(
                    "INSERT INTO login_throttle_keys (key, touched_ms) VALUES ($1, $2) \
                     ON CONFLICT (key) DO UPDATE SET touched_ms = excluded.touched_ms",
                )
                .bind(l.key)
                .bind(now_ms)
                .execute(&mut *tx)
                .await
                .map_err(repo_err)?;
                sqlx::query("DELETE FROM login_throttle_slots WHERE key = $1 AND at_ms <= $2")
                    .bind(l.key)
                    .bind(cutoff)
                    .execute(&mut *tx)
                    .await
                    .map_err(repo_err)?;
                let (count, oldest): (i64, Option<i64>) =
                    sqlx::query_as("SELECT COUNT(*), MIN(at_ms) FROM login_throttle_slots WHERE key = $1")
                        .bind(l.key)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(repo_err)?;
                if count >= i64::from(l.max) {
                    let w = oldest.map_or(window_ms, |o| o.saturating_add(window_ms).saturating_sub(now_ms));
                    wait_ms = Some(wait_ms.map_or(w, |x| x.max(w)));
                }
            }
            if let Some(w) = wait_ms {
                tx.commit().await.map_err(repo_err)?;
                let secs = u64::try_from(w.max(0)).unwrap_or(0).div_ceil(1000).max(1);
                return Ok(Err(secs));
            }
            for l in &limits {
                sqlx::query("INSERT INTO login_throttle_slots (key, slot, at_ms) VALUES ($1, $2, $3)")
                    .bind(l.key)
                    .bind(slot)
                    .bind(now_ms)
                    .execute(&mut *tx)
                    .await
                    .map_err(repo_err)?;
            }
            tx.commit().await.map_err(repo_err)?;
            Ok(Ok(slot))
        })
    }

    async fn resolve_login_attempt(&self, slot: Uuid, outcome: AttemptOutcome<'_>) -> Result<(), RepoError> {
        on_pool!(self, |p| {
            match outcome {
                AttemptOutcome::Failed => Ok(()),
                AttemptOutcome::Abandoned => {
                    sqlx::query("DELETE FROM login_throttle_slots WHERE slot = $1")
                        .bind(slot)
                        .execute(p)
                        .await
                        .map_err(repo_err)?;
                    Ok(())
                }
                AttemptOutcome::Succeeded { clear } => {
                    sqlx::query("DELETE FROM login_throttle_slots WHERE slot = $1 OR key = $2")
                        .bind(slot)
                        .bind(clear)
                        .execute(p)
                        .await
                        .map_err(repo_err)?;
                    Ok(())
                }
            }
        })
    }

    async fn take_write(
        &self,
        company: CompanyId,
        subject: Uuid,
        limit: RateLimit,
        now: DateTime<Utc>,
    ) -> Result<Option<u64>, RepoError> {
        let now_us = now.timestamp_micros();
        let interval = limit.interval_us.max(1);
        // A request is admitted when, after it, the theoretical arrival time is no further
        // ahead of now than `burst` intervals. The check and the update are one statement, so
        // two instances taking the last token at once cannot both get it.
        let tolerance = interval.saturating_mul(i64::from(limit.burst.max(1)));
        const TAKE: &str = "INSERT INTO write_rate_limits (company_id, subject_id, tat_us) VALUES ($1, $2, $3 + $4) \
             ON CONFLICT (company_id, subject_id) DO UPDATE \
             SET tat_us = (CASE WHEN write_rate_limits.tat_us > $3 THEN write_rate_limits.tat_us ELSE $3 END) + $4 \
             WHERE (CASE WHEN write_rate_limits.tat_us > $3 THEN write_rate_limits.tat_us ELSE $3 END) + $4 - $3 <= $5 \
             RETURNING tat_us";
        on_pool!(self, |p| {
            let admitted: Option<(i64,)> = sqlx::query_as(TAKE)
                .bind(company.0)
                .bind(subject)
                .bind(now_us)
                .bind(interval)
                .bind(tolerance)
                .fetch_optional(p)
                .await
                .map_err(repo_err)?;
            if admitted.is_some() {
                return Ok(None);
            }
            let tat: Option<(i64,)> =
                sqlx::query_as("SELECT tat_us FROM write_rate_limits WHERE company_id = $1 AND subject_id = $2")
                    .bind(company.0)
                    .bind(subject)
                    .fetch_optional(p)
                    .await
                    .map_err(repo_err)?;
            // The next write fits once tat + interval - now <= tolerance.
            let wait_us = tat.map_or(0, |(t,)| t.saturating_add(interval).saturating_sub(now_us + tolerance));
            let secs = u64::try_from(wait_us.max(0)).unwrap_or(0).div_ceil(1_000_000).max(1);
            Ok(Some(secs))
        })
    }

    async fn prune_limits(&self, login_window_secs: u64, now: DateTime<Utc>) -> Result<u64, RepoError> {
        let window_ms = i64::try_from(login_window_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        let cutoff_ms = now.timestamp_millis().saturating_sub(window_ms);
        let idle_us = now.timestamp_micros().saturating_sub(IDLE_RATE_ROW_US);
        on_pool!(self, |p| {
            let mut n = 0;
            for (sql, bound) in [
                ("DELETE FROM login_throttle_slots WHERE at_ms <= $1", cutoff_ms),
                // A key row without slots holds nothing; an attempt re-creates it when needed.
                (
                    "DELETE FROM login_throttle_keys WHERE touched_ms <= $1 \
                     AND NOT EXISTS (SELECT 1 FROM login_throttle_slots s WHERE s.key = login_throttle_keys.key)",
                    cutoff_ms,
                ),
                ("DELETE FROM write_rate_limits WHERE tat_us <= $1", idle_us),
            ] {
                n += sqlx::query(sql)
                    .bind(bound)
                    .execute(p)
                    .await
                    .map_err(repo_err)?
                    .rows_affected();
            }
            Ok(n)
        })
    }
}
