//! What reaching a score threshold brings, for the agent and their supervisor, as policy data.

use super::HalfYear;
use crate::ids::{CompanyId, UserId};
use crate::period::Month;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Who receives what when a threshold is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsequenceKind {
    /// On the agent: 解除代理合同 recommended.
    ContractTerminationRecommendation,
    /// On the supervisor: 通报批评.
    CriticismNotice,
    /// On the supervisor: promotion delayed by `periods` assessment periods.
    PromotionDelay,
    /// On the supervisor: `percent` of that month's management allowance withheld.
    AllowanceWithheld,
}

impl ConsequenceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsequenceKind::ContractTerminationRecommendation => "contract_termination_recommendation",
            ConsequenceKind::CriticismNotice => "criticism_notice",
            ConsequenceKind::PromotionDelay => "promotion_delay",
            ConsequenceKind::AllowanceWithheld => "allowance_withheld",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::ContractTerminationRecommendation,
            Self::CriticismNotice,
            Self::PromotionDelay,
            Self::AllowanceWithheld,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    pub fn on_supervisor(self) -> bool {
        self != ConsequenceKind::ContractTerminationRecommendation
    }
}

/// Whom a consequence falls on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonRole {
    Agent,
    Supervisor,
}

impl PersonRole {
    pub fn as_str(self) -> &'static str {
        match self {
            PersonRole::Agent => "agent",
            PersonRole::Supervisor => "supervisor",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [PersonRole::Agent, PersonRole::Supervisor]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// A threshold and what reaching it brings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    pub half_points: i64,
    pub consequences: Vec<ConsequenceKind>,
    #[serde(default = "default_percent")]
    pub allowance_withheld_percent: u32,
    #[serde(default = "default_periods")]
    pub promotion_delay_periods: u32,
}

fn default_percent() -> u32 {
    15
}

fn default_periods() -> u32 {
    1
}

/// Quality parameters of a policy version: the appeal window and the thresholds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QualityPolicy {
    /// Days after confirmation within which the agent may appeal.
    pub appeal_days: u32,
    pub thresholds: Vec<Threshold>,
}

impl Default for QualityPolicy {
    fn default() -> Self {
        Self {
            appeal_days: 7,
            thresholds: vec![Threshold {
                half_points: 30,
                consequences: vec![
                    ConsequenceKind::ContractTerminationRecommendation,
                    ConsequenceKind::CriticismNotice,
                    ConsequenceKind::PromotionDelay,
                    ConsequenceKind::AllowanceWithheld,
                ],
                allowance_withheld_percent: 15,
                promotion_delay_periods: 1,
            }],
        }
    }
}

impl QualityPolicy {
    /// Range checks, as JSON pointers under `prefix` (e.g. `/document/quality`), for policy-version
    /// validation to include.
    pub fn validate(&self, prefix: &str) -> Result<(), crate::ValidationErrors> {
        let mut e = crate::ValidationErrors::default();
        if !(1..=365).contains(&self.appeal_days) {
            e.push(format!("{prefix}/appeal_days"), "must be between 1 and 365");
        }
        let mut seen = std::collections::HashSet::new();
        for (i, t) in self.thresholds.iter().enumerate() {
            if !(1..=2000).contains(&t.half_points) || !seen.insert(t.half_points) {
                e.push(
                    format!("{prefix}/thresholds/{i}/half_points"),
                    "must be unique and between 1 and 2000",
                );
            }
            if t.allowance_withheld_percent > 100 {
                e.push(
                    format!("{prefix}/thresholds/{i}/allowance_withheld_percent"),
                    "must be between 0 and 100",
                );
            }
            if t.promotion_delay_periods > 12 {
                e.push(
                    format!("{prefix}/thresholds/{i}/promotion_delay_periods"),
                    "must be between 0 and 12",
                );
            }
        }
        e.into_result(())
    }
}

