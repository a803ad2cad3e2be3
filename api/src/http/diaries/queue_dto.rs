//! Wire types of the supervisor's review queue and bulk approval.

use super::dto::{ReviewTimelinessDto, TimelinessDto};
use crate::app::diaries::{BulkApproval, DiaryKey};
use crate::http::errors::Problem;
use chrono::{DateTime, NaiveDate, Utc};
use domain::diary::{self, QueueItem};
use domain::ids::UserId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

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

impl QueueStatus {
    pub fn into_domain(self) -> diary::QueueStatus {
        match self {
            Self::NotStarted => diary::QueueStatus::NotStarted,
            Self::Draft => diary::QueueStatus::Draft,
            Self::Submitted => diary::QueueStatus::Submitted,
            Self::Approved => diary::QueueStatus::Approved,
            Self::Returned => diary::QueueStatus::Returned,
        }
    }

    fn from_domain(s: diary::QueueStatus) -> Self {
        match s {
            diary::QueueStatus::NotStarted => Self::NotStarted,
            diary::QueueStatus::Draft => Self::Draft,
            diary::QueueStatus::Submitted => Self::Submitted,
            diary::QueueStatus::Approved => Self::Approved,
            diary::QueueStatus::Returned => Self::Returned,
        }
    }
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

impl QueueEntry {
    pub fn from_domain(i: QueueItem) -> Self {
        Self {
            agent_id: i.agent_id.0,
            agent_name: i.agent_name,
            date: i.date,
            diary_id: i.diary_id,
            status: QueueStatus::from_domain(i.status),
            submission: i.submission.into(),
            first_submitted_at: i.first_submitted_at,
            review_deadline: i.review_deadline,
            review: i.review.map(Into::into),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct QueueResponse {
    pub team_id: Uuid,
    pub date: NaiveDate,
    /// Diaries awaiting review first (earliest review deadline first), then the rest.
    pub items: Vec<QueueEntry>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct TeamPath {
    /// The team's id.
    pub id: Uuid,
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

impl BulkApprove {
    pub fn into_domain(self) -> BulkApproval {
        BulkApproval {
            diaries: self
                .diaries
                .into_iter()
                .map(|r| DiaryKey {
                    agent: UserId(r.agent_id),
                    date: r.date,
                })
                .collect(),
            comment: self.comment,
        }
    }
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

impl BulkResult {
    /// One diary's outcome; a refusal carries its problem with this request's id.
    pub fn from_outcome(key: DiaryKey, problem: Option<Problem>) -> Self {
        Self {
            agent_id: key.agent.0,
            date: key.date,
            status: if problem.is_none() { "approved" } else { "rejected" }.into(),
            problem,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkResponse {
    pub results: Vec<BulkResult>,
}
