//! Work diaries (DIA-1..DIA-5): the state machine, and the deadlines that classify a diary's
//! submission (DIA-3) and its supervisor's review (DIA-4), all in the branch's local time.

use crate::policy::DiaryPolicy;
use crate::time::{local_instant, BranchCalendar, MeetingWindow};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;

/// DIA-2: the states of a diary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiaryStatus {
    Draft,
    Submitted,
    Approved,
    Returned,
}

impl DiaryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DiaryStatus::Draft => "draft",
            DiaryStatus::Submitted => "submitted",
            DiaryStatus::Approved => "approved",
            DiaryStatus::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Draft, Self::Submitted, Self::Approved, Self::Returned]
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    /// DIA-2: only a draft or a returned diary can be edited by its owner.
    pub fn editable(self) -> bool {
        matches!(self, DiaryStatus::Draft | DiaryStatus::Returned)
    }

    /// DIA-2: draft → submitted, and returned → submitted after correction.
    pub fn submit(self) -> Result<DiaryStatus, TransitionError> {
        match self {
            DiaryStatus::Draft | DiaryStatus::Returned => Ok(DiaryStatus::Submitted),
            other => Err(TransitionError {
                from: other,
                action: "submit",
            }),
        }
    }

    /// DIA-2: a submitted diary is approved by the supervisor.
    pub fn approve(self) -> Result<DiaryStatus, TransitionError> {
        match self {
            DiaryStatus::Submitted => Ok(DiaryStatus::Approved),
            other => Err(TransitionError {
                from: other,
                action: "approve",
            }),
        }
    }

    /// DIA-2: a submitted diary is returned with a comment (the comment is checked by the caller).
    pub fn return_for_correction(self) -> Result<DiaryStatus, TransitionError> {
        match self {
            DiaryStatus::Submitted => Ok(DiaryStatus::Returned),
            other => Err(TransitionError {
                from: other,
                action: "return",
            }),
        }
    }
}

/// A transition the state machine does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransitionError {
    pub from: DiaryStatus,
    pub action: &'static str,
}

impl std::fmt::Display for TransitionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot {} a {} diary", self.action, self.from.as_str())
    }
}

/// A diary as stored. Its activity summary is computed from the activities while it is
/// editable and frozen into `summary` when it is submitted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diary {
    pub company_id: crate::ids::CompanyId,
    pub id: uuid::Uuid,
    pub agent_id: crate::ids::UserId,
    pub date: NaiveDate,
    pub status: DiaryStatus,
    /// Incremented on every write; the ETag, so two devices cannot overwrite each other.
    pub version: i64,
    pub notes: String,
    pub plan: serde_json::Value,
    pub summary: Option<serde_json::Value>,
    pub first_submitted_at: Option<DateTime<Utc>>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub review_deadline: Option<DateTime<Utc>>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub reviewed_by: Option<crate::ids::UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One entry of a diary's history (every transition, stamped with server time and actor).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiaryEvent {
    pub at: DateTime<Utc>,
    pub actor_id: crate::ids::UserId,
    pub action: String,
    pub from_status: Option<DiaryStatus>,
    pub to_status: DiaryStatus,
    pub comment: Option<String>,
}

/// TIME-2: a leave request and its decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaveStatus {
    Requested,
    Approved,
    Rejected,
}

impl LeaveStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LeaveStatus::Requested => "requested",
            LeaveStatus::Approved => "approved",
            LeaveStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Requested, Self::Approved, Self::Rejected]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeaveRequest {
    pub company_id: crate::ids::CompanyId,
    pub id: uuid::Uuid,
    pub agent_id: crate::ids::UserId,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub reason: String,
    pub status: LeaveStatus,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<crate::ids::UserId>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_comment: Option<String>,
}

/// DIA-5: a spot-check finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SpotCheckResult {
    Genuine,
    /// The fact that becomes DIA-PEN-FALSIFIED (and DIA-PEN-FALSIFIED-SUP).
    Falsified,
}

