//! The callback center (COM-3..COM-6), the agent's contact confirmation and notifications.

use super::dto::{
    CallbackQueue, ContactUpdate, EarlyCallback, Exemption, NewCallback, NotificationList, QualityResolution,
};
use crate::app::callbacks as uc;
use crate::auth::Authenticated;
use crate::http::errors::{ApiError, Problem};
use crate::http::extract::{JsonBody, OptionalJson};
use crate::http::insurance_policies::dto::InsurancePolicyDto;
use crate::http::{audit_ctx, IdPath, TAG_AGENT, TAG_BACK_OFFICE};
use crate::state::AppState;
use actix_web::{get, post, web, HttpRequest, HttpResponse};

fn insurance_policy_ok(v: &domain::commission::InsurancePolicyView) -> HttpResponse {
    HttpResponse::Ok().json(InsurancePolicyDto::from_domain(v))
}

/// Record a callback attempt (COM-3, COM-4). Refused outside 09:00–21:00 local, within six
/// hours of an unsuccessful call, or when no round is open.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(IdPath),
    request_body = NewCallback,
    responses(
        (status = 200, description = "Recorded; the policy with its new hold state", body = InsurancePolicyDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the callback center", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such policy", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Outside calling hours, too soon after an unsuccessful call, or no round open", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/policies/{id}/callbacks")]
pub async fn record_callback(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    body: JsonBody<NewCallback>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let call = body.0.into_domain();
    let v = uc::record_callback(&state.db, &auth.actor, &audit, path.id, call, state.clock.now()).await?;
    Ok(insurance_policy_ok(&v))
}

/// The agent confirms or updates the client's contact details after a failed first round
/// (COM-3.3); the second round opens.
#[utoipa::path(
    tags = [TAG_AGENT],
    params(IdPath),
    request_body = ContactUpdate,
    responses(
        (status = 200, description = "The second round is open", body = InsurancePolicyDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only agents", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not your policy", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No failed first round awaiting contact", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid phone", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/policies/{id}/contact")]
pub async fn confirm_contact(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    body: OptionalJson<ContactUpdate>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let phone = body.0.into_domain()?;
    let v = uc::confirm_contact(&state.db, &auth.actor, &audit, path.id, phone, state.clock.now()).await?;
    Ok(insurance_policy_ok(&v))
}

/// COM-6: a signed confirmation plus a special-callback request satisfies the callback condition.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(IdPath),
    request_body = Exemption,
    responses(
        (status = 200, description = "Exempted", body = InsurancePolicyDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the callback center", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such policy", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The callback is already decided", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/policies/{id}/callback-exemption")]
pub async fn exempt(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    body: JsonBody<Exemption>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let Exemption {
        signed_confirmation,
        reason,
    } = body.0;
    let now = state.clock.now();
    let v = uc::exempt(
        &state.db,
        &auth.actor,
        &audit,
        path.id,
        signed_confirmation,
        reason,
        now,
    )
    .await?;
    Ok(insurance_policy_ok(&v))
}

/// COM-6: an early callback (e.g. the client is leaving the country): the first round opens now.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(IdPath),
    request_body = EarlyCallback,
    responses(
        (status = 200, description = "The first round is open", body = InsurancePolicyDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the callback center", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such policy", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not in the first round", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/policies/{id}/early-callback")]
pub async fn early_callback(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    body: JsonBody<EarlyCallback>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let now = state.clock.now();
    let v = uc::request_early_callback(&state.db, &auth.actor, &audit, path.id, body.0.reason, now).await?;
    Ok(insurance_policy_ok(&v))
}

/// COM-3.6: the quality office resolves a quality hold.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(IdPath),
    request_body = QualityResolution,
    responses(
        (status = 200, description = "Resolved", body = InsurancePolicyDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the quality office", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such policy", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not on a quality hold", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/policies/{id}/quality-resolution")]
pub async fn resolve_quality(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    body: JsonBody<QualityResolution>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let QualityResolution { release, reason } = body.0;
    let now = state.clock.now();
    let v = uc::resolve_quality_hold(&state.db, &auth.actor, &audit, path.id, release, reason, now).await?;
    Ok(insurance_policy_ok(&v))
}

/// The calls due now for the caller's company (COM-3.1: rounds open, 6-hour spacing, and
/// within calling hours in each policy's branch zone).
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    responses(
        (status = 200, description = "Calls due now, longest waiting first", body = CallbackQueue),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the callback center", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/callbacks/queue")]
pub async fn callback_queue(auth: Authenticated, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let q = uc::callback_queue(&state.db, &auth.actor, state.clock.now()).await?;
    Ok(HttpResponse::Ok().json(CallbackQueue::from_domain(q)))
}

/// The caller's notifications, newest first, for any role (e.g. a failed first callback round,
/// COM-3.3; a CE reminder or a licence lapse, LIC-3, to the agent and their supervisor).
#[utoipa::path(
    tags = [TAG_AGENT],
    responses(
        (status = 200, description = "Notifications", body = NotificationList),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/agents/me/notifications")]
pub async fn my_notifications(auth: Authenticated, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let items = uc::my_notifications(&state.db, &auth.actor).await?;
    Ok(HttpResponse::Ok().json(NotificationList::from_domain(items)))
}
