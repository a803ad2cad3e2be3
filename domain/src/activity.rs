//! Activities (ACT-1..ACT-5) and what counts toward the daily quotas (QUO-FACE-D, QUO-CALL-D).

use crate::ids::{CompanyId, UserId};
use crate::policy::ActivityPolicy;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// ACT-1: the kinds of activity.
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

/// A stored activity, as far as the rules need it. Kind-specific details are kept as JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Activity {
    pub company_id: CompanyId,
    pub id: Uuid,
    pub agent_id: UserId,
    pub kind: ActivityKind,
    /// The device's claim of when it happened (a fact, never a deadline input: TIME-4).
    pub occurred_at: DateTime<Utc>,
    /// The server's receive time (decides deadlines: TIME-4).
    pub received_at: DateTime<Utc>,
    /// `occurred_at`'s date in the branch's zone (TIME-1).
    pub business_day: NaiveDate,
    pub client_id: Option<Uuid>,
    pub outlet_id: Option<Uuid>,
    /// Phone services only.
    pub duration_seconds: Option<i64>,
    /// ACT-4: the supervisor who accompanied a face visit.
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
    /// ACT-5: voided activities are excluded from counts.
    Voided,
    /// ACT-3: a call shorter than `min_call_seconds`.
    CallTooShort,
    /// ACT-2: a face visit counts only when it names a client.
    NoClient,
}

/// QUO-FACE-D / QUO-CALL-D: does this activity count toward its daily quota? `None` for kinds
/// without a daily count quota.
pub fn counts_toward_quota(a: &Activity, policy: &ActivityPolicy) -> Option<Result<(), NotCounted>> {
    let verdict = |r: Result<(), NotCounted>| {
        if a.voided_at.is_some() {
            Err(NotCounted::Voided)
        } else {
            r
        }
    };
    match a.kind {
        // ACT-2 (decision): a face visit counts when it names a client, whatever its checklist.
        ActivityKind::FaceVisit => Some(verdict(if a.client_id.is_some() {
            Ok(())
        } else {
            Err(NotCounted::NoClient)
        })),
        // ACT-3 (decision): a call counts only if it lasted at least min_call_seconds.
        ActivityKind::PhoneService => Some(verdict(
            if a.duration_seconds.unwrap_or(0) >= i64::from(policy.min_call_seconds) {
                Ok(())
            } else {
                Err(NotCounted::CallTooShort)
            },
        )),
        _ => None,
    }
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

/// TIME-4 plausibility of a device's `occurred_at` against the server's receive time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OccurredAtProblem {
    InFuture,
    TooOld,
}

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

/// ACT-5: an agent may void only their own activity, only on its business day, only once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoidRefusal {
    NotOwner,
    NotToday,
    AlreadyVoided,
}

