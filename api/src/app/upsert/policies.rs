//! Insurance policies (COM-1) and their receipts by external id.

use super::{distinct, Record, RecordResult, Slots};
use crate::app::error::AppResult;
use crate::app::insurance_policies::AgentContexts;
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{Function, Principal};
use domain::commission::{
    record_insurance_policy, ClientAssignment, InsurancePolicy, InsurancePolicyDraft, PolicyParties,
};
use domain::ids::UserId;
use domain::org::Role;
use domain::ports::{AuditContext, PolicyReceipt, UpsertRepo};
use domain::upsert::{apply_policy_record, check_external_id, decide_receipt, PolicyRecordDraft, ReceiptRecordDraft};
use domain::ValidationErrors;
use infra::Db;
use std::collections::HashMap;
use uuid::Uuid;

/// COM-1's problems name the ids the rule knows; a CRM sent external ids.
fn external_pointers(mut e: ValidationErrors) -> ValidationErrors {
    for f in &mut e.0 {
        f.pointer = match f.pointer.as_str() {
            "/agent_id" => "/agent_external_id".to_owned(),
            "/client_id" => "/client_external_id".to_owned(),
            other => other.to_owned(),
        };
    }
    e
}

pub async fn upsert_insurance_policies(
    db: &Db,
    principal: &Principal,
    audit: &AuditContext,
    records: Vec<Record<PolicyRecordDraft>>,
    now: DateTime<Utc>,
) -> AppResult<Vec<RecordResult>> {
    principal.require(Function::UpsertInsurancePolicies)?;
    let company = principal.company_id();
    let mut slots = Slots::new(records.iter().map(|r| r.external_id.clone()).collect());
    let parsed: Vec<Option<PolicyRecordDraft>> = records
        .into_iter()
        .enumerate()
        .map(|(i, r)| match r.draft.and_then(|d| d.check().map(|()| d)) {
            Ok(mut d) => {
                d.external_id = d.external_id.trim().to_owned();
                d.number = d.number.trim().to_owned();
                Some(d)
            }
            Err(e) => {
                slots.refuse(i, e);
                None
            }
        })
        .collect();
    let keys: Vec<Option<String>> = parsed
        .iter()
        .map(|p| p.as_ref().map(|d| d.external_id.clone()))
        .collect();
    slots.refuse_repeats(&keys, "/external_id");
    let numbers: Vec<Option<String>> = parsed.iter().map(|p| p.as_ref().map(|d| d.number.clone())).collect();
    slots.refuse_repeats(&numbers, "/number");

    let agents = db
        .users_by_external_id(
            company,
            &distinct(parsed.iter().flatten().map(|d| d.agent_external_id.trim().to_owned())),
        )
        .await?;
    let clients = db
        .clients_by_external_id(
            company,
            &distinct(parsed.iter().flatten().map(|d| d.client_external_id.trim().to_owned())),
        )
        .await?;
    let taken = db
        .policy_numbers(company, &distinct(numbers.iter().flatten().cloned()))
        .await?;

    let mut indexes = Vec::new();
    let mut row_keys = Vec::new();
    let mut rows: Vec<InsurancePolicy> = Vec::new();
    for (i, d) in parsed.into_iter().enumerate() {
        let Some(d) = d else { continue };
        if !slots.open(i) {
            continue;
        }
        let agent = agents
            .get(d.agent_external_id.trim())
            .filter(|u| u.role == Role::Agent)
            .map(|u| u.id);
        let client = clients.get(d.client_external_id.trim());
        let parties = PolicyParties {
            agent_found: agent.is_some(),
            client: match client {
                Some(c) if Some(c.agent_id) == agent => ClientAssignment::Assigned,
                Some(_) => ClientAssignment::OtherAgent,
                None => ClientAssignment::Missing,
            },
        };
        let draft = InsurancePolicyDraft {
            number: d.number.clone(),
            agent_id: agent.unwrap_or(UserId(Uuid::nil())),
            client_id: client.map_or(Uuid::nil(), |c| c.id),
            product: d.product.trim().to_owned(),
            premium_fen: d.premium_fen,
            commission_fen: d.commission_fen,
            printed_on: d.printed_on,
            effective_on: d.effective_on,
            receipt_returned_on: None,
        };
        let mut errors = match record_insurance_policy(company, Uuid::now_v7(), draft, parties, now) {
            Ok(p) => {
                if taken
                    .get(&p.number)
                    .is_some_and(|owner| owner.as_deref() != Some(d.external_id.as_str()))
                {
                    slots.refuse(
                        i,
                        ValidationErrors::single("/number", "is already used by another policy"),
                    );
                    continue;
                }
                indexes.push(i);
                row_keys.push(d.external_id.clone());
                rows.push(p);
                continue;
            }
            Err(e) => e,
        };
        errors = external_pointers(errors);
        slots.refuse(i, errors);
    }
    let written = db
        .upsert_insurance_policies(audit, &row_keys, &rows, &apply_policy_record)
        .await?;
    slots.finish(&indexes, written)
}

