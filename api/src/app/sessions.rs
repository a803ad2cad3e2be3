//! Sessions: login with throttling, refresh-token rotation with reuse detection, logout.

use crate::app::error::{AppError, AppResult};
use crate::auth::{hash_token, random_token, throttle};
use crate::state::AppState;
use chrono::{DateTime, Duration, Utc};
use domain::org::{normalise_email, User};
use domain::ports::{AttemptLimit, AuthRepo, OrganisationRepo, RefreshToken};

/// What a successful login or refresh hands out.
#[derive(Debug, Clone)]
pub struct IssuedTokens {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i64,
}

/// Issues an access token and a refresh token in `family` (a new family on login).
async fn issue_tokens(
    state: &AppState,
    user: &User,
    family: uuid::Uuid,
    now: DateTime<Utc>,
) -> AppResult<IssuedTokens> {
    let access = state
        .keys
        .issue(user, state.config.access_token_ttl_secs)
        .map_err(|e| AppError::Internal(format!("issuing a token failed: {e}")))?;
    let refresh_token = random_token();
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
    Ok(IssuedTokens {
        access_token: access,
        refresh_token,
        expires_in: state.config.access_token_ttl_secs,
    })
}

/// Failed attempts are throttled per account and per client address. The attempt is reserved
/// before the password is checked (see `auth::throttle`), so concurrent guesses cannot all be
/// evaluated; the check itself waits for a bounded hashing slot (503 when none frees up).
pub async fn login(state: &AppState, email: &str, password: String, peer: &str) -> AppResult<IssuedTokens> {
    let email = normalise_email(email);
    let account_key = format!("account:{email}");
    let address_key = format!("address:{peer}");
    let cfg = &state.config;
    let limits = [
        AttemptLimit {
            key: &account_key,
            max: cfg.login_max_failures_per_account,
        },
        AttemptLimit {
            key: &address_key,
            max: cfg.login_max_failures_per_address,
        },
    ];
    let attempt = throttle::reserve(&state.db, &limits, cfg.login_window_secs, Utc::now())
        .await?
        .map_err(|retry_after| {
            crate::metrics::login_throttled();
            AppError::TooManyAttempts(retry_after)
        })?;
    // An error before the outcome is known drops `attempt`, giving its slots back.
    let user = state.db.find_user_by_email(&email).await?;
    let ok = state
        .hashing
        // Agents a CRM made have no password yet: checked like an unknown e-mail (a dummy
        // hash), so the answer takes as long and says nothing.
        .verify(
            password,
            user.as_ref().map(|u| u.password_hash.clone()).filter(|h| !h.is_empty()),
        )
        .await?;
    let user = match user {
        Some(u) if ok && u.active => u,
        _ => {
            attempt.failed();
            return Err(AppError::Unauthenticated("wrong e-mail or password".into()));
        }
    };
    attempt.succeeded(&account_key).await?;
    let tokens = issue_tokens(state, &user, uuid::Uuid::now_v7(), Utc::now()).await?;
    tracing::info!(user_id = %user.id, "login");
    Ok(tokens)
}

/// The presented token is used up. Presenting a token that was already used revokes its
/// whole family, including the token that replaced it (theft detection), unless it comes
/// within the grace window (a lost response is then the likely cause: a sibling is issued).
pub async fn refresh(state: &AppState, refresh_token: &str) -> AppResult<IssuedTokens> {
    let invalid = || AppError::Unauthenticated("the refresh token is invalid, expired or revoked".into());
    let now = Utc::now();
    let db = &state.db;
    let token = db
        .find_refresh_token(&hash_token(refresh_token))
        .await?
        .ok_or_else(invalid)?;
    if token.revoked_at.is_some() || token.expires_at <= now {
        return Err(invalid());
    }
    let fresh = token.used_at.is_none() && db.mark_refresh_used(token.company_id, token.id, now).await?;
    if !fresh {
        let used_at = token.used_at.unwrap_or(now);
        if (now - used_at).num_seconds() >= state.config.refresh_reuse_grace_secs {
            tracing::warn!(family = %token.family_id, user_id = %token.user_id, "refresh token reuse: revoking family");
            db.revoke_family(token.company_id, token.family_id, now).await?;
            return Err(invalid());
        }
    }
    let user = db
        .get_user(token.company_id, token.user_id)
        .await?
        .filter(|u| u.active)
        .ok_or_else(invalid)?;
    issue_tokens(state, &user, token.family_id, now).await
}

/// Revokes one refresh-token family of the caller's own (`Some`), or all their tokens; either
/// way every access token of the caller issued so far ends (their token generation moves on).
pub async fn logout(state: &AppState, user: &User, refresh_token: Option<&str>) -> AppResult<()> {
    let now = Utc::now();
    let family = match refresh_token {
        // The storage only revokes the caller's own family; an unknown token names the nil
        // family, which no token has, so only the access tokens end.
        Some(t) => Some(
            state
                .db
                .find_refresh_token(&hash_token(t))
                .await?
                .map_or(uuid::Uuid::nil(), |token| token.family_id),
        ),
        None => None,
    };
    state.db.sign_out(user.company_id, user.id, family, now).await?;
    Ok(())
}
