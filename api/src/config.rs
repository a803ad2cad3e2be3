//! Configuration as a value read once from the environment (never a global), so each test
//! can run its own server with its own settings.

use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct Config {
    /// `sqlite://…` or `postgres://…`.
    pub database_url: String,
    pub http_addr: String,
    pub db_max_connections: u32,
    /// How long a request waits for a PostgreSQL connection before answering 503
    /// `database_unavailable` (so an outage never hangs requests).
    pub db_acquire_timeout: std::time::Duration,
    /// actix worker threads; 0 means one per CPU core.
    pub http_workers: usize,
    pub admin_email: Option<String>,
    pub admin_password: Option<String>,
    /// Name of the company the bootstrap admin belongs to.
    pub company_name: String,
    /// HS256 secret; when absent the key is generated once and shared through the database.
    pub jwt_secret: Option<String>,
    pub access_token_ttl_secs: i64,
    pub refresh_token_ttl_secs: i64,
    /// A rotated refresh token presented again within this many seconds is treated as a lost
    /// response rather than theft. 0 (the default) treats every reuse as theft.
    pub refresh_reuse_grace_secs: i64,
    pub login_max_failures_per_account: u32,
    pub login_max_failures_per_address: u32,
    pub login_window_secs: u64,
    /// Enables `PUT/DELETE /v1/test/clock` (black-box deadline tests only).
    pub test_clock: bool,
    /// How often the background jobs (day close, re-evaluation, lead allocation) run; 0 disables.
    pub jobs_interval_secs: u64,
    /// Argon2 memory cost in KiB (OWASP's minimum for argon2id is 19 MiB).
    pub argon2_memory_kib: u32,
    /// At most this many password hashes at once (each costs `argon2_memory_kib`); 0 means one
    /// per available core.
    pub hash_concurrency: usize,
    /// How long a login or password change waits for a hashing slot before getting 503.
    pub hash_wait_ms: u64,
    /// Writes per second each caller may make on average (across all instances); 0 disables
    /// the limit.
    pub write_rate_per_sec: u32,
    /// How many writes a caller may make in a burst above the average rate.
    pub write_burst: u32,
    /// The platform operator's bearer token for `/v1/platform/*` (tenants); those routes
    /// answer 404 when it is not set. No company user's token is ever accepted there.
    pub platform_token: Option<String>,
    /// The bearer token for `GET /metrics`; unset, there is no metrics endpoint and nothing is
    /// recorded.
    pub metrics_token: Option<String>,
    /// After an integration client's secret is rotated, the old one keeps working this long.
    pub integration_secret_overlap_secs: i64,
    /// Change-feed events older than this are pruned; older cursors get 410.
    pub change_retention_days: i64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: "sqlite://data/fieldbook.db".to_owned(),
            http_addr: "127.0.0.1:8080".to_owned(),
            db_max_connections: 10,
            db_acquire_timeout: infra::PoolSettings::DEFAULT_ACQUIRE_TIMEOUT,
            http_workers: 0,
            admin_email: None,
            admin_password: None,
            company_name: "Fieldbook".to_owned(),
            jwt_secret: None,
            access_token_ttl_secs: 900,
            refresh_token_ttl_secs: 30 * 24 * 3600,
            refresh_reuse_grace_secs: 0,
            login_max_failures_per_account: 5,
            login_max_failures_per_address: 50,
            login_window_secs: 900,
            test_clock: false,
            argon2_memory_kib: 19 * 1024,
            hash_concurrency: 0,
            hash_wait_ms: 2000,
            // An agent app uploads in batches; a supervisor approves a team in seconds. Ten a
            // second with bursts of 100 is far above either, well below a runaway client.
            write_rate_per_sec: 10,
            write_burst: 100,
            jobs_interval_secs: 60,
            platform_token: None,
            metrics_token: None,
            integration_secret_overlap_secs: 24 * 3600,
            change_retention_days: 30,
        }
    }
}

/// Shortest accepted `FIELDBOOK_PLATFORM_TOKEN`.
pub const MIN_PLATFORM_TOKEN_LEN: usize = 32;
/// Shortest accepted `FIELDBOOK_METRICS_TOKEN`.
pub const MIN_METRICS_TOKEN_LEN: usize = 16;

