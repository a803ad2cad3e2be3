//! Authentication: argon2id passwords (hashed off the async workers), short-lived HS256 access
//! tokens with `kid`/`iss`/`aud`/`exp`/`nbf` checked, rotating refresh tokens stored hashed,
//! login throttling, per-caller write rate limits, bounded password hashing, and the `Authenticated` extractor that loads the caller on every request.

mod caller;
mod hashing;
mod rate_limit;
pub mod throttle;

pub use caller::Caller;
pub use hashing::{Hashing, HashingError};
pub use throttle::Attempt;

use crate::http::errors::ApiError;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
use base64::Engine as _;
use chrono::Utc;
use domain::access::Actor;
use domain::ids::{CompanyId, UserId};
use domain::org::{Role, User};
use domain::ports::OrganisationRepo;
use futures_util::future::LocalBoxFuture;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

pub const ISSUER: &str = "fieldbook";
pub const AUDIENCE: &str = "fieldbook-api";

/// The claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: uuid::Uuid,
    /// The tenant (company).
    pub cid: uuid::Uuid,
    /// A person's role. Absent in integration tokens, which carry `scope` instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// An integration token's scopes, space-delimited (the OAuth `scope` form); `sub` is then
    /// the integration client's id. Absent in a person's token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: uuid::Uuid,
    /// The user's token generation at issue; a token from an older generation is refused.
    /// Absent in tokens issued before generations existed, which counts as generation 0.
    #[serde(default)]
    pub tgen: i64,
}

/// Who a verified token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSubject {
    Person(Role),
    Integration(Vec<domain::integration::Scope>),
}

impl Claims {
    /// A person's token has a role and no scope; an integration's a scope and no role.
    /// Anything else is not a token we issue.
    pub fn subject(&self) -> Result<TokenSubject, ApiError> {
        match (&self.role, &self.scope) {
            (Some(r), None) => Ok(TokenSubject::Person(*r)),
            (None, Some(s)) => Ok(TokenSubject::Integration(domain::integration::parse_scope_string(s))),
            _ => Err(ApiError::unauthorized("the access token is invalid or expired")),
        }
    }
}

/// Our own key set: tokens name their key by `kid`, resolved only here.
pub struct Keys {
    current: String,
    keys: HashMap<String, (EncodingKey, DecodingKey)>,
    validation: Validation,
}

impl Keys {
    pub fn new(keys: Vec<(String, Vec<u8>)>) -> Option<Keys> {
        let current = keys.first()?.0.clone();
        let keys = keys
            .into_iter()
            .map(|(kid, secret)| {
                (
                    kid,
                    (EncodingKey::from_secret(&secret), DecodingKey::from_secret(&secret)),
                )
            })
            .collect();
        // Exactly one algorithm; issuer, audience, exp and nbf all required and checked.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.validate_nbf = true;
        validation.validate_exp = true;
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        Some(Keys {
            current,
            keys,
            validation,
        })
    }

    pub fn issue(&self, user: &User, ttl_secs: i64) -> Result<String, ApiError> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user.id.0,
            cid: user.company_id.0,
            role: Some(user.role),
            scope: None,
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            iat: now,
            nbf: now,
            exp: now + ttl_secs,
            jti: uuid::Uuid::now_v7(),
            tgen: user.token_generation,
        };
        self.sign(&claims)
    }

    /// A client-credentials token for an integration client, carrying `scopes`.
    pub fn issue_integration(
        &self,
        company: CompanyId,
        client: uuid::Uuid,
        scopes: &[domain::integration::Scope],
        ttl_secs: i64,
    ) -> Result<String, ApiError> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: client,
            cid: company.0,
            role: None,
            scope: Some(domain::integration::scope_string(scopes)),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            iat: now,
            nbf: now,
            exp: now + ttl_secs,
            jti: uuid::Uuid::now_v7(),
            tgen: 0,
        };
        self.sign(&claims)
    }

    fn sign(&self, claims: &Claims) -> Result<String, ApiError> {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.current.clone());
        let key = self
            .keys
            .get(&self.current)
            .map(|k| &k.0)
            .ok_or_else(ApiError::internal)?;
        jsonwebtoken::encode(&header, claims, key).map_err(|e| {
            tracing::error!(error = %e, "signing a token failed");
            ApiError::internal()
        })
    }

    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let invalid = || ApiError::unauthorized("the access token is invalid or expired");
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid())?;
        if header.alg != Algorithm::HS256 {
            return Err(invalid());
        }
        let kid = header.kid.ok_or_else(invalid)?;
        let (_, key) = self.keys.get(&kid).ok_or_else(invalid)?;
        jsonwebtoken::decode::<Claims>(token, key, &self.validation)
            .map(|d| d.claims)
            .map_err(|_| invalid())
    }
}

