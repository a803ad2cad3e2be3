//! Activity handlers: authenticate, decode, call one use case, map the answer.

use super::batch::{sync_cursor_header, BatchRequest, BatchResponse, CallLogRequest};
use super::dto::{ActivityDto, ActivityPage, ActivityQuery, NewActivity, RawItem, TodayView, VoidRequest};
use super::BATCH_BODY_LIMIT;
use crate::app::activities::{self as uc, Logged};
use crate::auth::Authenticated;
use crate::http::errors::{ApiError, Problem};
use crate::http::extract::JsonBody;
use crate::http::{
    audit_ctx, insert_location, request_id, with_etag, IdPath, TAG_AGENT, TAG_BACK_OFFICE, TAG_INTEGRATION,
    TAG_SUPERVISOR,
};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use domain::access::Function;
use domain::errors::ErrorCode;

/// The `Idempotency-Key` header, when sent: 1 to 255 printable ASCII characters.
fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(v) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    match v.to_str() {
        Ok(s) if !s.is_empty() && s.len() <= 255 && s.chars().all(|c| c.is_ascii_graphic()) => Ok(Some(s.to_owned())),
        _ => Err(ApiError::coded(
            ErrorCode::InvalidIdempotencyKey,
            "Idempotency-Key must be 1 to 255 printable ASCII characters",
        )),
    }
}

/// Log one activity. Honours `Idempotency-Key`: the same key and body replay the stored
/// response; the same key with another body is 422. Re-sending the same id and body without
/// a key answers 200 with the stored activity; the same id with another body is 409.
#[utoipa::path(
    tags = [TAG_AGENT],
    request_body = NewActivity,
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = r"^[!-~]+$", description = "Makes retries safe: 1 to 255 printable ASCII characters, no spaces")),
    responses(
        (status = 201, description = "Created", body = ActivityDto, headers(("Location" = String, description = "The new resource's URL"), ("ETag" = String, description = "Strong validator of this representation (for `If-None-Match`)"))),
        (status = 200, description = "Already stored with the same content", body = ActivityDto, headers(("ETag" = String, description = "Strong validator of this representation (for `If-None-Match`)"))),
        (status = 400, description = "Malformed JSON or Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only agents log activities", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The id exists with different content", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or an Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/activities")]
pub async fn create_activity(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<RawItem>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::LogActivities)?;
    let key = idempotency_key(&req)?;
    let draft = NewActivity::decode(body.0 .0)?;
    // The response stored under the key is exactly the one a fresh creation sends.
    let render = |a: &domain::activity::Activity| serde_json::to_string(&ActivityDto::from(a)).unwrap_or_default();
    let audit = audit_ctx(&req, &state, &auth.actor);
    match uc::log_one(&state.db, &auth.user, draft, key, render, &audit).await? {
        Logged::Created(a) => {
            let mut resp = with_etag(&req, StatusCode::CREATED, &ActivityDto::from(&a));
            insert_location(&mut resp, &format!("/v1/activities/{}", a.id));
            Ok(resp)
        }
        Logged::Existing(a) => Ok(with_etag(&req, StatusCode::OK, &ActivityDto::from(&a))),
        Logged::Replayed { status, body } => Ok(HttpResponse::build(
            StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
        )
        .insert_header(("Idempotent-Replayed", "true"))
        .content_type("application/json")
        .body(body)),
    }
}

