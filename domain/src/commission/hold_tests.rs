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

fn fail_round(mut s: HoldState, from: i64) -> Transition {
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

const WITHHELD: HoldState = HoldState::Withheld(WithholdCause::ManualCallbackFailed);

#[test]
fn com_3_the_flow_runs_round_one_contact_round_two_then_the_manual_callback() {
    let (s, _) = fail_round(HoldState::initial(), 1);
    let (s, _) = fail_round(s.for_call(), 30);
    assert_eq!(s, HoldState::ManualCallback, "a call after the window opens round two");
    assert!(HoldState::Passed.attempt(&call(CallCategory::Success, 1), 3).is_err());
    assert!(WITHHELD.attempt(&call(CallCategory::Success, 1), 3).is_err());
    assert_eq!(HoldState::Passed.for_call(), HoldState::Passed);
}

#[test]
fn com_3_2_first_round_success() {
    let (s, e) = HoldState::initial()
        .attempt(&call(CallCategory::Success, 1), 3)
        .unwrap_or((WITHHELD, vec![]));
    assert_eq!(s, HoldState::Passed);
    assert!(e.is_empty());
    assert!(s.callback_condition_met());
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
    let s = s.confirm_contact().unwrap_or(WITHHELD);
    assert_eq!(
        s,
        HoldState::SecondRound {
            unsuccessful: 0,
            last_unsuccessful_at: None
        }
    );
    let (s, _) = s
        .attempt(&call(CallCategory::Success, 40), 3)
        .unwrap_or((WITHHELD, vec![]));
    assert_eq!(s, HoldState::Passed);
    assert!(HoldState::Passed.confirm_contact().is_err());
}

#[test]
fn com_3_4_second_round_failure_holds_and_schedules_manual() {
    let (s, _) = fail_round(HoldState::initial(), 1);
    let (s, e) = fail_round(s.confirm_contact().unwrap_or(WITHHELD), 30);
    assert_eq!((s, e), (HoldState::ManualCallback, vec![]));
    assert!(!s.callback_condition_met());
}

#[test]
fn com_3_5_manual_success_releases_number_change_deducts_failure_withholds() {
    let manual = HoldState::ManualCallback;
    let (s, _) = manual
        .attempt(&call(CallCategory::Success, 50), 3)
        .unwrap_or((WITHHELD, vec![]));
    assert_eq!(s, HoldState::Passed);
    let changed = Attempt {
        number_changed: true,
        ..call(CallCategory::Success, 50)
    };
    let (s, _) = manual.attempt(&changed, 3).unwrap_or((WITHHELD, vec![]));
    assert_eq!(s, HoldState::PassedNumberChanged);
    assert!(s.callback_condition_met());
    let (s, _) = manual
        .attempt(&call(CallCategory::NumberProblem, 50), 3)
        .unwrap_or((HoldState::Passed, vec![]));
    assert_eq!(s, WITHHELD);
    assert_eq!(WithholdCause::ManualCallbackFailed.rule(), RuleId::Com3_5);
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
    assert_eq!(
        (s, e),
        (HoldState::QualityHold, vec![Effect::Raise(ReportCode::Signature)])
    );
    let both = Attempt {
        misleading: true,
        ..forged
    };
    let (_, e) = HoldState::initial()
        .attempt(&both, 3)
        .unwrap_or((HoldState::Passed, vec![]));
    assert_eq!(
        e,
        vec![
            Effect::Raise(ReportCode::Signature),
            Effect::Raise(ReportCode::Disclosure)
        ]
    );
    let (s, _) = HoldState::ManualCallback
        .attempt(&both, 3)
        .unwrap_or((HoldState::Passed, vec![]));
    assert_eq!(s, HoldState::QualityHold);
    assert_eq!(HoldState::QualityHold.resolve_quality(true), Ok(HoldState::Passed));
    assert!(HoldState::Passed.resolve_quality(true).is_err());
}

#[test]
fn com_3_6_a_quality_withhold_cites_com_3_6_not_com_3_5() {
    let s = HoldState::QualityHold.resolve_quality(false);
    assert_eq!(s, Ok(HoldState::Withheld(WithholdCause::QualityOffice)));
    assert_eq!(WithholdCause::QualityOffice.rule(), RuleId::Com3_6);
    assert_eq!(s.map(HoldState::name), Ok("withheld"));
}

#[test]
fn com_4_every_category_but_success_is_an_unsuccessful_call() {
    use CallCategory::*;
    for c in [TemporarilyUnsuccessful, NumberProblem, Refusal, Special, Other] {
        assert!(!c.is_success());
        let (s, _) = HoldState::initial()
            .attempt(&call(c, 1), 3)
            .unwrap_or((WITHHELD, vec![]));
        assert_eq!(
            s,
            HoldState::FirstRound {
                unsuccessful: 1,
                last_unsuccessful_at: Some(at(1))
            }
        );
    }
    assert!(Success.is_success());
}

#[test]
fn com_6_exemption_satisfies_the_callback_condition() {
    assert_eq!(HoldState::initial().exempt(), Ok(HoldState::Passed));
    assert_eq!(HoldState::ManualCallback.exempt(), Ok(HoldState::Passed));
    assert!(WITHHELD.exempt().is_err());
    assert!(HoldState::Passed.exempt().is_err());
    assert!(HoldState::initial().request_early().is_ok());
    assert!(HoldState::ManualCallback.request_early().is_err());
}
