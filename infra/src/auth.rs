//! AuthRepo on both engines: refresh-token families and the shared signing keys.

use crate::db::{on_pool, repo_err, Db};
use chrono::{DateTime, Utc};
use domain::ids::{CompanyId, UserId};
use domain::ports::{AuthRepo, RefreshToken, RepoError};
use uuid::Uuid;

/// The advisory-lock key that serialises first-start key installation ("FBSIGNKY" in ASCII).
const SIGNING_KEY_LOCK: i64 = 0x4642_5349_474E_4B59;

#[derive(sqlx::FromRow)]
struct RefreshRow {
    company_id: Uuid,
    id: Uuid,
    family_id: Uuid,
    user_id: Uuid,
    token_hash: String,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

impl AuthRepo for Db {
    async fn signing_keys(
        &self,
        candidate: (&str, &[u8]),
        now: DateTime<Utc>,
    ) -> Result<Vec<(String, Vec<u8>)>, RepoError> {
        // The first instance to start installs its candidate; every other one adopts it.
        // "Insert if the table is empty" must be atomic: two first starts that both see an
        // empty table would each insert their own key (different kids, so no conflict).
        const INSERT_IF_NONE: &str = "INSERT INTO signing_keys (kid, secret, created_at) SELECT $1, $2, $3 \
                                      WHERE NOT EXISTS (SELECT 1 FROM signing_keys) ON CONFLICT DO NOTHING";
        const ALL: &str = "SELECT kid, secret FROM signing_keys ORDER BY created_at DESC, kid";
        match self {
            // SQLite runs one statement under the database's single write lock, taken before
            // the statement reads, so the check and the insert cannot interleave.
            Db::Sqlite(p) => {
                sqlx::query(INSERT_IF_NONE)
                    .bind(candidate.0)
                    .bind(candidate.1)
                    .bind(now)
                    .execute(p)
                    .await
                    .map_err(repo_err)?;
                sqlx::query_as::<_, (String, Vec<u8>)>(ALL)
                    .fetch_all(p)
                    .await
                    .map_err(repo_err)
            }
            // PostgreSQL under READ COMMITTED lets both see the empty table: serialise the
            // installers with a transaction-scoped advisory lock (released at commit).
            Db::Postgres(p) => {
                let mut tx = p.begin().await.map_err(repo_err)?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(SIGNING_KEY_LOCK)
                    .execute(&mut *tx)
                    .await
                    .map_err(repo_err)?;
                sqlx::query(INSERT_IF_NONE)
                    .bind(candidate.0)
                    .bind(candidate.1)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(repo_err)?;
                let keys = sqlx::query_as::<_, (String, Vec<u8>)>(ALL)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(repo_err)?;
                tx.commit().await.map_err(repo_err)?;
                Ok(keys)
            }
        }
    }

    async fn insert_refresh_token(&self, t: &RefreshToken) -> Result<(), RepoError> {
        on_pool!(self, |p| {
            sqlx::query(
                "INSERT INTO refresh_tokens (company_id, id, family_id, user_id, token_hash, created_at, expires_at, used_at, revoked_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(t.company_id.0)
            .bind(t.id)
            .bind(t.family_id)
            .bind(t.user_id.0)
            .bind(&t.token_hash)
            .bind(t.created_at)
            .bind(t.expires_at)
            .bind(t.used_at)
            .bind(t.revoked_at)
            .execute(p)
            .await
            .map(|_| ())
            .map_err(repo_err)
        })
    }

    async fn find_refresh_token(&self, token_hash: &str) -> Result<Option<RefreshToken>, RepoError> {
        on_pool!(self, |p| {
            let row: Option<RefreshRow> = sqlx::query_as(
                "SELECT company_id, id, family_id, user_id, token_hash, created_at, expires_at, used_at, revoked_at \
                 FROM refresh_tokens WHERE token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(p)
            .await
            .map_err(repo_err)?;
            Ok(row.map(|r| RefreshToken {
                company_id: CompanyId(r.company_id),
                id: r.id,
                family_id: r.family_id,
                user_id: UserId(r.user_id),
                token_hash: r.token_hash,
                created_at: r.created_at,
                expires_at: r.expires_at,
                used_at: r.used_at,
                revoked_at: r.revoked_at,
            }))
        })
    }

    async fn mark_refresh_used(&self, company: CompanyId, id: Uuid, at: DateTime<Utc>) -> Result<bool, RepoError> {
        on_pool!(self, |p| {
            sqlx::query(
                "UPDATE refresh_tokens SET used_at = $3 \
                 WHERE company_id = $1 AND id = $2 AND used_at IS NULL AND revoked_at IS NULL",
            )
            .bind(company.0)
            .bind(id)
            .bind(at)
            .execute(p)
            .await
            .map(|r| r.rows_affected() == 1)
            .map_err(repo_err)
        })
    }

    async fn revoke_family(&self, company: CompanyId, family: Uuid, at: DateTime<Utc>) -> Result<(), RepoError> {
        on_pool!(self, |p| {
            sqlx::query(
                "UPDATE refresh_tokens SET revoked_at = $3 WHERE company_id = $1 AND family_id = $2 AND revoked_at IS NULL",
            )
            .bind(company.0)
            .bind(family)
            .bind(at)
            .execute(p)
            .await
            .map(|_| ())
            .map_err(repo_err)
        })
    }

    async fn revoke_user_tokens(&self, company: CompanyId, user: UserId, at: DateTime<Utc>) -> Result<(), RepoError> {
        on_pool!(self, |p| {
            sqlx::query(
                "UPDATE refresh_tokens SET revoked_at = $3 WHERE company_id = $1 AND user_id = $2 AND revoked_at IS NULL",
            )
            .bind(company.0)
            .bind(user.0)
            .bind(at)
            .execute(p)
            .await
            .map(|_| ())
            .map_err(repo_err)
        })
    }

    async fn sign_out(
        &self,
        company: CompanyId,
        user: UserId,
        family: Option<Uuid>,
        at: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(repo_err)?;
            // Only the user's own family: a token of someone else's is silently left alone.
            sqlx::query(
                "UPDATE refresh_tokens SET revoked_at = $3 WHERE company_id = $1 AND user_id = $2 \
                 AND revoked_at IS NULL AND ($4 IS NULL OR family_id = $4)",
            )
            .bind(company.0)
            .bind(user.0)
            .bind(at)
            .bind(family)
            .execute(&mut *tx)
            .await
            .map_err(repo_err)?;
            sqlx::query("UPDATE users SET token_generation = token_generation + 1 WHERE company_id = $1 AND id = $2")
                .bind(company.0)
                .bind(user.0)
                .execute(&mut *tx)
                .await
                .map_err(repo_err)?;
            tx.commit().await.map_err(repo_err)
        })
    }
}
