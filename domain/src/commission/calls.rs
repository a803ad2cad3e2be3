//! When a call may be placed (the rounds' window, spacing and calling hours) and what the
//! client's number says about it.

use super::events::Timeline;
use super::hold::{CallCategory, HoldState};
use crate::policy::CommissionPolicy;
use crate::time::local_instant;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;

/// Why a call may not be placed now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallRefusal {
    /// The callback is not in a round (decided, held for quality, …).
    NoRound { state: &'static str },
    /// Outside the local calling hours [start, end).
    OutsideHours { start: u32, end: u32, zone: Tz },
    /// The round opens later.
    NotDue { from: DateTime<Utc> },
    /// Too soon after an unsuccessful call.
    RetryTooSoon { from: DateTime<Utc> },
}

/// One policy's call window at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallWindow {
    pub state: HoldState,
    /// When the next call may be placed, ignoring calling hours (absent outside a round).
    pub next_call_at: Option<DateTime<Utc>>,
    /// Whether `now` is within the branch's local calling hours.
    pub within_hours: bool,
}

/// COM-3.1: calls are placed in rounds. The first opens `first_round_after_days` after printing
/// (local midnight; at once when an early callback was requested), the second when the agent
/// confirms the contact or their window of `contact_update_days` after the first round passes,
/// the manual callback when it is scheduled; unsuccessful calls are at least `retry_hours`
/// apart, and calls are placed only between `calling_hours_start` and `calling_hours_end`
/// (09:00–21:00 by default) in the branch's zone.
pub fn call_window(
    t: &Timeline,
    printed_on: NaiveDate,
    now: DateTime<Utc>,
    zone: Tz,
    cp: &CommissionPolicy,
) -> CallWindow {
    let opens = match t.state {
        HoldState::FirstRound { .. } => {
            let regular = local_instant(
                printed_on + Duration::days(i64::from(cp.first_round_after_days)),
                NaiveTime::MIN,
                zone,
            );
            Some(t.early.map_or(regular, |e| e.min(regular)))
        }
        HoldState::AwaitingContact { round_ended_at } => {
            Some(round_ended_at + Duration::days(i64::from(cp.contact_update_days)))
        }
        HoldState::SecondRound { .. } => t.second_round_opened_at,
        HoldState::ManualCallback => t.last_step_at,
        _ => None,
    };
    let spaced = t
        .state
        .unsuccessful_streak()
        .and_then(|(_, last)| last)
        .map(|last| last + Duration::hours(i64::from(cp.retry_hours)));
    let hour = now.with_timezone(&zone).hour();
    CallWindow {
        state: t.state,
        next_call_at: opens.map(|o| spaced.map_or(o, |s| s.max(o))),
        within_hours: hour >= cp.calling_hours_start && hour < cp.calling_hours_end,
    }
}

impl CallWindow {
    /// Whether a call may be placed at `now`: the instant it has been due since, or why not
    /// (no round first, then the hours, then the round's opening or the spacing).
    pub fn may_call(&self, now: DateTime<Utc>, cp: &CommissionPolicy, zone: Tz) -> Result<DateTime<Utc>, CallRefusal> {
        let Some(opens) = self.next_call_at else {
            return Err(CallRefusal::NoRound {
                state: self.state.name(),
            });
        };
        if !self.within_hours {
            return Err(CallRefusal::OutsideHours {
                start: cp.calling_hours_start,
                end: cp.calling_hours_end,
                zone,
            });
        }
        if now < opens {
            let retrying = self.state.unsuccessful_streak().is_some_and(|(n, _)| n > 0);
            return Err(if retrying {
                CallRefusal::RetryTooSoon { from: opens }
            } else {
                CallRefusal::NotDue { from: opens }
            });
        }
        Ok(opens)
    }
}

/// What the client's number said about a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumberCheck {
    /// The category the call is recorded with.
    pub category: CallCategory,
    /// The number is a staff member's or an outlet's: the call raises Q-CONTACT.
    pub staff_number: bool,
}

/// COM-5: the client's phone must not be the agent's own, nor any staff member's or outlet's
/// number, as those numbers are now: such a number is a number problem on every call, whatever
/// the caller reported, and raises Q-CONTACT. `staff_and_outlet_phones` are the normalised
/// numbers of the company's users and outlets (at least those equal to the client's).
pub fn check_client_number(
    client_phone: Option<&str>,
    staff_and_outlet_phones: &[String],
    reported: CallCategory,
) -> NumberCheck {
    let staff_number = client_phone.is_some_and(|p| staff_and_outlet_phones.iter().any(|s| s == p));
    NumberCheck {
        category: if staff_number {
            CallCategory::NumberProblem
        } else {
            reported
        },
        staff_number,
    }
}

