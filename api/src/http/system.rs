//! Liveness and readiness probes.

use crate::http::errors::{ApiError, Problem};
use crate::state::AppState;
use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
}

/// Liveness: the process is up.
#[utoipa::path(
    tags = ["operations"],
    responses((status = 200, description = "Up", body = Health)),
    security(())
)]
#[get("/health")]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok".into() })
}

/// Readiness: the database answers.
#[utoipa::path(
    tags = ["operations"],
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "Database unreachable", body = Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[get("/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    // Probes have short deadlines of their own: answer "not ready" in time rather than
    // waiting out the pool's acquire timeout.
    match tokio::time::timeout(READY_TIMEOUT, state.db.ping()).await {
        Ok(Ok(())) => Ok(HttpResponse::Ok().json(Health { status: "ready".into() })),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check failed");
            Err(ApiError::database_unavailable())
        }
        Err(_) => {
            tracing::warn!(
                timeout_ms = READY_TIMEOUT.as_millis() as u64,
                "readiness check timed out"
            );
            Err(ApiError::database_unavailable())
        }
    }
}

/// `/ready` answers within this long whatever the database does.
const READY_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(800);

/// Prometheus metrics (`text/plain; version=0.0.4`), for callers presenting
/// `FIELDBOOK_METRICS_TOKEN` as a bearer token; 404 when that is not set. Not part of the JSON
/// contract (an operator endpoint in Prometheus' own format).
pub async fn metrics(req: actix_web::HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    use sha2::{Digest, Sha256};
    let Some(expected) = state.config.metrics_token.as_deref() else {
        return Err(ApiError::not_found("resource"));
    };
    let presented = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
        .map(str::trim)
        .ok_or_else(|| ApiError::unauthorized("the metrics token is required as a bearer token"))?;
    // Digests compared, so the comparison's timing does not follow the secret's bytes.
    if Sha256::digest(presented.as_bytes()) != Sha256::digest(expected.as_bytes()) {
        return Err(ApiError::unauthorized(
            "the metrics token is required as a bearer token",
        ));
    }
    let handle = crate::metrics::install().ok_or_else(ApiError::internal)?;
    let body = crate::metrics::render(handle, &state.db).await;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(body))
}