pub async fn upsert_receipts(
    db: &Db,
    principal: &Principal,
    audit: &AuditContext,
    records: Vec<Record<ReceiptRecordDraft>>,
    now: DateTime<Utc>,
) -> AppResult<Vec<RecordResult>> {
    principal.require(Function::UpsertReceipts)?;
    let company = principal.company_id();
    let mut slots = Slots::new(records.iter().map(|r| r.external_id.clone()).collect());
    let parsed: Vec<Option<ReceiptRecordDraft>> = records
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let checked = r.draft.and_then(|d| {
                let mut errors = ValidationErrors::default();
                let external_id = check_external_id(&mut errors, "/external_id", &d.external_id);
                let policy_external_id = check_external_id(&mut errors, "/policy_external_id", &d.policy_external_id);
                errors.into_result(ReceiptRecordDraft {
                    external_id,
                    policy_external_id,
                    returned_on: d.returned_on,
                })
            });
            match checked {
                Ok(d) => Some(d),
                Err(e) => {
                    slots.refuse(i, e);
                    None
                }
            }
        })
        .collect();
    let keys: Vec<Option<String>> = parsed
        .iter()
        .map(|p| p.as_ref().map(|d| d.external_id.clone()))
        .collect();
    slots.refuse_repeats(&keys, "/external_id");
    // One receipt per policy: a second one in the same batch is refused like any second one.
    let policy_keys: Vec<Option<String>> = parsed
        .iter()
        .map(|p| p.as_ref().map(|d| d.policy_external_id.clone()))
        .collect();
    slots.refuse_repeats(&policy_keys, "/policy_external_id");

    let policies = db
        .policies_by_external_id(company, &distinct(policy_keys.iter().flatten().cloned()))
        .await?;
    let owners = db
        .receipt_owners(company, &distinct(keys.iter().flatten().cloned()))
        .await?;
    // Each policy's today, in its agent's branch (the return may not be in the future).
    let found: Vec<InsurancePolicy> = policies.values().map(|p| p.policy.clone()).collect();
    let contexts = AgentContexts::load(db, company, &found).await?;
    let mut today: HashMap<Uuid, NaiveDate> = HashMap::new();
    for p in &found {
        today.insert(p.id, contexts.of(p)?.business_day(now));
    }

    let mut indexes = Vec::new();
    let mut rows = Vec::new();
    for (i, d) in parsed.into_iter().enumerate() {
        let Some(d) = d else { continue };
        if !slots.open(i) {
            continue;
        }
        let policy = policies.get(&d.policy_external_id);
        if policy.is_none() {
            slots.refuse(
                i,
                ValidationErrors::single("/policy_external_id", "no policy has this external id"),
            );
            continue;
        }
        if owners
            .get(&d.external_id)
            .is_some_and(|owner| Some(*owner) != policy.map(|p| p.policy.id))
        {
            slots.refuse(
                i,
                ValidationErrors::single("/external_id", "is the receipt of another policy"),
            );
            continue;
        }
        indexes.push(i);
        rows.push(d);
    }
    let decide = |pr: &PolicyReceipt, sent: &ReceiptRecordDraft| {
        let day = today.get(&pr.policy.id).copied().unwrap_or(pr.policy.printed_on);
        decide_receipt(&pr.receipt, sent, pr.policy.printed_on, day)
    };
    let written = db.upsert_receipts(audit, &rows, &decide).await?;
    slots.finish(&indexes, written)
}
