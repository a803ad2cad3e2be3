//! `/v1/auth/*` and `/v1/me`.

use super::{TAG_AGENT, TAG_BACK_OFFICE, TAG_INTEGRATION, TAG_SUPERVISOR};
use crate::auth::{hash_token, random_token, verify_password, Authenticated};
use crate::http::errors::{ApiError, Problem};
use crate::http::extract::{JsonBody, OptionalJson};
use crate::http::org::UserDto;
use crate::state::AppState;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::Duration;
use domain::org::{normalise_email, User};
use domain::ports::{AuthRepo, OrganisationRepo, RefreshToken};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[validate(length(min = 1, max = 320, message = "is required"))]
    #[schema(example = "admin@example.com", max_length = 320)]
    pub email: String,
    #[validate(length(min = 1, max = 1024, message = "is required"))]
    #[schema(max_length = 1024)]
    pub password: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    /// A short-lived JWT for the `Authorization: Bearer` header.
    pub access_token: String,
    /// An opaque token for `POST /v1/auth/refresh`; single use, rotated on every refresh.
    pub refresh_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    #[validate(length(min = 1, max = 512, message = "is required"))]
    #[schema(max_length = 512)]
    pub refresh_token: String,
}

#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogoutRequest {
    /// The refresh token to revoke (with its whole family). Omit it to sign out everywhere.
    #[validate(length(min = 1, max = 512))]
    #[schema(max_length = 512)]
    pub refresh_token: Option<String>,
}

/// Issues an access token and a refresh token in `family` (a new family on login).
async fn issue_tokens(state: &AppState, user: &User, family: uuid::Uuid) -> Result<TokenResponse, ApiError> {
    let access = state.keys.issue(user, state.config.access_token_ttl_secs)?;
    let refresh_token = random_token();
    let now = chrono::Utc::now();
    state
        .db
        .insert_refresh_token(&RefreshToken {
            company_id: user.company_id,
            id: uuid::Uuid::now_v7(),
            family_id: family,
            user_id: user.id,
            token_hash: hash_token(&refresh_token),
            created_at: now,
            expires_at: now + Duration::seconds(state.config.refresh_token_ttl_secs),
            used_at: None,
            revoked_at: None,
        })
        .await?;
    Ok(TokenResponse {
        access_token: access,
        refresh_token,
        token_type: "Bearer".to_owned(),
        expires_in: state.config.access_token_ttl_secs,
    })
}

/// Log in with e-mail and password.
///
/// Failed attempts are throttled per account and per client address (429 with `Retry-After`).
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE, TAG_INTEGRATION],
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Tokens issued", body = TokenResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Wrong e-mail or password, or inactive account", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing fields", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts", body = Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: JsonBody<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let email = normalise_email(&body.email);
    let account_key = format!("account:{email}");
    let address_key = format!(
        "address:{}",
        req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default()
    );
    let cfg = &state.config;
    for (key, max) in [
        (&account_key, cfg.login_max_failures_per_account),
        (&address_key, cfg.login_max_failures_per_address),
    ] {
        if let Some(wait) = state.throttle.blocked_for(key, max) {
            return Err(ApiError::too_many_requests(wait));
        }
    }
    let user = state.db.find_user_by_email(&email).await?;
    let ok = verify_password(
        body.password.clone(),
        user.as_ref().map(|u| u.password_hash.clone()),
        cfg.argon2_memory_kib,
    )
    .await;
    let user = match user {
        Some(u) if ok && u.active => u,
        _ => {
            state.throttle.record_failure(&account_key);
            state.throttle.record_failure(&address_key);
            return Err(ApiError::unauthorized("wrong e-mail or password"));
        }
    };
    state.throttle.clear(&account_key);
    let tokens = issue_tokens(&state, &user, uuid::Uuid::now_v7()).await?;
    tracing::info!(user_id = %user.id, "login");
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(tokens))
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
    let invalid = || ApiError::unauthorized("the refresh token is invalid, expired or revoked");
    let now = chrono::Utc::now();
    let token = state
        .db
        .find_refresh_token(&hash_token(&body.refresh_token))
        .await?
        .ok_or_else(invalid)?;
    if token.revoked_at.is_some() || token.expires_at <= now {
        return Err(invalid());
    }
    let fresh = token.used_at.is_none() && state.db.mark_refresh_used(token.company_id, token.id, now).await?;
    if !fresh {
        let used_at = token.used_at.unwrap_or(now);
        let within_grace = (now - used_at).num_seconds() < state.config.refresh_reuse_grace_secs;
        if !within_grace {
            tracing::warn!(family = %token.family_id, user_id = %token.user_id, "refresh token reuse: revoking family");
            state.db.revoke_family(token.company_id, token.family_id, now).await?;
            return Err(invalid());
        }
        // Within the grace window a lost response is the likely cause: issue a sibling.
    }
    let user = state
        .db
        .get_user(token.company_id, token.user_id)
        .await?
        .filter(|u| u.active)
        .ok_or_else(invalid)?;
    let tokens = issue_tokens(&state, &user, token.family_id).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(tokens))
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
    let now = chrono::Utc::now();
    match &body.0.refresh_token {
        Some(t) => {
            // Only the caller's own token family can be revoked this way.
            if let Some(token) = state.db.find_refresh_token(&hash_token(t)).await? {
                if token.user_id == auth.user.id && token.company_id == auth.user.company_id {
                    state.db.revoke_family(token.company_id, token.family_id, now).await?;
                }
            }
        }
        None => {
            state
                .db
                .revoke_user_tokens(auth.user.company_id, auth.user.id, now)
                .await?
        }
    }
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's own user record.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE, TAG_INTEGRATION],
    responses(
        (status = 200, description = "The caller", body = UserDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/me")]
pub async fn me(req: HttpRequest, auth: Authenticated) -> HttpResponse {
    super::with_etag(&req, actix_web::http::StatusCode::OK, &UserDto::from(&auth.user))
}

/// This feature's routes, registered once for the server and the contract.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(login).service(refresh).service(logout).service(me);
}
