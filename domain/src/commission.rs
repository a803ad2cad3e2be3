//! Section 7: new-policy callbacks, receipts and commission holds (COM-1..COM-8), as a state
//! machine whose transitions consume the state and return the next one or an error.

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub const COM_DEDUCT_NUMBER_CHANGED: &str = "COM-3.5";
pub const COM_DEDUCT_RECEIPT_LATE: &str = "COM-7";

/// COM-4: call outcome categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallCategory {
    Success,
    /// No answer, not present, hung up early, refused to answer, busy, inconvenient, powered off.
    TemporarilyUnsuccessful,
    /// No contact given, vacant or wrong number, the agent's or an outlet's phone, recording,
    /// fax, suspended.
    NumberProblem,
    /// Policyholder or family refused.
    Refusal,
    /// Cannot be called, surrendered, special policy.
    Special,
    Other,
}

/// One callback attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    pub category: CallCategory,
    /// COM-3.6: found on a successful call.
    pub forged_signature: bool,
    pub misleading: bool,
    /// COM-3.5: on a successful manual callback, the number on file had changed.
    pub number_changed: bool,
    pub at: DateTime<Utc>,
}

/// The hold state of one policy's commission (COM-2..COM-6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum HoldState {
    /// COM-3.1: first round (opens 10 days after printing, or at once when requested early).
    FirstRound {
        unsuccessful: u32,
        last_unsuccessful_at: Option<DateTime<Utc>>,
    },
    /// COM-3.3: first round failed; the agent confirms or updates the client's contact.
    AwaitingContact { round_ended_at: DateTime<Utc> },
    SecondRound {
        unsuccessful: u32,
        last_unsuccessful_at: Option<DateTime<Utc>>,
    },
    /// COM-3.4: second round failed; commission held, manual callback scheduled.
    ManualCallback,
    /// COM-3.2 / COM-3.5 / COM-6: the callback condition is met.
    Passed,
    /// COM-3.5: manual success but the number had changed: 40 yuan deducted, the rest released.
    PassedNumberChanged,
    /// COM-3.5: manual callback failed: commission withheld.
    Withheld,
    /// COM-3.6: forged signature or misleading found: held pending the quality office.
    QualityHold,
}

/// Side effects a transition asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// COM-3.3: tell the agent the first round failed.
    NotifyAgentFirstRoundFailed,
    /// COM-3.6: raise a Q-SIGNATURE report.
    RaiseSignatureReport,
    /// COM-3.6: raise a Q-DISCLOSE report.
    RaiseDisclosureReport,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldError {
    /// The action does not apply in this state.
    NotApplicable { state: &'static str, action: &'static str },
}

impl std::fmt::Display for HoldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HoldError::NotApplicable { state, action } => write!(f, "cannot {action} while the callback is {state}"),
        }
    }
}

impl HoldState {
    pub fn initial() -> HoldState {
        HoldState::FirstRound {
            unsuccessful: 0,
            last_unsuccessful_at: None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            HoldState::FirstRound { .. } => "first_round",
            HoldState::AwaitingContact { .. } => "awaiting_contact",
            HoldState::SecondRound { .. } => "second_round",
            HoldState::ManualCallback => "manual_callback",
            HoldState::Passed => "passed",
            HoldState::PassedNumberChanged => "passed_number_changed",
            HoldState::Withheld => "withheld",
            HoldState::QualityHold => "quality_hold",
        }
    }

    fn refuse(self, action: &'static str) -> HoldError {
        HoldError::NotApplicable {
            state: self.name(),
            action,
        }
    }

