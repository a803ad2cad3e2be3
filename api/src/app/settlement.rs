//! COM-8: the monthly settlement. Per branch and month, at the cut-off (the 20th, local):
//! aggregate every policy's callback history and receipt, decide with the domain's hold
//! machine what is earned, held, released, deducted or withheld, post it to the commission
//! ledger (idempotent keys), and write one immutable statement per person.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use domain::commission::{cutoff_day, previous_month, receipt_status, replay, settle_policy, CommissionEntry, Posted};
use domain::ids::UserId;
use domain::org::Branch;
use domain::policy::PolicyInForce;
use domain::ports::{CommissionRepo, LedgerRepo, PolicyVersionRepo, QualityRepo, RepoError, Statement};
use domain::quality::ConsequenceKind;
use domain::time::local_instant;
use infra::Db;
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

/// The branch's zone as `BranchContext` reads it (until settlement takes a context itself).
fn branch_tz(b: &Branch) -> chrono_tz::Tz {
    b.settings.time_zone.tz()
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SettlementReport {
    pub month: String,
    /// False when the month had already been settled: nothing changed.
    pub settled_now: bool,
    pub policies: usize,
    pub entries_posted: u64,
    pub statements: u64,
}

/// The cut-off instant of a month in the branch's zone, and the cut-off day.
pub fn cutoff(branch: &Branch, year: i32, month: u32, day: u32) -> Option<(DateTime<Utc>, chrono::NaiveDate)> {
    let d = cutoff_day(year, month, day)?;
    Some((local_instant(d, NaiveTime::MIN, branch_tz(branch)), d))
}

pub fn parse_month(month: &str) -> Option<(i32, u32)> {
    let from = domain::period::Month::parse(month)?.first_day();
    use chrono::Datelike;
    Some((from.year(), from.month()))
}

pub async fn settle(db: &Db, branch: &Branch, month: &str, now: DateTime<Utc>) -> Result<SettlementReport, RepoError> {
    let (y, m) = parse_month(month).ok_or_else(|| RepoError::Storage("bad month".into()))?;
    let company = branch.company_id;
    let versions = db.company_policy_versions(company).await?;
    let policy =
        PolicyInForce::from_versions(&versions, Some(branch.id), cutoff_day(y, m, 28).unwrap_or_default()).document;
    let cp = &policy.commission;
    let (cut_at, cut_day) =
        cutoff(branch, y, m, cp.cutoff_day).ok_or_else(|| RepoError::Storage("bad cut-off".into()))?;
    let (py, pm) = previous_month(y, m);
    let (_, prev_day) =
        cutoff(branch, py, pm, cp.cutoff_day).ok_or_else(|| RepoError::Storage("bad cut-off".into()))?;
    let policies = db.branch_policies(company, branch.id, cut_day).await?;
    let existing = db.commission_entries_for_branch(company, branch.id).await?;
    let mut posted: HashMap<Uuid, Posted> = HashMap::new();
    for e in &existing {
        let p = posted.entry(e.policy_id).or_default();
        match e.kind.as_str() {
            "earned" => p.earned = true,
            "held" => {
                p.held_balance -= e.amount_fen;
                p.holds += 1;
            }
            "released" => {
                p.held_balance -= e.amount_fen;
                p.releases += 1;
            }
            "withheld" => p.withheld = true,
            "deducted" if e.rule_id == domain::commission::COM_DEDUCT_NUMBER_CHANGED => {
                p.number_changed_deducted = true
            }
            "deducted" => p.receipt_late_deducted = true,
            _ => {}
        }
    }
    let already: HashSet<&str> = existing
        .iter()
        .filter(|e| e.month == month)
        .map(|e| e.source_key.as_str())
        .collect();
    let settled_before = !already.is_empty()
        && db
            .mark_settled(company, branch.id, month, now)
            .await
            .map(|fresh| !fresh)?;
    let mut entries = Vec::new();
    if !settled_before {
        for (p, events) in &policies {
            let (state, _) = replay(events, cp.round_attempts, Some(cut_at));
            let receipt = receipt_status(p.effective_on, p.receipt_returned_on, cut_day);
            for (kind, amount, rule, explanation, suffix) in
                settle_policy(p, state, receipt, posted.get(&p.id).copied().unwrap_or_default(), cp)
            {
                entries.push(CommissionEntry {
                    company_id: company,
                    id: Uuid::now_v7(),
                    person_id: p.agent_id,
                    policy_id: p.id,
                    month: month.to_owned(),
                    kind: kind.to_owned(),
                    amount_fen: amount,
                    rule_id: rule.to_owned(),
                    explanation,
                    source_key: format!("{}:{suffix}", p.id),
                    created_at: now,
                });
            }
        }
    }
    let entries_posted = db.insert_commission_entries(&entries).await?;
    // The statement is built from what the ledger holds for the month, so every instance
    // writes the same statement whichever of them posted the entries.
    let month_entries: Vec<CommissionEntry> = db
        .commission_entries_for_branch(company, branch.id)
        .await?
        .into_iter()
        .filter(|e| e.month == month)
        .collect();
    let penalties = db
        .entries_posted(company, branch.id, prev_day, cut_day - Duration::days(1))
        .await?;
    let consequences = db.consequences(company, None, None).await?;
    let reversed: HashSet<Uuid> = consequences.iter().filter_map(|c| c.reverses).collect();
    let mut lines: BTreeMap<UserId, Vec<serde_json::Value>> = BTreeMap::new();
    for e in &month_entries {
        lines.entry(e.person_id).or_default().push(json!({
            "kind": "commission", "type": e.kind, "policy_id": e.policy_id, "rule_id": e.rule_id,
            "amount_fen": e.amount_fen, "explanation": e.explanation,
        }));
    }
    for e in &penalties {
        lines.entry(e.person_id).or_default().push(json!({
            "kind": "penalty", "type": e.kind.as_str(), "penalty_id": e.id, "rule_id": e.rule_id,
            "amount_fen": -e.amount_fen, "explanation": e.explanation,
        }));
    }
    let branch_people: HashSet<UserId> = policies
        .iter()
        .map(|(p, _)| p.agent_id)
        .chain(penalties.iter().map(|e| e.person_id))
        .collect();
    for c in consequences.iter().filter(|c| {
        c.kind == ConsequenceKind::AllowanceWithheld
            && c.reverses.is_none()
            && !reversed.contains(&c.id)
            && c.details["month"] == month
            && branch_people.contains(&c.person_id)
    }) {
        let pct = c.details["percent"].as_i64().unwrap_or(0);
        lines.entry(c.person_id).or_default().push(json!({
            "kind": "allowance", "type": "withheld", "consequence_id": c.id, "rule_id": "QLT-5", "percent": pct,
            "amount_fen": 0,
            "explanation": format!("{pct}% of this month's management allowance withheld: an agent of your team reached {} points in {}", c.threshold / 2, c.half_year),
        }));
    }
    let statements: Vec<Statement> = lines
        .into_iter()
        .map(|(person, lines)| {
            let net: i64 = lines.iter().map(|l| l["amount_fen"].as_i64().unwrap_or(0)).sum();
            Statement {
                company_id: company,
                id: Uuid::now_v7(),
                person_id: person,
                branch_id: branch.id,
                month: month.to_owned(),
                lines: json!(lines),
                net_fen: net,
                closed_at: now,
            }
        })
        .collect();
    let written = db.insert_statements(&statements).await?;
    let settled_now = db.mark_settled(company, branch.id, month, now).await? || written > 0;
    Ok(SettlementReport {
        month: month.to_owned(),
        settled_now: settled_now && !settled_before,
        policies: policies.len(),
        entries_posted,
        statements: written,
    })
}

/// COM-8 in the background: once the month's cut-off (the 20th, local) has passed, settle it.
pub async fn settle_if_due(db: &Db, branch: &Branch, now: DateTime<Utc>) -> Result<(), RepoError> {
    use chrono::Datelike;
    use domain::ports::CommissionRepo;
    let today = domain::time::business_day(now, branch_tz(branch));
    let month = domain::commission::month_label(today);
    if db.is_settled(branch.company_id, branch.id, &month).await? {
        return Ok(());
    }
    let versions = db.company_policy_versions(branch.company_id).await?;
    let day = PolicyInForce::from_versions(&versions, Some(branch.id), today)
        .document
        .commission
        .cutoff_day;
    let Some((cut, _)) = cutoff(branch, today.year(), today.month(), day) else {
        return Ok(());
    };
    if now >= cut {
        settle(db, branch, &month, now).await?;
        db.mark_settled(branch.company_id, branch.id, &month, now).await?;
    }
    Ok(())
}
