//! Wire types of the callback center (COM-3..COM-6) and of notifications.

use crate::app::callbacks::{CallReport, CallbackQueue as Queue};
use chrono::{DateTime, Utc};
use domain::commission::{CallCategory, Notification};
use domain::ValidationErrors;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CategoryDto {
    Success,
    TemporarilyUnsuccessful,
    NumberProblem,
    Refusal,
    Special,
    Other,
}

impl From<CategoryDto> for CallCategory {
    fn from(c: CategoryDto) -> Self {
        match c {
            CategoryDto::Success => CallCategory::Success,
            CategoryDto::TemporarilyUnsuccessful => CallCategory::TemporarilyUnsuccessful,
            CategoryDto::NumberProblem => CallCategory::NumberProblem,
            CategoryDto::Refusal => CallCategory::Refusal,
            CategoryDto::Special => CallCategory::Special,
            CategoryDto::Other => CallCategory::Other,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewCallback {
    /// COM-4.
    pub category: CategoryDto,
    /// COM-4's detail, e.g. "no_answer", "vacant_number".
    #[validate(length(max = 64, message = "is too long"))]
    pub reason: Option<String>,
    #[serde(default)]
    pub forged_signature: bool,
    #[serde(default)]
    pub misleading: bool,
    /// On a manual callback: the number on file had changed (COM-3.5).
    #[serde(default)]
    pub number_changed: bool,
    #[validate(length(max = 2000, message = "is too long"))]
    pub notes: Option<String>,
}

impl NewCallback {
    pub fn into_domain(self) -> CallReport {
        CallReport {
            category: self.category.into(),
            reason: self.reason,
            forged_signature: self.forged_signature,
            misleading: self.misleading,
            number_changed: self.number_changed,
            notes: self.notes,
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ContactUpdate {
    /// A corrected phone number for the client; omit to confirm the one on file.
    pub phone: Option<String>,
}

impl ContactUpdate {
    /// The corrected number, normalised.
    pub fn into_domain(self) -> Result<Option<String>, ValidationErrors> {
        self.phone
            .map(|p| {
                domain::org::normalise_phone(&p)
                    .ok_or_else(|| ValidationErrors::single("/phone", "must be a phone number of 5 to 20 digits"))
            })
            .transpose()
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Exemption {
    /// Reference to the policyholder's signed callback confirmation.
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub signed_confirmation: String,
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct EarlyCallback {
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct QualityResolution {
    /// Release the held commission (true) or withhold it (false).
    pub release: bool,
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueItem {
    pub policy_id: Uuid,
    pub number: String,
    pub agent_id: Uuid,
    pub client_id: Uuid,
    pub state: String,
    pub due_since: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CallbackQueue {
    /// False outside calling hours: nothing may be called now.
    pub within_calling_hours: bool,
    pub items: Vec<QueueItem>,
}

impl CallbackQueue {
    pub fn from_domain(q: Queue) -> Self {
        CallbackQueue {
            within_calling_hours: q.within_calling_hours,
            items: q
                .items
                .into_iter()
                .map(|i| QueueItem {
                    policy_id: i.policy.id,
                    number: i.policy.number,
                    agent_id: i.policy.agent_id.0,
                    client_id: i.policy.client_id,
                    state: i.state.name().to_owned(),
                    due_since: i.due_since,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationDto {
    pub id: Uuid,
    pub kind: String,
    #[schema(value_type = Object)]
    pub payload: Value,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationList {
    pub items: Vec<NotificationDto>,
}

impl NotificationList {
    pub fn from_domain(items: Vec<Notification>) -> Self {
        NotificationList {
            items: items
                .into_iter()
                .map(|n| NotificationDto {
                    id: n.id,
                    kind: n.kind.as_str().to_owned(),
                    payload: n.payload,
                    created_at: n.created_at,
                })
                .collect(),
        }
    }
}