    /// COM-3: record a call in the current round (or the manual callback).
    pub fn attempt(self, a: &Attempt, first_round_attempts: u32) -> Result<(HoldState, Vec<Effect>), HoldError> {
        let problems = |a: &Attempt| {
            let mut e = Vec::new();
            if a.forged_signature {
                e.push(Effect::RaiseSignatureReport);
            }
            if a.misleading {
                e.push(Effect::RaiseDisclosureReport);
            }
            e
        };
        let success = a.category == CallCategory::Success;
        match self {
            HoldState::FirstRound { unsuccessful, .. } | HoldState::SecondRound { unsuccessful, .. } => {
                let second = matches!(self, HoldState::SecondRound { .. });
                if success {
                    let e = problems(a);
                    // COM-3.2 / COM-3.6
                    return Ok((
                        if e.is_empty() {
                            HoldState::Passed
                        } else {
                            HoldState::QualityHold
                        },
                        e,
                    ));
                }
                let n = unsuccessful + 1;
                if n < first_round_attempts {
                    let next = if second {
                        HoldState::SecondRound {
                            unsuccessful: n,
                            last_unsuccessful_at: Some(a.at),
                        }
                    } else {
                        HoldState::FirstRound {
                            unsuccessful: n,
                            last_unsuccessful_at: Some(a.at),
                        }
                    };
                    Ok((next, vec![]))
                } else if second {
                    // COM-3.4
                    Ok((HoldState::ManualCallback, vec![]))
                } else {
                    // COM-3.3
                    Ok((
                        HoldState::AwaitingContact { round_ended_at: a.at },
                        vec![Effect::NotifyAgentFirstRoundFailed],
                    ))
                }
            }
            HoldState::ManualCallback => {
                if !success {
                    return Ok((HoldState::Withheld, vec![])); // COM-3.5: manual failure
                }
                let e = problems(a);
                if !e.is_empty() {
                    return Ok((HoldState::QualityHold, e)); // COM-3.6
                }
                Ok((
                    if a.number_changed {
                        HoldState::PassedNumberChanged
                    } else {
                        HoldState::Passed
                    },
                    vec![],
                ))
            }
            other => Err(other.refuse("record a callback")),
        }
    }

    /// COM-3.3: the agent confirmed or updated the contact details: the second round opens.
    pub fn confirm_contact(self) -> Result<HoldState, HoldError> {
        match self {
            HoldState::AwaitingContact { .. } => Ok(HoldState::SecondRound {
                unsuccessful: 0,
                last_unsuccessful_at: None,
            }),
            other => Err(other.refuse("confirm the contact details")),
        }
    }

    /// COM-6: the policyholder's signed confirmation plus a special-callback request satisfy
    /// the callback condition.
    pub fn exempt(self) -> Result<HoldState, HoldError> {
        match self {
            HoldState::FirstRound { .. }
            | HoldState::AwaitingContact { .. }
            | HoldState::SecondRound { .. }
            | HoldState::ManualCallback => Ok(HoldState::Passed),
            other => Err(other.refuse("exempt")),
        }
    }

    /// COM-3.6: the quality office resolves a quality hold.
    pub fn resolve_quality(self, release: bool) -> Result<HoldState, HoldError> {
        match self {
            HoldState::QualityHold => Ok(if release {
                HoldState::Passed
            } else {
                HoldState::Withheld
            }),
            other => Err(other.refuse("resolve a quality hold")),
        }
    }

    /// COM-2: the callback half of the payment condition.
    pub fn callback_condition_met(self) -> bool {
        matches!(self, HoldState::Passed | HoldState::PassedNumberChanged)
    }

    pub fn unsuccessful_streak(self) -> Option<(u32, Option<DateTime<Utc>>)> {
        match self {
            HoldState::FirstRound {
                unsuccessful,
                last_unsuccessful_at,
            }
            | HoldState::SecondRound {
                unsuccessful,
                last_unsuccessful_at,
            } => Some((unsuccessful, last_unsuccessful_at)),
            _ => None,
        }
    }
}

/// COM-7: the receipt condition at a settlement cut-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptStatus {
    /// Returned by the cut-off.
    Returned,
    /// Returned, but more than three calendar months after the effective date: 20 yuan deducted.
    ReturnedLate,
    /// Not returned by the cut-off: held.
    Missing,
}

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

/// COM-2/COM-8: what a settlement owes for one policy at a cut-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Payment {
    /// Both conditions met: paid (released if it had been held).
    Payable,
    /// A condition is still open: held (缓发).
    Held,
    /// Manual callback failed (or the quality office withheld it): not paid at all (扣发).
    Withheld,
}

pub fn payment(state: HoldState, receipt: ReceiptStatus) -> Payment {
    if state == HoldState::Withheld {
        Payment::Withheld
    } else if state.callback_condition_met() && receipt != ReceiptStatus::Missing {
        Payment::Payable
    } else {
        Payment::Held
    }
}

/// COM-8: the deductions due (rule, fen).
pub fn deductions(
    state: HoldState,
    receipt: ReceiptStatus,
    number_changed_fen: i64,
    receipt_late_fen: i64,
) -> Vec<(&'static str, i64)> {
    let mut out = Vec::new();
    if state == HoldState::PassedNumberChanged {
        out.push((COM_DEDUCT_NUMBER_CHANGED, number_changed_fen));
    }
    if receipt == ReceiptStatus::ReturnedLate {
        out.push((COM_DEDUCT_RECEIPT_LATE, receipt_late_fen));
    }
    out
}

