//! The supervisor's review queue for one day: every agent of a team with their diary's state,
//! submission class and review deadline, most urgent first.

use super::{
    classify_review, classify_submission, day_status, Diary, DiaryStatus, ReviewTimeliness, SubmissionDeadlines,
    Timeliness,
};
use crate::ids::UserId;
use crate::time::BranchCalendar;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

/// A queue entry's state: the diary's, or `NotStarted` for an agent without one yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueStatus {
    NotStarted,
    Draft,
    Submitted,
    Approved,
    Returned,
}

impl From<DiaryStatus> for QueueStatus {
    fn from(s: DiaryStatus) -> Self {
        match s {
            DiaryStatus::Draft => QueueStatus::Draft,
            DiaryStatus::Submitted => QueueStatus::Submitted,
            DiaryStatus::Approved => QueueStatus::Approved,
            DiaryStatus::Returned => QueueStatus::Returned,
        }
    }
}

/// An active agent of the team, as the queue lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueAgent {
    pub id: UserId,
    pub name: String,
    /// On approved leave that day.
    pub on_leave: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueItem {
    pub agent_id: UserId,
    pub agent_name: String,
    pub date: NaiveDate,
    pub diary_id: Option<Uuid>,
    pub status: QueueStatus,
    pub submission: Timeliness,
    pub first_submitted_at: Option<DateTime<Utc>>,
    pub review_deadline: Option<DateTime<Utc>>,
    pub review: Option<ReviewTimeliness>,
}

/// The queue of `date`: each agent with a diary, or with daily duty that day; only entries in
/// state `only` when given; awaiting review first (earliest review deadline first), then not
/// yet submitted, then done, by name within each.
pub fn review_queue(
    date: NaiveDate,
    agents: &[QueueAgent],
    diaries: &[Diary],
    calendar: &BranchCalendar,
    deadlines: &SubmissionDeadlines,
    only: Option<QueueStatus>,
    now: DateTime<Utc>,
) -> Vec<QueueItem> {
    let mut items: Vec<QueueItem> = Vec::new();
    for a in agents {
        let d = diaries.iter().find(|d| d.agent_id == a.id);
        if d.is_none() && !day_status(date, calendar, a.on_leave).has_daily_duty() {
            continue;
        }
        let (submission, _) = classify_submission(d.and_then(|d| d.first_submitted_at), now, deadlines);
        items.push(QueueItem {
            agent_id: a.id,
            agent_name: a.name.clone(),
            date,
            diary_id: d.map(|d| d.id),
            status: d.map_or(QueueStatus::NotStarted, |d| d.status.into()),
            submission,
            first_submitted_at: d.and_then(|d| d.first_submitted_at),
            review_deadline: d.and_then(|d| d.review_deadline),
            review: d.and_then(|d| d.review_deadline.map(|dl| classify_review(d.reviewed_at, now, dl))),
        });
    }
    if let Some(s) = only {
        items.retain(|i| i.status == s);
    }
    let rank = |i: &QueueItem| match i.status {
        QueueStatus::Submitted => 0,
        QueueStatus::NotStarted | QueueStatus::Draft | QueueStatus::Returned => 1,
        QueueStatus::Approved => 2,
    };
    items.sort_by(|a, b| (rank(a), a.review_deadline, &a.agent_name).cmp(&(rank(b), b.review_deadline, &b.agent_name)));
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diary::{diary_of_day, DayStatus, DiaryOfDay};
    use crate::ids::CompanyId;
    use chrono::{Duration, TimeZone};

    #[test]
    fn queue_puts_awaiting_review_first_and_skips_agents_on_leave() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 3).unwrap_or_default();
        let at = |h: i64| Utc.with_ymd_and_hms(2026, 11, 3, 0, 0, 0).single().unwrap_or_default() + Duration::hours(h);
        let agent = |name: &str, on_leave: bool| QueueAgent {
            id: UserId::new(),
            name: name.into(),
            on_leave,
        };
        let agents = [
            agent("a", false),
            agent("b", false),
            agent("c", true),
            agent("d", false),
        ];
        let mut submitted = match diary_of_day(
            CompanyId::new(),
            agents[1].id,
            date,
            date,
            DayStatus::Working,
            None,
            at(0),
        ) {
            Ok(DiaryOfDay::Draft(d) | DiaryOfDay::Existing(d)) => d,
            Err(e) => panic!("{e:?}"),
        };
        submitted.status = DiaryStatus::Submitted;
        submitted.first_submitted_at = Some(at(10));
        submitted.review_deadline = Some(at(34));
        let dl = SubmissionDeadlines {
            on_time_by: at(16),
            next_working_day: date + Duration::days(1),
            morning_meeting_starts: at(24),
            morning_meeting_ends: at(25),
        };
        let cal = BranchCalendar::default();
        let q = review_queue(date, &agents, &[submitted.clone()], &cal, &dl, None, at(26));
        let names: Vec<&str> = q.iter().map(|i| i.agent_name.as_str()).collect();
        assert_eq!(names, vec!["b", "a", "d"]);
        assert_eq!(
            (q[0].status, q[0].submission),
            (QueueStatus::Submitted, Timeliness::OnTime)
        );
        assert_eq!(q[0].review, Some(ReviewTimeliness::Pending));
        assert_eq!(
            (q[1].status, q[1].submission),
            (QueueStatus::NotStarted, Timeliness::Missing)
        );
        let only = review_queue(
            date,
            &agents,
            &[submitted],
            &cal,
            &dl,
            Some(QueueStatus::NotStarted),
            at(26),
        );
        assert_eq!(only.len(), 2);
    }
}
