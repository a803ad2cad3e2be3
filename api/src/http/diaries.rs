//! Work diaries (DIA-1..DIA-5), leave (TIME-2), the supervisor's review queue and spot checks.
//! Every deadline is computed from the server clock in the branch's time zone.

use super::{audit_ctx, with_etag, PageParams, TAG_AGENT, TAG_BACK_OFFICE, TAG_SUPERVISOR};
use crate::auth::Authenticated;
use crate::http::errors::{ApiError, Problem};
use crate::http::extract::{JsonBody, OptionalJson};
use crate::state::AppState;
use actix_web::http::{header, StatusCode};
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use domain::access::{Actor, Function, Owner, Reach};
use domain::activity::ActivityKind;
use domain::diary::{
    classify_review, classify_submission, day_status, draw_sample, review_deadline, submission_deadlines, DayStatus,
    Diary, DiaryEvent, DiaryStatus, LeaveRequest, LeaveStatus, ReviewTimeliness, SpotCheck, SpotCheckResult,
    SpotCheckSample, Timeliness,
};
use domain::ids::{TeamId, UserId};
use domain::org::{Branch, Role, User};
use domain::policy::DiaryPolicy;
use domain::ports::{ActivityRepo, ClientRepo, DiaryRepo, ListScope, OrganisationRepo, PageRequest};
use domain::time::{business_day, parse_time_zone, BranchCalendar, MeetingWindow};
use domain::ValidationErrors;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashSet;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

// ---------------------------------------------------------------- wire types

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DiaryStatusDto {
    Draft,
    Submitted,
    Approved,
    Returned,
}

impl From<DiaryStatus> for DiaryStatusDto {
    fn from(s: DiaryStatus) -> Self {
        match s {
            DiaryStatus::Draft => Self::Draft,
            DiaryStatus::Submitted => Self::Submitted,
            DiaryStatus::Approved => Self::Approved,
            DiaryStatus::Returned => Self::Returned,
        }
    }
}

/// A planned visit or call for tomorrow.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct PlannedItem {
    /// One of the agent's clients, if the plan names one.
    pub client_id: Option<Uuid>,
    /// A free-text target (a prospect, a place).
    #[validate(length(max = 200, message = "is too long"))]
    #[schema(max_length = 200)]
    pub name: Option<String>,
    #[validate(length(max = 500, message = "is too long"))]
    #[schema(max_length = 500)]
    pub purpose: Option<String>,
    /// Planned local time, "HH:MM".
    #[schema(example = "10:00")]
    pub time: Option<String>,
}

/// DIA-1: tomorrow's plan.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields, default)]
pub struct TomorrowPlan {
    #[validate(length(max = 50, message = "at most 50 planned visits"), nested)]
    #[schema(max_items = 50)]
    pub planned_visits: Vec<PlannedItem>,
    #[validate(length(max = 100, message = "at most 100 planned calls"), nested)]
    #[schema(max_items = 100)]
    pub planned_calls: Vec<PlannedItem>,
    #[validate(length(max = 4000, message = "is too long"))]
    #[schema(max_length = 4000)]
    pub text: String,
}

/// The editable part of a diary; `status` is never written directly (use the actions).
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct DiaryEdit {
    /// Notes on today's visits and calls.
    #[validate(length(max = 10000, message = "is too long"))]
    #[schema(max_length = 10000)]
    pub notes: String,
    #[validate(nested)]
    pub tomorrow_plan: TomorrowPlan,
}

#[derive(Debug, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// Required when returning a diary.
    #[validate(length(max = 2000, message = "is too long"))]
    #[schema(max_length = 2000)]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SummaryItem {
    pub activity_id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub client_id: Option<Uuid>,
    pub outlet_id: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SummaryGroup {
    pub count: usize,
    pub items: Vec<SummaryItem>,
}

/// DIA-1: the day's activities (voided ones excluded), pre-filled by the server. Live while
/// the diary is editable; frozen when it is submitted.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DiarySummary {
    pub face_visits: SummaryGroup,
    pub phone_services: SummaryGroup,
    pub renewal_collections: SummaryGroup,
    pub outlet_services: SummaryGroup,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TimelinessDto {
    Pending,
    OnTime,
    LateFilled,
    Missing,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ReviewTimelinessDto {
    Pending,
    OnTime,
    Late,
    Overdue,
}

/// DIA-3: how the submission is classified, and the deadlines behind it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SubmissionInfo {
    pub timeliness: TimelinessDto,
    /// The deadline that decided (or will decide) the class.
    pub decided_by: DateTime<Utc>,
    pub on_time_by: DateTime<Utc>,
    pub next_working_day: NaiveDate,
    pub morning_meeting_starts: DateTime<Utc>,
    pub morning_meeting_ends: DateTime<Utc>,
    /// Server receive time of the first submission (decides the class: TIME-4).
    pub first_submitted_at: Option<DateTime<Utc>>,
    pub last_submitted_at: Option<DateTime<Utc>>,
    /// First submitted after the next morning meeting: accepted, but missing for penalties.
    pub late: bool,
}

