//! Admin organisation endpoints: `/v1/branches`, `/v1/teams`, `/v1/users` (TIME-1..3).

use super::{
    audit_ctx, insert_location, next_cursor, with_etag, IdPath, PageParams, TAG_BACK_OFFICE, TAG_INTEGRATION,
    TAG_SUPERVISOR,
};
use crate::auth::{hash_password, Authenticated};
use crate::http::errors::{ApiError, Problem};
use crate::http::extract::JsonBody;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{Function, Owner};
use domain::ids::{BranchId, CompanyId, TeamId, UserId};
use domain::org::{
    check_name, format_hm, normalise_email, normalise_phone, Branch, BranchDraft, BranchSettings, CalendarException,
    Role, Team, User,
};
use domain::ports::{AuthRepo, OrganisationRepo, RepoError};
use domain::time::ExceptionKind;
use domain::ValidationErrors;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

// ---------------------------------------------------------------- wire types

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RoleDto {
    Agent,
    Supervisor,
    QualityOfficer,
    CallbackAgent,
    Hr,
    Admin,
}

impl From<RoleDto> for Role {
    fn from(r: RoleDto) -> Role {
        match r {
            RoleDto::Agent => Role::Agent,
            RoleDto::Supervisor => Role::Supervisor,
            RoleDto::QualityOfficer => Role::QualityOfficer,
            RoleDto::CallbackAgent => Role::CallbackAgent,
            RoleDto::Hr => Role::Hr,
            RoleDto::Admin => Role::Admin,
        }
    }
}

impl From<Role> for RoleDto {
    fn from(r: Role) -> RoleDto {
        match r {
            Role::Agent => RoleDto::Agent,
            Role::Supervisor => RoleDto::Supervisor,
            Role::QualityOfficer => RoleDto::QualityOfficer,
            Role::CallbackAgent => RoleDto::CallbackAgent,
            Role::Hr => RoleDto::Hr,
            Role::Admin => RoleDto::Admin,
        }
    }
}

/// A meeting window in the branch's local time (TIME-3).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WindowDto {
    #[schema(example = "08:30", pattern = r"^\d{2}:\d{2}(:\d{2})?$")]
    pub start: String,
    #[schema(example = "09:30", pattern = r"^\d{2}:\d{2}(:\d{2})?$")]
    pub end: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionKindDto {
    /// A holiday on what would be a working weekday.
    Holiday,
    /// A make-up working day on what would be a rest day.
    WorkingDay,
}

/// A dated exception to the branch's working weekdays (TIME-2).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarExceptionDto {
    pub date: NaiveDate,
    pub kind: ExceptionKindDto,
    #[schema(max_length = 200)]
    pub name: Option<String>,
}

