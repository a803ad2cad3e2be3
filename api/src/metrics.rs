//! Prometheus metrics through the `metrics` facade. The recorder is installed once per process
//! when `FIELDBOOK_METRICS_TOKEN` is set (the facade is process-wide by design); until then every
//! recording below is a no-op. `GET /metrics` renders it for callers presenting the token.
//!
//! | metric | kind | labels |
//! |---|---|---|
//! | `fieldbook_http_requests_total` | counter | `method`, `route` (template), `status` |
//! | `fieldbook_http_request_duration_seconds` | histogram | `method`, `route`, `status` |
//! | `fieldbook_db_pool_connections` | gauge | `state` = `max` / `open` / `in_use` / `idle` |
//! | `fieldbook_db_pool_acquire_seconds` | gauge | time to take a pooled connection at the last scrape |
//! | `fieldbook_job_runs_total` | counter | `job`, `outcome` (`succeeded` / `refused` / `failed`) |
//! | `fieldbook_job_duration_seconds` | histogram | `job`, `outcome` |
//! | `fieldbook_job_items_total` | counter | `job`, `item` (e.g. `penalties`, `statements`) |
//! | `fieldbook_login_throttled_total` | counter | — |
//! | `fieldbook_rate_limited_total` | counter | `route` |
//! | `fieldbook_build_info` | gauge (1) | `version`, `engine` |

use crate::app::error::AppError;
use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

static RECORDER: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Request latencies: 5 ms to 10 s.
const HTTP_BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
/// Job durations: 10 ms to 10 min.
const JOB_BUCKETS: &[f64] = &[0.01, 0.1, 0.5, 1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0];

/// Installs the process's recorder (once; later calls return the same handle). `None` when
/// another recorder was installed first, which is logged.
pub fn install() -> Option<&'static PrometheusHandle> {
    RECORDER
        .get_or_init(|| {
            let built = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("fieldbook_http_request_duration_seconds".into()),
                    HTTP_BUCKETS,
                )
                .and_then(|b| {
                    b.set_buckets_for_metric(Matcher::Full("fieldbook_job_duration_seconds".into()), JOB_BUCKETS)
                })
                .and_then(|b| b.install_recorder());
            match built {
                Ok(handle) => {
                    describe();
                    // Present from the first scrape, so rate() over it works before any refusal.
                    counter!("fieldbook_login_throttled_total").increment(0);
                    // The recorder keeps histogram samples until upkeep folds them in.
                    let upkeep = handle.clone();
                    let _ = std::thread::Builder::new()
                        .name("metrics-upkeep".into())
                        .spawn(move || loop {
                            std::thread::sleep(Duration::from_secs(5));
                            upkeep.run_upkeep();
                        });
                    Some(handle)
                }
                Err(e) => {
                    tracing::error!(error = %e, "metrics recorder not installed; /metrics will be empty");
                    None
                }
            }
        })
        .as_ref()
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(
        "fieldbook_http_requests_total",
        "HTTP requests by route template, method and status"
    );
    describe_histogram!(
        "fieldbook_http_request_duration_seconds",
        Unit::Seconds,
        "HTTP request latency by route template, method and status"
    );
    describe_gauge!("fieldbook_db_pool_connections", "Database pool connections by state");
    describe_gauge!(
        "fieldbook_db_pool_acquire_seconds",
        Unit::Seconds,
        "Time to take a pooled connection, measured at the last scrape"
    );
    describe_counter!("fieldbook_job_runs_total", "Job runs by job and outcome");
    describe_histogram!(
        "fieldbook_job_duration_seconds",
        Unit::Seconds,
        "Job run duration by job and outcome"
    );
    describe_counter!("fieldbook_job_items_total", "Items jobs wrote, by job and kind of item");
    describe_counter!(
        "fieldbook_login_throttled_total",
        "Logins refused by the failed-attempt throttle (429)"
    );
    describe_counter!(
        "fieldbook_rate_limited_total",
        "Requests refused by a rate limit, by route"
    );
    describe_gauge!("fieldbook_build_info", "Always 1; the labels say what is running");
}

