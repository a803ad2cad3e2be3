//! Wire types of insurance policies (COM-1) and their standing.

use chrono::{DateTime, NaiveDate, Utc};
use domain::commission::{InsurancePolicyDraft, InsurancePolicyEvent, InsurancePolicyView, PolicyStanding};
use domain::ids::UserId;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewInsurancePolicy {
    #[validate(length(min = 1, max = 64, message = "must be 1 to 64 characters"))]
    #[schema(example = "P2026110001", max_length = 64)]
    pub number: String,
    pub agent_id: Uuid,
    pub client_id: Uuid,
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub product: String,
    #[validate(range(min = 0, max = 100000000000i64, message = "must be between 0 and 1e11 fen"))]
    pub premium_fen: i64,
    #[validate(range(min = 0, max = 100000000000i64, message = "must be between 0 and 1e11 fen"))]
    pub commission_fen: i64,
    pub printed_on: NaiveDate,
    pub effective_on: NaiveDate,
    pub receipt_returned_on: Option<NaiveDate>,
}

impl NewInsurancePolicy {
    pub fn into_domain(self) -> InsurancePolicyDraft {
        InsurancePolicyDraft {
            number: self.number,
            agent_id: UserId(self.agent_id),
            client_id: self.client_id,
            product: self.product,
            premium_fen: self.premium_fen,
            commission_fen: self.commission_fen,
            printed_on: self.printed_on,
            effective_on: self.effective_on,
            receipt_returned_on: self.receipt_returned_on,
        }
    }
}

/// One deduction the settlement will apply, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeductionDto {
    /// The rule that deducts (COM-3.5: the number had changed; COM-7: the receipt came back late).
    #[schema(example = "COM-3.5")]
    pub rule_id: String,
    /// What is taken off the commission, in fen.
    #[schema(example = 4000)]
    pub amount_fen: i64,
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HoldDto {
    /// first_round, awaiting_contact, second_round, manual_callback, passed,
    /// passed_number_changed, withheld, quality_hold.
    pub state: String,
    pub callback_condition_met: bool,
    /// returned, returned_late or missing (as of today).
    pub receipt: String,
    /// payable, held or withheld, if settled today.
    pub payment: String,
    /// When the next call may be placed (absent outside a round).
    pub next_call_at: Option<DateTime<Utc>>,
    /// The deductions the settlement applies to this policy's commission, each with its rule and
    /// reason: as posted, or (not yet posted) at the amounts in force on the next cut-off.
    pub deductions: Vec<DeductionDto>,
}

impl HoldDto {
    fn from_domain(s: &PolicyStanding) -> Self {
        HoldDto {
            state: s.state.name().to_owned(),
            callback_condition_met: s.callback_condition_met,
            receipt: s.receipt.as_str().to_owned(),
            payment: s.payment.as_str().to_owned(),
            next_call_at: s.next_call_at,
            deductions: s
                .deductions
                .iter()
                .map(|d| DeductionDto {
                    rule_id: d.rule_id.as_str().to_owned(),
                    amount_fen: d.amount_fen,
                    reason: d.reason.to_owned(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InsurancePolicyEventDto {
    pub kind: String,
    #[schema(value_type = Object)]
    pub payload: Value,
    pub at: DateTime<Utc>,
}

impl InsurancePolicyEventDto {
    fn from_domain(e: &InsurancePolicyEvent) -> Self {
        InsurancePolicyEventDto {
            kind: e.step.kind().as_str().to_owned(),
            // Serialising our own step cannot fail; Null would only hide a bug in it.
            payload: e.step.payload().unwrap_or(Value::Null),
            at: e.at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InsurancePolicyDto {
    pub id: Uuid,
    pub number: String,
    pub agent_id: Uuid,
    pub client_id: Uuid,
    pub product: String,
    pub premium_fen: i64,
    pub commission_fen: i64,
    pub printed_on: NaiveDate,
    pub effective_on: NaiveDate,
    pub receipt_returned_on: Option<NaiveDate>,
    pub hold: HoldDto,
    pub history: Vec<InsurancePolicyEventDto>,
}

impl InsurancePolicyDto {
    pub fn from_domain(v: &InsurancePolicyView) -> Self {
        let p = &v.policy;
        InsurancePolicyDto {
            id: p.id,
            number: p.number.clone(),
            agent_id: p.agent_id.0,
            client_id: p.client_id,
            product: p.product.clone(),
            premium_fen: p.premium_fen,
            commission_fen: p.commission_fen,
            printed_on: p.printed_on,
            effective_on: p.effective_on,
            receipt_returned_on: p.receipt_returned_on,
            hold: HoldDto::from_domain(&v.standing),
            history: v.history.iter().map(InsurancePolicyEventDto::from_domain).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InsurancePolicyPage {
    pub items: Vec<InsurancePolicyDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ReceiptReturn {
    pub returned_on: NaiveDate,
}