#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::error::Error for ConfigError {}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::from_map(&std::env::vars().collect())
    }

    pub fn from_map(env: &HashMap<String, String>) -> Result<Config, ConfigError> {
        let d = Config::default();
        let get = |k: &str| env.get(k).filter(|v| !v.is_empty()).cloned();
        fn num<T: std::str::FromStr>(v: Option<String>, key: &str, default: T) -> Result<T, ConfigError> {
            match v {
                None => Ok(default),
                Some(s) => s
                    .parse()
                    .map_err(|_| ConfigError(format!("{key} must be a number, got '{s}'"))),
            }
        }
        Ok(Config {
            database_url: get("DATABASE_URL").unwrap_or(d.database_url),
            http_addr: get("FIELDBOOK_HTTP_ADDR").unwrap_or(d.http_addr),
            db_max_connections: num(
                get("FIELDBOOK_DB_MAX_CONNECTIONS"),
                "FIELDBOOK_DB_MAX_CONNECTIONS",
                d.db_max_connections,
            )?,
            db_acquire_timeout: match get("FIELDBOOK_DB_ACQUIRE_TIMEOUT_MS") {
                None => d.db_acquire_timeout,
                // Zero would refuse every request; a typo should stop the start instead.
                v => match num(v, "FIELDBOOK_DB_ACQUIRE_TIMEOUT_MS", 0u64)? {
                    0 => return Err(ConfigError("FIELDBOOK_DB_ACQUIRE_TIMEOUT_MS must be at least 1".into())),
                    ms => std::time::Duration::from_millis(ms),
                },
            },
            http_workers: num(get("FIELDBOOK_HTTP_WORKERS"), "FIELDBOOK_HTTP_WORKERS", d.http_workers)?,
            admin_email: get("FIELDBOOK_ADMIN_EMAIL"),
            admin_password: get("FIELDBOOK_ADMIN_PASSWORD"),
            company_name: get("FIELDBOOK_COMPANY_NAME").unwrap_or(d.company_name),
            jwt_secret: get("FIELDBOOK_JWT_SECRET"),
            access_token_ttl_secs: num(
                get("FIELDBOOK_ACCESS_TOKEN_TTL_SECONDS"),
                "FIELDBOOK_ACCESS_TOKEN_TTL_SECONDS",
                d.access_token_ttl_secs,
            )?,
            refresh_token_ttl_secs: num(
                get("FIELDBOOK_REFRESH_TOKEN_TTL_SECONDS"),
                "FIELDBOOK_REFRESH_TOKEN_TTL_SECONDS",
                d.refresh_token_ttl_secs,
            )?,
            refresh_reuse_grace_secs: num(
                get("FIELDBOOK_REFRESH_REUSE_GRACE_SECONDS"),
                "FIELDBOOK_REFRESH_REUSE_GRACE_SECONDS",
                d.refresh_reuse_grace_secs,
            )?,
            login_max_failures_per_account: num(
                get("FIELDBOOK_LOGIN_MAX_FAILURES_PER_ACCOUNT"),
                "FIELDBOOK_LOGIN_MAX_FAILURES_PER_ACCOUNT",
                d.login_max_failures_per_account,
            )?,
            login_max_failures_per_address: num(
                get("FIELDBOOK_LOGIN_MAX_FAILURES_PER_ADDRESS"),
                "FIELDBOOK_LOGIN_MAX_FAILURES_PER_ADDRESS",
                d.login_max_failures_per_address,
            )?,
            login_window_secs: num(
                get("FIELDBOOK_LOGIN_WINDOW_SECONDS"),
                "FIELDBOOK_LOGIN_WINDOW_SECONDS",
                d.login_window_secs,
            )?,
            test_clock: get("FIELDBOOK_TEST_CLOCK").is_some_and(|v| v == "1" || v == "true"),
            jobs_interval_secs: num(
                get("FIELDBOOK_JOBS_INTERVAL_SECONDS"),
                "FIELDBOOK_JOBS_INTERVAL_SECONDS",
                d.jobs_interval_secs,
            )?,
            argon2_memory_kib: num(
                get("FIELDBOOK_ARGON2_MEMORY_KIB"),
                "FIELDBOOK_ARGON2_MEMORY_KIB",
                d.argon2_memory_kib,
            )?,
            hash_concurrency: num(
                get("FIELDBOOK_HASH_CONCURRENCY"),
                "FIELDBOOK_HASH_CONCURRENCY",
                d.hash_concurrency,
            )?,
            hash_wait_ms: num(get("FIELDBOOK_HASH_WAIT_MS"), "FIELDBOOK_HASH_WAIT_MS", d.hash_wait_ms)?,
            write_rate_per_sec: num(
                get("FIELDBOOK_WRITE_RATE_PER_SECOND"),
                "FIELDBOOK_WRITE_RATE_PER_SECOND",
                d.write_rate_per_sec,
            )?,
            write_burst: num(get("FIELDBOOK_WRITE_BURST"), "FIELDBOOK_WRITE_BURST", d.write_burst)?,
            platform_token: match get("FIELDBOOK_PLATFORM_TOKEN") {
                // A guessable operator credential would open every tenant: refuse to start.
                Some(t) if t.trim().chars().count() < MIN_PLATFORM_TOKEN_LEN => {
                    return Err(ConfigError(format!(
                        "FIELDBOOK_PLATFORM_TOKEN must be at least {MIN_PLATFORM_TOKEN_LEN} characters (e.g. `openssl rand -hex 32`)"
                    )))
                }
                t => t.map(|t| t.trim().to_owned()),
            },
            metrics_token: match get("FIELDBOOK_METRICS_TOKEN") {
                Some(t) if t.trim().chars().count() < MIN_METRICS_TOKEN_LEN => {
                    return Err(ConfigError(format!(
                        "FIELDBOOK_METRICS_TOKEN must be at least {MIN_METRICS_TOKEN_LEN} characters"
                    )))
                }
                t => t.map(|t| t.trim().to_owned()),
            },
            integration_secret_overlap_secs: num(
                get("FIELDBOOK_INTEGRATION_SECRET_OVERLAP_SECONDS"),
                "FIELDBOOK_INTEGRATION_SECRET_OVERLAP_SECONDS",
                d.integration_secret_overlap_secs,
            )?,
            change_retention_days: match num(
                get("FIELDBOOK_CHANGE_RETENTION_DAYS"),
                "FIELDBOOK_CHANGE_RETENTION_DAYS",
                d.change_retention_days,
            )? {
                // Zero would prune every event at once and send every reader to resync.
                n if n < 1 => return Err(ConfigError("FIELDBOOK_CHANGE_RETENTION_DAYS must be at least 1".into())),
                n => n,
            },
        })
    }
}

