//! Teams: one supervisor each, under a branch.

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
use domain::ids::{BranchId, TeamId, UserId};

/// Create a team under a branch, led by one supervisor.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    request_body = CreateTeam,
    responses(
        (status = 201, description = "Created", body = TeamDto, headers(("ETag" = String, description = "Strong validator of this representation (for `If-None-Match`)"), ("Location" = String, description = "The team's URL"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (e.g. the supervisor is not a supervisor)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/teams")]
pub async fn create_team(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<CreateTeam>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let b = &body.0;
    let team = org::create_team(
        &state.db,
        &audit,
        &auth.actor,
        BranchId(b.branch_id),
        &b.name,
        UserId(b.supervisor_id),
    )
    .await?;
    let mut resp = with_etag(&req, StatusCode::CREATED, &TeamDto::from(&team));
    insert_location(&mut resp, &format!("/v1/teams/{}", team.id));
    Ok(resp)
}

/// List teams: admins and back-office staff see the company's, a supervisor the teams they
/// lead, an agent their own.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE, TAG_SUPERVISOR, TAG_INTEGRATION],
    params(PageParams),
    responses(
        (status = 200, description = "A page of teams", body = TeamPage),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/teams")]
pub async fn list_teams(
    auth: Authenticated,
    state: web::Data<AppState>,
    q: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let page = q.page_request()?;
    let rows = org::list_teams(&state.db, &auth.actor, page).await?;
    Ok(HttpResponse::Ok().json(TeamPage {
        next_cursor: next_cursor(&rows, page.limit, |t| t.id.0),
        items: rows.iter().map(TeamDto::from).collect(),
    }))
}

/// Read a team.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE, TAG_SUPERVISOR, TAG_INTEGRATION],
    params(IdPath),
    responses(
        (status = 200, description = "The team", body = TeamDto, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such team within your reach", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/teams/{id}")]
pub async fn get_team(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let team = org::get_team(&state.db, &auth.actor, TeamId(path.id)).await?;
    Ok(with_etag(&req, StatusCode::OK, &TeamDto::from(&team)))
}

/// Rename a team, move it to another branch or change its supervisor.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(IdPath),
    request_body = UpdateTeam,
    responses(
        (status = 200, description = "Updated", body = TeamDto, headers(("ETag" = String, description = "Strong validator of this representation (for `If-None-Match`)"))),
        (status = 400, description = "Malformed JSON or id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such team in your company", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[patch("/teams/{id}")]
pub async fn update_team(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    body: JsonBody<UpdateTeam>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let team = org::update_team(&state.db, &audit, &auth.actor, TeamId(path.id), body.0.into_domain()).await?;
    Ok(with_etag(&req, StatusCode::OK, &TeamDto::from(&team)))
}
