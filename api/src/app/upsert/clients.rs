//! Client cards by external id, assigned to agents by their external ids.

use super::{distinct, Record, RecordResult, Slots};
use crate::app::error::AppResult;
use chrono::{DateTime, Utc};
use domain::access::{Function, Principal};
use domain::client::Client;
use domain::org::Role;
use domain::ports::{AuditContext, CallbackRepo, UpsertRepo};
use domain::upsert::{apply_client_record, client_from_record, ClientRecord, ClientRecordDraft};
use domain::ValidationErrors;
use infra::Db;
use std::collections::HashSet;

pub async fn upsert_clients(
    db: &Db,
    principal: &Principal,
    audit: &AuditContext,
    records: Vec<Record<ClientRecordDraft>>,
    now: DateTime<Utc>,
) -> AppResult<Vec<RecordResult>> {
    principal.require(Function::UpsertClients)?;
    let company = principal.company_id();
    let mut slots = Slots::new(records.iter().map(|r| r.external_id.clone()).collect());
    let parsed: Vec<Option<ClientRecord>> = records
        .into_iter()
        .enumerate()
        .map(|(i, r)| match r.draft.and_then(ClientRecordDraft::parse) {
            Ok(c) => Some(c),
            Err(e) => {
                slots.refuse(i, e);
                None
            }
        })
        .collect();
    let keys: Vec<Option<String>> = parsed
        .iter()
        .map(|p| p.as_ref().map(|c| c.external_id.clone()))
        .collect();
    slots.refuse_repeats(&keys, "/external_id");

    let agent_keys = distinct(parsed.iter().flatten().map(|c| c.agent_external_id.clone()));
    let agents = db.users_by_external_id(company, &agent_keys).await?;
    let phones = distinct(parsed.iter().flatten().filter_map(|c| c.fields.phone.clone()));
    // COM-5's signal, as every card stores it: the number is a user's or an outlet's.
    let staff_phones: HashSet<String> = db
        .staff_and_outlet_phones(company, &phones)
        .await?
        .into_iter()
        .collect();

    let mut indexes = Vec::new();
    let mut rows: Vec<Client> = Vec::new();
    for (i, rec) in parsed.iter().enumerate() {
        let Some(rec) = rec else { continue };
        if !slots.open(i) {
            continue;
        }
        match agents.get(&rec.agent_external_id) {
            Some(a) if a.role == Role::Agent && a.active => {
                let flag = rec.fields.phone.as_ref().is_some_and(|p| staff_phones.contains(p));
                indexes.push(i);
                rows.push(client_from_record(company, rec, a.id, flag, now));
            }
            _ => slots.refuse(
                i,
                ValidationErrors::single("/agent_external_id", "no active agent has this external id"),
            ),
        }
    }
    let decide = |before: &Client, sent: &Client| apply_client_record(before, sent, now);
    let written = db.upsert_clients(audit, &rows, &decide).await?;
    slots.finish(&indexes, written)
}