impl SpotCheckResult {
    pub fn as_str(self) -> &'static str {
        match self {
            SpotCheckResult::Genuine => "genuine",
            SpotCheckResult::Falsified => "falsified",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Genuine, Self::Falsified].into_iter().find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpotCheckSample {
    pub company_id: crate::ids::CompanyId,
    pub id: uuid::Uuid,
    pub team_id: crate::ids::TeamId,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub size: u32,
    /// Recorded so the draw can be reproduced.
    pub seed: i64,
    pub drawn_by: crate::ids::UserId,
    pub drawn_at: DateTime<Utc>,
    pub diary_ids: Vec<uuid::Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpotCheck {
    pub company_id: crate::ids::CompanyId,
    pub id: uuid::Uuid,
    pub sample_id: uuid::Uuid,
    pub diary_id: uuid::Uuid,
    pub result: SpotCheckResult,
    pub notes: String,
    pub checked_by: crate::ids::UserId,
    pub checked_at: DateTime<Utc>,
}

/// DIA-3: the instants that classify day D's diary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SubmissionDeadlines {
    /// On time when first submitted at or before this (`diary_deadline` on D, local).
    pub on_time_by: DateTime<Utc>,
    /// The next working day after D, whose morning meeting closes the late-fill window.
    pub next_working_day: NaiveDate,
    pub morning_meeting_starts: DateTime<Utc>,
    /// Late-filled when first submitted after `on_time_by` and at or before this; missing after.
    pub morning_meeting_ends: DateTime<Utc>,
}

/// DIA-3 deadlines for the diary of `day`. `None` only if the calendar has no working day
/// within a year after `day`.
pub fn submission_deadlines(
    day: NaiveDate,
    calendar: &BranchCalendar,
    tz: Tz,
    morning: MeetingWindow,
    policy: &DiaryPolicy,
) -> Option<SubmissionDeadlines> {
    let next = calendar.next_working_day(day)?;
    Some(SubmissionDeadlines {
        on_time_by: local_instant(day, policy.diary_deadline, tz),
        next_working_day: next,
        morning_meeting_starts: local_instant(next, morning.start(), tz),
        morning_meeting_ends: local_instant(next, morning.end(), tz),
    })
}

/// DIA-3: how a diary's submission is classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    /// Not submitted yet and the late-fill window is still open.
    Pending,
    OnTime,
    /// DIA-PEN-LATEFILL: filled after the deadline, before the next morning meeting ended.
    LateFilled,
    /// DIA-PEN-MISSING: not submitted by the end of the next morning meeting (a later
    /// submission is kept and flagged late, but the diary stays missing for penalties).
    Missing,
}

/// DIA-3 classification from the first submission time (server receive time, TIME-4).
/// Returns the class and the deadline that decided it.
pub fn classify_submission(
    first_submitted_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    d: &SubmissionDeadlines,
) -> (Timeliness, DateTime<Utc>) {
    match first_submitted_at {
        Some(t) if t <= d.on_time_by => (Timeliness::OnTime, d.on_time_by),
        Some(t) if t <= d.morning_meeting_ends => (Timeliness::LateFilled, d.morning_meeting_ends),
        Some(_) => (Timeliness::Missing, d.morning_meeting_ends),
        None if now > d.morning_meeting_ends => (Timeliness::Missing, d.morning_meeting_ends),
        None if now > d.on_time_by => (Timeliness::Pending, d.morning_meeting_ends),
        None => (Timeliness::Pending, d.on_time_by),
    }
}

/// DIA-4: the end of the evening meeting of the working day after the submission's business
/// day (in the branch's zone).
pub fn review_deadline(
    submitted_at: DateTime<Utc>,
    calendar: &BranchCalendar,
    tz: Tz,
    evening: MeetingWindow,
) -> Option<DateTime<Utc>> {
    let submitted_day = crate::time::business_day(submitted_at, tz);
    let next = calendar.next_working_day(submitted_day)?;
    Some(local_instant(next, evening.end(), tz))
}