/// A fresh random secret (for signing keys and refresh tokens).
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut b = vec![0u8; n];
    rand::thread_rng().fill_bytes(&mut b);
    b
}

pub fn random_token() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes(32))
}

/// Refresh tokens are stored only as their SHA-256.
pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The function each write route requires, so a role lacking it gets 403 before its body is
/// even read (handlers check again, and apply the reach rules for the object).
pub fn route_function(method: &actix_web::http::Method, pattern: &str) -> Option<domain::access::Function> {
    use domain::access::Function::*;
    let m = method.as_str();
    let f = match (m, pattern) {
        ("POST", "/v1/branches")
        | ("PATCH", "/v1/branches/{id}")
        | ("POST", "/v1/teams")
        | ("PATCH", "/v1/teams/{id}") => ManageOrganisation,
        ("POST", "/v1/users") | ("PATCH", "/v1/users/{id}") | ("POST", "/v1/users/{id}/deactivate") => {
            ManageOrganisation
        }
        ("POST", "/v1/outlets") | ("PATCH", "/v1/outlets/{id}") => ManageOutlets,
        ("POST", "/v1/clients") | ("PATCH", "/v1/clients/{id}") => ManageClients,
        ("POST", "/v1/clients/{id}/reassign") => ReassignClients,
        ("POST", "/v1/activities") | ("POST", "/v1/activities:batch") | ("POST", "/v1/activities:call-log") => {
            LogActivities
        }
        ("PUT", "/v1/diaries/{agent}/{date}")
        | ("POST", "/v1/diaries/{agent}/{date}/submit")
        | ("POST", "/v1/leave-requests") => WriteDiary,
        ("POST", "/v1/diaries/{agent}/{date}/approve") | ("POST", "/v1/diaries/{agent}/{date}/return") => ReviewDiaries,
        ("POST", "/v1/teams/{id}/diaries:approve")
        | ("POST", "/v1/leave-requests/{id}/approve")
        | ("POST", "/v1/leave-requests/{id}/reject") => ReviewDiaries,
        ("POST", "/v1/spot-checks") | ("POST", "/v1/spot-checks/{id}/findings") => SpotCheckDiaries,
        ("POST", "/v1/policy-versions") | ("PATCH", "/v1/policy-versions/{id}") => ManagePolicies,
        ("POST", "/v1/admin/jobs/close-day")
        | ("POST", "/v1/admin/jobs/close-month")
        | ("POST", "/v1/admin/jobs/allocate-leads")
        | ("POST", "/v1/admin/jobs/settle") => ManagePolicies,
        ("POST", "/v1/penalties/{id}/waive") => WaivePenalties,
        ("POST", "/v1/quality/catalogue")
        | ("POST", "/v1/quality/violations/{id}/confirm")
        | ("POST", "/v1/quality/violations/{id}/dismiss") => ManageQuality,
        ("POST", "/v1/quality/violations/{id}/appeal-decision")
        | ("POST", "/v1/quality/reports/quarterly/sign-off") => ManageQuality,
        ("POST", "/v1/quality/violations") => ReportViolations,
        ("POST", "/v1/quality/violations/{id}/appeal") => AppealViolations,
        ("POST", "/v1/agents/{id}/commendations") => Commend,
        ("POST", "/v1/policies") | ("POST", "/v1/policies/{id}/receipt") => ManageInsurancePolicies,
        ("POST", "/v1/policies/{id}/callbacks")
        | ("POST", "/v1/policies/{id}/callback-exemption")
        | ("POST", "/v1/policies/{id}/early-callback") => PlaceCallbacks,
        ("POST", "/v1/policies/{id}/contact") => LogActivities,
        ("POST", "/v1/policies/{id}/quality-resolution") => ManageQuality,
        ("PUT", "/v1/agents/{id}/licence")
        | ("POST", "/v1/agents/{id}/licence/reinstate")
        | ("POST", "/v1/agents/{id}/ce-courses/{course_id}/confirm")
        | ("POST", "/v1/agents/{id}/ce-courses/{course_id}/reject") => ManageLicences,
        ("POST", "/v1/agents/{id}/ce-courses") => RecordCeCourses,
        ("POST", "/v1/admin/jobs/licences") => ManagePolicies,
        ("POST", "/v1/agents:upsert") => UpsertAgents,
        ("POST", "/v1/clients:upsert") => UpsertClients,
        ("POST", "/v1/policies:upsert") => UpsertInsurancePolicies,
        ("POST", "/v1/receipts:upsert") => UpsertReceipts,
        ("POST", "/v1/integration-clients")
        | ("POST", "/v1/integration-clients/{id}/rotate")
        | ("POST", "/v1/integration-clients/{id}/revoke") => ManageIntegrations,
        ("POST", "/v1/admin/jobs/prune-changes") => ManagePolicies,
        _ => return None,
    };
    Some(f)
}

