//! Report handlers: authenticate, parse, one use case, map (JSON, or CSV on `Accept: text/csv`).

use super::dto::{MonthQuery, QuarterQuery, QuarterReport, SignOff, SignedOff, TallyReport, YearQuery};
use crate::app::quality_reports as uc;
use crate::auth::Authenticated;
use crate::http::errors::{ApiError, Problem};
use crate::http::extract::JsonBody;
use crate::http::{audit_ctx, wants_csv, TAG_BACK_OFFICE};
use crate::state::AppState;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use domain::ids::BranchId;

fn csv_response(body: String) -> HttpResponse {
    HttpResponse::Ok().content_type("text/csv; charset=utf-8").body(body)
}

fn tally_response(req: &HttpRequest, report: TallyReport) -> HttpResponse {
    if wants_csv(req) {
        csv_response(report.to_csv())
    } else {
        HttpResponse::Ok().json(report)
    }
}

/// The HR post's monthly tally per team (QLT-6). JSON, or CSV with `Accept: text/csv`.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(MonthQuery),
    responses(
        (status = 200, description = "The tally", content((TallyReport = "application/json"), (String = "text/csv"))),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not HR, the quality office or an admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad month", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/quality/reports/monthly")]
pub async fn monthly_report(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    q: web::Query<MonthQuery>,
) -> Result<HttpResponse, ApiError> {
    // A role that may not read reports is refused before its query is judged.
    uc::require_reports(&auth.actor)?;
    let month = q.into_domain()?;
    let rows = uc::monthly_tally(&state.db, &auth.actor, month).await?;
    Ok(tally_response(&req, TallyReport::new(month.to_string(), &rows)))
}

/// The committee's quarterly review: each department's (branch's) figures and sign-off.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(QuarterQuery),
    responses(
        (status = 200, description = "The quarter", content((QuarterReport = "application/json"), (String = "text/csv"))),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not HR, the quality office or an admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad quarter", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/quality/reports/quarterly")]
pub async fn quarterly_report(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    q: web::Query<QuarterQuery>,
) -> Result<HttpResponse, ApiError> {
    uc::require_reports(&auth.actor)?;
    let quarter = q.into_domain()?;
    let deps = uc::quarterly_review(&state.db, &auth.actor, quarter).await?;
    let report = QuarterReport {
        quarter: quarter.to_string(),
        departments: deps.iter().map(Into::into).collect(),
    };
    Ok(if wants_csv(&req) {
        csv_response(report.to_csv())
    } else {
        HttpResponse::Ok().json(report)
    })
}

/// Record the committee's sign-off of a department's quarter (the quality office), once.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    request_body = SignOff,
    responses(
        (status = 201, description = "Signed off"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the quality office", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already signed off", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad quarter or branch", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/quality/reports/quarterly/sign-off")]
pub async fn sign_off(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<SignOff>,
) -> Result<HttpResponse, ApiError> {
    let quarter = body.into_domain()?;
    let audit = audit_ctx(&req, &state, &auth.actor);
    let branch = BranchId(body.branch_id);
    let summary = uc::sign_off(&state.db, &auth.actor, &audit, quarter, branch, &body.note).await?;
    Ok(HttpResponse::Created().json(SignedOff {
        quarter: quarter.to_string(),
        branch_id: branch.0,
        summary,
        signed_at: audit.at,
    }))
}

/// The annual summary per department (QLT-6). JSON, or CSV with `Accept: text/csv`.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(YearQuery),
    responses(
        (status = 200, description = "The year", content((TallyReport = "application/json"), (String = "text/csv"))),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not HR, the quality office or an admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad year", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/quality/reports/annual")]
pub async fn annual_report(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, ApiError> {
    uc::require_reports(&auth.actor)?;
    let year = q.into_domain()?;
    let rows = uc::annual_tally(&state.db, &auth.actor, year).await?;
    Ok(tally_response(&req, TallyReport::new(year.to_string(), &rows)))
}
