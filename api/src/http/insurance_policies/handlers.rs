//! Insurance policy records (COM-1): create, read, list, and the receipt's return (COM-7).

use super::dto::{InsurancePolicyDto, InsurancePolicyPage, NewInsurancePolicy, ReceiptReturn};
use crate::app::insurance_policies as uc;
use crate::auth::Authenticated;
use crate::http::errors::{ApiError, Problem};
use crate::http::extract::JsonBody;
use crate::http::{
    audit_ctx, next_cursor, with_etag, IdPath, PageParams, TAG_AGENT, TAG_BACK_OFFICE, TAG_INTEGRATION, TAG_SUPERVISOR,
};
use crate::state::AppState;
use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse};

/// Create a policy record (COM-1). The selling agent must be licensed (neither unlicensed nor
/// lapsed) on the day it is recorded, in their branch's zone (LIC-1, LIC-3).
#[utoipa::path(
    tags = [TAG_BACK_OFFICE, TAG_INTEGRATION],
    request_body = NewInsurancePolicy,
    responses(
        (status = 201, description = "Created", body = InsurancePolicyDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin or integration", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, unknown agent or client, a duplicate number, or a selling agent who is unlicensed or lapsed (`agent_not_licensed`, LIC-1)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/policies")]
pub async fn create_insurance_policy(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<NewInsurancePolicy>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let draft = body.0.into_domain();
    let v = uc::create_insurance_policy(&state.db, &auth.actor, &audit, draft, state.clock.now()).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/v1/policies/{}", v.policy.id)))
        .json(InsurancePolicyDto::from_domain(&v)))
}

/// Read a policy with its hold state and history.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE, TAG_INTEGRATION],
    params(IdPath),
    responses(
        (status = 200, description = "The policy", body = InsurancePolicyDto, headers(("ETag" = String, description = "Strong validator of this representation (for `If-None-Match`)"))),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such policy within your reach", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/policies/{id}")]
pub async fn get_insurance_policy(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let v = uc::get_insurance_policy(&state.db, &auth.actor, path.id, state.clock.now()).await?;
    Ok(with_etag(&req, StatusCode::OK, &InsurancePolicyDto::from_domain(&v)))
}

/// List policies within the caller's reach.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE, TAG_INTEGRATION],
    params(PageParams),
    responses(
        (status = 200, description = "A page of policies", body = InsurancePolicyPage),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/policies")]
pub async fn list_insurance_policies(
    auth: Authenticated,
    state: web::Data<AppState>,
    q: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let page = q.page_request()?;
    let views = uc::list_insurance_policies(&state.db, &auth.actor, page, state.clock.now()).await?;
    Ok(HttpResponse::Ok().json(InsurancePolicyPage {
        next_cursor: next_cursor(&views, page.limit, |v| v.policy.id),
        items: views.iter().map(InsurancePolicyDto::from_domain).collect(),
    }))
}

/// COM-7: record the date the policy receipt came back.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE, TAG_INTEGRATION],
    params(IdPath),
    request_body = ReceiptReturn,
    responses(
        (status = 200, description = "Recorded", body = InsurancePolicyDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin or integration", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such policy", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already recorded", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A date before printing or in the future", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/policies/{id}/receipt")]
pub async fn record_receipt(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    body: JsonBody<ReceiptReturn>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let now = state.clock.now();
    let v = uc::record_receipt(&state.db, &auth.actor, &audit, path.id, body.returned_on, now).await?;
    Ok(HttpResponse::Ok().json(InsurancePolicyDto::from_domain(&v)))
}
