//! Violation handlers: authenticate, parse, one use case, map.

use super::dto::{
    AppealDecision, ConfirmRequest, IdPath, NewViolation, ReasonRequest, ViolationDto, ViolationList, ViolationQuery,
};
use crate::app::violations as uc;
use crate::auth::Authenticated;
use crate::http::errors::{ApiError, Problem};
use crate::http::extract::{JsonBody, OptionalJson};
use crate::http::{audit_ctx, with_etag, TAG_AGENT, TAG_BACK_OFFICE, TAG_SUPERVISOR};
use crate::state::AppState;
use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use domain::access::Function;

/// Report a violation (QLT-2). Any agent may report another agent as a whistleblower.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE, TAG_AGENT],
    request_body = NewViolation,
    responses(
        (status = 201, description = "Reported (pending until the quality office decides)", body = ViolationDto),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller does not staff this post, or the post may not report this code", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (unknown code or agent, self-report, future date)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/quality/violations")]
pub async fn report_violation(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<NewViolation>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let report = body.0.into_domain();
    let view = uc::report_violation(&state.db, &auth.actor, &audit, report, state.clock.now()).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/v1/quality/violations/{}", view.violation.id),
        ))
        .json(ViolationDto::from_view(&view)))
}

/// Read a violation report.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE, TAG_AGENT, TAG_SUPERVISOR],
    params(IdPath),
    responses(
        (status = 200, description = "The report", body = ViolationDto, headers(("ETag" = String, description = "Strong validator of this representation (for `If-None-Match`)"))),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot read quality records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such report within your reach", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/quality/violations/{id}")]
pub async fn get_violation(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let view = uc::get_violation(&state.db, &auth.actor, path.id, state.clock.now()).await?;
    Ok(with_etag(&req, StatusCode::OK, &ViolationDto::from_view(&view)))
}

/// List violation reports within the caller's reach.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE, TAG_AGENT, TAG_SUPERVISOR],
    params(ViolationQuery),
    responses(
        (status = 200, description = "Reports", body = ViolationList),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot read quality records", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/quality/violations")]
pub async fn list_violations(
    auth: Authenticated,
    state: web::Data<AppState>,
    q: web::Query<ViolationQuery>,
) -> Result<HttpResponse, ApiError> {
    // A role that may not read is refused before its query is judged.
    auth.actor.require(Function::ReadQuality)?;
    let (agent, status) = q.into_domain()?;
    let views = uc::list_violations(&state.db, &auth.actor, agent, status, state.clock.now()).await?;
    let items = views.iter().map(ViolationDto::from_view).collect();
    Ok(HttpResponse::Ok().json(ViolationList { items }))
}

/// Confirm a pending report, fixing its points within the code's rule (the quality office).
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(IdPath),
    request_body = ConfirmRequest,
    responses(
        (status = 200, description = "Confirmed", body = ViolationDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the quality office", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such report", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not pending", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Points missing or outside the code's rule", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/quality/violations/{id}/confirm")]
pub async fn confirm_violation(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    body: OptionalJson<ConfirmRequest>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let ConfirmRequest { half_points, reason } = body.0;
    let now = state.clock.now();
    let view = uc::confirm_violation(&state.db, &auth.actor, &audit, path.id, half_points, reason, now).await?;
    Ok(HttpResponse::Ok().json(ViolationDto::from_view(&view)))
}

/// Dismiss a pending report, with a reason.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(IdPath),
    request_body = ReasonRequest,
    responses(
        (status = 200, description = "Dismissed", body = ViolationDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the quality office", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such report", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not pending", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/quality/violations/{id}/dismiss")]
pub async fn dismiss_violation(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    body: JsonBody<ReasonRequest>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let now = state.clock.now();
    let view = uc::dismiss_violation(&state.db, &auth.actor, &audit, path.id, body.0.reason, now).await?;
    Ok(HttpResponse::Ok().json(ViolationDto::from_view(&view)))
}

/// Appeal one's own confirmed violation within the appeal window (QLT-3, default 7 days).
#[utoipa::path(
    tags = [TAG_AGENT],
    params(IdPath),
    request_body = ReasonRequest,
    responses(
        (status = 200, description = "Appealed", body = ViolationDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only agents appeal", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not your confirmed violation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already appealed, or the window has closed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/quality/violations/{id}/appeal")]
pub async fn appeal_violation(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    body: JsonBody<ReasonRequest>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let now = state.clock.now();
    let view = uc::appeal_violation(&state.db, &auth.actor, &audit, path.id, body.0.reason, now).await?;
    Ok(HttpResponse::Ok().json(ViolationDto::from_view(&view)))
}

/// The committee's decision on an appeal: uphold, reduce or overturn (each a new record).
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(IdPath),
    request_body = AppealDecision,
    responses(
        (status = 200, description = "Decided", body = ViolationDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the quality office", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such report", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No pending appeal", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid reduced points", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/quality/violations/{id}/appeal-decision")]
pub async fn decide_appeal(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    body: JsonBody<AppealDecision>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let (decision, reason) = body.0.into_domain();
    let now = state.clock.now();
    let view = uc::decide_appeal(&state.db, &auth.actor, &audit, path.id, decision, reason, now).await?;
    Ok(HttpResponse::Ok().json(ViolationDto::from_view(&view)))
}
