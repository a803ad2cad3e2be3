//! Clients (客户资料卡) and the bank outlets agents serve.

use crate::ids::{BranchId, CompanyId, UserId};
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Client {
    pub company_id: CompanyId,
    pub id: Uuid,
    /// The agent the client is assigned to.
    pub agent_id: UserId,
    pub name: String,
    /// Normalised (digits, leading +) so it can be matched against other numbers.
    pub phone: Option<String>,
    pub address: Option<String>,
    pub household_notes: Option<String>,
    pub tags: Vec<String>,
    /// The client's id in a CRM, unique per company.
    pub external_id: Option<String>,
    /// COM-5: the phone equals a user's or an outlet's number.
    pub phone_conflict: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outlet {
    pub company_id: CompanyId,
    pub id: Uuid,
    pub branch_id: BranchId,
    pub name: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    /// The agents assigned to serve this outlet (QUO-OUTLET).
    pub agent_ids: Vec<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_LEN: usize = 50;
pub const MAX_TEXT_LEN: usize = 2000;