/// COM-8: the settlement cut-off day of a month (the 20th by default): events before it
/// count for that month.
pub fn cutoff_day(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, day.min(28))
}

pub fn previous_month(year: i32, month: u32) -> (i32, u32) {
    if month == 1 {
        (year - 1, 12)
    } else {
        (year, month - 1)
    }
}

/// "2026-11" of a date.
pub fn month_label(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).single().unwrap_or_default() + chrono::Duration::hours(h)
    }

    fn call(category: CallCategory, h: i64) -> Attempt {
        Attempt {
            category,
            forged_signature: false,
            misleading: false,
            number_changed: false,
            at: at(h),
        }
    }

    fn fail_round(mut s: HoldState, from: i64) -> (HoldState, Vec<Effect>) {
        let mut effects = vec![];
        for i in 0..3 {
            let (n, e) = s
                .attempt(&call(CallCategory::TemporarilyUnsuccessful, from + i * 7), 3)
                .unwrap_or((s, vec![]));
            s = n;
            effects = e;
        }
        (s, effects)
    }

    #[test]
    fn com_3_2_first_round_success() {
        let (s, e) = HoldState::initial()
            .attempt(&call(CallCategory::Success, 1), 3)
            .unwrap_or((HoldState::Withheld, vec![]));
        assert_eq!(s, HoldState::Passed);
        assert!(e.is_empty());
        assert_eq!(payment(s, ReceiptStatus::Returned), Payment::Payable);
    }

    #[test]
    fn com_3_3_first_round_failure_notifies_and_second_round_success_passes() {
        let (s, e) = fail_round(HoldState::initial(), 1);
        assert!(matches!(s, HoldState::AwaitingContact { .. }));
        assert_eq!(e, vec![Effect::NotifyAgentFirstRoundFailed]);
        assert!(
            s.attempt(&call(CallCategory::Success, 30), 3).is_err(),
            "no calls until the contact is confirmed"
        );
        let s = s.confirm_contact().unwrap_or(HoldState::Withheld);
        assert_eq!(
            s,
            HoldState::SecondRound {
                unsuccessful: 0,
                last_unsuccessful_at: None
            }
        );
        let (s, _) = s
            .attempt(&call(CallCategory::Success, 40), 3)
            .unwrap_or((HoldState::Withheld, vec![]));
        assert_eq!(s, HoldState::Passed);
    }

    #[test]
    fn com_3_4_second_round_failure_holds_and_schedules_manual() {
        let (s, _) = fail_round(HoldState::initial(), 1);
        let (s, _) = fail_round(s.confirm_contact().unwrap_or(HoldState::Withheld), 30);
        assert_eq!(s, HoldState::ManualCallback);
        assert_eq!(payment(s, ReceiptStatus::Returned), Payment::Held);
    }

    #[test]
    fn com_3_5_manual_success_releases_number_change_deducts_failure_withholds() {
        let manual = HoldState::ManualCallback;
        let (s, _) = manual
            .attempt(&call(CallCategory::Success, 50), 3)
            .unwrap_or((HoldState::Withheld, vec![]));
        assert_eq!(s, HoldState::Passed);
        let changed = Attempt {
            number_changed: true,
            ..call(CallCategory::Success, 50)
        };
        let (s, _) = manual.attempt(&changed, 3).unwrap_or((HoldState::Withheld, vec![]));
        assert_eq!(s, HoldState::PassedNumberChanged);
        assert_eq!(payment(s, ReceiptStatus::Returned), Payment::Payable);
        assert_eq!(
            deductions(s, ReceiptStatus::Returned, 4000, 2000),
            vec![(COM_DEDUCT_NUMBER_CHANGED, 4000)]
        );
        let (s, _) = manual
            .attempt(&call(CallCategory::NumberProblem, 50), 3)
            .unwrap_or((HoldState::Passed, vec![]));
        assert_eq!(s, HoldState::Withheld);
        assert_eq!(payment(s, ReceiptStatus::Returned), Payment::Withheld);
    }

    #[test]
    fn com_3_6_forged_signature_or_misleading_holds_and_raises_reports() {
        let forged = Attempt {
            forged_signature: true,
            ..call(CallCategory::Success, 1)
        };
        let (s, e) = HoldState::initial()
            .attempt(&forged, 3)
            .unwrap_or((HoldState::Passed, vec![]));
        assert_eq!((s, e), (HoldState::QualityHold, vec![Effect::RaiseSignatureReport]));
        let both = Attempt {
            misleading: true,
            ..forged
        };
        let (_, e) = HoldState::initial()
            .attempt(&both, 3)
            .unwrap_or((HoldState::Passed, vec![]));
        assert_eq!(e, vec![Effect::RaiseSignatureReport, Effect::RaiseDisclosureReport]);
        assert_eq!(payment(HoldState::QualityHold, ReceiptStatus::Returned), Payment::Held);
        assert_eq!(HoldState::QualityHold.resolve_quality(true), Ok(HoldState::Passed));
        assert_eq!(HoldState::QualityHold.resolve_quality(false), Ok(HoldState::Withheld));
        assert!(HoldState::Passed.resolve_quality(true).is_err());
    }

    #[test]
    fn com_5_number_problems_count_as_unsuccessful() {
        let (s, _) = HoldState::initial()
            .attempt(&call(CallCategory::NumberProblem, 1), 3)
            .unwrap_or((HoldState::Withheld, vec![]));
        assert_eq!(
            s,
            HoldState::FirstRound {
                unsuccessful: 1,
                last_unsuccessful_at: Some(at(1))
            }
        );
    }

    #[test]
    fn com_6_exemption_satisfies_the_callback_condition() {
        assert_eq!(HoldState::initial().exempt(), Ok(HoldState::Passed));
        assert_eq!(HoldState::ManualCallback.exempt(), Ok(HoldState::Passed));
        assert!(HoldState::Withheld.exempt().is_err());
        assert!(HoldState::Passed.attempt(&call(CallCategory::Success, 1), 3).is_err());
    }

    #[test]
    fn com_7_receipt_rule() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap_or_default();
        let eff = d(2026, 7, 10);
        assert_eq!(
            receipt_status(eff, Some(d(2026, 10, 10)), d(2026, 11, 20)),
            ReceiptStatus::Returned
        );
        assert_eq!(
            receipt_status(eff, Some(d(2026, 10, 11)), d(2026, 11, 20)),
            ReceiptStatus::ReturnedLate
        );
        assert_eq!(receipt_status(eff, None, d(2026, 11, 20)), ReceiptStatus::Missing);
        assert_eq!(
            receipt_status(eff, Some(d(2026, 11, 20)), d(2026, 11, 20)),
            ReceiptStatus::Missing,
            "on the cut-off day counts next month"
        );
        assert_eq!(
            deductions(HoldState::Passed, ReceiptStatus::ReturnedLate, 4000, 2000),
            vec![(COM_DEDUCT_RECEIPT_LATE, 2000)]
        );
    }

    #[test]
    fn com_2_both_conditions_are_needed() {
        assert_eq!(payment(HoldState::Passed, ReceiptStatus::Missing), Payment::Held);
        assert_eq!(payment(HoldState::initial(), ReceiptStatus::Returned), Payment::Held);
        assert_eq!(
            payment(HoldState::Passed, ReceiptStatus::ReturnedLate),
            Payment::Payable
        );
    }
}

