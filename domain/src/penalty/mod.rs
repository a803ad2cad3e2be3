//! Section 5: activity and diary penalties, evaluated from an agent-day's facts under the
//! policy version in force, and the append-only penalty ledger they are posted to (PEN-*,
//! LEDGER-*). Lead allocation lives in [`crate::leads`].

mod daily;
mod falsified;
mod ledger;

pub use daily::*;
pub use falsified::*;
pub use ledger::*;

use crate::diary::{DayStatus, SubmissionDeadlines};
use crate::ids::UserId;
use crate::policy::PolicyInForce;
use crate::rules::RuleId;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// Whom a penalty falls on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonRole {
    Agent,
    Supervisor,
}

impl PersonRole {
    pub fn as_str(self) -> &'static str {
        match self {
            PersonRole::Agent => "agent",
            PersonRole::Supervisor => "supervisor",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Agent, Self::Supervisor].into_iter().find(|r| r.as_str() == s)
    }
}

/// A penalty the rules imply (PEN-1): rule, person, period, amounts and the facts behind it.
/// `key` identifies it, so evaluating the same facts again yields the same key (PEN-2).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PenaltyDraft {
    pub key: String,
    pub rule_id: RuleId,
    pub person: UserId,
    pub role: PersonRole,
    pub day: NaiveDate,
    /// Commission reduction in fen (≥ 0).
    pub amount_fen: i64,
    /// Client leads deducted (≥ 0).
    pub leads: i64,
    pub policy_version: i64,
    pub facts: serde_json::Value,
    pub explanation: String,
}

/// A diary's facts as far as penalties need them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiaryFacts {
    pub id: uuid::Uuid,
    pub first_submitted_at: Option<DateTime<Utc>>,
    pub review_deadline: Option<DateTime<Utc>>,
    pub reviewed_at: Option<DateTime<Utc>>,
}

/// One agent's facts for one business day, aggregated from storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentDayFacts {
    pub agent: UserId,
    /// The agent's supervisor (DIA-PEN-UNREVIEWED falls on them).
    pub supervisor: Option<UserId>,
    pub day: NaiveDate,
    pub status: DayStatus,
    /// QUO-FACE-D / QUO-CALL-D counts (voided and short calls already excluded).
    pub counted_face_visits: u32,
    pub counted_calls: u32,
    pub diary: Option<DiaryFacts>,
    pub deadlines: SubmissionDeadlines,
}

pub(crate) fn yuan(fen: i64) -> String {
    if fen % 100 == 0 {
        format!("{} yuan", fen / 100)
    } else {
        format!("{}.{:02} yuan", fen / 100, fen % 100)
    }
}

/// Section 5 for one agent-day, evaluated at `now` (after the day's deadlines have passed, so
/// that "not submitted" means missing). Days without duty (rest, holiday, leave) yield nothing
/// (TIME-2); each day stands alone (QUO-2).
pub fn evaluate_agent_day(f: &AgentDayFacts, policy: &PolicyInForce, now: DateTime<Utc>) -> Vec<PenaltyDraft> {
    if f.status != DayStatus::Working {
        return Vec::new();
    }
    let mut out = act_pen_miss(f, policy);
    out.extend(dia_pen_missing(f, policy, now));
    out.extend(dia_pen_latefill(f, policy, now));
    out.extend(dia_pen_unreviewed(f, policy, now));
    out
}
