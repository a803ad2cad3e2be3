//! Policy versions (POL-1), the close jobs, compliance, the penalty and lead ledgers, and the
//! supervisor dashboard (section 5, SUP-3).

use super::{audit_ctx, next_cursor, with_etag, TAG_AGENT, TAG_BACK_OFFICE, TAG_INTEGRATION, TAG_SUPERVISOR};
use crate::app::jobs::{self, AllocationReport, CloseReport, MonthReport, MonthlyCompliance, Requirement};
use crate::auth::Authenticated;
use crate::http::errors::{ApiError, Problem};
use crate::http::extract::JsonBody;
use crate::state::AppState;
use actix_web::http::{header, StatusCode};
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::access::{Function, Owner};
use domain::diary::{classify_submission, day_status, submission_deadlines, DayStatus, Timeliness};
use domain::ids::{BranchId, CompanyId, TeamId, UserId};
use domain::org::{Branch, Role, User};
use domain::penalty::{quarter_bounds, quarter_of, EntryKind, PenaltyEntry};
use domain::policy::{PolicyDocument, PolicyInForce, PolicyVersion};
use domain::ports::{DiaryRepo, LedgerRepo, ListScope, OrganisationRepo, PageRequest, PolicyRepo, RepoError};
use domain::time::business_day;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

