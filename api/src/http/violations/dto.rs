//! Wire types of violation reports.

use crate::app::violations::{NewReport, ViolationView};
use chrono::{DateTime, NaiveDate, Utc};
use domain::ids::UserId;
use domain::quality::{format_points, Post, ViolationStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

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

impl NewViolation {
    pub fn into_domain(self) -> NewReport {
        NewReport {
            agent_id: UserId(self.agent_id),
            code: self.code,
            post: self.post.into(),
            occurred_on: self.occurred_on,
            evidence: self.evidence,
            attachments: self.attachments,
            client_id: self.client_id,
            policy_number: self.policy_number,
        }
    }
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

impl ViolationDto {
    pub fn from_view(view: &ViolationView) -> Self {
        let (v, s) = (&view.violation, &view.state);
        ViolationDto {
            id: v.id,
            agent_id: v.agent_id.0,
            code: v.code.clone(),
            post: v.post.as_str().to_owned(),
            reporter_id: view.reporter_visible.then_some(v.reporter_id.0),
            occurred_on: v.occurred_on,
            half_year: v.half_year().to_string(),
            evidence: v.evidence.clone(),
            attachments: v.attachments.clone(),
            client_id: v.client_id,
            policy_number: v.policy_number.clone(),
            catalogue_version: v.catalogue_version,
            status: s.status.as_str().to_owned(),
            appeal: s.appeal.as_str().to_owned(),
            half_points: s.effective_half_points,
            points: format_points(s.effective_half_points),
            appeal_until: s.appeal_until(view.appeal_days),
            // The actor of each step is not shown: it would reveal the reporter.
            history: v
                .events
                .iter()
                .map(|e| EventDto {
                    kind: e.kind.as_str().to_owned(),
                    half_points: e.half_points,
                    reason: e.reason.clone(),
                    at: e.at,
                })
                .collect(),
            created_at: v.created_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct IdPath {
    /// The id.
    pub id: Uuid,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ViolationQuery {
    pub agent_id: Option<Uuid>,
    /// pending, confirmed or dismissed.
    pub status: Option<String>,
}

impl ViolationQuery {
    /// The agent and status filters.
    pub fn into_domain(&self) -> Result<(Option<UserId>, Option<ViolationStatus>), domain::ValidationErrors> {
        let status = match self.status.as_deref() {
            None => None,
            Some(s) => Some(ViolationStatus::parse(s).ok_or_else(|| {
                domain::ValidationErrors::single("/query/status", "must be pending, confirmed or dismissed")
            })?),
        };
        Ok((self.agent_id.map(UserId), status))
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ViolationList {
    pub items: Vec<ViolationDto>,
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

impl AppealDecision {
    pub fn into_domain(self) -> (domain::quality::AppealDecision, String) {
        use domain::quality::AppealDecision as D;
        let d = match self.outcome {
            AppealOutcome::Upheld => D::Upheld,
            AppealOutcome::Reduced => D::Reduced(self.half_points),
            AppealOutcome::Overturned => D::Overturned,
        };
        (d, self.reason)
    }
}
