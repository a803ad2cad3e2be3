//! The penalty ledger: append-only entries (LEDGER-1), how evaluation results are posted
//! (PEN-1, PEN-2), corrected in the open period (LEDGER-2) and waived (PEN-3).

use super::{PenaltyDraft, PersonRole};
use crate::access::{permits, Function};
use crate::ids::{BranchId, CompanyId, UserId};
use crate::org::Role;
use crate::policy::PolicyInForce;
use crate::rules::RuleId;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// What kind of ledger entry (LEDGER-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// Derived by evaluation (PEN-2).
    Penalty,
    /// A correction posted in the open period for a late fact about a closed one (LEDGER-2).
    Adjustment,
    /// An authorised waiver, cancelling what it refers to (PEN-3).
    Waiver,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Penalty => "penalty",
            EntryKind::Adjustment => "adjustment",
            EntryKind::Waiver => "waiver",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Penalty, Self::Adjustment, Self::Waiver]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// One append-only entry of the penalty ledger (commission reductions in fen and client-lead
/// deductions). Corrections and waivers are further entries referring to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PenaltyEntry {
    pub company_id: CompanyId,
    pub id: uuid::Uuid,
    pub person_id: UserId,
    pub role: PersonRole,
    pub branch_id: Option<BranchId>,
    pub rule_id: RuleId,
    pub kind: EntryKind,
    /// The business day (or first day of the period) the entry is about.
    pub business_day: NaiveDate,
    /// The open period it was posted in (LEDGER-2): the day itself for penalties.
    pub posted_day: NaiveDate,
    pub amount_fen: i64,
    pub leads: i64,
    pub policy_id: Option<uuid::Uuid>,
    pub policy_version: i64,
    pub facts: serde_json::Value,
    pub explanation: String,
    /// Unique per company: re-evaluation and a second instance cannot post it twice.
    pub source_key: String,
    /// The penalty this entry is (or corrects): entries are summed per base key.
    pub base_key: String,
    pub refers_to: Option<uuid::Uuid>,
    pub reason: Option<String>,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
}

/// What has been posted so far for one base key (penalty and corrections, waivers excluded).
#[derive(Debug, Clone, PartialEq)]
pub struct PostedSum {
    pub fen: i64,
    pub leads: i64,
    pub entries: i64,
    /// The original penalty (the entry whose source key is the base key).
    pub first: PenaltyEntry,
}

/// PEN-1: a drafted penalty becomes a ledger entry carrying its rule id, the policy version,
/// the business day, the facts behind it and the person it falls on.
pub fn entry_from_draft(
    company: CompanyId,
    branch: Option<BranchId>,
    d: &PenaltyDraft,
    policy: &PolicyInForce,
    posted_day: NaiveDate,
    now: DateTime<Utc>,
) -> PenaltyEntry {
    PenaltyEntry {
        company_id: company,
        id: uuid::Uuid::now_v7(),
        person_id: d.person,
        role: d.role,
        branch_id: branch,
        rule_id: d.rule_id,
        kind: EntryKind::Penalty,
        business_day: d.day,
        posted_day,
        amount_fen: d.amount_fen,
        leads: d.leads,
        policy_id: policy.id,
        policy_version: policy.version,
        facts: d.facts.clone(),
        explanation: d.explanation.clone(),
        source_key: d.key.clone(),
        base_key: d.key.clone(),
        refers_to: None,
        reason: None,
        created_by: None,
        created_at: now,
    }
}

/// LEDGER-1: a correction is a new entry referring to the entry it corrects (the `n`-th entry
/// of its base key); the original is never edited.
pub fn correction(
    template: &PenaltyEntry,
    delta: (i64, i64),
    n: i64,
    refers_to: uuid::Uuid,
    posted_day: NaiveDate,
    explanation: String,
    now: DateTime<Utc>,
) -> PenaltyEntry {
    PenaltyEntry {
        id: uuid::Uuid::now_v7(),
        kind: EntryKind::Adjustment,
        posted_day,
        amount_fen: delta.0,
        leads: delta.1,
        source_key: format!("{}#adj{n}", template.base_key),
        refers_to: Some(refers_to),
        explanation,
        created_at: now,
        ..template.clone()
    }
}

/// LEDGER-2: a late fact about a closed period is corrected by the difference between what was
/// posted and what is due now, posted in the open period. `None` when nothing changes.
pub fn adjustment(posted: (i64, i64), due: (i64, i64)) -> Option<(i64, i64)> {
    let delta = (due.0 - posted.0, due.1 - posted.1);
    (delta != (0, 0)).then_some(delta)
}

/// The rules whose penalties day evaluation derives (and may therefore find no longer due).
fn derived_by_day_evaluation(rule: RuleId) -> bool {
    matches!(
        rule,
        RuleId::ActPenMiss | RuleId::DiaPenMissing | RuleId::DiaPenLatefill | RuleId::DiaPenUnreviewed
    )
}

