//! Outlet handlers: authenticate, decode, call one use case, map the answer.

use super::dto::{CreateOutlet, OutletDto, OutletPage, UpdateOutlet};
use crate::app::clients as uc;
use crate::auth::Authenticated;
use crate::http::errors::{ApiError, Problem};
use crate::http::extract::JsonBody;
use crate::http::{
    audit_ctx, insert_location, next_cursor, with_etag, IdPath, PageParams, TAG_AGENT, TAG_BACK_OFFICE,
    TAG_INTEGRATION, TAG_SUPERVISOR,
};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use domain::access::Function;

/// Create an outlet (a bank branch agents serve).
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    request_body = CreateOutlet,
    responses(
        (status = 201, description = "Created", body = OutletDto, headers(("Location" = String, description = "The new resource's URL"), ("ETag" = String, description = "Strong validator of this representation (for `If-None-Match`)"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/outlets")]
pub async fn create_outlet(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<CreateOutlet>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::ManageOutlets)?;
    let audit = audit_ctx(&req, &state, &auth.actor);
    let input = body.0.into_domain();
    let outlet = uc::create_outlet(&state.db, &auth.actor, &audit, input, state.clock.now()).await?;
    let mut resp = with_etag(&req, StatusCode::CREATED, &OutletDto::from(&outlet));
    insert_location(&mut resp, &format!("/v1/outlets/{}", outlet.id));
    Ok(resp)
}

/// List the company's outlets.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE, TAG_INTEGRATION],
    params(PageParams),
    responses(
        (status = 200, description = "A page of outlets", body = OutletPage),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/outlets")]
pub async fn list_outlets(
    auth: Authenticated,
    state: web::Data<AppState>,
    q: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::ReadOutlets)?;
    let page = q.page_request()?;
    let rows = uc::list_outlets(&state.db, &auth.actor, page).await?;
    Ok(HttpResponse::Ok().json(OutletPage {
        next_cursor: next_cursor(&rows, page.limit, |o| o.id),
        items: rows.iter().map(OutletDto::from).collect(),
    }))
}

/// Read an outlet.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE, TAG_INTEGRATION],
    params(IdPath),
    responses(
        (status = 200, description = "The outlet", body = OutletDto, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such outlet in your company", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/outlets/{id}")]
pub async fn get_outlet(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::ReadOutlets)?;
    let outlet = uc::get_outlet(&state.db, &auth.actor, path.id).await?;
    Ok(with_etag(&req, StatusCode::OK, &OutletDto::from(&outlet)))
}

/// Change an outlet or the agents assigned to it.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(IdPath),
    request_body = UpdateOutlet,
    responses(
        (status = 200, description = "Updated", body = OutletDto, headers(("ETag" = String, description = "Strong validator of this representation (for `If-None-Match`)"))),
        (status = 400, description = "Malformed JSON or id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such outlet in your company", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[patch("/outlets/{id}")]
pub async fn update_outlet(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    body: JsonBody<UpdateOutlet>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::ManageOutlets)?;
    let audit = audit_ctx(&req, &state, &auth.actor);
    let patch = body.0.into_domain();
    let after = uc::update_outlet(&state.db, &auth.actor, &audit, path.id, patch, state.clock.now()).await?;
    Ok(with_etag(&req, StatusCode::OK, &OutletDto::from(&after)))
}