/// A call due now, for the callback center's queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackDue {
    pub policy: super::InsurancePolicy,
    pub state: HoldState,
    pub due_since: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commission::hold::WithholdCause;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn timeline(state: HoldState) -> Timeline {
        Timeline {
            state,
            early: None,
            second_round_opened_at: None,
            last_step_at: None,
        }
    }

    const SH: Tz = chrono_tz::Asia::Shanghai;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn com_3_1_rounds_open_ten_days_after_printing_between_nine_and_nine_six_hours_apart() {
        let cp = CommissionPolicy::default();
        let printed = d(2026, 10, 5);
        // 2026-10-15 00:00 Shanghai is 2026-10-14 16:00 UTC.
        let w = call_window(
            &timeline(HoldState::initial()),
            printed,
            utc("2026-10-14T02:00:00Z"),
            SH,
            &cp,
        );
        assert_eq!(w.next_call_at, Some(utc("2026-10-14T16:00:00Z")));
        assert_eq!(
            w.may_call(utc("2026-10-14T02:00:00Z"), &cp, SH),
            Err(CallRefusal::NotDue {
                from: utc("2026-10-14T16:00:00Z")
            })
        );
        // 10:00 local on the 15th: due; 21:05 and 08:59 local: outside the calling hours.
        let at = utc("2026-10-15T02:00:00Z");
        let w = call_window(&timeline(HoldState::initial()), printed, at, SH, &cp);
        assert_eq!(w.may_call(at, &cp, SH), Ok(utc("2026-10-14T16:00:00Z")));
        for late in ["2026-10-15T13:05:00Z", "2026-10-15T00:59:00Z"] {
            let w = call_window(&timeline(HoldState::initial()), printed, utc(late), SH, &cp);
            assert!(matches!(
                w.may_call(utc(late), &cp, SH),
                Err(CallRefusal::OutsideHours { start: 9, end: 21, .. })
            ));
        }
        // An unsuccessful call at 10:00 spaces the next one to 16:00.
        let after_one = timeline(HoldState::FirstRound {
            unsuccessful: 1,
            last_unsuccessful_at: Some(at),
        });
        let noon = utc("2026-10-15T04:00:00Z");
        assert_eq!(
            call_window(&after_one, printed, noon, SH, &cp).may_call(noon, &cp, SH),
            Err(CallRefusal::RetryTooSoon {
                from: utc("2026-10-15T08:00:00Z")
            })
        );
        // An early request opens the first round at once; the contact window ends the wait.
        let early = Timeline {
            early: Some(utc("2026-10-06T02:00:00Z")),
            ..timeline(HoldState::initial())
        };
        assert_eq!(
            call_window(&early, printed, at, SH, &cp).next_call_at,
            Some(utc("2026-10-06T02:00:00Z"))
        );
        let waiting = timeline(HoldState::AwaitingContact { round_ended_at: at });
        assert_eq!(
            call_window(&waiting, printed, at, SH, &cp).next_call_at,
            Some(utc("2026-10-25T02:00:00Z"))
        );
        let done = call_window(&timeline(HoldState::Passed), printed, at, SH, &cp);
        assert_eq!(
            done.may_call(at, &cp, SH),
            Err(CallRefusal::NoRound { state: "passed" })
        );
        let withheld = timeline(HoldState::Withheld(WithholdCause::ManualCallbackFailed));
        assert_eq!(call_window(&withheld, printed, at, SH, &cp).next_call_at, None);
    }

    #[test]
    fn com_5_a_staff_or_outlet_number_is_a_number_problem_whatever_was_reported() {
        let staff = vec!["13800138000".to_owned()];
        assert_eq!(
            check_client_number(Some("13800138000"), &staff, CallCategory::Success),
            NumberCheck {
                category: CallCategory::NumberProblem,
                staff_number: true
            }
        );
        assert_eq!(
            check_client_number(Some("13911112222"), &staff, CallCategory::Success),
            NumberCheck {
                category: CallCategory::Success,
                staff_number: false
            }
        );
        assert!(!check_client_number(None, &staff, CallCategory::Refusal).staff_number);
        // The number on the card is judged against the staff numbers as they are now.
        assert!(!check_client_number(Some("13800138000"), &[], CallCategory::Success).staff_number);
    }
}
