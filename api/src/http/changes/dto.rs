//! Wire types of the change feed and of the sync.

use crate::app::changes::{FeedPage, SyncPage};
use crate::http::errors::ApiError;
use chrono::{DateTime, Utc};
use domain::changes::{ChangeEvent, ChangeType, EntityDelta, Resource, SyncCursor, API_VERSION};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

pub const DEFAULT_FEED_PAGE: u32 = 100;
pub const MAX_FEED_PAGE: u32 = 1000;

fn limit(v: Option<u32>) -> Result<u32, ApiError> {
    match v {
        None => Ok(DEFAULT_FEED_PAGE),
        Some(0) => Err(ApiError::field("/query/limit", "must be at least 1")),
        // The contract declares the maximum; a larger page is refused, never silently lowered.
        Some(n) if n > MAX_FEED_PAGE => Err(ApiError::field("/query/limit", "must be at most 1000")),
        Some(n) => Ok(n),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// Events after this position (a previous page's `next_cursor`); 0 or omitted: from the
    /// start of what is retained.
    #[param(minimum = 0, example = 0)]
    pub after: Option<i64>,
    /// Comma-separated event types to return (all when omitted), e.g.
    /// `activity.created,activity.voided`.
    #[param(example = "client.created,client.updated")]
    pub types: Option<String>,
    /// Page size; default 100, values above 1,000 are lowered to 1,000.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

impl ChangesQuery {
    pub fn parse(&self) -> Result<(i64, Vec<ChangeType>, u32), ApiError> {
        let after = self.after.unwrap_or(0);
        if after < 0 {
            return Err(ApiError::field("/query/after", "must not be negative"));
        }
        let mut types = Vec::new();
        for t in self
            .types
            .iter()
            .flat_map(|s| s.split(','))
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            match ChangeType::parse(t) {
                Some(x) => types.push(x),
                None => return Err(ApiError::field("/query/types", format!("'{t}' is not an event type"))),
            }
        }
        Ok((after, types, limit(self.limit)?))
    }
}

fn change_type_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .description(Some("What happened: `resource.verb`."))
        .enum_values(Some(ChangeType::ALL.iter().map(|t| t.as_str())))
        .build()
}

fn resource_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(Resource::ALL.iter().map(|r| r.as_str())))
        .build()
}

/// One change, at its position in the company's feed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChangeEventDto {
    /// Gap-free and in commit order: resume after the last one processed.
    pub position: i64,
    /// The event's own id (for de-duplication).
    pub id: Uuid,
    #[schema(schema_with = change_type_schema)]
    pub r#type: String,
    #[schema(schema_with = resource_schema)]
    pub resource: String,
    pub resource_id: Uuid,
    /// Where a person's app reads the resource (absent for diaries: by agent and date).
    pub href: Option<String>,
    /// The resource is voided or deleted: drop it.
    pub tombstone: bool,
    /// The person the resource belongs to (for a user: the user).
    pub agent_id: Option<Uuid>,
    /// The person it belonged to before, when the change moved it.
    pub previous_agent_id: Option<Uuid>,
    pub occurred_at: DateTime<Utc>,
    /// The API version `data` is rendered in.
    #[schema(example = "v1")]
    pub api_version: String,
    /// The resource as written by the change.
    #[schema(value_type = Option<Object>)]
    pub data: Option<serde_json::Value>,
}

impl From<ChangeEvent> for ChangeEventDto {
    fn from(e: ChangeEvent) -> Self {
        let resource = e.change_type.resource();
        ChangeEventDto {
            position: e.position,
            id: e.id,
            r#type: e.change_type.as_str().to_owned(),
            resource: resource.as_str().to_owned(),
            resource_id: e.resource_id,
            href: resource.href(e.resource_id),
            tombstone: e.tombstone(),
            agent_id: e.agent_id.map(|a| a.0),
            previous_agent_id: e.previous_agent_id.map(|a| a.0),
            occurred_at: e.at,
            api_version: API_VERSION.to_owned(),
            data: e.data,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChangesPage {
    /// In position order.
    pub events: Vec<ChangeEventDto>,
    /// Pass as `after` to continue: never skips an event, never repeats one.
    pub next_cursor: i64,
    /// The page is full; more may follow at once.
    pub has_more: bool,
}

impl From<FeedPage> for ChangesPage {
    fn from(p: FeedPage) -> Self {
        ChangesPage {
            events: p.events.into_iter().map(ChangeEventDto::from).collect(),
            next_cursor: p.next_cursor,
            has_more: p.has_more,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SyncQuery {
    /// The previous sync's (or upload's) `next_cursor`/`sync_cursor`; omitted: from the start
    /// of what is retained.
    #[param(max_length = 2000, example = "120")]
    pub after: Option<String>,
    /// Events read per page; default 100, values above 1,000 are lowered to 1,000.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

impl SyncQuery {
    pub fn parse(&self) -> Result<(SyncCursor, u32), ApiError> {
        let cursor = match &self.after {
            None => SyncCursor::at(0),
            Some(s) => SyncCursor::decode(s.trim())
                .ok_or_else(|| ApiError::field("/query/after", "is not a cursor this API issued"))?,
        };
        Ok((cursor, limit(self.limit)?))
    }
}

/// One entity's changes for the device.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct EntityChanges {
    /// Not on the device yet: fetch and add.
    pub created: Vec<Uuid>,
    /// On the device and changed: fetch again.
    pub updated: Vec<Uuid>,
    /// Remove from the device (voided, deleted, or moved out of the caller's reach).
    pub deleted: Vec<Uuid>,
}

impl From<EntityDelta> for EntityChanges {
    fn from(d: EntityDelta) -> Self {
        EntityChanges {
            created: d.created,
            updated: d.updated,
            deleted: d.deleted,
        }
    }
}

#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct SyncChanges {
    pub activities: EntityChanges,
    pub clients: EntityChanges,
    pub diaries: EntityChanges,
    /// Ledger entries (penalties, adjustments, waivers): entries are never changed or deleted.
    pub penalties: EntityChanges,
    pub lead_movements: EntityChanges,
    pub policies: EntityChanges,
    pub statements: EntityChanges,
    pub users: EntityChanges,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SyncResponse {
    pub changes: SyncChanges,
    /// Pass as `after` next time (opaque).
    pub next_cursor: String,
    /// More changes are waiting: sync again at once.
    pub has_more: bool,
}

impl From<SyncPage> for SyncResponse {
    fn from(p: SyncPage) -> Self {
        let mut changes = SyncChanges::default();
        for (resource, delta) in p.changes {
            let slot = match resource {
                Resource::Activity => &mut changes.activities,
                Resource::Client => &mut changes.clients,
                Resource::Diary => &mut changes.diaries,
                Resource::InsurancePolicy => &mut changes.policies,
                Resource::LeadMovement => &mut changes.lead_movements,
                Resource::Penalty => &mut changes.penalties,
                Resource::Statement => &mut changes.statements,
                Resource::User => &mut changes.users,
                // Violations carry no person (see `infra::quality`): never in a device's sync.
                Resource::Violation => continue,
            };
            *slot = delta.into();
        }
        SyncResponse {
            changes,
            next_cursor: p.cursor.encode(),
            has_more: p.has_more,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PruneReport {
    /// Events deleted now.
    pub deleted: u64,
}
