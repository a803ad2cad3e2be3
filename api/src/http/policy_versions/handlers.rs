//! Authenticate, parse, one use case, map.

use super::dto::{
    IdPath, InForceQuery, NewPolicyVersion, PolicyVersionDto, PolicyVersionInForceDto, PolicyVersionList,
    PolicyVersionQuery, UpdatePolicyVersion,
};
use crate::app::policy_versions as uc;
use crate::auth::Authenticated;
use crate::http::errors::{ApiError, Problem};
use crate::http::extract::JsonBody;
use crate::http::{audit_ctx, insert_location, with_etag, TAG_AGENT, TAG_BACK_OFFICE, TAG_INTEGRATION, TAG_SUPERVISOR};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use domain::ids::BranchId;

/// Create a policy version (POL-1), company-wide or for one branch, effective from a date.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    request_body = NewPolicyVersion,
    responses(
        (status = 201, description = "Created", body = PolicyVersionDto, headers(("Location" = String, description = "The new resource's URL"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A concurrent version took the number; retry", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameters or a date in the past", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/policy-versions")]
pub async fn create_policy_version(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<NewPolicyVersion>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0.into_domain()?;
    let audit = audit_ctx(&req, &state, &auth.actor);
    let v = uc::create_policy_version(&state.db, &auth.actor, &audit, input, state.clock.now()).await?;
    let mut resp = HttpResponse::Created().json(PolicyVersionDto::from_domain(&v));
    insert_location(&mut resp, &format!("/v1/policy-versions/{}", v.version.id));
    Ok(resp)
}

/// The history of policy versions.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE, TAG_SUPERVISOR, TAG_AGENT, TAG_INTEGRATION],
    params(PolicyVersionQuery),
    responses(
        (status = 200, description = "Every version, oldest first per scope", body = PolicyVersionList),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/policy-versions")]
pub async fn list_policy_versions(
    auth: Authenticated,
    state: web::Data<AppState>,
    q: web::Query<PolicyVersionQuery>,
) -> Result<HttpResponse, ApiError> {
    let branch = q.branch_id.map(BranchId);
    let items = uc::list_policy_versions(&state.db, &auth.actor, branch, state.clock.now()).await?;
    Ok(HttpResponse::Ok().json(PolicyVersionList {
        items: items.iter().map(PolicyVersionDto::from_domain).collect(),
    }))
}

/// Read a policy version.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE, TAG_SUPERVISOR, TAG_AGENT, TAG_INTEGRATION],
    params(IdPath),
    responses(
        (status = 200, description = "The version", body = PolicyVersionDto, headers(("ETag" = String, description = "Strong validator of this representation (for `If-None-Match`)"))),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such version in your company", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/policy-versions/{id}")]
pub async fn get_policy_version(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let v = uc::get_policy_version(&state.db, &auth.actor, path.id, state.clock.now()).await?;
    Ok(with_etag(&req, StatusCode::OK, &PolicyVersionDto::from_domain(&v)))
}

/// Change a version that has not taken effect yet (one in effect is refused: create a new one).
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(IdPath),
    request_body = UpdatePolicyVersion,
    responses(
        (status = 200, description = "Updated", body = PolicyVersionDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such version in your company", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The version has taken effect", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameters", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[patch("/policy-versions/{id}")]
pub async fn update_policy_version(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    body: JsonBody<UpdatePolicyVersion>,
) -> Result<HttpResponse, ApiError> {
    let change = body.0.into_domain()?;
    let audit = audit_ctx(&req, &state, &auth.actor);
    let v = uc::update_policy_version(&state.db, &auth.actor, &audit, path.id, change, state.clock.now()).await?;
    Ok(HttpResponse::Ok().json(PolicyVersionDto::from_domain(&v)))
}

/// The version in force for a branch on a date (the branch's, else the company's, else the
/// rulebook defaults as version 0).
#[utoipa::path(
    tags = [TAG_BACK_OFFICE, TAG_SUPERVISOR, TAG_AGENT, TAG_INTEGRATION],
    params(InForceQuery),
    responses(
        (status = 200, description = "The version in force", body = PolicyVersionInForceDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query or unknown branch", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/policy-versions:in-force")]
pub async fn policy_version_in_force(
    auth: Authenticated,
    state: web::Data<AppState>,
    q: web::Query<InForceQuery>,
) -> Result<HttpResponse, ApiError> {
    let p = uc::policy_version_in_force(&state.db, &auth.actor, BranchId(q.branch_id), q.date).await?;
    Ok(HttpResponse::Ok().json(PolicyVersionInForceDto::from_domain(&p, q.date)))
}
