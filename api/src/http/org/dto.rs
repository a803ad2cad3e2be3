//! Wire types of the organisation endpoints and their conversions into domain values.

use chrono::{DateTime, NaiveDate, Utc};
use domain::ids::{BranchId, TeamId, UserId};
use domain::org::{format_hm, Branch, CalendarException, Role, Team, User};
use domain::org_change::{BranchPatch, NewUser, TeamPatch, UserPatch};
use domain::time::ExceptionKind;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

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
            time_zone: s.time_zone.name().to_owned(),
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

fn window(w: &Option<WindowDto>) -> Option<(String, String)> {
    w.as_ref().map(|w| (w.start.clone(), w.end.clone()))
}

fn exceptions(e: &Option<Vec<CalendarExceptionDto>>) -> Option<Vec<CalendarException>> {
    e.as_ref().map(|e| e.iter().map(CalendarException::from).collect())
}

impl CreateBranch {
    pub fn into_domain(self) -> BranchPatch {
        BranchPatch {
            calendar_exceptions: exceptions(&self.calendar_exceptions),
            morning_meeting: window(&self.morning_meeting),
            evening_meeting: window(&self.evening_meeting),
            name: Some(self.name),
            time_zone: self.time_zone,
            working_weekdays: self.working_weekdays,
        }
    }
}

impl UpdateBranch {
    pub fn into_domain(self) -> BranchPatch {
        BranchPatch {
            calendar_exceptions: exceptions(&self.calendar_exceptions),
            morning_meeting: window(&self.morning_meeting),
            evening_meeting: window(&self.evening_meeting),
            name: self.name,
            time_zone: self.time_zone,
            working_weekdays: self.working_weekdays,
        }
    }
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

impl UpdateTeam {
    pub fn into_domain(self) -> TeamPatch {
        TeamPatch {
            branch_id: self.branch_id.map(BranchId),
            name: self.name,
            supervisor_id: self.supervisor_id.map(UserId),
        }
    }
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

impl CreateUser {
    pub fn into_domain(self) -> NewUser {
        NewUser {
            email: self.email,
            name: self.name,
            password: self.password,
            role: self.role.into(),
            phone: self.phone,
            branch_id: self.branch_id.map(BranchId),
            team_id: self.team_id.map(TeamId),
        }
    }
}

impl UpdateUser {
    pub fn into_domain(self) -> UserPatch {
        UserPatch {
            email: self.email,
            name: self.name,
            password: self.password,
            role: self.role.map(Role::from),
            phone: self.phone,
            branch_id: self.branch_id.map(BranchId),
            team_id: self.team_id.map(TeamId),
        }
    }
}
