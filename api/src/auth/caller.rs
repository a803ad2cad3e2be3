//! The caller of an endpoint that integrations may use too: a person (loaded as for every
//! route) or an integration client, reloaded on every request so a revoked client is locked
//! out at once rather than when its short-lived token expires.

use super::{bearer, load_person, route_function, Claims, TokenSubject};
use crate::http::errors::ApiError;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use domain::access::{IntegrationActor, Principal};
use domain::ids::CompanyId;
use domain::integration::Scope;
use domain::ports::IntegrationRepo;
use futures_util::future::LocalBoxFuture;

pub struct Caller {
    pub principal: Principal,
}

/// The integration a verified token speaks for: its client must exist and not be revoked,
/// and the token carries no scope the client does not hold.
async fn load_integration(state: &AppState, claims: &Claims, scopes: Vec<Scope>) -> Result<Principal, ApiError> {
    let client = state
        .db
        .get_integration_client(CompanyId(claims.cid), claims.sub)
        .await?
        .filter(|c| c.revoked_at.is_none())
        .ok_or_else(|| ApiError::unauthorized("the integration client is revoked or unknown"))?;
    if scopes.iter().any(|s| !client.scopes.contains(s)) {
        return Err(ApiError::unauthorized("the access token is invalid or expired"));
    }
    Ok(Principal::Integration(IntegrationActor {
        company_id: client.company_id,
        client_id: client.id,
        scopes,
    }))
}

impl FromRequest for Caller {
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
            let principal = match claims.subject()? {
                TokenSubject::Person(_) => Principal::Person(load_person(&state, &claims, required).await?.actor),
                TokenSubject::Integration(scopes) => load_integration(&state, &claims, scopes).await?,
            };
            if required.is_some_and(|f| principal.require(f).is_err()) {
                return Err(ApiError::forbidden());
            }
            // Integrations get an allowance per client, people per person.
            let subject = match &principal {
                Principal::Person(a) => a.user_id.0,
                Principal::Integration(i) => i.client_id,
            };
            super::rate_limit::check_write(&state, &method, &route, principal.company_id(), subject).await?;
            Ok(Caller { principal })
        })
    }
}