pub fn may_void(a: &Activity, by: UserId, today: NaiveDate) -> Result<(), VoidRefusal> {
    if a.agent_id != by {
        Err(VoidRefusal::NotOwner)
    } else if a.voided_at.is_some() {
        Err(VoidRefusal::AlreadyVoided)
    } else if a.business_day != today {
        Err(VoidRefusal::NotToday)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(h: u32) -> DateTime<Utc> {
        DateTime::from_timestamp(1_794_000_000 + i64::from(h) * 3600, 0).unwrap_or_default()
    }

    fn activity(kind: ActivityKind) -> Activity {
        Activity {
            company_id: CompanyId::new(),
            id: Uuid::now_v7(),
            agent_id: UserId::new(),
            kind,
            occurred_at: at(0),
            received_at: at(0),
            business_day: NaiveDate::from_ymd_opt(2026, 11, 3).unwrap_or_default(),
            client_id: Some(Uuid::now_v7()),
            outlet_id: None,
            duration_seconds: Some(60),
            accompanied_by: None,
            device_call_id: None,
            details: serde_json::Value::Null,
            body_hash: String::new(),
            voided_at: None,
            voided_by: None,
            void_reason: None,
        }
    }

    #[test]
    fn act_3_call_below_min_call_seconds_does_not_count() {
        let p = ActivityPolicy::default();
        let mut call = activity(ActivityKind::PhoneService);
        call.duration_seconds = Some(29);
        assert_eq!(counts_toward_quota(&call, &p), Some(Err(NotCounted::CallTooShort)));
        call.duration_seconds = Some(30);
        assert_eq!(counts_toward_quota(&call, &p), Some(Ok(())));
        let strict = ActivityPolicy {
            min_call_seconds: 45,
            ..p
        };
        assert_eq!(counts_toward_quota(&call, &strict), Some(Err(NotCounted::CallTooShort)));
    }

    #[test]
    fn act_2_face_visit_counts_when_it_names_a_client_whatever_the_checklist() {
        let p = ActivityPolicy::default();
        let mut v = activity(ActivityKind::FaceVisit);
        v.details = serde_json::json!({"checklist": {}});
        assert_eq!(counts_toward_quota(&v, &p), Some(Ok(())));
        v.client_id = None;
        assert_eq!(counts_toward_quota(&v, &p), Some(Err(NotCounted::NoClient)));
    }

    #[test]
    fn act_5_voided_activities_are_not_counted() {
        let p = ActivityPolicy::default();
        let mut v = activity(ActivityKind::FaceVisit);
        v.voided_at = Some(at(1));
        assert_eq!(counts_toward_quota(&v, &p), Some(Err(NotCounted::Voided)));
        assert_eq!(counts_toward_quota(&activity(ActivityKind::OutletService), &p), None);
    }

    #[test]
    fn quo_face_d_and_quo_call_d_count_and_remaining() {
        let p = ActivityPolicy::default();
        let mut acts: Vec<Activity> = (0..3).map(|_| activity(ActivityKind::FaceVisit)).collect();
        acts.extend((0..5).map(|_| activity(ActivityKind::PhoneService)));
        acts[7].duration_seconds = Some(10);
        let (face, call) = daily_counts(&acts, &p, true);
        assert_eq!(face, DailyCount::new(3, 3));
        assert!(face.met());
        assert_eq!((call.counted, call.required, call.remaining), (4, 5, 1));
        let (face, call) = daily_counts(&acts, &p, false);
        assert_eq!((face.required, call.required, call.remaining), (0, 0, 0));
    }

    #[test]
    fn time_4_occurred_at_window() {
        let p = ActivityPolicy::default();
        let now = at(200);
        assert_eq!(check_occurred_at(now + Duration::seconds(300), now, &p), Ok(()));
        assert_eq!(
            check_occurred_at(now + Duration::seconds(301), now, &p),
            Err(OccurredAtProblem::InFuture)
        );
        assert_eq!(check_occurred_at(now - Duration::days(7), now, &p), Ok(()));
        assert_eq!(
            check_occurred_at(now - Duration::days(7) - Duration::seconds(1), now, &p),
            Err(OccurredAtProblem::TooOld)
        );
    }

    #[test]
    fn act_5_void_only_own_same_day_once() {
        let a = activity(ActivityKind::FaceVisit);
        let today = a.business_day;
        assert_eq!(may_void(&a, a.agent_id, today), Ok(()));
        assert_eq!(may_void(&a, UserId::new(), today), Err(VoidRefusal::NotOwner));
        assert_eq!(
            may_void(&a, a.agent_id, today.succ_opt().unwrap_or(today)),
            Err(VoidRefusal::NotToday)
        );
        let voided = Activity {
            voided_at: Some(at(2)),
            ..a.clone()
        };
        assert_eq!(may_void(&voided, a.agent_id, today), Err(VoidRefusal::AlreadyVoided));
    }

    proptest! {
        #[test]
        fn quo_2_counts_never_exceed_activities_and_remaining_is_consistent(
            durations in proptest::collection::vec(0i64..120, 0..20),
            voided in proptest::collection::vec(any::<bool>(), 20),
            min in 0u32..90, req in 0u32..10,
        ) {
            let p = ActivityPolicy { min_call_seconds: min, calls_per_day: req, ..ActivityPolicy::default() };
            let acts: Vec<Activity> = durations.iter().zip(voided.iter()).map(|(d, v)| {
                let mut a = activity(ActivityKind::PhoneService);
                a.duration_seconds = Some(*d);
                if *v { a.voided_at = Some(at(3)); }
                a
            }).collect();
            let (_, call) = daily_counts(&acts, &p, true);
            let expected = durations.iter().zip(voided.iter()).filter(|(d, v)| !**v && **d >= i64::from(min)).count() as u32;
            prop_assert_eq!(call.counted, expected);
            prop_assert_eq!(call.remaining, req.saturating_sub(expected));
            prop_assert_eq!(call.met(), expected >= req);
        }
    }
}