/// COM-1: a policy record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InsurancePolicy {
    pub company_id: crate::ids::CompanyId,
    pub id: uuid::Uuid,
    pub number: String,
    pub agent_id: crate::ids::UserId,
    pub client_id: uuid::Uuid,
    pub product: String,
    pub premium_fen: i64,
    pub commission_fen: i64,
    pub printed_on: NaiveDate,
    pub effective_on: NaiveDate,
    pub receipt_returned_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

/// One recorded step of a policy's callback history (append-only).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyEvent {
    /// callback, contact_confirmed, exempted, early_requested, quality_resolved, receipt_recorded.
    pub kind: String,
    pub payload: serde_json::Value,
    pub actor_id: crate::ids::UserId,
    pub at: DateTime<Utc>,
}

/// The state after replaying `events` (those up to `until`, if given) through the machine.
/// Events that the machine refuses are skipped (they were refused when recorded, too).
pub fn replay(
    events: &[PolicyEvent],
    round_attempts: u32,
    until: Option<DateTime<Utc>>,
) -> (HoldState, Option<DateTime<Utc>>) {
    let mut s = HoldState::initial();
    let mut early: Option<DateTime<Utc>> = None;
    for e in events.iter().filter(|e| until.is_none_or(|u| e.at < u)) {
        s = match e.kind.as_str() {
            "callback" => {
                // COM-3.3: without an answer from the agent the second round runs anyway once
                // the contact window has passed; a call recorded then opens it.
                let from = if matches!(s, HoldState::AwaitingContact { .. }) {
                    s.confirm_contact().unwrap_or(s)
                } else {
                    s
                };
                serde_json::from_value::<Attempt>(e.payload.clone())
                    .ok()
                    .and_then(|a| from.attempt(&a, round_attempts).ok())
                    .map(|(n, _)| n)
                    .unwrap_or(s)
            }
            "contact_confirmed" => s.confirm_contact().unwrap_or(s),
            "exempted" => s.exempt().unwrap_or(s),
            "quality_resolved" => s
                .resolve_quality(e.payload["release"].as_bool().unwrap_or(false))
                .unwrap_or(s),
            "early_requested" => {
                early = early.or(Some(e.at));
                s
            }
            _ => s,
        };
    }
    (s, early)
}

