//! Activities (ACT-1..ACT-5) and what counts toward the daily quotas (QUO-FACE-D, QUO-CALL-D).

mod call_log;
mod details;
mod ingest;
#[cfg(test)]
mod tests;

pub use call_log::*;
pub use details::*;
pub use ingest::*;

use crate::ids::{CompanyId, UserId};
use crate::policy::ActivityPolicy;
use crate::rules::RuleId;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The kinds of activity (the rulebook's vocabulary; see `kind_references`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    FaceVisit,
    PhoneService,
    RenewalCollection,
    OutletService,
    MeetingAttendance,
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 5] = [
        ActivityKind::FaceVisit,
        ActivityKind::PhoneService,
        ActivityKind::RenewalCollection,
        ActivityKind::OutletService,
        ActivityKind::MeetingAttendance,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::FaceVisit => "face_visit",
            ActivityKind::PhoneService => "phone_service",
            ActivityKind::RenewalCollection => "renewal_collection",
            ActivityKind::OutletService => "outlet_service",
            ActivityKind::MeetingAttendance => "meeting_attendance",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Whether an activity of a kind names a client or an outlet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Required,
    /// A phone service names a client or, instead, a prospect's number.
    Either,
    Forbidden,
}

/// What an activity of a kind refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindReferences {
    pub client: Need,
    pub outlet: Need,
}

/// ACT-1: the five kinds of activity and what each is about: a face visit and a renewal
/// collection concern a client, a phone service a client or a prospect, an outlet service an
/// outlet, a meeting attendance neither.
pub fn kind_references(kind: ActivityKind) -> KindReferences {
    let (client, outlet) = match kind {
        ActivityKind::FaceVisit | ActivityKind::RenewalCollection => (Need::Required, Need::Forbidden),
        ActivityKind::PhoneService => (Need::Either, Need::Forbidden),
        ActivityKind::OutletService => (Need::Forbidden, Need::Required),
        ActivityKind::MeetingAttendance => (Need::Forbidden, Need::Forbidden),
    };
    KindReferences { client, outlet }
}

/// A stored activity, as far as the rules need it. Kind-specific details are kept as the JSON
/// of [`ActivityDetails`] (storage checks that they read back as such).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Activity {
    pub company_id: CompanyId,
    pub id: Uuid,
    pub agent_id: UserId,
    pub kind: ActivityKind,
    /// The device's claim of when it happened (a fact, never a deadline input).
    pub occurred_at: DateTime<Utc>,
    /// The server's receive time (decides deadlines).
    pub received_at: DateTime<Utc>,
    /// `occurred_at`'s date in the branch's zone (TIME-1).
    pub business_day: NaiveDate,
    pub client_id: Option<Uuid>,
    pub outlet_id: Option<Uuid>,
    /// Phone services only.
    pub duration_seconds: Option<i64>,
    /// The supervisor who accompanied a face visit (see `may_accompany`).
    pub accompanied_by: Option<UserId>,
    pub device_call_id: Option<String>,
    pub details: serde_json::Value,
    /// A digest of the submitted body: a repeat of the same id with another body is a conflict.
    #[serde(skip)]
    pub body_hash: String,
    pub voided_at: Option<DateTime<Utc>>,
    pub voided_by: Option<UserId>,
    pub void_reason: Option<String>,
}

/// Why an activity does not count toward a daily quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotCounted {
    /// Voided activities are excluded from counts.
    Voided,
    /// A call shorter than `min_call_seconds`.
    CallTooShort,
    /// A face visit counts only when it names a client.
    NoClient,
}

impl NotCounted {
    /// The rule that decided it.
    pub fn rule(self) -> RuleId {
        match self {
            NotCounted::Voided => RuleId::Act5,
            NotCounted::CallTooShort => RuleId::Act3,
            NotCounted::NoClient => RuleId::Act2,
        }
    }

    /// A sentence a person can read, citing the rule.
    pub fn explain(self, a: &Activity, policy: &ActivityPolicy) -> String {
        let rule = self.rule();
        match self {
            NotCounted::Voided => format!("voided: {} ({rule})", a.void_reason.clone().unwrap_or_default()),
            NotCounted::CallTooShort => format!(
                "the call lasted {} s; calls count from {} s ({rule})",
                a.duration_seconds.unwrap_or(0),
                policy.min_call_seconds
            ),
            NotCounted::NoClient => format!("the visit names no client ({rule})"),
        }
    }
}

/// ACT-2: (decision) a face visit counts toward quota when it names a client, whatever its
/// checklist.
pub fn face_visit_counts(client_id: Option<Uuid>) -> Result<(), NotCounted> {
    match client_id {
        Some(_) => Ok(()),
        None => Err(NotCounted::NoClient),
    }
}

