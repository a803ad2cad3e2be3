//! Integration client handlers (admins): authenticate, decode, call one use case, map.

use super::dto::{CreateIntegrationClient, IntegrationClientDto, IntegrationClientPage, IntegrationClientSecret};
use crate::app::integrations as uc;
use crate::auth::Authenticated;
use crate::http::errors::{ApiError, Problem};
use crate::http::extract::{JsonBody, OptionalJson};
use crate::http::{audit_ctx, insert_location, next_cursor, with_etag, IdPath, PageParams, TAG_BACK_OFFICE};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use validator::Validate;

/// An empty body for actions that take none.
#[derive(Debug, Default, Deserialize, Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoBody {}

fn secret_response(status: StatusCode, w: &uc::WithSecret) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("Cache-Control", "no-store"))
        .json(IntegrationClientSecret::from(w))
}

/// Create an integration client (admins). The secret is in this response only.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    request_body = CreateIntegrationClient,
    responses(
        (status = 201, description = "Created, with its secret", body = IntegrationClientSecret,
            headers(("Location" = String, description = "The integration client's URL"))),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/integration-clients")]
pub async fn create_integration_client(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<CreateIntegrationClient>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let w = uc::create_client(
        &state.db,
        &auth.actor,
        &audit,
        &body.name,
        &body.scope_names(),
        state.clock.now(),
    )
    .await?;
    let mut resp = secret_response(StatusCode::CREATED, &w);
    insert_location(&mut resp, &format!("/v1/integration-clients/{}", w.client.id));
    Ok(resp)
}

/// List the company's integration clients (admins).
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(PageParams),
    responses(
        (status = 200, description = "A page of clients", body = IntegrationClientPage),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/integration-clients")]
pub async fn list_integration_clients(
    auth: Authenticated,
    state: web::Data<AppState>,
    q: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let page = q.page_request()?;
    let rows = uc::list_clients(&state.db, &auth.actor, page).await?;
    Ok(HttpResponse::Ok().json(IntegrationClientPage {
        next_cursor: next_cursor(&rows, page.limit, |c| c.id),
        items: rows.iter().map(IntegrationClientDto::from).collect(),
    }))
}

/// Read an integration client (admins). Its secret is never shown again.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(IdPath),
    responses(
        (status = 200, description = "The client", body = IntegrationClientDto, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/integration-clients/{id}")]
pub async fn get_integration_client(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let c = uc::get_client(&state.db, &auth.actor, path.id).await?;
    Ok(with_etag(&req, StatusCode::OK, &IntegrationClientDto::from(&c)))
}

/// Rotate an integration client's secret (admins).
///
/// The new secret is in this response only; the previous one keeps working for
/// `FIELDBOOK_INTEGRATION_SECRET_OVERLAP_SECONDS` (default one day), any older one stops.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(IdPath),
    request_body(content = NoBody, description = "Optional; send nothing or `{}`"),
    responses(
        (status = 200, description = "Rotated, with the new secret", body = IntegrationClientSecret),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Revoked, or rotated by another request meanwhile", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/integration-clients/{id}/rotate")]
pub async fn rotate_integration_client(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    _body: OptionalJson<NoBody>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let overlap = state.config.integration_secret_overlap_secs;
    let w = uc::rotate_secret(&state.db, &auth.actor, &audit, path.id, overlap, state.clock.now()).await?;
    Ok(secret_response(StatusCode::OK, &w))
}

/// Revoke an integration client (admins): its secrets and tokens stop working at once.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(IdPath),
    request_body(content = NoBody, description = "Optional; send nothing or `{}`"),
    responses(
        (status = 200, description = "Revoked", body = IntegrationClientDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/integration-clients/{id}/revoke")]
pub async fn revoke_integration_client(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    _body: OptionalJson<NoBody>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let c = uc::revoke(&state.db, &auth.actor, &audit, path.id, state.clock.now()).await?;
    Ok(HttpResponse::Ok().json(IntegrationClientDto::from(&c)))
}
