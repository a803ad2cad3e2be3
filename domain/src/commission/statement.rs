//! The monthly statement per person: every line explains itself.

use super::settlement::{CommissionEntry, CommissionEntryKind};
use crate::ids::{BranchId, CompanyId, UserId};
use crate::penalty::EntryKind as PenaltyEntryKind;
use crate::period::Month;
use crate::rules::RuleId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use uuid::Uuid;

/// What an allowance line records (only withholding so far).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllowanceAction {
    Withheld,
}

/// One line of a statement, stored and shown as a JSON object tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StatementLine {
    Commission {
        #[serde(rename = "type")]
        entry: CommissionEntryKind,
        policy_id: Uuid,
        rule_id: RuleId,
        amount_fen: i64,
        explanation: String,
    },
    Penalty {
        #[serde(rename = "type", with = "penalty_kind")]
        entry: PenaltyEntryKind,
        penalty_id: Uuid,
        rule_id: RuleId,
        amount_fen: i64,
        explanation: String,
    },
    Allowance {
        #[serde(rename = "type")]
        entry: AllowanceAction,
        consequence_id: Uuid,
        rule_id: RuleId,
        percent: i64,
        amount_fen: i64,
        explanation: String,
    },
}

/// The penalty ledger's entry kinds by their stored names.
mod penalty_kind {
    use super::PenaltyEntryKind;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(k: &PenaltyEntryKind, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(k.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PenaltyEntryKind, D::Error> {
        let s = String::deserialize(d)?;
        PenaltyEntryKind::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown penalty entry kind {s}")))
    }
}

impl StatementLine {
    pub fn kind(&self) -> &'static str {
        match self {
            StatementLine::Commission { .. } => "commission",
            StatementLine::Penalty { .. } => "penalty",
            StatementLine::Allowance { .. } => "allowance",
        }
    }

    /// The line's type within its kind (earned, penalty, withheld, …).
    pub fn entry(&self) -> &'static str {
        match self {
            StatementLine::Commission { entry, .. } => entry.as_str(),
            StatementLine::Penalty { entry, .. } => entry.as_str(),
            StatementLine::Allowance { .. } => "withheld",
        }
    }

    pub fn rule_id(&self) -> RuleId {
        match self {
            StatementLine::Commission { rule_id, .. }
            | StatementLine::Penalty { rule_id, .. }
            | StatementLine::Allowance { rule_id, .. } => *rule_id,
        }
    }

    pub fn amount_fen(&self) -> i64 {
        match self {
            StatementLine::Commission { amount_fen, .. }
            | StatementLine::Penalty { amount_fen, .. }
            | StatementLine::Allowance { amount_fen, .. } => *amount_fen,
        }
    }

    pub fn explanation(&self) -> &str {
        match self {
            StatementLine::Commission { explanation, .. }
            | StatementLine::Penalty { explanation, .. }
            | StatementLine::Allowance { explanation, .. } => explanation,
        }
    }
}

/// A monthly statement as stored: immutable once written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub company_id: CompanyId,
    pub id: Uuid,
    pub person_id: UserId,
    pub branch_id: BranchId,
    pub month: Month,
    pub lines: Vec<StatementLine>,
    /// The sum of the lines.
    pub net_fen: i64,
    pub closed_at: DateTime<Utc>,
}

/// A penalty-ledger entry posted in the statement's period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PenaltyPosting {
    pub id: Uuid,
    pub person_id: UserId,
    pub kind: PenaltyEntryKind,
    pub rule_id: RuleId,
    /// As the penalty ledger holds it: positive reduces the payable.
    pub amount_fen: i64,
    pub explanation: String,
}

/// A management allowance withheld for a month (a QLT-5 consequence in force).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowanceWithhold {
    pub consequence_id: Uuid,
    pub person_id: UserId,
    pub month: Month,
    pub percent: i64,
    /// The score threshold reached, in half points.
    pub threshold_half_points: i64,
    pub half_year: crate::period::HalfYear,
}

/// Whose statements: a branch's month, closed at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatementScope {
    pub company_id: CompanyId,
    pub branch_id: BranchId,
    pub month: Month,
    pub closed_at: DateTime<Utc>,
}

