//! Agents by external id: placed in a team (their branch follows), never given a password by
//! the CRM, deactivated by it with `active: false`.

use super::{distinct, Record, RecordResult, Slots};
use crate::app::error::AppResult;
use chrono::{DateTime, Utc};
use domain::access::{Function, Principal};
use domain::ids::TeamId;
use domain::org::{Team, User};
use domain::ports::{AuditContext, ListScope, OrganisationRepo, PageRequest, UpsertRepo};
use domain::upsert::{apply_agent_record, new_agent, AgentRecord, AgentRecordDraft};
use domain::ValidationErrors;
use infra::Db;
use std::collections::HashMap;

pub async fn upsert_agents(
    db: &Db,
    principal: &Principal,
    audit: &AuditContext,
    records: Vec<Record<AgentRecordDraft>>,
    now: DateTime<Utc>,
) -> AppResult<Vec<RecordResult>> {
    principal.require(Function::UpsertAgents)?;
    let company = principal.company_id();
    let mut slots = Slots::new(records.iter().map(|r| r.external_id.clone()).collect());
    let parsed: Vec<Option<AgentRecord>> = records
        .into_iter()
        .enumerate()
        .map(|(i, r)| match r.draft.and_then(AgentRecordDraft::parse) {
            Ok(a) => Some(a),
            Err(e) => {
                slots.refuse(i, e);
                None
            }
        })
        .collect();
    let keys: Vec<Option<String>> = parsed
        .iter()
        .map(|p| p.as_ref().map(|a| a.external_id.clone()))
        .collect();
    slots.refuse_repeats(&keys, "/external_id");
    let emails: Vec<Option<String>> = parsed.iter().map(|p| p.as_ref().map(|a| a.email.clone())).collect();
    slots.refuse_repeats(&emails, "/email");

    // Everything the records refer to, one query each.
    let all = PageRequest {
        after: None,
        limit: u32::MAX,
    };
    let teams: HashMap<TeamId, Team> = db
        .list_teams(company, &ListScope::Company, all)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    let existing = db
        .users_by_external_id(company, &distinct(keys.iter().flatten().cloned()))
        .await?;
    let owners = db.email_owners(&distinct(emails.iter().flatten().cloned())).await?;

    let mut indexes = Vec::new();
    let mut row_keys = Vec::new();
    let mut rows: Vec<User> = Vec::new();
    for (i, rec) in parsed.iter().enumerate() {
        let Some(rec) = rec else { continue };
        if !slots.open(i) {
            continue;
        }
        let mut errors = ValidationErrors::default();
        let team = teams.get(&rec.team_id);
        if team.is_none() {
            errors.push("/team_id", "no such team");
        }
        let own = existing.get(&rec.external_id).map(|u| u.id);
        if owners.get(&rec.email).is_some_and(|owner| Some(*owner) != own) {
            errors.push("/email", "is already in use");
        }
        match (team, errors.is_empty()) {
            (Some(t), true) => {
                indexes.push(i);
                row_keys.push(rec.external_id.clone());
                rows.push(new_agent(company, rec, t.branch_id, now));
            }
            _ => slots.refuse(i, errors),
        }
    }
    let decide = |before: &User, sent: &User| apply_agent_record(before, sent, now);
    let written = db.upsert_agents(audit, &row_keys, &rows, &decide).await?;
    slots.finish(&indexes, written)
}
