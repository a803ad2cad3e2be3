use super::*;
use crate::commission::events::{CallRecord, CallRound, PolicyStep};
use crate::commission::hold::{Attempt, CallCategory, WithholdCause};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

const WITHHELD: HoldState = HoldState::Withheld(WithholdCause::ManualCallbackFailed);

#[test]
fn com_2_both_conditions_are_needed() {
    assert_eq!(payment(HoldState::Passed, ReceiptStatus::Missing), Payment::Held);
    assert_eq!(payment(HoldState::initial(), ReceiptStatus::Returned), Payment::Held);
    assert_eq!(
        payment(HoldState::ManualCallback, ReceiptStatus::Returned),
        Payment::Held
    );
    assert_eq!(payment(HoldState::QualityHold, ReceiptStatus::Returned), Payment::Held);
    assert_eq!(
        payment(HoldState::Passed, ReceiptStatus::ReturnedLate),
        Payment::Payable
    );
    assert_eq!(
        payment(HoldState::PassedNumberChanged, ReceiptStatus::Returned),
        Payment::Payable
    );
    assert_eq!(payment(WITHHELD, ReceiptStatus::Returned), Payment::Withheld);
}

#[test]
fn com_7_receipt_rule() {
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
}

#[test]
fn com_3_5_and_com_7_deductions_state_their_rule_amount_and_reason() {
    let cp = CommissionPolicy::default();
    let changed = deductions(HoldState::PassedNumberChanged, ReceiptStatus::Returned, &cp);
    assert_eq!(
        changed.iter().map(|x| (x.rule_id, x.amount_fen)).collect::<Vec<_>>(),
        vec![(RuleId::Com3_5, 4000)]
    );
    assert!(!changed[0].reason.is_empty());
    let late = deductions(HoldState::Passed, ReceiptStatus::ReturnedLate, &cp);
    assert_eq!(
        late.iter().map(|x| (x.rule_id, x.amount_fen)).collect::<Vec<_>>(),
        vec![(RuleId::Com7, 2000)]
    );
    assert!(deductions(WITHHELD, ReceiptStatus::ReturnedLate, &cp).is_empty());
}

#[test]
fn com_8_the_cut_off_is_the_day_the_version_in_force_names() {
    let oct = Month::new(2026, 10).unwrap_or_else(|| Month::of(d(2026, 10, 1)));
    assert_eq!(cutoff_day(oct, |_| 20), d(2026, 10, 20));
    assert_eq!(cutoff_day(oct, |_| 31), d(2026, 10, 28), "at most the 28th");
    assert_eq!(cutoff_day(oct, |_| 0), d(2026, 10, 1));
    // A version from the 16th moves the cut-off to the 10th: it has come on the 16th.
    assert_eq!(
        cutoff_day(oct, |day| if day < d(2026, 10, 16) { 20 } else { 10 }),
        d(2026, 10, 16)
    );
    // A version from the 25th does not change October's cut-off on the 20th.
    assert_eq!(
        cutoff_day(oct, |day| if day < d(2026, 10, 25) { 20 } else { 5 }),
        d(2026, 10, 20)
    );
}

fn policy(n: u128, effective: NaiveDate, receipt: Option<NaiveDate>) -> InsurancePolicy {
    InsurancePolicy {
        company_id: CompanyId(Uuid::nil()),
        id: Uuid::from_u128(n),
        number: format!("P{n}"),
        agent_id: UserId(Uuid::from_u128(1)),
        client_id: Uuid::from_u128(2),
        product: "Term".into(),
        premium_fen: 1_000_000,
        commission_fen: 100_000,
        printed_on: d(2026, 10, 5),
        effective_on: effective,
        receipt_returned_on: receipt,
        created_at: utc("2026-10-05T00:00:00Z"),
    }
}

fn step(step: PolicyStep, at: &str) -> InsurancePolicyEvent {
    InsurancePolicyEvent {
        step,
        actor_id: UserId(Uuid::nil()),
        at: utc(at),
    }
}

fn call(category: CallCategory, number_changed: bool, round: CallRound, at: &str) -> InsurancePolicyEvent {
    let attempt = Attempt {
        category,
        forged_signature: false,
        misleading: false,
        number_changed,
        at: utc(at),
    };
    step(
        PolicyStep::Callback(CallRecord {
            attempt,
            reason: None,
            notes: None,
            round,
        }),
        at,
    )
}

/// Three failed first-round calls, the contact, three failed second-round calls, then `last`.
fn to_manual(last: InsurancePolicyEvent) -> Vec<InsurancePolicyEvent> {
    let f = CallCategory::TemporarilyUnsuccessful;
    let mut v: Vec<InsurancePolicyEvent> = ["2026-10-15T02:00:00Z", "2026-10-15T08:00:00Z", "2026-10-16T02:00:00Z"]
        .iter()
        .map(|at| call(f, false, CallRound::FirstRound, at))
        .collect();
    v.push(step(
        PolicyStep::ContactConfirmed { phone_updated: false },
        "2026-10-16T03:00:00Z",
    ));
    for at in ["2026-10-16T04:00:00Z", "2026-10-16T10:00:00Z", "2026-10-17T02:00:00Z"] {
        v.push(call(f, false, CallRound::SecondRound, at));
    }
    v.push(last);
    v
}

