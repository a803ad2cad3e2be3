//! `/v1/auth/*` and `/v1/me`: authenticate, call the session use case, map.

use super::dto::*;
use crate::app::sessions;
use crate::auth::Authenticated;
use crate::http::errors::{ApiError, Problem};
use crate::http::extract::{JsonBody, OptionalJson};
use crate::http::org::dto::UserDto;
use crate::http::{TAG_AGENT, TAG_BACK_OFFICE, TAG_INTEGRATION, TAG_SUPERVISOR};
use crate::state::AppState;
use actix_web::{get, post, web, HttpRequest, HttpResponse};

/// Log in with e-mail and password.
///
/// Failed attempts are throttled per account and per client address (429 with `Retry-After`);
/// when too many passwords are being checked at once the answer is 503 with `Retry-After`.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE, TAG_INTEGRATION],
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Tokens issued", body = TokenResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Wrong e-mail or password, or inactive account", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing fields", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many passwords being checked at once; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: JsonBody<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let peer = req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default();
    let body = body.0;
    let tokens = sessions::login(&state, &body.email, body.password, &peer).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(TokenResponse::from(tokens)))
}

/// Exchange a refresh token for new tokens.
///
/// The presented token is used up. Presenting a token that was already used revokes its whole
/// family, including the token that replaced it (theft detection).
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE, TAG_INTEGRATION],
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "Rotated tokens", body = TokenResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Unknown, expired, revoked or reused refresh token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[post("/auth/refresh")]
pub async fn refresh(state: web::Data<AppState>, body: JsonBody<RefreshRequest>) -> Result<HttpResponse, ApiError> {
    let tokens = sessions::refresh(&state, &body.refresh_token).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(TokenResponse::from(tokens)))
}

/// Log out: revoke a refresh-token family, or all of the caller's refresh tokens.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE, TAG_INTEGRATION],
    request_body = LogoutRequest,
    responses(
        (status = 204, description = "Signed out"),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/auth/logout")]
pub async fn logout(
    auth: Authenticated,
    state: web::Data<AppState>,
    body: OptionalJson<LogoutRequest>,
) -> Result<HttpResponse, ApiError> {
    sessions::logout(&state, &auth.user, body.0.refresh_token.as_deref()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's own user record.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE, TAG_INTEGRATION],
    responses(
        (status = 200, description = "The caller", body = UserDto, headers(("ETag" = String, description = "Strong validator of this representation (for `If-None-Match`)"))),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/me")]
pub async fn me(req: HttpRequest, auth: Authenticated) -> HttpResponse {
    crate::http::with_etag(&req, actix_web::http::StatusCode::OK, &UserDto::from(&auth.user))
}