/// The month's statement per person of a branch (the statement of the monthly settlement):
/// the month's commission entries, the activity penalties posted between the previous cut-off
/// and this one, and the allowance withheld from supervisors whose agent reached a quality
/// threshold; the net payable is the sum of the lines.
pub fn statements(
    scope: StatementScope,
    commission: &[CommissionEntry],
    penalties: &[PenaltyPosting],
    allowances: &[AllowanceWithhold],
    branch_people: &HashSet<UserId>,
) -> Vec<Statement> {
    let month = scope.month;
    let mut lines: BTreeMap<UserId, Vec<StatementLine>> = BTreeMap::new();
    for e in commission.iter().filter(|e| e.month == month) {
        lines.entry(e.person_id).or_default().push(StatementLine::Commission {
            entry: e.kind,
            policy_id: e.policy_id,
            rule_id: e.rule_id,
            amount_fen: e.amount_fen,
            explanation: e.explanation.clone(),
        });
    }
    for e in penalties {
        lines.entry(e.person_id).or_default().push(StatementLine::Penalty {
            entry: e.kind,
            penalty_id: e.id,
            rule_id: e.rule_id,
            amount_fen: -e.amount_fen,
            explanation: e.explanation.clone(),
        });
    }
    for c in allowances
        .iter()
        .filter(|c| c.month == month && branch_people.contains(&c.person_id))
    {
        let pct = c.percent;
        lines.entry(c.person_id).or_default().push(StatementLine::Allowance {
            entry: AllowanceAction::Withheld,
            consequence_id: c.consequence_id,
            rule_id: RuleId::Qlt5,
            percent: pct,
            amount_fen: 0,
            explanation: format!(
                "{pct}% of this month's management allowance withheld: an agent of your team reached {} points in {}",
                c.threshold_half_points / 2,
                c.half_year
            ),
        });
    }
    lines
        .into_iter()
        .map(|(person, lines)| Statement {
            company_id: scope.company_id,
            id: Uuid::now_v7(),
            person_id: person,
            branch_id: scope.branch_id,
            month,
            net_fen: lines.iter().map(StatementLine::amount_fen).sum(),
            lines,
            closed_at: scope.closed_at,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn com_8_statement_lines_explain_themselves_and_sum_to_the_net() {
        let oct = Month::of(NaiveDate::from_ymd_opt(2026, 10, 1).unwrap_or_default());
        let agent = UserId(Uuid::from_u128(1));
        let sup = UserId(Uuid::from_u128(2));
        let entry = |kind, amount_fen, rule_id, month| CommissionEntry {
            company_id: CompanyId(Uuid::nil()),
            id: Uuid::now_v7(),
            person_id: agent,
            policy_id: Uuid::from_u128(9),
            month,
            kind,
            amount_fen,
            rule_id,
            explanation: "x".into(),
            source_key: "k".into(),
            created_at: Utc::now(),
        };
        let commission = vec![
            entry(CommissionEntryKind::Earned, 100_000, RuleId::Com1, oct),
            entry(CommissionEntryKind::Deducted, -4000, RuleId::Com3_5, oct),
            entry(CommissionEntryKind::Earned, 5, RuleId::Com1, oct.next().unwrap_or(oct)),
        ];
        let penalties = vec![PenaltyPosting {
            id: Uuid::from_u128(5),
            person_id: agent,
            kind: PenaltyEntryKind::Penalty,
            rule_id: RuleId::DiaPenMissing,
            amount_fen: 500,
            explanation: "diary missing".into(),
        }];
        let allowance = AllowanceWithhold {
            consequence_id: Uuid::from_u128(6),
            person_id: sup,
            month: oct,
            percent: 15,
            threshold_half_points: 30,
            half_year: crate::period::HalfYear::new(2026, 2).unwrap_or_else(|| panic!("valid")),
        };
        let people: HashSet<UserId> = [agent, sup].into_iter().collect();
        let scope = StatementScope {
            company_id: CompanyId(Uuid::nil()),
            branch_id: BranchId(Uuid::nil()),
            month: oct,
            closed_at: Utc::now(),
        };
        let s = statements(scope, &commission, &penalties, &[allowance], &people);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].net_fen, 100_000 - 4000 - 500);
        assert_eq!(s[0].lines.len(), 3);
        assert_eq!(s[1].lines[0].rule_id(), RuleId::Qlt5);
        assert!(s[1].lines[0].explanation().starts_with("15% of this month's"));
        let json = serde_json::to_value(&s[0].lines).unwrap_or_default();
        assert_eq!(json[0]["kind"], "commission");
        assert_eq!(json[0]["type"], "earned");
        assert_eq!(json[1]["rule_id"], "COM-3.5");
        assert_eq!(json[2]["kind"], "penalty");
        assert_eq!(json[2]["amount_fen"], -500);
        let back: Result<Vec<StatementLine>, _> = serde_json::from_value(json);
        assert_eq!(back.ok().as_ref(), Some(&s[0].lines));
        let corrupt = serde_json::json!([{"kind": "commission", "type": "bonus", "policy_id": Uuid::nil(),
            "rule_id": "COM-1", "amount_fen": 1, "explanation": "x"}]);
        assert!(serde_json::from_value::<Vec<StatementLine>>(corrupt).is_err());
    }
}
