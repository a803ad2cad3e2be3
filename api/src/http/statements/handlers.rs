//! The monthly settlement job and the statements it writes (COM-8).

use super::dto::{statement_csv, Settle, SettlementReport, StatementDto, StatementList, StatementQuery};
use crate::app::statements as uc;
use crate::auth::Authenticated;
use crate::http::errors::{ApiError, Problem};
use crate::http::extract::JsonBody;
use crate::http::{wants_csv, with_etag, IdPath, TAG_AGENT, TAG_BACK_OFFICE, TAG_INTEGRATION, TAG_SUPERVISOR};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use domain::access::Function;

/// Run the month's settlement for a branch (COM-8) once its cut-off has passed. Idempotent:
/// one statement per person, immutable once written.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    request_body = Settle,
    responses(
        (status = 200, description = "Settled (repeating it changes nothing)", body = SettlementReport),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The cut-off has not passed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown branch or bad month", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/admin/jobs/settle")]
pub async fn settle(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<Settle>,
) -> Result<HttpResponse, ApiError> {
    let (branch, month) = body.0.into_domain()?;
    let audit = crate::http::audit_ctx(&req, &state, &auth.actor);
    let done = uc::settle_month(&state.db, &auth.actor, branch, month, &audit).await?;
    Ok(HttpResponse::Ok().json(SettlementReport::from_domain(done)))
}

/// A person's monthly statements.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE, TAG_INTEGRATION],
    params(IdPath, StatementQuery),
    responses(
        (status = 200, description = "Statements", body = StatementList),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot read ledgers", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such person within your reach", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/agents/{id}/statements")]
pub async fn statements(
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    q: web::Query<StatementQuery>,
) -> Result<HttpResponse, ApiError> {
    // A role without ledgers hears 403 before anything about its query.
    auth.actor.require(Function::ReadLedgers)?;
    let month = q.month()?;
    let items = uc::statements_of(&state.db, &auth.actor, path.id, month).await?;
    Ok(HttpResponse::Ok().json(StatementList {
        items: items.iter().map(StatementDto::from_domain).collect(),
    }))
}

/// One statement, as JSON or (with `Accept: text/csv`) CSV for payroll.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE, TAG_INTEGRATION],
    params(IdPath),
    responses(
        (status = 200, description = "The statement", content((StatementDto = "application/json"), (String = "text/csv")), headers(("ETag" = String, description = "Strong validator of the JSON representation (for `If-None-Match`); not sent with CSV"))),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot read ledgers", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such statement within your reach", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/statements/{id}")]
pub async fn get_statement(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let s = uc::get_statement(&state.db, &auth.actor, path.id).await?;
    if wants_csv(&req) {
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .body(statement_csv(&s)));
    }
    Ok(with_etag(&req, StatusCode::OK, &StatementDto::from_domain(&s)))
}
