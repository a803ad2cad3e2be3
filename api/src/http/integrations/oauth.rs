//! `POST /v1/oauth/token`: the OAuth 2.0 client-credentials grant (RFC 6749 §4.4). Parameters
//! arrive form-encoded (the RFC's form) or as JSON; the client authenticates with HTTP Basic
//! or with `client_id`/`client_secret` in the body (§2.3.1), never both. Errors are the RFC's
//! (§5.2) inside a problem document: `code` and `error` both carry the RFC's error code.

use super::dto::{OAuthProblem, OAuthTokenResponse, TokenRequest};
use crate::app::error::AppError;
use crate::app::integrations::grant_token;
use crate::http::errors::{ApiError, PROBLEM_JSON};
use crate::http::TAG_INTEGRATION;
use crate::state::AppState;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{post, web, HttpRequest, HttpResponse};
use base64::Engine as _;
use domain::errors::ErrorCode;
use std::collections::HashMap;

fn invalid_request(detail: impl Into<String>) -> ApiError {
    ApiError::coded(ErrorCode::InvalidRequest, detail)
}

/// The RFC 6749 error code a problem stands for.
fn rfc_error(code: ErrorCode, status: u16) -> &'static str {
    match code {
        ErrorCode::InvalidClient => "invalid_client",
        ErrorCode::InvalidScope => "invalid_scope",
        ErrorCode::UnsupportedGrantType => "unsupported_grant_type",
        _ if status == 503 => "temporarily_unavailable",
        _ if status >= 500 => "server_error",
        _ => "invalid_request",
    }
}

fn oauth_problem(e: ApiError, basic: bool) -> HttpResponse {
    let p = e.problem();
    let body = OAuthProblem {
        error: rfc_error(e.code, p.status).to_owned(),
        error_description: p.detail.clone(),
        r#type: p.r#type,
        title: p.title,
        status: p.status,
        detail: p.detail,
        code: p.code,
        request_id: p.request_id,
    };
    let mut resp = HttpResponse::build(e.status);
    resp.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"));
    if e.status.as_u16() == 401 {
        // §5.2: a client that tried Basic is challenged with the scheme it used.
        let challenge = if basic { "Basic realm=\"fieldbook\"" } else { "Bearer" };
        resp.insert_header((header::WWW_AUTHENTICATE, challenge));
    }
    if let Some(secs) = e.retry_after {
        resp.insert_header((header::RETRY_AFTER, secs.to_string()));
    }
    resp.body(serde_json::to_vec(&body).unwrap_or_default())
}

/// The request's parameters, each at most once (§3.2: parameters MUST NOT repeat).
fn parameters(req: &HttpRequest, body: &[u8]) -> Result<HashMap<String, String>, ApiError> {
    let mime = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|ct| ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .unwrap_or_default();
    let pairs: Vec<(String, String)> = match mime.as_str() {
        "application/x-www-form-urlencoded" => {
            let text = std::str::from_utf8(body).map_err(|_| invalid_request("the form is not UTF-8"))?;
            web::Query::<Vec<(String, String)>>::from_query(text)
                .map_err(|_| invalid_request("the form could not be read"))?
                .into_inner()
        }
        "application/json" => {
            let map: serde_json::Map<String, serde_json::Value> =
                serde_json::from_slice(body).map_err(|_| invalid_request("the body is not a JSON object"))?;
            let mut out = Vec::new();
            for (k, v) in map {
                match v {
                    serde_json::Value::String(s) => out.push((k, s)),
                    // Unrecognised parameters are ignored (§3.1); known ones must be strings.
                    _ if ["grant_type", "client_id", "client_secret", "scope"].contains(&k.as_str()) => {
                        return Err(invalid_request(format!("'{k}' must be a string")))
                    }
                    _ => {}
                }
            }
            out
        }
        _ => {
            return Err(ApiError::coded(
                ErrorCode::UnsupportedMediaType,
                "send application/x-www-form-urlencoded (or application/json)",
            ))
        }
    };
    let mut map = HashMap::new();
    for (k, v) in pairs {
        if v.contains('\0') {
            return Err(invalid_request(format!("'{k}' must not contain NUL characters")));
        }
        if map.insert(k.clone(), v).is_some() {
            return Err(invalid_request(format!("'{k}' is given more than once")));
        }
    }
    Ok(map)
}