fn october(commission: CommissionPolicy) -> MonthSettlement {
    MonthSettlement {
        company_id: CompanyId(Uuid::nil()),
        month: Month::of(d(2026, 10, 1)),
        cut_at: utc("2026-10-19T16:00:00Z"),
        cut_day: d(2026, 10, 20),
        commission,
        now: utc("2026-10-21T01:00:00Z"),
    }
}

fn summary(entries: &[CommissionEntry]) -> Vec<(u128, &'static str, i64, RuleId)> {
    let mut v: Vec<_> = entries
        .iter()
        .map(|e| (e.policy_id.as_u128(), e.kind.as_str(), e.amount_fen, e.rule_id))
        .collect();
    v.sort_by_key(|x| (x.0, x.1));
    v
}

#[test]
fn com_8_the_settlement_posts_each_outcome_once() {
    let a = 100_000;
    let success = |r| call(CallCategory::Success, false, r, "2026-10-15T02:00:00Z");
    let policies = vec![
        (
            policy(1, d(2026, 10, 5), Some(d(2026, 10, 6))),
            vec![success(CallRound::FirstRound)],
        ),
        (policy(2, d(2026, 10, 5), None), vec![success(CallRound::FirstRound)]),
        (
            policy(3, d(2026, 10, 5), Some(d(2026, 10, 6))),
            to_manual(call(
                CallCategory::Success,
                true,
                CallRound::ManualCallback,
                "2026-10-17T03:00:00Z",
            )),
        ),
        (
            policy(4, d(2026, 10, 5), Some(d(2026, 10, 6))),
            to_manual(call(
                CallCategory::Refusal,
                false,
                CallRound::ManualCallback,
                "2026-10-17T03:00:00Z",
            )),
        ),
        (
            policy(5, d(2026, 6, 1), Some(d(2026, 10, 6))),
            vec![success(CallRound::FirstRound)],
        ),
    ];
    let cp = CommissionPolicy {
        number_changed_fen: 4100,
        ..CommissionPolicy::default()
    };
    let m = october(cp);
    let first = settle_month(&m, &policies, &[]);
    assert_eq!(
        summary(&first),
        vec![
            (1, "earned", a, RuleId::Com1),
            (2, "earned", a, RuleId::Com1),
            (2, "held", -a, RuleId::Com2),
            (3, "deducted", -4100, RuleId::Com3_5),
            (3, "earned", a, RuleId::Com1),
            (4, "earned", a, RuleId::Com1),
            (4, "withheld", -a, RuleId::Com3_5),
            (5, "deducted", -2000, RuleId::Com7),
            (5, "earned", a, RuleId::Com1),
        ]
    );
    assert!(
        settle_month(&m, &policies, &first).is_empty(),
        "settling again posts nothing"
    );
    // November: policy 2's receipt came back, so the hold is released.
    let mut later = policies.clone();
    later[1].0.receipt_returned_on = Some(d(2026, 10, 25));
    let nov = MonthSettlement {
        month: Month::of(d(2026, 11, 1)),
        cut_at: utc("2026-11-19T16:00:00Z"),
        cut_day: d(2026, 11, 20),
        ..october(CommissionPolicy::default())
    };
    assert_eq!(
        summary(&settle_month(&nov, &later, &first)),
        vec![(2, "released", a, RuleId::Com2)]
    );
}

#[test]
fn com_8_a_quality_office_withhold_is_posted_under_com_3_6() {
    let forged = Attempt {
        category: CallCategory::Success,
        forged_signature: true,
        misleading: false,
        number_changed: false,
        at: utc("2026-10-15T02:00:00Z"),
    };
    let mut events = vec![step(
        PolicyStep::Callback(CallRecord {
            attempt: forged,
            reason: None,
            notes: None,
            round: CallRound::FirstRound,
        }),
        "2026-10-15T02:00:00Z",
    )];
    let p = policy(7, d(2026, 10, 5), Some(d(2026, 10, 6)));
    let oct = settle_month(
        &october(CommissionPolicy::default()),
        &[(p.clone(), events.clone())],
        &[],
    );
    assert_eq!(
        summary(&oct),
        vec![
            (7, "earned", 100_000, RuleId::Com1),
            (7, "held", -100_000, RuleId::Com2)
        ]
    );
    events.push(step(
        PolicyStep::QualityResolved {
            release: false,
            reason: "forged".into(),
        },
        "2026-10-25T02:00:00Z",
    ));
    let nov = MonthSettlement {
        month: Month::of(d(2026, 11, 1)),
        cut_at: utc("2026-11-19T16:00:00Z"),
        cut_day: d(2026, 11, 20),
        ..october(CommissionPolicy::default())
    };
    let withheld = settle_month(&nov, &[(p, events)], &oct);
    assert_eq!(
        summary(&withheld),
        vec![
            (7, "released", 100_000, RuleId::Com3_6),
            (7, "withheld", -100_000, RuleId::Com3_6)
        ]
    );
    assert!(withheld
        .iter()
        .all(|e| e.explanation.contains("quality office") || e.kind == CommissionEntryKind::Released));
}