/// For guarded write routes, the checks that need no database: a valid token (401) whose role
/// has the route's function (403). Body extractors run it first, because actix polls all of a
/// handler's extractors together and a body error must not overtake an auth error.
pub fn precheck(req: &HttpRequest) -> Result<(), ApiError> {
    if req.match_pattern().is_some_and(|p| p.starts_with(PLATFORM_PATHS)) {
        return platform_check(req).map(|_| ());
    }
    let Some(function) = req.match_pattern().and_then(|p| route_function(req.method(), &p)) else {
        return Ok(());
    };
    let state = req.app_data::<web::Data<AppState>>().ok_or_else(ApiError::internal)?;
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok());
    let claims = state.keys.verify(bearer(header)?)?;
    let allowed = match claims.subject()? {
        TokenSubject::Person(role) => domain::access::permits(role, function),
        // Only what a scope opens; never a person's function.
        TokenSubject::Integration(scopes) => scopes.iter().any(|s| domain::access::scope_grants(*s, function)),
    };
    if !allowed {
        return Err(ApiError::forbidden());
    }
    Ok(())
}

/// The authenticated caller. Extracting it verifies the bearer token and loads the user, so
/// a deactivated or signed-out user is locked out at once, not when their token expires (the
/// token's generation must be the user's current one); it also refuses
/// (403) a role lacking the route's function before anything else is read.
pub struct Authenticated {
    pub actor: Actor,
    pub user: User,
}

/// The bearer token of a request (401 when absent or not a bearer).
pub(crate) fn bearer(header: Option<&str>) -> Result<&str, ApiError> {
    let header = header.ok_or_else(|| ApiError::unauthorized("a bearer token is required"))?;
    header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
        .ok_or_else(|| ApiError::unauthorized("the Authorization header must be 'Bearer <token>'"))
}

