//! Receipts, the payment condition, deductions and the monthly settlement fold.

use super::events::{replay, InsurancePolicyEvent};
use super::hold::HoldState;
use super::record::InsurancePolicy;
use crate::ids::{CompanyId, UserId};
use crate::period::Month;
use crate::policy::CommissionPolicy;
use crate::rules::RuleId;
use chrono::{DateTime, Months, NaiveDate, Utc};
use std::collections::HashMap;
use uuid::Uuid;

/// The receipt condition at a settlement cut-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiptStatus {
    /// Returned by the cut-off.
    Returned,
    /// Returned, but more than three calendar months after the effective date: 20 yuan deducted.
    ReturnedLate,
    /// Not returned by the cut-off: held.
    Missing,
}

impl ReceiptStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReceiptStatus::Returned => "returned",
            ReceiptStatus::ReturnedLate => "returned_late",
            ReceiptStatus::Missing => "missing",
        }
    }
}

/// COM-7: a receipt returned before the cut-off day meets the receipt condition; one not
/// returned by then is missing (held); one returned more than three calendar months after the
/// effective date is late (20 yuan deducted, the rest released).
pub fn receipt_status(effective_on: NaiveDate, returned_on: Option<NaiveDate>, cutoff_day: NaiveDate) -> ReceiptStatus {
    match returned_on {
        Some(r) if r < cutoff_day => {
            let limit = effective_on.checked_add_months(Months::new(3)).unwrap_or(effective_on);
            if r > limit {
                ReceiptStatus::ReturnedLate
            } else {
                ReceiptStatus::Returned
            }
        }
        _ => ReceiptStatus::Missing,
    }
}

/// What a settlement owes for one policy at a cut-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payment {
    /// Both conditions met: paid (released if it had been held).
    Payable,
    /// A condition is still open: held (缓发).
    Held,
    /// Not paid at all (扣发).
    Withheld,
}

impl Payment {
    pub fn as_str(self) -> &'static str {
        match self {
            Payment::Payable => "payable",
            Payment::Held => "held",
            Payment::Withheld => "withheld",
        }
    }
}

/// COM-2: commission is paid normally only when both conditions hold: the callback passed and
/// the receipt came back; withheld commission is never paid; anything else is held.
pub fn payment(state: HoldState, receipt: ReceiptStatus) -> Payment {
    if matches!(state, HoldState::Withheld(_)) {
        Payment::Withheld
    } else if state.callback_condition_met() && receipt != ReceiptStatus::Missing {
        Payment::Payable
    } else {
        Payment::Held
    }
}

/// One deduction from a policy's commission, with the rule and the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deduction {
    pub rule_id: RuleId,
    /// Positive: what is taken off.
    pub amount_fen: i64,
    pub reason: &'static str,
}

/// The deductions a settlement applies to a policy (the amounts of the policy in force at its
/// cut-off): the changed number of the manual callback (COM-3.5) and the late receipt (COM-7).
/// Withheld commission has nothing left to deduct from.
pub fn deductions(state: HoldState, receipt: ReceiptStatus, cp: &CommissionPolicy) -> Vec<Deduction> {
    let mut out = Vec::new();
    if payment(state, receipt) == Payment::Withheld {
        return out;
    }
    if state == HoldState::PassedNumberChanged {
        out.push(Deduction {
            rule_id: RuleId::Com3_5,
            amount_fen: cp.number_changed_fen,
            reason: "the manual callback found the client's number had changed",
        });
    }
    if receipt == ReceiptStatus::ReturnedLate {
        out.push(Deduction {
            rule_id: RuleId::Com7,
            amount_fen: cp.receipt_late_fen,
            reason: "the receipt came back more than three months after the effective date",
        });
    }
    out
}

/// The cut-off day of a month under POL-1: the first day on which the version in force says
/// its cut-off day (the 20th by default, at most the 28th) has come. With one version this is
/// simply its `cutoff_day`; the settlement then uses the version in force on that day.
pub fn cutoff_day(month: Month, cutoff_on: impl Fn(NaiveDate) -> u32) -> NaiveDate {
    for n in 1..=28 {
        if let Some(day) = month.day(n) {
            if n >= cutoff_on(day).clamp(1, 28) {
                return day;
            }
        }
    }
    month.day(28).unwrap_or_else(|| month.first_day())
}

/// The kinds of commission ledger entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommissionEntryKind {
    Earned,
    Held,
    Released,
    Deducted,
    Withheld,
}

