//! Licence handlers: authenticate, parse, one use case, map.

use super::dto::{
    AgentLicenceDto, AgentLicenceInput, AgentLicenceList, AgentPath, CeCourseDto, CeCourseList, CeCourseRejection,
    CoursePath, CourseYearQuery, LicenceJobReportDto, LicenceReport, NewCeCourse, ReportYearQuery, RunLicenceJob,
};
use crate::app::licences::{self as uc, CourseDecision};
use crate::auth::Authenticated;
use crate::http::errors::{ApiError, Problem};
use crate::http::extract::JsonBody;
use crate::http::{
    audit_ctx, wants_csv, with_etag, IdPath, TAG_AGENT, TAG_BACK_OFFICE, TAG_INTEGRATION, TAG_SUPERVISOR,
};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use domain::ids::{BranchId, TeamId, UserId};

/// An agent's licence: the certificates, the derived status (LIC-1, LIC-3) with its reason,
/// and the running and previous years' CE hours (LIC-2). An agent without a record is
/// `unlicensed`.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE, TAG_AGENT, TAG_SUPERVISOR, TAG_INTEGRATION],
    params(AgentPath),
    responses(
        (status = 200, description = "The licence", body = AgentLicenceDto,
            headers(("ETag" = String, description = "The licence's version"))),
        (status = 304, description = "Unchanged (If-None-Match)"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot read licences", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agent within your reach", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/agents/{id}/licence")]
pub async fn get_agent_licence(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<AgentPath>,
) -> Result<HttpResponse, ApiError> {
    let a = uc::get_licence(&state.db, &auth.actor, UserId(path.id), state.clock.now()).await?;
    Ok(with_etag(&req, StatusCode::OK, &AgentLicenceDto::from_domain(&a)))
}

/// Record or correct an agent's licence (HR, admins, integrations). Replaces the record; the
/// status stays derived.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE, TAG_INTEGRATION],
    params(AgentPath),
    request_body = AgentLicenceInput,
    responses(
        (status = 200, description = "The licence as recorded", body = AgentLicenceDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not HR or an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agent", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The agent belongs to no branch", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid certificate or dates", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[put("/agents/{id}/licence")]
pub async fn put_agent_licence(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<AgentPath>,
    body: JsonBody<AgentLicenceInput>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let draft = body.0.into_domain();
    let a = uc::put_licence(
        &state.db,
        &auth.actor,
        &audit,
        UserId(path.id),
        draft,
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(AgentLicenceDto::from_domain(&a)))
}

/// Reinstate a lapsed licence once the lapsed year's CE hours are confirmed (LIC-3).
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(AgentPath),
    responses(
        (status = 200, description = "Reinstated", body = AgentLicenceDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not HR or an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agent", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not lapsed (`not_lapsed`), or hours still missing (`ce_hours_missing`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/agents/{id}/licence/reinstate")]
pub async fn reinstate_agent_licence(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<AgentPath>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let a = uc::reinstate(&state.db, &auth.actor, &audit, UserId(path.id), state.clock.now()).await?;
    Ok(HttpResponse::Ok().json(AgentLicenceDto::from_domain(&a)))
}

/// Record a continuing-education course (LIC-2): an agent records their own (pending until HR
/// confirms, evidence required); HR, admins and integrations record confirmed courses.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_BACK_OFFICE, TAG_INTEGRATION],
    params(AgentPath),
    request_body = NewCeCourse,
    responses(
        (status = 201, description = "Recorded (or, sent again with the same id, as stored)", body = CeCourseDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot record courses", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agent within your reach", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The id is taken, or the agent belongs to no branch", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid course", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/agents/{id}/ce-courses")]
pub async fn record_ce_course(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<AgentPath>,
    body: JsonBody<NewCeCourse>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let draft = body.0.into_domain();
    let c = uc::record_ce_course(
        &state.db,
        &auth.actor,
        &audit,
        UserId(path.id),
        draft,
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Created().json(CeCourseDto::from(&c)))
}

/// An agent's courses of a year, and the year's account (LIC-2).
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE],
    params(AgentPath, CourseYearQuery),
    responses(
        (status = 200, description = "The courses", body = CeCourseList),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot read licences", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agent within your reach", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad year", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/agents/{id}/ce-courses")]
pub async fn list_ce_courses(
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<AgentPath>,
    q: web::Query<CourseYearQuery>,
) -> Result<HttpResponse, ApiError> {
    let year = q.into_domain()?;
    let (courses, account) =
        uc::list_ce_courses(&state.db, &auth.actor, UserId(path.id), year, state.clock.now()).await?;
    Ok(HttpResponse::Ok().json(CeCourseList {
        account: (&account).into(),
        items: courses.iter().map(CeCourseDto::from).collect(),
    }))
}

/// HR confirms a course the agent recorded: its hours count from now on.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(CoursePath),
    responses(
        (status = 200, description = "Confirmed", body = CeCourseDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not HR or an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such course of this agent", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already confirmed or rejected", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/agents/{id}/ce-courses/{course_id}/confirm")]
pub async fn confirm_ce_course(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<CoursePath>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let (agent, course) = (UserId(path.id), path.course_id);
    let c = uc::decide_ce_course(
        &state.db,
        &auth.actor,
        &audit,
        agent,
        course,
        CourseDecision::Confirm,
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(CeCourseDto::from(&c)))
}

/// HR rejects a course the agent recorded, with the reason.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(CoursePath),
    request_body = CeCourseRejection,
    responses(
        (status = 200, description = "Rejected", body = CeCourseDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not HR or an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such course of this agent", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already confirmed or rejected", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing reason", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/agents/{id}/ce-courses/{course_id}/reject")]
pub async fn reject_ce_course(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<CoursePath>,
    body: JsonBody<CeCourseRejection>,
) -> Result<HttpResponse, ApiError> {
    let audit = audit_ctx(&req, &state, &auth.actor);
    let decision = CourseDecision::Reject(body.0.reason);
    let c = uc::decide_ce_course(
        &state.db,
        &auth.actor,
        &audit,
        UserId(path.id),
        path.course_id,
        decision,
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(CeCourseDto::from(&c)))
}

/// The team view: each agent's licence status and CE hours (an agent sees only themselves).
#[utoipa::path(
    tags = [TAG_SUPERVISOR, TAG_BACK_OFFICE],
    params(IdPath),
    responses(
        (status = 200, description = "The team's licences", body = AgentLicenceList),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot read licences", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such team within your reach", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/teams/{id}/licences")]
pub async fn list_team_licences(
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let items = uc::team_licences(&state.db, &auth.actor, TeamId(path.id), state.clock.now()).await?;
    Ok(HttpResponse::Ok().json(AgentLicenceList::from_domain(&items)))
}

/// HR's view: every agent below pace on the running year's CE hours, most hours missing first.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    responses(
        (status = 200, description = "Agents below pace", body = AgentLicenceList),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not HR or an admin", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/licences/below-pace")]
pub async fn list_agents_below_pace(auth: Authenticated, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let items = uc::below_pace(&state.db, &auth.actor, state.clock.now()).await?;
    Ok(HttpResponse::Ok().json(AgentLicenceList::from_domain(&items)))
}

/// Licensed, unlicensed and lapsed agents and CE completion of a year, per team and per
/// branch. JSON, or CSV with `Accept: text/csv`.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(ReportYearQuery),
    responses(
        (status = 200, description = "The report", content((LicenceReport = "application/json"), (String = "text/csv"))),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not HR or an admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad or future year", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/licences/report")]
pub async fn get_licence_report(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    q: web::Query<ReportYearQuery>,
) -> Result<HttpResponse, ApiError> {
    // A role that may not read the report is refused before its query is judged.
    uc::require_licence_reports(&auth.actor)?;
    let year = q.into_domain()?;
    let rows = uc::licence_report(&state.db, &auth.actor, year, state.clock.now()).await?;
    let report = LicenceReport::new(year, &rows);
    Ok(if wants_csv(&req) {
        HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .body(report.to_csv())
    } else {
        HttpResponse::Ok().json(report)
    })
}

/// Run LIC-3 for a branch now, with the same effect as the background job: lapses from
/// 1 January and the CE reminders due, each written once.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    request_body = RunLicenceJob,
    responses(
        (status = 200, description = "Done (repeating it changes nothing)", body = LicenceJobReportDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown branch", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/admin/jobs/licences")]
pub async fn run_licence_job(
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<RunLicenceJob>,
) -> Result<HttpResponse, ApiError> {
    let branch = BranchId(body.branch_id);
    let r = uc::run_licence_job(&state.db, &auth.actor, branch, state.clock.now()).await?;
    Ok(HttpResponse::Ok().json(LicenceJobReportDto::from(r)))
}
