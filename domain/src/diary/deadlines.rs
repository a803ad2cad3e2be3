//! The deadlines that classify a diary's submission and its supervisor's review, in the
//! branch's local time, and how a diary's classes are shown.

use super::Diary;
use crate::ids::UserId;
use crate::policy::DiaryPolicy;
use crate::time::{local_instant, BranchCalendar, MeetingWindow};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;

/// The instants that classify day D's diary (see [`classify_submission`]).
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

/// The deadlines for the diary of `day` under the policy's diary deadline. `None` only if
/// the calendar has no working day within a year after `day`.
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

/// How a diary's submission is classified.
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

/// DIA-3: the diary of day D is on time when first submitted by `diary_deadline` on D,
/// late-filled when first submitted after that but by the end of the next working day's
/// morning meeting, and missing otherwise (a later submission is kept, flagged late, and
/// stays missing). The first submission's server receive time decides (TIME-4); before it,
/// the class is pending until the late-fill window closes. Returns the class and the
/// deadline that decided (or will decide) it.
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

/// DIA-4: a submitted diary is due for review by the end of the evening meeting of the
/// working day after its submission's business day (in the branch's zone); each submission
/// sets it afresh.
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
/// latest being the review deadline of a diary filled at the very end of the late-fill
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

/// Whether the supervisor reviewed by the review deadline.
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

/// A review against its deadline ([`review_deadline`]), at `now`.
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

/// A diary's submission class with the deadlines behind it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubmissionView {
    pub timeliness: Timeliness,
    pub decided_by: DateTime<Utc>,
    pub deadlines: SubmissionDeadlines,
    pub first_submitted_at: Option<DateTime<Utc>>,
    pub last_submitted_at: Option<DateTime<Utc>>,
    /// First submitted after the next morning meeting: accepted, but missing for penalties.
    pub late: bool,
}

pub fn submission_view(d: &Diary, deadlines: &SubmissionDeadlines, now: DateTime<Utc>) -> SubmissionView {
    let (timeliness, decided_by) = classify_submission(d.first_submitted_at, now, deadlines);
    SubmissionView {
        timeliness,
        decided_by,
        deadlines: *deadlines,
        first_submitted_at: d.first_submitted_at,
        last_submitted_at: d.submitted_at,
        late: d.first_submitted_at.is_some_and(|t| t > deadlines.morning_meeting_ends),
    }
}

/// A submitted diary's review deadline and whether it was met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewView {
    pub deadline: DateTime<Utc>,
    pub timeliness: ReviewTimeliness,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub reviewed_by: Option<UserId>,
}

/// `None` until the diary has been submitted.
pub fn review_view(d: &Diary, now: DateTime<Utc>) -> Option<ReviewView> {
    d.review_deadline.map(|deadline| ReviewView {
        deadline,
        timeliness: classify_review(d.reviewed_at, now, deadline),
        reviewed_at: d.reviewed_at,
        reviewed_by: d.reviewed_by,
    })
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
    }
}
