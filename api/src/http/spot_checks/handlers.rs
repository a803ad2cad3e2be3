//! Spot-check handlers: authenticate, parse, call one use case of `app::spot_checks`, map.

use super::dto::{DrawSample, NewFinding, SampleDto, SamplePath};
use crate::app::spot_checks as uc;
use crate::auth::Authenticated;
use crate::http::errors::{ApiError, Problem};
use crate::http::extract::JsonBody;
use crate::http::{audit_ctx, with_etag, TAG_BACK_OFFICE};
use crate::state::AppState;
use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse};

/// Draw a spot-check sample of a team's submitted diaries in a period (DIA-5): random, but
/// reproducible from the recorded seed.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    request_body = DrawSample,
    responses(
        (status = 201, description = "Drawn", body = SampleDto),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the quality office draws samples", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/spot-checks")]
pub async fn draw_spot_check(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<DrawSample>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let sample = uc::draw(&state.db, &auth.actor, &audit, body.0.into_domain(), audit.at).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/v1/spot-checks/{}", sample.id)))
        .json(SampleDto::from_domain(&sample, &[])))
}

/// Read a spot-check sample and its findings.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(SamplePath),
    responses(
        (status = 200, description = "The sample", body = SampleDto, headers(("ETag" = String, description = "Strong validator of this representation (for `If-None-Match`)"))),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the quality office", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such sample in your company", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/spot-checks/{id}")]
pub async fn get_spot_check(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<SamplePath>,
) -> Result<HttpResponse, ApiError> {
    let (sample, checks) = uc::read(&state.db, &auth.actor, path.id).await?;
    Ok(with_etag(
        &req,
        StatusCode::OK,
        &SampleDto::from_domain(&sample, &checks),
    ))
}

/// Record a finding on a sampled diary: `genuine` or `falsified` (the fact that becomes
/// DIA-PEN-FALSIFIED). One finding per diary per sample.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(SamplePath),
    request_body = NewFinding,
    responses(
        (status = 201, description = "Recorded", body = SampleDto),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the quality office", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such sample in your company", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "This diary already has a finding in this sample", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The diary is not in the sample", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/spot-checks/{id}/findings")]
pub async fn record_finding(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<SamplePath>,
    body: JsonBody<NewFinding>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let finding = body.0.into_domain();
    let (sample, checks) = uc::record(&state.db, &auth.actor, &audit, path.id, finding, audit.at).await?;
    Ok(HttpResponse::Created().json(SampleDto::from_domain(&sample, &checks)))
}