/// Upload up to 500 activities at once (the offline queue). Each item is `created`,
/// `duplicate` or `rejected` with its own problem; one bad item never sinks the rest, and
/// replaying a batch any number of times creates nothing twice.
#[utoipa::path(
    tags = [TAG_AGENT],
    params(("Sync-Cursor" = Option<String>, Header, description = "The device's sync cursor before this upload (from `GET /v1/sync`); the response's `sync_cursor` then leaves this upload's own writes out of the next sync without skipping anything else")),
    request_body = BatchRequest,
    responses(
        (status = 200, description = "Per-item results, in request order", body = BatchResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only agents log activities", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over 2 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a batch, or more than 500 items", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/activities:batch")]
pub async fn create_activities_batch(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<BatchRequest, BATCH_BODY_LIMIT>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::LogActivities)?;
    let items = body.0.into_domain()?;
    let since = sync_cursor_header(&req)?;
    let audit = audit_ctx(&req, &state, &auth.actor);
    let up = uc::log_batch(&state.db, &auth.user, items, since, &audit).await?;
    Ok(HttpResponse::Ok().json(BatchResponse::from_domain(up, "items", &request_id(&req))))
}

/// Import device call-log entries as phone-service activities, de-duplicated by the device's
/// call id. A number matching one of the agent's clients links the call to that client;
/// otherwise it is recorded as prospect tracking.
#[utoipa::path(
    tags = [TAG_AGENT],
    params(("Sync-Cursor" = Option<String>, Header, description = "The device's sync cursor before this upload (see `POST /v1/activities:batch`)")),
    request_body = CallLogRequest,
    responses(
        (status = 200, description = "Per-entry results, in request order", body = BatchResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only agents log activities", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over 2 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "More than 500 entries", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/activities:call-log")]
pub async fn import_call_log(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<CallLogRequest, BATCH_BODY_LIMIT>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::LogActivities)?;
    let entries = body.0.into_domain()?;
    let since = sync_cursor_header(&req)?;
    let audit = audit_ctx(&req, &state, &auth.actor);
    let up = uc::import_call_log(&state.db, &auth.user, entries, since, &audit).await?;
    Ok(HttpResponse::Ok().json(BatchResponse::from_domain(up, "entries", &request_id(&req))))
}

/// List activities within the caller's reach, newest first.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE, TAG_INTEGRATION],
    params(ActivityQuery),
    responses(
        (status = 200, description = "A page of activities, newest first", body = ActivityPage),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot read activities", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query, or a cursor from other filters", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/activities")]
pub async fn list_activities(
    auth: Authenticated,
    state: web::Data<AppState>,
    q: web::Query<ActivityQuery>,
) -> Result<HttpResponse, ApiError> {
    let reach = auth.actor.require(Function::ReadActivities)?;
    let listing = q.into_domain()?;
    let rows = uc::list(
        &state.db,
        &auth.actor,
        &reach,
        &listing.filter,
        listing.after,
        listing.limit,
    )
    .await?;
    Ok(HttpResponse::Ok().json(ActivityPage::from_domain(&rows, &listing)))
}

/// Read one activity.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE, TAG_INTEGRATION],
    params(IdPath),
    responses(
        (status = 200, description = "The activity", body = ActivityDto, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot read activities", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such activity within your reach", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/activities/{id}")]
pub async fn get_activity(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let reach = auth.actor.require(Function::ReadActivities)?;
    let a = uc::get(&state.db, &auth.actor, &reach, path.id).await?;
    Ok(with_etag(&req, StatusCode::OK, &ActivityDto::from(&a)))
}

/// Void an activity (ACT-5): an agent their own, on its business day; the quality office or
/// an admin any, as a correction. Nothing is deleted; the void is audited and the activity
/// stops counting.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_BACK_OFFICE],
    params(IdPath),
    request_body = VoidRequest,
    responses(
        (status = 200, description = "Voided", body = ActivityDto, headers(("ETag" = String, description = "Strong validator of this representation (for `If-None-Match`)"))),
        (status = 400, description = "Malformed JSON or id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot void activities", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such activity within your reach", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already voided, or not of the current business day", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing reason", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/activities/{id}/void")]
pub async fn void_activity(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    body: JsonBody<VoidRequest>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let now = state.clock.now();
    let after = uc::void(&state.db, &auth.actor, &auth.user, &audit, path.id, &body.reason, now).await?;
    Ok(with_etag(&req, StatusCode::OK, &ActivityDto::from(&after)))
}

/// The calling agent's progress today against QUO-FACE-D and QUO-CALL-D.
#[utoipa::path(
    tags = [TAG_AGENT],
    responses(
        (status = 200, description = "Today's progress", body = TodayView),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an agent", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/agents/me/today")]
pub async fn my_today(auth: Authenticated, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::LogActivities)?;
    let progress = uc::today(&state.db, &auth.user, state.clock.now()).await?;
    Ok(HttpResponse::Ok().json(TodayView::from(progress)))
}

/// An agent's progress today, for their supervisor (or back office).
#[utoipa::path(
    tags = [TAG_SUPERVISOR, TAG_BACK_OFFICE],
    params(IdPath),
    responses(
        (status = 200, description = "Today's progress", body = TodayView),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot read progress", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agent within your reach", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/agents/{id}/today")]
pub async fn agent_today(
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let progress = uc::agent_today(&state.db, &auth.actor, domain::ids::UserId(path.id), state.clock.now()).await?;
    Ok(HttpResponse::Ok().json(TodayView::from(progress)))
}
