//! The recorded steps of a policy's callback history (append-only) and their replay through
//! the hold machine.

use super::hold::{Attempt, HoldState};
use crate::ids::UserId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The state a call was placed in, as recorded with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallRound {
    FirstRound,
    AwaitingContact,
    SecondRound,
    ManualCallback,
}

impl CallRound {
    /// The round of a state a call can be recorded in.
    pub fn of(state: HoldState) -> Option<CallRound> {
        match state {
            HoldState::FirstRound { .. } => Some(CallRound::FirstRound),
            HoldState::AwaitingContact { .. } => Some(CallRound::AwaitingContact),
            HoldState::SecondRound { .. } => Some(CallRound::SecondRound),
            HoldState::ManualCallback => Some(CallRound::ManualCallback),
            _ => None,
        }
    }
}

/// One recorded call: the attempt as the machine saw it, plus the caller's notes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallRecord {
    #[serde(flatten)]
    pub attempt: Attempt,
    /// The category's detail, e.g. "no_answer", "vacant_number".
    pub reason: Option<String>,
    pub notes: Option<String>,
    pub round: CallRound,
}

/// One step of the history. Stored as its kind and its payload (a JSON object), which is also
/// how the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload", rename_all = "snake_case")]
pub enum PolicyStep {
    Callback(CallRecord),
    ContactConfirmed {
        phone_updated: bool,
    },
    Exempted {
        signed_confirmation: String,
        reason: String,
    },
    EarlyRequested {
        reason: String,
    },
    QualityResolved {
        release: bool,
        reason: String,
    },
}

/// The kinds of steps (the stored `kind` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyStepKind {
    Callback,
    ContactConfirmed,
    Exempted,
    EarlyRequested,
    QualityResolved,
}

impl PolicyStepKind {
    pub const ALL: [PolicyStepKind; 5] = [
        PolicyStepKind::Callback,
        PolicyStepKind::ContactConfirmed,
        PolicyStepKind::Exempted,
        PolicyStepKind::EarlyRequested,
        PolicyStepKind::QualityResolved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PolicyStepKind::Callback => "callback",
            PolicyStepKind::ContactConfirmed => "contact_confirmed",
            PolicyStepKind::Exempted => "exempted",
            PolicyStepKind::EarlyRequested => "early_requested",
            PolicyStepKind::QualityResolved => "quality_resolved",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl PolicyStep {
    pub fn kind(&self) -> PolicyStepKind {
        match self {
            PolicyStep::Callback(_) => PolicyStepKind::Callback,
            PolicyStep::ContactConfirmed { .. } => PolicyStepKind::ContactConfirmed,
            PolicyStep::Exempted { .. } => PolicyStepKind::Exempted,
            PolicyStep::EarlyRequested { .. } => PolicyStepKind::EarlyRequested,
            PolicyStep::QualityResolved { .. } => PolicyStepKind::QualityResolved,
        }
    }

    /// The payload object (as stored and shown).
    pub fn payload(&self) -> serde_json::Result<serde_json::Value> {
        let mut v = serde_json::to_value(self)?;
        Ok(v["payload"].take())
    }

    /// A stored step; `None` when the kind is unknown or the payload does not fit it.
    pub fn from_stored(kind: &str, payload: &str) -> Option<PolicyStep> {
        let kind = PolicyStepKind::parse(kind)?;
        let payload: serde_json::Value = serde_json::from_str(payload).ok()?;
        serde_json::from_value(serde_json::json!({ "kind": kind.as_str(), "payload": payload })).ok()
    }
}

/// One recorded step with who recorded it and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InsurancePolicyEvent {
    pub step: PolicyStep,
    pub actor_id: UserId,
    pub at: DateTime<Utc>,
}

/// The replayed history: the state, and the instants the call window depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeline {
    pub state: HoldState,
    /// When an early callback was first requested.
    pub early: Option<DateTime<Utc>>,
    /// When the second round opened (the contact was confirmed, or a call opened it).
    pub second_round_opened_at: Option<DateTime<Utc>>,
    /// The last step's time.
    pub last_step_at: Option<DateTime<Utc>>,
}

/// The timeline after replaying `events` (those before `until`, if given) through the machine.
/// Steps the machine refuses are skipped (they were refused when recorded, too).
pub fn replay(events: &[InsurancePolicyEvent], round_attempts: u32, until: Option<DateTime<Utc>>) -> Timeline {
    let mut t = Timeline {
        state: HoldState::initial(),
        early: None,
        second_round_opened_at: None,
        last_step_at: None,
    };
    for e in events.iter().filter(|e| until.is_none_or(|u| e.at < u)) {
        let s = t.state;
        t.state = match &e.step {
            PolicyStep::Callback(r) => s
                .for_call()
                .attempt(&r.attempt, round_attempts)
                .map(|(n, _)| n)
                .unwrap_or(s),
            PolicyStep::ContactConfirmed { .. } => s.confirm_contact().unwrap_or(s),
            PolicyStep::Exempted { .. } => s.exempt().unwrap_or(s),
            PolicyStep::QualityResolved { release, .. } => s.resolve_quality(*release).unwrap_or(s),
            PolicyStep::EarlyRequested { .. } => {
                t.early = t.early.or(Some(e.at));
                s
            }
        };
        if matches!(s, HoldState::AwaitingContact { .. }) && !matches!(t.state, HoldState::AwaitingContact { .. }) {
            t.second_round_opened_at = Some(e.at);
        }
        t.last_step_at = Some(e.at);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commission::hold::CallCategory;

    #[test]
    fn stored_steps_round_trip_and_corrupt_ones_are_refused() {
        let at = DateTime::parse_from_rfc3339("2026-10-15T02:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        let step = PolicyStep::Callback(CallRecord {
            attempt: Attempt {
                category: CallCategory::NumberProblem,
                forged_signature: false,
                misleading: false,
                number_changed: false,
                at,
            },
            reason: Some("vacant_number".into()),
            notes: None,
            round: CallRound::FirstRound,
        });
        let payload = step.payload().unwrap_or_default();
        assert_eq!(
            payload,
            serde_json::json!({"category": "number_problem", "forged_signature": false, "misleading": false,
                "number_changed": false, "at": "2026-10-15T02:00:00Z", "reason": "vacant_number", "notes": null,
                "round": "first_round"})
        );
        let payload = payload.to_string();
        assert_eq!(PolicyStep::from_stored("callback", &payload), Some(step));
        assert_eq!(PolicyStep::from_stored("teleport", &payload), None);
        assert_eq!(PolicyStep::from_stored("callback", "{not json"), None);
        assert_eq!(PolicyStep::from_stored("exempted", r#"{"reason": "x"}"#), None);
        assert_eq!(
            PolicyStep::from_stored("quality_resolved", r#"{"release": false, "reason": "x"}"#),
            Some(PolicyStep::QualityResolved {
                release: false,
                reason: "x".into()
            })
        );
    }
}
