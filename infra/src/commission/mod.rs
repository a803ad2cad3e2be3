//! The commission feature's storage on both engines: policies and their histories
//! (`policies`), the callback center's writes (`callbacks`), and the settlement's ledger and
//! statements (`settlement`). Stored vocabularies are parsed on the way out; a value that does
//! not parse is a storage error, never a silent default.

mod callbacks;
mod policies;
mod settlement;

use chrono::{DateTime, NaiveDate, Utc};
use domain::commission::{InsurancePolicy, InsurancePolicyEvent, PolicyStep};
use domain::ids::{CompanyId, UserId};
use domain::ports::RepoError;
use std::collections::HashMap;
use uuid::Uuid;

pub(crate) fn corrupt(what: &str) -> RepoError {
    RepoError::Storage(format!("stored {what} is invalid"))
}

#[derive(sqlx::FromRow)]
pub(crate) struct PolicyRow {
    company_id: Uuid,
    id: Uuid,
    number: String,
    agent_id: Uuid,
    client_id: Uuid,
    product: String,
    premium_fen: i64,
    commission_fen: i64,
    printed_on: NaiveDate,
    effective_on: NaiveDate,
    receipt_returned_on: Option<NaiveDate>,
    created_at: DateTime<Utc>,
}

impl From<PolicyRow> for InsurancePolicy {
    fn from(r: PolicyRow) -> Self {
        InsurancePolicy {
            company_id: CompanyId(r.company_id),
            id: r.id,
            number: r.number,
            agent_id: UserId(r.agent_id),
            client_id: r.client_id,
            product: r.product,
            premium_fen: r.premium_fen,
            commission_fen: r.commission_fen,
            printed_on: r.printed_on,
            effective_on: r.effective_on,
            receipt_returned_on: r.receipt_returned_on,
            created_at: r.created_at,
        }
    }
}

pub(crate) const POLICY_COLS: &str =
    "company_id, id, number, agent_id, client_id, product, premium_fen, commission_fen, printed_on, \
     effective_on, receipt_returned_on, created_at";

/// The policy columns qualified by a table alias.
pub(crate) fn policy_cols(alias: &str) -> String {
    POLICY_COLS
        .split(", ")
        .map(|c| format!("{alias}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) const EVENT_COLS: &str = "policy_id, kind, payload, actor_id, at";

#[derive(sqlx::FromRow)]
pub(crate) struct EventRow {
    policy_id: Uuid,
    kind: String,
    payload: String,
    actor_id: Uuid,
    at: DateTime<Utc>,
}

/// Stored steps grouped by policy, in the order read.
pub(crate) fn group(events: Vec<EventRow>) -> Result<HashMap<Uuid, Vec<InsurancePolicyEvent>>, RepoError> {
    let mut out: HashMap<Uuid, Vec<InsurancePolicyEvent>> = HashMap::new();
    for e in events {
        let step = PolicyStep::from_stored(&e.kind, &e.payload).ok_or_else(|| corrupt("policy event"))?;
        out.entry(e.policy_id).or_default().push(InsurancePolicyEvent {
            step,
            actor_id: UserId(e.actor_id),
            at: e.at,
        });
    }
    Ok(out)
}

/// Policies paired with their histories.
pub(crate) fn with_histories(
    rows: Vec<PolicyRow>,
    events: Vec<EventRow>,
) -> Result<Vec<(InsurancePolicy, Vec<InsurancePolicyEvent>)>, RepoError> {
    let mut by = group(events)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let id = r.id;
            (InsurancePolicy::from(r), by.remove(&id).unwrap_or_default())
        })
        .collect())
}

/// The stored form of a step: its kind and its payload as JSON text.
pub(crate) fn stored_step(e: &InsurancePolicyEvent) -> Result<(&'static str, String), RepoError> {
    let payload = e
        .step
        .payload()
        .map_err(|err| RepoError::Storage(format!("policy event payload: {err}")))?;
    Ok((e.step.kind().as_str(), payload.to_string()))
}

/// Inserts step `$seq` of a policy inside `$tx` (nothing when the step is taken) and, when it
/// was new, its audit record; evaluates to whether it was new.
macro_rules! insert_step {
    ($tx:expr, $ctx:expr, $policy:expr, $seq:expr, $e:expr) => {{
        let (kind, payload) = $crate::commission::stored_step($e)?;
        let n = sqlx::query(
            "INSERT INTO policy_events (company_id, id, policy_id, seq, kind, payload, actor_id, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        )
        .bind($ctx.company_id.0)
        .bind(uuid::Uuid::now_v7())
        .bind($policy)
        .bind($seq)
        .bind(kind)
        .bind(&payload)
        .bind($e.actor_id.0)
        .bind($e.at)
        .execute(&mut *$tx)
        .await
        .map_err($crate::db::repo_err)?
        .rows_affected();
        if n == 1 {
            let audit = serde_json::json!({ "kind": kind, "payload": serde_json::from_str::<serde_json::Value>(&payload).ok(),
                                             "actor_id": $e.actor_id, "at": $e.at });
            $crate::db::audit!($tx, $ctx, kind, "insurance_policy", $policy, None::<String>, Some(audit.to_string()))?;
        }
        n == 1
    }};
}
pub(crate) use insert_step;
