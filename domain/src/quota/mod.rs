//! Section 3's quotas. Daily requirements (QUO-FACE-D, QUO-CALL-D, QUO-DIARY) are judged day
//! by day (QUO-2); the monthly and weekly ones (QUO-FACE-M, QUO-CALL-M, QUO-RENEW, QUO-OUTLET,
//! QUO-MEET) are compliance results (QUO-3) in [`monthly`].

mod monthly;

pub use monthly::*;

use crate::activity::{counts_toward_quota, Activity, ActivityKind};
use crate::diary::{classify_submission, DayStatus, SubmissionDeadlines, Timeliness};
use crate::policy::ActivityPolicy;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// A requirement: how many counted against how many required, met or short by N.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Requirement {
    pub counted: i64,
    pub required: i64,
    pub met: bool,
    pub short_by: i64,
}

impl Requirement {
    pub fn new(counted: i64, required: i64) -> Self {
        Requirement {
            counted,
            required,
            met: counted >= required,
            short_by: (required - counted).max(0),
        }
    }
}

/// What one agent-day contributes to the quotas. `day_counts` aggregates the same in SQL for
/// speed; a property test holds the two equal on both engines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayTally {
    /// Counted face visits (ACT-2: naming a client, not voided).
    pub face_visits: i64,
    /// Counted phone services (ACT-3: at least `min_call_seconds`, not voided).
    pub calls: i64,
    /// Renewal collections naming a client, not voided (QUO-RENEW).
    pub renewals: i64,
    /// Meeting attendances recorded (QUO-MEET).
    pub morning_meetings: i64,
    pub evening_meetings: i64,
}

/// Counts one agent-day's activities toward the quotas, voided ones excluded (ACT-5).
pub fn tally_day(activities: &[Activity], policy: &ActivityPolicy) -> DayTally {
    let mut t = DayTally::default();
    for a in activities {
        match a.kind {
            ActivityKind::FaceVisit if counts_toward_quota(a, policy) == Some(Ok(())) => t.face_visits += 1,
            ActivityKind::PhoneService if counts_toward_quota(a, policy) == Some(Ok(())) => t.calls += 1,
            ActivityKind::RenewalCollection if a.voided_at.is_none() && a.client_id.is_some() => t.renewals += 1,
            ActivityKind::MeetingAttendance if a.voided_at.is_none() => {
                match a.details.get("meeting").and_then(serde_json::Value::as_str) {
                    Some("morning") => t.morning_meetings += 1,
                    Some("evening") => t.evening_meetings += 1,
                    _ => {}
                }
            }
            _ => {}
        }
    }
    t
}

/// QUO-2: a daily requirement is judged on that day's own count, so a surplus on one day never
/// offsets a shortfall on another; days without duty (TIME-2) require nothing.
pub fn daily_requirement(status: DayStatus, counted: i64, required_on_duty: u32) -> Requirement {
    let required = if status.has_daily_duty() {
        i64::from(required_on_duty)
    } else {
        0
    };
    Requirement::new(counted, required)
}

/// QUO-FACE-D: counted face visits required on each working day.
pub fn face_visits_day(status: DayStatus, counted: i64, policy: &ActivityPolicy) -> Requirement {
    daily_requirement(status, counted, policy.face_visits_per_day)
}

/// QUO-CALL-D: counted phone services required on each working day.
pub fn calls_day(status: DayStatus, counted: i64, policy: &ActivityPolicy) -> Requirement {
    daily_requirement(status, counted, policy.calls_per_day)
}