impl CommissionEntryKind {
    pub const ALL: [CommissionEntryKind; 5] = [
        CommissionEntryKind::Earned,
        CommissionEntryKind::Held,
        CommissionEntryKind::Released,
        CommissionEntryKind::Deducted,
        CommissionEntryKind::Withheld,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CommissionEntryKind::Earned => "earned",
            CommissionEntryKind::Held => "held",
            CommissionEntryKind::Released => "released",
            CommissionEntryKind::Deducted => "deducted",
            CommissionEntryKind::Withheld => "withheld",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One line of the commission ledger, append-only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommissionEntry {
    pub company_id: CompanyId,
    pub id: Uuid,
    pub person_id: UserId,
    pub policy_id: Uuid,
    /// The settlement month.
    pub month: Month,
    pub kind: CommissionEntryKind,
    /// Signed: what it adds to (or takes from) the month's net payable.
    pub amount_fen: i64,
    pub rule_id: RuleId,
    pub explanation: String,
    pub source_key: String,
    pub created_at: DateTime<Utc>,
}

/// What the ledger holds for one policy so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Posted {
    pub earned: bool,
    /// Held minus released, in fen (> 0 while held).
    pub held_balance: i64,
    pub holds: i64,
    pub releases: i64,
    pub withheld: bool,
    pub number_changed_deducted: bool,
    pub receipt_late_deducted: bool,
}

impl Posted {
    /// The ledger folded per policy.
    pub fn fold(ledger: &[CommissionEntry]) -> HashMap<Uuid, Posted> {
        let mut out: HashMap<Uuid, Posted> = HashMap::new();
        for e in ledger {
            let p = out.entry(e.policy_id).or_default();
            match e.kind {
                CommissionEntryKind::Earned => p.earned = true,
                CommissionEntryKind::Held => {
                    p.held_balance -= e.amount_fen;
                    p.holds += 1;
                }
                CommissionEntryKind::Released => {
                    p.held_balance -= e.amount_fen;
                    p.releases += 1;
                }
                CommissionEntryKind::Withheld => p.withheld = true,
                CommissionEntryKind::Deducted if e.rule_id == RuleId::Com3_5 => p.number_changed_deducted = true,
                CommissionEntryKind::Deducted => p.receipt_late_deducted = true,
            }
        }
        out
    }
}

/// The month being settled for one branch.
#[derive(Debug, Clone)]
pub struct MonthSettlement {
    pub company_id: CompanyId,
    pub month: Month,
    /// The cut-off instant (local midnight starting the cut-off day).
    pub cut_at: DateTime<Utc>,
    pub cut_day: NaiveDate,
    /// The commission parameters of the policy version in force on the cut-off day.
    pub commission: CommissionPolicy,
    pub now: DateTime<Utc>,
}

/// COM-8: the monthly settlement. Each policy printed before the cut-off day is replayed to
/// the cut-off instant and its receipt judged on the cut-off day; then what the ledger does not
/// hold yet is posted: the commission earned (once), held while a condition is open (once per
/// hold), released when both are met, withheld (once, citing the rule that withheld it), and
/// each deduction (once). Every entry has a source key, so settling again posts nothing.
pub fn settle_month(
    m: &MonthSettlement,
    policies: &[(InsurancePolicy, Vec<InsurancePolicyEvent>)],
    ledger: &[CommissionEntry],
) -> Vec<CommissionEntry> {
    let posted = Posted::fold(ledger);
    let mut out = Vec::new();
    for (p, events) in policies {
        let state = replay(events, m.commission.round_attempts, Some(m.cut_at)).state;
        let receipt = receipt_status(p.effective_on, p.receipt_returned_on, m.cut_day);
        let before = posted.get(&p.id).copied().unwrap_or_default();
        for (kind, amount_fen, rule_id, explanation, suffix) in
            settle_insurance_policy(p, state, receipt, before, &m.commission)
        {
            out.push(CommissionEntry {
                company_id: m.company_id,
                id: Uuid::now_v7(),
                person_id: p.agent_id,
                policy_id: p.id,
                month: m.month,
                kind,
                amount_fen,
                rule_id,
                explanation,
                source_key: format!("{}:{suffix}", p.id),
                created_at: m.now,
            });
        }
    }
    out
}

type Line = (CommissionEntryKind, i64, RuleId, String, String);

/// One policy's new entries: (kind, signed amount, rule, explanation, source key suffix).
fn settle_insurance_policy(
    p: &InsurancePolicy,
    state: HoldState,
    receipt: ReceiptStatus,
    posted: Posted,
    cp: &CommissionPolicy,
) -> Vec<Line> {
    use CommissionEntryKind::*;
    let a = p.commission_fen;
    let n = &p.number;
    let mut out: Vec<Line> = Vec::new();
    if !posted.earned {
        let why = format!("commission earned on policy {n}");
        out.push((Earned, a, RuleId::Com1, why, "earned".to_owned()));
    }
    match (payment(state, receipt), state) {
        (Payment::Held, _) if posted.held_balance == 0 && !posted.withheld => {
            let why = if !state.callback_condition_met() {
                format!("callback not yet passed ({})", state.name())
            } else {
                "policy receipt not returned by the cut-off".to_owned()
            };
            let why = format!("commission on policy {n} held: {why}");
            out.push((Held, -a, RuleId::Com2, why, format!("held:{}", posted.holds)));
        }
        (Payment::Payable, _) if posted.held_balance > 0 => {
            let why = format!("held commission on policy {n} released: callback passed and receipt returned");
            let key = format!("released:{}", posted.releases);
            out.push((Released, posted.held_balance, RuleId::Com2, why, key));
        }
        (Payment::Withheld, HoldState::Withheld(cause)) if !posted.withheld => {
            if posted.held_balance > 0 {
                let why = format!("hold on policy {n} closed");
                let key = format!("released:{}", posted.releases);
                out.push((Released, posted.held_balance, cause.rule(), why, key));
            }
            let why = format!("commission on policy {n} withheld: {}", cause.explanation());
            out.push((Withheld, -a, cause.rule(), why, "withheld".to_owned()));
        }
        _ => {}
    }
    for d in deductions(state, receipt, cp) {
        let done = match d.rule_id {
            RuleId::Com3_5 => posted.number_changed_deducted,
            _ => posted.receipt_late_deducted,
        };
        if !done {
            let why = format!("{} yuan deducted on policy {n}: {}", d.amount_fen / 100, d.reason);
            out.push((
                Deducted,
                -d.amount_fen,
                d.rule_id,
                why,
                format!("deducted:{}", d.rule_id),
            ));
        }
    }
    out
}

#[cfg(test)]
#[path = "settlement_tests.rs"]
mod tests;
