//! Wire types of the bulk upserts: each kind's record, and the per-record results.

use crate::app::error::AppError;
use crate::app::upsert::{Record, RecordOutcome, RecordResult};
use crate::http::errors::{ApiError, Problem};
use crate::http::extract::decode_value;
use chrono::NaiveDate;
use domain::client::ClientDraft;
use domain::upsert::{AgentRecordDraft, ClientRecordDraft, PolicyRecordDraft, ReceiptRecordDraft, MAX_RECORDS};
use domain::ValidationErrors;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// The most bytes one upsert request may carry.
pub const MAX_UPSERT_BYTES: usize = 5 * 1024 * 1024;

/// What every upsert request is read as; each record is then decoded on its own, so one bad
/// record is refused alone.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRecords {
    pub records: Vec<Value>,
}

impl Validate for RawRecords {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

impl RawRecords {
    /// Each record decoded as `W` (pointers relative to the record) into its domain draft.
    pub fn decode<W: DeserializeOwned, D>(self, into: impl Fn(W) -> D) -> Result<Vec<Record<D>>, ApiError> {
        if self.records.is_empty() || self.records.len() > MAX_RECORDS {
            return Err(ApiError::field(
                "/records",
                format!("must hold 1 to {MAX_RECORDS} records"),
            ));
        }
        Ok(self
            .records
            .into_iter()
            .map(|v| Record {
                external_id: v
                    .get("external_id")
                    .and_then(Value::as_str)
                    .map(|s| s.trim().to_owned()),
                draft: decode_value::<W>(v, "").map(&into),
            })
            .collect())
    }
}

/// An agent as the CRM knows it. Agents made this way have no password until an admin sets
/// one; `active: false` deactivates (and signs out) the agent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentRecord {
    /// The CRM's id for the agent, unique per company.
    #[schema(min_length = 1, max_length = 128, example = "crm-agent-17")]
    pub external_id: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(max_length = 320, example = "li.wei@example.com")]
    pub email: String,
    pub phone: Option<String>,
    /// The Fieldbook team the agent belongs to (their branch follows from it).
    pub team_id: Uuid,
    /// Default true.
    pub active: Option<bool>,
}

impl From<AgentRecord> for AgentRecordDraft {
    fn from(r: AgentRecord) -> Self {
        AgentRecordDraft {
            external_id: r.external_id,
            name: r.name,
            email: r.email,
            phone: r.phone,
            team_id: r.team_id,
            active: r.active.unwrap_or(true),
        }
    }
}

/// A client card as the CRM knows it: the whole card (an omitted optional field is cleared).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientRecord {
    #[schema(min_length = 1, max_length = 128, example = "crm-client-9")]
    pub external_id: String,
    /// The CRM's id of the (active) agent the client is assigned to.
    #[schema(min_length = 1, max_length = 128)]
    pub agent_external_id: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub phone: Option<String>,
    #[schema(max_length = 2000)]
    pub address: Option<String>,
    #[schema(max_length = 2000)]
    pub household_notes: Option<String>,
    #[schema(max_items = 20)]
    pub tags: Option<Vec<String>>,
}

impl From<ClientRecord> for ClientRecordDraft {
    fn from(r: ClientRecord) -> Self {
        ClientRecordDraft {
            external_id: r.external_id,
            agent_external_id: r.agent_external_id,
            fields: ClientDraft {
                name: r.name,
                phone: r.phone,
                address: r.address,
                household_notes: r.household_notes,
                tags: r.tags.unwrap_or_default(),
                external_id: None,
            },
        }
    }
}

/// An insurance policy as the CRM knows it (COM-1). Its terms (agent, client, premium,
/// commission, dates) are fixed once recorded; number and product may change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InsurancePolicyRecord {
    #[schema(min_length = 1, max_length = 128, example = "crm-policy-3")]
    pub external_id: String,
    #[schema(min_length = 1, max_length = 64)]
    pub number: String,
    #[schema(min_length = 1, max_length = 128)]
    pub agent_external_id: String,
    /// One of the agent's clients, by the CRM's id.
    #[schema(min_length = 1, max_length = 128)]
    pub client_external_id: String,
    #[schema(min_length = 1, max_length = 200)]
    pub product: String,
    #[schema(minimum = 0)]
    pub premium_fen: i64,
    #[schema(minimum = 0)]
    pub commission_fen: i64,
    pub printed_on: NaiveDate,
    pub effective_on: NaiveDate,
}