/// When day D can be closed (section 5): every deadline that can affect it has passed, the
/// latest being the review deadline (DIA-4) of a diary filled at the very end of the late-fill
/// window, i.e. the end of the evening meeting of the working day after D's next working day.
pub fn day_close_time(
    day: NaiveDate,
    calendar: &BranchCalendar,
    tz: Tz,
    evening: MeetingWindow,
) -> Option<DateTime<Utc>> {
    let next = calendar.next_working_day(day)?;
    let after = calendar.next_working_day(next)?;
    Some(local_instant(after, evening.end(), tz))
}

/// DIA-4: whether the supervisor reviewed in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewTimeliness {
    /// Awaiting review; the deadline has not passed.
    Pending,
    OnTime,
    /// Reviewed after the deadline.
    Late,
    /// Still not reviewed and the deadline has passed (DIA-PEN-UNREVIEWED).
    Overdue,
}

pub fn classify_review(
    reviewed_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    deadline: DateTime<Utc>,
) -> ReviewTimeliness {
    match reviewed_at {
        Some(t) if t <= deadline => ReviewTimeliness::OnTime,
        Some(_) => ReviewTimeliness::Late,
        None if now > deadline => ReviewTimeliness::Overdue,
        None => ReviewTimeliness::Pending,
    }
}

/// Status of one calendar day for an agent (TIME-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DayStatus {
    Working,
    Rest,
    Holiday,
    /// Approved leave on a working day: no daily duty.
    Leave,
}

impl DayStatus {
    /// DIA-1 / QUO-DIARY: a diary (and every daily quota) is due only on working days.
    pub fn has_daily_duty(self) -> bool {
        self == DayStatus::Working
    }
}

/// TIME-2: a day's status from the branch calendar and the agent's approved leave.
pub fn day_status(day: NaiveDate, calendar: &BranchCalendar, on_leave: bool) -> DayStatus {
    use crate::time::ExceptionKind;
    if !calendar.is_working_day(day) {
        return match calendar.exceptions.get(&day) {
            Some(ExceptionKind::Holiday) => DayStatus::Holiday,
            _ => DayStatus::Rest,
        };
    }
    if on_leave {
        DayStatus::Leave
    } else {
        DayStatus::Working
    }
}

