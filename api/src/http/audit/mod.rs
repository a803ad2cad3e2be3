//! `GET /v1/audit`: the company's audit trail (AUD-1) for its admins, JSON or CSV.

pub mod dto;

use crate::app::audit as uc;
use crate::auth::Authenticated;
use crate::http::errors::{ApiError, Problem};
use crate::http::{next_cursor, wants_csv, TAG_BACK_OFFICE, TAG_INTEGRATION};
use crate::state::AppState;
use actix_web::{get, web, HttpRequest, HttpResponse};
use dto::*;

/// This feature's routes, registered once for the server and the contract.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_audit);
}

/// The link to the next page: the same filters with the new cursor.
fn next_link(req: &HttpRequest, cursor: &str) -> String {
    let kept: Vec<&str> = req
        .query_string()
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("cursor="))
        .collect();
    let mut q = kept.join("&");
    if !q.is_empty() {
        q.push('&');
    }
    format!("<{}?{q}cursor={cursor}>; rel=\"next\"", req.path())
}

/// The audit trail (AUD-1): every change in the company, oldest first, with who made it, when,
/// the request id, and the entity before and after. Admins only. JSON, or CSV with
/// `Accept: text/csv` (the next page is then in the `Link` header).
#[utoipa::path(
    tags = [TAG_BACK_OFFICE, TAG_INTEGRATION],
    params(AuditParams),
    responses(
        (status = 200, description = "A page of audit records", content((AuditPage = "application/json"), (String = "text/csv")),
            headers(("Link" = String, description = "The next page, when there is one"))),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid filters", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/audit")]
pub async fn list_audit(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    q: web::Query<AuditParams>,
) -> Result<HttpResponse, ApiError> {
    // A role without the trail hears 403 before anything about its query.
    auth.actor.require(domain::access::Function::ReadAuditTrail)?;
    let (query, page) = q.into_inner().into_domain()?;
    let rows = uc::list(&state.db, &auth.actor, &query, page).await?;
    let next = next_cursor(&rows, page.limit, |r| r.id);
    let mut resp = if wants_csv(&req) {
        HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .body(audit_csv(&rows))
    } else {
        HttpResponse::Ok().json(AuditPage {
            items: rows.iter().map(AuditEntryDto::from).collect(),
            next_cursor: next.clone(),
        })
    };
    if let Some(c) = next {
        if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&next_link(&req, &c)) {
            resp.headers_mut().insert(actix_web::http::header::LINK, v);
        }
    }
    Ok(resp)
}
