//! Where a policy stands today in its branch: hold state, conditions, what a settlement would
//! pay and deduct, and when the next call may be placed.

use super::calls::call_window;
use super::events::{replay, InsurancePolicyEvent};
use super::hold::HoldState;
use super::record::InsurancePolicy;
use super::settlement::{
    cutoff_day, deductions, payment, receipt_status, CommissionEntry, CommissionEntryKind, Deduction, Payment,
    ReceiptStatus,
};
use crate::context::BranchContext;
use crate::period::Month;
use crate::policy::CommissionPolicy;
use chrono::{DateTime, Duration, NaiveDate, Utc};

/// A policy's standing at an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyStanding {
    pub state: HoldState,
    pub callback_condition_met: bool,
    /// The receipt condition as of today.
    pub receipt: ReceiptStatus,
    /// What a settlement today would do with the commission.
    pub payment: Payment,
    /// When the next call may be placed (absent outside a round).
    pub next_call_at: Option<DateTime<Utc>>,
    /// What the settlement deducts: as posted, or (not yet posted) at the amounts in force on
    /// the next cut-off day.
    pub deductions: Vec<Deduction>,
}

/// A policy with its standing and its history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsurancePolicyView {
    pub policy: InsurancePolicy,
    pub standing: PolicyStanding,
    pub history: Vec<InsurancePolicyEvent>,
}

/// The commission parameters in force on a business day of the branch (POL-1).
pub fn commission_on(ctx: &BranchContext, day: NaiveDate) -> CommissionPolicy {
    ctx.policy_on(day).document.commission
}

/// A month's cut-off day in the branch (see `settlement::cutoff_day`).
pub fn cutoff_of(ctx: &BranchContext, month: Month) -> NaiveDate {
    cutoff_day(month, |d| commission_on(ctx, d).cutoff_day)
}

/// The cut-off day of the next settlement after `today`: this month's unless it has come.
pub fn next_cutoff(ctx: &BranchContext, today: NaiveDate) -> NaiveDate {
    let month = Month::of(today);
    let this = cutoff_of(ctx, month);
    if today < this {
        return this;
    }
    month.next().map_or(this, |m| cutoff_of(ctx, m))
}

