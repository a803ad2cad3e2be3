//! Per-caller write rate limits, held in the database so the allowance is the caller's, not
//! each instance's. An in-process limiter (e.g. `governor`) would multiply the allowance by
//! the number of instances behind the load balancer, so the counter is one row per caller
//! updated by one atomic statement (GCRA; see `infra::limits`).

use crate::http::errors::ApiError;
use crate::state::AppState;
use actix_web::http::Method;
use domain::errors::ErrorCode;
use domain::ids::CompanyId;
use domain::ports::{LimitsRepo, RateLimit};

/// Reads are not limited; every other method is a write.
fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Takes one write from the caller's allowance, or answers 429 `rate_limited` with
/// `Retry-After`.
pub async fn check_write(
    state: &AppState,
    method: &Method,
    route: &str,
    company: CompanyId,
    subject: uuid::Uuid,
) -> Result<(), ApiError> {
    let rate = state.config.write_rate_per_sec;
    if rate == 0 || !is_write(method) {
        return Ok(());
    }
    let limit = RateLimit {
        interval_us: 1_000_000 / i64::from(rate),
        burst: state.config.write_burst,
    };
    // Rate limits run on the server's own receive time, never the test clock.
    match state.db.take_write(company, subject, limit, chrono::Utc::now()).await? {
        None => Ok(()),
        Some(secs) => {
            tracing::info!(subject = %subject, retry_after = secs, "write rate limit reached");
            crate::metrics::rate_limited(route);
            let mut e = ApiError::coded(
                ErrorCode::RateLimited,
                format!(
                    "this account may make {rate} writes a second (bursts of {}); retry after {secs} seconds",
                    state.config.write_burst
                ),
            );
            e.retry_after = Some(secs);
            Err(e)
        }
    }
}