/// DIA-4: the supervisor's review deadline and whether it was met.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReviewInfo {
    pub deadline: DateTime<Utc>,
    pub timeliness: ReviewTimelinessDto,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub reviewed_by: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DiaryEventDto {
    pub at: DateTime<Utc>,
    pub actor_id: Uuid,
    pub action: String,
    pub from_status: Option<DiaryStatusDto>,
    pub to_status: DiaryStatusDto,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DiaryDto {
    pub id: Uuid,
    pub agent_id: Uuid,
    pub date: NaiveDate,
    pub status: DiaryStatusDto,
    /// Also the ETag: send it back in `If-Match` when editing.
    pub version: i64,
    pub notes: String,
    pub tomorrow_plan: TomorrowPlan,
    pub summary: DiarySummary,
    pub submission: SubmissionInfo,
    /// Present once the diary has been submitted.
    pub review: Option<ReviewInfo>,
    pub history: Vec<DiaryEventDto>,
}

// ---------------------------------------------------------------- context

/// An agent's branch context: zone, calendar, meeting windows, diary policy.
struct BranchCtx {
    tz: Tz,
    calendar: BranchCalendar,
    morning: MeetingWindow,
    evening: MeetingWindow,
    policy: DiaryPolicy,
}

impl BranchCtx {
    fn of(branch: Option<&Branch>) -> BranchCtx {
        match branch {
            Some(b) => BranchCtx {
                tz: parse_time_zone(&b.settings.time_zone).unwrap_or(chrono_tz::Asia::Shanghai),
                calendar: b.settings.calendar(),
                morning: b.settings.morning_meeting,
                evening: b.settings.evening_meeting,
                policy: DiaryPolicy::default(),
            },
            None => BranchCtx {
                tz: chrono_tz::Asia::Shanghai,
                calendar: BranchCalendar::default(),
                morning: MeetingWindow::default_morning(),
                evening: MeetingWindow::default_evening(),
                policy: DiaryPolicy::default(),
            },
        }
    }
}

async fn branch_ctx(state: &AppState, user: &User) -> Result<BranchCtx, ApiError> {
    let branch = match user.branch_id {
        Some(b) => state.db.get_branch(user.company_id, b).await?,
        None => None,
    };
    Ok(BranchCtx::of(branch.as_ref()))
}

async fn is_on_leave(state: &AppState, agent: &User, date: NaiveDate) -> Result<bool, ApiError> {
    Ok(!state
        .db
        .approved_leave(agent.company_id, agent.id, date, date)
        .await?
        .is_empty())
}

fn etag(d: &Diary) -> String {
    format!("\"v{}\"", d.version)
}

/// `If-Match`: `Some(true)` matches, `Some(false)` is stale, `None` absent.
fn if_match(req: &HttpRequest, d: &Diary) -> Option<bool> {
    let v = req.headers().get(header::IF_MATCH)?.to_str().ok()?;
    let tag = etag(d);
    Some(v.split(',').any(|t| t.trim() == tag || t.trim() == "*"))
}

fn stale() -> ApiError {
    ApiError::new(
        StatusCode::PRECONDITION_FAILED,
        "stale_version",
        "Precondition failed",
        "the diary changed since you read it; read it again and reapply your change",
    )
}

fn summarise(acts: &[domain::activity::Activity]) -> DiarySummary {
    let group = |kind: ActivityKind| {
        let items: Vec<SummaryItem> = acts
            .iter()
            .filter(|a| a.kind == kind && a.voided_at.is_none())
            .map(|a| SummaryItem {
                activity_id: a.id,
                occurred_at: a.occurred_at,
                client_id: a.client_id,
                outlet_id: a.outlet_id,
            })
            .collect();
        SummaryGroup {
            count: items.len(),
            items,
        }
    };
    DiarySummary {
        face_visits: group(ActivityKind::FaceVisit),
        phone_services: group(ActivityKind::PhoneService),
        renewal_collections: group(ActivityKind::RenewalCollection),
        outlet_services: group(ActivityKind::OutletService),
    }
}

async fn live_summary(state: &AppState, d: &Diary) -> Result<DiarySummary, ApiError> {
    let acts = state.db.activities_of_day(d.company_id, d.agent_id, d.date).await?;
    Ok(summarise(&acts))
}

async fn render(state: &AppState, d: &Diary, bc: &BranchCtx) -> Result<DiaryDto, ApiError> {
    let summary = match (&d.summary, d.status.editable()) {
        (Some(s), false) => serde_json::from_value(s.clone()).map_err(|_| ApiError::internal())?,
        _ => live_summary(state, d).await?,
    };
    let now = state.clock.now();
    let dl =
        submission_deadlines(d.date, &bc.calendar, bc.tz, bc.morning, &bc.policy).ok_or_else(ApiError::internal)?;
    let (timeliness, decided_by) = classify_submission(d.first_submitted_at, now, &dl);
    let submission = SubmissionInfo {
        timeliness: match timeliness {
            Timeliness::Pending => TimelinessDto::Pending,
            Timeliness::OnTime => TimelinessDto::OnTime,
            Timeliness::LateFilled => TimelinessDto::LateFilled,
            Timeliness::Missing => TimelinessDto::Missing,
        },
        decided_by,
        on_time_by: dl.on_time_by,
        next_working_day: dl.next_working_day,
        morning_meeting_starts: dl.morning_meeting_starts,
        morning_meeting_ends: dl.morning_meeting_ends,
        first_submitted_at: d.first_submitted_at,
        last_submitted_at: d.submitted_at,
        late: d.first_submitted_at.is_some_and(|t| t > dl.morning_meeting_ends),
    };
    let review = d.review_deadline.map(|deadline| ReviewInfo {
        deadline,
        timeliness: match classify_review(d.reviewed_at, now, deadline) {
            ReviewTimeliness::Pending => ReviewTimelinessDto::Pending,
            ReviewTimeliness::OnTime => ReviewTimelinessDto::OnTime,
            ReviewTimeliness::Late => ReviewTimelinessDto::Late,
            ReviewTimeliness::Overdue => ReviewTimelinessDto::Overdue,
        },
        reviewed_at: d.reviewed_at,
        reviewed_by: d.reviewed_by.map(|u| u.0),
    });
    let history = state
        .db
        .diary_history(d.company_id, d.id)
        .await?
        .into_iter()
        .map(|e| DiaryEventDto {
            at: e.at,
            actor_id: e.actor_id.0,
            action: e.action,
            from_status: e.from_status.map(Into::into),
            to_status: e.to_status.into(),
            comment: e.comment,
        })
        .collect();
    Ok(DiaryDto {
        id: d.id,
        agent_id: d.agent_id.0,
        date: d.date,
        status: d.status.into(),
        version: d.version,
        notes: d.notes.clone(),
        tomorrow_plan: serde_json::from_value(d.plan.clone()).unwrap_or_default(),
        summary,
        submission,
        review,
        history,
    })
}

fn diary_response(status: StatusCode, d: &Diary, dto: &DiaryDto) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, etag(d)))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(dto)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DiaryPath {
    /// The agent whose diary it is.
    pub agent: Uuid,
    /// The business day (YYYY-MM-DD).
    pub date: NaiveDate,
}

