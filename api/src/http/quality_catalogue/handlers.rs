//! Catalogue handlers: authenticate, parse, one use case, map.

use super::dto::{CatalogueDto, DateQuery, NewCatalogue};
use crate::app::quality as uc;
use crate::auth::Authenticated;
use crate::http::errors::{ApiError, Problem};
use crate::http::extract::JsonBody;
use crate::http::{audit_ctx, TAG_AGENT, TAG_BACK_OFFICE, TAG_INTEGRATION, TAG_SUPERVISOR};
use crate::state::AppState;
use actix_web::{get, post, web, HttpRequest, HttpResponse};

/// The violation catalogue in force on a date (QLT-1).
#[utoipa::path(
    tags = [TAG_BACK_OFFICE, TAG_AGENT, TAG_SUPERVISOR, TAG_INTEGRATION],
    params(DateQuery),
    responses(
        (status = 200, description = "The catalogue", body = CatalogueDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/quality/catalogue")]
pub async fn get_catalogue(
    auth: Authenticated,
    state: web::Data<AppState>,
    q: web::Query<DateQuery>,
) -> Result<HttpResponse, ApiError> {
    let c = uc::catalogue_on(&state.db, &auth.actor, q.date, state.clock.now()).await?;
    Ok(HttpResponse::Ok().json(CatalogueDto::from_domain(&c)))
}

/// Publish a new catalogue version (the quality office).
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    request_body = NewCatalogue,
    responses(
        (status = 201, description = "Published", body = CatalogueDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the quality office", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A concurrent version took the number; retry", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid entries or a past date", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/quality/catalogue")]
pub async fn create_catalogue(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<NewCatalogue>,
) -> Result<HttpResponse, ApiError> {
    let (effective_from, entries) = body.0.into_domain()?;
    let audit = audit_ctx(&req, &state, &auth.actor);
    let now = state.clock.now();
    let v = uc::publish_catalogue(&state.db, &auth.actor, &audit, effective_from, entries, now).await?;
    Ok(HttpResponse::Created().json(CatalogueDto::from_domain(&v)))
}