/// One line of the commission ledger (COM-8), append-only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommissionEntry {
    pub company_id: crate::ids::CompanyId,
    pub id: uuid::Uuid,
    pub person_id: crate::ids::UserId,
    pub policy_id: uuid::Uuid,
    /// The settlement month, "2026-11".
    pub month: String,
    /// earned, held, released, deducted, withheld.
    pub kind: String,
    /// Signed: what it adds to (or takes from) the month's net payable.
    pub amount_fen: i64,
    pub rule_id: String,
    pub explanation: String,
    pub source_key: String,
    pub created_at: DateTime<Utc>,
}

/// What has been posted for one policy so far.
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

/// COM-8: the entries a settlement posts for one policy, given what was posted before.
/// Returns (kind, signed amount, rule, explanation, source key suffix).
pub fn settle_policy(
    p: &InsurancePolicy,
    state: HoldState,
    receipt: ReceiptStatus,
    posted: Posted,
    policy: &crate::policy::CommissionPolicy,
) -> Vec<(&'static str, i64, &'static str, String, String)> {
    let a = p.commission_fen;
    let n = &p.number;
    let mut out = Vec::new();
    if !posted.earned {
        out.push((
            "earned",
            a,
            "COM-1",
            format!("commission earned on policy {n}"),
            "earned".to_owned(),
        ));
    }
    match payment(state, receipt) {
        Payment::Held => {
            if posted.held_balance == 0 && !posted.withheld {
                let why = if !state.callback_condition_met() {
                    format!("callback not yet passed ({})", state.name())
                } else {
                    "policy receipt not returned by the cut-off".to_owned()
                };
                out.push((
                    "held",
                    -a,
                    "COM-2",
                    format!("commission on policy {n} held: {why}"),
                    format!("held:{}", posted.holds),
                ));
            }
        }
        Payment::Payable => {
            if posted.held_balance > 0 {
                out.push((
                    "released",
                    posted.held_balance,
                    "COM-2",
                    format!("held commission on policy {n} released: callback passed and receipt returned"),
                    format!("released:{}", posted.releases),
                ));
            }
        }
        Payment::Withheld => {
            if !posted.withheld {
                if posted.held_balance > 0 {
                    out.push((
                        "released",
                        posted.held_balance,
                        "COM-3.5",
                        format!("hold on policy {n} closed"),
                        format!("released:{}", posted.releases),
                    ));
                }
                out.push((
                    "withheld",
                    -a,
                    "COM-3.5",
                    format!("commission on policy {n} withheld: the manual callback failed"),
                    "withheld".to_owned(),
                ));
            }
        }
    }
    for (rule, fen) in deductions(state, receipt, policy.number_changed_fen, policy.receipt_late_fen) {
        let done = match rule {
            COM_DEDUCT_NUMBER_CHANGED => posted.number_changed_deducted,
            _ => posted.receipt_late_deducted,
        };
        if !done && payment(state, receipt) != Payment::Withheld {
            let why = if rule == COM_DEDUCT_NUMBER_CHANGED {
                "the manual callback found the client's number had changed"
            } else {
                "the receipt came back more than three months after the effective date"
            };
            out.push((
                "deducted",
                -fen,
                rule,
                format!("{} yuan deducted on policy {n}: {why}", fen / 100),
                format!("deducted:{rule}"),
            ));
        }
    }
    out
}
