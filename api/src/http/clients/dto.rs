//! Wire types of client cards and outlets, with their domain forms.

use crate::app::clients::{NewClient, NewOutlet};
use chrono::{DateTime, Utc};
use domain::client::{Client, ClientDraft, ClientPatch, Outlet, OutletDraft, OutletPatch};
use domain::ids::BranchId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ClientDto {
    pub id: Uuid,
    /// The agent the client is assigned to.
    pub agent_id: Uuid,
    pub name: String,
    /// Normalised: digits only, a leading + kept.
    pub phone: Option<String>,
    pub address: Option<String>,
    pub household_notes: Option<String>,
    pub tags: Vec<String>,
    /// The client's id in an external CRM (unique per company).
    pub external_id: Option<String>,
    /// The phone equals a user's or an outlet's number (COM-5): accepted, but flagged.
    pub phone_conflict: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Client> for ClientDto {
    fn from(c: &Client) -> Self {
        ClientDto {
            id: c.id,
            agent_id: c.agent_id.0,
            name: c.name.clone(),
            phone: c.phone.clone(),
            address: c.address.clone(),
            household_notes: c.household_notes.clone(),
            tags: c.tags.clone(),
            external_id: c.external_id.clone(),
            phone_conflict: c.phone_conflict,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateClient {
    #[schema(example = "Wang Fang", max_length = 200)]
    pub name: String,
    #[schema(example = "+86 139 1234 5678")]
    pub phone: Option<String>,
    #[validate(length(max = 2000, message = "is too long"))]
    #[schema(max_length = 2000)]
    pub address: Option<String>,
    #[validate(length(max = 2000, message = "is too long"))]
    #[schema(max_length = 2000)]
    pub household_notes: Option<String>,
    #[validate(length(max = 20, message = "at most 20 tags"))]
    #[schema(max_items = 20)]
    pub tags: Option<Vec<String>>,
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    #[schema(max_length = 200)]
    pub external_id: Option<String>,
    /// The agent to assign; agents omit it (their own client), supervisors and admins name one.
    pub agent_id: Option<Uuid>,
}

impl CreateClient {
    pub fn into_domain(self) -> NewClient {
        NewClient {
            agent_id: self.agent_id,
            fields: ClientDraft {
                name: self.name,
                phone: self.phone,
                address: self.address,
                household_notes: self.household_notes,
                tags: self.tags.unwrap_or_default(),
                external_id: self.external_id,
            },
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateClient {
    #[schema(max_length = 200)]
    pub name: Option<String>,
    pub phone: Option<String>,
    #[validate(length(max = 2000, message = "is too long"))]
    #[schema(max_length = 2000)]
    pub address: Option<String>,
    #[validate(length(max = 2000, message = "is too long"))]
    #[schema(max_length = 2000)]
    pub household_notes: Option<String>,
    #[validate(length(max = 20, message = "at most 20 tags"))]
    #[schema(max_items = 20)]
    pub tags: Option<Vec<String>>,
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    #[schema(max_length = 200)]
    pub external_id: Option<String>,
}

impl UpdateClient {
    pub fn into_domain(self) -> ClientPatch {
        ClientPatch {
            name: self.name,
            phone: self.phone,
            address: self.address,
            household_notes: self.household_notes,
            tags: self.tags,
            external_id: self.external_id,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReassignClient {
    /// The agent who takes the client over.
    pub agent_id: Uuid,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ClientPage {
    pub items: Vec<ClientDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OutletDto {
    pub id: Uuid,
    pub branch_id: Uuid,
    pub name: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    /// The agents assigned to serve this outlet.
    pub agent_ids: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Outlet> for OutletDto {
    fn from(o: &Outlet) -> Self {
        OutletDto {
            id: o.id,
            branch_id: o.branch_id.0,
            name: o.name.clone(),
            address: o.address.clone(),
            phone: o.phone.clone(),
            agent_ids: o.agent_ids.iter().map(|a| a.0).collect(),
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOutlet {
    pub branch_id: Uuid,
    #[schema(example = "ICBC Lujiazui sub-branch", max_length = 200)]
    pub name: String,
    #[validate(length(max = 2000, message = "is too long"))]
    #[schema(max_length = 2000)]
    pub address: Option<String>,
    pub phone: Option<String>,
    /// Agents assigned to the outlet.
    #[validate(length(max = 500, message = "at most 500 agents"))]
    #[schema(max_items = 500)]
    pub agent_ids: Option<Vec<Uuid>>,
}

impl CreateOutlet {
    pub fn into_domain(self) -> NewOutlet {
        NewOutlet {
            branch_id: BranchId(self.branch_id),
            fields: OutletDraft {
                name: self.name,
                address: self.address,
                phone: self.phone,
            },
            agent_ids: self.agent_ids.unwrap_or_default(),
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOutlet {
    pub branch_id: Option<Uuid>,
    #[schema(max_length = 200)]
    pub name: Option<String>,
    #[validate(length(max = 2000, message = "is too long"))]
    #[schema(max_length = 2000)]
    pub address: Option<String>,
    pub phone: Option<String>,
    /// Replaces the set of assigned agents.
    #[validate(length(max = 500, message = "at most 500 agents"))]
    #[schema(max_items = 500)]
    pub agent_ids: Option<Vec<Uuid>>,
}

impl UpdateOutlet {
    pub fn into_domain(self) -> OutletPatch {
        OutletPatch {
            branch_id: self.branch_id.map(BranchId),
            name: self.name,
            address: self.address,
            phone: self.phone,
            agent_ids: self.agent_ids,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OutletPage {
    pub items: Vec<OutletDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}