/// The route label: the matched template (`/v1/users/{id}`), never the raw path, so ids do
/// not multiply the series.
pub fn route_label(pattern: Option<String>) -> String {
    pattern.unwrap_or_else(|| "unmatched".to_owned())
}

/// One answered HTTP request.
pub fn request(method: &str, route: &str, status: u16, elapsed: Duration) {
    let labels = [
        ("method", method.to_owned()),
        ("route", route.to_owned()),
        ("status", status.to_string()),
    ];
    counter!("fieldbook_http_requests_total", &labels).increment(1);
    histogram!("fieldbook_http_request_duration_seconds", &labels).record(elapsed.as_secs_f64());
}

/// A request refused by a rate limit on `route` (its template, e.g. `/v1/activities:batch`).
/// For rate limiters to call when they answer 429.
pub fn rate_limited(route: &str) {
    counter!("fieldbook_rate_limited_total", "route" => route.to_owned()).increment(1);
}

/// A login refused by the failed-attempt throttle.
pub fn login_throttled() {
    counter!("fieldbook_login_throttled_total").increment(1);
}

/// How a job run ended: done, refused by a rule or the caller's input (e.g. a day not yet
/// closable), or failed on our side (storage).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobOutcome {
    Succeeded,
    Refused,
    Failed,
}

impl JobOutcome {
    pub fn of<T>(r: &Result<T, AppError>) -> JobOutcome {
        match r {
            Ok(_) => JobOutcome::Succeeded,
            Err(AppError::Repo(_) | AppError::Internal(_) | AppError::RetryLater(..)) => JobOutcome::Failed,
            Err(_) => JobOutcome::Refused,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            JobOutcome::Succeeded => "succeeded",
            JobOutcome::Refused => "refused",
            JobOutcome::Failed => "failed",
        }
    }
}

/// One job run that started at `started`, with what it wrote.
pub fn job(job: &'static str, started: Instant, outcome: JobOutcome, items: &[(&'static str, u64)]) {
    let labels = [("job", job), ("outcome", outcome.as_str())];
    counter!("fieldbook_job_runs_total", &labels).increment(1);
    histogram!("fieldbook_job_duration_seconds", &labels).record(started.elapsed().as_secs_f64());
    for (item, n) in items {
        counter!("fieldbook_job_items_total", "job" => job, "item" => *item).increment(*n);
    }
}

/// A job run's result: its outcome, duration and, on success, the items it wrote.
pub fn job_done<T>(
    name: &'static str,
    started: Instant,
    r: &Result<T, AppError>,
    items: impl FnOnce(&T) -> Vec<(&'static str, u64)>,
) {
    let written = r.as_ref().map(items).unwrap_or_default();
    job(name, started, JobOutcome::of(r), &written);
}

/// The exposition text: pool gauges and build info refreshed from `db`, then everything
/// recorded so far.
pub async fn render(handle: &PrometheusHandle, db: &infra::Db) -> String {
    let pool = db.pool_status();
    for (state, n) in [
        ("max", pool.max),
        ("open", pool.open),
        ("in_use", pool.open.saturating_sub(pool.idle)),
        ("idle", pool.idle),
    ] {
        gauge!("fieldbook_db_pool_connections", "state" => state).set(f64::from(n));
    }
    let started = Instant::now();
    if tokio::time::timeout(Duration::from_secs(1), db.acquire_probe())
        .await
        .unwrap_or(false)
    {
        gauge!("fieldbook_db_pool_acquire_seconds").set(started.elapsed().as_secs_f64());
    }
    let engine = match db.engine() {
        infra::Engine::Sqlite => "sqlite",
        infra::Engine::Postgres => "postgres",
    };
    gauge!("fieldbook_build_info", "version" => env!("CARGO_PKG_VERSION"), "engine" => engine).set(1.0);
    handle.run_upkeep();
    handle.render()
}
