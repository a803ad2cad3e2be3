//! Wire types of leave requests and the agent's working calendar.

use crate::app::error::AppError;
use crate::app::leave::AgentCalendar;
use chrono::{DateTime, NaiveDate, Utc};
use domain::diary::{DayStatus, LeaveAsked, LeaveRequest, LeaveStatus};
use domain::period::Month;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// The month, as YYYY-MM.
    #[param(example = "2026-11", pattern = r"^\d{4}-\d{2}$")]
    pub month: String,
}

impl MonthQuery {
    pub fn into_domain(&self) -> Result<Month, AppError> {
        Month::parse(&self.month).ok_or_else(|| AppError::field("/query/month", Month::FORMAT_HINT))
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DayStatusDto {
    Working,
    Rest,
    Holiday,
    Leave,
}

impl From<DayStatus> for DayStatusDto {
    fn from(s: DayStatus) -> Self {
        match s {
            DayStatus::Working => Self::Working,
            DayStatus::Rest => Self::Rest,
            DayStatus::Holiday => Self::Holiday,
            DayStatus::Leave => Self::Leave,
        }
    }
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

impl CalendarMonth {
    pub fn from_domain(c: AgentCalendar) -> Self {
        Self {
            agent_id: c.agent.0,
            month: c.month.to_string(),
            time_zone: c.time_zone,
            days: c
                .days
                .into_iter()
                .map(|(date, s)| CalendarDay {
                    date,
                    status: s.into(),
                    daily_duty: s.has_daily_duty(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AgentPath {
    /// The agent's id.
    pub id: Uuid,
}

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

impl NewLeave {
    pub fn into_domain(self) -> LeaveAsked {
        LeaveAsked {
            from: self.from,
            to: self.to,
            reason: self.reason,
        }
    }
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

#[derive(Debug, Deserialize, IntoParams)]
pub struct LeavePath {
    /// The leave request's id.
    pub id: Uuid,
}