/// Where `p` stands at `now`: its history replayed under today's parameters, the receipt as of
/// today, the payment a settlement today would make, the deductions (those already in the
/// ledger at their posted amounts, the others at the next cut-off day's), and the next call's
/// time. `ledger` holds (at least) the policy's posted deductions.
pub fn standing(
    p: &InsurancePolicy,
    events: &[InsurancePolicyEvent],
    ledger: &[CommissionEntry],
    ctx: &BranchContext,
    now: DateTime<Utc>,
) -> PolicyStanding {
    let today = ctx.business_day(now);
    let cp = commission_on(ctx, today);
    let t = replay(events, cp.round_attempts, None);
    let receipt = receipt_status(p.effective_on, p.receipt_returned_on, today + Duration::days(1));
    let at_cutoff = commission_on(ctx, next_cutoff(ctx, today));
    PolicyStanding {
        state: t.state,
        callback_condition_met: t.state.callback_condition_met(),
        receipt,
        payment: payment(t.state, receipt),
        next_call_at: call_window(&t, p.printed_on, now, ctx.tz, &cp).next_call_at,
        deductions: deductions(t.state, receipt, &at_cutoff)
            .into_iter()
            .map(|d| {
                let posted = ledger
                    .iter()
                    .find(|e| e.policy_id == p.id && e.kind == CommissionEntryKind::Deducted && e.rule_id == d.rule_id);
                posted.map_or(d, |e| Deduction {
                    amount_fen: -e.amount_fen,
                    ..d
                })
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commission::events::{CallRecord, CallRound, PolicyStep};
    use crate::commission::hold::{Attempt, CallCategory};
    use crate::ids::{BranchId, CompanyId, UserId};
    use crate::org::{Branch, BranchDraft, BranchSettings};
    use crate::policy::{PolicyDocument, PolicyVersion};
    use crate::rules::RuleId;
    use uuid::Uuid;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    /// A Shanghai branch whose own version deducts 90 yuan for a changed number from 25 October.
    fn ctx() -> BranchContext {
        let now = Utc::now();
        let settings = BranchSettings::parse(BranchDraft {
            name: "B".into(),
            ..BranchDraft::default()
        });
        let branch = Branch {
            company_id: CompanyId(Uuid::nil()),
            id: BranchId(Uuid::from_u128(1)),
            settings: settings.unwrap_or_else(|e| panic!("{e}")),
            created_at: now,
            updated_at: now,
        };
        let mut document = PolicyDocument::default();
        document.commission.number_changed_fen = 9000;
        let later = PolicyVersion {
            company_id: CompanyId(Uuid::nil()),
            id: Uuid::from_u128(2),
            branch_id: Some(branch.id),
            version: 1,
            effective_from: d(2026, 10, 25),
            document,
            created_by: UserId(Uuid::nil()),
            created_at: now,
            updated_at: now,
        };
        BranchContext::new(branch, vec![later])
    }

    fn policy() -> InsurancePolicy {
        InsurancePolicy {
            company_id: CompanyId(Uuid::nil()),
            id: Uuid::from_u128(9),
            number: "P9".into(),
            agent_id: UserId(Uuid::from_u128(3)),
            client_id: Uuid::from_u128(4),
            product: "Term".into(),
            premium_fen: 1_000_000,
            commission_fen: 100_000,
            printed_on: d(2026, 10, 5),
            effective_on: d(2026, 10, 5),
            receipt_returned_on: Some(d(2026, 10, 6)),
            created_at: utc("2026-10-05T00:00:00Z"),
        }
    }

    /// A history whose state is `PassedNumberChanged` (the machine's steps are unit-tested
    /// in `hold`; here only the end state matters).
    fn passed_on_a_changed_number() -> Vec<InsurancePolicyEvent> {
        let at = utc("2026-10-15T02:00:00Z");
        let call = |category, number_changed, round| InsurancePolicyEvent {
            step: PolicyStep::Callback(CallRecord {
                attempt: Attempt {
                    category,
                    forged_signature: false,
                    misleading: false,
                    number_changed,
                    at,
                },
                reason: None,
                notes: None,
                round,
            }),
            actor_id: UserId(Uuid::nil()),
            at,
        };
        let fail = CallCategory::TemporarilyUnsuccessful;
        let mut v: Vec<_> = (0..3).map(|_| call(fail, false, CallRound::FirstRound)).collect();
        v.extend((0..3).map(|_| call(fail, false, CallRound::AwaitingContact)));
        v.push(call(CallCategory::Success, true, CallRound::ManualCallback));
        v
    }

    #[test]
    fn com_8_the_view_states_deductions_at_the_next_cut_off_or_as_posted() {
        let ctx = ctx();
        assert_eq!(next_cutoff(&ctx, d(2026, 10, 19)), d(2026, 10, 20));
        assert_eq!(next_cutoff(&ctx, d(2026, 10, 20)), d(2026, 11, 20));
        let events = passed_on_a_changed_number();
        let before = standing(&policy(), &events, &[], &ctx, utc("2026-10-17T03:00:00Z"));
        assert_eq!(before.state, HoldState::PassedNumberChanged);
        let amounts = |s: &PolicyStanding| {
            s.deductions
                .iter()
                .map(|x| (x.rule_id, x.amount_fen))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            amounts(&before),
            vec![(RuleId::Com3_5, 4000)],
            "October's cut-off, version 0"
        );
        let after = standing(&policy(), &events, &[], &ctx, utc("2026-10-21T03:00:00Z"));
        assert_eq!(
            amounts(&after),
            vec![(RuleId::Com3_5, 9000)],
            "not yet posted: November's rate"
        );
        let posted = CommissionEntry {
            company_id: CompanyId(Uuid::nil()),
            id: Uuid::nil(),
            person_id: UserId(Uuid::from_u128(3)),
            policy_id: policy().id,
            month: Month::of(d(2026, 10, 1)),
            kind: CommissionEntryKind::Deducted,
            amount_fen: -4000,
            rule_id: RuleId::Com3_5,
            explanation: "x".into(),
            source_key: "k".into(),
            created_at: Utc::now(),
        };
        let settled = standing(&policy(), &events, &[posted], &ctx, utc("2026-10-21T03:00:00Z"));
        assert_eq!(amounts(&settled), vec![(RuleId::Com3_5, 4000)], "as posted");
        assert_eq!(settled.payment, Payment::Payable);
        assert_eq!(settled.next_call_at, None);
    }
}
