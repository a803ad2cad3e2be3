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
