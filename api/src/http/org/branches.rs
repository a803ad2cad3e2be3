//! Branches (TIME-1..3 settings).

use super::dto::*;
use crate::app::org;
use crate::auth::Authenticated;
use crate::http::errors::{ApiError, Problem};
use crate::http::extract::JsonBody;
use crate::http::{
    audit_ctx, insert_location, next_cursor, with_etag, IdPath, PageParams, TAG_BACK_OFFICE, TAG_INTEGRATION,
    TAG_SUPERVISOR,
};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use domain::ids::BranchId;

/// Create a branch.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    request_body = CreateBranch,
    responses(
        (status = 201, description = "Created", body = BranchDto, headers(("ETag" = String, description = "Strong validator of this representation (for `If-None-Match`)"), ("Location" = String, description = "The branch's URL"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/branches")]
pub async fn create_branch(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<CreateBranch>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let branch = org::create_branch(&state.db, &audit, &auth.actor, body.0.into_domain()).await?;
    let mut resp = with_etag(&req, StatusCode::CREATED, &BranchDto::from(&branch));
    insert_location(&mut resp, &format!("/v1/branches/{}", branch.id));
    Ok(resp)
}

/// List the company's branches.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE, TAG_SUPERVISOR, TAG_INTEGRATION],
    params(PageParams),
    responses(
        (status = 200, description = "A page of branches", body = BranchPage),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/branches")]
pub async fn list_branches(
    auth: Authenticated,
    state: web::Data<AppState>,
    q: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let page = q.page_request()?;
    let rows = org::list_branches(&state.db, &auth.actor, page).await?;
    Ok(HttpResponse::Ok().json(BranchPage {
        next_cursor: next_cursor(&rows, page.limit, |b| b.id.0),
        items: rows.iter().map(BranchDto::from).collect(),
    }))
}

/// Read a branch.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE, TAG_SUPERVISOR, TAG_INTEGRATION],
    params(IdPath),
    responses(
        (status = 200, description = "The branch", body = BranchDto, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such branch in your company", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/branches/{id}")]
pub async fn get_branch(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let branch = org::get_branch(&state.db, &auth.actor, BranchId(path.id)).await?;
    Ok(with_etag(&req, StatusCode::OK, &BranchDto::from(&branch)))
}

/// Change a branch's settings.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(IdPath),
    request_body = UpdateBranch,
    responses(
        (status = 200, description = "Updated", body = BranchDto, headers(("ETag" = String, description = "Strong validator of this representation (for `If-None-Match`)"))),
        (status = 400, description = "Malformed JSON or id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such branch in your company", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[patch("/branches/{id}")]
pub async fn update_branch(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    body: JsonBody<UpdateBranch>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let branch = org::update_branch(&state.db, &audit, &auth.actor, BranchId(path.id), body.0.into_domain()).await?;
    Ok(with_etag(&req, StatusCode::OK, &BranchDto::from(&branch)))
}