/// Loads the person a verified token speaks for: active, of the token's generation, with a
/// role that has `required` (403 otherwise).
pub(crate) async fn load_person(
    state: &AppState,
    claims: &Claims,
    required: Option<domain::access::Function>,
) -> Result<Authenticated, ApiError> {
    let user = state
        .db
        .get_user(CompanyId(claims.cid), UserId(claims.sub))
        .await?
        .filter(|u| u.active)
        .ok_or_else(|| ApiError::unauthorized("the account is not active"))?;
    // Logout, a password change or deactivation since the token was issued ends it.
    if claims.tgen != user.token_generation {
        return Err(ApiError::unauthorized("the access token has been revoked"));
    }
    if required.is_some_and(|f| !domain::access::permits(user.role, f)) {
        return Err(ApiError::forbidden());
    }
    let supervised_teams = if user.role == Role::Supervisor {
        state.db.teams_led_by(user.company_id, user.id).await?
    } else {
        Vec::new()
    };
    Ok(Authenticated {
        actor: Actor {
            company_id: user.company_id,
            user_id: user.id,
            role: user.role,
            team_id: user.team_id,
            supervised_teams,
        },
        user,
    })
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let header = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .map(str::to_owned);
        let required = req.match_pattern().and_then(|p| route_function(req.method(), &p));
        let method = req.method().clone();
        let route = crate::metrics::route_label(req.match_pattern());
        Box::pin(async move {
            let state = state.ok_or_else(ApiError::internal)?;
            let claims = state.keys.verify(bearer(header.as_deref())?)?;
            if let TokenSubject::Integration(_) = claims.subject()? {
                // Every route taking a person is for people only (diaries, review, `/v1/me`…).
                return Err(ApiError::coded(
                    domain::errors::ErrorCode::Forbidden,
                    "integration tokens cannot call this endpoint; it acts for a person",
                ));
            }
            let caller = load_person(&state, &claims, required).await?;
            rate_limit::check_write(&state, &method, &route, caller.user.company_id, caller.user.id.0).await?;
            Ok(caller)
        })
    }
}

/// Where the platform operator's API lives; nothing else accepts the platform token.
pub const PLATFORM_PATHS: &str = "/v1/platform/";

/// The bearer token of a request (401 when absent or not `Bearer <token>`).
fn bearer_token(req: &HttpRequest) -> Result<String, ApiError> {
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .ok_or_else(|| ApiError::unauthorized("a bearer token is required"))?;
    header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(|t| t.trim().to_owned())
        .ok_or_else(|| ApiError::unauthorized("the Authorization header must be 'Bearer <token>'"))
}

/// The platform operator: the caller presented `FIELDBOOK_PLATFORM_TOKEN` as its bearer token.
/// Without that setting the platform API does not exist (404). A company user's valid access
/// token is refused with 403 whatever its role; anything else is 401.
pub struct PlatformOperator;

pub fn platform_check(req: &HttpRequest) -> Result<PlatformOperator, ApiError> {
    let state = req.app_data::<web::Data<AppState>>().ok_or_else(ApiError::internal)?;
    let Some(expected) = state.config.platform_token.as_deref() else {
        // Answered like any unknown path: a server without an operator token has no such API.
        return Err(ApiError::not_found("resource"));
    };
    let token = bearer_token(req)?;
    // Comparing digests keeps the comparison's timing independent of the secret's bytes.
    if Sha256::digest(token.as_bytes()) == Sha256::digest(expected.as_bytes()) {
        return Ok(PlatformOperator);
    }
    if state.keys.verify(&token).is_ok() {
        return Err(ApiError::coded(
            domain::errors::ErrorCode::Forbidden,
            "a company account cannot use the platform API",
        ));
    }
    Err(ApiError::unauthorized(
        "the platform API needs the platform operator's token",
    ))
}

impl FromRequest for PlatformOperator {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(platform_check(req))
    }
}

/// For start-up paths outside a request (bootstrap, seeding): same hash, own thread.
pub async fn hash_password_blocking(password: String, memory_kib: u32) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        hashing::argon2(memory_kib)
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
    })
    .await?
}