/// ACT-3: (decision) a phone service counts toward quota only if it lasted at least the
/// policy's `min_call_seconds`. A call without a duration never counts.
pub fn call_counts(duration_seconds: Option<i64>, policy: &ActivityPolicy) -> Result<(), NotCounted> {
    if duration_seconds.is_some_and(|d| d >= i64::from(policy.min_call_seconds)) {
        Ok(())
    } else {
        Err(NotCounted::CallTooShort)
    }
}

/// QUO-FACE-D / QUO-CALL-D: does this activity count toward its daily quota? `None` for kinds
/// without a daily count quota. A voided activity never counts, whatever else is true.
pub fn counts_toward_quota(a: &Activity, policy: &ActivityPolicy) -> Option<Result<(), NotCounted>> {
    let verdict = match a.kind {
        ActivityKind::FaceVisit => face_visit_counts(a.client_id),
        ActivityKind::PhoneService => call_counts(a.duration_seconds, policy),
        _ => return None,
    };
    Some(if a.voided_at.is_some() {
        Err(NotCounted::Voided)
    } else {
        verdict
    })
}

/// A daily count requirement: how many counted, how many required, how many still needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DailyCount {
    pub counted: u32,
    pub required: u32,
    pub remaining: u32,
}

impl DailyCount {
    pub fn new(counted: u32, required: u32) -> Self {
        Self {
            counted,
            required,
            remaining: required.saturating_sub(counted),
        }
    }

    pub fn met(&self) -> bool {
        self.remaining == 0
    }
}

/// QUO-FACE-D and QUO-CALL-D over one agent-day's activities. On a rest day nothing is
/// required. QUO-2: each day stands alone, a surplus is not carried anywhere.
pub fn daily_counts(activities: &[Activity], policy: &ActivityPolicy, working_day: bool) -> (DailyCount, DailyCount) {
    let count = |kind: ActivityKind| {
        activities
            .iter()
            .filter(|a| a.kind == kind && counts_toward_quota(a, policy) == Some(Ok(())))
            .count() as u32
    };
    let (face_req, call_req) = if working_day {
        (policy.face_visits_per_day, policy.calls_per_day)
    } else {
        (0, 0)
    };
    (
        DailyCount::new(count(ActivityKind::FaceVisit), face_req),
        DailyCount::new(count(ActivityKind::PhoneService), call_req),
    )
}

/// Why a device's `occurred_at` is not plausible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OccurredAtProblem {
    InFuture,
    TooOld,
}

/// TIME-4: the server's receive time is what counts; the device's `occurred_at` is kept as a
/// fact, and accepted only within the policy's window around the receive time (clock skew
/// ahead, the offline upload window behind).
pub fn check_occurred_at(
    occurred_at: DateTime<Utc>,
    received_at: DateTime<Utc>,
    policy: &ActivityPolicy,
) -> Result<(), OccurredAtProblem> {
    if occurred_at > received_at + Duration::seconds(i64::from(policy.max_future_seconds)) {
        Err(OccurredAtProblem::InFuture)
    } else if occurred_at < received_at - Duration::days(i64::from(policy.max_backdate_days)) {
        Err(OccurredAtProblem::TooOld)
    } else {
        Ok(())
    }
}

/// Who voids an activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Voider {
    /// An agent; `today` is their current business day.
    Agent { id: UserId, today: NaiveDate },
    /// The quality office or an admin, correcting.
    Corrector(UserId),
}

impl Voider {
    pub fn id(self) -> UserId {
        match self {
            Voider::Agent { id, .. } | Voider::Corrector(id) => id,
        }
    }
}

/// Why a void is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoidRefusal {
    /// Someone else's activity (answered as if it did not exist).
    NotOwner,
    NotToday,
    AlreadyVoided,
    BlankReason,
}

/// ACT-5: activities are never deleted. An agent may void their own activity of the current
/// business day, the quality office or an admin any activity as a correction; each only once
/// and with a reason. Returns the voided activity (a voided activity no longer counts).
pub fn void(a: &Activity, by: Voider, reason: &str, at: DateTime<Utc>) -> Result<Activity, VoidRefusal> {
    if let Voider::Agent { id, .. } = by {
        if a.agent_id != id {
            return Err(VoidRefusal::NotOwner);
        }
    }
    if a.voided_at.is_some() {
        return Err(VoidRefusal::AlreadyVoided);
    }
    if let Voider::Agent { today, .. } = by {
        if a.business_day != today {
            return Err(VoidRefusal::NotToday);
        }
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(VoidRefusal::BlankReason);
    }
    Ok(Activity {
        voided_at: Some(at),
        voided_by: Some(by.id()),
        void_reason: Some(reason.to_owned()),
        ..a.clone()
    })
}
