//! LIC-3 as a job: for each branch, on its business day, record the lapses 1 January brings
//! and send the reminders due, each exactly once (unique lapse keys and notification source
//! keys, `ON CONFLICT DO NOTHING`), audited. Run by the background runner and by admins.

use super::{evaluate_branch, AgentLicence};
use crate::app::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use domain::access::{Actor, Function};
use domain::commission::{Notice, NotificationKind};
use domain::context::BranchContext;
use domain::ids::{BranchId, UserId};
use domain::licence::Lapse;
use domain::ports::{AuditContext, LicenceRepo, ListScope, RepoError};
use infra::Db;
use serde_json::json;

/// What one pass wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LicenceJobReport {
    pub agents_evaluated: usize,
    pub lapses_recorded: u64,
    pub reminders_sent: u64,
}

impl LicenceJobReport {
    pub fn add(&mut self, other: LicenceJobReport) {
        self.agents_evaluated += other.agents_evaluated;
        self.lapses_recorded += other.lapses_recorded;
        self.reminders_sent += other.reminders_sent;
    }
}

/// The agent and their supervisor: who a reminder or a lapse notice goes to.
fn recipients(a: &AgentLicence) -> Vec<UserId> {
    let mut to = vec![a.facts.agent_id];
    to.extend(a.facts.supervisor_id.filter(|s| *s != a.facts.agent_id));
    to
}

fn notice(
    a: &AgentLicence,
    to: UserId,
    kind: NotificationKind,
    key: String,
    payload: serde_json::Value,
    at: DateTime<Utc>,
) -> Notice {
    let mut payload = payload;
    payload["agent_id"] = json!(a.facts.agent_id);
    payload["agent_name"] = json!(a.facts.name);
    payload["rule_id"] = json!("LIC-3");
    Notice {
        user_id: to,
        kind,
        payload,
        source_key: key,
        at,
    }
}

/// The source keys of a reminder slot start with this, so one range read finds those sent.
fn reminder_prefix(slot: &str) -> String {
    format!("lic-3:reminder:{slot}:")
}

/// One pass over a branch at `now`.
pub async fn run_licence_year(db: &Db, ctx: &BranchContext, now: DateTime<Utc>) -> Result<LicenceJobReport, RepoError> {
    let day = ctx.business_day(now);
    let agents = evaluate_branch(db, ctx, &ListScope::Company, day).await?;
    let audit = AuditContext {
        company_id: ctx.company_id(),
        actor_id: None,
        request_id: format!("job:licences:{}:{day}", ctx.branch_id()),
        at: now,
        integration_client_id: None,
    };
    let mut lapses = Vec::new();
    for a in &agents {
        let Some(due) = a.consequences.lapse else {
            continue;
        };
        if a.lapses.iter().any(|l| l.year == due.year) {
            continue;
        }
        let lapse = Lapse::from_due(ctx.company_id(), a.facts.agent_id, &due, now);
        let payload = json!({"year": due.year, "lapsed_on": due.lapsed_on, "done_tenths": due.done_tenths,
                             "due_tenths": due.due_tenths, "reason": lapse.reason()});
        let notices = recipients(a)
            .into_iter()
            .map(|to| {
                let key = format!("lic-3:lapse:{}:{}:{to}", due.year, a.facts.agent_id);
                notice(a, to, NotificationKind::LicenceLapsed, key, payload.clone(), now)
            })
            .collect();
        lapses.push((lapse, notices));
    }
    let lapses_recorded = db.record_lapses(&audit, &lapses).await?;

    // Reminders: every agent due one shares the day's slot; skip what the slot already sent.
    let slot = agents.iter().find_map(|a| a.consequences.reminder.clone());
    let mut reminders = Vec::new();
    if let Some(slot) = slot {
        let sent = db
            .notice_keys_with_prefix(ctx.company_id(), &reminder_prefix(&slot))
            .await?;
        for a in agents
            .iter()
            .filter(|a| a.consequences.reminder.as_ref() == Some(&slot))
        {
            let c = &a.current;
            let payload = json!({"year": c.year, "slot": slot, "confirmed_tenths": c.confirmed_tenths,
                                 "pending_tenths": c.pending_tenths, "pace_tenths": c.pace_tenths,
                                 "due_tenths": c.due_tenths, "missing_tenths": c.missing_tenths});
            for to in recipients(a) {
                let key = format!("{}{}:{to}", reminder_prefix(&slot), a.facts.agent_id);
                if !sent.contains(&key) {
                    reminders.push(notice(a, to, NotificationKind::CeReminder, key, payload.clone(), now));
                }
            }
        }
    }
    let reminders_sent = db.send_notices(&audit, &reminders).await?;
    Ok(LicenceJobReport {
        agents_evaluated: agents.len(),
        lapses_recorded,
        reminders_sent,
    })
}

/// An admin runs the pass for a branch now, with the same effect as the background runner.
pub async fn run_licence_job(
    db: &Db,
    actor: &Actor,
    branch: BranchId,
    now: DateTime<Utc>,
) -> AppResult<LicenceJobReport> {
    actor.require(Function::ManagePolicies)?;
    let ctx = crate::app::context::load(db, actor.company_id, branch)
        .await?
        .ok_or_else(|| AppError::field("/branch_id", "no such branch"))?;
    Ok(run_licence_year(db, &ctx, now).await?)
}
