//! Wire types of a diary, and their conversions to and from the domain.

use crate::app::diaries::{DiaryEdit as Edit, DiaryKey};
use actix_web::http::header;
use actix_web::HttpRequest;
use chrono::{DateTime, NaiveDate, Utc};
use domain::diary::{self, DiaryStatus, DiaryView, IfMatch, ReviewTimeliness, Timeliness};
use domain::ids::UserId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

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

impl PlannedItem {
    fn into_domain(self) -> diary::PlannedItem {
        diary::PlannedItem {
            client_id: self.client_id,
            name: self.name,
            purpose: self.purpose,
            time: self.time,
        }
    }

    fn from_domain(i: &diary::PlannedItem) -> Self {
        Self {
            client_id: i.client_id,
            name: i.name.clone(),
            purpose: i.purpose.clone(),
            time: i.time.clone(),
        }
    }
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

impl TomorrowPlan {
    pub fn into_domain(self) -> diary::TomorrowPlan {
        diary::TomorrowPlan {
            planned_visits: self.planned_visits.into_iter().map(PlannedItem::into_domain).collect(),
            planned_calls: self.planned_calls.into_iter().map(PlannedItem::into_domain).collect(),
            text: self.text,
        }
    }

    pub fn from_domain(p: &diary::TomorrowPlan) -> Self {
        Self {
            planned_visits: p.planned_visits.iter().map(PlannedItem::from_domain).collect(),
            planned_calls: p.planned_calls.iter().map(PlannedItem::from_domain).collect(),
            text: p.text.clone(),
        }
    }
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

impl DiaryEdit {
    pub fn into_domain(self) -> Edit {
        Edit {
            notes: self.notes,
            plan: self.tomorrow_plan.into_domain(),
        }
    }
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

impl SummaryGroup {
    fn from_domain(g: &diary::SummaryGroup) -> Self {
        Self {
            count: g.count,
            items: g
                .items
                .iter()
                .map(|i| SummaryItem {
                    activity_id: i.activity_id,
                    occurred_at: i.occurred_at,
                    client_id: i.client_id,
                    outlet_id: i.outlet_id,
                })
                .collect(),
        }
    }
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

impl DiarySummary {
    fn from_domain(s: &diary::DiarySummary) -> Self {
        Self {
            face_visits: SummaryGroup::from_domain(&s.face_visits),
            phone_services: SummaryGroup::from_domain(&s.phone_services),
            renewal_collections: SummaryGroup::from_domain(&s.renewal_collections),
            outlet_services: SummaryGroup::from_domain(&s.outlet_services),
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TimelinessDto {
    Pending,
    OnTime,
    LateFilled,
    Missing,
}

impl From<Timeliness> for TimelinessDto {
    fn from(t: Timeliness) -> Self {
        match t {
            Timeliness::Pending => Self::Pending,
            Timeliness::OnTime => Self::OnTime,
            Timeliness::LateFilled => Self::LateFilled,
            Timeliness::Missing => Self::Missing,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ReviewTimelinessDto {
    Pending,
    OnTime,
    Late,
    Overdue,
}

impl From<ReviewTimeliness> for ReviewTimelinessDto {
    fn from(t: ReviewTimeliness) -> Self {
        match t {
            ReviewTimeliness::Pending => Self::Pending,
            ReviewTimeliness::OnTime => Self::OnTime,
            ReviewTimeliness::Late => Self::Late,
            ReviewTimeliness::Overdue => Self::Overdue,
        }
    }
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

impl DiaryDto {
    pub fn from_domain(v: &DiaryView) -> Self {
        let d = &v.diary;
        let s = &v.submission;
        Self {
            id: d.id,
            agent_id: d.agent_id.0,
            date: d.date,
            status: d.status.into(),
            version: d.version,
            notes: d.notes.clone(),
            tomorrow_plan: TomorrowPlan::from_domain(&d.plan),
            summary: DiarySummary::from_domain(&v.summary),
            submission: SubmissionInfo {
                timeliness: s.timeliness.into(),
                decided_by: s.decided_by,
                on_time_by: s.deadlines.on_time_by,
                next_working_day: s.deadlines.next_working_day,
                morning_meeting_starts: s.deadlines.morning_meeting_starts,
                morning_meeting_ends: s.deadlines.morning_meeting_ends,
                first_submitted_at: s.first_submitted_at,
                last_submitted_at: s.last_submitted_at,
                late: s.late,
            },
            review: v.review.map(|r| ReviewInfo {
                deadline: r.deadline,
                timeliness: r.timeliness.into(),
                reviewed_at: r.reviewed_at,
                reviewed_by: r.reviewed_by.map(|u| u.0),
            }),
            history: v
                .history
                .iter()
                .map(|e| DiaryEventDto {
                    at: e.at,
                    actor_id: e.actor_id.0,
                    action: e.action.as_str().to_owned(),
                    from_status: e.from_status.map(Into::into),
                    to_status: e.to_status.into(),
                    comment: e.comment.clone(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DiaryPath {
    /// The agent whose diary it is.
    pub agent: Uuid,
    /// The business day (YYYY-MM-DD).
    pub date: NaiveDate,
}

impl DiaryPath {
    pub fn key(&self) -> DiaryKey {
        DiaryKey {
            agent: UserId(self.agent),
            date: self.date,
        }
    }
}

/// A diary's ETag: its version.
pub fn etag(version: i64) -> String {
    format!("\"v{version}\"")
}

/// `If-Match` as the versions it names (`*` for any); tags this API never issued name none.
pub fn if_match(req: &HttpRequest) -> IfMatch {
    let Some(v) = req.headers().get(header::IF_MATCH).and_then(|v| v.to_str().ok()) else {
        return IfMatch::Absent;
    };
    let tags: Vec<&str> = v.split(',').map(str::trim).collect();
    if tags.contains(&"*") {
        return IfMatch::Any;
    }
    let version = |t: &str| {
        let n: i64 = t.strip_prefix("\"v")?.strip_suffix('"')?.parse().ok()?;
        (etag(n) == t).then_some(n)
    };
    IfMatch::Versions(tags.into_iter().filter_map(version).collect())
}