/// A recorded consequence (or the reversal of one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Consequence {
    pub company_id: CompanyId,
    pub id: uuid::Uuid,
    pub agent_id: UserId,
    #[serde(serialize_with = "as_text")]
    pub half_year: HalfYear,
    pub threshold: i64,
    pub person_id: UserId,
    pub person_role: PersonRole,
    pub kind: ConsequenceKind,
    /// The facts shown with it: always `score_half_points`; `percent` and `month` for a
    /// withheld allowance, `assessment_periods` for a promotion delay, `reason` on a reversal.
    pub details: serde_json::Value,
    /// Set on a reversal: the consequence it reverses.
    pub reverses: Option<uuid::Uuid>,
    /// Unique per company, so recording the same consequence twice is a no-op.
    pub source_key: String,
    pub created_at: DateTime<Utc>,
}

/// Periods are written as the rulebook writes them ("2026H2").
fn as_text<S: serde::Serializer>(h: &HalfYear, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(h)
}

/// An agent's half-year as it stands, with what has been recorded for it so far.
#[derive(Debug, Clone, Copy)]
pub struct ScoreFacts<'a> {
    pub company_id: CompanyId,
    pub agent_id: UserId,
    /// The agent's supervisor (of their team); without one the supervisor's share is skipped.
    pub supervisor_id: Option<UserId>,
    pub half_year: HalfYear,
    pub score: i64,
    /// The business month the consequences are recorded in (a withheld allowance is that
    /// month's, in the branch's zone).
    pub month: Month,
    /// Every consequence and reversal already recorded for this agent's half-year.
    pub recorded: &'a [Consequence],
    pub now: DateTime<Utc>,
}

/// QLT-5: bring the recorded consequences in line with the half-year score. Reaching a threshold
/// (15 points by default) records each of its consequences once: the contract termination
/// recommendation on the agent; criticism, a promotion delay and a withheld share of that month's
/// allowance on their supervisor. Falling back under it (an overturned appeal) records a reversal
/// of each one still in force. Consequences already in force are left alone.
pub fn consequences(policy: &QualityPolicy, f: &ScoreFacts<'_>) -> Vec<Consequence> {
    let reversed: std::collections::HashSet<uuid::Uuid> = f.recorded.iter().filter_map(|c| c.reverses).collect();
    let in_force: Vec<&Consequence> = f
        .recorded
        .iter()
        .filter(|c| c.reverses.is_none() && !reversed.contains(&c.id))
        .collect();
    let mut out = Vec::new();
    for t in &policy.thresholds {
        let reached = f.score >= t.half_points;
        for kind in &t.consequences {
            let current: Vec<&&Consequence> = in_force
                .iter()
                .filter(|c| c.threshold == t.half_points && c.kind == *kind)
                .collect();
            if reached && current.is_empty() {
                out.extend(impose(t, *kind, f));
            } else if !reached {
                out.extend(current.into_iter().map(|c| reverse(c, f)));
            }
        }
    }
    out
}

fn impose(t: &Threshold, kind: ConsequenceKind, f: &ScoreFacts<'_>) -> Option<Consequence> {
    let (person_id, person_role) = if kind.on_supervisor() {
        (f.supervisor_id?, PersonRole::Supervisor)
    } else {
        (f.agent_id, PersonRole::Agent)
    };
    // Counting earlier impositions keeps the key unique when a threshold is reached again
    // after a reversal.
    let n = f
        .recorded
        .iter()
        .filter(|c| c.reverses.is_none() && c.threshold == t.half_points && c.kind == kind)
        .count();
    let score = f.score;
    let details = match kind {
        ConsequenceKind::AllowanceWithheld => {
            json!({"percent": t.allowance_withheld_percent, "month": f.month.to_string(), "score_half_points": score})
        }
        ConsequenceKind::PromotionDelay => {
            json!({"assessment_periods": t.promotion_delay_periods, "score_half_points": score})
        }
        _ => json!({"score_half_points": score}),
    };
    Some(Consequence {
        company_id: f.company_id,
        id: uuid::Uuid::now_v7(),
        agent_id: f.agent_id,
        half_year: f.half_year,
        threshold: t.half_points,
        person_id,
        person_role,
        kind,
        details,
        reverses: None,
        source_key: format!(
            "q:{}:{}:{}:{}:{n}",
            f.agent_id,
            f.half_year,
            t.half_points,
            kind.as_str()
        ),
        created_at: f.now,
    })
}