impl From<&CalendarExceptionDto> for CalendarException {
    fn from(d: &CalendarExceptionDto) -> Self {
        CalendarException {
            date: d.date,
            kind: match d.kind {
                ExceptionKindDto::Holiday => ExceptionKind::Holiday,
                ExceptionKindDto::WorkingDay => ExceptionKind::WorkingDay,
            },
            name: d.name.clone(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BranchDto {
    pub id: Uuid,
    pub name: String,
    /// IANA time zone; business days and deadlines are computed in it (TIME-1).
    #[schema(example = "Asia/Shanghai")]
    pub time_zone: String,
    #[schema(example = json!(["mon", "tue", "wed", "thu", "fri", "sat"]))]
    pub working_weekdays: Vec<String>,
    pub calendar_exceptions: Vec<CalendarExceptionDto>,
    pub morning_meeting: WindowDto,
    pub evening_meeting: WindowDto,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Branch> for BranchDto {
    fn from(b: &Branch) -> Self {
        let s = &b.settings;
        let window = |w: domain::time::MeetingWindow| WindowDto {
            start: format_hm(w.start()),
            end: format_hm(w.end()),
        };
        BranchDto {
            id: b.id.0,
            name: s.name.clone(),
            time_zone: s.time_zone.clone(),
            working_weekdays: s.working_weekdays.names().into_iter().map(String::from).collect(),
            calendar_exceptions: s
                .calendar_exceptions
                .iter()
                .map(|e| CalendarExceptionDto {
                    date: e.date,
                    kind: match e.kind {
                        ExceptionKind::Holiday => ExceptionKindDto::Holiday,
                        ExceptionKind::WorkingDay => ExceptionKindDto::WorkingDay,
                    },
                    name: e.name.clone(),
                })
                .collect(),
            morning_meeting: window(s.morning_meeting),
            evening_meeting: window(s.evening_meeting),
            created_at: b.created_at,
            updated_at: b.updated_at,
        }
    }
}

/// Create a branch. Omitted settings take the rulebook defaults (Asia/Shanghai, Mon–Sat,
/// meetings 08:30–09:30 and 17:30–18:30).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBranch {
    #[schema(example = "Pudong", max_length = 200)]
    pub name: String,
    #[schema(example = "Asia/Shanghai")]
    pub time_zone: Option<String>,
    #[schema(example = json!(["mon", "tue", "wed", "thu", "fri", "sat"]))]
    #[validate(length(max = 7, message = "lists at most 7 weekdays"))]
    pub working_weekdays: Option<Vec<String>>,
    #[validate(length(max = 400, message = "lists at most 400 exceptions"))]
    pub calendar_exceptions: Option<Vec<CalendarExceptionDto>>,
    pub morning_meeting: Option<WindowDto>,
    pub evening_meeting: Option<WindowDto>,
}

/// Change a branch; omitted fields keep their value. `calendar_exceptions` replaces the list.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateBranch {
    #[schema(max_length = 200)]
    pub name: Option<String>,
    pub time_zone: Option<String>,
    #[validate(length(max = 7, message = "lists at most 7 weekdays"))]
    pub working_weekdays: Option<Vec<String>>,
    #[validate(length(max = 400, message = "lists at most 400 exceptions"))]
    pub calendar_exceptions: Option<Vec<CalendarExceptionDto>>,
    pub morning_meeting: Option<WindowDto>,
    pub evening_meeting: Option<WindowDto>,
}

fn merge_branch(
    mut d: BranchDraft,
    name: Option<&String>,
    tz: Option<&String>,
    weekdays: Option<&Vec<String>>,
    exceptions: Option<&Vec<CalendarExceptionDto>>,
    morning: Option<&WindowDto>,
    evening: Option<&WindowDto>,
) -> BranchDraft {
    if let Some(n) = name {
        d.name = n.clone();
    }
    if let Some(t) = tz {
        d.time_zone = t.clone();
    }
    if let Some(w) = weekdays {
        d.working_weekdays = w.clone();
    }
    if let Some(e) = exceptions {
        d.calendar_exceptions = e.iter().map(CalendarException::from).collect();
    }
    if let Some(m) = morning {
        d.morning_meeting = (m.start.clone(), m.end.clone());
    }
    if let Some(e) = evening {
        d.evening_meeting = (e.start.clone(), e.end.clone());
    }
    d
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BranchPage {
    pub items: Vec<BranchDto>,
    /// Absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TeamDto {
    pub id: Uuid,
    pub branch_id: Uuid,
    pub name: String,
    /// The team's one supervisor (a user with role `supervisor`).
    pub supervisor_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Team> for TeamDto {
    fn from(t: &Team) -> Self {
        TeamDto {
            id: t.id.0,
            branch_id: t.branch_id.0,
            name: t.name.clone(),
            supervisor_id: t.supervisor_id.0,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTeam {
    pub branch_id: Uuid,
    #[schema(example = "Team Dragon", max_length = 200)]
    pub name: String,
    pub supervisor_id: Uuid,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTeam {
    pub branch_id: Option<Uuid>,
    #[schema(max_length = 200)]
    pub name: Option<String>,
    pub supervisor_id: Option<Uuid>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TeamPage {
    pub items: Vec<TeamDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UserDto {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    /// Digits only (a leading + kept), so numbers can be matched.
    pub phone: Option<String>,
    pub role: RoleDto,
    pub branch_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    /// Deactivated users cannot sign in; users are never deleted.
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&User> for UserDto {
    fn from(u: &User) -> Self {
        UserDto {
            id: u.id.0,
            email: u.email.clone(),
            name: u.name.clone(),
            phone: u.phone.clone(),
            role: u.role.into(),
            branch_id: u.branch_id.map(|b| b.0),
            team_id: u.team_id.map(|t| t.0),
            active: u.active,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

/// Create a user. Agents need `team_id` (their branch follows from the team); supervisors
/// need `branch_id`; other roles may name a branch.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    #[validate(
        email(message = "must be an e-mail address"),
        length(max = 320, message = "is too long")
    )]
    #[schema(example = "li.na@example.com", format = "email", max_length = 320)]
    pub email: String,
    #[schema(example = "Li Na", max_length = 200)]
    pub name: String,
    #[validate(length(min = 12, max = 1024, message = "must be 12 to 1024 characters"))]
    #[schema(min_length = 12, max_length = 1024)]
    pub password: String,
    pub role: RoleDto,
    #[schema(example = "+86 138 0013 8000")]
    pub phone: Option<String>,
    pub branch_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
}

/// Change a user; omitted fields keep their value.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    #[validate(
        email(message = "must be an e-mail address"),
        length(max = 320, message = "is too long")
    )]
    #[schema(format = "email", max_length = 320)]
    pub email: Option<String>,
    #[schema(max_length = 200)]
    pub name: Option<String>,
    #[validate(length(min = 12, max = 1024, message = "must be 12 to 1024 characters"))]
    #[schema(min_length = 12, max_length = 1024)]
    pub password: Option<String>,
    pub role: Option<RoleDto>,
    pub phone: Option<String>,
    pub branch_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UserPage {
    pub items: Vec<UserDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

// ---------------------------------------------------------------- branches

/// Create a branch.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    request_body = CreateBranch,
    responses(
        (status = 201, description = "Created", body = BranchDto, headers(("Location" = String, description = "The branch's URL"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/branches")]
pub async fn create_branch(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<CreateBranch>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::ManageOrganisation)?;
    let b = &body.0;
    let draft = merge_branch(
        BranchDraft::default(),
        Some(&b.name),
        b.time_zone.as_ref(),
        b.working_weekdays.as_ref(),
        b.calendar_exceptions.as_ref(),
        b.morning_meeting.as_ref(),
        b.evening_meeting.as_ref(),
    );
    let settings = BranchSettings::parse(draft)?;
    let now = state.clock.now();
    let branch = Branch {
        company_id: auth.actor.company_id,
        id: BranchId::new(),
        settings,
        created_at: now,
        updated_at: now,
    };
    state
        .db
        .insert_branch(&audit_ctx(&req, &state, &auth.actor), &branch)
        .await?;
    let mut resp = with_etag(&req, StatusCode::CREATED, &BranchDto::from(&branch));
    insert_location(&mut resp, &format!("/v1/branches/{}", branch.id));
    Ok(resp)
}

async fn load_branch(state: &AppState, company: CompanyId, id: Uuid) -> Result<Branch, ApiError> {
    state
        .db
        .get_branch(company, BranchId(id))
        .await?
        .ok_or_else(|| ApiError::not_found("branch"))
}

/// List the company's branches.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE, TAG_SUPERVISOR, TAG_INTEGRATION],
    params(PageParams),
    responses(
        (status = 200, description = "A page of branches", body = BranchPage),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/branches")]
pub async fn list_branches(
    auth: Authenticated,
    state: web::Data<AppState>,
    q: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::ReadBranches)?;
    let page = q.page_request()?;
    let rows = state.db.list_branches(auth.actor.company_id, page).await?;
    Ok(HttpResponse::Ok().json(BranchPage {
        next_cursor: next_cursor(&rows, page.limit, |b| b.id.0),
        items: rows.iter().map(BranchDto::from).collect(),
    }))
}

/// Read a branch.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE, TAG_SUPERVISOR, TAG_INTEGRATION],
    params(IdPath),
    responses(
        (status = 200, description = "The branch", body = BranchDto, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such branch in your company", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/branches/{id}")]
pub async fn get_branch(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::ReadBranches)?;
    let branch = load_branch(&state, auth.actor.company_id, path.id).await?;
    Ok(with_etag(&req, StatusCode::OK, &BranchDto::from(&branch)))
}

/// Change a branch's settings.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(IdPath),
    request_body = UpdateBranch,
    responses(
        (status = 200, description = "Updated", body = BranchDto),
        (status = 400, description = "Malformed JSON or id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such branch in your company", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[patch("/branches/{id}")]
pub async fn update_branch(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    body: JsonBody<UpdateBranch>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::ManageOrganisation)?;
    let before = load_branch(&state, auth.actor.company_id, path.id).await?;
    let b = &body.0;
    let draft = merge_branch(
        before.settings.to_draft(),
        b.name.as_ref(),
        b.time_zone.as_ref(),
        b.working_weekdays.as_ref(),
        b.calendar_exceptions.as_ref(),
        b.morning_meeting.as_ref(),
        b.evening_meeting.as_ref(),
    );
    let after = Branch {
        settings: BranchSettings::parse(draft)?,
        updated_at: state.clock.now(),
        ..before.clone()
    };
    state
        .db
        .update_branch(&audit_ctx(&req, &state, &auth.actor), &before, &after)
        .await?;
    Ok(with_etag(&req, StatusCode::OK, &BranchDto::from(&after)))
}

// ---------------------------------------------------------------- teams

/// The supervisor must be an active `supervisor` of this company (422 otherwise).
async fn check_supervisor(
    state: &AppState,
    company: CompanyId,
    id: Uuid,
    errors: &mut ValidationErrors,
) -> Result<(), ApiError> {
    match state.db.get_user(company, UserId(id)).await? {
        Some(u) if u.role == Role::Supervisor && u.active => {}
        Some(u) if u.role == Role::Supervisor => errors.push("/supervisor_id", "this supervisor is deactivated"),
        Some(_) => errors.push("/supervisor_id", "this user is not a supervisor"),
        None => errors.push("/supervisor_id", "no such user"),
    }
    Ok(())
}

async fn check_branch_exists(
    state: &AppState,
    company: CompanyId,
    id: Uuid,
    errors: &mut ValidationErrors,
) -> Result<(), ApiError> {
    if state.db.get_branch(company, BranchId(id)).await?.is_none() {
        errors.push("/branch_id", "no such branch");
    }
    Ok(())
}

/// Create a team under a branch, led by one supervisor.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    request_body = CreateTeam,
    responses(
        (status = 201, description = "Created", body = TeamDto, headers(("Location" = String, description = "The team's URL"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (e.g. the supervisor is not a supervisor)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/teams")]
pub async fn create_team(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<CreateTeam>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::ManageOrganisation)?;
    let company = auth.actor.company_id;
    let mut errors = ValidationErrors::default();
    let name = check_name(&mut errors, "/name", &body.name);
    check_branch_exists(&state, company, body.branch_id, &mut errors).await?;
    check_supervisor(&state, company, body.supervisor_id, &mut errors).await?;
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let now = state.clock.now();
    let team = Team {
        company_id: company,
        id: TeamId::new(),
        branch_id: BranchId(body.branch_id),
        name,
        supervisor_id: UserId(body.supervisor_id),
        created_at: now,
        updated_at: now,
    };
    state
        .db
        .insert_team(&audit_ctx(&req, &state, &auth.actor), &team)
        .await?;
    let mut resp = with_etag(&req, StatusCode::CREATED, &TeamDto::from(&team));
    insert_location(&mut resp, &format!("/v1/teams/{}", team.id));
    Ok(resp)
}

fn team_owner(t: &Team) -> Owner {
    Owner {
        company_id: t.company_id,
        user_id: None,
        team_id: Some(t.id),
    }
}

/// List teams: admins and back-office staff see the company's, a supervisor the teams they
/// lead, an agent their own.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE, TAG_SUPERVISOR, TAG_INTEGRATION],
    params(PageParams),
    responses(
        (status = 200, description = "A page of teams", body = TeamPage),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/teams")]
pub async fn list_teams(
    auth: Authenticated,
    state: web::Data<AppState>,
    q: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let reach = auth.actor.require(Function::ReadTeams)?;
    let page = q.page_request()?;
    let rows = state
        .db
        .list_teams(auth.actor.company_id, &reach.team_scope(), page)
        .await?;
    Ok(HttpResponse::Ok().json(TeamPage {
        next_cursor: next_cursor(&rows, page.limit, |t| t.id.0),
        items: rows.iter().map(TeamDto::from).collect(),
    }))
}

async fn load_visible_team(state: &AppState, auth: &Authenticated, id: Uuid) -> Result<Team, ApiError> {
    let reach = auth.actor.require(Function::ReadTeams)?;
    state
        .db
        .get_team(auth.actor.company_id, TeamId(id))
        .await?
        .filter(|t| auth.actor.can_see(&reach, team_owner(t)))
        .ok_or_else(|| ApiError::not_found("team"))
}

/// Read a team.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE, TAG_SUPERVISOR, TAG_INTEGRATION],
    params(IdPath),
    responses(
        (status = 200, description = "The team", body = TeamDto, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such team within your reach", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/teams/{id}")]
pub async fn get_team(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let team = load_visible_team(&state, &auth, path.id).await?;
    Ok(with_etag(&req, StatusCode::OK, &TeamDto::from(&team)))
}

/// Rename a team, move it to another branch or change its supervisor.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(IdPath),
    request_body = UpdateTeam,
    responses(
        (status = 200, description = "Updated", body = TeamDto),
        (status = 400, description = "Malformed JSON or id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such team in your company", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[patch("/teams/{id}")]
pub async fn update_team(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    body: JsonBody<UpdateTeam>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::ManageOrganisation)?;
    let company = auth.actor.company_id;
    let before = state
        .db
        .get_team(company, TeamId(path.id))
        .await?
        .ok_or_else(|| ApiError::not_found("team"))?;
    let mut errors = ValidationErrors::default();
    let mut after = before.clone();
    if let Some(n) = &body.name {
        after.name = check_name(&mut errors, "/name", n);
    }
    if let Some(b) = body.branch_id {
        check_branch_exists(&state, company, b, &mut errors).await?;
        after.branch_id = BranchId(b);
    }
    if let Some(s) = body.supervisor_id {
        check_supervisor(&state, company, s, &mut errors).await?;
        after.supervisor_id = UserId(s);
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    after.updated_at = state.clock.now();
    state
        .db
        .update_team(&audit_ctx(&req, &state, &auth.actor), &before, &after)
        .await?;
    Ok(with_etag(&req, StatusCode::OK, &TeamDto::from(&after)))
}

// ---------------------------------------------------------------- users

/// Where a user of `role` sits: agents in a team (branch from the team), supervisors in a
/// branch, other roles optionally in a branch and never in a team.
async fn place_user(
    state: &AppState,
    company: CompanyId,
    role: Role,
    branch_id: Option<Uuid>,
    team_id: Option<Uuid>,
    errors: &mut ValidationErrors,
) -> Result<(Option<BranchId>, Option<TeamId>), ApiError> {
    let team = match team_id {
        Some(t) => {
            let team = state.db.get_team(company, TeamId(t)).await?;
            if team.is_none() {
                errors.push("/team_id", "no such team");
            }
            team
        }
        None => None,
    };
    if let Some(b) = branch_id {
        check_branch_exists(state, company, b, errors).await?;
    }
    match role {
        Role::Agent => match (&team, team_id) {
            (_, None) => errors.push("/team_id", "an agent must belong to a team"),
            (Some(t), Some(_)) => {
                if branch_id.is_some_and(|b| b != t.branch_id.0) {
                    errors.push("/branch_id", "differs from the team's branch");
                }
                return Ok((Some(t.branch_id), Some(t.id)));
            }
            (None, Some(_)) => {}
        },
        Role::Supervisor if branch_id.is_none() => errors.push("/branch_id", "a supervisor must belong to a branch"),
        _ if team_id.is_some() => errors.push("/team_id", "only agents belong to a team"),
        _ => {}
    }
    Ok((branch_id.map(BranchId), None))
}

fn phone_field(errors: &mut ValidationErrors, phone: Option<&String>) -> Option<String> {
    let p = phone?;
    let n = normalise_phone(p);
    if n.is_none() {
        errors.push("/phone", "must be a phone number of 5 to 20 digits");
    }
    n
}

fn email_taken(e: RepoError) -> ApiError {
    match e {
        RepoError::Conflict(_) => ApiError::field("/email", "is already in use"),
        other => other.into(),
    }
}

/// Create a user.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    request_body = CreateUser,
    responses(
        (status = 201, description = "Created", body = UserDto, headers(("Location" = String, description = "The user's URL"))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or the e-mail is in use", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/users")]
pub async fn create_user(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    body: JsonBody<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::ManageOrganisation)?;
    let company = auth.actor.company_id;
    let b = &body.0;
    let mut errors = ValidationErrors::default();
    let name = check_name(&mut errors, "/name", &b.name);
    let phone = phone_field(&mut errors, b.phone.as_ref());
    let role = Role::from(b.role);
    let (branch_id, team_id) = place_user(&state, company, role, b.branch_id, b.team_id, &mut errors).await?;
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let password_hash = hash_password(b.password.clone(), state.config.argon2_memory_kib).await?;
    let now = state.clock.now();
    let user = User {
        company_id: company,
        id: UserId::new(),
        email: normalise_email(&b.email),
        name,
        phone,
        role,
        branch_id,
        team_id,
        active: true,
        password_hash,
        created_at: now,
        updated_at: now,
    };
    state
        .db
        .insert_user(Some(&audit_ctx(&req, &state, &auth.actor)), &user)
        .await
        .map_err(email_taken)?;
    let mut resp = with_etag(&req, StatusCode::CREATED, &UserDto::from(&user));
    insert_location(&mut resp, &format!("/v1/users/{}", user.id));
    Ok(resp)
}

fn user_owner(u: &User) -> Owner {
    Owner {
        company_id: u.company_id,
        user_id: Some(u.id),
        team_id: u.team_id,
    }
}

/// List users within the caller's reach (company, led teams, or self).
#[utoipa::path(
    tags = [TAG_BACK_OFFICE, TAG_SUPERVISOR, TAG_INTEGRATION],
    params(PageParams),
    responses(
        (status = 200, description = "A page of users", body = UserPage),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/users")]
pub async fn list_users(
    auth: Authenticated,
    state: web::Data<AppState>,
    q: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let reach = auth.actor.require(Function::ReadUsers)?;
    let page = q.page_request()?;
    let rows = state
        .db
        .list_users(auth.actor.company_id, &reach.person_scope(), page)
        .await?;
    Ok(HttpResponse::Ok().json(UserPage {
        next_cursor: next_cursor(&rows, page.limit, |u| u.id.0),
        items: rows.iter().map(UserDto::from).collect(),
    }))
}

async fn load_visible_user(state: &AppState, auth: &Authenticated, id: Uuid) -> Result<User, ApiError> {
    let reach = auth.actor.require(Function::ReadUsers)?;
    state
        .db
        .get_user(auth.actor.company_id, UserId(id))
        .await?
        .filter(|u| auth.actor.can_see(&reach, user_owner(u)))
        .ok_or_else(|| ApiError::not_found("user"))
}

/// Read a user.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE, TAG_SUPERVISOR, TAG_INTEGRATION],
    params(IdPath),
    responses(
        (status = 200, description = "The user", body = UserDto, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user within your reach", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/users/{id}")]
pub async fn get_user(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    let user = load_visible_user(&state, &auth, path.id).await?;
    Ok(with_etag(&req, StatusCode::OK, &UserDto::from(&user)))
}

async fn load_company_user(state: &AppState, company: CompanyId, id: Uuid) -> Result<User, ApiError> {
    state
        .db
        .get_user(company, UserId(id))
        .await?
        .ok_or_else(|| ApiError::not_found("user"))
}

/// Change a user's details, role, placement or password.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(IdPath),
    request_body = UpdateUser,
    responses(
        (status = 200, description = "Updated", body = UserDto),
        (status = 400, description = "Malformed JSON or id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user in your company", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[patch("/users/{id}")]
pub async fn update_user(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
    body: JsonBody<UpdateUser>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::ManageOrganisation)?;
    let company = auth.actor.company_id;
    let before = load_company_user(&state, company, path.id).await?;
    let b = &body.0;
    let mut errors = ValidationErrors::default();
    let mut after = before.clone();
    if let Some(n) = &b.name {
        after.name = check_name(&mut errors, "/name", n);
    }
    if let Some(e) = &b.email {
        after.email = normalise_email(e);
    }
    if b.phone.is_some() {
        after.phone = phone_field(&mut errors, b.phone.as_ref());
    }
    if let Some(r) = b.role {
        after.role = r.into();
    }
    if before.role == Role::Supervisor
        && after.role != Role::Supervisor
        && !state.db.teams_led_by(company, before.id).await?.is_empty()
    {
        errors.push(
            "/role",
            "this supervisor leads teams; give them another supervisor first",
        );
    }
    if b.role.is_some() || b.branch_id.is_some() || b.team_id.is_some() {
        // Placement is re-checked as a whole: fields not sent keep their value unless the
        // new role forbids them (a team only makes sense for an agent).
        let team = b.team_id.or(if after.role == Role::Agent {
            before.team_id.map(|t| t.0)
        } else {
            None
        });
        let branch = b.branch_id.or(if b.team_id.is_some() {
            None
        } else {
            before.branch_id.map(|x| x.0)
        });
        let branch = if after.role == Role::Agent && b.branch_id.is_none() {
            None
        } else {
            branch
        };
        let (branch_id, team_id) = place_user(&state, company, after.role, branch, team, &mut errors).await?;
        after.branch_id = branch_id;
        after.team_id = team_id;
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    if let Some(p) = &b.password {
        after.password_hash = hash_password(p.clone(), state.config.argon2_memory_kib).await?;
    }
    after.updated_at = state.clock.now();
    state
        .db
        .update_user(&audit_ctx(&req, &state, &auth.actor), &before, &after)
        .await
        .map_err(email_taken)?;
    if b.password.is_some() {
        // A new password ends every session that used the old one.
        state.db.revoke_user_tokens(company, after.id, after.updated_at).await?;
    }
    Ok(with_etag(&req, StatusCode::OK, &UserDto::from(&after)))
}

/// Deactivate a user: they can no longer sign in and their sessions end. Users are never
/// deleted, so their records and history stay attributable.
#[utoipa::path(
    tags = [TAG_BACK_OFFICE],
    params(IdPath),
    responses(
        (status = 200, description = "Deactivated (repeating it is harmless)", body = UserDto),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user in your company", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Yourself, or a supervisor who still leads teams", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/users/{id}/deactivate")]
pub async fn deactivate_user(
    req: HttpRequest,
    auth: Authenticated,
    state: web::Data<AppState>,
    path: web::Path<IdPath>,
) -> Result<HttpResponse, ApiError> {
    auth.actor.require(Function::ManageOrganisation)?;
    let company = auth.actor.company_id;
    let before = load_company_user(&state, company, path.id).await?;
    if before.id == auth.actor.user_id {
        return Err(ApiError::conflict(
            "cannot_deactivate_self",
            "you cannot deactivate your own account",
        ));
    }
    if !before.active {
        return Ok(with_etag(&req, StatusCode::OK, &UserDto::from(&before)));
    }
    if !state.db.teams_led_by(company, before.id).await?.is_empty() {
        return Err(ApiError::conflict(
            "supervisor_leads_teams",
            "this supervisor leads teams; give them another supervisor first",
        ));
    }
    let after = User {
        active: false,
        updated_at: state.clock.now(),
        ..before.clone()
    };
    state
        .db
        .update_user(&audit_ctx(&req, &state, &auth.actor), &before, &after)
        .await?;
    state.db.revoke_user_tokens(company, after.id, after.updated_at).await?;
    Ok(with_etag(&req, StatusCode::OK, &UserDto::from(&after)))
}

/// This feature's routes, registered once for the server and the contract.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_branch)
        .service(list_branches)
        .service(get_branch)
        .service(update_branch)
        .service(create_team)
        .service(list_teams)
        .service(get_team)
        .service(update_team)
        .service(create_user)
        .service(list_users)
        .service(get_user)
        .service(update_user)
        .service(deactivate_user);
}
