//! Leave and calendar handlers: authenticate, parse, call one use case of `app::leave`, map.

use super::dto::{AgentPath, CalendarMonth, LeaveDecision, LeaveDto, LeavePage, LeavePath, MonthQuery, NewLeave};
use crate::app::leave as uc;
use crate::auth::Authenticated;
use crate::http::errors::{ApiError, Problem};
use crate::http::extract::{JsonBody, OptionalJson};
use crate::http::{audit_ctx, next_cursor, PageParams, TAG_AGENT, TAG_BACK_OFFICE, TAG_SUPERVISOR};
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use domain::diary::LeaveDecision as Decision;
use domain::ids::UserId;

/// An agent's working calendar for a month (TIME-2): working, rest, holiday or leave.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE],
    params(AgentPath, MonthQuery),
    responses(
        (status = 200, description = "The month", body = CalendarMonth),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot read calendars", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agent within your reach", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid month", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/agents/{id}/calendar")]
pub async fn agent_calendar(
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<AgentPath>,
    q: web::Query<MonthQuery>,
) -> Result<HttpResponse, ApiError> {
    let month = q.into_domain()?;
    let cal = uc::agent_calendar(&state.db, &auth.actor, UserId(path.id), month).await?;
    Ok(HttpResponse::Ok().json(CalendarMonth::from_domain(cal)))
}

/// Request leave for a span of dates (agents, for themselves).
#[utoipa::path(
    tags = [TAG_AGENT],
    request_body = NewLeave,
    responses(
        (status = 201, description = "Requested", body = LeaveDto),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only agents request leave", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid dates or reason", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/leave-requests")]
pub async fn request_leave(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<NewLeave>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let leave = uc::request_leave(&state.db, &auth.actor, &audit, body.0.into_domain(), audit.at).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/v1/leave-requests/{}", leave.id)))
        .json(LeaveDto::from(&leave)))
}

/// List leave requests within the caller's reach.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE],
    params(PageParams),
    responses(
        (status = 200, description = "A page of leave requests", body = LeavePage),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot read leave", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/leave-requests")]
pub async fn list_leave(
    auth: Authenticated,
    state: web::Data<AppState>,
    q: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let page = q.page_request()?;
    let rows = uc::list_leave(&state.db, &auth.actor, page).await?;
    Ok(HttpResponse::Ok().json(LeavePage {
        next_cursor: next_cursor(&rows, page.limit, |l| l.id),
        items: rows.iter().map(LeaveDto::from).collect(),
    }))
}

/// Decides one request and maps the result.
async fn decide(
    req: &HttpRequest,
    auth: &Authenticated,
    state: &AppState,
    path: &LeavePath,
    decision: Decision,
    comment: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(req, state, &auth.actor);
    let after = uc::decide_leave(&state.db, &auth.actor, &audit, path.id, decision, comment, audit.at).await?;
    Ok(HttpResponse::Ok().json(LeaveDto::from(&after)))
}

/// Approve a leave request (the agent's supervisor, or an admin): those days carry no duty.
#[utoipa::path(
    tags = [TAG_SUPERVISOR],
    params(LeavePath),
    request_body = LeaveDecision,
    responses(
        (status = 200, description = "Approved", body = LeaveDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only supervisors and admins decide leave", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not within your reach", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/leave-requests/{id}/approve")]
pub async fn approve_leave(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<LeavePath>,
    body: OptionalJson<LeaveDecision>,
) -> Result<HttpResponse, ApiError> {
    decide(&req, &auth, &state, &path, Decision::Approve, body.0.comment).await
}

/// Reject a leave request.
#[utoipa::path(
    tags = [TAG_SUPERVISOR],
    params(LeavePath),
    request_body = LeaveDecision,
    responses(
        (status = 200, description = "Rejected", body = LeaveDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only supervisors and admins decide leave", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not within your reach", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/leave-requests/{id}/reject")]
pub async fn reject_leave(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<LeavePath>,
    body: OptionalJson<LeaveDecision>,
) -> Result<HttpResponse, ApiError> {
    decide(&req, &auth, &state, &path, Decision::Reject, body.0.comment).await
}