// ---------------------------------------------------------------- policies

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PolicyDto {
    pub id: Uuid,
    /// Absent for a company-wide version; a branch version overrides the company's.
    pub branch_id: Option<Uuid>,
    /// Sequential within its scope.
    pub version: i64,
    pub effective_from: NaiveDate,
    /// Every parameter (see the rulebook): `activity`, `monthly`, `diary`, `penalties`, `leads`.
    #[schema(value_type = Object)]
    pub document: Value,
    /// A version in effect can no longer be edited; create a new one.
    pub in_effect: bool,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewPolicy {
    /// Omit for a company-wide version.
    pub branch_id: Option<Uuid>,
    /// Must not be in the past: a new version never rewrites closed history.
    pub effective_from: NaiveDate,
    /// Parameters; omitted sections and fields take the rulebook defaults.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub document: Value,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct UpdatePolicy {
    pub effective_from: Option<NaiveDate>,
    #[schema(value_type = Option<Object>)]
    pub document: Option<Value>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PolicyList {
    pub items: Vec<PolicyDto>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PolicyInForceDto {
    /// Absent when no version exists and the rulebook defaults apply (version 0).
    pub id: Option<Uuid>,
    pub version: i64,
    pub date: NaiveDate,
    #[schema(value_type = Object)]
    pub document: Value,
}

/// "Today" for a scope: a version has taken effect once its date is reached anywhere it applies.
async fn scope_today(state: &AppState, company: CompanyId, branch: Option<BranchId>) -> Result<NaiveDate, ApiError> {
    let now = state.clock.now();
    let branches: Vec<Branch> = match branch {
        Some(b) => state.db.get_branch(company, b).await?.into_iter().collect(),
        None => {
            state
                .db
                .list_branches(
                    company,
                    PageRequest {
                        after: None,
                        limit: 10_000,
                    },
                )
                .await?
        }
    };
    Ok(branches
        .iter()
        .map(|b| business_day(now, jobs::branch_tz(b)))
        .max()
        .unwrap_or_else(|| now.date_naive()))
}

async fn policy_dto(state: &AppState, p: &PolicyVersion) -> Result<PolicyDto, ApiError> {
    let today = scope_today(state, p.company_id, p.branch_id).await?;
    Ok(PolicyDto {
        id: p.id,
        branch_id: p.branch_id.map(|b| b.0),
        version: p.version,
        effective_from: p.effective_from,
        document: serde_json::to_value(&p.document).unwrap_or(Value::Null),
        in_effect: p.effective_from <= today,
        created_by: p.created_by.0,
        created_at: p.created_at,
        updated_at: p.updated_at,
    })
}

fn parse_document(v: Value, pointer: &str) -> Result<PolicyDocument, ApiError> {
    let v = if v.is_null() {
        Value::Object(Default::default())
    } else {
        v
    };
    let doc: PolicyDocument = crate::http::extract::decode_value(v, pointer).map_err(ApiError::validation)?;
    doc.validate(pointer).map_err(ApiError::validation)?;
    Ok(doc)
}

/// Create a policy version (POL-1), company-wide or for one branch, effective from a date.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    request_body = NewPolicy,
    responses(
        (status = 201, description = "Created", body = PolicyDto),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A concurrent version took the number; retry", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameters or a date in the past", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/policy-versions")]
pub async fn create_policy(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<NewPolicy>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::ManagePolicies)?;
    let company = auth.actor.company_id;
    let b = body.0;
    let branch = b.branch_id.map(BranchId);
    if let Some(br) = branch {
        if state.db.get_branch(company, br).await?.is_none() {
            return Err(ApiError::field("/branch_id", "no such branch"));
        }
    }
    let document = parse_document(b.document, "/document")?;
    let today = scope_today(&state, company, branch).await?;
    if b.effective_from < today {
        return Err(ApiError::field(
            "/effective_from",
            format!("must not be before today ({today}): closed history is never rewritten"),
        ));
    }
    let versions = state.db.company_policies(company).await?;
    let version = versions
        .iter()
        .filter(|v| v.branch_id == branch)
        .map(|v| v.version)
        .max()
        .unwrap_or(0)
        + 1;
    let now = state.clock.now();
    let p = PolicyVersion {
        company_id: company,
        id: Uuid::now_v7(),
        branch_id: branch,
        version,
        effective_from: b.effective_from,
        document,
        created_by: auth.actor.user_id,
        created_at: now,
        updated_at: now,
    };
    state
        .db
        .insert_policy(&audit_ctx(&req, &state, &auth.actor), &p)
        .await
        .map_err(|e| match e {
            RepoError::Conflict(_) => {
                ApiError::conflict("version_taken", "another version was created at the same time; retry")
            }
            other => other.into(),
        })?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/v1/policy-versions/{}", p.id)))
        .json(policy_dto(&state, &p).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PolicyQuery {
    /// Only this branch's versions (omit for all, company-wide included).
    pub branch_id: Option<Uuid>,
}

/// The history of policy versions.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE, TAG_SUPERVISOR, TAG_AGENT, TAG_INTEGRATION],
    params(PolicyQuery),
    responses(
        (status = 200, description = "Every version, oldest first per scope", body = PolicyList),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/policy-versions")]
pub async fn list_policies(
    auth: Authenticated,
    state: web::Data<AppState>,
    q: web::Query<PolicyQuery>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::ReadPolicies)?;
    let mut items = Vec::new();
    for p in state.db.company_policies(auth.actor.company_id).await? {
        if q.branch_id.is_none_or(|b| p.branch_id == Some(BranchId(b))) {
            items.push(policy_dto(&state, &p).await?);
        }
    }
    Ok(HttpResponse::Ok().json(PolicyList { items }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct IdPath {
    /// The id.
    pub id: Uuid,
}

/// Read a policy version.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE, TAG_SUPERVISOR, TAG_AGENT, TAG_INTEGRATION],
    params(IdPath),
    responses(
        (status = 200, description = "The version", body = PolicyDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such version in your company", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/policy-versions/{id}")]
pub async fn get_policy(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::ReadPolicies)?;
    let p = state
        .db
        .get_policy(auth.actor.company_id, path.id)
        .await?
        .ok_or_else(|| ApiError::not_found("policy version"))?;
    Ok(with_etag(&req, StatusCode::OK, &policy_dto(&state, &p).await?))
}

/// Change a version that has not taken effect yet (one in effect is refused: create a new one).
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(IdPath),
    request_body = UpdatePolicy,
    responses(
        (status = 200, description = "Updated", body = PolicyDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such version in your company", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The version has taken effect", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parameters", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[patch("/policy-versions/{id}")]
pub async fn update_policy(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    body: JsonBody<UpdatePolicy>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::ManagePolicies)?;
    let before = state
        .db
        .get_policy(auth.actor.company_id, path.id)
        .await?
        .ok_or_else(|| ApiError::not_found("policy version"))?;
    let today = scope_today(&state, before.company_id, before.branch_id).await?;
    if before.effective_from <= today {
        return Err(ApiError::conflict(
            "policy_in_effect",
            "this version has taken effect; create a new version instead",
        ));
    }
    let b = body.0;
    let mut after = before.clone();
    if let Some(d) = b.document {
        after.document = parse_document(d, "/document")?;
    }
    if let Some(e) = b.effective_from {
        if e < today {
            return Err(ApiError::field(
                "/effective_from",
                format!("must not be before today ({today})"),
            ));
        }
        after.effective_from = e;
    }
    after.updated_at = state.clock.now();
    state
        .db
        .update_policy(&audit_ctx(&req, &state, &auth.actor), &before, &after)
        .await?;
    Ok(HttpResponse::Ok().json(policy_dto(&state, &after).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InForceQuery {
    pub branch_id: Uuid,
    pub date: NaiveDate,
}

/// The version in force for a branch on a date (the branch's, else the company's, else the
/// rulebook defaults as version 0).
#[utoipa::path(
    tags = [TAG_BACK_OFFICE, TAG_SUPERVISOR, TAG_AGENT, TAG_INTEGRATION],
    params(InForceQuery),
    responses(
        (status = 200, description = "The version in force", body = PolicyInForceDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query or unknown branch", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/policy-versions:in-force")]
pub async fn policy_in_force(
    auth: Authenticated,
    state: web::Data<AppState>,
    q: web::Query<InForceQuery>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::ReadPolicies)?;
    let company = auth.actor.company_id;
    if state.db.get_branch(company, BranchId(q.branch_id)).await?.is_none() {
        return Err(ApiError::field("/query/branch_id", "no such branch"));
    }
    let versions = state.db.company_policies(company).await?;
    let p = PolicyInForce::from_versions(&versions, Some(BranchId(q.branch_id)), q.date);
    Ok(HttpResponse::Ok().json(PolicyInForceDto {
        id: p.id,
        version: p.version,
        date: q.date,
        document: serde_json::to_value(&p.document).unwrap_or(Value::Null),
    }))
}

/// The policy in force for a user's branch on a day (used by every rule evaluation).
pub async fn policy_for(
    state: &AppState,
    company: CompanyId,
    branch: Option<BranchId>,
    day: NaiveDate,
) -> Result<PolicyInForce, ApiError> {
    let versions = state.db.company_policies(company).await?;
    Ok(PolicyInForce::from_versions(&versions, branch, day))
}

// ---------------------------------------------------------------- jobs

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CloseDay {
    pub branch_id: Uuid,
    pub date: NaiveDate,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CloseMonth {
    pub branch_id: Uuid,
    /// YYYY-MM.
    #[schema(example = "2026-11")]
    pub month: String,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct AllocateLeads {
    /// e.g. "2026Q4".
    #[schema(example = "2026Q4")]
    pub quarter: String,
}

async fn admin_branch(state: &AppState, auth: &Authenticated, id: Uuid) -> Result<Branch, ApiError> {
    auth.actor.require(Function::ManagePolicies)?;
    state
        .db
        .get_branch(auth.actor.company_id, BranchId(id))
        .await?
        .ok_or_else(|| ApiError::field("/branch_id", "no such branch"))
}

fn not_closable(t: Option<DateTime<Utc>>) -> ApiError {
    ApiError::conflict(
        "not_closable_yet",
        match t {
            Some(t) => format!("deadlines affecting this period run until {}", t.to_rfc3339()),
            None => "the calendar has no working day to close this period against".to_owned(),
        },
    )
}

/// Close a branch's business day now, with the same effect as the background job: every
/// agent and supervisor evaluated, penalties and lead deductions written once.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    request_body = CloseDay,
    responses(
        (status = 200, description = "Closed (repeating it changes nothing)", body = CloseReport),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A deadline affecting the day has not passed yet", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown branch", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/admin/jobs/close-day")]
pub async fn close_day(
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<CloseDay>,
) -> Result<HttpResponse, ApiError> {
    let branch = admin_branch(&state, &auth, body.branch_id).await?;
    let now = state.clock.now();
    let t = jobs::close_time(&branch, body.date);
    if t.is_none_or(|t| t > now) {
        return Err(not_closable(t));
    }
    let r = jobs::evaluate_range(&state.db, &branch, body.date, body.date, now).await?;
    Ok(HttpResponse::Ok().json(r))
}

/// Close a month: its days, its monthly compliance, and any monthly penalties the policy attaches.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    request_body = CloseMonth,
    responses(
        (status = 200, description = "Closed (repeating it changes nothing)", body = MonthReport),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The month's last day cannot be closed yet", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown branch or bad month", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/admin/jobs/close-month")]
pub async fn close_month(
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<CloseMonth>,
) -> Result<HttpResponse, ApiError> {
    let branch = admin_branch(&state, &auth, body.branch_id).await?;
    let (_, last) =
        jobs::month_bounds(&body.month).ok_or_else(|| ApiError::field("/month", "must be a month as YYYY-MM"))?;
    let now = state.clock.now();
    let t = jobs::close_time(&branch, last);
    if t.is_none_or(|t| t > now) {
        return Err(not_closable(t));
    }
    Ok(HttpResponse::Ok().json(jobs::close_month(&state.db, &branch, &body.month, now).await?))
}

/// Allocate a quarter's client leads (LEAD-1, LEAD-2) to every active agent. Idempotent.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    request_body = AllocateLeads,
    responses(
        (status = 200, description = "Allocated (repeating it changes nothing)", body = AllocationReport),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The quarter has not started", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad quarter", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/admin/jobs/allocate-leads")]
pub async fn allocate_leads(
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<AllocateLeads>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::ManagePolicies)?;
    let (first, _) =
        quarter_bounds(&body.quarter).ok_or_else(|| ApiError::field("/quarter", "must be a quarter such as 2026Q4"))?;
    let now = state.clock.now();
    if now.date_naive() < first {
        return Err(ApiError::conflict(
            "quarter_not_started",
            format!("{} starts on {first}", body.quarter),
        ));
    }
    Ok(HttpResponse::Ok().json(jobs::allocate_leads(&state.db, auth.actor.company_id, &body.quarter, now).await?))
}

// ---------------------------------------------------------------- compliance

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// YYYY-MM.
    #[param(example = "2026-11")]
    pub month: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DayCompliance {
    pub date: NaiveDate,
    /// working, rest, holiday or leave.
    pub status: String,
    /// QUO-FACE-D (required 0 on days without duty).
    pub face_visits: Requirement,
    /// QUO-CALL-D.
    pub phone_services: Requirement,
    /// QUO-DIARY / DIA-3: on_time, late_filled, missing or pending (none on days without duty).
    pub diary: Option<String>,
    pub policy_version: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComplianceResponse {
    pub agent_id: Uuid,
    pub month: String,
    pub days: Vec<DayCompliance>,
    pub monthly: MonthlyCompliance,
}

/// An agent's compliance for a month: one row per day (each requirement met or short by N)
/// and the monthly requirements.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE],
    params(IdPath, MonthQuery),
    responses(
        (status = 200, description = "The month", body = ComplianceResponse),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot read ledgers", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agent within your reach", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad month", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/agents/{id}/compliance")]
pub async fn compliance(
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    q: web::Query<MonthQuery>,
) -> Result<HttpResponse, ApiError> {
    let reach = auth.actor.require(Function::ReadLedgers)?;
    let agent = super::visible_agent(&state, &auth.actor, &reach, path.id).await?;
    let (from, to) =
        jobs::month_bounds(&q.month).ok_or_else(|| ApiError::field("/query/month", "must be a month as YYYY-MM"))?;
    let branch_id = agent
        .branch_id
        .ok_or_else(|| ApiError::conflict("no_branch", "the agent has no branch"))?;
    let branch = state
        .db
        .get_branch(agent.company_id, branch_id)
        .await?
        .ok_or_else(ApiError::internal)?;
    let tz = jobs::branch_tz(&branch);
    let calendar = branch.settings.calendar();
    let versions = state.db.company_policies(agent.company_id).await?;
    let policies = jobs::policies_by_day(&versions, branch.id, from, to);
    let counts = jobs::counts_by_day(
        &state.db,
        agent.company_id,
        branch.id,
        from,
        to,
        &policies,
        Some(agent.id),
    )
    .await?;
    let leave = state.db.approved_leave(agent.company_id, agent.id, from, to).await?;
    let diaries: HashMap<NaiveDate, _> = state
        .db
        .branch_diaries(agent.company_id, branch.id, from, to, Some(agent.id))
        .await?
        .into_iter()
        .filter(|(a, _, _)| *a == agent.id)
        .map(|(_, d, f)| (d, f))
        .collect();
    let now = state.clock.now();
    let mut days = Vec::new();
    let mut d = from;
    while d <= to {
        let p = policies.get(&d).cloned().unwrap_or_default();
        let on_leave = leave.iter().any(|l| l.from <= d && d <= l.to);
        let st = day_status(d, &calendar, on_leave);
        let duty = st == DayStatus::Working;
        let c = counts.get(&(agent.id, d));
        let (fr, cr) = if duty {
            (
                i64::from(p.document.activity.face_visits_per_day),
                i64::from(p.document.activity.calls_per_day),
            )
        } else {
            (0, 0)
        };
        let diary = if duty {
            submission_deadlines(d, &calendar, tz, branch.settings.morning_meeting, &p.document.diary).map(|dl| {
                match classify_submission(diaries.get(&d).and_then(|f| f.first_submitted_at), now, &dl).0 {
                    Timeliness::OnTime => "on_time",
                    Timeliness::LateFilled => "late_filled",
                    Timeliness::Missing => "missing",
                    Timeliness::Pending => "pending",
                }
                .to_owned()
            })
        } else {
            None
        };
        days.push(DayCompliance {
            date: d,
            status: match st {
                DayStatus::Working => "working",
                DayStatus::Rest => "rest",
                DayStatus::Holiday => "holiday",
                DayStatus::Leave => "leave",
            }
            .to_owned(),
            face_visits: Requirement::new(c.map(|c| c.face_visits).unwrap_or(0), fr),
            phone_services: Requirement::new(c.map(|c| c.calls).unwrap_or(0), cr),
            diary,
            policy_version: p.version,
        });
        d += Duration::days(1);
    }
    let monthly = jobs::monthly_compliance(&state.db, &branch, from, to, Some(agent.id))
        .await?
        .into_iter()
        .next()
        .map(|(_, m)| m)
        .ok_or_else(|| ApiError::not_found("agent"))?;
    Ok(HttpResponse::Ok().json(ComplianceResponse {
        agent_id: agent.id.0,
        month: q.month.clone(),
        days,
        monthly,
    }))
}

// ---------------------------------------------------------------- penalties

#[derive(Debug, Serialize, ToSchema)]
pub struct PenaltyDto {
    pub id: Uuid,
    pub person_id: Uuid,
    /// agent or supervisor.
    pub role: String,
    /// The rulebook id (e.g. DIA-PEN-MISSING).
    pub rule_id: String,
    /// penalty, adjustment (LEDGER-2) or waiver (PEN-3).
    pub kind: String,
    /// The day (or first day of the period) it is about.
    pub business_day: NaiveDate,
    /// The open period it was posted in.
    pub posted_day: NaiveDate,
    /// Commission reduction in fen (negative for corrections and waivers).
    pub amount_fen: i64,
    /// Client leads deducted (negative for corrections and waivers).
    pub leads: i64,
    pub policy_version: i64,
    pub policy_id: Option<Uuid>,
    /// The facts that triggered it (PEN-1).
    #[schema(value_type = Object)]
    pub facts: Value,
    /// A sentence a person can read.
    pub explanation: String,
    /// The entry this one corrects or waives.
    pub refers_to: Option<Uuid>,
    pub reason: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

impl From<&PenaltyEntry> for PenaltyDto {
    fn from(e: &PenaltyEntry) -> Self {
        PenaltyDto {
            id: e.id,
            person_id: e.person_id.0,
            role: e.role.as_str().to_owned(),
            rule_id: e.rule_id.clone(),
            kind: e.kind.as_str().to_owned(),
            business_day: e.business_day,
            posted_day: e.posted_day,
            amount_fen: e.amount_fen,
            leads: e.leads,
            policy_version: e.policy_version,
            policy_id: e.policy_id,
            facts: e.facts.clone(),
            explanation: e.explanation.clone(),
            refers_to: e.refers_to,
            reason: e.reason.clone(),
            created_by: e.created_by.map(|u| u.0),
            created_at: e.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PenaltyPage {
    pub items: Vec<PenaltyDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PenaltyDetail {
    #[serde(flatten)]
    pub entry: PenaltyDto,
    /// Every entry about the same penalty (itself, corrections, waivers), oldest first.
    pub related: Vec<PenaltyDto>,
    /// The net effect of all of them.
    pub net_amount_fen: i64,
    pub net_leads: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PenaltyQuery {
    /// Only entries on this person.
    pub person: Option<Uuid>,
    /// First business day (inclusive).
    pub from: Option<NaiveDate>,
    /// Last business day (inclusive).
    pub to: Option<NaiveDate>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// The penalty ledger within the caller's reach.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE, TAG_INTEGRATION],
    params(PenaltyQuery),
    responses(
        (status = 200, description = "A page of entries", body = PenaltyPage),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot read ledgers", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/penalties")]
pub async fn list_penalties(
    auth: Authenticated,
    state: web::Data<AppState>,
    q: web::Query<PenaltyQuery>,
) -> Result<HttpResponse, ApiError> {
    let reach = auth.actor.require(Function::ReadLedgers)?;
    let page = super::PageParams {
        limit: q.limit,
        cursor: q.cursor.clone(),
    }
    .page_request()?;
    let rows = state
        .db
        .list_entries(
            auth.actor.company_id,
            &reach.person_scope(),
            q.person.map(UserId),
            q.from,
            q.to,
            page,
        )
        .await?;
    Ok(HttpResponse::Ok().json(PenaltyPage {
        next_cursor: next_cursor(&rows, page.limit, |e| e.id),
        items: rows.iter().map(PenaltyDto::from).collect(),
    }))
}

async fn load_entry(
    state: &AppState,
    auth: &Authenticated,
    function: Function,
    id: Uuid,
) -> Result<PenaltyEntry, ApiError> {
    let reach = auth.actor.require(function)?;
    let e = state
        .db
        .get_entry(auth.actor.company_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("penalty"))?;
    let person = state.db.get_user(e.company_id, e.person_id).await?;
    let owner = Owner {
        company_id: e.company_id,
        user_id: Some(e.person_id),
        team_id: person.and_then(|p| p.team_id),
    };
    if !auth.actor.can_see(&reach, owner) {
        return Err(ApiError::not_found("penalty"));
    }
    Ok(e)
}

async fn detail(state: &AppState, e: &PenaltyEntry) -> Result<PenaltyDetail, ApiError> {
    let related = state.db.entries_for_base(e.company_id, &e.base_key).await?;
    Ok(PenaltyDetail {
        entry: PenaltyDto::from(e),
        net_amount_fen: related.iter().map(|r| r.amount_fen).sum(),
        net_leads: related.iter().map(|r| r.leads).sum(),
        related: related.iter().map(PenaltyDto::from).collect(),
    })
}

/// One ledger entry with its explanation and every related entry.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE, TAG_INTEGRATION],
    params(IdPath),
    responses(
        (status = 200, description = "The entry", body = PenaltyDetail),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot read ledgers", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such entry within your reach", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/penalties/{id}")]
pub async fn get_penalty(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let e = load_entry(&state, &auth, Function::ReadLedgers, path.id).await?;
    Ok(with_etag(&req, StatusCode::OK, &detail(&state, &e).await?))
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct WaiveRequest {
    #[validate(length(min = 1, max = 1000, message = "must be 1 to 1000 characters"))]
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
}

/// Waive a penalty (PEN-3): a new entry cancelling it, with the reason; the original stays.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(IdPath),
    request_body = WaiveRequest,
    responses(
        (status = 201, description = "Waived", body = PenaltyDetail),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only admins and HR waive", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such entry within your reach", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already waived, or a waiver itself", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/penalties/{id}/waive")]
pub async fn waive_penalty(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    body: JsonBody<WaiveRequest>,
) -> Result<HttpResponse, ApiError> {
    let e = load_entry(&state, &auth, Function::WaivePenalties, path.id).await?;
    if e.kind == EntryKind::Waiver {
        return Err(ApiError::conflict("not_waivable", "a waiver cannot itself be waived"));
    }
    let reason = body.reason.trim().to_owned();
    if reason.is_empty() {
        return Err(ApiError::field("/reason", "must not be blank"));
    }
    let now = state.clock.now();
    let branch = match e.branch_id {
        Some(b) => state.db.get_branch(e.company_id, b).await?,
        None => None,
    };
    let today = branch
        .as_ref()
        .map(|b| business_day(now, jobs::branch_tz(b)))
        .unwrap_or_else(|| now.date_naive());
    let waiver = PenaltyEntry {
        id: Uuid::now_v7(),
        kind: EntryKind::Waiver,
        posted_day: today,
        amount_fen: -e.amount_fen,
        leads: -e.leads,
        source_key: format!("waive:{}", e.id),
        refers_to: Some(e.id),
        reason: Some(reason.clone()),
        created_by: Some(auth.actor.user_id),
        created_at: now,
        explanation: format!("waived by an authorised user ({reason}): {}", e.explanation),
        ..e.clone()
    };
    if !state
        .db
        .insert_waiver(&audit_ctx(&req, &state, &auth.actor), &waiver)
        .await?
    {
        return Err(ApiError::conflict(
            "already_waived",
            "this entry has already been waived",
        ));
    }
    let mut resp = HttpResponse::Created().json(detail(&state, &waiver).await?);
    if let Ok(v) = header::HeaderValue::from_str(&format!("/v1/penalties/{}", waiver.id)) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(resp)
}

// ---------------------------------------------------------------- leads

#[derive(Debug, Serialize, ToSchema)]
pub struct AllocationDto {
    pub quarter: String,
    pub granted: i64,
    pub deficit_after: i64,
    pub suspended: bool,
    #[schema(value_type = Object)]
    pub facts: Value,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LeadsResponse {
    pub agent_id: Uuid,
    /// The current quarter.
    pub quarter: String,
    /// Leads granted for the current quarter (absent until allocated).
    pub allocated: Option<i64>,
    /// Deductions posted this quarter; they reduce the next allocation (LEAD-1).
    pub accrued_deductions: i64,
    /// Deficit carried into the next allocation.
    pub deficit_carried: i64,
    /// Whether a falsified diary this quarter suspends the next allocation (LEAD-2).
    pub next_allocation_suspended: bool,
    pub projected_next_allocation: i64,
    pub allocations: Vec<AllocationDto>,
    /// This quarter's entries that moved leads.
    pub movements: Vec<PenaltyDto>,
}

/// An agent's client-lead balance and movements.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE],
    params(IdPath),
    responses(
        (status = 200, description = "Balance and movements", body = LeadsResponse),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot read ledgers", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agent within your reach", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/agents/{id}/leads")]
pub async fn leads(
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let reach = auth.actor.require(Function::ReadLedgers)?;
    let agent = super::visible_agent(&state, &auth.actor, &reach, path.id).await?;
    let now = state.clock.now();
    let quarter = quarter_of(now.date_naive());
    let (qfrom, qto) = quarter_bounds(&quarter).ok_or_else(ApiError::internal)?;
    let allocations = state.db.agent_allocations(agent.company_id, agent.id).await?;
    let current = allocations.iter().find(|a| a.quarter == quarter);
    let accrued: i64 = state
        .db
        .lead_deductions(agent.company_id, qfrom, qto)
        .await?
        .into_iter()
        .filter(|(u, _)| *u == agent.id)
        .map(|(_, l)| l)
        .sum();
    let suspended = state
        .db
        .falsified_agents(agent.company_id, qfrom, qto)
        .await?
        .contains(&agent.id);
    let deficit = current.map(|a| a.deficit_after).unwrap_or(0);
    let base = i64::from(
        policy_for(&state, agent.company_id, None, qto)
            .await?
            .document
            .leads
            .quarterly_allocation,
    );
    let projected = domain::penalty::quarterly_allocation(base, accrued, deficit, suspended);
    let movements: Vec<PenaltyDto> = state
        .db
        .list_entries(
            agent.company_id,
            &ListScope::User(agent.id),
            Some(agent.id),
            None,
            None,
            PageRequest {
                after: None,
                limit: 10_000,
            },
        )
        .await?
        .iter()
        .filter(|e| e.leads != 0 && e.posted_day >= qfrom && e.posted_day <= qto)
        .map(PenaltyDto::from)
        .collect();
    Ok(HttpResponse::Ok().json(LeadsResponse {
        agent_id: agent.id.0,
        quarter,
        allocated: current.map(|a| a.granted),
        accrued_deductions: accrued,
        deficit_carried: deficit,
        next_allocation_suspended: suspended,
        projected_next_allocation: projected.granted,
        allocations: allocations
            .iter()
            .map(|a| AllocationDto {
                quarter: a.quarter.clone(),
                granted: a.granted,
                deficit_after: a.deficit_after,
                suspended: a.suspended,
                facts: a.facts.clone(),
                created_at: a.created_at,
            })
            .collect(),
        movements,
    }))
}

// ---------------------------------------------------------------- dashboard

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DashboardQuery {
    /// The day to show (default: today in the team's branch).
    pub date: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgentProgress {
    pub agent_id: Uuid,
    pub name: String,
    pub working_day: bool,
    pub face_visits: Requirement,
    pub phone_services: Requirement,
    /// The day's diary state, or not_started.
    pub diary_status: String,
    pub month_to_date_fen: i64,
    pub month_to_date_leads: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AwaitingReview {
    pub agent_id: Uuid,
    pub date: NaiveDate,
    pub review_deadline: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Dashboard {
    pub team_id: Uuid,
    pub date: NaiveDate,
    pub agents: Vec<AgentProgress>,
    /// Submitted diaries (of the last week) still waiting for review, most urgent first.
    pub awaiting_review: Vec<AwaitingReview>,
    pub month_to_date_fen: i64,
    pub month_to_date_leads: i64,
}

/// The supervisor app's team view (SUP-3): each agent's progress today, diaries awaiting
/// review with their deadlines, and month-to-date penalties.
#[utoipa::path(
    tags = [TAG_SUPERVISOR],
    params(IdPath, DashboardQuery),
    responses(
        (status = 200, description = "The dashboard", body = Dashboard),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only supervisors and admins", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not one of your teams", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/teams/{id}/dashboard")]
pub async fn dashboard(
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    q: web::Query<DashboardQuery>,
) -> Result<HttpResponse, ApiError> {
    let reach = auth.actor.require(Function::ReviewDiaries)?;
    let company = auth.actor.company_id;
    let team = state
        .db
        .get_team(company, TeamId(path.id))
        .await?
        .filter(|t| {
            auth.actor.can_see(
                &reach,
                Owner {
                    company_id: t.company_id,
                    user_id: None,
                    team_id: Some(t.id),
                },
            )
        })
        .ok_or_else(|| ApiError::not_found("team"))?;
    let branch = state
        .db
        .get_branch(company, team.branch_id)
        .await?
        .ok_or_else(ApiError::internal)?;
    let tz = jobs::branch_tz(&branch);
    let now = state.clock.now();
    let date = q.date.unwrap_or_else(|| business_day(now, tz));
    let calendar = branch.settings.calendar();
    let versions = state.db.company_policies(company).await?;
    let policies = jobs::policies_by_day(&versions, branch.id, date, date);
    let policy = policies.get(&date).cloned().unwrap_or_default();
    let counts = jobs::counts_by_day(&state.db, company, branch.id, date, date, &policies, None).await?;
    let agents: Vec<User> = state
        .db
        .list_users(
            company,
            &ListScope::Team(team.id),
            PageRequest {
                after: None,
                limit: 10_000,
            },
        )
        .await?
        .into_iter()
        .filter(|u| u.role == Role::Agent && u.active)
        .collect();
    let on_leave: Vec<UserId> = state.db.team_on_leave(company, team.id, date).await?;
    let diaries = state.db.team_diaries(company, team.id, date).await?;
    let month_start = date.with_day0(0).unwrap_or(date);
    let ids: Vec<UserId> = agents.iter().map(|a| a.id).collect();
    let sums: HashMap<UserId, (i64, i64)> = state
        .db
        .person_sums(company, &ids, month_start, date)
        .await?
        .into_iter()
        .map(|(u, f, l)| (u, (f, l)))
        .collect();
    let mut progress = Vec::new();
    for a in &agents {
        let working = day_status(date, &calendar, on_leave.contains(&a.id)) == DayStatus::Working;
        let c = counts.get(&(a.id, date));
        let (fr, cr) = if working {
            (
                i64::from(policy.document.activity.face_visits_per_day),
                i64::from(policy.document.activity.calls_per_day),
            )
        } else {
            (0, 0)
        };
        let (fen, lead_count) = sums.get(&a.id).copied().unwrap_or((0, 0));
        progress.push(AgentProgress {
            agent_id: a.id.0,
            name: a.name.clone(),
            working_day: working,
            face_visits: Requirement::new(c.map(|c| c.face_visits).unwrap_or(0), fr),
            phone_services: Requirement::new(c.map(|c| c.calls).unwrap_or(0), cr),
            diary_status: diaries
                .iter()
                .find(|d| d.agent_id == a.id)
                .map(|d| d.status.as_str().to_owned())
                .unwrap_or_else(|| "not_started".to_owned()),
            month_to_date_fen: fen,
            month_to_date_leads: lead_count,
        });
    }
    let mut awaiting = Vec::new();
    // The last week's submitted diaries, in one query.
    for diary in state
        .db
        .submitted_diaries(company, team.id, date - Duration::days(6), date)
        .await?
    {
        if diary.status == domain::diary::DiaryStatus::Submitted {
            awaiting.push(AwaitingReview {
                agent_id: diary.agent_id.0,
                date: diary.date,
                review_deadline: diary.review_deadline,
            });
        }
    }
    awaiting.sort_by_key(|a| a.review_deadline);
    Ok(HttpResponse::Ok().json(Dashboard {
        team_id: team.id.0,
        date,
        month_to_date_fen: progress.iter().map(|p| p.month_to_date_fen).sum(),
        month_to_date_leads: progress.iter().map(|p| p.month_to_date_leads).sum(),
        agents: progress,
        awaiting_review: awaiting,
    }))
}

use chrono::Datelike;

/// This feature's routes, registered once for the server and the contract.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_policy)
        .service(list_policies)
        .service(policy_in_force)
        .service(get_policy)
        .service(update_policy)
        .service(close_day)
        .service(close_month)
        .service(allocate_leads)
        .service(compliance)
        .service(list_penalties)
        .service(get_penalty)
        .service(waive_penalty)
        .service(leads)
        .service(dashboard);
}
