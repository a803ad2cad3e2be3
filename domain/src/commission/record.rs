//! The insurance policy record.

use crate::ids::{CompanyId, UserId};
use crate::ValidationErrors;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

/// An insurance policy as recorded (see `record_insurance_policy`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InsurancePolicy {
    pub company_id: CompanyId,
    pub id: Uuid,
    pub number: String,
    pub agent_id: UserId,
    pub client_id: Uuid,
    pub product: String,
    pub premium_fen: i64,
    pub commission_fen: i64,
    pub printed_on: NaiveDate,
    pub effective_on: NaiveDate,
    pub receipt_returned_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

/// A policy as the back office or an integration sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsurancePolicyDraft {
    pub number: String,
    pub agent_id: UserId,
    pub client_id: Uuid,
    pub product: String,
    pub premium_fen: i64,
    pub commission_fen: i64,
    pub printed_on: NaiveDate,
    pub effective_on: NaiveDate,
    pub receipt_returned_on: Option<NaiveDate>,
}

/// How the draft's client stands to its agent, as storage found them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAssignment {
    Missing,
    OtherAgent,
    Assigned,
}

/// The parties a draft names, as storage found them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicyParties {
    /// The agent exists and is an agent.
    pub agent_found: bool,
    pub client: ClientAssignment,
}

/// How far before printing an effective date is still plausible.
const MAX_EFFECTIVE_BEFORE_PRINTING_DAYS: i64 = 366;

/// COM-1: a policy record carries its number, the selling agent, their client, the product,
/// premium and commission, the printed and effective dates and the receipt's return date. The
/// agent must be an agent, the client one of theirs, the number not blank, and the effective
/// date not implausibly far (over a year) before printing.
pub fn record_insurance_policy(
    company: CompanyId,
    id: Uuid,
    draft: InsurancePolicyDraft,
    parties: PolicyParties,
    now: DateTime<Utc>,
) -> Result<InsurancePolicy, ValidationErrors> {
    let mut errors = ValidationErrors::default();
    if !parties.agent_found {
        errors.push("/agent_id", "no such agent");
    }
    match parties.client {
        ClientAssignment::Assigned => {}
        ClientAssignment::OtherAgent => errors.push("/client_id", "the client is not assigned to this agent"),
        ClientAssignment::Missing => errors.push("/client_id", "no such client"),
    }
    if draft.effective_on < draft.printed_on - Duration::days(MAX_EFFECTIVE_BEFORE_PRINTING_DAYS) {
        errors.push("/effective_on", "is implausibly far before the printed date");
    }
    let number = draft.number.trim().to_owned();
    if number.is_empty() {
        errors.push("/number", "must not be blank");
    }
    errors.into_result(InsurancePolicy {
        company_id: company,
        id,
        number,
        agent_id: draft.agent_id,
        client_id: draft.client_id,
        product: draft.product,
        premium_fen: draft.premium_fen,
        commission_fen: draft.commission_fen,
        printed_on: draft.printed_on,
        effective_on: draft.effective_on,
        receipt_returned_on: draft.receipt_returned_on,
        created_at: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn draft() -> InsurancePolicyDraft {
        InsurancePolicyDraft {
            number: " P1 ".into(),
            agent_id: UserId(Uuid::from_u128(1)),
            client_id: Uuid::from_u128(2),
            product: "Term life".into(),
            premium_fen: 1_000_000,
            commission_fen: 100_000,
            printed_on: d(2026, 10, 5),
            effective_on: d(2026, 10, 5),
            receipt_returned_on: None,
        }
    }

    const OK: PolicyParties = PolicyParties {
        agent_found: true,
        client: ClientAssignment::Assigned,
    };

    fn pointers(r: Result<InsurancePolicy, ValidationErrors>) -> Vec<String> {
        r.err()
            .map(|e| e.0.into_iter().map(|f| f.pointer).collect())
            .unwrap_or_default()
    }

    #[test]
    fn com_1_a_policy_names_an_agent_their_client_and_plausible_dates() {
        let company = CompanyId(Uuid::nil());
        let p = record_insurance_policy(company, Uuid::from_u128(9), draft(), OK, Utc::now());
        assert_eq!(p.map(|p| p.number), Ok("P1".to_owned()));
        let bad = PolicyParties {
            agent_found: false,
            client: ClientAssignment::OtherAgent,
        };
        let far = InsurancePolicyDraft {
            effective_on: d(2025, 10, 1),
            number: "  ".into(),
            ..draft()
        };
        assert_eq!(
            pointers(record_insurance_policy(company, Uuid::nil(), far, bad, Utc::now())),
            vec!["/agent_id", "/client_id", "/effective_on", "/number"]
        );
        let missing = PolicyParties {
            client: ClientAssignment::Missing,
            ..OK
        };
        assert_eq!(
            pointers(record_insurance_policy(
                company,
                Uuid::nil(),
                draft(),
                missing,
                Utc::now()
            )),
            vec!["/client_id"]
        );
    }
}
