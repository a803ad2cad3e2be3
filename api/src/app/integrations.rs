//! Integration clients (CRMs): an admin creates, rotates and revokes them; a client exchanges
//! its id and secret for a short-lived token (OAuth 2.0 client credentials, RFC 6749 §4.4).
//!
//! Secrets are 256 random bits, shown once and stored as their SHA-256. A fast digest is right
//! here, unlike for passwords: argon2's cost exists to slow the guessing of low-entropy
//! secrets people choose, and nobody can guess 256 random bits at any speed, so a slow hash
//! would only put every token grant through the bounded password-hashing pool (and its 503s).

use crate::app::error::{AppError, AppResult};
use crate::auth::{hash_token, random_token};
use crate::state::AppState;
use chrono::{DateTime, Duration, Utc};
use domain::access::{Actor, Function};
use domain::errors::ErrorCode;
use domain::integration::{check_new_client, granted_scopes, IntegrationClient, Scope};
use domain::ports::{AuditContext, IntegrationRepo, PageRequest, RepoError};
use infra::Db;
use uuid::Uuid;

/// A client with the secret just issued for it (shown once, never stored).
#[derive(Debug, Clone)]
pub struct WithSecret {
    pub client: IntegrationClient,
    pub secret: String,
}

fn new_secret() -> (String, String) {
    let secret = format!("fbs_{}", random_token());
    let digest = hash_token(&secret);
    (secret, digest)
}

pub async fn create_client(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    name: &str,
    scopes: &[String],
    now: DateTime<Utc>,
) -> AppResult<WithSecret> {
    actor.require(Function::ManageIntegrations)?;
    let (name, scopes) = check_new_client(name, scopes)?;
    let (secret, digest) = new_secret();
    let client = IntegrationClient {
        company_id: actor.company_id,
        id: Uuid::now_v7(),
        name,
        scopes,
        secret_hash: digest,
        previous_secret_hash: None,
        previous_secret_expires_at: None,
        revoked_at: None,
        created_at: now,
        updated_at: now,
    };
    db.insert_integration_client(audit, &client).await?;
    Ok(WithSecret { client, secret })
}

pub async fn list_clients(db: &Db, actor: &Actor, page: PageRequest) -> AppResult<Vec<IntegrationClient>> {
    actor.require(Function::ManageIntegrations)?;
    Ok(db.list_integration_clients(actor.company_id, page).await?)
}

pub async fn get_client(db: &Db, actor: &Actor, id: Uuid) -> AppResult<IntegrationClient> {
    actor.require(Function::ManageIntegrations)?;
    db.get_integration_client(actor.company_id, id)
        .await?
        .ok_or(AppError::NotFound("integration client"))
}

fn changed_meanwhile(e: RepoError) -> AppError {
    match e {
        RepoError::Conflict(_) => AppError::rejected(
            ErrorCode::ConcurrentUpdate,
            "the integration client was changed by another request; read it and retry",
        ),
        other => other.into(),
    }
}

/// A new secret; the current one keeps working for `overlap_secs` (so a CRM can switch without
/// downtime), and any older one stops at once.
pub async fn rotate_secret(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    id: Uuid,
    overlap_secs: i64,
    now: DateTime<Utc>,
) -> AppResult<WithSecret> {
    let before = get_client(db, actor, id).await?;
    if before.revoked_at.is_some() {
        return Err(AppError::rejected(
            ErrorCode::IntegrationClientRevoked,
            "a revoked integration client cannot be given a new secret",
        ));
    }
    let (secret, digest) = new_secret();
    let client = IntegrationClient {
        secret_hash: digest,
        previous_secret_hash: (overlap_secs > 0).then(|| before.secret_hash.clone()),
        previous_secret_expires_at: (overlap_secs > 0).then(|| now + Duration::seconds(overlap_secs)),
        updated_at: now,
        ..before.clone()
    };
    db.update_integration_client(audit, "rotate", &before, &client)
        .await
        .map_err(changed_meanwhile)?;
    Ok(WithSecret { client, secret })
}

/// Ends the client: no secret opens it again and its tokens stop working at once. Revoking
/// twice is a no-op.
pub async fn revoke(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<IntegrationClient> {
    let before = get_client(db, actor, id).await?;
    if before.revoked_at.is_some() {
        return Ok(before);
    }
    let client = IntegrationClient {
        revoked_at: Some(now),
        previous_secret_hash: None,
        previous_secret_expires_at: None,
        updated_at: now,
        ..before.clone()
    };
    db.update_integration_client(audit, "revoke", &before, &client)
        .await
        .map_err(changed_meanwhile)?;
    Ok(client)
}

/// What the token endpoint hands out.
#[derive(Debug, Clone)]
pub struct IssuedIntegrationToken {
    pub access_token: String,
    pub expires_in: i64,
    pub scopes: Vec<Scope>,
}

/// The client-credentials grant: a known, unrevoked client presenting its current secret (or
/// its previous one within the overlap) gets a token for the scopes it asks for, all of which
/// it must hold. A wrong id and a wrong secret are the same answer.
pub async fn grant_token(
    state: &AppState,
    client_id: &str,
    secret: &str,
    scope: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<IssuedIntegrationToken> {
    let invalid = || AppError::rejected(ErrorCode::InvalidClient, "client authentication failed");
    let id = Uuid::parse_str(client_id.trim()).map_err(|_| invalid())?;
    let client = state.db.find_integration_client(id).await?.ok_or_else(invalid)?;
    if !client.accepts(&hash_token(secret), now) {
        return Err(invalid());
    }
    let scopes = granted_scopes(scope, &client.scopes).map_err(|e| AppError::rejected(ErrorCode::InvalidScope, e.0))?;
    let ttl = state.config.access_token_ttl_secs;
    let access_token = state
        .keys
        .issue_integration(client.company_id, client.id, &scopes, ttl)
        .map_err(|e| AppError::Internal(format!("issuing a token failed: {e}")))?;
    Ok(IssuedIntegrationToken {
        access_token,
        expires_in: ttl,
        scopes,
    })
}
