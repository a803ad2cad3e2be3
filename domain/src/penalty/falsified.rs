//! The penalties of a falsified spot-check finding.

use super::{yuan, PenaltyDraft, PersonRole};
use crate::ids::UserId;
use crate::policy::PolicyInForce;
use crate::rules::RuleId;
use chrono::NaiveDate;
use serde_json::json;

/// DIA-PEN-FALSIFIED: a falsified spot-check finding (DIA-5) fines the agent, and
/// (DIA-PEN-FALSIFIED-SUP) their supervisor at the time.
pub fn falsified_penalties(
    diary: uuid::Uuid,
    day: NaiveDate,
    agent: UserId,
    supervisor: Option<UserId>,
    policy: &PolicyInForce,
) -> Vec<PenaltyDraft> {
    let p = &policy.document.penalties;
    let v = policy.version;
    let mut out = vec![PenaltyDraft {
        key: format!("{}:{diary}", RuleId::DiaPenFalsified),
        rule_id: RuleId::DiaPenFalsified,
        person: agent,
        role: PersonRole::Agent,
        day,
        amount_fen: p.diary_falsified_fen,
        leads: 0,
        policy_version: v,
        facts: json!({"diary_id": diary, "finding": "falsified", "next_allocation": "suspended"}),
        explanation: format!(
            "spot check found the diary of {day} falsified, under policy v{v}: {} and the next quarterly lead allocation suspended",
            yuan(p.diary_falsified_fen)
        ),
    }];
    if let Some(sup) = supervisor {
        out.push(PenaltyDraft {
            key: format!("{}:{diary}", RuleId::DiaPenFalsifiedSup),
            rule_id: RuleId::DiaPenFalsifiedSup,
            person: sup,
            role: PersonRole::Supervisor,
            day,
            amount_fen: p.diary_falsified_supervisor_fen,
            leads: 0,
            policy_version: v,
            facts: json!({"diary_id": diary, "agent_id": agent, "finding": "falsified"}),
            explanation: format!(
                "spot check found a diary of {day} by agent {agent} of your team falsified, under policy v{v}: {}",
                yuan(p.diary_falsified_supervisor_fen)
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dia_pen_falsified_and_sup() {
        let agent = UserId::new();
        let sup = UserId::new();
        let diary = uuid::Uuid::now_v7();
        let day = NaiveDate::from_ymd_opt(2026, 11, 3).unwrap_or_default();
        let d = falsified_penalties(diary, day, agent, Some(sup), &PolicyInForce::default());
        let rules: Vec<RuleId> = d.iter().map(|p| p.rule_id).collect();
        assert_eq!(rules, vec![RuleId::DiaPenFalsified, RuleId::DiaPenFalsifiedSup]);
        assert_eq!((d[0].person, d[0].amount_fen), (agent, 10_000));
        assert_eq!((d[1].person, d[1].amount_fen), (sup, 20_000));
        assert_eq!(d[0].key, format!("DIA-PEN-FALSIFIED:{diary}"));
    }
}