/// Loads (creating the draft on first read) the diary of a visible agent on a working day.
async fn load_diary(
    state: &AppState,
    auth: &Authenticated,
    function: Function,
    path: &DiaryPath,
) -> Result<(Diary, User, BranchCtx), ApiError> {
    let reach = auth.actor.require(function)?;
    let agent = super::visible_agent(state, &auth.actor, &reach, path.agent).await?;
    let mut bc = branch_ctx(state, &agent).await?;
    // DIA-3's deadline time comes from the policy version in force on the diary's day.
    bc.policy = crate::app::policy_versions::policy_for(&state.db, agent.company_id, agent.branch_id, path.date)
        .await?
        .document
        .diary;
    let today = business_day(state.clock.now(), bc.tz);
    if path.date > today {
        return Err(ApiError::field(
            "/path/date",
            format!("is after today ({today}) in the branch's time zone"),
        ));
    }
    if let Some(d) = state.db.find_diary(agent.company_id, agent.id, path.date).await? {
        return Ok((d, agent, bc));
    }
    let status = day_status(path.date, &bc.calendar, is_on_leave(state, &agent, path.date).await?);
    if !status.has_daily_duty() {
        let mut e = ApiError::not_found("diary");
        e.code = "no_diary_required";
        e.detail = format!(
            "no diary is due on {}: it is a {} day for this agent",
            path.date,
            day_status_name(status)
        );
        return Err(e);
    }
    let now = state.clock.now();
    let draft = Diary {
        company_id: agent.company_id,
        id: Uuid::now_v7(),
        agent_id: agent.id,
        date: path.date,
        status: DiaryStatus::Draft,
        version: 1,
        notes: String::new(),
        plan: serde_json::to_value(TomorrowPlan::default()).unwrap_or(Value::Null),
        summary: None,
        first_submitted_at: None,
        submitted_at: None,
        review_deadline: None,
        reviewed_at: None,
        reviewed_by: None,
        created_at: now,
        updated_at: now,
    };
    let d = state.db.get_or_create_diary(&draft).await?;
    Ok((d, agent, bc))
}

fn day_status_name(s: DayStatus) -> &'static str {
    match s {
        DayStatus::Working => "working",
        DayStatus::Rest => "rest",
        DayStatus::Holiday => "holiday",
        DayStatus::Leave => "leave",
    }
}

fn transition_conflict(e: domain::diary::TransitionError) -> ApiError {
    ApiError::conflict("invalid_transition", e.to_string())
}

fn event(
    at: DateTime<Utc>,
    actor: UserId,
    action: &str,
    from: DiaryStatus,
    to: DiaryStatus,
    comment: Option<String>,
) -> DiaryEvent {
    DiaryEvent {
        at,
        actor_id: actor,
        action: action.to_owned(),
        from_status: Some(from),
        to_status: to,
        comment,
    }
}

/// Writes a new diary state guarded by its version; 412 when someone else wrote first.
async fn save(
    state: &AppState,
    req: &HttpRequest,
    auth: &Authenticated,
    before: &Diary,
    after: &Diary,
    ev: Option<&DiaryEvent>,
) -> Result<(), ApiError> {
    if state
        .db
        .update_diary(&audit_ctx(req, state, &auth.actor), before, after, ev)
        .await?
    {
        Ok(())
    } else {
        Err(stale())
    }
}

