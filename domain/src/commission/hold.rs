//! The callback's hold state machine (COM-3..COM-6): transitions consume the state and return
//! the next one with the side effects it asks for, or an error when the step does not apply.

use crate::rules::RuleId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The outcome categories of a call (see `CallCategory::is_success`).
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

impl CallCategory {
    /// COM-4: calls end in one of six categories (success; temporarily unsuccessful; number
    /// problem; refusal; special; other). Only a success can meet the callback condition; every
    /// other category is an unsuccessful call of its round.
    pub fn is_success(self) -> bool {
        self == CallCategory::Success
    }
}

/// One callback attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    pub category: CallCategory,
    /// Found on a successful call (quality findings).
    pub forged_signature: bool,
    pub misleading: bool,
    /// On a successful manual callback: the number on file had changed.
    pub number_changed: bool,
    pub at: DateTime<Utc>,
}

/// Why commission was withheld: the statement line cites the rule that withheld it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WithholdCause {
    /// The manual callback failed (COM-3.5).
    ManualCallbackFailed,
    /// The quality office decided a quality hold against the agent (COM-3.6).
    QualityOffice,
}

impl WithholdCause {
    pub fn rule(self) -> RuleId {
        match self {
            WithholdCause::ManualCallbackFailed => RuleId::Com3_5,
            WithholdCause::QualityOffice => RuleId::Com3_6,
        }
    }

    pub fn explanation(self) -> &'static str {
        match self {
            WithholdCause::ManualCallbackFailed => "the manual callback failed",
            WithholdCause::QualityOffice => "the quality office withheld it after the callback's findings",
        }
    }
}

/// The hold state of one policy's commission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldState {
    /// First round (opens 10 days after printing, or at once when requested early).
    FirstRound {
        unsuccessful: u32,
        last_unsuccessful_at: Option<DateTime<Utc>>,
    },
    /// First round failed; the agent confirms or updates the client's contact.
    AwaitingContact { round_ended_at: DateTime<Utc> },
    SecondRound {
        unsuccessful: u32,
        last_unsuccessful_at: Option<DateTime<Utc>>,
    },
    /// Second round failed; commission held, manual callback scheduled.
    ManualCallback,
    /// The callback condition is met.
    Passed,
    /// Manual success but the number had changed: 40 yuan deducted, the rest released.
    PassedNumberChanged,
    /// Not paid at all, for the recorded cause.
    Withheld(WithholdCause),
    /// Forged signature or misleading found: held pending the quality office.
    QualityHold,
}

/// A side effect a transition asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Tell the agent the first round failed.
    NotifyAgentFirstRoundFailed,
    /// Raise a quality report on the agent.
    Raise(ReportCode),
}

/// The quality reports a callback raises on its own (posted by the callback center).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportCode {
    /// Q-CONTACT: the client's number is a staff or outlet phone.
    Contact,
    /// Q-SIGNATURE: a signature not made by the client.
    Signature,
    /// Q-DISCLOSE: the client was misled.
    Disclosure,
}

impl ReportCode {
    /// The catalogue code.
    pub fn code(self) -> &'static str {
        match self {
            ReportCode::Contact => "Q-CONTACT",
            ReportCode::Signature => "Q-SIGNATURE",
            ReportCode::Disclosure => "Q-DISCLOSE",
        }
    }

    pub fn evidence(self) -> &'static str {
        match self {
            ReportCode::Contact => "the client's number on file is an agent's or outlet's phone (COM-5)",
            ReportCode::Signature => "the callback found a signature not made by the client (COM-3.6)",
            ReportCode::Disclosure => "the callback found the client was misled (COM-3.6)",
        }
    }
}

