//! A violation report and its life as a list of events (reported → confirmed or dismissed →
//! appealed → upheld, reduced or overturned), each step a new record, nothing edited.

use super::{HalfYear, Post};
use crate::ids::{CompanyId, UserId};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// One kind of step in a report's life (stored and sent as its snake-case name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ViolationEventKind {
    Reported,
    Confirmed,
    Dismissed,
    Appealed,
    Upheld,
    Reduced,
    Overturned,
}

impl ViolationEventKind {
    pub const ALL: [ViolationEventKind; 7] = [
        Self::Reported,
        Self::Confirmed,
        Self::Dismissed,
        Self::Appealed,
        Self::Upheld,
        Self::Reduced,
        Self::Overturned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reported => "reported",
            Self::Confirmed => "confirmed",
            Self::Dismissed => "dismissed",
            Self::Appealed => "appealed",
            Self::Upheld => "upheld",
            Self::Reduced => "reduced",
            Self::Overturned => "overturned",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A report's status, derived from its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ViolationStatus {
    Pending,
    Confirmed,
    Dismissed,
}

impl ViolationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Confirmed => "confirmed",
            Self::Dismissed => "dismissed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Confirmed, Self::Dismissed]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AppealStatus {
    None,
    Pending,
    Upheld,
    Reduced,
    Overturned,
}

impl AppealStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Pending => "pending",
            Self::Upheld => "upheld",
            Self::Reduced => "reduced",
            Self::Overturned => "overturned",
        }
    }
}

/// One step in a report's life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ViolationEvent {
    pub kind: ViolationEventKind,
    pub half_points: Option<i64>,
    pub reason: Option<String>,
    pub actor_id: UserId,
    pub at: DateTime<Utc>,
}

/// The derived state: status, appeal status, confirmed time, and the points that count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ViolationState {
    pub status: ViolationStatus,
    pub appeal: AppealStatus,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub confirmed_half_points: Option<i64>,
    /// What counts toward the score now (0 unless confirmed; reduced or 0 after an appeal).
    pub effective_half_points: i64,
}

/// The state a list of events leads to.
pub fn derive_state(events: &[ViolationEvent]) -> ViolationState {
    let mut s = ViolationState {
        status: ViolationStatus::Pending,
        appeal: AppealStatus::None,
        confirmed_at: None,
        confirmed_half_points: None,
        effective_half_points: 0,
    };
    for e in events {
        match e.kind {
            ViolationEventKind::Reported => {}
            ViolationEventKind::Confirmed => {
                s.status = ViolationStatus::Confirmed;
                s.confirmed_at = Some(e.at);
                s.confirmed_half_points = e.half_points;
                s.effective_half_points = e.half_points.unwrap_or(0);
            }
            ViolationEventKind::Dismissed => s.status = ViolationStatus::Dismissed,
            ViolationEventKind::Appealed => s.appeal = AppealStatus::Pending,
            ViolationEventKind::Upheld => s.appeal = AppealStatus::Upheld,
            ViolationEventKind::Reduced => {
                s.appeal = AppealStatus::Reduced;
                s.effective_half_points = e.half_points.unwrap_or(s.effective_half_points);
            }
            ViolationEventKind::Overturned => {
                s.appeal = AppealStatus::Overturned;
                s.effective_half_points = 0;
            }
        }
    }
    s
}

impl ViolationState {
    /// Until when the agent may appeal, given the policy's appeal window in days.
    pub fn appeal_until(&self, appeal_days: u32) -> Option<DateTime<Utc>> {
        self.confirmed_at.map(|t| t + Duration::days(i64::from(appeal_days)))
    }
}

/// A violation report with its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub company_id: CompanyId,
    pub id: uuid::Uuid,
    pub agent_id: UserId,
    pub code: String,
    pub post: Post,
    pub reporter_id: UserId,
    /// A business date in the agent's branch zone (TIME-1), never a UTC date.
    pub occurred_on: NaiveDate,
    pub evidence: String,
    pub attachments: Vec<String>,
    pub client_id: Option<uuid::Uuid>,
    pub policy_number: Option<String>,
    pub catalogue_version: i64,
    pub created_at: DateTime<Utc>,
    pub events: Vec<ViolationEvent>,
}

impl Violation {
    pub fn state(&self) -> ViolationState {
        derive_state(&self.events)
    }

    pub fn half_year(&self) -> HalfYear {
        HalfYear::of(self.occurred_on)
    }

    pub fn is_confirmed(&self) -> bool {
        self.state().status == ViolationStatus::Confirmed
    }

    /// The report with one more event.
    pub fn with_event(&self, e: ViolationEvent) -> Violation {
        let mut out = self.clone();
        out.events.push(e);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn state_follows_events() {
        use ViolationEventKind::*;
        let at = DateTime::<Utc>::default();
        let s = derive_state(&[ev(Reported, None, at)]);
        assert_eq!((s.status, s.effective_half_points), (ViolationStatus::Pending, 0));
        let s = derive_state(&[ev(Reported, None, at), ev(Confirmed, Some(6), at)]);
        assert_eq!((s.status, s.effective_half_points), (ViolationStatus::Confirmed, 6));
        let s = derive_state(&[
            ev(Reported, None, at),
            ev(Confirmed, Some(6), at),
            ev(Appealed, None, at),
            ev(Reduced, Some(2), at),
        ]);
        assert_eq!(
            (s.appeal, s.effective_half_points, s.confirmed_half_points),
            (AppealStatus::Reduced, 2, Some(6))
        );
        let s = derive_state(&[
            ev(Reported, None, at),
            ev(Confirmed, Some(6), at),
            ev(Appealed, None, at),
            ev(Overturned, None, at),
        ]);
        assert_eq!((s.appeal, s.effective_half_points), (AppealStatus::Overturned, 0));
        assert_eq!(
            derive_state(&[ev(Reported, None, at), ev(Dismissed, None, at)]).status,
            ViolationStatus::Dismissed
        );
    }

    #[test]
    fn event_kinds_and_statuses_round_trip_their_stored_names() {
        for k in ViolationEventKind::ALL {
            assert_eq!(ViolationEventKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(ViolationEventKind::parse("deleted"), None);
        assert_eq!(ViolationStatus::parse("confirmed"), Some(ViolationStatus::Confirmed));
        assert_eq!(ViolationStatus::parse("open"), None);
        for p in Post::ALL {
            assert_eq!(Post::parse(p.as_str()), Some(p));
        }
    }
}
