//! Quality management (QLT-1..QLT-7): catalogue, reports, confirmation, appeals, half-year
//! scores with their consequences, credit files and the HR/committee reports.

use super::{audit_ctx, with_etag, TAG_AGENT, TAG_BACK_OFFICE, TAG_INTEGRATION, TAG_SUPERVISOR};
use crate::auth::Authenticated;
use crate::http::errors::{ApiError, Problem};
use crate::http::extract::JsonBody;
use crate::state::AppState;
use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use domain::access::{Actor, Function, Owner};
use domain::ids::{BranchId, CompanyId, TeamId, UserId};
use domain::org::{Role, User};
use domain::ports::{ClientRepo, ListScope, OrganisationRepo, PageRequest, QualityRepo};
use domain::quality::{
    default_catalogue, derive_state, format_points, half_year_bounds, half_year_of, points_for, posts_of_role,
    reconcile_consequences, ActiveConsequence, AppealStatus, CatalogueEntry, CatalogueVersion, Commendation,
    Consequence, ConsequenceAction, ConsequenceKind, PointsError, Post, Violation, ViolationEvent, ViolationStatus,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

// ---------------------------------------------------------------- catalogue

#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueDto {
    /// 0 is the seeded rulebook catalogue.
    pub version: i64,
    pub effective_from: NaiveDate,
    /// Codes with titles (zh, en), point rule (`fixed`, `range` or `tiered`, in half points)
    /// and the posts allowed to report them.
    #[schema(value_type = Vec<Object>)]
    pub entries: Value,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewCatalogue {
    /// Must not be in the past: a change never rewrites past scores.
    pub effective_from: NaiveDate,
    #[schema(value_type = Vec<Object>)]
    pub entries: Value,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DateQuery {
    /// The version in force on this date (default: today).
    pub date: Option<NaiveDate>,
}

/// The catalogue version in force on `day` (version 0 = the seeded rulebook table).
async fn catalogue_on(state: &AppState, company: CompanyId, day: NaiveDate) -> Result<CatalogueVersion, ApiError> {
    let versions = state.db.catalogues(company).await?;
    Ok(versions
        .into_iter()
        .filter(|v| v.effective_from <= day)
        .max_by_key(|v| v.version)
        .unwrap_or_else(|| CatalogueVersion {
            version: 0,
            // The seeded catalogue has applied since before any data.
            effective_from: NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default(),
            entries: default_catalogue(),
        }))
}

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
    let day = q.date.unwrap_or_else(|| state.clock.now().date_naive());
    let c = catalogue_on(&state, auth.actor.company_id, day).await?;
    Ok(HttpResponse::Ok().json(CatalogueDto {
        version: c.version,
        effective_from: c.effective_from,
        entries: serde_json::to_value(&c.entries).unwrap_or(Value::Null),
    }))
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
    auth.actor.require(Function::ManageQuality)?;
    let b = body.0;
    let entries: Vec<CatalogueEntry> =
        crate::http::extract::decode_value(b.entries, "/entries").map_err(ApiError::validation)?;
    let mut errors = domain::ValidationErrors::default();
    let mut seen = std::collections::HashSet::new();
    for (i, e) in entries.iter().enumerate() {
        if e.code.trim().is_empty() || !seen.insert(e.code.clone()) {
            errors.push(format!("/entries/{i}/code"), "must be present and unique");
        }
        let ok = match &e.rule {
            domain::quality::PointRule::Fixed { half_points } => *half_points > 0,
            domain::quality::PointRule::Range {
                min_half_points,
                max_half_points,
            } => *min_half_points > 0 && min_half_points <= max_half_points,
            domain::quality::PointRule::Tiered {
                half_points,
                beyond_half_points,
                ..
            } => *half_points > 0 && *beyond_half_points > 0,
        };
        if !ok {
            errors.push(format!("/entries/{i}/rule"), "points must be positive (and min ≤ max)");
        }
        if e.posts.is_empty() {
            errors.push(format!("/entries/{i}/posts"), "at least one post may report it");
        }
    }
    let today = state.clock.now().date_naive();
    if b.effective_from < today {
        errors.push("/effective_from", format!("must not be before today ({today})"));
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let version = state
        .db
        .catalogues(auth.actor.company_id)
        .await?
        .iter()
        .map(|v| v.version)
        .max()
        .unwrap_or(0)
        + 1;
    let v = CatalogueVersion {
        version,
        effective_from: b.effective_from,
        entries,
    };
    state
        .db
        .insert_catalogue(&audit_ctx(&req, &state, &auth.actor), Uuid::now_v7(), &v)
        .await
        .map_err(|e| match e {
            domain::ports::RepoError::Conflict(_) => {
                ApiError::conflict("version_taken", "another version was published at the same time; retry")
            }
            other => other.into(),
        })?;
    Ok(HttpResponse::Created().json(CatalogueDto {
        version: v.version,
        effective_from: v.effective_from,
        entries: serde_json::to_value(&v.entries).unwrap_or(Value::Null),
    }))
}

// ---------------------------------------------------------------- violations

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PostDto {
    CallbackCenter,
    Claims,
    PolicyService,
    Underwriting,
    Hr,
    Complaints,
    Whistleblower,
}

impl From<PostDto> for Post {
    fn from(p: PostDto) -> Post {
        match p {
            PostDto::CallbackCenter => Post::CallbackCenter,
            PostDto::Claims => Post::Claims,
            PostDto::PolicyService => Post::PolicyService,
            PostDto::Underwriting => Post::Underwriting,
            PostDto::Hr => Post::Hr,
            PostDto::Complaints => Post::Complaints,
            PostDto::Whistleblower => Post::Whistleblower,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewViolation {
    /// The agent reported.
    pub agent_id: Uuid,
    #[schema(example = "Q-SIGNATURE")]
    pub code: String,
    /// The post the report is made for (must be one the caller staffs and the code allows).
    pub post: PostDto,
    pub occurred_on: NaiveDate,
    #[validate(length(min = 1, max = 10000, message = "must be 1 to 10000 characters"))]
    #[schema(min_length = 1, max_length = 10000)]
    pub evidence: String,
    /// References to stored attachments.
    #[validate(length(max = 20, message = "at most 20 attachments"))]
    #[serde(default)]
    #[schema(max_items = 20)]
    pub attachments: Vec<String>,
    pub client_id: Option<Uuid>,
    #[validate(length(min = 1, max = 64, message = "must be 1 to 64 characters"))]
    pub policy_number: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventDto {
    /// reported, confirmed, dismissed, appealed, upheld, reduced, overturned.
    pub kind: String,
    pub half_points: Option<i64>,
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ViolationDto {
    pub id: Uuid,
    pub agent_id: Uuid,
    pub code: String,
    pub post: String,
    /// Only the quality office ever sees who reported (QLT-2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reporter_id: Option<Uuid>,
    pub occurred_on: NaiveDate,
    pub half_year: String,
    pub evidence: String,
    pub attachments: Vec<String>,
    pub client_id: Option<Uuid>,
    pub policy_number: Option<String>,
    pub catalogue_version: i64,
    /// pending, confirmed or dismissed.
    pub status: String,
    /// none, pending, upheld, reduced, overturned.
    pub appeal: String,
    /// Points that count now, in halves (15 points = 30).
    pub half_points: i64,
    /// The same, as text ("7.5").
    pub points: String,
    /// Until when the agent may appeal (QLT-3).
    pub appeal_until: Option<DateTime<Utc>>,
    pub history: Vec<EventDto>,
    pub created_at: DateTime<Utc>,
}

fn dto(v: &Violation, viewer: &Actor, appeal_days: u32) -> ViolationDto {
    let s = derive_state(&v.events);
    ViolationDto {
        id: v.id,
        agent_id: v.agent_id.0,
        code: v.code.clone(),
        post: v.post.as_str().to_owned(),
        reporter_id: (viewer.role == Role::QualityOfficer).then_some(v.reporter_id.0),
        occurred_on: v.occurred_on,
        half_year: half_year_of(v.occurred_on),
        evidence: v.evidence.clone(),
        attachments: v.attachments.clone(),
        client_id: v.client_id,
        policy_number: v.policy_number.clone(),
        catalogue_version: v.catalogue_version,
        status: match s.status {
            ViolationStatus::Pending => "pending",
            ViolationStatus::Confirmed => "confirmed",
            ViolationStatus::Dismissed => "dismissed",
        }
        .to_owned(),
        appeal: match s.appeal {
            AppealStatus::None => "none",
            AppealStatus::Pending => "pending",
            AppealStatus::Upheld => "upheld",
            AppealStatus::Reduced => "reduced",
            AppealStatus::Overturned => "overturned",
        }
        .to_owned(),
        half_points: s.effective_half_points,
        points: format_points(s.effective_half_points),
        appeal_until: s
            .confirmed_at
            .map(|t| t + chrono::Duration::days(i64::from(appeal_days))),
        // The actor of each step is not shown: it would reveal the reporter.
        history: v
            .events
            .iter()
            .map(|e| EventDto {
                kind: e.kind.clone(),
                half_points: e.half_points,
                reason: e.reason.clone(),
                at: e.at,
            })
            .collect(),
        created_at: v.created_at,
    }
}

/// Agents and supervisors see only confirmed violations (QLT-3); the back office sees all.
fn sees_unconfirmed(actor: &Actor) -> bool {
    matches!(actor.role, Role::QualityOfficer | Role::Admin | Role::Hr)
}

/// Report a violation (QLT-2). Any agent may report another agent as a whistleblower.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE, TAG_AGENT],
    request_body = NewViolation,
    responses(
        (status = 201, description = "Reported (pending until the quality office decides)", body = ViolationDto),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller does not staff this post, or the post may not report this code", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (unknown code or agent, self-report, future date)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/quality/violations")]
pub async fn report_violation(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<NewViolation>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::ReportViolations)?;
    let company = auth.actor.company_id;
    let b = body.0;
    let post = Post::from(b.post);
    if !posts_of_role(auth.actor.role).contains(&post) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Forbidden",
            format!("your role does not report for the {} post", post.as_str()),
        ));
    }
    let now = state.clock.now();
    let mut errors = domain::ValidationErrors::default();
    if b.occurred_on > now.date_naive() + chrono::Duration::days(1) {
        errors.push("/occurred_on", "is in the future");
    }
    let catalogue = catalogue_on(&state, company, b.occurred_on).await?;
    let entry = catalogue.entries.iter().find(|e| e.code == b.code);
    let agent = state
        .db
        .get_user(company, UserId(b.agent_id))
        .await?
        .filter(|u| u.role == Role::Agent);
    if agent.is_none() {
        errors.push("/agent_id", "no such agent");
    }
    if b.agent_id == auth.actor.user_id.0 {
        errors.push("/agent_id", "you cannot report yourself");
    }
    if entry.is_none() {
        errors.push("/code", "no such code in the catalogue in force on occurred_on");
    }
    if let Some(c) = b.client_id {
        if state.db.get_client(company, c).await?.is_none() {
            errors.push("/client_id", "no such client");
        }
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    if let Some(e) = entry {
        if !e.posts.contains(&post) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "Forbidden",
                format!("the {} post may not report {}", post.as_str(), e.code),
            ));
        }
    }
    let v = Violation {
        company_id: company,
        id: Uuid::now_v7(),
        agent_id: UserId(b.agent_id),
        code: b.code,
        post,
        reporter_id: auth.actor.user_id,
        occurred_on: b.occurred_on,
        evidence: b.evidence.trim().to_owned(),
        attachments: b.attachments,
        client_id: b.client_id,
        policy_number: b.policy_number,
        catalogue_version: catalogue.version,
        created_at: now,
        events: vec![ViolationEvent {
            kind: "reported".into(),
            half_points: None,
            reason: None,
            actor_id: auth.actor.user_id,
            at: now,
        }],
    };
    state
        .db
        .insert_violation(&audit_ctx(&req, &state, &auth.actor), &v)
        .await?;
    let days = appeal_days(&state, company).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/v1/quality/violations/{}", v.id)))
        .json(dto(&v, &auth.actor, days)))
}

