//! Wire types of the compliance view and the supervisor dashboard.

use crate::app::compliance::{AgentCompliance, DayCompliance as Day};
use crate::app::dashboard::TeamDashboard;
use chrono::{DateTime, NaiveDate, Utc};
use domain::diary::{DayStatus, Timeliness};
use domain::period::Month;
use domain::quota;
use domain::ValidationErrors;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
pub struct IdPath {
    /// The id.
    pub id: Uuid,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// YYYY-MM.
    #[param(example = "2026-11")]
    pub month: String,
}

impl MonthQuery {
    pub fn into_domain(&self) -> Result<Month, ValidationErrors> {
        Month::parse(&self.month).ok_or_else(|| ValidationErrors::single("/query/month", Month::FORMAT_HINT))
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Requirement {
    pub counted: i64,
    pub required: i64,
    pub met: bool,
    pub short_by: i64,
}

impl From<&quota::Requirement> for Requirement {
    fn from(r: &quota::Requirement) -> Self {
        Requirement {
            counted: r.counted,
            required: r.required,
            met: r.met,
            short_by: r.short_by,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutletWeek {
    /// ISO week, e.g. "2026-W45".
    pub week: String,
    pub outlet_id: Uuid,
    pub visits: i64,
    pub required: i64,
    pub met: bool,
}

/// QUO-FACE-M, QUO-CALL-M, QUO-RENEW, QUO-OUTLET, QUO-MEET for one agent-month.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthlyCompliance {
    pub face_visits: Requirement,
    pub phone_services: Requirement,
    /// Renewal collections dated before the policy's `renewal_deadline_day`.
    pub renewals: Requirement,
    pub outlet_weeks: Vec<OutletWeek>,
    /// Working days, and meetings attended (QUO-MEET is recorded, not required).
    pub working_days: i64,
    pub morning_meetings: i64,
    pub evening_meetings: i64,
    pub policy_version: i64,
}

impl From<&quota::MonthlyCompliance> for MonthlyCompliance {
    fn from(m: &quota::MonthlyCompliance) -> Self {
        MonthlyCompliance {
            face_visits: (&m.face_visits).into(),
            phone_services: (&m.phone_services).into(),
            renewals: (&m.renewals).into(),
            outlet_weeks: m
                .outlet_weeks
                .iter()
                .map(|w| OutletWeek {
                    week: w.week.clone(),
                    outlet_id: w.outlet_id,
                    visits: w.visits,
                    required: w.required,
                    met: w.met,
                })
                .collect(),
            working_days: m.working_days,
            morning_meetings: m.morning_meetings,
            evening_meetings: m.evening_meetings,
            policy_version: m.policy_version,
        }
    }
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

fn status_name(s: DayStatus) -> &'static str {
    match s {
        DayStatus::Working => "working",
        DayStatus::Rest => "rest",
        DayStatus::Holiday => "holiday",
        DayStatus::Leave => "leave",
    }
}

fn timeliness_name(t: Timeliness) -> &'static str {
    match t {
        Timeliness::OnTime => "on_time",
        Timeliness::LateFilled => "late_filled",
        Timeliness::Missing => "missing",
        Timeliness::Pending => "pending",
    }
}

impl From<&Day> for DayCompliance {
    fn from(d: &Day) -> Self {
        DayCompliance {
            date: d.date,
            status: status_name(d.status).to_owned(),
            face_visits: (&d.face_visits).into(),
            phone_services: (&d.phone_services).into(),
            diary: d.diary.map(|t| timeliness_name(t).to_owned()),
            policy_version: d.policy_version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComplianceResponse {
    pub agent_id: Uuid,
    pub month: String,
    pub days: Vec<DayCompliance>,
    pub monthly: MonthlyCompliance,
}

impl ComplianceResponse {
    pub fn from_domain(c: &AgentCompliance) -> Self {
        ComplianceResponse {
            agent_id: c.agent.0,
            month: c.month.to_string(),
            days: c.days.iter().map(DayCompliance::from).collect(),
            monthly: (&c.monthly).into(),
        }
    }
}

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

impl Dashboard {
    pub fn from_domain(d: &TeamDashboard) -> Self {
        Dashboard {
            team_id: d.team.0,
            date: d.date,
            agents: d
                .agents
                .iter()
                .map(|a| AgentProgress {
                    agent_id: a.agent.0,
                    name: a.name.clone(),
                    working_day: a.working_day,
                    face_visits: (&a.face_visits).into(),
                    phone_services: (&a.phone_services).into(),
                    diary_status: a.diary_status.map_or("not_started", |s| s.as_str()).to_owned(),
                    month_to_date_fen: a.month_to_date_fen,
                    month_to_date_leads: a.month_to_date_leads,
                })
                .collect(),
            awaiting_review: d
                .awaiting_review
                .iter()
                .map(|r| AwaitingReview {
                    agent_id: r.agent.0,
                    date: r.date,
                    review_deadline: r.review_deadline,
                })
                .collect(),
            month_to_date_fen: d.month_to_date_fen,
            month_to_date_leads: d.month_to_date_leads,
        }
    }
}
