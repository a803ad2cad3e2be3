//! Client card handlers: authenticate, decode, call one use case, map the answer.

use super::dto::{ClientDto, ClientPage, CreateClient, ReassignClient, UpdateClient};
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

/// Create a client card.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_INTEGRATION],
    request_body = CreateClient,
    responses(
        (status = 201, description = "Created", body = ClientDto, headers(("Location" = String, description = "The new resource's URL"), ("ETag" = String, description = "Strong validator of this representation (for `If-None-Match`)"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot manage clients", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/clients")]
pub async fn create_client(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<CreateClient>,
) -> Result<HttpResponse, ApiError> {
    let reach = auth.actor.require(Function::ManageClients)?;
    let audit = audit_ctx(&req, &state, &auth.actor);
    let input = body.0.into_domain();
    let client = uc::create_client(&state.db, &auth.actor, &reach, &audit, input, state.clock.now()).await?;
    let mut resp = with_etag(&req, StatusCode::CREATED, &ClientDto::from(&client));
    insert_location(&mut resp, &format!("/v1/clients/{}", client.id));
    Ok(resp)
}

/// List the clients within the caller's reach.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE, TAG_INTEGRATION],
    params(PageParams),
    responses(
        (status = 200, description = "A page of clients", body = ClientPage),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/clients")]
pub async fn list_clients(
    auth: Authenticated,
    state: web::Data<AppState>,
    q: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let reach = auth.actor.require(Function::ReadClients)?;
    let page = q.page_request()?;
    let rows = uc::list_clients(&state.db, &auth.actor, &reach, page).await?;
    Ok(HttpResponse::Ok().json(ClientPage {
        next_cursor: next_cursor(&rows, page.limit, |c| c.id),
        items: rows.iter().map(ClientDto::from).collect(),
    }))
}

/// Read a client card.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE, TAG_INTEGRATION],
    params(IdPath),
    responses(
        (status = 200, description = "The client", body = ClientDto, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client within your reach", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/clients/{id}")]
pub async fn get_client(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let reach = auth.actor.require(Function::ReadClients)?;
    let client = uc::get_client(&state.db, &auth.actor, &reach, path.id).await?;
    Ok(with_etag(&req, StatusCode::OK, &ClientDto::from(&client)))
}

/// Edit a client card (its owner, their supervisor, or an admin). Reassignment is a separate action.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_INTEGRATION],
    params(IdPath),
    request_body = UpdateClient,
    responses(
        (status = 200, description = "Updated", body = ClientDto, headers(("ETag" = String, description = "Strong validator of this representation (for `If-None-Match`)"))),
        (status = 400, description = "Malformed JSON or id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot manage clients", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client within your reach", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[patch("/clients/{id}")]
pub async fn update_client(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    body: JsonBody<UpdateClient>,
) -> Result<HttpResponse, ApiError> {
    let reach = auth.actor.require(Function::ManageClients)?;
    let audit = audit_ctx(&req, &state, &auth.actor);
    let patch = body.0.into_domain();
    let now = state.clock.now();
    let after = uc::update_client(&state.db, &auth.actor, &reach, &audit, path.id, patch, now).await?;
    Ok(with_etag(&req, StatusCode::OK, &ClientDto::from(&after)))
}

/// Reassign a client to another agent (a supervisor within their teams, or an admin). Audited.
#[utoipa::path(
    tags = [TAG_SUPERVISOR, TAG_BACK_OFFICE],
    params(IdPath),
    request_body = ReassignClient,
    responses(
        (status = 200, description = "Reassigned", body = ClientDto, headers(("ETag" = String, description = "Strong validator of this representation (for `If-None-Match`)"))),
        (status = 400, description = "Malformed JSON or id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a supervisor or admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client within your reach", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The target is not an active agent within your reach", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/clients/{id}/reassign")]
pub async fn reassign_client(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    body: JsonBody<ReassignClient>,
) -> Result<HttpResponse, ApiError> {
    let reach = auth.actor.require(Function::ReassignClients)?;
    let audit = audit_ctx(&req, &state, &auth.actor);
    let now = state.clock.now();
    let after = uc::reassign_client(&state.db, &auth.actor, &reach, &audit, path.id, body.agent_id, now).await?;
    Ok(with_etag(&req, StatusCode::OK, &ClientDto::from(&after)))
}