/// QUO-DIARY: one diary is due on each working day; its state at `now` (DIA-3's classes).
/// `None` on a day without duty, or when the calendar gives the diary no deadline.
pub fn diary_day(
    status: DayStatus,
    first_submitted_at: Option<DateTime<Utc>>,
    deadlines: Option<&SubmissionDeadlines>,
    now: DateTime<Utc>,
) -> Option<Timeliness> {
    if !status.has_daily_duty() {
        return None;
    }
    deadlines.map(|d| classify_submission(first_submitted_at, now, d).0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{CompanyId, UserId};
    use chrono::{Duration, NaiveDate, TimeZone};

    fn at(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 3, 0, 0, 0).single().unwrap_or_default() + Duration::hours(h)
    }

    fn act(kind: ActivityKind, client: bool, secs: Option<i64>, details: serde_json::Value) -> Activity {
        Activity {
            company_id: CompanyId(uuid::Uuid::nil()),
            id: uuid::Uuid::now_v7(),
            agent_id: UserId(uuid::Uuid::nil()),
            kind,
            occurred_at: at(2),
            received_at: at(2),
            business_day: NaiveDate::from_ymd_opt(2026, 11, 3).unwrap_or_default(),
            client_id: client.then(uuid::Uuid::now_v7),
            outlet_id: None,
            duration_seconds: secs,
            accompanied_by: None,
            device_call_id: None,
            details,
            body_hash: String::new(),
            voided_at: None,
            voided_by: None,
            void_reason: None,
        }
    }

    #[test]
    fn tally_counts_what_the_quotas_count() {
        let null = serde_json::Value::Null;
        let mut voided = act(ActivityKind::FaceVisit, true, None, null.clone());
        voided.voided_at = Some(at(3));
        let acts = vec![
            act(ActivityKind::FaceVisit, true, None, null.clone()),
            act(ActivityKind::FaceVisit, false, None, null.clone()),
            voided,
            act(ActivityKind::PhoneService, true, Some(30), null.clone()),
            act(ActivityKind::PhoneService, true, Some(29), null.clone()),
            act(ActivityKind::RenewalCollection, true, None, null.clone()),
            act(
                ActivityKind::MeetingAttendance,
                false,
                None,
                serde_json::json!({"meeting": "morning"}),
            ),
            act(
                ActivityKind::MeetingAttendance,
                false,
                None,
                serde_json::json!({"meeting": "evening"}),
            ),
            act(ActivityKind::OutletService, false, None, null),
        ];
        assert_eq!(
            tally_day(&acts, &ActivityPolicy::default()),
            DayTally {
                face_visits: 1,
                calls: 1,
                renewals: 1,
                morning_meetings: 1,
                evening_meetings: 1
            }
        );
    }

    #[test]
    fn quo_2_a_surplus_never_offsets_another_days_shortfall() {
        let days = [
            daily_requirement(DayStatus::Working, 6, 3),
            daily_requirement(DayStatus::Working, 0, 3),
        ];
        assert_eq!(days.iter().map(|r| r.short_by).sum::<i64>(), 3);
        assert!(days[0].met && !days[1].met);
        assert_eq!(daily_requirement(DayStatus::Rest, 0, 3), Requirement::new(0, 0));
    }

    #[test]
    fn quo_face_d_three_counted_visits_each_working_day() {
        let p = ActivityPolicy::default();
        assert_eq!(face_visits_day(DayStatus::Working, 2, &p), Requirement::new(2, 3));
        assert_eq!(face_visits_day(DayStatus::Working, 2, &p).short_by, 1);
        assert!(face_visits_day(DayStatus::Leave, 0, &p).met);
    }

    #[test]
    fn quo_call_d_five_counted_calls_each_working_day() {
        let p = ActivityPolicy::default();
        assert_eq!(calls_day(DayStatus::Working, 4, &p).short_by, 1);
        assert!(calls_day(DayStatus::Working, 5, &p).met);
        assert_eq!(calls_day(DayStatus::Holiday, 0, &p).required, 0);
    }

    #[test]
    fn quo_diary_one_diary_per_working_day() {
        let d = SubmissionDeadlines {
            on_time_by: at(16),
            next_working_day: NaiveDate::from_ymd_opt(2026, 11, 4).unwrap_or_default(),
            morning_meeting_starts: at(24),
            morning_meeting_ends: at(25),
        };
        assert_eq!(
            diary_day(DayStatus::Working, Some(at(10)), Some(&d), at(100)),
            Some(Timeliness::OnTime)
        );
        assert_eq!(
            diary_day(DayStatus::Working, None, Some(&d), at(100)),
            Some(Timeliness::Missing)
        );
        assert_eq!(diary_day(DayStatus::Rest, None, Some(&d), at(100)), None);
        assert_eq!(diary_day(DayStatus::Working, None, None, at(100)), None);
    }
}
