//! Wire types of the audit trail (AUD-1).

use crate::http::errors::ApiError;
use crate::http::{csv_field, PageParams};
use chrono::{DateTime, Utc};
use domain::ids::UserId;
use domain::ports::{AuditQuery, AuditRecord, PageRequest};
use domain::ValidationErrors;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Filters of the audit trail; all given ones must hold.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// The kind of entity (`activity`, `diary`, `user`, `branch`, …).
    #[param(pattern = "^[a-z_]{1,40}$", example = "diary")]
    pub entity: Option<String>,
    /// The entity's id.
    pub id: Option<Uuid>,
    /// Who made the change (a user id).
    pub actor: Option<Uuid>,
    /// Changes at or after this instant (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Changes before this instant (RFC 3339).
    pub to: Option<DateTime<Utc>>,
    /// Page size; default 50, values above 200 are lowered to 200.
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl AuditParams {
    pub fn into_domain(self) -> Result<(AuditQuery, PageRequest), ApiError> {
        let mut errors = ValidationErrors::default();
        if let Some(e) = &self.entity {
            let ok = (1..=40).contains(&e.len()) && e.chars().all(|c| c.is_ascii_lowercase() || c == '_');
            if !ok {
                errors.push("/query/entity", "must be 1 to 40 lower-case letters or underscores");
            }
        }
        if let (Some(from), Some(to)) = (self.from, self.to) {
            if to <= from {
                errors.push("/query/to", "must be after `from`");
            }
        }
        if !errors.0.is_empty() {
            return Err(ApiError::validation(errors));
        }
        let page = PageParams {
            limit: self.limit,
            cursor: self.cursor,
        }
        .page_request()?;
        Ok((
            AuditQuery {
                entity: self.entity,
                entity_id: self.id,
                actor: self.actor.map(UserId),
                from: self.from,
                to: self.to,
            },
            page,
        ))
    }
}

/// One change: who, when, from which request, what, and the entity before and after.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryDto {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// The user who made the change; absent for the system (jobs, bootstrap) and the platform
    /// operator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_id: Option<Uuid>,
    /// The `X-Request-Id` of the request that made it.
    pub request_id: String,
    #[schema(example = "approve")]
    pub action: String,
    #[schema(example = "diary")]
    pub entity: String,
    pub entity_id: Uuid,
    /// The entity before the change (absent for a creation).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    /// The entity after the change (for a job run: what it wrote).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
}

fn parsed(s: &Option<String>) -> Option<serde_json::Value> {
    s.as_deref()
        .map(|t| serde_json::from_str(t).unwrap_or_else(|_| serde_json::Value::String(t.to_owned())))
}

impl From<&AuditRecord> for AuditEntryDto {
    fn from(r: &AuditRecord) -> Self {
        AuditEntryDto {
            id: r.id,
            at: r.at,
            actor_id: r.actor_id.map(|a| a.0),
            request_id: r.request_id.clone(),
            action: r.action.clone(),
            entity: r.entity.clone(),
            entity_id: r.entity_id,
            before: parsed(&r.before),
            after: parsed(&r.after),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntryDto>,
    /// Absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// The page as CSV (RFC 4180), before and after as their JSON text.
pub fn audit_csv(rows: &[AuditRecord]) -> String {
    let mut out = String::from("id,at,actor_id,request_id,action,entity,entity_id,before,after\r\n");
    for r in rows {
        let cells = [
            r.id.to_string(),
            r.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            r.actor_id.map(|a| a.0.to_string()).unwrap_or_default(),
            r.request_id.clone(),
            r.action.clone(),
            r.entity.clone(),
            r.entity_id.to_string(),
            r.before.clone().unwrap_or_default(),
            r.after.clone().unwrap_or_default(),
        ];
        out.push_str(&cells.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}
