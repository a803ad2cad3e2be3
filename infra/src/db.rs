use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

static PG_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");
static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unsupported database URL '{0}': use sqlite://… or postgres://…")]
    UnsupportedUrl(String),
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("could not create the data directory: {0}")]
    Io(#[from] std::io::Error),
}

/// A connection pool on one of the two engines. Cheap to clone.
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same block against whichever pool is configured. The block is compiled once per
/// engine, so the SQL inside must be valid on both (numbered `$n` parameters work on each).
macro_rules! on_pool {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// Pooled PostgreSQL connections idle longer than this are checked before reuse.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(1);

/// How the pool waits for and keeps connections.
#[derive(Debug, Clone, Copy)]
pub struct PoolSettings {
    pub max_connections: u32,
    /// How long a request waits for a PostgreSQL connection before the database counts as
    /// unavailable (503). Short, so an outage is answered at once instead of hanging.
    pub acquire_timeout: Duration,
}

impl PoolSettings {
    pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);

    pub fn new(max_connections: u32) -> Self {
        Self {
            max_connections,
            acquire_timeout: Self::DEFAULT_ACQUIRE_TIMEOUT,
        }
    }
}

impl Db {
    /// Connects by URL scheme with the default acquire timeout.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db, DbError> {
        Db::connect_with(url, PoolSettings::new(max_connections)).await
    }

    /// Connects by URL scheme. SQLite files (and their directory) are created when missing.
    pub async fn connect_with(url: &str, settings: PoolSettings) -> Result<Db, DbError> {
        if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // NORMAL with WAL can lose the last commits on power loss, not on a crash.
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true);
            if let Some(parent) = opts.get_filename().parent() {
                if !parent.as_os_str().is_empty() {
                    std::fs::create_dir_all(parent)?;
                }
            }
            // A local file cannot go away like a server, and waiting for a pooled connection
            // is only contention that the busy timeout resolves: sqlx's default wait stays.
            let pool = SqlitePoolOptions::new()
                .max_connections(settings.max_connections)
                .test_before_acquire(false)
                .connect_with(opts)
                .await?;
            Ok(Db::Sqlite(pool))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let opts = PgConnectOptions::from_str(url)?;
            Db::connect_postgres_with(opts, settings).await
        } else {
            Err(DbError::UnsupportedUrl(url.to_owned()))
        }
    }

    /// PostgreSQL with explicit options (tests use this to pin a per-test schema).
    pub async fn connect_postgres(opts: PgConnectOptions, max_connections: u32) -> Result<Db, DbError> {
        Db::connect_postgres_with(opts, PoolSettings::new(max_connections)).await
    }

    pub async fn connect_postgres_with(opts: PgConnectOptions, settings: PoolSettings) -> Result<Db, DbError> {
        let pool = PgPoolOptions::new()
            .max_connections(settings.max_connections)
            // A pooled connection idle for more than a second is pinged before use, so those
            // broken by a server restart or a network cut are replaced instead of failing the
            // first requests after it. Busy connections skip the ping (a round trip per
            // acquire, 11 on a dashboard): one that broke while in use fails its query, and
            // sqlx's ping on release closes it.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for > IDLE_BEFORE_PING {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            // Connections idle for long are dropped anyway (firewalls and proxies cut them
            // silently); a bounded lifetime also spreads reconnects after a failover.
            .idle_timeout(Duration::from_secs(300))
            .max_lifetime(Duration::from_secs(1800))
            .acquire_timeout(settings.acquire_timeout)
            .connect_with(opts)
            .await?;
        Ok(Db::Postgres(pool))
    }

    pub fn engine(&self) -> Engine {
        match self {
            Db::Sqlite(_) => Engine::Sqlite,
            Db::Postgres(_) => Engine::Postgres,
        }
    }

    pub async fn migrate(&self) -> Result<(), DbError> {
        match self {
            Db::Sqlite(p) => SQLITE_MIGRATOR.run(p).await?,
            Db::Postgres(p) => PG_MIGRATOR.run(p).await?,
        }
        Ok(())
    }

    /// Readiness: one trivial round trip.
    pub async fn ping(&self) -> Result<(), DbError> {
        on_pool!(self, |p| sqlx::query("SELECT 1").execute(p).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn close(&self) {
        on_pool!(self, |p| p.close().await)
    }

    /// The pool's connections right now (for metrics).
    pub fn pool_status(&self) -> PoolStatus {
        on_pool!(self, |p| PoolStatus {
            max: p.options().get_max_connections(),
            open: p.size(),
            idle: u32::try_from(p.num_idle()).unwrap_or(u32::MAX),
        })
    }

    /// Takes a connection from the pool and gives it straight back (callers time it: the
    /// wait a request would see now). False when none could be had.
    pub async fn acquire_probe(&self) -> bool {
        on_pool!(self, |p| p.acquire().await.is_ok())
    }
}

/// A pool's size: its configured maximum, connections open, and those idle among them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    pub max: u32,
    pub open: u32,
    pub idle: u32,
}

/// Maps driver errors to the port's error: unique violations are conflicts; a database that
/// cannot be reached is `Unavailable` (503 with `Retry-After`), not a storage failure (500).
pub(crate) fn repo_err(e: sqlx::Error) -> domain::ports::RepoError {
    use domain::ports::RepoError;
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => RepoError::Conflict(db.message().to_owned()),
        _ if is_unavailable(&e) => RepoError::Unavailable(e.to_string()),
        _ => RepoError::Storage(e.to_string()),
    }
}

/// True when the error says the database is unreachable rather than that the query failed.
pub fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::WorkerCrashed => true,
        // SQLSTATE class 08: connection exceptions; 57P01..57P03: admin shutdown, crash
        // shutdown, cannot connect now (starting up or shutting down).
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|c| c.starts_with("08") || matches!(c.as_ref(), "57P01" | "57P02" | "57P03")),
        _ => false,
    }
}

/// Serialises an entity for the audit log.
pub(crate) fn audit_json<T: serde::Serialize>(v: &T) -> Option<String> {
    serde_json::to_string(v).ok()
}

/// Appends one audit record inside the caller's transaction (AUD-1).
macro_rules! audit {
    ($tx:expr, $ctx:expr, $action:expr, $entity:expr, $entity_id:expr, $before:expr, $after:expr) => {
        sqlx::query(
            "INSERT INTO audit_log (company_id, id, at, actor_id, request_id, action, entity, entity_id, before, after, \
             integration_client_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind($ctx.company_id.0)
        .bind(uuid::Uuid::now_v7())
        .bind($ctx.at)
        .bind($ctx.actor_id.map(|a| a.0))
        .bind(&$ctx.request_id)
        .bind($action)
        .bind($entity)
        .bind($entity_id)
        .bind($before)
        .bind($after)
        .bind($ctx.integration_client_id)
        .execute(&mut *$tx)
        .await
        .map_err($crate::db::repo_err)
    };
}
pub(crate) use audit;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_database_is_unavailable_not_a_storage_failure() {
        use domain::ports::RepoError;
        let refused = || sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        for e in [sqlx::Error::PoolTimedOut, sqlx::Error::PoolClosed, refused()] {
            assert!(matches!(repo_err(e), RepoError::Unavailable(_)));
        }
        assert!(matches!(repo_err(sqlx::Error::RowNotFound), RepoError::Storage(_)));
    }
}
