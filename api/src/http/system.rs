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
