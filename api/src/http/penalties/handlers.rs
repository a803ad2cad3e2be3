//! Authenticate, parse, one use case, map.

use super::dto::{
    AllocateLeads, AllocationReport, CloseDay, CloseMonth, CloseReport, IdPath, LeadsResponse, MonthReport,
    PenaltyDetail, PenaltyDto, PenaltyPage, PenaltyQuery, WaiveRequest,
};
use crate::app::{close_day as day_uc, close_month as month_uc, leads as leads_uc, penalties as uc};
use crate::auth::Authenticated;
use crate::http::errors::{ApiError, Problem};
use crate::http::extract::JsonBody;
use crate::http::{
    audit_ctx, insert_location, next_cursor, with_etag, PageParams, TAG_AGENT, TAG_BACK_OFFICE, TAG_INTEGRATION,
    TAG_SUPERVISOR,
};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use domain::ids::{BranchId, UserId};

/// Close a branch's business day now, with the same effect as the background job: every
/// agent and supervisor evaluated, penalties and lead deductions written once.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    request_body = CloseDay,
    responses(
        (status = 200, description = "Closed (repeating it changes nothing)", body = CloseReport),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A deadline affecting the day has not passed yet", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown branch", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/admin/jobs/close-day")]
pub async fn close_day(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<CloseDay>,
) -> Result<HttpResponse, ApiError> {
    let branch = BranchId(body.branch_id);
    let audit = audit_ctx(&req, &state, &auth.actor);
    let r = day_uc::close_day(&state.db, &auth.actor, branch, body.date, &audit).await?;
    Ok(HttpResponse::Ok().json(CloseReport::from_domain(&r)))
}

/// Close a month: its days, its monthly compliance, and any monthly penalties the policy attaches.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    request_body = CloseMonth,
    responses(
        (status = 200, description = "Closed (repeating it changes nothing)", body = MonthReport),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The month's last day cannot be closed yet", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown branch or bad month", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/admin/jobs/close-month")]
pub async fn close_month(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<CloseMonth>,
) -> Result<HttpResponse, ApiError> {
    let (branch, month) = body.into_domain()?;
    let audit = audit_ctx(&req, &state, &auth.actor);
    let r = month_uc::close_month_now(&state.db, &auth.actor, branch, month, &audit).await?;
    Ok(HttpResponse::Ok().json(MonthReport::from_domain(&r)))
}

/// Allocate a quarter's client leads (LEAD-1, LEAD-2) to every active agent. Idempotent.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    request_body = AllocateLeads,
    responses(
        (status = 200, description = "Allocated (repeating it changes nothing)", body = AllocationReport),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The quarter has not started", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad quarter", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/admin/jobs/allocate-leads")]
pub async fn allocate_leads(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<AllocateLeads>,
) -> Result<HttpResponse, ApiError> {
    let quarter = body.into_domain()?;
    let audit = audit_ctx(&req, &state, &auth.actor);
    let r = leads_uc::allocate_quarter(&state.db, &auth.actor, quarter, &audit).await?;
    Ok(HttpResponse::Ok().json(AllocationReport::from_domain(&r)))
}

/// The penalty ledger within the caller's reach.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE, TAG_INTEGRATION],
    params(PenaltyQuery),
    responses(
        (status = 200, description = "A page of entries", body = PenaltyPage),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot read ledgers", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/penalties")]
pub async fn list_penalties(
    auth: Authenticated,
    state: web::Data<AppState>,
    q: web::Query<PenaltyQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor.clone(),
    }
    .page_request()?;
    let rows = uc::list_penalties(&state.db, &auth.actor, q.filter(), page).await?;
    Ok(HttpResponse::Ok().json(PenaltyPage {
        next_cursor: next_cursor(&rows, page.limit, |e| e.id),
        items: rows.iter().map(PenaltyDto::from).collect(),
    }))
}

/// One ledger entry with its explanation and every related entry.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE, TAG_INTEGRATION],
    params(IdPath),
    responses(
        (status = 200, description = "The entry", body = PenaltyDetail, headers(("ETag" = String, description = "Strong validator of this representation (for `If-None-Match`)"))),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot read ledgers", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such entry within your reach", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/penalties/{id}")]
pub async fn get_penalty(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let d = uc::get_penalty(&state.db, &auth.actor, path.id).await?;
    Ok(with_etag(&req, StatusCode::OK, &PenaltyDetail::from_domain(&d)))
}

/// Waive a penalty (PEN-3): a new entry cancelling it, with the reason; the original stays.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(IdPath),
    request_body = WaiveRequest,
    responses(
        (status = 201, description = "Waived", body = PenaltyDetail, headers(("Location" = String, description = "The new resource's URL"))),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only admins and HR waive", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such entry within your reach", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already waived, or a waiver itself", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/penalties/{id}/waive")]
pub async fn waive_penalty(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    body: JsonBody<WaiveRequest>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let d = uc::waive_penalty(&state.db, &auth.actor, &audit, path.id, &body.reason, state.clock.now()).await?;
    let mut resp = HttpResponse::Created().json(PenaltyDetail::from_domain(&d));
    insert_location(&mut resp, &format!("/v1/penalties/{}", d.entry.id));
    Ok(resp)
}

/// An agent's client-lead balance and movements.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE],
    params(IdPath),
    responses(
        (status = 200, description = "Balance and movements", body = LeadsResponse),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot read ledgers", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agent within your reach", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/agents/{id}/leads")]
pub async fn leads(
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let l = leads_uc::agent_leads(&state.db, &auth.actor, UserId(path.id), state.clock.now()).await?;
    Ok(HttpResponse::Ok().json(LeadsResponse::from_domain(&l)))
}
