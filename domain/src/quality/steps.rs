//! The steps someone may take on a report, and what each records.

use super::{AppealStatus, PointRule, PointsError, ViolationEventKind, ViolationState, ViolationStatus};
use chrono::{DateTime, Utc};

/// The committee's decision on an appeal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppealDecision {
    Upheld,
    /// To these points (halves), below the points that count now.
    Reduced(Option<i64>),
    Overturned,
}

/// A step someone asks to take on a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<'a> {
    /// The quality office confirms, fixing the points by the code's rule; `prior_items` counts
    /// the agent's scored items of this code in the half-year (for tiered codes).
    Confirm {
        rule: &'a PointRule,
        picked: Option<i64>,
        prior_items: u32,
    },
    Dismiss,
    /// The agent appeals within `appeal_days` of confirmation.
    Appeal {
        appeal_days: u32,
    },
    Decide(AppealDecision),
}

/// Why a step cannot be taken now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepRefused {
    /// Only a pending report is confirmed or dismissed.
    NotPending,
    /// The points do not fit the code's rule.
    Points(PointsError),
    AlreadyAppealed,
    AppealWindowClosed {
        appeal_days: u32,
    },
    NoPendingAppeal,
    /// A reduction must stay between 1 and `max` half points.
    ReductionOutOfRange {
        max: i64,
    },
}

/// The event a step records, before its actor and time are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextEvent {
    pub kind: ViolationEventKind,
    pub half_points: Option<i64>,
}

/// QLT-3: the next step on a report. A pending report is confirmed (its points fixed by its
/// code's rule) or dismissed; the agent may appeal a confirmed one once, within the window after
/// confirmation; the committee upholds, reduces (below the points that count) or overturns it.
/// Each outcome is a new event; nothing is edited.
pub fn next_step(state: &ViolationState, step: Step<'_>, now: DateTime<Utc>) -> Result<NextEvent, StepRefused> {
    let event = |kind, half_points| Ok(NextEvent { kind, half_points });
    match step {
        Step::Confirm {
            rule,
            picked,
            prior_items,
        } => {
            if state.status != ViolationStatus::Pending {
                return Err(StepRefused::NotPending);
            }
            let points = super::points_for(rule, picked, prior_items).map_err(StepRefused::Points)?;
            event(ViolationEventKind::Confirmed, Some(points))
        }
        Step::Dismiss => {
            if state.status != ViolationStatus::Pending {
                return Err(StepRefused::NotPending);
            }
            event(ViolationEventKind::Dismissed, None)
        }
        Step::Appeal { appeal_days } => {
            if state.appeal != AppealStatus::None {
                return Err(StepRefused::AlreadyAppealed);
            }
            if state.appeal_until(appeal_days).is_none_or(|until| now > until) {
                return Err(StepRefused::AppealWindowClosed { appeal_days });
            }
            event(ViolationEventKind::Appealed, None)
        }
        Step::Decide(decision) => {
            if state.appeal != AppealStatus::Pending {
                return Err(StepRefused::NoPendingAppeal);
            }
            match decision {
                AppealDecision::Upheld => event(ViolationEventKind::Upheld, None),
                AppealDecision::Overturned => event(ViolationEventKind::Overturned, Some(0)),
                AppealDecision::Reduced(Some(p)) if p > 0 && p < state.effective_half_points => {
                    event(ViolationEventKind::Reduced, Some(p))
                }
                AppealDecision::Reduced(_) => Err(StepRefused::ReductionOutOfRange {
                    max: state.effective_half_points - 1,
                }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UserId;
    use crate::quality::{derive_state, ViolationEvent};
    use chrono::Duration;

    fn ev(k: ViolationEventKind, p: Option<i64>, at: DateTime<Utc>) -> ViolationEvent {
        ViolationEvent {
            kind: k,
            half_points: p,
            reason: None,
            actor_id: UserId::new(),
            at,
        }
    }

    #[test]
    fn qlt_3_appeals_within_the_window_and_each_decision_is_a_new_event() {
        use ViolationEventKind::*;
        let t0 = DateTime::<Utc>::default();
        let day = Duration::days(1);
        let range = PointRule::Range {
            min_half_points: 2,
            max_half_points: 6,
        };
        let pending = derive_state(&[ev(Reported, None, t0)]);
        let confirm = |picked| Step::Confirm {
            rule: &range,
            picked,
            prior_items: 0,
        };
        assert_eq!(
            next_step(&pending, confirm(Some(7)), t0),
            Err(StepRefused::Points(PointsError::OutOfRange { min: 2, max: 6 }))
        );
        assert_eq!(
            next_step(&pending, confirm(Some(6)), t0),
            Ok(NextEvent {
                kind: Confirmed,
                half_points: Some(6)
            })
        );
        let confirmed = derive_state(&[ev(Reported, None, t0), ev(Confirmed, Some(6), t0)]);
        assert_eq!(
            next_step(&confirmed, confirm(Some(6)), t0),
            Err(StepRefused::NotPending)
        );
        assert_eq!(next_step(&confirmed, Step::Dismiss, t0), Err(StepRefused::NotPending));
        let appeal = Step::Appeal { appeal_days: 7 };
        assert_eq!(
            next_step(&confirmed, appeal, t0 + day * 7).map(|e| e.kind),
            Ok(Appealed)
        );
        assert_eq!(
            next_step(&confirmed, appeal, t0 + day * 7 + Duration::seconds(1)),
            Err(StepRefused::AppealWindowClosed { appeal_days: 7 })
        );
        assert_eq!(
            next_step(&pending, appeal, t0),
            Err(StepRefused::AppealWindowClosed { appeal_days: 7 }),
            "nothing to appeal before confirmation"
        );
        let decide = |d| Step::Decide(d);
        assert_eq!(
            next_step(&confirmed, decide(AppealDecision::Upheld), t0),
            Err(StepRefused::NoPendingAppeal)
        );
        let appealed = derive_state(&[
            ev(Reported, None, t0),
            ev(Confirmed, Some(6), t0),
            ev(Appealed, None, t0),
        ]);
        assert_eq!(next_step(&appealed, appeal, t0), Err(StepRefused::AlreadyAppealed));
        assert_eq!(
            next_step(&appealed, decide(AppealDecision::Reduced(Some(6))), t0),
            Err(StepRefused::ReductionOutOfRange { max: 5 })
        );
        assert_eq!(
            next_step(&appealed, decide(AppealDecision::Reduced(None)), t0),
            Err(StepRefused::ReductionOutOfRange { max: 5 })
        );
        assert_eq!(
            next_step(&appealed, decide(AppealDecision::Reduced(Some(3))), t0),
            Ok(NextEvent {
                kind: Reduced,
                half_points: Some(3)
            })
        );
        assert_eq!(
            next_step(&appealed, decide(AppealDecision::Overturned), t0),
            Ok(NextEvent {
                kind: Overturned,
                half_points: Some(0)
            })
        );
    }
}
