//! Authenticate, parse, one use case, map.

use super::dto::{ComplianceResponse, Dashboard, DashboardQuery, IdPath, MonthQuery};
use crate::app::{compliance as compliance_uc, dashboard as dashboard_uc};
use crate::auth::Authenticated;
use crate::http::errors::{ApiError, Problem};
use crate::http::{TAG_AGENT, TAG_BACK_OFFICE, TAG_SUPERVISOR};
use crate::state::AppState;
use actix_web::{get, web, HttpResponse};
use domain::ids::{TeamId, UserId};

/// An agent's compliance for a month: one row per day (each requirement met or short by N)
/// and the monthly requirements.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE],
    params(IdPath, MonthQuery),
    responses(
        (status = 200, description = "The month", body = ComplianceResponse),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot read ledgers", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agent within your reach", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad month", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/agents/{id}/compliance")]
pub async fn compliance(
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    q: web::Query<MonthQuery>,
) -> Result<HttpResponse, ApiError> {
    let month = q.into_domain()?;
    let c = compliance_uc::agent_compliance(&state.db, &auth.actor, UserId(path.id), month, state.clock.now()).await?;
    Ok(HttpResponse::Ok().json(ComplianceResponse::from_domain(&c)))
}

/// The supervisor app's team view (SUP-3): each agent's progress today, diaries awaiting
/// review with their deadlines, and month-to-date penalties.
#[utoipa::path(
    tags = [TAG_SUPERVISOR],
    params(IdPath, DashboardQuery),
    responses(
        (status = 200, description = "The dashboard", body = Dashboard),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only supervisors and admins", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not one of your teams", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/teams/{id}/dashboard")]
pub async fn dashboard(
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    q: web::Query<DashboardQuery>,
) -> Result<HttpResponse, ApiError> {
    let d = dashboard_uc::team_dashboard(&state.db, &auth.actor, TeamId(path.id), q.date, state.clock.now()).await?;
    Ok(HttpResponse::Ok().json(Dashboard::from_domain(&d)))
}