// ---------------------------------------------------------------- diary handlers

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
    let (d, _, bc) = load_diary(&state, &auth, Function::ReadDiaries, &path).await?;
    Ok(diary_response(StatusCode::OK, &d, &render(&state, &d, &bc).await?))
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
    let (before, agent, bc) = load_diary(&state, &auth, Function::WriteDiary, &path).await?;
    match if_match(&req, &before) {
        None => {
            return Err(ApiError::new(
                StatusCode::PRECONDITION_REQUIRED,
                "if_match_required",
                "Precondition required",
                "send If-Match with the diary's ETag",
            ))
        }
        Some(false) => return Err(stale()),
        Some(true) => {}
    }
    if !before.status.editable() {
        return Err(ApiError::conflict(
            "diary_not_editable",
            format!("a {} diary cannot be edited", before.status.as_str()),
        ));
    }
    let plan = &body.tomorrow_plan;
    let mut errors = ValidationErrors::default();
    let mut named: Vec<(String, Uuid)> = Vec::new();
    for (list, items) in [
        ("planned_visits", &plan.planned_visits),
        ("planned_calls", &plan.planned_calls),
    ] {
        for (i, it) in items.iter().enumerate() {
            if let Some(c) = it.client_id {
                named.push((format!("/tomorrow_plan/{list}/{i}/client_id"), c));
            }
            if it.time.as_deref().is_some_and(|t| domain::org::parse_hm(t).is_none()) {
                errors.push(format!("/tomorrow_plan/{list}/{i}/time"), "must be a time as HH:MM");
            }
        }
    }
    let ids: Vec<Uuid> = named
        .iter()
        .map(|(_, c)| *c)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mine: HashSet<Uuid> = state
        .db
        .clients_of_agent(agent.company_id, agent.id, &ids)
        .await?
        .into_iter()
        .collect();
    for (ptr, c) in &named {
        if !mine.contains(c) {
            errors.push(ptr.clone(), "no such client of yours");
        }
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let after = Diary {
        notes: body.notes.clone(),
        plan: serde_json::to_value(plan).unwrap_or(Value::Null),
        version: before.version + 1,
        updated_at: state.clock.now(),
        ..before.clone()
    };
    save(&state, &req, &auth, &before, &after, None).await?;
    Ok(diary_response(
        StatusCode::OK,
        &after,
        &render(&state, &after, &bc).await?,
    ))
}

/// Submit the diary (draft or returned). The first submission's server receive time decides
/// on time / late-filled / missing (DIA-3); each submission sets the review deadline (DIA-4).
#[utoipa::path(
    tags = [TAG_AGENT],
    params(DiaryPath),
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
    let (before, _, bc) = load_diary(&state, &auth, Function::WriteDiary, &path).await?;
    if if_match(&req, &before) == Some(false) {
        return Err(stale());
    }
    let to = before.status.submit().map_err(transition_conflict)?;
    let now = state.clock.now();
    let summary = live_summary(&state, &before).await?;
    let after = Diary {
        status: to,
        version: before.version + 1,
        summary: serde_json::to_value(&summary).ok(),
        first_submitted_at: before.first_submitted_at.or(Some(now)),
        submitted_at: Some(now),
        review_deadline: review_deadline(now, &bc.calendar, bc.tz, bc.evening),
        reviewed_at: None,
        reviewed_by: None,
        updated_at: now,
        ..before.clone()
    };
    let ev = event(now, auth.actor.user_id, "submit", before.status, to, None);
    save(&state, &req, &auth, &before, &after, Some(&ev)).await?;
    Ok(diary_response(
        StatusCode::OK,
        &after,
        &render(&state, &after, &bc).await?,
    ))
}

/// Approve or return one diary; shared by the single and the bulk actions.
async fn review(
    state: &AppState,
    req: &HttpRequest,
    auth: &Authenticated,
    path: &DiaryPath,
    approve: bool,
    comment: Option<String>,
) -> Result<(Diary, BranchCtx), ApiError> {
    let comment = comment.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
    if !approve && comment.is_none() {
        return Err(ApiError::field("/comment", "a returned diary needs a comment"));
    }
    let (before, _, bc) = load_diary(state, auth, Function::ReviewDiaries, path).await?;
    if if_match(req, &before) == Some(false) {
        return Err(stale());
    }
    let to = if approve {
        before.status.approve()
    } else {
        before.status.return_for_correction()
    }
    .map_err(transition_conflict)?;
    let now = state.clock.now();
    let after = Diary {
        status: to,
        version: before.version + 1,
        reviewed_at: Some(now),
        reviewed_by: Some(auth.actor.user_id),
        updated_at: now,
        ..before.clone()
    };
    let action = if approve { "approve" } else { "return" };
    let ev = event(now, auth.actor.user_id, action, before.status, to, comment);
    save(state, req, auth, &before, &after, Some(&ev)).await?;
    Ok((after, bc))
}

/// Approve a submitted diary (the agent's supervisor, or an admin).
#[utoipa::path(
    tags = [TAG_SUPERVISOR],
    params(DiaryPath),
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
    let (d, bc) = review(&state, &req, &auth, &path, true, body.0.comment).await?;
    Ok(diary_response(StatusCode::OK, &d, &render(&state, &d, &bc).await?))
}

/// Return a submitted diary for correction, with a comment (required).
#[utoipa::path(
    tags = [TAG_SUPERVISOR],
    params(DiaryPath),
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
    let (d, bc) = review(&state, &req, &auth, &path, false, body.0.comment).await?;
    Ok(diary_response(StatusCode::OK, &d, &render(&state, &d, &bc).await?))
}

