//! Diary handlers: authenticate, parse, call one use case of `app::diaries`, map.

use super::dto::{etag, if_match, DiaryDto, DiaryEdit, DiaryPath, ReviewRequest};
use super::queue_dto::{BulkApprove, BulkResponse, BulkResult, QueueEntry, QueueQuery, QueueResponse, TeamPath};
use crate::app::diaries::{self as uc, Review};
use crate::auth::Authenticated;
use crate::http::errors::{ApiError, Problem};
use crate::http::extract::{JsonBody, OptionalJson};
use crate::http::{audit_ctx, request_id, TAG_AGENT, TAG_BACK_OFFICE, TAG_SUPERVISOR};
use crate::state::AppState;
use actix_web::http::{header, StatusCode};
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use domain::diary::{DiaryAction, DiaryView};
use domain::ids::TeamId;

/// The diary with its version as ETag; never cached without revalidation.
fn diary_response(view: &DiaryView) -> HttpResponse {
    HttpResponse::build(StatusCode::OK)
        .insert_header((header::ETAG, etag(view.diary.version)))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(DiaryDto::from_domain(view))
}

/// Read an agent's diary for a day, creating the draft (with the day's activity summary) on
/// first read. Only working days that are not on approved leave have a diary.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE],
    params(DiaryPath),
    responses(
        (status = 200, description = "The diary", body = DiaryDto, headers(("ETag" = String, description = "The diary's version, for If-Match"))),
        (status = 400, description = "Malformed agent id or date", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot read diaries", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agent within your reach, or no diary due that day (code no_diary_required)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A date in the future", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/diaries/{agent}/{date}")]
pub async fn get_diary(
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<DiaryPath>,
) -> Result<HttpResponse, ApiError> {
    let view = uc::read_diary(&state.db, &auth.actor, path.key(), state.clock.now()).await?;
    Ok(diary_response(&view))
}

/// Edit notes and tomorrow's plan (the owner only, while draft or returned). `If-Match` with
/// the diary's ETag is required, so two devices cannot silently overwrite each other.
#[utoipa::path(
    tags = [TAG_AGENT],
    params(DiaryPath, ("If-Match" = String, Header, description = "The ETag from the last read")),
    request_body = DiaryEdit,
    responses(
        (status = 200, description = "Saved", body = DiaryDto, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON or path", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the agent writes their diary", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not your diary, or no diary due that day", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Submitted or approved diaries cannot be edited", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[put("/diaries/{agent}/{date}")]
pub async fn edit_diary(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<DiaryPath>,
    body: JsonBody<DiaryEdit>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let edit = body.0.into_domain();
    let view = uc::edit_diary(
        &state.db,
        &auth.actor,
        &audit,
        path.key(),
        &if_match(&req),
        edit,
        audit.at,
    )
    .await?;
    Ok(diary_response(&view))
}

/// Submit the diary (draft or returned). The first submission's server receive time decides
/// on time / late-filled / missing (DIA-3); each submission sets the review deadline (DIA-4).
#[utoipa::path(
    tags = [TAG_AGENT],
    params(DiaryPath, ("If-Match" = Option<String>, Header, description = "The ETag from the last read; when sent, a diary changed since is refused with 412")),
    responses(
        (status = 200, description = "Submitted", body = DiaryDto, headers(("ETag" = String))),
        (status = 400, description = "Malformed path", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the agent submits their diary", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not your diary, or no diary due that day", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already submitted or approved", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/diaries/{agent}/{date}/submit")]
pub async fn submit_diary(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<DiaryPath>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let view = uc::submit_diary(&state.db, &auth.actor, &audit, path.key(), &if_match(&req), audit.at).await?;
    Ok(diary_response(&view))
}

/// Approve or return one diary, mapped to its response.
async fn review(
    req: &HttpRequest,
    auth: &Authenticated,
    state: &AppState,
    path: &DiaryPath,
    action: DiaryAction,
    comment: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(req, state, &auth.actor);
    let r = Review { action, comment };
    let view = uc::review_diary(&state.db, &auth.actor, &audit, path.key(), &if_match(req), r, audit.at).await?;
    Ok(diary_response(&view))
}

/// Approve a submitted diary (the agent's supervisor, or an admin).
#[utoipa::path(
    tags = [TAG_SUPERVISOR],
    params(DiaryPath, ("If-Match" = Option<String>, Header, description = "The ETag from the last read; when sent, a diary changed since is refused with 412")),
    request_body(content = ReviewRequest, description = "An optional comment"),
    responses(
        (status = 200, description = "Approved", body = DiaryDto, headers(("ETag" = String))),
        (status = 400, description = "Malformed path or JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only supervisors and admins review", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not an agent of your teams, or no diary due that day", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not submitted", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/diaries/{agent}/{date}/approve")]
pub async fn approve_diary(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<DiaryPath>,
    body: OptionalJson<ReviewRequest>,
) -> Result<HttpResponse, ApiError> {
    review(&req, &auth, &state, &path, DiaryAction::Approve, body.0.comment).await
}

/// Return a submitted diary for correction, with a comment (required).
#[utoipa::path(
    tags = [TAG_SUPERVISOR],
    params(DiaryPath, ("If-Match" = Option<String>, Header, description = "The ETag from the last read; when sent, a diary changed since is refused with 412")),
    request_body = ReviewRequest,
    responses(
        (status = 200, description = "Returned", body = DiaryDto, headers(("ETag" = String))),
        (status = 400, description = "Malformed path or JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only supervisors and admins review", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not an agent of your teams, or no diary due that day", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not submitted", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No comment", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/diaries/{agent}/{date}/return")]
pub async fn return_diary(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<DiaryPath>,
    body: OptionalJson<ReviewRequest>,
) -> Result<HttpResponse, ApiError> {
    review(&req, &auth, &state, &path, DiaryAction::Return, body.0.comment).await
}

/// The supervisor's review queue for a day: every agent of the team with their diary's
/// state, submission class and review deadline, most urgent first.
#[utoipa::path(
    tags = [TAG_SUPERVISOR],
    params(TeamPath, QueueQuery),
    responses(
        (status = 200, description = "The queue", body = QueueResponse),
        (status = 400, description = "Malformed team id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only supervisors and admins review", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not one of your teams", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/teams/{id}/diaries")]
pub async fn team_queue(
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<TeamPath>,
    q: web::Query<QueueQuery>,
) -> Result<HttpResponse, ApiError> {
    let only = q.status.map(|s| s.into_domain());
    let now = state.clock.now();
    let items = uc::team_queue(&state.db, &auth.actor, TeamId(path.id), q.date, only, now).await?;
    Ok(HttpResponse::Ok().json(QueueResponse {
        team_id: path.id,
        date: q.date,
        items: items.into_iter().map(QueueEntry::from_domain).collect(),
    }))
}

/// Approve several diaries of a team at once (e.g. at the morning meeting); each result is
/// reported per diary.
#[utoipa::path(
    tags = [TAG_SUPERVISOR],
    params(TeamPath, ("If-Match" = Option<String>, Header, description = "The ETags of the diaries as last read (comma-separated); a diary whose ETag is not listed is reported as stale in its result")),
    request_body = BulkApprove,
    responses(
        (status = 200, description = "Per-diary results", body = BulkResponse),
        (status = 400, description = "Malformed JSON or team id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only supervisors and admins review", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not one of your teams", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid request", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/teams/{id}/diaries:approve")]
pub async fn bulk_approve(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<TeamPath>,
    body: JsonBody<BulkApprove>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let input = body.0.into_domain();
    let team = TeamId(path.id);
    let outcomes = uc::bulk_approve(&state.db, &auth.actor, &audit, team, input, &if_match(&req), audit.at).await?;
    let rid = request_id(&req);
    let results = outcomes
        .into_iter()
        .map(|(key, r)| BulkResult::from_outcome(key, r.err().map(|e| ApiError::from(e).problem_for(&rid))))
        .collect();
    Ok(HttpResponse::Ok().json(BulkResponse { results }))
}