/// A penalty due on an evaluated day, under the version in force that day.
#[derive(Debug, Clone)]
pub struct Due<'a> {
    pub draft: PenaltyDraft,
    pub policy: &'a PolicyInForce,
}

/// PEN-2: penalties are derived, so evaluating the same facts again yields the same keys and
/// posts nothing new; a key never posted becomes a penalty on its own day, a key whose amounts
/// changed gets a LEDGER-2 adjustment, and a derived penalty no longer due is reversed — but
/// only for a person evaluated on that day, so someone who left the branch (deactivated or
/// moved) never has anything reversed.
pub fn reconcile(
    company: CompanyId,
    branch: BranchId,
    due: &[Due<'_>],
    posted: &HashMap<String, PostedSum>,
    evaluated: &HashSet<(UserId, NaiveDate)>,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Vec<PenaltyEntry> {
    let mut out = Vec::new();
    let mut due_keys = HashSet::new();
    for Due { draft: d, policy } in due {
        due_keys.insert(d.key.as_str());
        let Some(sum) = posted.get(&d.key) else {
            out.push(entry_from_draft(company, Some(branch), d, policy, d.day, now));
            continue;
        };
        if let Some(delta) = adjustment((sum.fen, sum.leads), (d.amount_fen, d.leads)) {
            let template = entry_from_draft(company, Some(branch), d, policy, today, now);
            let why = format!("correction after late facts, now due: {}", d.explanation);
            out.push(correction(&template, delta, sum.entries, sum.first.id, today, why, now));
        }
    }
    let mut stale: Vec<(&String, &PostedSum)> = posted
        .iter()
        .filter(|(key, sum)| {
            !due_keys.contains(key.as_str())
                && derived_by_day_evaluation(sum.first.rule_id)
                && evaluated.contains(&(sum.first.person_id, sum.first.business_day))
                && (sum.fen, sum.leads) != (0, 0)
        })
        .collect();
    stale.sort_by_key(|(key, _)| key.as_str());
    for (_, sum) in stale {
        let why = format!("correction after late facts, no longer due: {}", sum.first.explanation);
        out.push(correction(
            &sum.first,
            (-sum.fen, -sum.leads),
            sum.entries,
            sum.first.id,
            today,
            why,
            now,
        ));
    }
    out
}

/// Why a waiver was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaiveRefusal {
    /// The role may not waive penalties.
    NotAuthorised,
    /// A waiver cannot itself be waived.
    NotWaivable,
    /// A waiver needs a reason.
    ReasonRequired,
}

/// PEN-3: a penalty can be waived only by an authorised role with a reason; the waiver is a new
/// entry cancelling it, posted in the open period, and the original is never edited.
pub fn waive(
    original: &PenaltyEntry,
    role: Role,
    by: UserId,
    reason: &str,
    posted_day: NaiveDate,
    now: DateTime<Utc>,
) -> Result<PenaltyEntry, WaiveRefusal> {
    if !permits(role, Function::WaivePenalties) {
        return Err(WaiveRefusal::NotAuthorised);
    }
    if original.kind == EntryKind::Waiver {
        return Err(WaiveRefusal::NotWaivable);
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(WaiveRefusal::ReasonRequired);
    }
    Ok(PenaltyEntry {
        id: uuid::Uuid::now_v7(),
        kind: EntryKind::Waiver,
        posted_day,
        amount_fen: -original.amount_fen,
        leads: -original.leads,
        source_key: format!("waive:{}", original.id),
        refers_to: Some(original.id),
        reason: Some(reason.to_owned()),
        created_by: Some(by),
        created_at: now,
        explanation: format!("waived by an authorised user ({reason}): {}", original.explanation),
        ..original.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, day).unwrap_or_default()
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 12, 4, 0, 0).single().unwrap_or_default()
    }

    fn draft(agent: UserId, day: NaiveDate, leads: i64) -> PenaltyDraft {
        PenaltyDraft {
            key: format!("ACT-PEN-MISS:face:{agent}:{day}"),
            rule_id: RuleId::ActPenMiss,
            person: agent,
            role: PersonRole::Agent,
            day,
            amount_fen: 0,
            leads,
            policy_version: 1,
            facts: serde_json::json!({"counted": 2}),
            explanation: "2 of 3 face visits".into(),
        }
    }

    fn posted(d: &PenaltyDraft) -> (String, PostedSum) {
        let e = entry_from_draft(
            CompanyId::new(),
            Some(BranchId::new()),
            d,
            &PolicyInForce::default(),
            d.day,
            now(),
        );
        (
            d.key.clone(),
            PostedSum {
                fen: e.amount_fen,
                leads: e.leads,
                entries: 1,
                first: e,
            },
        )
    }

    #[test]
    fn pen_1_an_entry_carries_rule_policy_day_facts_and_person() {
        let agent = UserId::new();
        let p = PolicyInForce {
            id: Some(uuid::Uuid::nil()),
            version: 4,
            ..PolicyInForce::default()
        };
        let e = entry_from_draft(CompanyId::new(), None, &draft(agent, d(3), 1), &p, d(3), now());
        assert_eq!(
            (e.rule_id, e.policy_version, e.policy_id),
            (RuleId::ActPenMiss, 4, p.id)
        );
        assert_eq!((e.person_id, e.business_day, e.kind), (agent, d(3), EntryKind::Penalty));
        assert_eq!(e.facts["counted"], 2);
        assert_eq!(e.source_key, e.base_key);
    }

    #[test]
    fn pen_2_re_evaluating_the_same_facts_posts_nothing() {
        let agent = UserId::new();
        let p = PolicyInForce::default();
        let drafts = [draft(agent, d(3), 1)];
        let due: Vec<Due> = drafts
            .iter()
            .map(|x| Due {
                draft: x.clone(),
                policy: &p,
            })
            .collect();
        let evaluated = HashSet::from([(agent, d(3))]);
        let first = reconcile(
            CompanyId::new(),
            BranchId::new(),
            &due,
            &HashMap::new(),
            &evaluated,
            d(12),
            now(),
        );
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].posted_day, d(3), "a penalty is posted on its own day");
        let sums = HashMap::from([posted(&drafts[0])]);
        assert!(reconcile(CompanyId::new(), BranchId::new(), &due, &sums, &evaluated, d(12), now()).is_empty());
    }

    #[test]
    fn ledger_1_a_correction_is_a_new_entry_referring_to_the_original() {
        let (_, sum) = posted(&draft(UserId::new(), d(3), 1));
        let c = correction(&sum.first, (0, -1), 1, sum.first.id, d(6), "late visit".into(), now());
        assert_ne!(c.id, sum.first.id);
        assert_eq!(
            (c.kind, c.refers_to, c.leads),
            (EntryKind::Adjustment, Some(sum.first.id), -1)
        );
        assert_eq!(c.source_key, format!("{}#adj1", sum.first.base_key));
        assert_eq!((c.base_key.as_str(), c.posted_day), (sum.first.base_key.as_str(), d(6)));
    }

    #[test]
    fn ledger_2_adjustment_is_the_difference_posted_in_the_open_period() {
        assert_eq!(adjustment((0, 2), (0, 1)), Some((0, -1)));
        assert_eq!(adjustment((500, 5), (500, 5)), None);
        assert_eq!(adjustment((500, 5), (0, 0)), Some((-500, -5)));
        let agent = UserId::new();
        let p = PolicyInForce::default();
        let sums = HashMap::from([posted(&draft(agent, d(3), 2))]);
        let due = [Due {
            draft: draft(agent, d(3), 1),
            policy: &p,
        }];
        let evaluated = HashSet::from([(agent, d(3))]);
        let out = reconcile(CompanyId::new(), BranchId::new(), &due, &sums, &evaluated, d(6), now());
        assert_eq!(out.len(), 1);
        assert_eq!(
            (out[0].kind, out[0].leads, out[0].posted_day),
            (EntryKind::Adjustment, -1, d(6))
        );
        // Cured entirely: reversed in the open period.
        let out = reconcile(CompanyId::new(), BranchId::new(), &[], &sums, &evaluated, d(6), now());
        assert_eq!((out.len(), out[0].leads), (1, -2));
    }

    #[test]
    fn ledger_2_people_not_evaluated_on_a_day_are_never_reversed() {
        // A deactivated (or moved) agent is no longer evaluated: their penalties stay.
        let agent = UserId::new();
        let sums = HashMap::from([posted(&draft(agent, d(3), 1))]);
        let evaluated = HashSet::from([(UserId::new(), d(3))]);
        assert!(reconcile(CompanyId::new(), BranchId::new(), &[], &sums, &evaluated, d(6), now()).is_empty());
    }

    #[test]
    fn pen_3_waiver_needs_an_authorised_role_and_a_reason() {
        let (_, sum) = posted(&draft(UserId::new(), d(3), 1));
        let by = UserId::new();
        let w = waive(&sum.first, Role::Hr, by, "  outage ", d(12), now());
        let w = w.unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            (w.kind, w.leads, w.refers_to),
            (EntryKind::Waiver, -1, Some(sum.first.id))
        );
        assert_eq!((w.reason.as_deref(), w.created_by), (Some("outage"), Some(by)));
        assert_eq!(w.source_key, format!("waive:{}", sum.first.id));
        assert_eq!(
            waive(&sum.first, Role::Agent, by, "mine", d(12), now()),
            Err(WaiveRefusal::NotAuthorised)
        );
        assert_eq!(
            waive(&sum.first, Role::Admin, by, " ", d(12), now()),
            Err(WaiveRefusal::ReasonRequired)
        );
        assert_eq!(
            waive(&w, Role::Admin, by, "again", d(12), now()),
            Err(WaiveRefusal::NotWaivable)
        );
    }
}