impl From<InsurancePolicyRecord> for PolicyRecordDraft {
    fn from(r: InsurancePolicyRecord) -> Self {
        PolicyRecordDraft {
            external_id: r.external_id,
            number: r.number,
            agent_external_id: r.agent_external_id,
            client_external_id: r.client_external_id,
            product: r.product,
            premium_fen: r.premium_fen,
            commission_fen: r.commission_fen,
            printed_on: r.printed_on,
            effective_on: r.effective_on,
        }
    }
}

/// A policy receipt's return (COM-7), recorded once per policy.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptRecord {
    #[schema(min_length = 1, max_length = 128, example = "crm-receipt-3")]
    pub external_id: String,
    #[schema(min_length = 1, max_length = 128)]
    pub policy_external_id: String,
    /// Between the policy's printed date and today in its agent's branch.
    pub returned_on: NaiveDate,
}

impl From<ReceiptRecord> for ReceiptRecordDraft {
    fn from(r: ReceiptRecord) -> Self {
        ReceiptRecordDraft {
            external_id: r.external_id,
            policy_external_id: r.policy_external_id,
            returned_on: r.returned_on,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AgentUpsertRequest {
    #[schema(min_items = 1, max_items = 1000)]
    pub records: Vec<AgentRecord>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ClientUpsertRequest {
    #[schema(min_items = 1, max_items = 1000)]
    pub records: Vec<ClientRecord>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct InsurancePolicyUpsertRequest {
    #[schema(min_items = 1, max_items = 1000)]
    pub records: Vec<InsurancePolicyRecord>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReceiptUpsertRequest {
    #[schema(min_items = 1, max_items = 1000)]
    pub records: Vec<ReceiptRecord>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UpsertStatus {
    Created,
    Updated,
    /// Stored exactly as sent: nothing written.
    Unchanged,
    /// Not written; `problem` says why.
    Rejected,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UpsertResult {
    /// The record's position in the request.
    pub index: usize,
    /// The record's external id, when readable.
    pub external_id: Option<String>,
    /// The Fieldbook id (for receipts: the policy's).
    pub id: Option<Uuid>,
    pub status: UpsertStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UpsertResponse {
    /// One per record, in request order.
    pub results: Vec<UpsertResult>,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rejected: usize,
}

/// A record's problems (relative to it) as pointers into the whole request.
fn under(prefix: &str, e: AppError) -> AppError {
    match e {
        AppError::Invalid(ValidationErrors(fields)) => AppError::Invalid(ValidationErrors(
            fields
                .into_iter()
                .map(|mut f| {
                    f.pointer = if f.pointer == "/" {
                        prefix.to_owned()
                    } else {
                        format!("{prefix}{}", f.pointer)
                    };
                    f
                })
                .collect(),
        )),
        other => other,
    }
}

impl UpsertResponse {
    pub fn from_domain(results: Vec<RecordResult>, request_id: &str) -> Self {
        let results: Vec<UpsertResult> = results
            .into_iter()
            .enumerate()
            .map(|(index, r)| {
                let (id, status, problem) = match r.outcome {
                    RecordOutcome::Created(id) => (Some(id), UpsertStatus::Created, None),
                    RecordOutcome::Updated(id) => (Some(id), UpsertStatus::Updated, None),
                    RecordOutcome::Unchanged(id) => (Some(id), UpsertStatus::Unchanged, None),
                    RecordOutcome::Rejected(e) => {
                        let e = under(&format!("/records/{index}"), e);
                        (
                            None,
                            UpsertStatus::Rejected,
                            Some(ApiError::from(e).problem_for(request_id)),
                        )
                    }
                };
                UpsertResult {
                    index,
                    external_id: r.external_id,
                    id,
                    status,
                    problem,
                }
            })
            .collect();
        let count = |s: UpsertStatus| results.iter().filter(|r| r.status == s).count();
        UpsertResponse {
            created: count(UpsertStatus::Created),
            updated: count(UpsertStatus::Updated),
            unchanged: count(UpsertStatus::Unchanged),
            rejected: count(UpsertStatus::Rejected),
            results,
        }
    }
}
