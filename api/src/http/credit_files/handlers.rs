//! Credit-file handlers: authenticate, parse, one use case, map.

use super::dto::{CommendationDto, CreditFile, IdPath, NewCommendation};
use crate::app::quality as uc;
use crate::auth::Authenticated;
use crate::http::errors::{ApiError, Problem};
use crate::http::extract::JsonBody;
use crate::http::{audit_ctx, TAG_AGENT, TAG_BACK_OFFICE, TAG_SUPERVISOR};
use crate::state::AppState;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use domain::ids::UserId;

/// An agent's credit file (QLT-7).
#[utoipa::path(
    tags = [TAG_BACK_OFFICE, TAG_AGENT, TAG_SUPERVISOR],
    params(IdPath),
    responses(
        (status = 200, description = "The credit file", body = CreditFile),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot read quality records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agent within your reach", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/agents/{id}/credit-file")]
pub async fn credit_file(
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let (file, days) = uc::credit_file(&state.db, &auth.actor, UserId(path.id), state.clock.now()).await?;
    Ok(HttpResponse::Ok().json(CreditFile::from_domain(file, days, &auth.actor)))
}

/// Record a commendation in an agent's credit file (QLT-7).
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(IdPath),
    request_body = NewCommendation,
    responses(
        (status = 201, description = "Recorded", body = CommendationDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the quality office, HR or an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agent", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid text", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/agents/{id}/commendations")]
pub async fn commend(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    body: JsonBody<NewCommendation>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let now = state.clock.now();
    let c = uc::commend(&state.db, &auth.actor, &audit, UserId(path.id), body.0.text, now).await?;
    Ok(HttpResponse::Created().json(CommendationDto::from(&c)))
}