async fn appeal_days(state: &AppState, company: CompanyId) -> Result<u32, ApiError> {
    Ok(
        crate::app::policy_versions::policy_for(&state.db, company, None, state.clock.now().date_naive())
            .await?
            .document
            .quality
            .appeal_days,
    )
}

async fn load_violation(
    state: &AppState,
    auth: &Authenticated,
    function: Function,
    id: Uuid,
) -> Result<Violation, ApiError> {
    let reach = auth.actor.require(function)?;
    let v = state
        .db
        .get_violation(auth.actor.company_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("violation"))?;
    let agent = state.db.get_user(v.company_id, v.agent_id).await?;
    let owner = Owner {
        company_id: v.company_id,
        user_id: Some(v.agent_id),
        team_id: agent.and_then(|a| a.team_id),
    };
    let confirmed = derive_state(&v.events).status == ViolationStatus::Confirmed;
    if !auth.actor.can_see(&reach, owner) || (!confirmed && !sees_unconfirmed(&auth.actor)) {
        return Err(ApiError::not_found("violation"));
    }
    Ok(v)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct IdPath {
    /// The id.
    pub id: Uuid,
}

/// Read a violation report.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE, TAG_AGENT, TAG_SUPERVISOR],
    params(IdPath),
    responses(
        (status = 200, description = "The report", body = ViolationDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot read quality records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such report within your reach", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/quality/violations/{id}")]
pub async fn get_violation(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let v = load_violation(&state, &auth, Function::ReadQuality, path.id).await?;
    let days = appeal_days(&state, v.company_id).await?;
    Ok(with_etag(&req, StatusCode::OK, &dto(&v, &auth.actor, days)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ViolationQuery {
    pub agent_id: Option<Uuid>,
    /// pending, confirmed or dismissed.
    pub status: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ViolationList {
    pub items: Vec<ViolationDto>,
}

/// List violation reports within the caller's reach.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE, TAG_AGENT, TAG_SUPERVISOR],
    params(ViolationQuery),
    responses(
        (status = 200, description = "Reports", body = ViolationList),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot read quality records", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/quality/violations")]
pub async fn list_violations(
    auth: Authenticated,
    state: web::Data<AppState>,
    q: web::Query<ViolationQuery>,
) -> Result<HttpResponse, ApiError> {
    let reach = auth.actor.require(Function::ReadQuality)?;
    if q.status
        .as_deref()
        .is_some_and(|s| !["pending", "confirmed", "dismissed"].contains(&s))
    {
        return Err(ApiError::field(
            "/query/status",
            "must be pending, confirmed or dismissed",
        ));
    }
    let days = appeal_days(&state, auth.actor.company_id).await?;
    let rows = state
        .db
        .list_violations(
            auth.actor.company_id,
            &reach.person_scope(),
            q.agent_id.map(UserId),
            None,
            None,
        )
        .await?;
    let items = rows
        .iter()
        .map(|v| dto(v, &auth.actor, days))
        .filter(|d| sees_unconfirmed(&auth.actor) || d.status == "confirmed")
        .filter(|d| q.status.as_deref().is_none_or(|s| d.status == s))
        .collect();
    Ok(HttpResponse::Ok().json(ViolationList { items }))
}

#[derive(Debug, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ConfirmRequest {
    /// Required for range codes (in halves, within the code's range); omitted otherwise.
    pub half_points: Option<i64>,
    #[validate(length(max = 2000, message = "is too long"))]
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ReasonRequest {
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppealOutcome {
    Upheld,
    Reduced,
    Overturned,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct AppealDecision {
    pub outcome: AppealOutcome,
    /// The reduced points (halves), for `reduced`: below the confirmed points.
    pub half_points: Option<i64>,
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// Appends the next step, or 409 if another decision got there first.
async fn append(
    req: &HttpRequest,
    state: &AppState,
    auth: &Authenticated,
    v: &Violation,
    kind: &str,
    half_points: Option<i64>,
    reason: Option<String>,
) -> Result<Violation, ApiError> {
    let e = ViolationEvent {
        kind: kind.to_owned(),
        half_points,
        reason,
        actor_id: auth.actor.user_id,
        at: state.clock.now(),
    };
    if !state
        .db
        .append_violation_event(&audit_ctx(req, state, &auth.actor), v.id, v.events.len() as i64, &e)
        .await?
    {
        return Err(ApiError::conflict(
            "concurrent_decision",
            "another decision on this report was recorded first; read it again",
        ));
    }
    let mut out = v.clone();
    out.events.push(e);
    Ok(out)
}

/// QLT-4/5: recompute the half-year score and bring consequences in line (impose once on
/// reaching a threshold, record the reversal on falling back under it).
pub async fn reconcile(
    state: &AppState,
    company: CompanyId,
    agent_id: UserId,
    half_year: &str,
) -> Result<(), ApiError> {
    let (from, to) = half_year_bounds(half_year).ok_or_else(ApiError::internal)?;
    let agent = state
        .db
        .get_user(company, agent_id)
        .await?
        .ok_or_else(ApiError::internal)?;
    let now = state.clock.now();
    let policy = crate::app::policy_versions::policy_for(&state.db, company, agent.branch_id, now.date_naive().min(to))
        .await?
        .document
        .quality;
    let score: i64 = state
        .db
        .list_violations(company, &ListScope::Company, Some(agent_id), Some(from), Some(to))
        .await?
        .iter()
        .map(|v| derive_state(&v.events).effective_half_points)
        .sum();
    let all: Vec<Consequence> = state
        .db
        .consequences(company, Some(agent_id), None)
        .await?
        .into_iter()
        .filter(|c| c.half_year == half_year)
        .collect();
    let reversed: std::collections::HashSet<Uuid> = all.iter().filter_map(|c| c.reverses).collect();
    let active: Vec<ActiveConsequence> = all
        .iter()
        .filter(|c| c.reverses.is_none() && !reversed.contains(&c.id))
        .map(|c| ActiveConsequence {
            id: c.id,
            threshold: c.threshold,
            kind: c.kind,
        })
        .collect();
    let supervisor = match agent.team_id {
        Some(t) => state.db.get_team(company, t).await?.map(|t| t.supervisor_id),
        None => None,
    };
    let month = format!("{:04}-{:02}", now.year(), now.month());
    let mut rows = Vec::new();
    for action in reconcile_consequences(score, &policy, &active) {
        match action {
            ConsequenceAction::Impose { threshold, kind } => {
                let t = policy.thresholds.iter().find(|t| t.half_points == threshold);
                let (person, role) = if kind.on_supervisor() {
                    match supervisor {
                        Some(s) => (s, "supervisor"),
                        None => continue,
                    }
                } else {
                    (agent_id, "agent")
                };
                let n = all
                    .iter()
                    .filter(|c| c.reverses.is_none() && c.threshold == threshold && c.kind == kind)
                    .count();
                let details = match kind {
                    ConsequenceKind::AllowanceWithheld => {
                        json!({"percent": t.map(|t| t.allowance_withheld_percent), "month": month, "score_half_points": score})
                    }
                    ConsequenceKind::PromotionDelay => {
                        json!({"assessment_periods": t.map(|t| t.promotion_delay_periods), "score_half_points": score})
                    }
                    _ => json!({"score_half_points": score}),
                };
                rows.push(Consequence {
                    company_id: company,
                    id: Uuid::now_v7(),
                    agent_id,
                    half_year: half_year.to_owned(),
                    threshold,
                    person_id: person,
                    person_role: role.to_owned(),
                    kind,
                    details,
                    reverses: None,
                    source_key: format!("q:{agent_id}:{half_year}:{threshold}:{}:{n}", kind.as_str()),
                    created_at: now,
                });
            }
            ConsequenceAction::Reverse { id } => {
                if let Some(orig) = all.iter().find(|c| c.id == id) {
                    rows.push(Consequence {
                        id: Uuid::now_v7(),
                        reverses: Some(id),
                        details: json!({"score_half_points": score, "reason": "score fell back under the threshold"}),
                        source_key: format!("rev:{id}"),
                        created_at: now,
                        ..orig.clone()
                    });
                }
            }
        }
    }
    state.db.insert_consequences(&rows).await?;
    Ok(())
}

/// Confirm a pending report, fixing its points within the code's rule (the quality office).
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(IdPath),
    request_body = ConfirmRequest,
    responses(
        (status = 200, description = "Confirmed", body = ViolationDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the quality office", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such report", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not pending", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Points missing or outside the code's rule", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/quality/violations/{id}/confirm")]
pub async fn confirm_violation(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    body: crate::http::extract::OptionalJson<ConfirmRequest>,
) -> Result<HttpResponse, ApiError> {
    let v = load_violation(&state, &auth, Function::ManageQuality, path.id).await?;
    if derive_state(&v.events).status != ViolationStatus::Pending {
        return Err(ApiError::conflict(
            "not_pending",
            "only a pending report can be confirmed",
        ));
    }
    let catalogue = state.db.catalogues(v.company_id).await?;
    let entries = catalogue
        .into_iter()
        .find(|c| c.version == v.catalogue_version)
        .map(|c| c.entries)
        .unwrap_or_else(default_catalogue);
    let entry = entries
        .iter()
        .find(|e| e.code == v.code)
        .ok_or_else(ApiError::internal)?;
    let half = half_year_of(v.occurred_on);
    let (from, to) = half_year_bounds(&half).ok_or_else(ApiError::internal)?;
    // Tiered codes count the agent's confirmed items of this code in the half-year so far.
    let prior = state
        .db
        .list_violations(
            v.company_id,
            &ListScope::Company,
            Some(v.agent_id),
            Some(from),
            Some(to),
        )
        .await?
        .iter()
        .filter(|o| o.id != v.id && o.code == v.code && derive_state(&o.events).effective_half_points > 0)
        .count() as u32;
    let points = points_for(&entry.rule, body.0.half_points, prior).map_err(|e| match e {
        PointsError::Missing => ApiError::field(
            "/half_points",
            format!("{} needs the points picked within its range", v.code),
        ),
        PointsError::OutOfRange { min, max } => ApiError::field(
            "/half_points",
            format!("must be between {min} and {max} half points for {}", v.code),
        ),
        PointsError::NotPickable => ApiError::field(
            "/half_points",
            format!("{}'s points are fixed by its rule; omit half_points", v.code),
        ),
    })?;
    let v = append(&req, &state, &auth, &v, "confirmed", Some(points), body.0.reason).await?;
    reconcile(&state, v.company_id, v.agent_id, &half).await?;
    let days = appeal_days(&state, v.company_id).await?;
    Ok(HttpResponse::Ok().json(dto(&v, &auth.actor, days)))
}

/// Dismiss a pending report, with a reason.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(IdPath),
    request_body = ReasonRequest,
    responses(
        (status = 200, description = "Dismissed", body = ViolationDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the quality office", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such report", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not pending", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/quality/violations/{id}/dismiss")]
pub async fn dismiss_violation(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    body: JsonBody<ReasonRequest>,
) -> Result<HttpResponse, ApiError> {
    let v = load_violation(&state, &auth, Function::ManageQuality, path.id).await?;
    if derive_state(&v.events).status != ViolationStatus::Pending {
        return Err(ApiError::conflict(
            "not_pending",
            "only a pending report can be dismissed",
        ));
    }
    let v = append(&req, &state, &auth, &v, "dismissed", None, Some(body.0.reason)).await?;
    let days = appeal_days(&state, v.company_id).await?;
    Ok(HttpResponse::Ok().json(dto(&v, &auth.actor, days)))
}

/// Appeal one's own confirmed violation within the appeal window (QLT-3, default 7 days).
#[utoipa::path(
    tags = [TAG_AGENT],
    params(IdPath),
    request_body = ReasonRequest,
    responses(
        (status = 200, description = "Appealed", body = ViolationDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only agents appeal", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not your confirmed violation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already appealed, or the window has closed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/quality/violations/{id}/appeal")]
pub async fn appeal_violation(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    body: JsonBody<ReasonRequest>,
) -> Result<HttpResponse, ApiError> {
    let v = load_violation(&state, &auth, Function::AppealViolations, path.id).await?;
    let s = derive_state(&v.events);
    if s.appeal != AppealStatus::None {
        return Err(ApiError::conflict(
            "already_appealed",
            "this violation has already been appealed",
        ));
    }
    let days = appeal_days(&state, v.company_id).await?;
    let until = s.confirmed_at.map(|t| t + chrono::Duration::days(i64::from(days)));
    if until.is_none_or(|u| state.clock.now() > u) {
        return Err(ApiError::conflict(
            "appeal_window_closed",
            format!("appeals are possible within {days} days of confirmation"),
        ));
    }
    let v = append(&req, &state, &auth, &v, "appealed", None, Some(body.0.reason)).await?;
    Ok(HttpResponse::Ok().json(dto(&v, &auth.actor, days)))
}

/// The committee's decision on an appeal: uphold, reduce or overturn (each a new record).
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(IdPath),
    request_body = AppealDecision,
    responses(
        (status = 200, description = "Decided", body = ViolationDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the quality office", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such report", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "No pending appeal", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid reduced points", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/quality/violations/{id}/appeal-decision")]
pub async fn decide_appeal(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    body: JsonBody<AppealDecision>,
) -> Result<HttpResponse, ApiError> {
    let v = load_violation(&state, &auth, Function::ManageQuality, path.id).await?;
    let s = derive_state(&v.events);
    if s.appeal != AppealStatus::Pending {
        return Err(ApiError::conflict(
            "no_pending_appeal",
            "there is no pending appeal on this violation",
        ));
    }
    let b = body.0;
    let (kind, points) = match b.outcome {
        AppealOutcome::Upheld => ("upheld", None),
        AppealOutcome::Overturned => ("overturned", Some(0)),
        AppealOutcome::Reduced => match b.half_points {
            Some(p) if p > 0 && p < s.effective_half_points => ("reduced", Some(p)),
            _ => {
                return Err(ApiError::field(
                    "/half_points",
                    format!(
                        "a reduction needs points between 1 and {} half points",
                        s.effective_half_points - 1
                    ),
                ))
            }
        },
    };
    let v = append(&req, &state, &auth, &v, kind, points, Some(b.reason)).await?;
    reconcile(&state, v.company_id, v.agent_id, &half_year_of(v.occurred_on)).await?;
    let days = appeal_days(&state, v.company_id).await?;
    Ok(HttpResponse::Ok().json(dto(&v, &auth.actor, days)))
}

// ---------------------------------------------------------------- credit file

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsequenceDto {
    pub id: Uuid,
    pub half_year: String,
    pub threshold_half_points: i64,
    pub person_id: Uuid,
    pub person_role: String,
    pub kind: String,
    #[schema(value_type = Object)]
    pub details: Value,
    /// Set on a reversal record: the consequence it reverses.
    pub reverses: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

impl From<&Consequence> for ConsequenceDto {
    fn from(c: &Consequence) -> Self {
        ConsequenceDto {
            id: c.id,
            half_year: c.half_year.clone(),
            threshold_half_points: c.threshold,
            person_id: c.person_id.0,
            person_role: c.person_role.clone(),
            kind: c.kind.as_str().to_owned(),
            details: c.details.clone(),
            reverses: c.reverses,
            created_at: c.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HalfYearScore {
    pub half_year: String,
    pub half_points: i64,
    pub points: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommendationDto {
    pub id: Uuid,
    pub text: String,
    pub given_on: NaiveDate,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreditFile {
    pub agent_id: Uuid,
    /// Confirmed violations with their outcomes and appeals.
    pub violations: Vec<ViolationDto>,
    pub scores: Vec<HalfYearScore>,
    pub consequences: Vec<ConsequenceDto>,
    pub commendations: Vec<CommendationDto>,
}

/// An agent's credit file (QLT-7).
#[utoipa::path(
    tags = [TAG_BACK_OFFICE, TAG_AGENT, TAG_SUPERVISOR],
    params(IdPath),
    responses(
        (status = 200, description = "The credit file", body = CreditFile),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot read quality records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agent within your reach", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/agents/{id}/credit-file")]
pub async fn credit_file(
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let reach = auth.actor.require(Function::ReadQuality)?;
    let agent = super::visible_agent(&state, &auth.actor, &reach, path.id).await?;
    let days = appeal_days(&state, agent.company_id).await?;
    let all = state
        .db
        .list_violations(agent.company_id, &ListScope::Company, Some(agent.id), None, None)
        .await?;
    let confirmed: Vec<&Violation> = all
        .iter()
        .filter(|v| derive_state(&v.events).status == ViolationStatus::Confirmed)
        .collect();
    let mut scores: HashMap<String, i64> = HashMap::new();
    for v in &confirmed {
        *scores.entry(half_year_of(v.occurred_on)).or_default() += derive_state(&v.events).effective_half_points;
    }
    let mut scores: Vec<HalfYearScore> = scores
        .into_iter()
        .map(|(h, p)| HalfYearScore {
            half_year: h,
            half_points: p,
            points: format_points(p),
        })
        .collect();
    scores.sort_by(|a, b| a.half_year.cmp(&b.half_year));
    Ok(HttpResponse::Ok().json(CreditFile {
        agent_id: agent.id.0,
        violations: confirmed.iter().map(|v| dto(v, &auth.actor, days)).collect(),
        scores,
        consequences: state
            .db
            .consequences(agent.company_id, Some(agent.id), None)
            .await?
            .iter()
            .map(ConsequenceDto::from)
            .collect(),
        commendations: state
            .db
            .commendations(agent.company_id, agent.id)
            .await?
            .into_iter()
            .map(|c| CommendationDto {
                id: c.id,
                text: c.text,
                given_on: c.given_on,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewCommendation {
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub text: String,
}

/// Record a commendation in an agent's credit file (QLT-7).
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(IdPath),
    request_body = NewCommendation,
    responses(
        (status = 201, description = "Recorded", body = CommendationDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the quality office, HR or an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agent", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid text", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/agents/{id}/commendations")]
pub async fn commend(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    body: JsonBody<NewCommendation>,
) -> Result<HttpResponse, ApiError> {
    let reach = auth.actor.require(Function::Commend)?;
    let agent = super::visible_agent(&state, &auth.actor, &reach, path.id).await?;
    let now = state.clock.now();
    let c = Commendation {
        company_id: agent.company_id,
        id: Uuid::now_v7(),
        agent_id: agent.id,
        text: body.text.trim().to_owned(),
        given_by: auth.actor.user_id,
        given_on: now.date_naive(),
        created_at: now,
    };
    state
        .db
        .insert_commendation(&audit_ctx(&req, &state, &auth.actor), &c)
        .await?;
    Ok(HttpResponse::Created().json(CommendationDto {
        id: c.id,
        text: c.text,
        given_on: c.given_on,
    }))
}

// ---------------------------------------------------------------- reports (QLT-6)

fn csv(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = header.join(",");
    out.push_str("\r\n");
    for r in rows {
        out.push_str(&r.iter().map(|f| super::csv_field(f)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TallyRow {
    pub team_id: Option<Uuid>,
    pub team_name: Option<String>,
    pub branch_id: Option<Uuid>,
    pub agent_id: Uuid,
    pub agent_name: String,
    pub confirmed_violations: usize,
    pub half_points: i64,
    pub points: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TallyReport {
    /// The period (a month, quarter or year).
    pub period: String,
    pub rows: Vec<TallyRow>,
}

/// Confirmed violations per agent (with team and branch) for a date range.
async fn tally(
    state: &AppState,
    company: CompanyId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<TallyRow>, ApiError> {
    let violations = state
        .db
        .list_violations(company, &ListScope::Company, None, Some(from), Some(to))
        .await?;
    let users: HashMap<UserId, User> = state
        .db
        .list_users(
            company,
            &ListScope::Company,
            PageRequest {
                after: None,
                limit: 100_000,
            },
        )
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let teams: HashMap<TeamId, String> = state
        .db
        .list_teams(
            company,
            &ListScope::Company,
            PageRequest {
                after: None,
                limit: 100_000,
            },
        )
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let mut per: HashMap<UserId, (usize, i64)> = HashMap::new();
    for v in &violations {
        let s = derive_state(&v.events);
        if s.status == ViolationStatus::Confirmed {
            let e = per.entry(v.agent_id).or_default();
            e.0 += 1;
            e.1 += s.effective_half_points;
        }
    }
    let mut rows: Vec<TallyRow> = per
        .into_iter()
        .map(|(a, (n, p))| {
            let u = users.get(&a);
            let team = u.and_then(|u| u.team_id);
            TallyRow {
                team_id: team.map(|t| t.0),
                team_name: team.and_then(|t| teams.get(&t).cloned()),
                branch_id: u.and_then(|u| u.branch_id).map(|b| b.0),
                agent_id: a.0,
                agent_name: u.map(|u| u.name.clone()).unwrap_or_default(),
                confirmed_violations: n,
                half_points: p,
                points: format_points(p),
            }
        })
        .collect();
    rows.sort_by(|a, b| (&a.team_name, &a.agent_name).cmp(&(&b.team_name, &b.agent_name)));
    Ok(rows)
}

fn tally_response(req: &HttpRequest, period: String, rows: Vec<TallyRow>) -> HttpResponse {
    if super::wants_csv(req) {
        let body = csv(
            &[
                "period",
                "branch_id",
                "team_id",
                "team_name",
                "agent_id",
                "agent_name",
                "confirmed_violations",
                "points",
            ],
            &rows
                .iter()
                .map(|r| {
                    vec![
                        period.clone(),
                        r.branch_id.map(|b| b.to_string()).unwrap_or_default(),
                        r.team_id.map(|t| t.to_string()).unwrap_or_default(),
                        r.team_name.clone().unwrap_or_default(),
                        r.agent_id.to_string(),
                        r.agent_name.clone(),
                        r.confirmed_violations.to_string(),
                        r.points.clone(),
                    ]
                })
                .collect::<Vec<_>>(),
        );
        return HttpResponse::Ok().content_type("text/csv; charset=utf-8").body(body);
    }
    HttpResponse::Ok().json(TallyReport { period, rows })
}

fn require_reports(actor: &Actor) -> Result<(), ApiError> {
    if matches!(actor.role, Role::Hr | Role::QualityOfficer | Role::Admin) {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// YYYY-MM.
    pub month: String,
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
    require_reports(&auth.actor)?;
    let (from, to) = domain::period::Month::parse(&q.month)
        .map(domain::period::Month::bounds)
        .ok_or_else(|| ApiError::field("/query/month", "must be a month as YYYY-MM"))?;
    let rows = tally(&state, auth.actor.company_id, from, to).await?;
    Ok(tally_response(&req, q.month.clone(), rows))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QuarterQuery {
    /// e.g. 2026Q4.
    pub quarter: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentSummary {
    pub branch_id: Uuid,
    pub confirmed_violations: usize,
    pub half_points: i64,
    pub agents_with_violations: usize,
    /// The committee's sign-off for this department, if recorded.
    pub signed_off_by: Option<Uuid>,
    pub signed_off_at: Option<DateTime<Utc>>,
    pub sign_off_note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuarterReport {
    pub quarter: String,
    pub departments: Vec<DepartmentSummary>,
}

async fn departments(
    state: &AppState,
    company: CompanyId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(BranchId, usize, i64, usize)>, ApiError> {
    let rows = tally(state, company, from, to).await?;
    let mut per: HashMap<Uuid, (usize, i64, usize)> = HashMap::new();
    for r in rows {
        if let Some(b) = r.branch_id {
            let e = per.entry(b).or_default();
            e.0 += r.confirmed_violations;
            e.1 += r.half_points;
            e.2 += 1;
        }
    }
    let mut out: Vec<_> = per.into_iter().map(|(b, (n, p, a))| (BranchId(b), n, p, a)).collect();
    out.sort_by_key(|d| d.0);
    Ok(out)
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
    require_reports(&auth.actor)?;
    let (from, to) = domain::period::Quarter::parse(&q.quarter)
        .map(domain::period::Quarter::bounds)
        .ok_or_else(|| ApiError::field("/query/quarter", "must be a quarter such as 2026Q4"))?;
    let signoffs = state.db.signoffs(auth.actor.company_id, &q.quarter).await?;
    let deps: Vec<DepartmentSummary> = departments(&state, auth.actor.company_id, from, to)
        .await?
        .into_iter()
        .map(|(b, n, p, a)| {
            let s = signoffs.iter().find(|s| s.0 == b);
            DepartmentSummary {
                branch_id: b.0,
                confirmed_violations: n,
                half_points: p,
                agents_with_violations: a,
                signed_off_by: s.map(|s| s.1 .0),
                signed_off_at: s.map(|s| s.3),
                sign_off_note: s.map(|s| s.2.clone()),
            }
        })
        .collect();
    if super::wants_csv(&req) {
        let rows: Vec<Vec<String>> = deps
            .iter()
            .map(|d| {
                vec![
                    q.quarter.clone(),
                    d.branch_id.to_string(),
                    d.confirmed_violations.to_string(),
                    format_points(d.half_points),
                    d.agents_with_violations.to_string(),
                    d.signed_off_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
                ]
            })
            .collect();
        return Ok(HttpResponse::Ok().content_type("text/csv; charset=utf-8").body(csv(
            &[
                "quarter",
                "branch_id",
                "confirmed_violations",
                "points",
                "agents_with_violations",
                "signed_off_at",
            ],
            &rows,
        )));
    }
    Ok(HttpResponse::Ok().json(QuarterReport {
        quarter: q.quarter.clone(),
        departments: deps,
    }))
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct SignOff {
    pub quarter: String,
    pub branch_id: Uuid,
    #[validate(length(max = 2000, message = "is too long"))]
    #[serde(default)]
    pub note: String,
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
    auth.actor.require(Function::ManageQuality)?;
    let company = auth.actor.company_id;
    let (from, to) = domain::period::Quarter::parse(&body.quarter)
        .map(domain::period::Quarter::bounds)
        .ok_or_else(|| ApiError::field("/quarter", "must be a quarter such as 2026Q4"))?;
    if state.db.get_branch(company, BranchId(body.branch_id)).await?.is_none() {
        return Err(ApiError::field("/branch_id", "no such branch"));
    }
    let summary = departments(&state, company, from, to)
        .await?
        .into_iter()
        .find(|d| d.0 == BranchId(body.branch_id))
        .map(|(_, n, p, a)| json!({"confirmed_violations": n, "half_points": p, "agents_with_violations": a}))
        .unwrap_or_else(|| json!({"confirmed_violations": 0, "half_points": 0, "agents_with_violations": 0}));
    let now = state.clock.now();
    if !state
        .db
        .insert_signoff(
            &audit_ctx(&req, &state, &auth.actor),
            &body.quarter,
            BranchId(body.branch_id),
            body.note.trim(),
            &summary,
        )
        .await?
    {
        return Err(ApiError::conflict(
            "already_signed_off",
            "this department's quarter is already signed off",
        ));
    }
    Ok(HttpResponse::Created()
        .json(json!({"quarter": body.quarter, "branch_id": body.branch_id, "summary": summary, "signed_at": now})))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    pub year: i32,
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
    require_reports(&auth.actor)?;
    let (from, to) = match (
        NaiveDate::from_ymd_opt(q.year, 1, 1),
        NaiveDate::from_ymd_opt(q.year, 12, 31),
    ) {
        (Some(f), Some(t)) if (2000..=2100).contains(&q.year) => (f, t),
        _ => return Err(ApiError::field("/query/year", "must be a year between 2000 and 2100")),
    };
    let rows = tally(&state, auth.actor.company_id, from, to).await?;
    Ok(tally_response(&req, q.year.to_string(), rows))
}

/// This feature's routes, registered once for the server and the contract.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_catalogue)
        .service(create_catalogue)
        .service(report_violation)
        .service(list_violations)
        .service(get_violation)
        .service(confirm_violation)
        .service(dismiss_violation)
        .service(appeal_violation)
        .service(decide_appeal)
        .service(credit_file)
        .service(commend)
        .service(monthly_report)
        .service(quarterly_report)
        .service(sign_off)
        .service(annual_report);
}