/// A transition's result: the next state and the effects to carry out with it.
pub type Transition = (HoldState, Vec<Effect>);

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

    /// The state's name on the wire.
    pub fn name(self) -> &'static str {
        match self {
            HoldState::FirstRound { .. } => "first_round",
            HoldState::AwaitingContact { .. } => "awaiting_contact",
            HoldState::SecondRound { .. } => "second_round",
            HoldState::ManualCallback => "manual_callback",
            HoldState::Passed => "passed",
            HoldState::PassedNumberChanged => "passed_number_changed",
            HoldState::Withheld(_) => "withheld",
            HoldState::QualityHold => "quality_hold",
        }
    }

    fn refuse(self, action: &'static str) -> HoldError {
        HoldError::NotApplicable {
            state: self.name(),
            action,
        }
    }

    /// COM-3: the callback flow. A call in the first or second round either succeeds (COM-3.2,
    /// or COM-3.6 with findings) or counts as unsuccessful; `round_attempts` unsuccessful calls
    /// end the round (the first: COM-3.3, the second: COM-3.4). The manual callback decides on
    /// one call (COM-3.5). No call is recorded in any other state.
    pub fn attempt(self, a: &Attempt, round_attempts: u32) -> Result<Transition, HoldError> {
        match self {
            HoldState::FirstRound { unsuccessful, .. } | HoldState::SecondRound { unsuccessful, .. } => {
                if a.category.is_success() {
                    return Ok(round_success(a));
                }
                let second = matches!(self, HoldState::SecondRound { .. });
                let n = unsuccessful + 1;
                Ok(if n < round_attempts {
                    let (unsuccessful, last_unsuccessful_at) = (n, Some(a.at));
                    let next = if second {
                        HoldState::SecondRound {
                            unsuccessful,
                            last_unsuccessful_at,
                        }
                    } else {
                        HoldState::FirstRound {
                            unsuccessful,
                            last_unsuccessful_at,
                        }
                    };
                    (next, vec![])
                } else if second {
                    second_round_failed()
                } else {
                    first_round_failed(a.at)
                })
            }
            HoldState::ManualCallback => Ok(manual_outcome(a)),
            other => Err(other.refuse("record a callback")),
        }
    }

    /// The state a call is recorded against: once the contact window has passed without an
    /// answer from the agent, the call itself opens the second round (the timing is checked by
    /// the call window); any other state is its own.
    pub fn for_call(self) -> HoldState {
        match self {
            HoldState::AwaitingContact { .. } => self.confirm_contact().unwrap_or(self),
            other => other,
        }
    }

    /// The agent confirmed or updated the contact details after a failed first round: the
    /// second round opens.
    pub fn confirm_contact(self) -> Result<HoldState, HoldError> {
        match self {
            HoldState::AwaitingContact { .. } => Ok(HoldState::SecondRound {
                unsuccessful: 0,
                last_unsuccessful_at: None,
            }),
            other => Err(other.refuse("confirm the contact details")),
        }
    }

    /// COM-6: the policyholder's signed callback confirmation plus a special-callback request
    /// satisfy the callback condition while it is still open.
    pub fn exempt(self) -> Result<HoldState, HoldError> {
        match self {
            HoldState::FirstRound { .. }
            | HoldState::AwaitingContact { .. }
            | HoldState::SecondRound { .. }
            | HoldState::ManualCallback => Ok(HoldState::Passed),
            other => Err(other.refuse("exempt")),
        }
    }

    /// An early callback (the client is leaving the country) opens the first round at once;
    /// it applies to the first round only.
    pub fn request_early(self) -> Result<HoldState, HoldError> {
        match self {
            HoldState::FirstRound { .. } => Ok(self),
            other => Err(other.refuse("request an early callback")),
        }
    }

    /// The quality office's decision on a quality hold: release, or withhold for its cause.
    pub fn resolve_quality(self, release: bool) -> Result<HoldState, HoldError> {
        match self {
            HoldState::QualityHold => Ok(if release {
                HoldState::Passed
            } else {
                HoldState::Withheld(WithholdCause::QualityOffice)
            }),
            other => Err(other.refuse("resolve a quality hold")),
        }
    }

    /// The callback half of the payment condition.
    pub fn callback_condition_met(self) -> bool {
        matches!(self, HoldState::Passed | HoldState::PassedNumberChanged)
    }

    /// In a round: the unsuccessful calls so far and when the last one was.
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

/// COM-3.2: a successful call with no forged signature and no misleading meets the callback
/// condition (findings hold the commission instead).
fn round_success(a: &Attempt) -> Transition {
    quality_findings(a).unwrap_or((HoldState::Passed, vec![]))
}

/// COM-3.3: the first round failed: the agent is notified and has `contact_update_days` to
/// confirm or update the client's contact details before the second round runs.
fn first_round_failed(at: DateTime<Utc>) -> Transition {
    (
        HoldState::AwaitingContact { round_ended_at: at },
        vec![Effect::NotifyAgentFirstRoundFailed],
    )
}

/// COM-3.4: the second round failed: the commission is held and a manual callback scheduled.
fn second_round_failed() -> Transition {
    (HoldState::ManualCallback, vec![])
}

/// COM-3.5: the manual callback. Success with no problems releases the held commission; success
/// on a number that had changed deducts 40 yuan and releases the rest; failure withholds it.
fn manual_outcome(a: &Attempt) -> Transition {
    if !a.category.is_success() {
        return (HoldState::Withheld(WithholdCause::ManualCallbackFailed), vec![]);
    }
    if let Some(t) = quality_findings(a) {
        return t;
    }
    let next = if a.number_changed {
        HoldState::PassedNumberChanged
    } else {
        HoldState::Passed
    };
    (next, vec![])
}

/// COM-3.6: a success that finds a forged signature or misleading holds the commission
/// pending the quality office and raises Q-SIGNATURE / Q-DISCLOSE reports.
fn quality_findings(a: &Attempt) -> Option<Transition> {
    let mut e = Vec::new();
    if a.forged_signature {
        e.push(Effect::Raise(ReportCode::Signature));
    }
    if a.misleading {
        e.push(Effect::Raise(ReportCode::Disclosure));
    }
    (!e.is_empty()).then_some((HoldState::QualityHold, e))
}

#[cfg(test)]
#[path = "hold_tests.rs"]
mod tests;
