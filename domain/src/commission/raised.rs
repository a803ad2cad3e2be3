//! What a callback raises besides its own step: quality reports on the agent and a
//! notification to them. Recorded in the same transaction as the step.

use super::hold::ReportCode;
use crate::ids::UserId;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

/// A pending quality report raised by the callback center on the policy's agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaisedReport {
    pub id: Uuid,
    pub code: ReportCode,
    pub agent_id: UserId,
    /// The callback agent who placed the call.
    pub reporter_id: UserId,
    pub client_id: Uuid,
    pub policy_number: String,
    /// The call's business day in the branch's zone (TIME-1).
    pub occurred_on: NaiveDate,
    /// The quality catalogue version in force on that day.
    pub catalogue_version: i64,
    pub at: DateTime<Utc>,
}

/// The kinds of notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationKind {
    /// The first callback round failed: confirm or update the client's contact.
    CallbackFirstRoundFailed,
    /// LIC-3: an agent is below pace on the year's continuing-education hours (to the agent
    /// and their supervisor).
    CeReminder,
    /// LIC-3: the agent's licence lapsed on 1 January (to the agent and their supervisor).
    LicenceLapsed,
}

impl NotificationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::CallbackFirstRoundFailed => "callback_first_round_failed",
            NotificationKind::CeReminder => "ce_reminder",
            NotificationKind::LicenceLapsed => "licence_lapsed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            NotificationKind::CallbackFirstRoundFailed,
            NotificationKind::CeReminder,
            NotificationKind::LicenceLapsed,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A notification to send (once per source key).
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub user_id: UserId,
    pub kind: NotificationKind,
    pub payload: serde_json::Value,
    /// Unique per company: a repeated cause notifies once.
    pub source_key: String,
    pub at: DateTime<Utc>,
}

/// A notification as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub id: Uuid,
    pub kind: NotificationKind,
    pub payload: serde_json::Value,
    pub created_at: DateTime<Utc>,
}
