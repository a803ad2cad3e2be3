//! Stored rows of the organisation tables and their strict conversion into domain values.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use domain::ids::{BranchId, CompanyId, TeamId, UserId};
use domain::org::{Branch, BranchSettings, CalendarException, Role, Team, User};
use domain::ports::{ListScope, PageRequest, RepoError};
use domain::time::{ExceptionKind, MeetingWindow, WorkingWeekdays};
use uuid::Uuid;

#[derive(sqlx::FromRow)]
pub(crate) struct BranchRow {
    pub(crate) company_id: Uuid,
    pub(crate) id: Uuid,
    pub(crate) name: String,
    pub(crate) time_zone: String,
    pub(crate) working_weekdays: String,
    pub(crate) morning_start: NaiveTime,
    pub(crate) morning_end: NaiveTime,
    pub(crate) evening_start: NaiveTime,
    pub(crate) evening_end: NaiveTime,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct ExceptionRow {
    pub(crate) branch_id: Uuid,
    pub(crate) date: NaiveDate,
    pub(crate) kind: String,
    pub(crate) name: Option<String>,
}

pub(crate) const BRANCH_COLS: &str = "company_id, id, name, time_zone, working_weekdays, morning_start, morning_end, \
                           evening_start, evening_end, created_at, updated_at";

pub(crate) fn corrupt(what: &str) -> RepoError {
    RepoError::Storage(format!("stored {what} is invalid"))
}

pub(crate) fn branch_from_rows(r: BranchRow, exceptions: &[ExceptionRow]) -> Result<Branch, RepoError> {
    let names: Vec<&str> = r.working_weekdays.split(',').filter(|s| !s.is_empty()).collect();
    let working_weekdays = WorkingWeekdays::parse_names(&names).map_err(|_| corrupt("working weekdays"))?;
    let calendar_exceptions = exceptions
        .iter()
        .filter(|e| e.branch_id == r.id)
        .map(|e| {
            Ok(CalendarException {
                date: e.date,
                kind: ExceptionKind::parse(&e.kind).ok_or_else(|| corrupt("exception kind"))?,
                name: e.name.clone(),
            })
        })
        .collect::<Result<Vec<_>, RepoError>>()?;
    Ok(Branch {
        company_id: CompanyId(r.company_id),
        id: BranchId(r.id),
        settings: BranchSettings {
            name: r.name,
            time_zone: domain::time::BranchZone::parse(&r.time_zone).ok_or_else(|| corrupt("time zone"))?,
            working_weekdays,
            calendar_exceptions,
            morning_meeting: MeetingWindow::new(r.morning_start, r.morning_end)
                .ok_or_else(|| corrupt("morning meeting"))?,
            evening_meeting: MeetingWindow::new(r.evening_start, r.evening_end)
                .ok_or_else(|| corrupt("evening meeting"))?,
        },
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

#[derive(sqlx::FromRow)]
pub(crate) struct TeamRow {
    pub(crate) company_id: Uuid,
    pub(crate) id: Uuid,
    pub(crate) branch_id: Uuid,
    pub(crate) name: String,
    pub(crate) supervisor_id: Uuid,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
}

impl From<TeamRow> for Team {
    fn from(r: TeamRow) -> Team {
        Team {
            company_id: CompanyId(r.company_id),
            id: TeamId(r.id),
            branch_id: BranchId(r.branch_id),
            name: r.name,
            supervisor_id: UserId(r.supervisor_id),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

pub(crate) const TEAM_COLS: &str = "company_id, id, branch_id, name, supervisor_id, created_at, updated_at";

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    pub(crate) company_id: Uuid,
    pub(crate) id: Uuid,
    pub(crate) email: String,
    pub(crate) name: String,
    pub(crate) phone: Option<String>,
    pub(crate) role: String,
    pub(crate) branch_id: Option<Uuid>,
    pub(crate) team_id: Option<Uuid>,
    pub(crate) active: bool,
    pub(crate) password_hash: String,
    pub(crate) token_generation: i64,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
}

impl TryFrom<UserRow> for User {
    type Error = RepoError;
    fn try_from(r: UserRow) -> Result<User, RepoError> {
        Ok(User {
            company_id: CompanyId(r.company_id),
            id: UserId(r.id),
            email: r.email,
            name: r.name,
            phone: r.phone,
            role: Role::parse(&r.role).ok_or_else(|| corrupt("role"))?,
            branch_id: r.branch_id.map(BranchId),
            team_id: r.team_id.map(TeamId),
            active: r.active,
            password_hash: r.password_hash,
            token_generation: r.token_generation,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

pub(crate) const USER_COLS: &str =
    "company_id, id, email, name, phone, role, branch_id, team_id, active, password_hash, token_generation, \
     created_at, updated_at";

/// Keyset page bounds: ids are UUID v7, so id order is creation order and stable.
pub(crate) fn after_or_nil(page: &PageRequest) -> Uuid {
    page.after.unwrap_or(Uuid::nil())
}

/// The scope filter as SQL plus the id it binds as `$4` (if any).
pub(crate) fn scope_filter(scope: &ListScope, table: Scoped) -> (&'static str, Option<Uuid>) {
    match (scope, table) {
        (ListScope::Company, _) => ("1 = 1", None),
        (ListScope::SupervisedBy(s), Scoped::Teams) => ("supervisor_id = $4", Some(s.0)),
        (ListScope::SupervisedBy(s), Scoped::Users) => (
            "(id = $4 OR team_id IN (SELECT t.id FROM teams t WHERE t.company_id = $1 AND t.supervisor_id = $4))",
            Some(s.0),
        ),
        (ListScope::Team(t), Scoped::Teams) => ("id = $4", Some(t.0)),
        (ListScope::Team(t), Scoped::Users) => ("team_id = $4", Some(t.0)),
        (ListScope::User(u), Scoped::Users) => ("id = $4", Some(u.0)),
        (ListScope::User(_), Scoped::Teams) => ("1 = 0", None),
    }
}

#[derive(Clone, Copy)]
pub(crate) enum Scoped {
    Teams,
    Users,
}