/// HTTP Basic client credentials, each form-urlencoded inside (§2.3.1).
fn basic_credentials(req: &HttpRequest) -> Result<Option<(String, String)>, ApiError> {
    let Some(h) = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return Ok(None);
    };
    let Some(encoded) = h.strip_prefix("Basic ").or_else(|| h.strip_prefix("basic ")) else {
        return Err(ApiError::coded(
            ErrorCode::InvalidClient,
            "authenticate with HTTP Basic or with client_id and client_secret",
        ));
    };
    let bad = || ApiError::coded(ErrorCode::InvalidClient, "the Basic credentials could not be read");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (id, secret) = text.split_once(':').ok_or_else(bad)?;
    let decode = |s: &str| {
        web::Query::<Vec<(String, String)>>::from_query(&format!("v={s}"))
            .ok()
            .and_then(|q| q.into_inner().pop())
            .map(|(_, v)| v)
    };
    Ok(Some((decode(id).ok_or_else(bad)?, decode(secret).ok_or_else(bad)?)))
}

/// Issue an integration token (OAuth 2.0 client credentials).
///
/// `grant_type=client_credentials`, the client's id and secret (HTTP Basic, or `client_id` and
/// `client_secret` parameters), and optionally `scope`. Form-encoded per RFC 6749, or JSON.
/// The token is short-lived and carries the granted scopes.
#[utoipa::path(
    tags = [TAG_INTEGRATION],
    request_body(content(
        (TokenRequest = "application/x-www-form-urlencoded"),
        (TokenRequest = "application/json"),
    )),
    responses(
        (status = 200, description = "A token", body = OAuthTokenResponse),
        (status = 400, description = "invalid_request, invalid_scope or unsupported_grant_type", body = OAuthProblem, content_type = "application/problem+json"),
        (status = 401, description = "invalid_client: unknown, revoked or rotated-out credentials", body = OAuthProblem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = OAuthProblem, content_type = "application/problem+json"),
        (status = 415, description = "Neither a form nor JSON", body = OAuthProblem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[post("/oauth/token")]
pub async fn issue_token(req: HttpRequest, state: web::Data<AppState>, body: web::Bytes) -> HttpResponse {
    let basic = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|h| h.to_ascii_lowercase().starts_with("basic "));
    match token(&req, &state, &body).await {
        Ok(t) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::PRAGMA, "no-cache"))
            .json(t),
        Err(e) => oauth_problem(e, basic),
    }
}

async fn token(req: &HttpRequest, state: &AppState, body: &[u8]) -> Result<OAuthTokenResponse, ApiError> {
    let p = parameters(req, body)?;
    let grant = p
        .get("grant_type")
        .ok_or_else(|| invalid_request("grant_type is required"))?;
    if grant != "client_credentials" {
        return Err(ApiError::coded(
            ErrorCode::UnsupportedGrantType,
            "only the client_credentials grant is supported",
        ));
    }
    let in_body = match (p.get("client_id"), p.get("client_secret")) {
        (Some(id), Some(secret)) => Some((id.clone(), secret.clone())),
        (None, None) => None,
        _ => {
            return Err(ApiError::coded(
                ErrorCode::InvalidClient,
                "send both client_id and client_secret",
            ))
        }
    };
    let (id, secret) = match (basic_credentials(req)?, in_body) {
        (Some(_), Some(_)) => {
            return Err(invalid_request(
                "authenticate with HTTP Basic or with client_id and client_secret, not both",
            ))
        }
        (Some(c), None) | (None, Some(c)) => c,
        (None, None) => {
            return Err(ApiError::coded(
                ErrorCode::InvalidClient,
                "client credentials are required",
            ))
        }
    };
    let issued = grant_token(
        state,
        &id,
        &secret,
        p.get("scope").map(String::as_str),
        state.clock.now(),
    )
    .await
    .map_err(|e: AppError| ApiError::from(e))?;
    Ok(OAuthTokenResponse {
        access_token: issued.access_token,
        token_type: "Bearer".to_owned(),
        expires_in: issued.expires_in,
        scope: domain::integration::scope_string(&issued.scopes),
    })
}

#[cfg(test)]
mod tests {
    use super::rfc_error;
    use domain::errors::ErrorCode;

    #[test]
    fn every_grant_failure_names_its_rfc_6749_error() {
        assert_eq!(rfc_error(ErrorCode::InvalidClient, 401), "invalid_client");
        assert_eq!(rfc_error(ErrorCode::InvalidScope, 400), "invalid_scope");
        assert_eq!(
            rfc_error(ErrorCode::UnsupportedGrantType, 400),
            "unsupported_grant_type"
        );
        assert_eq!(rfc_error(ErrorCode::UnsupportedMediaType, 415), "invalid_request");
        assert_eq!(
            rfc_error(ErrorCode::DatabaseUnavailable, 503),
            "temporarily_unavailable"
        );
    }
}
