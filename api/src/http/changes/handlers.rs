//! Feed, sync and retention handlers: authenticate, parse, one use case, map.

use super::dto::{ChangesPage, ChangesQuery, PruneReport, SyncQuery, SyncResponse};
use crate::app::changes as uc;
use crate::auth::{Authenticated, Caller};
use crate::http::errors::{ApiError, Problem};
use crate::http::extract::OptionalJson;
use crate::http::integrations::NoBody;
use crate::http::{TAG_AGENT, TAG_BACK_OFFICE, TAG_INTEGRATION, TAG_SUPERVISOR};
use crate::state::AppState;
use actix_web::{get, post, web, HttpResponse};

/// Read the company's change feed.
///
/// Every change a CRM cares about, each with a server-assigned position that is gap-free and
/// in commit order: reading from a cursor while others write never skips or repeats an event.
/// Voids and deletions are tombstones. Events older than the retention (default 30 days) are
/// pruned; a cursor older than that gets 410 `cursor_expired`, whose detail says how to resync.
/// Admins, or integrations with `changes:read`.
#[utoipa::path(
    tags = [TAG_INTEGRATION, TAG_BACK_OFFICE],
    params(ChangesQuery),
    responses(
        (status = 200, description = "A page of events", body = ChangesPage),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither an admin nor a token with changes:read", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The cursor is older than the retention: resync", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad cursor, type or limit", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/changes")]
pub async fn list_changes(
    caller: Caller,
    state: web::Data<AppState>,
    q: web::Query<ChangesQuery>,
) -> Result<HttpResponse, ApiError> {
    let (after, types, limit) = q.parse()?;
    let page = uc::read_feed(&state.db, &caller.principal, after, types, limit).await?;
    Ok(HttpResponse::Ok().json(ChangesPage::from(page)))
}

/// Sync a device: what changed for the caller since the cursor.
///
/// An agent gets their own records, a supervisor their teams'; grouped per entity as
/// `created`, `updated` and `deleted` ids (a record moved to someone else is `deleted` for
/// its former holder). A cursor returned by `POST /v1/activities:batch` leaves out that
/// upload's own writes.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR],
    params(SyncQuery),
    responses(
        (status = 200, description = "What to change on the device", body = SyncResponse),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role does not sync", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The cursor is older than the retention: resync", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a cursor this API issued", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/sync")]
pub async fn sync_changes(
    auth: Authenticated,
    state: web::Data<AppState>,
    q: web::Query<SyncQuery>,
) -> Result<HttpResponse, ApiError> {
    let (cursor, limit) = q.parse()?;
    let page = uc::sync(&state.db, &auth.actor, cursor, limit).await?;
    Ok(HttpResponse::Ok().json(SyncResponse::from(page)))
}

/// Prune change-feed events past the retention now (the background job does it too).
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    request_body(content = NoBody, description = "Optional; send nothing or `{}`"),
    responses(
        (status = 200, description = "Pruned", body = PruneReport),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/admin/jobs/prune-changes")]
pub async fn prune_changes(
    auth: Authenticated,
    state: web::Data<AppState>,
    _body: OptionalJson<NoBody>,
) -> Result<HttpResponse, ApiError> {
    let days = state.config.change_retention_days;
    let deleted = uc::prune_now(&state.db, &auth.actor, state.clock.now(), days).await?;
    Ok(HttpResponse::Ok().json(PruneReport { deleted }))
}