// ---------------------------------------------------------------- supervisor queue

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// The diaries' business day.
    pub date: NaiveDate,
    /// Only entries in this state (`not_started` for agents without a diary yet).
    pub status: Option<QueueStatus>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum QueueStatus {
    NotStarted,
    Draft,
    Submitted,
    Approved,
    Returned,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct QueueEntry {
    pub agent_id: Uuid,
    pub agent_name: String,
    pub date: NaiveDate,
    pub diary_id: Option<Uuid>,
    pub status: QueueStatus,
    pub submission: TimelinessDto,
    pub first_submitted_at: Option<DateTime<Utc>>,
    pub review_deadline: Option<DateTime<Utc>>,
    pub review: Option<ReviewTimelinessDto>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct QueueResponse {
    pub team_id: Uuid,
    pub date: NaiveDate,
    /// Diaries awaiting review first (earliest review deadline first), then the rest.
    pub items: Vec<QueueEntry>,
}

async fn visible_team(state: &AppState, actor: &Actor, reach: &Reach, id: Uuid) -> Result<domain::org::Team, ApiError> {
    state
        .db
        .get_team(actor.company_id, TeamId(id))
        .await?
        .filter(|t| {
            actor.can_see(
                reach,
                Owner {
                    company_id: t.company_id,
                    user_id: None,
                    team_id: Some(t.id),
                },
            )
        })
        .ok_or_else(|| ApiError::not_found("team"))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct TeamPath {
    /// The team's id.
    pub id: Uuid,
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
    let reach = auth.actor.require(Function::ReviewDiaries)?;
    let team = visible_team(&state, &auth.actor, &reach, path.id).await?;
    let company = auth.actor.company_id;
    let branch = state.db.get_branch(company, team.branch_id).await?;
    let mut bc = BranchCtx::of(branch.as_ref());
    bc.policy = crate::app::policy_versions::policy_for(&state.db, company, Some(team.branch_id), q.date)
        .await?
        .document
        .diary;
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
    let diaries = state.db.team_diaries(company, team.id, q.date).await?;
    let on_leave: HashSet<UserId> = state
        .db
        .team_on_leave(company, team.id, q.date)
        .await?
        .into_iter()
        .collect();
    let now = state.clock.now();
    let dl =
        submission_deadlines(q.date, &bc.calendar, bc.tz, bc.morning, &bc.policy).ok_or_else(ApiError::internal)?;
    let mut items: Vec<QueueEntry> = Vec::new();
    for a in &agents {
        let d = diaries.iter().find(|d| d.agent_id == a.id);
        if d.is_none() && !day_status(q.date, &bc.calendar, on_leave.contains(&a.id)).has_daily_duty() {
            continue;
        }
        let (t, _) = classify_submission(d.and_then(|d| d.first_submitted_at), now, &dl);
        items.push(QueueEntry {
            agent_id: a.id.0,
            agent_name: a.name.clone(),
            date: q.date,
            diary_id: d.map(|d| d.id),
            status: match d.map(|d| d.status) {
                None => QueueStatus::NotStarted,
                Some(DiaryStatus::Draft) => QueueStatus::Draft,
                Some(DiaryStatus::Submitted) => QueueStatus::Submitted,
                Some(DiaryStatus::Approved) => QueueStatus::Approved,
                Some(DiaryStatus::Returned) => QueueStatus::Returned,
            },
            submission: match t {
                Timeliness::Pending => TimelinessDto::Pending,
                Timeliness::OnTime => TimelinessDto::OnTime,
                Timeliness::LateFilled => TimelinessDto::LateFilled,
                Timeliness::Missing => TimelinessDto::Missing,
            },
            first_submitted_at: d.and_then(|d| d.first_submitted_at),
            review_deadline: d.and_then(|d| d.review_deadline),
            review: d.and_then(|d| {
                d.review_deadline
                    .map(|dl| match classify_review(d.reviewed_at, now, dl) {
                        ReviewTimeliness::Pending => ReviewTimelinessDto::Pending,
                        ReviewTimeliness::OnTime => ReviewTimelinessDto::OnTime,
                        ReviewTimeliness::Late => ReviewTimelinessDto::Late,
                        ReviewTimeliness::Overdue => ReviewTimelinessDto::Overdue,
                    })
            }),
        });
    }
    if let Some(s) = q.status {
        items.retain(|i| i.status == s);
    }
    // Urgency: awaiting review by deadline, then not yet submitted, then done.
    let rank = |i: &QueueEntry| match i.status {
        QueueStatus::Submitted => 0,
        QueueStatus::NotStarted | QueueStatus::Draft | QueueStatus::Returned => 1,
        QueueStatus::Approved => 2,
    };
    items.sort_by(|a, b| (rank(a), a.review_deadline, &a.agent_name).cmp(&(rank(b), b.review_deadline, &b.agent_name)));
    Ok(HttpResponse::Ok().json(QueueResponse {
        team_id: team.id.0,
        date: q.date,
        items,
    }))
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiaryRef {
    pub agent_id: Uuid,
    pub date: NaiveDate,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct BulkApprove {
    #[validate(length(min = 1, max = 100, message = "must list 1 to 100 diaries"))]
    #[schema(min_items = 1, max_items = 100)]
    pub diaries: Vec<DiaryRef>,
    #[validate(length(max = 2000, message = "is too long"))]
    pub comment: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkResult {
    pub agent_id: Uuid,
    pub date: NaiveDate,
    /// `approved`, or `rejected` with a problem.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkResponse {
    pub results: Vec<BulkResult>,
}

/// Approve several diaries of a team at once (e.g. at the morning meeting); each result is
/// reported per diary.
#[utoipa::path(
    tags = [TAG_SUPERVISOR],
    params(TeamPath),
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
    let reach = auth.actor.require(Function::ReviewDiaries)?;
    let team = visible_team(&state, &auth.actor, &reach, path.id).await?;
    let rid = super::request_id(&req);
    let mut results = Vec::new();
    for r in &body.diaries {
        let in_team = state
            .db
            .get_user(auth.actor.company_id, UserId(r.agent_id))
            .await?
            .is_some_and(|u| u.team_id == Some(team.id));
        let outcome = if in_team {
            let p = DiaryPath {
                agent: r.agent_id,
                date: r.date,
            };
            review(&state, &req, &auth, &p, true, body.comment.clone())
                .await
                .map(|_| ())
        } else {
            Err(ApiError::not_found("agent in this team"))
        };
        results.push(match outcome {
            Ok(()) => BulkResult {
                agent_id: r.agent_id,
                date: r.date,
                status: "approved".into(),
                problem: None,
            },
            Err(e) => BulkResult {
                agent_id: r.agent_id,
                date: r.date,
                status: "rejected".into(),
                problem: Some(e.problem_for(&rid)),
            },
        });
    }
    Ok(HttpResponse::Ok().json(BulkResponse { results }))
}

// ---------------------------------------------------------------- calendar

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// The month, as YYYY-MM.
    #[param(example = "2026-11", pattern = r"^\d{4}-\d{2}$")]
    pub month: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DayStatusDto {
    Working,
    Rest,
    Holiday,
    Leave,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CalendarDay {
    pub date: NaiveDate,
    pub status: DayStatusDto,
    /// A diary and the daily quotas are due only on working days.
    pub daily_duty: bool,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CalendarMonth {
    pub agent_id: Uuid,
    pub month: String,
    pub time_zone: String,
    pub days: Vec<CalendarDay>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AgentPath {
    /// The agent's id.
    pub id: Uuid,
}

/// An agent's working calendar for a month (TIME-2): working, rest, holiday or leave.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE],
    params(AgentPath, MonthQuery),
    responses(
        (status = 200, description = "The month", body = CalendarMonth),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot read calendars", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agent within your reach", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid month", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/agents/{id}/calendar")]
pub async fn agent_calendar(
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<AgentPath>,
    q: web::Query<MonthQuery>,
) -> Result<HttpResponse, ApiError> {
    let reach = auth.actor.require(Function::ReadProgress)?;
    let agent = super::visible_agent(&state, &auth.actor, &reach, path.id).await?;
    let (first, last) = domain::period::Month::parse(&q.month)
        .map(domain::period::Month::bounds)
        .ok_or_else(|| ApiError::field("/query/month", "must be a month as YYYY-MM"))?;
    let bc = branch_ctx(&state, &agent).await?;
    let leave = state.db.approved_leave(agent.company_id, agent.id, first, last).await?;
    let mut days = Vec::new();
    let mut d = first;
    while d <= last {
        let on_leave = leave.iter().any(|l| l.from <= d && d <= l.to);
        let st = day_status(d, &bc.calendar, on_leave);
        days.push(CalendarDay {
            date: d,
            status: match st {
                DayStatus::Working => DayStatusDto::Working,
                DayStatus::Rest => DayStatusDto::Rest,
                DayStatus::Holiday => DayStatusDto::Holiday,
                DayStatus::Leave => DayStatusDto::Leave,
            },
            daily_duty: st.has_daily_duty(),
        });
        d += Duration::days(1);
    }
    Ok(HttpResponse::Ok().json(CalendarMonth {
        agent_id: agent.id.0,
        month: q.month.clone(),
        time_zone: bc.tz.name().to_owned(),
        days,
    }))
}

// ---------------------------------------------------------------- leave

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeaveStatusDto {
    Requested,
    Approved,
    Rejected,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LeaveDto {
    pub id: Uuid,
    pub agent_id: Uuid,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub reason: String,
    pub status: LeaveStatusDto,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_comment: Option<String>,
}

impl From<&LeaveRequest> for LeaveDto {
    fn from(l: &LeaveRequest) -> Self {
        LeaveDto {
            id: l.id,
            agent_id: l.agent_id.0,
            from: l.from,
            to: l.to,
            reason: l.reason.clone(),
            status: match l.status {
                LeaveStatus::Requested => LeaveStatusDto::Requested,
                LeaveStatus::Approved => LeaveStatusDto::Approved,
                LeaveStatus::Rejected => LeaveStatusDto::Rejected,
            },
            requested_at: l.requested_at,
            decided_by: l.decided_by.map(|u| u.0),
            decided_at: l.decided_at,
            decision_comment: l.decision_comment.clone(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewLeave {
    pub from: NaiveDate,
    pub to: NaiveDate,
    #[validate(length(min = 1, max = 500, message = "must be 1 to 500 characters"))]
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

#[derive(Debug, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct LeaveDecision {
    #[validate(length(max = 500, message = "is too long"))]
    #[schema(max_length = 500)]
    pub comment: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LeavePage {
    pub items: Vec<LeaveDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// The longest leave one request may cover.
const MAX_LEAVE_DAYS: i64 = 60;

/// Request leave for a span of dates (agents, for themselves).
#[utoipa::path(
    tags = [TAG_AGENT],
    request_body = NewLeave,
    responses(
        (status = 201, description = "Requested", body = LeaveDto),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only agents request leave", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid dates or reason", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/leave-requests")]
pub async fn request_leave(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<NewLeave>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::WriteDiary)?;
    if body.to < body.from {
        return Err(ApiError::field("/to", "must not be before 'from'"));
    }
    if (body.to - body.from).num_days() >= MAX_LEAVE_DAYS {
        return Err(ApiError::field(
            "/to",
            format!("a request covers at most {MAX_LEAVE_DAYS} days"),
        ));
    }
    let leave = LeaveRequest {
        company_id: auth.actor.company_id,
        id: Uuid::now_v7(),
        agent_id: auth.actor.user_id,
        from: body.from,
        to: body.to,
        reason: body.reason.trim().to_owned(),
        status: LeaveStatus::Requested,
        requested_at: state.clock.now(),
        decided_by: None,
        decided_at: None,
        decision_comment: None,
    };
    state
        .db
        .insert_leave(&audit_ctx(&req, &state, &auth.actor), &leave)
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/v1/leave-requests/{}", leave.id)))
        .json(LeaveDto::from(&leave)))
}

/// List leave requests within the caller's reach.
#[utoipa::path(
    tags = [TAG_AGENT, TAG_SUPERVISOR, TAG_BACK_OFFICE],
    params(PageParams),
    responses(
        (status = 200, description = "A page of leave requests", body = LeavePage),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role cannot read leave", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/leave-requests")]
pub async fn list_leave(
    auth: Authenticated,
    state: web::Data<AppState>,
    q: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let reach = auth.actor.require(Function::ReadDiaries)?;
    let page = q.page_request()?;
    let rows = state
        .db
        .list_leave(auth.actor.company_id, &reach.person_scope(), page)
        .await?;
    Ok(HttpResponse::Ok().json(LeavePage {
        next_cursor: super::next_cursor(&rows, page.limit, |l| l.id),
        items: rows.iter().map(LeaveDto::from).collect(),
    }))
}

async fn decide(
    req: &HttpRequest,
    auth: &Authenticated,
    state: &AppState,
    id: Uuid,
    approve: bool,
    comment: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let reach = auth.actor.require(Function::ReviewDiaries)?;
    let before = state
        .db
        .get_leave(auth.actor.company_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("leave request"))?;
    super::visible_agent(state, &auth.actor, &reach, before.agent_id.0)
        .await
        .map_err(|_| ApiError::not_found("leave request"))?;
    if before.status != LeaveStatus::Requested {
        return Err(ApiError::conflict(
            "already_decided",
            "this leave request has already been decided",
        ));
    }
    let after = LeaveRequest {
        status: if approve {
            LeaveStatus::Approved
        } else {
            LeaveStatus::Rejected
        },
        decided_by: Some(auth.actor.user_id),
        decided_at: Some(state.clock.now()),
        decision_comment: comment.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()),
        ..before.clone()
    };
    if !state
        .db
        .decide_leave(&audit_ctx(req, state, &auth.actor), &before, &after)
        .await?
    {
        return Err(ApiError::conflict(
            "already_decided",
            "this leave request has already been decided",
        ));
    }
    Ok(HttpResponse::Ok().json(LeaveDto::from(&after)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct LeavePath {
    /// The leave request's id.
    pub id: Uuid,
}

/// Approve a leave request (the agent's supervisor, or an admin): those days carry no duty.
#[utoipa::path(
    tags = [TAG_SUPERVISOR],
    params(LeavePath),
    request_body = LeaveDecision,
    responses(
        (status = 200, description = "Approved", body = LeaveDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only supervisors and admins decide leave", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not within your reach", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/leave-requests/{id}/approve")]
pub async fn approve_leave(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<LeavePath>,
    body: OptionalJson<LeaveDecision>,
) -> Result<HttpResponse, ApiError> {
    decide(&req, &auth, &state, path.id, true, body.0.comment).await
}

/// Reject a leave request.
#[utoipa::path(
    tags = [TAG_SUPERVISOR],
    params(LeavePath),
    request_body = LeaveDecision,
    responses(
        (status = 200, description = "Rejected", body = LeaveDto),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only supervisors and admins decide leave", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not within your reach", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/leave-requests/{id}/reject")]
pub async fn reject_leave(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<LeavePath>,
    body: OptionalJson<LeaveDecision>,
) -> Result<HttpResponse, ApiError> {
    decide(&req, &auth, &state, path.id, false, body.0.comment).await
}

// ---------------------------------------------------------------- spot checks

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct DrawSample {
    pub team_id: Uuid,
    pub from: NaiveDate,
    pub to: NaiveDate,
    #[validate(range(min = 1, max = 100, message = "must be 1 to 100"))]
    #[schema(minimum = 1, maximum = 100)]
    pub size: u32,
    /// Reproduce an earlier draw with its seed; omitted, a random seed is chosen and recorded.
    pub seed: Option<i64>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SpotCheckResultDto {
    Genuine,
    Falsified,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SpotCheckDto {
    pub id: Uuid,
    pub diary_id: Uuid,
    pub result: SpotCheckResultDto,
    pub notes: String,
    pub checked_by: Uuid,
    pub checked_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SampleDto {
    pub id: Uuid,
    pub team_id: Uuid,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub size: u32,
    pub seed: i64,
    pub drawn_by: Uuid,
    pub drawn_at: DateTime<Utc>,
    /// The sampled diaries (fewer than `size` when the period has fewer submitted diaries).
    pub diary_ids: Vec<Uuid>,
    pub checks: Vec<SpotCheckDto>,
}

fn sample_dto(s: &SpotCheckSample, checks: &[SpotCheck]) -> SampleDto {
    SampleDto {
        id: s.id,
        team_id: s.team_id.0,
        from: s.from,
        to: s.to,
        size: s.size,
        seed: s.seed,
        drawn_by: s.drawn_by.0,
        drawn_at: s.drawn_at,
        diary_ids: s.diary_ids.clone(),
        checks: checks
            .iter()
            .map(|c| SpotCheckDto {
                id: c.id,
                diary_id: c.diary_id,
                result: match c.result {
                    SpotCheckResult::Genuine => SpotCheckResultDto::Genuine,
                    SpotCheckResult::Falsified => SpotCheckResultDto::Falsified,
                },
                notes: c.notes.clone(),
                checked_by: c.checked_by.0,
                checked_at: c.checked_at,
            })
            .collect(),
    }
}

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
    auth.actor.require(Function::SpotCheckDiaries)?;
    let company = auth.actor.company_id;
    let mut errors = ValidationErrors::default();
    if state.db.get_team(company, TeamId(body.team_id)).await?.is_none() {
        errors.push("/team_id", "no such team");
    }
    if body.to < body.from {
        errors.push("/to", "must not be before 'from'");
    } else if (body.to - body.from).num_days() > 366 {
        errors.push("/to", "a period covers at most a year");
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let seed = body.seed.unwrap_or_else(|| (rand::random::<u64>() >> 1) as i64);
    let candidates: Vec<Uuid> = state
        .db
        .submitted_diaries(company, TeamId(body.team_id), body.from, body.to)
        .await?
        .into_iter()
        .map(|d| d.id)
        .collect();
    // INT-* integrity flags will join the sample here once they exist.
    let chosen = draw_sample(&candidates, body.size as usize, seed as u64);
    let sample = SpotCheckSample {
        company_id: company,
        id: Uuid::now_v7(),
        team_id: TeamId(body.team_id),
        from: body.from,
        to: body.to,
        size: body.size,
        seed,
        drawn_by: auth.actor.user_id,
        drawn_at: state.clock.now(),
        diary_ids: chosen,
    };
    state
        .db
        .insert_sample(&audit_ctx(&req, &state, &auth.actor), &sample)
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/v1/spot-checks/{}", sample.id)))
        .json(sample_dto(&sample, &[])))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SamplePath {
    /// The sample's id.
    pub id: Uuid,
}

/// Read a spot-check sample and its findings.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(SamplePath),
    responses(
        (status = 200, description = "The sample", body = SampleDto),
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
    auth.actor.require(Function::SpotCheckDiaries)?;
    let s = state
        .db
        .get_sample(auth.actor.company_id, path.id)
        .await?
        .ok_or_else(|| ApiError::not_found("spot-check sample"))?;
    let checks = state.db.sample_checks(s.company_id, s.id).await?;
    Ok(with_etag(&req, StatusCode::OK, &sample_dto(&s, &checks)))
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewFinding {
    pub diary_id: Uuid,
    pub result: SpotCheckResultDto,
    #[validate(length(max = 4000, message = "is too long"))]
    #[schema(max_length = 4000)]
    pub notes: String,
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
    auth.actor.require(Function::SpotCheckDiaries)?;
    let s = state
        .db
        .get_sample(auth.actor.company_id, path.id)
        .await?
        .ok_or_else(|| ApiError::not_found("spot-check sample"))?;
    if !s.diary_ids.contains(&body.diary_id) {
        return Err(ApiError::field("/diary_id", "this diary is not in the sample"));
    }
    let check = SpotCheck {
        company_id: s.company_id,
        id: Uuid::now_v7(),
        sample_id: s.id,
        diary_id: body.diary_id,
        result: match body.result {
            SpotCheckResultDto::Genuine => SpotCheckResult::Genuine,
            SpotCheckResultDto::Falsified => SpotCheckResult::Falsified,
        },
        notes: body.notes.trim().to_owned(),
        checked_by: auth.actor.user_id,
        checked_at: state.clock.now(),
    };
    state
        .db
        .insert_spot_check(&audit_ctx(&req, &state, &auth.actor), &check)
        .await
        .map_err(|e| match e {
            domain::ports::RepoError::Conflict(_) => {
                ApiError::conflict("already_checked", "this diary already has a finding in this sample")
            }
            other => other.into(),
        })?;
    if check.result == SpotCheckResult::Falsified {
        post_falsified(&state, &check).await?;
    }
    let checks = state.db.sample_checks(s.company_id, s.id).await?;
    Ok(HttpResponse::Created().json(sample_dto(&s, &checks)))
}

/// DIA-5 → DIA-PEN-FALSIFIED on the agent and DIA-PEN-FALSIFIED-SUP on their supervisor,
/// posted in the open period (idempotent on the diary's id).
async fn post_falsified(state: &AppState, check: &SpotCheck) -> Result<(), ApiError> {
    use domain::ports::LedgerRepo;
    let diary = state
        .db
        .get_diary_by_id(check.company_id, check.diary_id)
        .await?
        .ok_or_else(ApiError::internal)?;
    let agent = state
        .db
        .get_user(check.company_id, diary.agent_id)
        .await?
        .ok_or_else(ApiError::internal)?;
    let supervisor = match agent.team_id {
        Some(t) => state.db.get_team(check.company_id, t).await?.map(|t| t.supervisor_id),
        None => None,
    };
    let policy =
        crate::app::policy_versions::policy_for(&state.db, check.company_id, agent.branch_id, diary.date).await?;
    let bc = branch_ctx(state, &agent).await?;
    let today = business_day(state.clock.now(), bc.tz);
    let drafts = domain::penalty::falsified_penalties(diary.id, diary.date, agent.id, supervisor, &policy);
    let entries: Vec<_> = drafts
        .iter()
        .map(|d| {
            domain::penalty::entry_from_draft(check.company_id, agent.branch_id, d, &policy, today, check.checked_at)
        })
        .collect();
    state.db.insert_entries(&entries).await?;
    Ok(())
}

/// This feature's routes, registered once for the server and the contract.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_diary)
        .service(edit_diary)
        .service(submit_diary)
        .service(approve_diary)
        .service(return_diary)
        .service(team_queue)
        .service(bulk_approve)
        .service(agent_calendar)
        .service(request_leave)
        .service(list_leave)
        .service(approve_leave)
        .service(reject_leave)
        .service(draw_spot_check)
        .service(get_spot_check)
        .service(record_finding);
}
