//! Wire types of uploads with per-item results: the offline batch and the call-log import.

use super::dto::NewActivity;
use super::MAX_BATCH_ITEMS;
use crate::app::activities::{BatchItem, CallLogItem, ItemOutcome, Rejection, Uploaded};
use crate::app::error::AppError;
use crate::http::errors::{ApiError, Problem};
use crate::http::extract::decode_value;
use chrono::{DateTime, Utc};
use domain::ValidationErrors;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// Up to 500 activities; each is judged on its own: an item that does not match
    /// `NewActivity` does not fail the batch, it comes back `rejected` with its own problem.
    #[schema(max_items = 500, value_type = Vec<crate::http::activities::dto::NewActivity>)]
    pub items: Vec<Value>,
}

impl Validate for BatchRequest {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

impl BatchRequest {
    /// Each item decoded on its own (pointers relative to the item).
    pub fn into_domain(self) -> Result<Vec<BatchItem>, ValidationErrors> {
        if self.items.len() > MAX_BATCH_ITEMS {
            return Err(ValidationErrors::single(
                "/items",
                format!("at most {MAX_BATCH_ITEMS} items per batch"),
            ));
        }
        Ok(self
            .items
            .into_iter()
            .map(|v| BatchItem {
                id: v
                    .get("id")
                    .and_then(Value::as_str)
                    .and_then(|s| Uuid::parse_str(s).ok()),
                draft: NewActivity::decode(v),
            })
            .collect())
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallLogEntry {
    /// The device's own id for the call.
    #[schema(max_length = 128)]
    pub device_call_id: String,
    /// The other party's number; matched against the agent's clients.
    pub number: String,
    pub started_at: DateTime<Utc>,
    #[schema(minimum = 0, maximum = 86400)]
    pub duration_seconds: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallLogRequest {
    /// Up to 500 call-log entries; each is judged on its own: an entry that does not match
    /// `CallLogEntry` does not fail the upload, it comes back `rejected` with its own problem.
    #[schema(max_items = 500, value_type = Vec<CallLogEntry>)]
    pub entries: Vec<Value>,
}

impl Validate for CallLogRequest {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

impl CallLogRequest {
    /// Each entry decoded on its own (pointers relative to the entry), with its device call id
    /// whenever that is readable, so even an undecodable entry keeps its identity.
    pub fn into_domain(self) -> Result<Vec<CallLogItem>, ValidationErrors> {
        if self.entries.len() > MAX_BATCH_ITEMS {
            return Err(ValidationErrors::single(
                "/entries",
                format!("at most {MAX_BATCH_ITEMS} entries per upload"),
            ));
        }
        Ok(self
            .entries
            .into_iter()
            .map(|v| CallLogItem {
                device_call_id: v.get("device_call_id").and_then(Value::as_str).map(str::to_owned),
                entry: decode_value::<CallLogEntry>(v, "").map(|e| domain::activity::CallLogEntry {
                    device_call_id: e.device_call_id,
                    number: e.number,
                    started_at: e.started_at,
                    duration_seconds: e.duration_seconds,
                }),
            })
            .collect())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Created,
    /// Already stored with the same content: nothing changed.
    Duplicate,
    /// Not stored; `problem` says why.
    Rejected,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemResult {
    /// The item's position in the request.
    pub index: usize,
    /// The activity's id, when the item had a readable one.
    pub id: Option<Uuid>,
    pub status: ItemStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchResponse {
    pub results: Vec<ItemResult>,
    pub created: usize,
    pub duplicates: usize,
    pub rejected: usize,
    /// The device's sync cursor after this upload, for `GET /v1/sync?after=…`: the next sync
    /// never hands back this upload's own writes. Built on the request's `Sync-Cursor`; without
    /// one it is the position just after this upload (right only for a device that was up to
    /// date). Absent when nothing was written and no cursor was sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync_cursor: Option<String>,
}

/// The `Sync-Cursor` request header, when sent.
pub fn sync_cursor_header(req: &actix_web::HttpRequest) -> Result<Option<domain::changes::SyncCursor>, ApiError> {
    let Some(v) = req.headers().get("sync-cursor") else {
        return Ok(None);
    };
    v.to_str()
        .ok()
        .and_then(|s| domain::changes::SyncCursor::decode(s.trim()))
        .map(Some)
        .ok_or_else(|| ApiError::field("/headers/Sync-Cursor", "is not a cursor this API issued"))
}

/// An item's problems (pointers relative to it) as pointers into the whole request.
fn under(prefix: &str, mut errors: ValidationErrors) -> ValidationErrors {
    for f in &mut errors.0 {
        // The item itself is the prefix, not "prefix/".
        f.pointer = if f.pointer == "/" {
            prefix.to_owned()
        } else {
            format!("{prefix}{}", f.pointer)
        };
    }
    errors
}

impl BatchResponse {
    /// Per-item results in request order; `field` names the request's list (`items`,
    /// `entries`) so each problem points into the request itself.
    pub fn from_domain(up: Uploaded, field: &str, request_id: &str) -> Self {
        let results: Vec<ItemResult> = up
            .outcomes
            .into_iter()
            .enumerate()
            .map(|(index, o)| {
                let (id, status, problem) = match o {
                    ItemOutcome::Created(id) => (Some(id), ItemStatus::Created, None),
                    ItemOutcome::Duplicate(id) => (Some(id), ItemStatus::Duplicate, None),
                    ItemOutcome::Rejected { id, why } => {
                        let why = match why {
                            Rejection::Invalid(e) => Rejection::Invalid(under(&format!("/{field}/{index}"), e)),
                            other => other,
                        };
                        let problem = ApiError::from(AppError::from(why)).problem_for(request_id);
                        (id, ItemStatus::Rejected, Some(problem))
                    }
                };
                ItemResult {
                    index,
                    id,
                    status,
                    problem,
                }
            })
            .collect();
        let count = |s: ItemStatus| results.iter().filter(|r| r.status == s).count();
        BatchResponse {
            created: count(ItemStatus::Created),
            duplicates: count(ItemStatus::Duplicate),
            rejected: count(ItemStatus::Rejected),
            results,
            sync_cursor: up.sync_cursor.map(|c| c.encode()),
        }
    }
}
