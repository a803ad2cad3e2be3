//! Client leads (客户资料): the quarterly allocation and what reduces or suspends it.

use crate::ids::{CompanyId, UserId};
use crate::period::Quarter;
use crate::rules::RuleId;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

/// One quarter's allocation decided from the previous quarter's deductions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Allocation {
    /// Leads granted this quarter.
    pub granted: i64,
    /// Deficit carried to the next quarter.
    pub deficit_after: i64,
    pub suspended: bool,
}

/// A quarterly allocation as recorded in the lead ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadAllocation {
    pub company_id: CompanyId,
    pub id: uuid::Uuid,
    pub agent_id: UserId,
    pub quarter: Quarter,
    pub granted: i64,
    pub deficit_after: i64,
    pub suspended: bool,
    pub facts: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// What one agent's allocation is decided from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllocationFacts {
    /// The policy's quarterly allocation.
    pub base: i64,
    /// Leads deducted by entries posted in the previous quarter.
    pub deductions: i64,
    /// Deficit carried in from the previous allocation.
    pub deficit_before: i64,
    /// An unwaived DIA-PEN-FALSIFIED was posted in the previous quarter.
    pub falsified: bool,
}

/// LEAD-1: each agent receives the quarterly allocation less the deductions accrued during the
/// previous quarter and the deficit carried in; a deficit larger than the allocation carries
/// over to the following quarter.
pub fn quarterly_allocation(f: AllocationFacts) -> Allocation {
    let owed = f.deductions.max(0) + f.deficit_before.max(0);
    if f.falsified {
        return suspended_allocation(owed);
    }
    Allocation {
        granted: (f.base - owed).max(0),
        deficit_after: (owed - f.base).max(0),
        suspended: false,
    }
}

/// LEAD-2: a falsified diary (DIA-PEN-FALSIFIED) suspends the next quarterly allocation
/// entirely; what is owed still carries over.
pub fn suspended_allocation(owed: i64) -> Allocation {
    Allocation {
        granted: 0,
        deficit_after: owed.max(0),
        suspended: true,
    }
}

/// The ledger row for one agent's allocation, with the facts that explain it.
pub fn allocation_entry(
    company: CompanyId,
    agent: UserId,
    quarter: Quarter,
    f: AllocationFacts,
    now: DateTime<Utc>,
) -> LeadAllocation {
    let r = quarterly_allocation(f);
    LeadAllocation {
        company_id: company,
        id: uuid::Uuid::now_v7(),
        agent_id: agent,
        quarter,
        granted: r.granted,
        deficit_after: r.deficit_after,
        suspended: r.suspended,
        facts: json!({
            "base": f.base, "deductions_previous_quarter": f.deductions, "deficit_carried_in": f.deficit_before,
            "suspended_by": if f.falsified { Some(RuleId::DiaPenFalsified) } else { None }
        }),
        created_at: now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn facts(base: i64, deductions: i64, deficit_before: i64, falsified: bool) -> AllocationFacts {
        AllocationFacts {
            base,
            deductions,
            deficit_before,
            falsified,
        }
    }

    #[test]
    fn lead_1_deductions_reduce_next_allocation_and_deficit_carries() {
        let a = |f| {
            let r = quarterly_allocation(f);
            (r.granted, r.deficit_after, r.suspended)
        };
        assert_eq!(a(facts(60, 10, 0, false)), (50, 0, false));
        assert_eq!(a(facts(60, 70, 0, false)), (0, 10, false));
        assert_eq!(a(facts(60, 5, 10, false)), (45, 0, false));
    }

    #[test]
    fn lead_2_falsified_suspends_allocation_but_deductions_carry() {
        assert_eq!(
            quarterly_allocation(facts(60, 12, 3, true)),
            Allocation {
                granted: 0,
                deficit_after: 15,
                suspended: true
            }
        );
        assert_eq!(suspended_allocation(-4).deficit_after, 0);
    }

    #[test]
    fn lead_1_allocation_entry_explains_itself() {
        let q = Quarter::parse("2026Q4").unwrap_or_else(|| panic!("quarter"));
        let e = allocation_entry(CompanyId::new(), UserId::new(), q, facts(60, 7, 0, true), Utc::now());
        assert_eq!((e.granted, e.deficit_after, e.suspended), (0, 7, true));
        assert_eq!(e.facts["suspended_by"], "DIA-PEN-FALSIFIED");
        assert_eq!(e.facts["deductions_previous_quarter"], 7);
    }

    proptest! {
        #[test]
        fn lead_1_granted_plus_deficit_accounts_for_everything(base in 0i64..200, ded in 0i64..300, def in 0i64..300) {
            let a = quarterly_allocation(facts(base, ded, def, false));
            prop_assert!(a.granted >= 0 && a.deficit_after >= 0);
            prop_assert_eq!(a.granted - a.deficit_after, base - ded - def);
        }
    }
}