/// DIA-5: a reproducible sample of `size` items drawn from `candidates` with `seed`
/// (SplitMix64-driven Fisher–Yates, so the same seed and candidates give the same sample).
pub fn draw_sample<T: Clone + Ord>(candidates: &[T], size: usize, seed: u64) -> Vec<T> {
    let mut items: Vec<T> = candidates.to_vec();
    items.sort();
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    for i in (1..items.len()).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
    items.truncate(size);
    items.sort();
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{parse_time_zone, ExceptionKind};
    use chrono::{Duration, NaiveTime, TimeZone};
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn utc(y: i32, mo: u32, day: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, day, h, mi, s).single().unwrap_or_default()
    }

    fn shanghai() -> Tz {
        parse_time_zone("Asia/Shanghai").unwrap_or(Tz::UTC)
    }

    fn deadlines(day: NaiveDate, cal: &BranchCalendar) -> SubmissionDeadlines {
        submission_deadlines(
            day,
            cal,
            shanghai(),
            MeetingWindow::default_morning(),
            &DiaryPolicy::default(),
        )
        .unwrap_or(SubmissionDeadlines {
            on_time_by: DateTime::default(),
            next_working_day: day,
            morning_meeting_starts: DateTime::default(),
            morning_meeting_ends: DateTime::default(),
        })
    }

    #[test]
    fn dia_2_transitions() {
        use DiaryStatus::*;
        assert_eq!(Draft.submit(), Ok(Submitted));
        assert_eq!(Returned.submit(), Ok(Submitted));
        assert!(Submitted.submit().is_err());
        assert!(Approved.submit().is_err());
        assert_eq!(Submitted.approve(), Ok(Approved));
        assert!(Draft.approve().is_err());
        assert!(Returned.approve().is_err());
        assert!(Approved.approve().is_err());
        assert_eq!(Submitted.return_for_correction(), Ok(Returned));
        assert!(Draft.return_for_correction().is_err());
        assert!(Approved.return_for_correction().is_err());
        assert!(Draft.editable() && Returned.editable() && !Submitted.editable() && !Approved.editable());
    }

    #[test]
    fn dia_3_boundaries_in_shanghai() {
        let cal = BranchCalendar::default();
        // Diary of Tuesday 2026-11-03; the next working day is Wednesday the 4th.
        let dl = deadlines(d(2026, 11, 3), &cal);
        assert_eq!(dl.on_time_by, utc(2026, 11, 3, 15, 59, 59));
        assert_eq!(dl.morning_meeting_starts, utc(2026, 11, 4, 0, 30, 0));
        assert_eq!(dl.morning_meeting_ends, utc(2026, 11, 4, 1, 30, 0));
        let now = utc(2026, 12, 1, 0, 0, 0);
        let class = |t: DateTime<Utc>| classify_submission(Some(t), now, &dl).0;
        assert_eq!(class(dl.on_time_by - Duration::seconds(1)), Timeliness::OnTime);
        assert_eq!(class(dl.on_time_by), Timeliness::OnTime);
        assert_eq!(class(dl.on_time_by + Duration::seconds(1)), Timeliness::LateFilled);
        assert_eq!(
            class(dl.morning_meeting_starts - Duration::seconds(1)),
            Timeliness::LateFilled
        );
        assert_eq!(
            class(dl.morning_meeting_starts + Duration::seconds(1)),
            Timeliness::LateFilled
        );
        assert_eq!(
            class(dl.morning_meeting_ends - Duration::seconds(1)),
            Timeliness::LateFilled
        );
        assert_eq!(
            class(dl.morning_meeting_ends + Duration::seconds(1)),
            Timeliness::Missing
        );
        assert_eq!(classify_submission(None, now, &dl).0, Timeliness::Missing);
        assert_eq!(classify_submission(None, dl.on_time_by, &dl).0, Timeliness::Pending);
    }

    #[test]
    fn dia_3_saturday_diary_waits_for_monday_meeting_and_holidays_skip() {
        let mut cal = BranchCalendar::default();
        // Saturday the 7th is a working day; Sunday is rest; Monday the 9th a holiday.
        cal.exceptions.insert(d(2026, 11, 9), ExceptionKind::Holiday);
        let dl = deadlines(d(2026, 11, 7), &cal);
        assert_eq!(dl.next_working_day, d(2026, 11, 10));
        // A make-up working day on the Sunday pulls the meeting forward.
        cal.exceptions.insert(d(2026, 11, 8), ExceptionKind::WorkingDay);
        assert_eq!(deadlines(d(2026, 11, 7), &cal).next_working_day, d(2026, 11, 8));
    }

    #[test]
    fn dia_4_review_deadline_is_next_working_days_evening_meeting_end() {
        let cal = BranchCalendar::default();
        let tz = shanghai();
        // Submitted Tuesday 22:00 local → Wednesday 18:30 local = 10:30 UTC.
        let dl = review_deadline(utc(2026, 11, 3, 14, 0, 0), &cal, tz, MeetingWindow::default_evening());
        assert_eq!(dl, Some(utc(2026, 11, 4, 10, 30, 0)));
        // Submitted Wednesday 00:30 local (late fill) → Thursday's evening meeting.
        let dl2 = review_deadline(utc(2026, 11, 3, 16, 30, 0), &cal, tz, MeetingWindow::default_evening());
        assert_eq!(dl2, Some(utc(2026, 11, 5, 10, 30, 0)));
        let deadline = utc(2026, 11, 4, 10, 30, 0);
        assert_eq!(
            classify_review(Some(deadline), deadline, deadline),
            ReviewTimeliness::OnTime
        );
        assert_eq!(
            classify_review(Some(deadline + Duration::seconds(1)), deadline, deadline),
            ReviewTimeliness::Late
        );
        assert_eq!(
            classify_review(None, deadline + Duration::seconds(1), deadline),
            ReviewTimeliness::Overdue
        );
        assert_eq!(classify_review(None, deadline, deadline), ReviewTimeliness::Pending);
    }

    #[test]
    fn day_closes_after_the_latest_review_deadline() {
        let cal = BranchCalendar::default();
        // Tuesday 3rd: late fill until Wednesday's meeting; its review is due Thursday 18:30.
        let t = day_close_time(d(2026, 11, 3), &cal, shanghai(), MeetingWindow::default_evening());
        assert_eq!(t, Some(utc(2026, 11, 5, 10, 30, 0)));
        // Saturday 7th: Monday's meeting, review due Tuesday evening.
        let t = day_close_time(d(2026, 11, 7), &cal, shanghai(), MeetingWindow::default_evening());
        assert_eq!(t, Some(utc(2026, 11, 10, 10, 30, 0)));
    }

    #[test]
    fn time_2_day_status_and_duty() {
        let mut cal = BranchCalendar::default();
        cal.exceptions.insert(d(2026, 10, 1), ExceptionKind::Holiday);
        assert_eq!(day_status(d(2026, 10, 1), &cal, false), DayStatus::Holiday);
        assert_eq!(day_status(d(2026, 11, 8), &cal, false), DayStatus::Rest);
        assert_eq!(day_status(d(2026, 11, 8), &cal, true), DayStatus::Rest);
        assert_eq!(day_status(d(2026, 11, 9), &cal, true), DayStatus::Leave);
        assert_eq!(day_status(d(2026, 11, 9), &cal, false), DayStatus::Working);
        assert!(DayStatus::Working.has_daily_duty());
        assert!(!DayStatus::Leave.has_daily_duty());
    }

    #[test]
    fn dia_3_deadline_follows_policy_time() {
        let cal = BranchCalendar::default();
        let policy = DiaryPolicy {
            diary_deadline: NaiveTime::from_hms_opt(21, 0, 0).unwrap_or_default(),
        };
        let dl = submission_deadlines(
            d(2026, 11, 3),
            &cal,
            shanghai(),
            MeetingWindow::default_morning(),
            &policy,
        );
        assert_eq!(dl.map(|x| x.on_time_by), Some(utc(2026, 11, 3, 13, 0, 0)));
    }

    #[test]
    fn dia_5_sample_is_reproducible_and_bounded() {
        let ids: Vec<u32> = (0..50).collect();
        let a = draw_sample(&ids, 5, 42);
        assert_eq!(a, draw_sample(&ids, 5, 42));
        assert_eq!(a.len(), 5);
        assert_ne!(a, draw_sample(&ids, 5, 43));
        assert_eq!(draw_sample(&ids[..3], 5, 1).len(), 3);
    }

    proptest! {
        #[test]
        fn dia_3_classification_is_monotone_in_submission_time(day in 0i64..700, a in 0i64..200_000, b in 0i64..200_000) {
            let cal = BranchCalendar::default();
            let date = d(2026, 1, 1) + Duration::days(day);
            let dl = deadlines(date, &cal);
            let base = dl.on_time_by - Duration::seconds(100_000);
            let rank = |t: Timeliness| match t { Timeliness::OnTime => 0, Timeliness::LateFilled => 1, _ => 2 };
            let (x, y) = (a.min(b), a.max(b));
            let now = base + Duration::days(30);
            let cx = classify_submission(Some(base + Duration::seconds(x)), now, &dl).0;
            let cy = classify_submission(Some(base + Duration::seconds(y)), now, &dl).0;
            prop_assert!(rank(cx) <= rank(cy));
            prop_assert!(dl.on_time_by < dl.morning_meeting_starts && dl.morning_meeting_starts < dl.morning_meeting_ends);
        }

        #[test]
        fn dia_5_sample_is_a_subset_without_repeats(n in 0usize..100, size in 0usize..30, seed in any::<u64>()) {
            let ids: Vec<usize> = (0..n).collect();
            let s = draw_sample(&ids, size, seed);
            prop_assert_eq!(s.len(), size.min(n));
            let mut dedup = s.clone();
            dedup.dedup();
            prop_assert_eq!(dedup.len(), s.len());
            prop_assert!(s.iter().all(|x| *x < n));
        }
    }
}
