//! Users: placement by role, deactivation (never deletion).

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
use domain::ids::UserId;

/// Create a user.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    request_body = CreateUser,
    responses(
        (status = 201, description = "Created", body = UserDto, headers(("ETag" = String, description = "Strong validator of this representation (for `If-None-Match`)"), ("Location" = String, description = "The user's URL"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or the e-mail is in use", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many passwords being checked at once; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/users")]
pub async fn create_user(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let user = org::create_user(&state.db, &audit, &auth.actor, body.0.into_domain(), &state.hashing).await?;
    let mut resp = with_etag(&req, StatusCode::CREATED, &UserDto::from(&user));
    insert_location(&mut resp, &format!("/v1/users/{}", user.id));
    Ok(resp)
}

/// List users within the caller's reach (company, led teams, or self).
#[utoipa::path(
    tags = [TAG_BACK_OFFICE, TAG_SUPERVISOR, TAG_INTEGRATION],
    params(PageParams),
    responses(
        (status = 200, description = "A page of users", body = UserPage),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/users")]
pub async fn list_users(
    auth: Authenticated,
    state: web::Data<AppState>,
    q: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let page = q.page_request()?;
    let rows = org::list_users(&state.db, &auth.actor, page).await?;
    Ok(HttpResponse::Ok().json(UserPage {
        next_cursor: next_cursor(&rows, page.limit, |u| u.id.0),
        items: rows.iter().map(UserDto::from).collect(),
    }))
}

/// Read a user.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE, TAG_SUPERVISOR, TAG_INTEGRATION],
    params(IdPath),
    responses(
        (status = 200, description = "The user", body = UserDto, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user within your reach", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/users/{id}")]
pub async fn get_user(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let user = org::get_user(&state.db, &auth.actor, UserId(path.id)).await?;
    Ok(with_etag(&req, StatusCode::OK, &UserDto::from(&user)))
}

/// Change a user's details, role, placement or password.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(IdPath),
    request_body = UpdateUser,
    responses(
        (status = 200, description = "Updated", body = UserDto, headers(("ETag" = String, description = "Strong validator of this representation (for `If-None-Match`)"))),
        (status = 400, description = "Malformed JSON or id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user in your company", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many passwords being checked at once; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[patch("/users/{id}")]
pub async fn update_user(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    body: JsonBody<UpdateUser>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let id = UserId(path.id);
    let user = org::update_user(&state.db, &audit, &auth.actor, id, body.0.into_domain(), &state.hashing).await?;
    Ok(with_etag(&req, StatusCode::OK, &UserDto::from(&user)))
}

/// Deactivate a user: they can no longer sign in and their sessions end. Users are never
/// deleted, so their records and history stay attributable.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(IdPath),
    responses(
        (status = 200, description = "Deactivated (repeating it is harmless)", body = UserDto, headers(("ETag" = String, description = "Strong validator of this representation (for `If-None-Match`)"))),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user in your company", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Yourself, or a supervisor who still leads teams", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/users/{id}/deactivate")]
pub async fn deactivate_user(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let user = org::deactivate_user(&state.db, &audit, &auth.actor, UserId(path.id)).await?;
    Ok(with_etag(&req, StatusCode::OK, &UserDto::from(&user)))
}