fn reverse(orig: &Consequence, f: &ScoreFacts<'_>) -> Consequence {
    Consequence {
        id: uuid::Uuid::now_v7(),
        reverses: Some(orig.id),
        details: json!({"score_half_points": f.score, "reason": "score fell back under the threshold"}),
        source_key: format!("rev:{}", orig.id),
        created_at: f.now,
        ..orig.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn facts<'a>(score: i64, recorded: &'a [Consequence], supervisor: Option<UserId>) -> ScoreFacts<'a> {
        ScoreFacts {
            company_id: CompanyId(uuid::Uuid::nil()),
            agent_id: UserId(uuid::Uuid::from_u128(7)),
            supervisor_id: supervisor,
            half_year: HalfYear::new(2026, 2).unwrap_or_else(|| panic!("half-year")),
            score,
            month: Month::new(2026, 11).unwrap_or_else(|| panic!("month")),
            recorded,
            now: DateTime::<Utc>::default(),
        }
    }

    #[test]
    fn qlt_5_reaching_15_points_imposes_once_on_agent_and_supervisor_and_falling_back_reverses() {
        let p = QualityPolicy::default();
        let sup = Some(UserId(uuid::Uuid::from_u128(9)));
        assert!(consequences(&p, &facts(29, &[], sup)).is_empty());
        let imposed = consequences(&p, &facts(30, &[], sup));
        let mut who: Vec<(&str, &str)> = imposed
            .iter()
            .map(|c| (c.kind.as_str(), c.person_role.as_str()))
            .collect();
        who.sort();
        assert_eq!(
            who,
            [
                ("allowance_withheld", "supervisor"),
                ("contract_termination_recommendation", "agent"),
                ("criticism_notice", "supervisor"),
                ("promotion_delay", "supervisor"),
            ]
        );
        let allowance = imposed.iter().find(|c| c.kind == ConsequenceKind::AllowanceWithheld);
        assert_eq!(
            allowance.map(|c| c.details.clone()),
            Some(json!({"percent": 15, "month": "2026-11", "score_half_points": 30}))
        );
        let delay = imposed.iter().find(|c| c.kind == ConsequenceKind::PromotionDelay);
        assert_eq!(
            delay.map(|c| c.source_key.clone()),
            Some(format!(
                "q:{}:2026H2:30:promotion_delay:0",
                UserId(uuid::Uuid::from_u128(7))
            ))
        );
        assert!(consequences(&p, &facts(50, &imposed, sup)).is_empty(), "not repeated");
        let reversed = consequences(&p, &facts(20, &imposed, sup));
        assert_eq!(reversed.len(), 4);
        assert!(reversed
            .iter()
            .all(|c| c.reverses.is_some() && c.source_key.starts_with("rev:")));
        let all: Vec<Consequence> = imposed.iter().chain(&reversed).cloned().collect();
        assert!(consequences(&p, &facts(20, &all, sup)).is_empty(), "reversed once");
        let again = consequences(&p, &facts(31, &all, sup));
        assert_eq!(again.len(), 4, "reached again after a reversal");
        assert!(again.iter().all(|c| c.source_key.ends_with(":1")));
        let alone = consequences(&p, &facts(30, &[], None));
        assert_eq!(alone.len(), 1, "no supervisor: only the agent's share");
    }

    #[test]
    fn quality_policy_validation_names_the_field() {
        assert!(QualityPolicy::default().validate("/document/quality").is_ok());
        let mut p = QualityPolicy {
            appeal_days: 0,
            ..QualityPolicy::default()
        };
        p.thresholds[0].allowance_withheld_percent = 150;
        let pointers: Vec<String> = p
            .validate("/document/quality")
            .err()
            .map(|e| e.0.into_iter().map(|f| f.pointer).collect())
            .unwrap_or_default();
        assert_eq!(
            pointers,
            [
                "/document/quality/appeal_days",
                "/document/quality/thresholds/0/allowance_withheld_percent"
            ]
        );
    }

    proptest! {
        #[test]
        fn qlt_5_consequences_are_idempotent(score in 0i64..80) {
            let p = QualityPolicy::default();
            let sup = Some(UserId(uuid::Uuid::from_u128(9)));
            let first = consequences(&p, &facts(score, &[], sup));
            prop_assert!(consequences(&p, &facts(score, &first, sup)).is_empty());
        }
    }
}