impl Config {
    /// The pool's sizing and patience, from this configuration.
    pub fn pool_settings(&self) -> infra::PoolSettings {
        infra::PoolSettings {
            max_connections: self.db_max_connections,
            acquire_timeout: self.db_acquire_timeout,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn db_acquire_timeout_defaults_to_two_seconds_and_refuses_zero() {
        let env = |v: &str| HashMap::from([("FIELDBOOK_DB_ACQUIRE_TIMEOUT_MS".to_owned(), v.to_owned())]);
        let default = Config::from_map(&HashMap::new()).map(|c| c.db_acquire_timeout);
        assert_eq!(default.ok(), Some(std::time::Duration::from_secs(2)));
        let set = Config::from_map(&env("750")).map(|c| c.db_acquire_timeout);
        assert_eq!(set.ok(), Some(std::time::Duration::from_millis(750)));
        assert!(Config::from_map(&env("0")).is_err());
        assert!(Config::from_map(&env("soon")).is_err());
    }

    #[test]
    fn platform_token_is_optional_and_never_short() {
        let env = |v: &str| HashMap::from([("FIELDBOOK_PLATFORM_TOKEN".to_owned(), v.to_owned())]);
        assert_eq!(
            Config::from_map(&HashMap::new()).ok().and_then(|c| c.platform_token),
            None
        );
        assert!(Config::from_map(&env("short-token")).is_err());
        let long = "p".repeat(MIN_PLATFORM_TOKEN_LEN);
        assert_eq!(
            Config::from_map(&env(&long)).ok().and_then(|c| c.platform_token),
            Some(long)
        );
    }
}
